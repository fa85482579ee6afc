{{%AUTOESCAPE context="HTML"}}
{{! The user's orders, newest first: EMPTY, or TABLE with one ORDER (ID,
    NUMBER, SOURCE, BUYER, STATUS, UNITS, PRINTS, CREATED time) per row. }}
<section class="shop">
<div class="heading">
<h1>Orders</h1>
<a class="button" href="/orders/new">New order</a>
</div>
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
