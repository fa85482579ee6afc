{{%AUTOESCAPE context="HTML"}}
{{! The signed-in user's printers (lib/web/page_printers.c). COUNT with
    ONE/MANY for the wording; EMPTY when there are none, else TABLE with one
    PRINTER per row: ID, NAME, MODEL, SERIAL, STATUS_* (badge), DETAIL,
    ONLINE/ONLINE_TONE, PROGRESS, REMAINING, NOZZLE, BED, SEEN_ISO/SEEN_TEXT
    or SEEN_NONE. Live cells carry data-printer/data-field for static/app.js. }}
<section>
<div class="heading">
<h1>Printers</h1>
<p class="hint">{{COUNT}} {{#ONE}}printer{{/ONE}}{{#MANY}}printers{{/MANY}}</p>
<a class="button" href="/printers/new">Add a printer</a>
</div>
{{#EMPTY}}
<div class="card empty">
<p>No printers yet.</p>
<p class="hint">Add your first printer: you need its serial number, its IP address and its LAN access code.</p>
</div>
{{/EMPTY}}
{{#TABLE}}
<div class="table-wrap">
<table class="printers">
<thead>
<tr>
<th scope="col">Name</th>
<th scope="col">Model</th>
<th scope="col">Status</th>
<th scope="col">Online</th>
<th scope="col" class="num">Progress</th>
<th scope="col" class="num">Remaining</th>
<th scope="col" class="num">Nozzle</th>
<th scope="col" class="num">Bed</th>
<th scope="col">Last seen</th>
</tr>
</thead>
<tbody>
{{#PRINTER}}
<tr data-printer="{{ID}}">
<td class="name"><a href="/printers/{{ID}}">{{NAME}}</a><span class="sub mono">{{SERIAL}}</span></td>
<td>{{MODEL}}</td>
<td><span class="badge tone-{{STATUS_TONE}}" data-field="status">{{STATUS_SYMBOL}} {{STATUS_WORD}}</span>{{#DETAIL}}<span class="detail">{{STATUS_DETAIL}}</span>{{/DETAIL}}</td>
<td><span class="dot tone-{{ONLINE_TONE}}" data-field="online">{{ONLINE}}</span></td>
<td class="num" data-field="progress_text">{{PROGRESS}}</td>
<td class="num" data-field="remaining">{{REMAINING}}</td>
<td class="num" data-field="nozzle_temp">{{NOZZLE}}</td>
<td class="num" data-field="bed_temp">{{BED}}</td>
<td>{{#SEEN}}<time datetime="{{SEEN_ISO}}" data-format="datetime">{{SEEN_TEXT}}</time>{{/SEEN}}{{#SEEN_NONE}}<span class="hint">never</span>{{/SEEN_NONE}}</td>
</tr>
{{/PRINTER}}
</tbody>
</table>
</div>
{{/TABLE}}
</section>
