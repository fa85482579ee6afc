{{%AUTOESCAPE context="HTML"}}
{{! One printer (lib/web/page_printer*.c). ID NAME MODEL SERIAL HOST; the
    live state: STATUS_* badge, DETAIL, ONLINE(_TONE), JOB_NAME, PROGRESS,
    PROGRESS_TEXT, REMAINING, ENDS/ENDS_NONE, NOZZLE, BED, SEEN/SEEN_NONE
    (data-printer/data-field for static/app.js). Each form is a section
    filled by page_form_fill (K, K_min, K_max, K_error/msg, K_opt, K_checked,
    ERRORS): EDIT, DELETE; MATERIALS/MATERIAL (MID SLOT_NO TYPE SWATCH
    COLOR_TEXT PCT LEFT VENDOR_TEXT COST_TEXT SOURCE, FORM, REMOVE, OPEN) or
    NO_MATERIALS, ADD_MATERIAL; QUEUE/PRINT (PID POS PNAME FILE PSTATUS_* EST
    AT, PRIO and CANCEL when waiting, else PRIORITY_TEXT) or NO_QUEUE;
    HISTORY/ENDED (HNAME HSTATUS_* REASON ENDED_AT) or NO_HISTORY;
    SWATCH/SWATCH_EMPTY (SLOT_NO COLOR TYPE PCT) the AMS at a glance;
    maintenance: HOURS INTERVAL/NO_INTERVAL DUE/NOT_DUE LAST RECORD
    INTERVAL_FORM RECORD_FORM; notifications: NOTIFY (WF_AUTO WF_EFFECTIVE
    DISABLED), HAS_WEBHOOK, SECRET_SET/NO_SECRET, SECRET (shown once), TEST,
    DELIVERIES/DELIVERY or NO_DELIVERIES. }}
<div class="heading">
<h1>{{NAME}}</h1>
<p class="hint">{{MODEL}} &middot; <span class="mono">{{SERIAL}}</span> &middot; <span class="mono">{{HOST}}</span></p>
<a href="/printers">All printers</a>
</div>
<nav class="jump" aria-label="On this page">
<a href="#materials">AMS</a> <a href="#queue">Queue</a> <a href="#history">History</a> <a href="#maintenance">Maintenance</a> <a href="#notifications">Notifications</a> <a href="#settings">Settings</a>
</nav>

