{{%AUTOESCAPE context="HTML"}}
{{! Sign-in form. FORM_CSRF: the double-submit token; EMAIL: kept after a
    failed attempt; ERROR/MESSAGE: why it failed; SETUP_LINK while no
    account exists. }}
<section class="card narrow">
<h1>Sign in</h1>
{{#ERROR}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/ERROR}}
<form method="post" action="/login" class="stack">
<input type="hidden" name="csrf" value="{{FORM_CSRF}}">
<label for="email">Email</label>
<input id="email" name="email" type="email" value="{{EMAIL}}" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
{{#SETUP_LINK}}<p class="hint">No account yet? <a href="/setup">Create the first account</a>.</p>{{/SETUP_LINK}}
</section>
