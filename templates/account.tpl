{{%AUTOESCAPE context="HTML"}}
{{! The account: the password form (current_password, password, password2
    with <key>_error beside each; PASSWORD_MIN/MAX), API tokens (NEW_TOKEN
    with TOKEN: shown on this answer only; the create form's name field as
    page_form.h sets it; TOKEN_ROW with ID, NAME, CREATED and EXPIRES times,
    or NO_TOKENS), the cost settings (COSTS: energy_price_per_kwh as
    page_form.h sets it, CURRENCY), the Etsy shops (page_etsy.c: ETSY_ON or
    ETSY_OFF, NO_SHOPS, SHOP_ROW with ID, NAME, STATUS, SYMBOL, WORD, TONE,
    IMPORTED, SYNCED time or SYNCED_NONE, LAST_ERROR with TEXT, CAN_SYNC,
    RECONNECT), and sign out everywhere (browser sessions only). }}
<section class="shop">
<div class="heading">
<h1>Account</h1>
<p class="hint">Signed in as {{USER_EMAIL}}</p>
</div>
<form class="card" method="post" action="/account/password">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<h2>Change password</h2>
<div class="form-grid">
<div class="field">
<label for="a-current">Current password <span class="req" aria-hidden="true">*</span></label>
<input id="a-current" type="password" name="current_password" autocomplete="current-password" required{{#current_password_error}} aria-invalid="true" aria-describedby="a-current-error"{{/current_password_error}}>
{{#current_password_error}}<p class="field-error" id="a-current-error">{{msg}}</p>{{/current_password_error}}
</div>
<div class="field">
<label for="a-password">New password <span class="req" aria-hidden="true">*</span></label>
<input id="a-password" type="password" name="password" autocomplete="new-password" minlength="{{PASSWORD_MIN}}" maxlength="{{PASSWORD_MAX}}" required{{#password_error}} aria-invalid="true" aria-describedby="a-password-error"{{/password_error}}>
{{#password_error}}<p class="field-error" id="a-password-error">{{msg}}</p>{{/password_error}}
<p class="help">At least {{PASSWORD_MIN}} characters.</p>
</div>
<div class="field">
<label for="a-password2">New password again <span class="req" aria-hidden="true">*</span></label>
<input id="a-password2" type="password" name="password2" autocomplete="new-password" required{{#password2_error}} aria-invalid="true" aria-describedby="a-password2-error"{{/password2_error}}>
{{#password2_error}}<p class="field-error" id="a-password2-error">{{msg}}</p>{{/password2_error}}
</div>
</div>
<button type="submit">Change password</button>
</form>

{{#COSTS}}
<form class="card" method="post" action="/account/costs" novalidate>
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<h2>Costs</h2>
{{#ERRORS}}<div class="alert" role="alert"><p>The settings were not saved:</p><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<div class="form-grid">
<div class="field">
<label for="a-energy">Energy price per kWh ({{CURRENCY}})</label>
<input id="a-energy" name="energy_price_per_kwh" type="text" inputmode="decimal" value="{{energy_price_per_kwh}}"{{#energy_price_per_kwh_error}} aria-invalid="true" aria-describedby="a-energy-error"{{/energy_price_per_kwh_error}}>
{{#energy_price_per_kwh_error}}<p class="field-error" id="a-energy-error">{{msg}}</p>{{/energy_price_per_kwh_error}}
<p class="help">Every print's energy cost: its printer's power &times; printing hours &times; this price.</p>
</div>
</div>
<button type="submit">Save costs</button>
</form>
{{/COSTS}}

<div class="card">
<h2>API tokens</h2>
<p class="help">For scripts and farmctl: send one as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
{{#NEW_TOKEN}}
<div class="token-once" role="status">
<p><strong>Your new token.</strong> Copy it now: it is not shown again.</p>
<label for="a-new-token">New token</label>
<input id="a-new-token" class="mono" value="{{TOKEN}}" readonly>
</div>
{{/NEW_TOKEN}}
<form method="post" action="/account/tokens">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<div class="form-grid">
<div class="field">
<label for="a-token-name">Name <span class="req" aria-hidden="true">*</span></label>
<input id="a-token-name" name="name" value="{{name}}" maxlength="{{name_max}}" required{{#name_error}} aria-invalid="true" aria-describedby="a-token-name-error"{{/name_error}}>
{{#name_error}}<p class="field-error" id="a-token-name-error">{{msg}}</p>{{/name_error}}
<p class="help">What uses it, e.g. "farmctl on the laptop".</p>
</div>
</div>
<button type="submit">Create token</button>
</form>
{{#NO_TOKENS}}<p class="hint">No tokens yet.</p>{{/NO_TOKENS}}
<ul class="token-list">
{{#TOKEN_ROW}}
<li>
<span class="name">{{NAME}}</span>
<span class="sub">created {{#CREATED}}<time datetime="{{CREATED_ISO}}" data-format="datetime">{{CREATED_TEXT}}</time>{{/CREATED}}{{#EXPIRES}}, expires <time datetime="{{EXPIRES_ISO}}" data-format="datetime">{{EXPIRES_TEXT}}</time>{{/EXPIRES}}{{#EXPIRES_NONE}}, never expires{{/EXPIRES_NONE}}</span>
<details class="confirm">
<summary>Revoke</summary>
<form class="inline" method="post" action="/account/tokens/{{ID}}/revoke">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="danger small">Revoke {{NAME}}</button>
</form>
</details>
</li>
{{/TOKEN_ROW}}
</ul>
</div>

<div class="card" id="etsy">
<h2>Etsy shops</h2>
<p class="help">Paid orders of a connected shop arrive by themselves with the dispatcher's runs.</p>
{{#ETSY_ON}}<p><a class="button" href="/etsy/connect">Connect an Etsy shop</a></p>{{/ETSY_ON}}
{{#ETSY_OFF}}<p class="hint">Etsy is not set up on this install: the operator sets FARM_ETSY_KEYSTRING, FARM_ETSY_SECRET and FARM_PUBLIC_URL.</p>{{/ETSY_OFF}}
{{#NO_SHOPS}}<p class="hint">No Etsy shops yet.</p>{{/NO_SHOPS}}
<ul class="token-list etsy-shops">
{{#SHOP_ROW}}
<li data-shop="{{ID}}" data-status="{{STATUS}}">
<span class="name">{{NAME}}</span>
<span class="badge tone-{{TONE}}" data-field="status"><span aria-hidden="true">{{SYMBOL}}</span> {{WORD}}</span>
<span class="sub">{{#SYNCED}}last sync <time datetime="{{SYNCED_ISO}}" data-format="datetime">{{SYNCED_TEXT}}</time>{{/SYNCED}}{{#SYNCED_NONE}}not synced yet{{/SYNCED_NONE}}, {{IMPORTED}} orders imported</span>
{{#LAST_ERROR}}<span class="sub tone-bad">Last error: {{TEXT}}</span>{{/LAST_ERROR}}
{{#CAN_SYNC}}<form class="inline" method="post" action="/etsy/shops/{{ID}}/sync">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="secondary small">Sync now</button>
</form>{{/CAN_SYNC}}
{{#RECONNECT}}<a class="button secondary small" href="/etsy/connect">Reconnect</a>{{/RECONNECT}}
<details class="confirm">
<summary>Disconnect</summary>
<form class="inline" method="post" action="/etsy/shops/{{ID}}/disconnect">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="danger small">Disconnect {{NAME}}</button>
</form>
<p class="help">Its imported orders stay.</p>
</details>
</li>
{{/SHOP_ROW}}
</ul>
</div>

<div class="card">
<h2>Sign out everywhere</h2>
<p>Ends every browser session of this account, this one too. API tokens keep working; revoke them above.</p>
<details class="confirm">
<summary>Sign out everywhere</summary>
<form method="post" action="/account/sign-out-everywhere">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="danger">Yes, sign out every browser</button>
</form>
</details>
</div>
</section>
