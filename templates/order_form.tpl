{{%AUTOESCAPE context="HTML"}}
{{! One order's form, new (NEW) or edit (EDIT, ID). The order's fields
    (order_fields: source on a new order, external_id, buyer) as page_form.h
    sets them; one ITEM per row (I the index, N the row number), its
    controls named items[I].<key> with <key>, <key>_max and <key>_error;
    PRODUCT_OPT offers the products. Blank rows are ignored. }}
<section class="shop">
<div class="heading">
<h1>{{#NEW}}New order{{/NEW}}{{#EDIT}}Edit order{{/EDIT}}</h1>
<p class="hint"><a href="/orders">All orders</a></p>
</div>
{{#ERRORS}}<div class="alert" role="alert"><p>Please fix these fields:</p><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<form class="card" method="post" action="{{ACTION}}">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<fieldset>
<legend>Order</legend>
<div class="form-grid">
{{#NEW}}
<div class="field">
<label for="o-source">Shop</label>
<select id="o-source" name="source">
{{#source_opt}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>
{{/source_opt}}
</select>
{{#source_error}}<p class="field-error">{{msg}}</p>{{/source_error}}
</div>
{{/NEW}}
<div class="field">
<label for="o-external-id">Order number</label>
<input id="o-external-id" name="external_id" value="{{external_id}}" maxlength="{{external_id_max}}"{{#external_id_error}} aria-invalid="true" aria-describedby="o-external-id-error"{{/external_id_error}}>
{{#external_id_error}}<p class="field-error" id="o-external-id-error">{{msg}}</p>{{/external_id_error}}
<p class="help">The shop's own number (external_id); unique per shop.</p>
</div>
<div class="field">
<label for="o-buyer">Buyer</label>
<input id="o-buyer" name="buyer" value="{{buyer}}" maxlength="{{buyer_max}}"{{#buyer_error}} aria-invalid="true" aria-describedby="o-buyer-error"{{/buyer_error}}>
{{#buyer_error}}<p class="field-error" id="o-buyer-error">{{msg}}</p>{{/buyer_error}}
</div>
</div>
</fieldset>
<fieldset>
<legend>Items</legend>
{{#items_error}}<p class="field-error">{{msg}}</p>{{/items_error}}
<p class="help">One row per line item; leave spare rows empty. An item without a product is matched by SKU, then by Etsy listing id.</p>
{{#ITEM}}
<fieldset class="item-row">
<legend>Item {{N}}</legend>
<div class="form-grid">
<div class="field">
<label for="item-{{I}}-title">Title</label>
<input id="item-{{I}}-title" name="items[{{I}}].title" value="{{title}}" maxlength="{{title_max}}"{{#title_error}} aria-invalid="true" aria-describedby="item-{{I}}-title-error"{{/title_error}}>
{{#title_error}}<p class="field-error" id="item-{{I}}-title-error">{{msg}}</p>{{/title_error}}
</div>
<div class="field">
<label for="item-{{I}}-quantity">Quantity</label>
<input id="item-{{I}}-quantity" name="items[{{I}}].quantity" value="{{quantity}}" type="number" min="1" max="{{quantity_max}}"{{#quantity_error}} aria-invalid="true" aria-describedby="item-{{I}}-quantity-error"{{/quantity_error}}>
{{#quantity_error}}<p class="field-error" id="item-{{I}}-quantity-error">{{msg}}</p>{{/quantity_error}}
</div>
<div class="field">
<label for="item-{{I}}-sku">SKU</label>
<input id="item-{{I}}-sku" name="items[{{I}}].sku" value="{{sku}}" maxlength="{{sku_max}}"{{#sku_error}} aria-invalid="true" aria-describedby="item-{{I}}-sku-error"{{/sku_error}}>
{{#sku_error}}<p class="field-error" id="item-{{I}}-sku-error">{{msg}}</p>{{/sku_error}}
</div>
<div class="field">
<label for="item-{{I}}-product">Product</label>
<select id="item-{{I}}-product" name="items[{{I}}].product_id"{{#product_id_error}} aria-invalid="true" aria-describedby="item-{{I}}-product-error"{{/product_id_error}}>
<option value="">Match by SKU or listing</option>
{{#PRODUCT_OPT}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>
{{/PRODUCT_OPT}}
</select>
{{#product_id_error}}<p class="field-error" id="item-{{I}}-product-error">{{msg}}</p>{{/product_id_error}}
</div>
<div class="field">
<label for="item-{{I}}-listing">Etsy listing id</label>
<input id="item-{{I}}-listing" name="items[{{I}}].etsy_listing_id" value="{{etsy_listing_id}}" inputmode="numeric"{{#etsy_listing_id_error}} aria-invalid="true" aria-describedby="item-{{I}}-listing-error"{{/etsy_listing_id_error}}>
{{#etsy_listing_id_error}}<p class="field-error" id="item-{{I}}-listing-error">{{msg}}</p>{{/etsy_listing_id_error}}
</div>
</div>
</fieldset>
{{/ITEM}}
</fieldset>
<div class="actions">
<button type="submit">{{#NEW}}Add order{{/NEW}}{{#EDIT}}Save order{{/EDIT}}</button>
<a class="button secondary" href="{{#NEW}}/orders{{/NEW}}{{#EDIT}}/orders/{{ID}}{{/EDIT}}">Cancel</a>
</div>
</form>
</section>
