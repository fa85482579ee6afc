{{%AUTOESCAPE context="HTML"}}
{{! The signed-in user's printers. COUNT with ONE/MANY for the wording;
    EMPTY when there are none, else TABLE with one PRINTER per row. }}
<section>
<div class="heading">
<h1>Printers</h1>
<p class="hint">{{COUNT}} {{#ONE}}printer{{/ONE}}{{#MANY}}printers{{/MANY}}</p>
</div>
{{#EMPTY}}
<div class="card empty">
<p>No printers yet.</p>
<p class="hint">Add one with <code>POST /api/printers</code> (see the API reference); it shows up here once saved.</p>
</div>
{{/EMPTY}}
{{#TABLE}}
<div class="table-wrap">
<table class="printers">
<thead>
<tr>
<th scope="col">Name</th>
<th scope="col">Model</th>
<th scope="col">Serial</th>
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
<tr>
<td class="name">{{NAME}}</td>
<td>{{MODEL}}</td>
<td class="mono">{{SERIAL}}</td>
<td><span class="badge tone-{{STATUS_TONE}}">{{STATUS}}</span>{{#DETAIL}}<span class="detail">{{STATUS_DETAIL}}</span>{{/DETAIL}}</td>
<td><span class="dot tone-{{ONLINE_TONE}}">{{ONLINE}}</span></td>
<td class="num">{{PROGRESS}}</td>
<td class="num">{{REMAINING}}</td>
<td class="num">{{NOZZLE}}</td>
<td class="num">{{BED}}</td>
<td>{{#SEEN}}<time datetime="{{SEEN_ISO}}">{{SEEN_TEXT}}</time>{{/SEEN}}{{#NEVER_SEEN}}<span class="hint">never</span>{{/NEVER_SEEN}}</td>
</tr>
{{/PRINTER}}
</tbody>
</table>
</div>
{{/TABLE}}
</section>
