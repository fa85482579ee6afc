{{%AUTOESCAPE context="HTML"}}
{{! An error page: STATUS (the HTTP status), TITLE, MESSAGE; SIGNED_OUT
    adds a link to the sign-in page. }}
<section class="card narrow">
<h1>{{TITLE}}</h1>
<p class="alert" role="alert">{{MESSAGE}}</p>
<p class="hint">Error {{STATUS}}. <a href="/">Back to the start page</a>{{#SIGNED_OUT}} or <a href="/login">sign in</a>{{/SIGNED_OUT}}.</p>
</section>
