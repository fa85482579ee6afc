{{%AUTOESCAPE context="HTML"}}
{{! The farm's queue (lib/web/page_queue*.c, page_timeline.c). TIMELINE:
    the next 24 h as an SVG (CHART: LANE, TICK, LINK, BAR with DONE and LABEL;
    NO_LANES / NOTHING when empty). F_STATUS, F_PRINTER, F_ORDER,
    F_UNASSIGNED fill the filter form; TABLE with one ROW per print (or
    NO_ROWS), PREV/NEXT page links. NEW is the new-print form: its fields'
    values, limits and errors by the API's field names (web/page_form),
    FILE_OPT, PRINTER_OPT, CHAIN_GROUP/CHAIN_OPT (by printer; the newest
    open prints and the chosen one), SPEED_OPT its choices; CHAIN_LIMITED
    (MAX, OPEN) when older open prints are left out, CHAIN_GONE (CHOSEN) when
    ?chain_after_id names none of the user's open prints. A row's MOVE is a
    link to the print's page, where its move form is. }}
<div class="heading">
<h1>Queue</h1>
<p class="hint">Every print of the farm; the timeline shows what runs when.</p>
</div>

{{#TIMELINE}}
<section class="timeline" aria-labelledby="timeline-h">
<h2 id="timeline-h">Next 24 hours <span class="hint">(UTC)</span></h2>
{{#NO_LANES}}<p class="hint">No printers and nothing waiting: add a printer or queue a print.</p>{{/NO_LANES}}
{{#NOTHING}}<p class="hint">Nothing planned for the next 24 hours.</p>{{/NOTHING}}
{{#CHART}}
<div class="timeline-wrap" tabindex="0" role="region" aria-label="Timeline, scrolls sideways">
<svg class="timeline-svg" viewBox="0 0 960 {{HEIGHT}}" role="img" aria-labelledby="tl-title tl-desc">
<title id="tl-title">What runs when, {{FROM}} to {{TO}} UTC</title>
<desc id="tl-desc">One lane per printer; a bar per print from its expected start to its expected end; {{SHOWN}} prints in the window. Dashed, hatched bars start at an estimated time; the filled part of a printing bar is its progress; lines link chained prints to their parent.</desc>
<defs><pattern id="tl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" class="tl-hatch-line"></line></pattern></defs>
<text class="tl-utc" x="4" y="16">UTC</text>
{{#LANE}}<g class="tl-lane"><title>{{FULL_NAME}}</title><text class="tl-name" x="4" y="{{LABEL_Y}}">{{NAME}}</text></g>
<line class="tl-sep" x1="0" x2="960" y1="{{LINE_Y}}" y2="{{LINE_Y}}"></line>
{{/LANE}}
{{#TICK}}<line class="tl-grid" x1="{{X}}" x2="{{X}}" y1="22" y2="{{BOTTOM}}"></line><text class="tl-tick" x="{{X}}" y="16" text-anchor="middle">{{LABEL}}</text>
{{/TICK}}
{{#LINK}}<polyline class="tl-link" points="{{POINTS}}"></polyline>
{{/LINK}}
{{#BAR}}<g class="tl-bar s-{{STATUS}} {{KIND}}" data-print="{{ID}}"><title>{{TITLE}}</title>
<rect class="tl-rect" x="{{X}}" y="{{Y}}" width="{{W}}" height="{{H}}" rx="3"></rect>
{{#DONE}}<rect class="tl-done" x="{{X}}" y="{{Y}}" width="{{W}}" height="{{H}}" rx="3"></rect>{{/DONE}}
{{#LABEL}}<text class="tl-label" x="{{X}}" y="{{Y}}">{{TEXT}}</text>{{/LABEL}}
</g>
{{/BAR}}
<line class="tl-now" x1="{{NOW_X}}" x2="{{NOW_X}}" y1="20" y2="{{BOTTOM}}"></line><text class="tl-tick tl-now-label" x="{{NOW_X}}" y="28">now</text>
</svg>
</div>
<ul class="legend">
<li><span class="key tl-key-firm"></span>Starts at its set time</li>
<li><span class="key tl-key-est"></span>Start estimated</li>
<li><span class="key tl-key-done"></span>Printed so far</li>
</ul>
{{/CHART}}
</section>
{{/TIMELINE}}

{{#NEW}}
<section class="card new-print" id="new-print" aria-labelledby="new-h">
<h2 id="new-h">New print</h2>
{{#ERRORS}}<div class="alert" role="alert"><p>The print was not queued:</p><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
{{#NO_FILES}}<p class="hint">Your library is empty: <a href="/files">upload a file</a> first.</p>{{/NO_FILES}}
<form method="post" action="/queue">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<div class="form-grid">
<div class="field">
<label for="np-file">File <span class="req" aria-hidden="true">*</span></label>
<select id="np-file" name="file" required{{#file_error}} aria-invalid="true" aria-describedby="np-file-err"{{/file_error}}>
<option value="">Choose a file</option>
{{#FILE_OPT}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/FILE_OPT}}
</select>
{{#file_error}}<p class="field-error" id="np-file-err">{{msg}}</p>{{/file_error}}
</div>
<div class="field">
<label for="np-name">Name <span class="req" aria-hidden="true">*</span></label>
<input id="np-name" name="name" value="{{name}}" maxlength="{{name_max}}" required{{#name_error}} aria-invalid="true" aria-describedby="np-name-err"{{/name_error}}>
{{#name_error}}<p class="field-error" id="np-name-err">{{msg}}</p>{{/name_error}}
</div>
<div class="field">
<label for="np-printer">Printer</label>
<select id="np-printer" name="printer_id"{{#printer_id_error}} aria-invalid="true" aria-describedby="np-printer-err"{{/printer_id_error}}>
<option value="">Any printer</option>
{{#PRINTER_OPT}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/PRINTER_OPT}}
</select>
{{#printer_id_error}}<p class="field-error" id="np-printer-err">{{msg}}</p>{{/printer_id_error}}
</div>
<div class="field">
<label for="np-minutes">Estimated minutes <span class="req" aria-hidden="true">*</span></label>
<input id="np-minutes" name="estimated_minutes" type="number" inputmode="numeric" value="{{estimated_minutes}}" min="{{estimated_minutes_min}}" max="{{estimated_minutes_max}}" required{{#estimated_minutes_error}} aria-invalid="true" aria-describedby="np-minutes-err"{{/estimated_minutes_error}}>
{{#estimated_minutes_error}}<p class="field-error" id="np-minutes-err">{{msg}}</p>{{/estimated_minutes_error}}
</div>
<div class="field">
<label for="np-priority">Priority</label>
<input id="np-priority" name="priority" type="number" value="{{priority}}" min="{{priority_min}}" max="{{priority_max}}"{{#priority_error}} aria-invalid="true" aria-describedby="np-priority-err"{{/priority_error}}>
<span class="help">Higher runs first.</span>
{{#priority_error}}<p class="field-error" id="np-priority-err">{{msg}}</p>{{/priority_error}}
</div>
<div class="field">
<label for="np-at">Start at (UTC)</label>
<input id="np-at" name="scheduled_at" type="datetime-local" value="{{scheduled_at}}"{{#scheduled_at_error}} aria-invalid="true" aria-describedby="np-at-err"{{/scheduled_at_error}}>
<span class="help">Empty: as soon as a printer is free.</span>
{{#scheduled_at_error}}<p class="field-error" id="np-at-err">{{msg}}</p>{{/scheduled_at_error}}
</div>
<div class="field">
<label for="np-chain">Chain after</label>
<select id="np-chain" name="chain_after_id"{{#CHAIN_GONE}} aria-describedby="np-chain-gone"{{/CHAIN_GONE}}{{#chain_after_id_error}} aria-invalid="true" aria-describedby="np-chain-err"{{/chain_after_id_error}}>
<option value="">No chain</option>
{{#CHAIN_GROUP}}<optgroup label="{{LABEL}}">
{{#CHAIN_OPT}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/CHAIN_OPT}}</optgroup>
{{/CHAIN_GROUP}}
</select>
<span class="help">Starts when that print ends (plus the offset).</span>
{{#CHAIN_LIMITED}}<span class="help">Lists the {{MAX}} most recent of your {{OPEN}} open prints; to chain after another, open its page and choose &ldquo;Queue a print after this one&rdquo;.</span>{{/CHAIN_LIMITED}}
{{#CHAIN_GONE}}<p class="field-error" id="np-chain-gone">Print {{CHOSEN}} is not one of your open prints: choose another.</p>{{/CHAIN_GONE}}
{{#chain_after_id_error}}<p class="field-error" id="np-chain-err">{{msg}}</p>{{/chain_after_id_error}}
</div>
<div class="field">
<label for="np-offset">Offset after the chain (minutes)</label>
<input id="np-offset" name="chain_offset_minutes" type="number" value="{{chain_offset_minutes}}" min="{{chain_offset_minutes_min}}" max="{{chain_offset_minutes_max}}"{{#chain_offset_minutes_error}} aria-invalid="true" aria-describedby="np-offset-err"{{/chain_offset_minutes_error}}>
{{#chain_offset_minutes_error}}<p class="field-error" id="np-offset-err">{{msg}}</p>{{/chain_offset_minutes_error}}
</div>
</div>
<fieldset>
<legend>Print parameters</legend>
<div class="form-grid">
<div class="field">
<label for="np-plate">Plate</label>
<input id="np-plate" name="plate" type="number" value="{{plate}}" min="{{plate_min}}" max="{{plate_max}}"{{#plate_error}} aria-invalid="true" aria-describedby="np-plate-err"{{/plate_error}}>
{{#plate_error}}<p class="field-error" id="np-plate-err">{{msg}}</p>{{/plate_error}}
</div>
<div class="field">
<label for="np-nozzle">Nozzle temperature (°C)</label>
<input id="np-nozzle" name="nozzle_temp" type="number" value="{{nozzle_temp}}" min="{{nozzle_temp_min}}" max="{{nozzle_temp_max}}"{{#nozzle_temp_error}} aria-invalid="true" aria-describedby="np-nozzle-err"{{/nozzle_temp_error}}>
{{#nozzle_temp_error}}<p class="field-error" id="np-nozzle-err">{{msg}}</p>{{/nozzle_temp_error}}
</div>
<div class="field">
<label for="np-bed">Bed temperature (°C)</label>
<input id="np-bed" name="bed_temp" type="number" value="{{bed_temp}}" min="{{bed_temp_min}}" max="{{bed_temp_max}}"{{#bed_temp_error}} aria-invalid="true" aria-describedby="np-bed-err"{{/bed_temp_error}}>
{{#bed_temp_error}}<p class="field-error" id="np-bed-err">{{msg}}</p>{{/bed_temp_error}}
</div>
<div class="field">
<label for="np-speed">Speed</label>
<select id="np-speed" name="speed_level"{{#speed_level_error}} aria-invalid="true" aria-describedby="np-speed-err"{{/speed_level_error}}>
{{#SPEED_OPT}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/SPEED_OPT}}
</select>
{{#speed_level_error}}<p class="field-error" id="np-speed-err">{{msg}}</p>{{/speed_level_error}}
</div>
<div class="field">
<label for="np-slot">AMS slot</label>
<input id="np-slot" name="material_slot" type="number" value="{{material_slot}}" min="{{material_slot_min}}" max="{{material_slot_max}}"{{#material_slot_error}} aria-invalid="true" aria-describedby="np-slot-err"{{/material_slot_error}}>
<span class="help">0 is the first slot; empty: any slot with the material.</span>
{{#material_slot_error}}<p class="field-error" id="np-slot-err">{{msg}}</p>{{/material_slot_error}}
</div>
<div class="field">
<label for="np-grams">Filament (g)</label>
<input id="np-grams" name="grams" type="number" value="{{grams}}" min="{{grams_min}}" max="{{grams_max}}"{{#grams_error}} aria-invalid="true" aria-describedby="np-grams-err"{{/grams_error}}>
{{#grams_error}}<p class="field-error" id="np-grams-err">{{msg}}</p>{{/grams_error}}
</div>
<div class="field">
<label for="np-type">Material type</label>
<input id="np-type" name="material_type" value="{{material_type}}" maxlength="{{material_type_max}}" placeholder="PLA"{{#material_type_error}} aria-invalid="true" aria-describedby="np-type-err"{{/material_type_error}}>
{{#material_type_error}}<p class="field-error" id="np-type-err">{{msg}}</p>{{/material_type_error}}
</div>
<div class="field">
<label for="np-color">Colour</label>
<input id="np-color" name="color" value="{{color}}" maxlength="9" placeholder="#RRGGBB"{{#color_error}} aria-invalid="true" aria-describedby="np-color-err"{{/color_error}}>
{{#color_error}}<p class="field-error" id="np-color-err">{{msg}}</p>{{/color_error}}
</div>
</div>
</fieldset>
<button type="submit">Queue print</button>
</form>
</section>
{{/NEW}}

<section aria-labelledby="list-h">
<h2 id="list-h">Prints</h2>
<form class="filters" method="get" action="/queue">
<div class="field">
<label for="f-status">Status</label>
<select id="f-status" name="status">
{{#F_STATUS}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/F_STATUS}}
</select>
</div>
<div class="field">
<label for="f-printer">Printer</label>
<select id="f-printer" name="printer_id">
<option value="">All printers</option>
{{#F_PRINTER}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/F_PRINTER}}
</select>
</div>
<div class="field">
<label for="f-order">Order</label>
<select id="f-order" name="order_id">
<option value="">Any order</option>
{{#F_ORDER}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/F_ORDER}}
</select>
</div>
<label class="check" for="f-unassigned"><input id="f-unassigned" type="checkbox" name="unassigned" value="1"{{#F_UNASSIGNED}} checked{{/F_UNASSIGNED}}> Unassigned only</label>
<button type="submit" class="secondary">Show</button>
</form>
{{#NO_ROWS}}<div class="card empty"><p>No prints match.</p></div>{{/NO_ROWS}}
{{#TABLE}}
<div class="table-wrap">
<table class="queue">
<thead>
<tr>
<th scope="col">Print</th>
<th scope="col">Printer</th>
<th scope="col">Status</th>
<th scope="col" class="num">Priority</th>
<th scope="col" class="num">Position</th>
<th scope="col">Start (UTC)</th>
<th scope="col" class="num">Estimate</th>
<th scope="col">Actions</th>
</tr>
</thead>
<tbody>
{{#ROW}}
<tr data-print="{{ID}}">
<td class="name"><a href="/queue/{{ID}}">{{NAME}}</a><br><span class="hint mono">{{FILE}}</span>{{#CHAIN}}<span class="detail">after #{{PARENT}} {{PARENT_NAME}}, +{{OFFSET}} min</span>{{/CHAIN}}</td>
<td>{{#ANY}}<span class="hint">{{/ANY}}{{PRINTER}}{{#ANY}}</span>{{/ANY}}</td>
<td><span class="badge tone-{{STATUS_TONE}}" data-field="status">{{STATUS_SYMBOL}} {{STATUS_WORD}}</span>{{#REASON}}<span class="detail">{{TEXT}}</span>{{/REASON}}</td>
<td class="num">{{PRIORITY}}</td>
<td class="num">{{POSITION}}</td>
<td>{{#START}}<time datetime="{{START_ISO}}" data-format="datetime">{{START_TEXT}}</time>{{/START}}{{#START_NONE}}&mdash;{{/START_NONE}}{{#EXPECTED}} <span class="hint">expected</span>{{/EXPECTED}}</td>
<td class="num">{{MINUTES}}</td>
<td class="row-actions">
{{#MOVE}}<a class="button small secondary move" href="/queue/{{ID}}#move">Move<span class="visually-hidden"> {{NAME}}</span>&hellip;</a>{{/MOVE}}
{{#CANCEL}}<details class="confirm"><summary>Cancel</summary>
<form method="post" action="/queue/{{ID}}/cancel">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="small danger">Cancel {{NAME}}</button>
</form></details>{{/CANCEL}}
{{#RETRY}}<form method="post" action="/queue/{{ID}}/retry">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="small">Retry</button>
</form>{{/RETRY}}
</td>
</tr>
{{/ROW}}
</tbody>
</table>
</div>
<nav class="pager" aria-label="Pages">{{#PREV}}<a href="{{HREF}}">&larr; Newer</a>{{/PREV}}{{#NEXT}}<a href="{{HREF}}">Older &rarr;</a>{{/NEXT}}</nav>
{{/TABLE}}
</section>
