{{%AUTOESCAPE context="HTML"}}
{{! The top of every page. TITLE names the page. SESSION is shown when the
    request has a cookie session (CSRF_TOKEN is its token, read by the
    dashboard's scripts from the meta tag); USER adds USER_EMAIL. }}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{#SESSION}}<meta name="csrf-token" content="{{CSRF_TOKEN}}">{{/SESSION}}
<title>{{TITLE}} - bambufarm</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header class="topbar">
<a class="brand" href="/">bambufarm</a>
{{#SESSION}}
<nav class="nav">
<a href="/printers">Printers</a>
</nav>
<div class="account">
{{#USER}}<span class="email">{{USER_EMAIL}}</span>{{/USER}}
<form class="inline" method="post" action="/logout">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="link">Sign out</button>
</form>
</div>
{{/SESSION}}
</header>
<main>
