{{%AUTOESCAPE context="HTML"}}
{{! What the farm did over the last DAYS UTC days (FROM..TO). DAYS_OPTION
    fills the range form. EMPTY when no print ended in the range; else
    CHARTS with the totals and one section per chart, each carrying its
    own numbers (in-chart labels or a table). Geometry is in viewBox
    units computed by web/chart. }}
<section class="stats">
<div class="heading">
<h1>Analytics</h1>
<p class="hint">{{FROM}} to {{TO}}: the last {{DAYS}} days. Days are UTC days; a print counts on the day it ended.</p>
</div>
<form class="filters" method="get" action="/analytics">
<div class="field">
<label for="analytics-days">Range</label>
<select id="analytics-days" name="days">
{{#DAYS_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>Last {{VALUE}} days</option>
{{/DAYS_OPTION}}
</select>
</div>
<button type="submit">Show</button>
</form>
{{#EMPTY}}
<div class="card empty">
<p>No prints in this range.</p>
<p class="hint">Choose a longer range, or come back once prints have completed, failed or been cancelled.</p>
</div>
{{/EMPTY}}
{{#CHARTS}}
<dl class="totals">
<div><dt>Completed</dt><dd>{{COMPLETED}}</dd></div>
<div><dt>Failed</dt><dd>{{FAILED}}</dd></div>
<div><dt>Cancelled</dt><dd>{{CANCELLED}}</dd></div>
<div><dt>Success rate</dt><dd>{{SUCCESS}}</dd></div>
<div><dt>Filament</dt><dd>{{GRAMS}}</dd></div>
<div><dt>Material cost</dt><dd>{{COST}}</dd></div>
</dl>

{{#DAYS_CHART}}
<figure class="chart">
<figcaption><h2>Prints per day</h2></figcaption>
<svg viewBox="0 0 480 210" role="img" aria-labelledby="days-title days-desc">
<title id="days-title">Prints per day by outcome</title>
<desc id="days-desc">Stacked bars, one per UTC day from {{FROM}} to {{TO}}: completed at the bottom, then failed, then cancelled. {{COMPLETED}} completed, {{FAILED}} failed, {{CANCELLED}} cancelled in all.</desc>
{{#TICK}}<line class="grid" x1="{{LEFT}}" x2="{{RIGHT}}" y1="{{Y}}" y2="{{Y}}"></line><text class="tick" x="32" y="{{LABEL_Y}}" text-anchor="end">{{LABEL}}</text>
{{/TICK}}
{{#SEG}}<rect class="o-{{OUTCOME}}" x="{{X}}" y="{{Y}}" width="{{W}}" height="{{H}}"><title>{{TITLE}}</title></rect>
{{/SEG}}
<line class="axis" x1="{{LEFT}}" x2="{{RIGHT}}" y1="{{BASE_Y}}" y2="{{BASE_Y}}"></line>
{{#XLABEL}}<text class="tick" x="{{X}}" y="{{Y}}" text-anchor="middle">{{TEXT}}</text>
{{/XLABEL}}
</svg>
<ul class="legend">
<li><span class="key o-completed"></span>Completed</li>
<li><span class="key o-failed"></span>Failed</li>
<li><span class="key o-cancelled"></span>Cancelled</li>
</ul>
<details>
<summary>Numbers per day</summary>
<div class="table-wrap">
<table class="figures">
<thead><tr><th scope="col">Day (UTC)</th><th scope="col" class="num">Completed</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Cancelled</th><th scope="col" class="num">Filament (g)</th><th scope="col" class="num">Material cost</th></tr></thead>
<tbody>
{{#DAY_ROW}}<tr><td>{{DATE}}</td><td class="num">{{COMPLETED}}</td><td class="num">{{FAILED}}</td><td class="num">{{CANCELLED}}</td><td class="num">{{GRAMS}}</td><td class="num">{{COST}}</td></tr>
{{/DAY_ROW}}
</tbody>
</table>
</div>
<p class="hint">Days without prints are left out.</p>
</details>
</figure>
{{/DAYS_CHART}}

{{#PRINTERS_CHART}}
<figure class="chart">
<figcaption><h2>Printers</h2>
<p class="hint">Success rate: completed of completed and failed (cancels left out). Busy: share of the range's hours spent printing.</p></figcaption>
<svg viewBox="0 0 480 {{HEIGHT}}" role="img" aria-labelledby="printers-title printers-desc">
<title id="printers-title">Success rate and utilisation per printer</title>
<desc id="printers-desc">For each printer two horizontal bars out of 100 %: the success rate, then the share of hours spent printing; the numbers are written after each bar.</desc>
{{#LANE}}<g><title>{{FULL_NAME}}</title>
<text class="lane-name" x="{{X}}" y="{{NAME_Y}}">{{NAME}}</text>
{{#SUCCESS}}<rect class="track" x="{{X}}" y="{{Y}}" width="{{TRACK_W}}" height="10"></rect><rect class="m-success" x="{{X}}" y="{{Y}}" width="{{W}}" height="10"></rect><text class="value" x="{{TEXT_X}}" y="{{TEXT_Y}}">{{TEXT}}</text>
{{/SUCCESS}}
{{#BUSY}}<rect class="track" x="{{X}}" y="{{Y}}" width="{{TRACK_W}}" height="10"></rect><rect class="m-busy" x="{{X}}" y="{{Y}}" width="{{W}}" height="10"></rect><text class="value" x="{{TEXT_X}}" y="{{TEXT_Y}}">{{TEXT}}</text>
{{/BUSY}}
</g>
{{/LANE}}
</svg>
<ul class="legend">
<li><span class="key m-success"></span>Success rate</li>
<li><span class="key m-busy"></span>Busy (utilisation)</li>
</ul>
</figure>
{{/PRINTERS_CHART}}

{{#FILAMENT_CHART}}
<figure class="chart">
<figcaption><h2>Filament used</h2>
<p class="hint">Grams of the prints that ran, by material and colour; each bar is drawn in its filament's colour.</p></figcaption>
{{#NONE}}<p class="hint">No filament recorded in this range.</p>{{/NONE}}
{{#BARS}}
<svg viewBox="0 0 480 {{HEIGHT}}" role="img" aria-labelledby="filament-title filament-desc">
<title id="filament-title">Filament used by material and colour</title>
<desc id="filament-desc">One horizontal bar per material and colour, longest first, {{GRAMS}} in all; the grams are written after each bar.</desc>
{{#LANE}}<text class="lane-name" x="{{X}}" y="{{LABEL_Y}}">{{LABEL}}</text>
<rect class="filament-bar" x="{{X}}" y="{{BAR_Y}}" width="{{W}}" height="12" fill="{{FILL}}"><title>{{LABEL}}: {{GRAMS}}</title></rect>
<text class="value" x="{{TEXT_X}}" y="{{TEXT_Y}}">{{GRAMS}}</text>
{{/LANE}}
</svg>
{{/BARS}}
</figure>
{{/FILAMENT_CHART}}

{{#COST_CHART}}
<figure class="chart">
<figcaption><h2>Material cost per day</h2>
<p class="hint">In {{CURRENCY}}; {{TOTAL}} in all.</p></figcaption>
<svg viewBox="0 0 480 190" role="img" aria-labelledby="cost-title cost-desc">
<title id="cost-title">Material cost per day</title>
<desc id="cost-desc">A line through each UTC day's material cost from {{FROM}} to {{TO}}, {{TOTAL}} in all; a dot marks each day with a cost.</desc>
{{#TICK}}<line class="grid" x1="{{LEFT}}" x2="{{RIGHT}}" y1="{{Y}}" y2="{{Y}}"></line><text class="tick" x="52" y="{{LABEL_Y}}" text-anchor="end">{{LABEL}}</text>
{{/TICK}}
<line class="axis" x1="{{LEFT}}" x2="{{RIGHT}}" y1="{{BASE_Y}}" y2="{{BASE_Y}}"></line>
<polyline class="cost-line" points="{{POINTS}}"></polyline>
{{#POINT}}<circle class="cost-dot" cx="{{X}}" cy="{{Y}}" r="3"><title>{{DATE}}: {{COST}}</title></circle>
{{/POINT}}
{{#XLABEL}}<text class="tick" x="{{X}}" y="{{Y}}" text-anchor="middle">{{TEXT}}</text>
{{/XLABEL}}
</svg>
<details>
<summary>Cost per day</summary>
<div class="table-wrap">
<table class="figures">
<thead><tr><th scope="col">Day (UTC)</th><th scope="col" class="num">Material cost</th></tr></thead>
<tbody>
{{#POINT}}<tr><td>{{DATE}}</td><td class="num">{{COST}}</td></tr>
{{/POINT}}
</tbody>
</table>
</div>
<p class="hint">Days without a cost are left out.</p>
</details>
</figure>
{{/COST_CHART}}

{{#ACCURACY_CHART}}
<figure class="chart">
<figcaption><h2>Estimate accuracy</h2>
<p class="hint">Actual ÷ estimated duration of each completed print; 1.00 is on time, above it took longer.</p></figcaption>
{{#NONE}}<p class="hint">No completed print with an estimate in this range.</p>{{/NONE}}
{{#SOME}}
<p class="summary">{{COUNT}} completed with an estimate: median {{MEDIAN}}, fastest {{FASTEST}}, slowest {{SLOWEST}}; {{NEAR}} within 10 % of the estimate.</p>
<svg viewBox="0 0 480 130" role="img" aria-labelledby="accuracy-title accuracy-desc">
<title id="accuracy-title">Actual over estimated duration per print</title>
<desc id="accuracy-desc">One dot per completed print on a scale from 0 to {{SLOWEST}} or more, with a line at 1.00 (on time). Median {{MEDIAN}}.</desc>
{{#TICK}}<line class="grid" x1="{{X}}" x2="{{X}}" y1="8" y2="104"></line><text class="tick" x="{{X}}" y="122" text-anchor="middle">{{LABEL}}</text>
{{/TICK}}
<line class="ref" x1="{{ONE_X}}" x2="{{ONE_X}}" y1="4" y2="108"></line>
{{#DOT}}<circle class="dot-{{BAND}}" cx="{{X}}" cy="{{Y}}" r="4"><title>{{NAME}} ({{DATE}}): {{RATIO}}</title></circle>
{{/DOT}}
</svg>
<ul class="legend">
<li><span class="key dot-early"></span>Faster than estimated</li>
<li><span class="key dot-near"></span>Within 10 %</li>
<li><span class="key dot-late"></span>Slower</li>
</ul>
<details>
<summary>Every print's ratio</summary>
<div class="table-wrap">
<table class="figures">
<thead><tr><th scope="col">Print</th><th scope="col">Ended (UTC day)</th><th scope="col" class="num">Actual ÷ estimated</th></tr></thead>
<tbody>
{{#DOT}}<tr><td>{{NAME}}</td><td>{{DATE}}</td><td class="num">{{RATIO}}</td></tr>
{{/DOT}}
</tbody>
</table>
</div>
</details>
{{/SOME}}
</figure>
{{/ACCURACY_CHART}}
{{/CHARTS}}
{{#PROFIT}}
<figure class="chart">
<figcaption><h2>Profit</h2>
<p class="hint">Orders received from {{FROM}} to {{TO}}: revenue (items' price &times; quantity, less the order's discount) less the full cost of their prints (material, energy, machine). One row per currency: amounts of different currencies are never added. Costs are in {{CURRENCY}}; a row in another currency shows no profit.</p></figcaption>
{{#NO_ORDERS}}<p class="hint">No orders in this range.</p>{{/NO_ORDERS}}
<div class="table-wrap">
<table class="figures" id="profit-days">
<caption>Per day (UTC)</caption>
<thead><tr><th scope="col">Day</th><th scope="col">Currency</th><th scope="col" class="num">Revenue</th><th scope="col" class="num">Cost ({{CURRENCY}})</th><th scope="col" class="num">Profit</th></tr></thead>
<tbody>
{{#PDAY}}<tr><td>{{DATE}}</td><td>{{ROW_CURRENCY}}</td><td class="num">{{REVENUE}}</td><td class="num">{{COST}}</td><td class="num">{{PROFIT}}</td></tr>
{{/PDAY}}
</tbody>
</table>
</div>
<div class="table-wrap">
<table class="figures" id="profit-products">
<caption>Per product</caption>
<thead><tr><th scope="col">Product</th><th scope="col">Currency</th><th scope="col" class="num">Revenue</th><th scope="col" class="num">Cost ({{CURRENCY}})</th><th scope="col" class="num">Profit</th></tr></thead>
<tbody>
{{#PPRODUCT}}<tr><td>{{NAME}}</td><td>{{ROW_CURRENCY}}</td><td class="num">{{REVENUE}}</td><td class="num">{{COST}}</td><td class="num">{{PROFIT}}</td></tr>
{{/PPRODUCT}}
</tbody>
</table>
</div>
</figure>
{{/PROFIT}}
</section>
