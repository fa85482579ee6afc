{{%AUTOESCAPE context="HTML"}}
{{! The user's products: EMPTY, or TABLE with one PRODUCT (ID, NAME, SKU,
    LISTING, FILE, MINUTES, GRAMS, MATERIAL) per row; each row links to its
    edit form and deletes after a confirmation. }}
<section class="shop">
<div class="heading">
<h1>Products</h1>
<a class="button" href="/products/new">New product</a>
</div>
<p class="hint">What to print for one unit sold. Order items match a product by SKU or Etsy listing id.</p>
{{#EMPTY}}
<div class="card empty">
<p>No products yet.</p>
<p class="hint"><a href="/products/new">Add one</a> for each thing you sell.</p>
</div>
{{/EMPTY}}
{{#TABLE}}
<div class="table-wrap">
<table class="products">
<thead>
<tr>
<th scope="col">Name</th>
<th scope="col">SKU</th>
<th scope="col">Etsy listing</th>
<th scope="col">File</th>
<th scope="col" class="num">Time</th>
<th scope="col" class="num">Filament</th>
<th scope="col">Material</th>
<th scope="col"><span class="visually-hidden">Actions</span></th>
</tr>
</thead>
<tbody>
{{#PRODUCT}}
<tr>
<td class="name"><a href="/products/{{ID}}">{{NAME}}</a></td>
<td class="mono">{{SKU}}</td>
<td class="mono">{{LISTING}}</td>
<td class="mono">{{FILE}}</td>
<td class="num">{{MINUTES}}</td>
<td class="num">{{GRAMS}}</td>
<td>{{MATERIAL}}</td>
<td>
<details class="confirm">
<summary>Delete</summary>
<form class="inline" method="post" action="/products/{{ID}}/delete">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="danger small">Delete {{NAME}}</button>
</form>
</details>
</td>
</tr>
{{/PRODUCT}}
</tbody>
</table>
</div>
{{/TABLE}}
</section>
