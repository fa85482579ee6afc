{{%AUTOESCAPE context="HTML"}}
{{! First-account form, open only while no user exists. FORM_CSRF: the
    double-submit token; EMAIL kept after an error (passwords never are);
    per-field messages in *_ERROR sections; ERROR/MESSAGE for the rest. }}
<section class="card narrow">
<h1>Create the first account</h1>
<p class="hint">This account manages the farm. More users can be added later.</p>
{{#ERROR}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/ERROR}}
<form method="post" action="/setup" class="stack">
<input type="hidden" name="csrf" value="{{FORM_CSRF}}">
<label for="setup_code">Setup code <span class="hint">(printed by <code>make run</code>; <code>farmctl setup-code</code> makes a new one)</span></label>
<input id="setup_code" name="setup_code" type="text" autocomplete="off" spellcheck="false" required autofocus>
{{#CODE_ERROR}}<p class="field-error">{{CODE_MSG}}</p>{{/CODE_ERROR}}
<label for="email">Email</label>
<input id="email" name="email" type="email" value="{{EMAIL}}" autocomplete="username" required>
{{#EMAIL_ERROR}}<p class="field-error">{{EMAIL_MSG}}</p>{{/EMAIL_ERROR}}
<label for="password">Password <span class="hint">(at least {{PASSWORD_MIN}} characters)</span></label>
<input id="password" name="password" type="password" minlength="{{PASSWORD_MIN}}" autocomplete="new-password" required>
{{#PASSWORD_ERROR}}<p class="field-error">{{PASSWORD_MSG}}</p>{{/PASSWORD_ERROR}}
<label for="password2">Password again</label>
<input id="password2" name="password2" type="password" minlength="{{PASSWORD_MIN}}" autocomplete="new-password" required>
{{#PASSWORD2_ERROR}}<p class="field-error">{{PASSWORD2_MSG}}</p>{{/PASSWORD2_ERROR}}
<button type="submit">Create account</button>
</form>
</section>
