{{%AUTOESCAPE context="HTML"}}
{{! One print (lib/web/page_print.c): ID, NAME, FILE, PLATE, the STATUS
    badge (STATUS_SYMBOL/WORD/TONE), PRINTER (PRINTER_ID, PRINTER_NAME) or
    ANY_PRINTER, PARENT (PARENT_ID, PARENT_NAME, OFFSET), ORDER (ORDER_ID),
    REASON (FAILURE_REASON), the times SCHEDULED/STARTED/ENDED/CREATED as
    pagefmt_time sections, the numbers already formatted, and the CANCEL or
    RETRY actions; MOVE (TO options: VALUE, LABEL, SELECTED; ANY_SELECTED)
    for a waiting print, CHAIN for an open one. }}
<div class="heading">
<h1>{{NAME}}</h1>
<a href="/queue">The queue</a>
</div>
<section class="card" data-print="{{ID}}">
<p><span class="badge tone-{{STATUS_TONE}}" data-field="status">{{STATUS_SYMBOL}} {{STATUS_WORD}}</span>{{#REASON}} <span class="tone-bad">{{FAILURE_REASON}}</span>{{/REASON}}</p>
<dl class="facts">
<div><dt>File</dt><dd class="mono">{{FILE}} (plate {{PLATE}})</dd></div>
<div><dt>Printer</dt><dd>{{#PRINTER}}<a href="/printers/{{PRINTER_ID}}">{{PRINTER_NAME}}</a>{{/PRINTER}}{{#ANY_PRINTER}}Any suitable printer{{/ANY_PRINTER}}</dd></div>
<div><dt>Priority</dt><dd>{{PRIORITY}}</dd></div>
<div><dt>Estimate</dt><dd>{{ESTIMATE}}</dd></div>
<div><dt>Progress</dt><dd>{{PROGRESS}}</dd></div>
<div><dt>Scheduled</dt><dd>{{#SCHEDULED}}<time datetime="{{SCHEDULED_ISO}}" data-format="datetime">{{SCHEDULED_TEXT}}</time>{{/SCHEDULED}}{{#SCHEDULED_NONE}}&mdash;{{/SCHEDULED_NONE}}</dd></div>
<div><dt>Started</dt><dd>{{#STARTED}}<time datetime="{{STARTED_ISO}}" data-format="datetime">{{STARTED_TEXT}}</time>{{/STARTED}}{{#STARTED_NONE}}&mdash;{{/STARTED_NONE}}</dd></div>
<div><dt>Ended</dt><dd>{{#ENDED}}<time datetime="{{ENDED_ISO}}" data-format="datetime">{{ENDED_TEXT}}</time>{{/ENDED}}{{#ENDED_NONE}}&mdash;{{/ENDED_NONE}}</dd></div>
<div><dt>Queued</dt><dd>{{#CREATED}}<time datetime="{{CREATED_ISO}}" data-format="datetime">{{CREATED_TEXT}}</time>{{/CREATED}}{{#CREATED_NONE}}&mdash;{{/CREATED_NONE}}</dd></div>
{{#PARENT}}<div><dt>Chained after</dt><dd><a href="/queue/{{PARENT_ID}}">{{PARENT_NAME}}</a> + {{OFFSET}} min</dd></div>{{/PARENT}}
{{#ORDER}}<div><dt>Order</dt><dd><a href="/orders/{{ORDER_ID}}">Order {{ORDER_ID}}</a></dd></div>{{/ORDER}}
<div><dt>Filament</dt><dd>{{GRAMS}} &middot; {{MATERIAL}} {{COLOR}} &middot; slot {{SLOT}}</dd></div>
<div><dt>Material cost</dt><dd>{{COST}}</dd></div>
<div><dt>Nozzle / bed</dt><dd>{{NOZZLE}} / {{BED}}</dd></div>
<div><dt>Speed level</dt><dd>{{SPEED}}</dd></div>
</dl>
{{#MOVE}}<form class="filters" id="move" method="post" action="/queue/{{ID}}/move">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<div class="field">
<label for="move-to">Move to</label>
<select id="move-to" name="printer_id">
<option value=""{{#ANY_SELECTED}} selected{{/ANY_SELECTED}}>Any printer</option>
{{#TO}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/TO}}
</select>
</div>
<button type="submit" class="secondary">Move</button>
</form>{{/MOVE}}
<div class="actions">
{{#CHAIN}}<a class="button secondary" href="/queue?chain_after_id={{ID}}#new-print">Queue a print after this one</a>{{/CHAIN}}
{{#CANCEL}}<details class="confirm"><summary>Cancel this print…</summary>
<form method="post" action="/queue/{{ID}}/cancel">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="danger">Cancel {{NAME}}</button>
</form></details>{{/CANCEL}}
{{#RETRY}}<form method="post" action="/queue/{{ID}}/retry">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit">Retry: queue a new copy</button>
</form>{{/RETRY}}
</div>
</section>