<section class="card live" data-printer="{{ID}}" aria-labelledby="status-h">
<h2 id="status-h">Status</h2>
<p><span class="badge tone-{{STATUS_TONE}}" data-field="status">{{STATUS_SYMBOL}} {{STATUS_WORD}}</span> <span class="dot tone-{{ONLINE_TONE}}" data-field="online">{{ONLINE}}</span></p>
{{#DETAIL}}<p class="detail">{{STATUS_DETAIL}}</p>{{/DETAIL}}
<p class="job-name" data-field="job_name">{{JOB_NAME}}</p>
<progress max="100" value="{{PROGRESS}}" data-field="progress" aria-label="Progress">{{PROGRESS}} %</progress>
<p class="job-meta"><span data-field="progress_text">{{PROGRESS_TEXT}}</span> &middot; <span data-field="remaining">{{REMAINING}}</span> left &middot; ends <time data-field="ends_at" data-format="time"{{#ENDS}} datetime="{{ENDS_ISO}}">{{ENDS_TEXT}}{{/ENDS}}{{#ENDS_NONE}}>&mdash;{{/ENDS_NONE}}</time></p>
<dl class="temps">
<div><dt>Nozzle</dt><dd data-field="nozzle_temp">{{NOZZLE}}</dd></div>
<div><dt>Bed</dt><dd data-field="bed_temp">{{BED}}</dd></div>
<div><dt>Last seen</dt><dd>{{#SEEN}}<time datetime="{{SEEN_ISO}}" data-format="datetime">{{SEEN_TEXT}}</time>{{/SEEN}}{{#SEEN_NONE}}never{{/SEEN_NONE}}</dd></div>
</dl>
<ul class="ams" aria-label="AMS slots">
{{#SWATCH}}<li class="slot"><svg class="swatch" viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="9" fill="{{COLOR}}"/></svg><span class="slot-type">{{SLOT_NO}}: {{TYPE}}</span> <span class="slot-pct">{{PCT}}</span></li>
{{/SWATCH}}{{#SWATCH_EMPTY}}<li class="slot empty-slot"><svg class="swatch hole" viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="9" fill="none"/></svg><span class="slot-type">{{SLOT_NO}}: empty</span></li>
{{/SWATCH_EMPTY}}
</ul>
</section>

<section id="materials" aria-labelledby="materials-h">
<h2 id="materials-h">AMS slots</h2>
{{#NO_MATERIALS}}<p class="hint">No material loaded. Spools the printer reports appear here by themselves; add one by hand below.</p>{{/NO_MATERIALS}}
{{#MATERIALS}}
<div class="table-wrap">
<table class="materials">
<thead><tr><th scope="col">Slot</th><th scope="col">Material</th><th scope="col">Colour</th><th scope="col" class="num">Left</th><th scope="col">Vendor</th><th scope="col" class="num">Cost / kg</th><th scope="col">Actions</th></tr></thead>
<tbody>
{{#MATERIAL}}
<tr>
<td>{{SLOT_NO}}</td>
<td class="name">{{TYPE}}<span class="sub">{{SOURCE}}</span></td>
<td><svg class="swatch" viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="9" fill="{{SWATCH}}"/></svg> <span class="mono">{{COLOR_TEXT}}</span></td>
<td class="num">{{PCT}}<span class="sub">{{LEFT}}</span></td>
<td>{{VENDOR_TEXT}}</td>
<td class="num">{{COST_TEXT}}</td>
<td class="row-actions">
<details class="edit"{{#OPEN}} open{{/OPEN}}>
<summary>Edit slot {{SLOT_NO}}</summary>
{{#FORM}}
<form method="post" action="/printers/{{ID}}/materials/{{MID}}" class="stack" novalidate>
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
{{#ERRORS}}<div class="alert" role="alert"><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<label for="m{{MID}}-slot">Slot (0&ndash;7) <span class="req" aria-hidden="true">*</span></label>
<input id="m{{MID}}-slot" name="slot" type="number" min="{{slot_min}}" max="{{slot_max}}" value="{{slot}}" required>
{{#slot_error}}<p class="field-error">{{msg}}</p>{{/slot_error}}
<label for="m{{MID}}-material_type">Material type <span class="req" aria-hidden="true">*</span></label>
<input id="m{{MID}}-material_type" name="material_type" type="text" maxlength="{{material_type_max}}" value="{{material_type}}" required>
{{#material_type_error}}<p class="field-error">{{msg}}</p>{{/material_type_error}}
<label for="m{{MID}}-color">Colour (#RRGGBB)</label>
<input id="m{{MID}}-color" name="color" type="text" maxlength="7" value="{{color}}" placeholder="#RRGGBB">
{{#color_error}}<p class="field-error">{{msg}}</p>{{/color_error}}
<label for="m{{MID}}-weight_grams">Spool weight (g)</label>
<input id="m{{MID}}-weight_grams" name="weight_grams" type="number" min="{{weight_grams_min}}" max="{{weight_grams_max}}" value="{{weight_grams}}">
{{#weight_grams_error}}<p class="field-error">{{msg}}</p>{{/weight_grams_error}}
<label for="m{{MID}}-remaining_percent">Remaining (%)</label>
<input id="m{{MID}}-remaining_percent" name="remaining_percent" type="number" min="0" max="100" value="{{remaining_percent}}">
{{#remaining_percent_error}}<p class="field-error">{{msg}}</p>{{/remaining_percent_error}}
<label for="m{{MID}}-vendor">Vendor</label>
<input id="m{{MID}}-vendor" name="vendor" type="text" maxlength="{{vendor_max}}" value="{{vendor}}">
{{#vendor_error}}<p class="field-error">{{msg}}</p>{{/vendor_error}}
<label for="m{{MID}}-cost_per_kg">Cost per kg</label>
<input id="m{{MID}}-cost_per_kg" name="cost_per_kg" type="text" inputmode="decimal" value="{{cost_per_kg}}">
{{#cost_per_kg_error}}<p class="field-error">{{msg}}</p>{{/cost_per_kg_error}}
<div class="actions"><button type="submit" class="small">Save slot</button></div>
</form>
{{/FORM}}
</details>
{{#REMOVE}}
<details class="confirm"{{#ERRORS}} open{{/ERRORS}}>
<summary>Remove&hellip;</summary>
<form method="post" action="/printers/{{ID}}/materials/{{MID}}/delete" class="stack">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
{{#ERRORS}}<div class="alert" role="alert"><ul>{{#ERROR}}<li>{{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<p>Empty slot {{SLOT_NO}} ({{TYPE}})?</p>
<button type="submit" class="danger small">Remove the material</button>
</form>
</details>
{{/REMOVE}}
</td>
</tr>
{{/MATERIAL}}
</tbody>
</table>
</div>
{{/MATERIALS}}
{{#ADD_MATERIAL}}
<form class="card" method="post" action="/printers/{{ID}}/materials" novalidate>
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<h3>Add a material</h3>
{{#ERRORS}}<div class="alert" role="alert"><p>The material was not added:</p><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<div class="form-grid">
<div class="field">
<label for="a-slot">Slot <span class="req" aria-hidden="true">*</span></label>
<input id="a-slot" name="slot" type="number" min="{{slot_min}}" max="{{slot_max}}" value="{{slot}}" required{{#slot_error}} aria-invalid="true" aria-describedby="a-slot-err"{{/slot_error}}>
<p class="help">0&ndash;3 is the first AMS, 4&ndash;7 the second.</p>
{{#slot_error}}<p class="field-error" id="a-slot-err">{{msg}}</p>{{/slot_error}}
</div>
<div class="field">
<label for="a-material_type">Material type <span class="req" aria-hidden="true">*</span></label>
<input id="a-material_type" name="material_type" type="text" maxlength="{{material_type_max}}" value="{{material_type}}" placeholder="PLA" required{{#material_type_error}} aria-invalid="true" aria-describedby="a-type-err"{{/material_type_error}}>
{{#material_type_error}}<p class="field-error" id="a-type-err">{{msg}}</p>{{/material_type_error}}
</div>
<div class="field">
<label for="a-color">Colour</label>
<input id="a-color" name="color" type="text" maxlength="7" value="{{color}}" placeholder="#RRGGBB"{{#color_error}} aria-invalid="true" aria-describedby="a-color-err"{{/color_error}}>
<p class="help">Hex, e.g. #FF6600; leave empty if unknown.</p>
{{#color_error}}<p class="field-error" id="a-color-err">{{msg}}</p>{{/color_error}}
</div>
<div class="field">
<label for="a-weight_grams">Spool weight (g)</label>
<input id="a-weight_grams" name="weight_grams" type="number" min="{{weight_grams_min}}" max="{{weight_grams_max}}" value="{{weight_grams}}"{{#weight_grams_error}} aria-invalid="true" aria-describedby="a-weight-err"{{/weight_grams_error}}>
{{#weight_grams_error}}<p class="field-error" id="a-weight-err">{{msg}}</p>{{/weight_grams_error}}
</div>
<div class="field">
<label for="a-remaining_percent">Remaining (%)</label>
<input id="a-remaining_percent" name="remaining_percent" type="number" min="0" max="100" value="{{remaining_percent}}"{{#remaining_percent_error}} aria-invalid="true" aria-describedby="a-pct-err"{{/remaining_percent_error}}>
{{#remaining_percent_error}}<p class="field-error" id="a-pct-err">{{msg}}</p>{{/remaining_percent_error}}
</div>
<div class="field">
<label for="a-vendor">Vendor</label>
<input id="a-vendor" name="vendor" type="text" maxlength="{{vendor_max}}" value="{{vendor}}"{{#vendor_error}} aria-invalid="true" aria-describedby="a-vendor-err"{{/vendor_error}}>
{{#vendor_error}}<p class="field-error" id="a-vendor-err">{{msg}}</p>{{/vendor_error}}
</div>
<div class="field">
<label for="a-cost_per_kg">Cost per kg</label>
<input id="a-cost_per_kg" name="cost_per_kg" type="text" inputmode="decimal" value="{{cost_per_kg}}" placeholder="24.99"{{#cost_per_kg_error}} aria-invalid="true" aria-describedby="a-cost-err"{{/cost_per_kg_error}}>
{{#cost_per_kg_error}}<p class="field-error" id="a-cost-err">{{msg}}</p>{{/cost_per_kg_error}}
</div>
</div>
<div class="actions"><button type="submit">Add material</button></div>
</form>
{{/ADD_MATERIAL}}
</section>

<section id="queue" aria-labelledby="queue-h">
<h2 id="queue-h">Queue</h2>
{{#NO_QUEUE}}<p class="hint">Nothing queued on this printer. <a href="/queue">Queue a print</a></p>{{/NO_QUEUE}}
{{#QUEUE}}
<div class="table-wrap">
<table class="queue">
<thead><tr><th scope="col" class="num">#</th><th scope="col">Print</th><th scope="col">Status</th><th scope="col" class="num">Estimate</th><th scope="col">Priority</th><th scope="col">Actions</th></tr></thead>
<tbody>
{{#PRINT}}
<tr>
<td class="num">{{POS}}</td>
<td class="name">{{PNAME}}<span class="sub mono">{{FILE}}</span></td>
<td><span class="badge tone-{{PSTATUS_TONE}}">{{PSTATUS_SYMBOL}} {{PSTATUS_WORD}}</span>{{#AT}}<span class="sub"><time datetime="{{AT_ISO}}" data-format="datetime">{{AT_TEXT}}</time></span>{{/AT}}</td>
<td class="num">{{EST}}</td>
<td>{{PRIORITY_TEXT}}{{#PRIO}}
<form method="post" action="/printers/{{ID}}/prints/{{PID}}/priority" class="inline-form" novalidate>
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<input id="p{{PID}}-priority" aria-label="Priority of {{PNAME}}" name="priority" type="number" min="{{priority_min}}" max="{{priority_max}}" value="{{priority}}"{{#ERRORS}} aria-invalid="true" aria-describedby="p{{PID}}-err"{{/ERRORS}}>
<button type="submit" class="small secondary">Set</button>
{{#ERRORS}}<p class="field-error" id="p{{PID}}-err">{{#ERROR}}{{field}} {{message}} {{/ERROR}}</p>{{/ERRORS}}
</form>{{/PRIO}}</td>
<td class="row-actions">{{#CANCEL}}
<details class="confirm"{{#ERRORS}} open{{/ERRORS}}>
<summary>Cancel&hellip;</summary>
<form method="post" action="/printers/{{ID}}/prints/{{PID}}/cancel" class="stack">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
{{#ERRORS}}<div class="alert" role="alert"><ul>{{#ERROR}}<li>{{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<p>Cancel {{PNAME}}? It stays in the history as cancelled.</p>
<button type="submit" class="danger small">Cancel the print</button>
</form>
</details>{{/CANCEL}}</td>
</tr>
{{/PRINT}}
</tbody>
</table>
</div>
<p class="hint">Run order: the print in progress, then by priority (higher first), then by start time.</p>
{{/QUEUE}}
</section>

<section id="history" aria-labelledby="history-h">
<h2 id="history-h">Recent history</h2>
{{#NO_HISTORY}}<p class="hint">No print has ended on this printer yet.</p>{{/NO_HISTORY}}
{{#HISTORY}}
<div class="table-wrap">
<table class="recent">
<thead><tr><th scope="col">Print</th><th scope="col">Outcome</th><th scope="col">Ended</th></tr></thead>
<tbody>
{{#ENDED}}<tr><td class="name">{{HNAME}}{{#REASON}}<span class="sub">{{REASON_TEXT}}</span>{{/REASON}}</td><td><span class="badge tone-{{HSTATUS_TONE}}">{{HSTATUS_SYMBOL}} {{HSTATUS_WORD}}</span></td><td>{{#ENDED_AT}}<time datetime="{{ENDED_AT_ISO}}" data-format="datetime">{{ENDED_AT_TEXT}}</time>{{/ENDED_AT}}{{#ENDED_AT_NONE}}&mdash;{{/ENDED_AT_NONE}}</td></tr>
{{/ENDED}}
</tbody>
</table>
</div>
{{/HISTORY}}
<p><a href="/history?printer_id={{ID}}">All prints of this printer</a></p>
</section>

<section id="maintenance" aria-labelledby="maintenance-h">
<h2 id="maintenance-h">Maintenance</h2>
<dl class="numbers">
<div><dt>Print hours since last</dt><dd>{{HOURS}}</dd></div>
<div><dt>Interval</dt><dd>{{#INTERVAL}}{{INTERVAL_HOURS}} h{{/INTERVAL}}{{#NO_INTERVAL}}none{{/NO_INTERVAL}}</dd></div>
<div><dt>State</dt><dd>{{#DUE}}<span class="badge tone-warn">&#9888; Due</span>{{/DUE}}{{#NOT_DUE}}<span class="badge tone-ok">&#10004; Not due</span>{{/NOT_DUE}}</dd></div>
<div><dt>Last done</dt><dd>{{#LAST}}<time datetime="{{LAST_ISO}}" data-format="date">{{LAST_TEXT}}</time>{{/LAST}}{{#LAST_NONE}}never{{/LAST_NONE}}</dd></div>
</dl>
<div class="cards two">
{{#RECORD_FORM}}
<form class="card" method="post" action="/printers/{{ID}}/maintenance" novalidate>
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<h3>Record maintenance</h3>
{{#ERRORS}}<div class="alert" role="alert"><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<div class="field">
<label for="r-note">Note</label>
<textarea id="r-note" name="note" rows="2" maxlength="{{note_max}}"{{#note_error}} aria-invalid="true" aria-describedby="r-note-err"{{/note_error}}>{{note}}</textarea>
<p class="help">What was done, e.g. "cleaned rods, new nozzle". Starts a new period now.</p>
{{#note_error}}<p class="field-error" id="r-note-err">{{msg}}</p>{{/note_error}}
</div>
<div class="actions"><button type="submit">Record</button></div>
</form>
{{/RECORD_FORM}}
{{#INTERVAL_FORM}}
<form class="card" method="post" action="/printers/{{ID}}/maintenance/interval" novalidate>
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<h3>Interval</h3>
{{#ERRORS}}<div class="alert" role="alert"><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<div class="field">
<label for="i-interval_hours">Print hours between services</label>
<input id="i-interval_hours" name="interval_hours" type="number" min="{{interval_hours_min}}" max="{{interval_hours_max}}" value="{{interval_hours}}"{{#interval_hours_error}} aria-invalid="true" aria-describedby="i-err"{{/interval_hours_error}}>
<p class="help">Leave empty for no reminders.</p>
{{#interval_hours_error}}<p class="field-error" id="i-err">{{msg}}</p>{{/interval_hours_error}}
</div>
<div class="actions"><button type="submit">Save interval</button></div>
</form>
{{/INTERVAL_FORM}}
</div>
<ul class="records">
{{#RECORD}}<li>{{#DONE}}<time datetime="{{DONE_ISO}}" data-format="date">{{DONE_TEXT}}</time>{{/DONE}} &middot; after {{RHOURS}} <span class="note">{{NOTE}}</span></li>
{{/RECORD}}
</ul>
</section>

<section id="notifications" aria-labelledby="notifications-h">
<h2 id="notifications-h">Notifications</h2>
{{#SECRET}}
<div class="alert secret" role="alert">
<p>Notification settings saved. <strong>Your webhook signing secret</strong> &mdash; copy it now: it is not shown again.</p>
<p><label for="secret-once">Secret</label> <input id="secret-once" class="mono" type="text" readonly value="{{SECRET_TEXT}}"></p>
</div>
{{/SECRET}}
{{#NOTIFY}}
<form class="card" method="post" action="/printers/{{ID}}/notifications" novalidate>
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
{{#ERRORS}}<div class="alert" role="alert"><p>The settings were not saved:</p><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<fieldset>
<legend>Tell me when</legend>
<label class="check" for="n-on_print_start"><input id="n-on_print_start" name="on_print_start" type="checkbox"{{#on_print_start_checked}} checked{{/on_print_start_checked}}> a print starts</label>
<label class="check" for="n-on_print_complete"><input id="n-on_print_complete" name="on_print_complete" type="checkbox"{{#on_print_complete_checked}} checked{{/on_print_complete_checked}}> a print completes</label>
<label class="check" for="n-on_print_failed"><input id="n-on_print_failed" name="on_print_failed" type="checkbox"{{#on_print_failed_checked}} checked{{/on_print_failed_checked}}> a print fails, is cancelled or refused</label>
<label class="check" for="n-on_maintenance"><input id="n-on_maintenance" name="on_maintenance" type="checkbox"{{#on_maintenance_checked}} checked{{/on_maintenance_checked}}> maintenance is due or the printer goes offline or needs attention</label>
<label class="check" for="n-on_material_change"><input id="n-on_material_change" name="on_material_change" type="checkbox"{{#on_material_change_checked}} checked{{/on_material_change_checked}}> a spool changes or runs low</label>
<div class="field">
<label for="n-material_low_percent">Material low at (%)</label>
<input id="n-material_low_percent" name="material_low_percent" type="number" min="{{material_low_percent_min}}" max="{{material_low_percent_max}}" value="{{material_low_percent}}"{{#material_low_percent_error}} aria-invalid="true" aria-describedby="n-low-err"{{/material_low_percent_error}}>
<p class="help">0 never warns.</p>
{{#material_low_percent_error}}<p class="field-error" id="n-low-err">{{msg}}</p>{{/material_low_percent_error}}
</div>
</fieldset>
<fieldset>
<legend>Email</legend>
<label class="check" for="n-email_enabled"><input id="n-email_enabled" name="email_enabled" type="checkbox"{{#email_enabled_checked}} checked{{/email_enabled_checked}}{{#email_enabled_error}} aria-invalid="true" aria-describedby="n-ee-err"{{/email_enabled_error}}> Send email</label>
{{#email_enabled_error}}<p class="field-error" id="n-ee-err">{{msg}}</p>{{/email_enabled_error}}
<div class="field">
<label for="n-email_address">Email address</label>
<input id="n-email_address" name="email_address" type="email" value="{{email_address}}"{{#email_address_error}} aria-invalid="true" aria-describedby="n-ea-err"{{/email_address_error}}>
{{#email_address_error}}<p class="field-error" id="n-ea-err">{{msg}}</p>{{/email_address_error}}
</div>
</fieldset>
<fieldset>
<legend>Webhook</legend>
{{#DISABLED}}<p class="alert">This webhook is disabled: {{DISABLED_REASON}}.</p>
<label class="check" for="n-webhook_reenable"><input id="n-webhook_reenable" name="webhook_reenable" type="checkbox"> Enable it again when saving</label>{{/DISABLED}}
<div class="field">
<label for="n-webhook_url">Webhook URL</label>
<input id="n-webhook_url" name="webhook_url" type="url" value="{{webhook_url}}" placeholder="https://"{{#webhook_url_error}} aria-invalid="true" aria-describedby="n-wu-err"{{/webhook_url_error}}>
<p class="help">Leave empty for no webhook. A signing secret is made the first time you save one.</p>
{{#webhook_url_error}}<p class="field-error" id="n-wu-err">{{msg}}</p>{{/webhook_url_error}}
</div>
<div class="field">
<label for="n-webhook_format">Format</label>
<select id="n-webhook_format" name="webhook_format"{{#webhook_format_error}} aria-invalid="true" aria-describedby="n-wf-err"{{/webhook_format_error}}>
<option value=""{{#WF_AUTO}} selected{{/WF_AUTO}}>From the URL (now: {{WF_EFFECTIVE}})</option>
{{#webhook_format_opt}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/webhook_format_opt}}
</select>
{{#webhook_format_error}}<p class="field-error" id="n-wf-err">{{msg}}</p>{{/webhook_format_error}}
</div>
<div class="field">
<label for="n-webhook_secret">New signing secret</label>
<input id="n-webhook_secret" name="webhook_secret" type="password" autocomplete="off" maxlength="{{webhook_secret_max}}"{{#webhook_secret_error}} aria-invalid="true" aria-describedby="n-ws-err"{{/webhook_secret_error}}>
<p class="help">{{#SECRET_SET}}A secret is set. {{/SECRET_SET}}Leave empty to keep it; {{webhook_secret_min}} to {{webhook_secret_max}} characters to replace it.</p>
{{#webhook_secret_error}}<p class="field-error" id="n-ws-err">{{msg}}</p>{{/webhook_secret_error}}
</div>
</fieldset>
<div class="actions"><button type="submit">Save notifications</button></div>
</form>
{{/NOTIFY}}
<div class="actions">
{{#TEST}}
<form method="post" action="/printers/{{ID}}/notifications/test" class="inline">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="secondary">Send a test</button>
{{#ERRORS}}<div class="alert" role="alert"><ul>{{#ERROR}}<li>{{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
</form>
{{/TEST}}
{{#HAS_WEBHOOK}}
<form method="post" action="/printers/{{ID}}/notifications/secret" class="inline">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="secondary">Generate a new secret</button>
</form>
{{/HAS_WEBHOOK}}
</div>
<h3>Recent deliveries</h3>
{{#NO_DELIVERIES}}<p class="hint">Nothing sent yet.</p>{{/NO_DELIVERIES}}
{{#DELIVERIES}}
<div class="table-wrap">
<table class="deliveries">
<thead><tr><th scope="col">Queued</th><th scope="col">Event</th><th scope="col">Channel</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last error</th></tr></thead>
<tbody>
{{#DELIVERY}}<tr><td>{{#QUEUED}}<time datetime="{{QUEUED_ISO}}" data-format="datetime">{{QUEUED_TEXT}}</time>{{/QUEUED}}</td><td>{{EVENT}}</td><td>{{CHANNEL}}<span class="sub">{{TARGET}}</span></td><td><span class="badge tone-{{DTONE}}">{{DSTATUS}}</span></td><td class="num">{{ATTEMPTS}}</td><td class="wrap">{{LAST_ERROR}}</td></tr>
{{/DELIVERY}}
</tbody>
</table>
</div>
{{/DELIVERIES}}
</section>

<section id="settings" aria-labelledby="settings-h">
<h2 id="settings-h">Settings</h2>
{{#EDIT}}
<form class="card" method="post" action="/printers/{{ID}}" novalidate>
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
{{#ERRORS}}<div class="alert" role="alert"><p>The printer was not saved:</p><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<div class="form-grid">
<div class="field">
<label for="e-name">Name <span class="req" aria-hidden="true">*</span></label>
<input id="e-name" name="name" type="text" required maxlength="{{name_max}}" value="{{name}}"{{#name_error}} aria-invalid="true" aria-describedby="e-name-err"{{/name_error}}>
{{#name_error}}<p class="field-error" id="e-name-err">{{msg}}</p>{{/name_error}}
</div>
<div class="field">
<label for="e-model">Model <span class="req" aria-hidden="true">*</span></label>
<select id="e-model" name="model"{{#model_error}} aria-invalid="true" aria-describedby="e-model-err"{{/model_error}}>
{{#model_opt}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/model_opt}}
</select>
{{#model_error}}<p class="field-error" id="e-model-err">{{msg}}</p>{{/model_error}}
</div>
<div class="field">
<label for="e-serial">Serial number <span class="req" aria-hidden="true">*</span></label>
<input id="e-serial" name="serial" type="text" required maxlength="{{serial_max}}" value="{{serial}}"{{#serial_error}} aria-invalid="true" aria-describedby="e-serial-err"{{/serial_error}}>
{{#serial_error}}<p class="field-error" id="e-serial-err">{{msg}}</p>{{/serial_error}}
</div>
<div class="field">
<label for="e-host">IP address or host name <span class="req" aria-hidden="true">*</span></label>
<input id="e-host" name="host" type="text" required maxlength="{{host_max}}" value="{{host}}"{{#host_error}} aria-invalid="true" aria-describedby="e-host-err"{{/host_error}}>
{{#host_error}}<p class="field-error" id="e-host-err">{{msg}}</p>{{/host_error}}
</div>
<div class="field">
<label for="e-port">MQTT port</label>
<input id="e-port" name="port" type="number" min="{{port_min}}" max="{{port_max}}" value="{{port}}"{{#port_error}} aria-invalid="true" aria-describedby="e-port-err"{{/port_error}}>
{{#port_error}}<p class="field-error" id="e-port-err">{{msg}}</p>{{/port_error}}
</div>
<div class="field">
<label for="e-ftp_port">FTPS port</label>
<input id="e-ftp_port" name="ftp_port" type="number" min="{{ftp_port_min}}" max="{{ftp_port_max}}" value="{{ftp_port}}"{{#ftp_port_error}} aria-invalid="true" aria-describedby="e-ftp-err"{{/ftp_port_error}}>
{{#ftp_port_error}}<p class="field-error" id="e-ftp-err">{{msg}}</p>{{/ftp_port_error}}
</div>
<div class="field">
<label for="e-power_watts">Power while printing (W)</label>
<input id="e-power_watts" name="power_watts" type="number" min="{{power_watts_min}}" max="{{power_watts_max}}" value="{{power_watts}}" placeholder="{{POWER_DEFAULT}}"{{#power_watts_error}} aria-invalid="true" aria-describedby="e-power-err"{{/power_watts_error}}>
<p class="help">Average draw while printing. Leave empty for the model's typical {{POWER_DEFAULT}} W.</p>
{{#power_watts_error}}<p class="field-error" id="e-power-err">{{msg}}</p>{{/power_watts_error}}
</div>
<div class="field">
<label for="e-machine_rate">Machine rate per printing hour ({{CURRENCY}})</label>
<input id="e-machine_rate" name="machine_rate" type="text" inputmode="decimal" value="{{machine_rate}}"{{#machine_rate_error}} aria-invalid="true" aria-describedby="e-rate-err"{{/machine_rate_error}}>
<p class="help">Depreciation and upkeep, added to every print's cost.</p>
{{#machine_rate_error}}<p class="field-error" id="e-rate-err">{{msg}}</p>{{/machine_rate_error}}
</div>
<div class="field">
<label for="e-access_code">New access code</label>
<input id="e-access_code" name="access_code" type="password" autocomplete="off" maxlength="{{access_code_max}}"{{#access_code_error}} aria-invalid="true" aria-describedby="e-code-err"{{/access_code_error}}>
<p class="help">Leave empty to keep the stored code. A new code, host or port also accepts the printer's current certificate.</p>
{{#access_code_error}}<p class="field-error" id="e-code-err">{{msg}}</p>{{/access_code_error}}
</div>
</div>
<div class="actions"><button type="submit">Save printer</button></div>
</form>
{{/EDIT}}
{{#DELETE}}
<details class="confirm danger-zone"{{#ERRORS}} open{{/ERRORS}}>
<summary>Delete this printer&hellip;</summary>
<form method="post" action="/printers/{{ID}}/delete" class="stack">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
{{#ERRORS}}<div class="alert" role="alert"><ul>{{#ERROR}}<li>{{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<p>Delete {{NAME}}? Its queued and scheduled prints are cancelled; its history stays.</p>
<button type="submit" class="danger">Delete the printer</button>
</form>
</details>
{{/DELETE}}
</section>
