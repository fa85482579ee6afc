{{%AUTOESCAPE context="HTML"}}
{{! The farm at a glance (lib/web/page_overview.c). ATTENTION with one ITEM
    (TONE, HREF, TEXT) per thing to fix; EMPTY when there are no printers;
    CARDS with one CARD per printer; T_* today's numbers. Live fields carry
    data-printer/data-field for static/app.js. }}
<h1>Overview</h1>
{{#ATTENTION}}
<section class="attention" aria-labelledby="attention-h">
<h2 id="attention-h">Needs attention</h2>
<ul aria-live="polite">
{{#ITEM}}<li class="tone-{{TONE}}"><span class="sym" aria-hidden="true">&#9888;</span> <a href="{{HREF}}">{{TEXT}}</a></li>
{{/ITEM}}
</ul>
</section>
{{/ATTENTION}}
<section aria-labelledby="printers-h">
<h2 id="printers-h">Printers</h2>
{{#EMPTY}}
<div class="card empty">
<p>No printers yet.</p>
<p><a class="button" href="/printers/new">Add a printer</a></p>
</div>
{{/EMPTY}}
{{#CARDS}}
<div class="cards">
{{#CARD}}
<article class="card printer-card" data-printer="{{ID}}">
<header class="card-head">
<h3><a href="/printers/{{ID}}">{{NAME}}</a></h3>
<span class="model">{{MODEL}}</span>
</header>
<p><span class="badge tone-{{STATUS_TONE}}" data-field="status">{{STATUS_SYMBOL}} {{STATUS_WORD}}{{#PCT}} {{PERCENT}} %{{/PCT}}</span></p>
<div class="job">
<p class="job-name" data-field="job_name">{{JOB_NAME}}</p>
<progress max="100" value="{{PROGRESS}}" data-field="progress" aria-label="Progress on {{NAME}}">{{PROGRESS}} %</progress>
<p class="job-meta"><span data-field="progress_text">{{PROGRESS_TEXT}}</span> &middot; <span data-field="remaining">{{REMAINING}}</span> left &middot; ends <time data-field="ends_at" data-format="time"{{#ENDS}} datetime="{{ENDS_ISO}}">{{ENDS_TEXT}}{{/ENDS}}{{#ENDS_NONE}}>&mdash;{{/ENDS_NONE}}</time></p>
</div>
<dl class="temps">
<div><dt>Nozzle</dt><dd data-field="nozzle_temp">{{NOZZLE}}</dd></div>
<div><dt>Bed</dt><dd data-field="bed_temp">{{BED}}</dd></div>
</dl>
<ul class="ams" aria-label="AMS slots of {{NAME}}">
{{#SLOT}}<li class="slot"><svg class="swatch" viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="9" fill="{{COLOR}}"/></svg><span class="slot-type">{{SLOT_NO}}: {{TYPE}}</span> <span class="slot-pct">{{PCT}}</span></li>
{{/SLOT}}{{#SLOT_EMPTY}}<li class="slot empty-slot"><svg class="swatch hole" viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="9" fill="none"/></svg><span class="slot-type">{{SLOT_NO}}: empty</span></li>
{{/SLOT_EMPTY}}
</ul>
<p class="next">Next: {{#NEXT}}{{NEXT_NAME}}{{/NEXT}}{{#NO_NEXT}}<span class="hint">nothing queued</span>{{/NO_NEXT}}</p>
</article>
{{/CARD}}
</div>
{{/CARDS}}
</section>
<section aria-labelledby="today-h">
<h2 id="today-h">Today <span class="hint">(UTC day)</span></h2>
<dl class="numbers">
<div><dt>Printing</dt><dd>{{T_PRINTING}}</dd></div>
<div><dt>Queued</dt><dd>{{T_QUEUED}}</dd></div>
<div><dt>Completed</dt><dd>{{T_COMPLETED}}</dd></div>
<div><dt>Failed</dt><dd>{{T_FAILED}}</dd></div>
<div><dt>Filament used</dt><dd>{{T_GRAMS}}</dd></div>
</dl>
</section>
