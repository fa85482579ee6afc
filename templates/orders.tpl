{{%AUTOESCAPE context="HTML"}}
{{! The user's orders, newest first: EMPTY, or TABLE with one ORDER (ID,
    NUMBER, SOURCE, BUYER, STATUS, UNITS, PRINTS, CREATED time) per row.
    The "Import Etsy CSV" form sends csrf first; after an import REPORT
    holds the counts (IMPORTED, UPDATED, UNCHANGED, REFUSED) and one ROW
    (LINE, TRANSACTION, ORDER, RESULT, REASON) per CSV row; ALERT/MESSAGE
    says why an import was refused as a whole. }}
<section class="shop">
<div class="heading">
<h1>Orders</h1>
<a class="button" href="/orders/new">New order</a>
</div>
{{#ALERT}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/ALERT}}
{{#REPORT}}
<div class="card import-report">
<h2>Import report</h2>
<p>{{IMPORTED}} imported, {{UPDATED}} updated, {{UNCHANGED}} unchanged, {{REFUSED}} refused.</p>
<div class="table-wrap">
<table class="import">
<thead>
<tr>
<th scope="col" class="num">Line</th>
<th scope="col">Transaction</th>
<th scope="col">Order</th>
<th scope="col">Result</th>
<th scope="col">Reason</th>
</tr>
</thead>
<tbody>
{{#ROW}}
<tr class="{{RESULT}}">
<td class="num">{{LINE}}</td>
<td>{{TRANSACTION}}</td>
<td>{{ORDER}}</td>
<td>{{RESULT}}</td>
<td>{{REASON}}</td>
</tr>
{{/ROW}}
</tbody>
</table>
</div>
</div>
{{/REPORT}}
<form class="card" method="post" action="/orders/import" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<h2>Import Etsy CSV</h2>
<div class="field">
<label for="import-file">Sold Order Items CSV <span class="req" aria-hidden="true">*</span></label>
<input id="import-file" type="file" name="file" accept=".csv,text/csv" required>
<p class="help">From Etsy's shop manager: Settings, Options, Download Data, "Order Items". Importing the same file again changes nothing.</p>
</div>
<button type="submit">Import</button>
</form>
{{#EMPTY}}
<div class="card empty">
<p>No orders yet.</p>
<p class="hint"><a href="/orders/new">Add one by hand</a>; each item is matched to a product, then one click schedules its prints.</p>
</div>
{{/EMPTY}}
{{#TABLE}}
<div class="table-wrap">
<table class="orders">
<thead>
<tr>
<th scope="col">Order</th>
<th scope="col">Shop</th>
<th scope="col">Buyer</th>
<th scope="col">Status</th>
<th scope="col" class="num">Units</th>
<th scope="col" class="num">Prints</th>
<th scope="col">Received</th>
</tr>
</thead>
<tbody>
{{#ORDER}}
<tr>
<td class="name"><a href="/orders/{{ID}}">{{NUMBER}}</a></td>
<td>{{SOURCE}}</td>
<td>{{BUYER}}</td>
<td>{{STATUS}}</td>
<td class="num">{{UNITS}}</td>
<td class="num">{{PRINTS}}</td>
<td>{{#CREATED}}<time datetime="{{CREATED_ISO}}" data-format="datetime">{{CREATED_TEXT}}</time>{{/CREATED}}</td>
</tr>
{{/ORDER}}
</tbody>
</table>
</div>
{{/TABLE}}
</section>
