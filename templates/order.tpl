{{%AUTOESCAPE context="HTML"}}
{{! One order: NUMBER, SOURCE, BUYER, STATUS, CREATED; one ITEM per line
    item (MATCHED with PRODUCT/PRODUCT_ID, or UNMATCHED with WHY and MAP,
    the "Map to product" form: ITEM_ID, N, MAP_OPT choices, or
    NO_PRODUCTS; ERROR
    when scheduling refused it); the prints made for it (PRINT with NAME,
    FILE, STATUS_* badge, COST, ENERGY, MACHINE, TOTAL; COST with TOTAL in CURRENCY, UNKNOWN/N) or
    NO_PRINTS; PRINTS wraps them. SCHEDULE: the schedule form (order_schedule_fields through
    page_form.h, PRINTER_OPT choices); EDITABLE: the order can still change;
    ALERT/MESSAGE: why an action was refused. MONEY: REVENUE and PROFIT
    in CURRENCY (MIXED: the items' currencies differ, no revenue),
    DISCOUNT/AMOUNT (the receipt's, in CURRENCY), COST in COST_CURRENCY;
    OTHER_CURRENCY: the order is not in the farm's currency, so no profit;
    PROFIT_KNOWN: a profit is shown; LOSS when it is negative. }}
<section class="shop">
<div class="heading">
<h1>Order {{NUMBER}}</h1>
<p class="hint"><a href="/orders">All orders</a></p>
</div>
{{#ALERT}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/ALERT}}
<div class="card">
<dl class="facts">
<div><dt>Shop</dt><dd>{{SOURCE}}</dd></div>
<div><dt>Buyer</dt><dd>{{BUYER}}</dd></div>
<div><dt>Status</dt><dd>{{STATUS}}</dd></div>
<div><dt>Received</dt><dd>{{#CREATED}}<time datetime="{{CREATED_ISO}}" data-format="datetime">{{CREATED_TEXT}}</time>{{/CREATED}}</dd></div>
{{#MONEY}}
{{#DISCOUNT}}<div><dt>Discount</dt><dd data-field="discount">{{AMOUNT}} {{CURRENCY}}</dd></div>{{/DISCOUNT}}
<div><dt>Revenue</dt><dd data-field="revenue">{{REVENUE}} {{CURRENCY}}{{#MIXED}} <span class="sub">(items in different currencies are not added)</span>{{/MIXED}}</dd></div>
<div><dt>Cost</dt><dd data-field="cost">{{COST}} {{COST_CURRENCY}}</dd></div>
<div><dt>Profit</dt><dd data-field="profit">{{#LOSS}}<span class="badge tone-bad">loss</span> {{/LOSS}}{{PROFIT}}{{#PROFIT_KNOWN}} {{CURRENCY}}{{/PROFIT_KNOWN}}{{#OTHER_CURRENCY}} <span class="sub">(unavailable: the order is in {{CURRENCY}}, costs are in {{COST_CURRENCY}})</span>{{/OTHER_CURRENCY}}</dd></div>
{{/MONEY}}
</dl>
{{#EDITABLE}}<p><a class="button secondary small" href="/orders/{{ID}}/edit">Edit order</a></p>{{/EDITABLE}}
</div>
<h2>Items</h2>
<div class="table-wrap">
<table class="items">
<thead>
<tr>
<th scope="col">Item</th>
<th scope="col" class="num">Quantity</th>
<th scope="col">SKU</th>
<th scope="col">Product</th>
</tr>
</thead>
<tbody>
{{#ITEM}}
<tr>
<td class="name">{{TITLE}}</td>
<td class="num">{{QUANTITY}}</td>
<td class="mono">{{SKU}}</td>
<td>{{#MATCHED}}<a href="/products/{{PRODUCT_ID}}">{{PRODUCT}}</a>{{/MATCHED}}{{#UNMATCHED}}<span class="badge tone-warn">unmatched</span> <span class="sub">{{WHY}}</span>
{{#MAP}}<form class="inline map" method="post" action="/orders/{{ID}}/items/{{ITEM_ID}}/map">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<label for="map-{{ITEM_ID}}">Product for item {{N}}</label>
<select id="map-{{ITEM_ID}}" name="product_id" required>
<option value="">Choose a product</option>
{{#MAP_OPT}}<option value="{{value}}">{{label}}</option>
{{/MAP_OPT}}
</select>
<button type="submit" class="small">Map to product</button>
</form>{{/MAP}}{{#NO_PRODUCTS}}<p class="hint"><a href="/products/new">Create a product</a> to map this item to.</p>{{/NO_PRODUCTS}}{{/UNMATCHED}}{{#ERROR}}<p class="field-error">{{msg}}</p>{{/ERROR}}</td>
</tr>
{{/ITEM}}
</tbody>
</table>
</div>
<h2>Prints</h2>
{{#NO_PRINTS}}<p class="hint">No prints yet.</p>{{/NO_PRINTS}}
{{#PRINTS}}
<div class="table-wrap">
<table class="prints">
<thead>
<tr>
<th scope="col">Print</th>
<th scope="col">File</th>
<th scope="col">Status</th>
<th scope="col" class="num">Material cost</th>
<th scope="col" class="num">Energy</th>
<th scope="col" class="num">Machine</th>
<th scope="col" class="num">Total cost</th>
</tr>
</thead>
<tbody>
{{#PRINT}}
<tr>
<td class="name">{{NAME}}</td>
<td class="mono">{{FILE}}</td>
<td><span class="badge tone-{{STATUS_TONE}}"><span aria-hidden="true">{{STATUS_SYMBOL}}</span> {{STATUS_WORD}}</span></td>
<td class="num">{{COST}}</td>
<td class="num">{{ENERGY}}</td>
<td class="num">{{MACHINE}}</td>
<td class="num">{{TOTAL}}</td>
</tr>
{{/PRINT}}
</tbody>
{{#COST}}
<tfoot>
<tr>
<th scope="row" colspan="3">Material cost of the order{{#UNKNOWN}} <span class="sub">({{N}} without a known cost)</span>{{/UNKNOWN}}</th>
<td class="num total">{{TOTAL}} {{CURRENCY}}</td>
<td colspan="3"></td>
</tr>
</tfoot>
{{/COST}}
</table>
</div>
{{/PRINTS}}
{{#SCHEDULE}}
<form class="card" method="post" action="/orders/{{ID}}/schedule">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<h2>Schedule prints</h2>
<p class="help">One print per unit, chained one after another; all of them or none.</p>
{{#ERRORS}}<div class="alert" role="alert"><p>Nothing was scheduled:</p><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<button type="submit">Schedule prints</button>
<details class="options">
<summary>Options</summary>
<div class="form-grid">
<div class="field">
<label for="s-printer">Printer</label>
<select id="s-printer" name="printer_id"{{#printer_id_error}} aria-invalid="true"{{/printer_id_error}}>
<option value="">Any suitable printer</option>
{{#PRINTER_OPT}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>
{{/PRINTER_OPT}}
</select>
{{#printer_id_error}}<p class="field-error">{{msg}}</p>{{/printer_id_error}}
</div>
<div class="field">
<label for="s-start">Start at (UTC)</label>
<input id="s-start" type="datetime-local" name="start_at" value="{{start_at}}"{{#start_at_error}} aria-invalid="true"{{/start_at_error}}>
{{#start_at_error}}<p class="field-error">{{msg}}</p>{{/start_at_error}}
<p class="help">Empty: queue now.</p>
</div>
<div class="field">
<label for="s-gap">Minutes between prints</label>
<input id="s-gap" type="number" name="gap_minutes" value="{{gap_minutes}}" min="{{gap_minutes_min}}" max="{{gap_minutes_max}}"{{#gap_minutes_error}} aria-invalid="true"{{/gap_minutes_error}}>
{{#gap_minutes_error}}<p class="field-error">{{msg}}</p>{{/gap_minutes_error}}
</div>
</div>
</details>
</form>
{{/SCHEDULE}}
</section>
