{{%AUTOESCAPE context="HTML"}}
{{! The top of every page. TITLE names the page. SESSION is shown when the
    request has a cookie session (CSRF_TOKEN is its token, read by the
    dashboard's scripts from the meta tag); USER adds USER_EMAIL. NAV_<PAGE>
    marks the current page in the navigation; NOTICE/NOTICE_TEXT is the
    one-line message after a form succeeded. }}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{#SESSION}}<meta name="csrf-token" content="{{CSRF_TOKEN}}">{{/SESSION}}
<title>{{TITLE}} - bambufarm</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
{{#SESSION}}<script src="/static/app.js" defer></script>{{/SESSION}}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="topbar">
<a class="brand" href="/">bambufarm</a>
{{#SESSION}}
<nav class="nav" aria-label="Main">
<a href="/"{{#NAV_OVERVIEW}} aria-current="page"{{/NAV_OVERVIEW}}>Overview</a>
<a href="/queue"{{#NAV_QUEUE}} aria-current="page"{{/NAV_QUEUE}}>Queue</a>
<a href="/printers"{{#NAV_PRINTERS}} aria-current="page"{{/NAV_PRINTERS}}>Printers</a>
<a href="/files"{{#NAV_FILES}} aria-current="page"{{/NAV_FILES}}>Files</a>
<a href="/orders"{{#NAV_ORDERS}} aria-current="page"{{/NAV_ORDERS}}>Orders</a>
<a href="/products"{{#NAV_PRODUCTS}} aria-current="page"{{/NAV_PRODUCTS}}>Products</a>
<a href="/history"{{#NAV_HISTORY}} aria-current="page"{{/NAV_HISTORY}}>History</a>
<a href="/analytics"{{#NAV_ANALYTICS}} aria-current="page"{{/NAV_ANALYTICS}}>Analytics</a>
<a href="/account"{{#NAV_ACCOUNT}} aria-current="page"{{/NAV_ACCOUNT}}>Account</a>
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
<main id="main">
{{#NOTICE}}<p class="notice" role="status">{{NOTICE_TEXT}}</p>{{/NOTICE}}
