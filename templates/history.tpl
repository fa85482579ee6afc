{{%AUTOESCAPE context="HTML"}}
{{! Ended prints, the latest first. STATUS_OPTION and PRINTER_OPTION fill
    the filter form (SELECTED marks the current one); CSV_URL carries the
    same filters. EMPTY when nothing matches, else TABLE with one ROW per
    print (REASON only for a print with a failure reason; STARTED_NONE for
    one that never ran); NEWER/OLDER link the neighbouring pages. }}
<section class="stats">
<div class="heading">
<h1>History</h1>
<p class="hint">Finished, failed and cancelled prints, the latest first. Page {{PAGE}}.</p>
</div>
<form class="filters" method="get" action="/history">
<div class="field">
<label for="history-status">Outcome</label>
<select id="history-status" name="status">
{{#STATUS_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/STATUS_OPTION}}
</select>
</div>
<div class="field">
<label for="history-printer">Printer</label>
<select id="history-printer" name="printer_id">
<option value="">All printers</option>
{{#PRINTER_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/PRINTER_OPTION}}
</select>
</div>
<button type="submit">Show</button>
</form>
<p class="downloads"><a href="{{CSV_URL}}">Download these prints as CSV</a> <span class="hint">(every page, up to 10,000 rows)</span></p>
{{#EMPTY}}
<div class="card empty">
<p>No prints here yet.</p>
<p class="hint">Prints show up once they complete, fail or are cancelled.</p>
</div>
{{/EMPTY}}
{{#TABLE}}
<div class="table-wrap">
<table class="history">
<thead>
<tr>
<th scope="col">Print</th>
<th scope="col">Printer</th>
<th scope="col">Outcome</th>
<th scope="col">Started</th>
<th scope="col">Ended</th>
<th scope="col" class="num">Minutes, actual / estimated</th>
<th scope="col" class="num">Filament and cost</th>
</tr>
</thead>
<tbody>
{{#ROW}}
<tr>
<td class="name"><a href="/queue/{{ID}}">{{NAME}}</a></td>
<td>{{PRINTER}}</td>
<td><span class="badge tone-{{STATUS_TONE}}"><span aria-hidden="true">{{STATUS_SYMBOL}}</span> {{STATUS_WORD}}</span>{{#REASON}}<span class="sub">{{TEXT}}</span>{{/REASON}}</td>
<td>{{#STARTED}}<time datetime="{{STARTED_ISO}}" data-format="datetime">{{STARTED_TEXT}}</time>{{/STARTED}}{{#STARTED_NONE}}<span class="hint">never started</span>{{/STARTED_NONE}}</td>
<td>{{#ENDED}}<time datetime="{{ENDED_ISO}}" data-format="datetime">{{ENDED_TEXT}}</time>{{/ENDED}}</td>
<td class="num">{{ACTUAL}} / {{ESTIMATED}}<span class="sub">{{RATIO}}</span></td>
<td class="num">{{GRAMS}}<span class="sub">{{COST}}</span></td>
</tr>
{{/ROW}}
</tbody>
</table>
</div>
{{/TABLE}}
<nav class="pager" aria-label="History pages">
{{#NEWER}}<a href="{{URL}}" rel="prev">Newer prints</a>{{/NEWER}}
{{#OLDER}}<a href="{{URL}}" rel="next">Older prints</a>{{/OLDER}}
</nav>
</section>
