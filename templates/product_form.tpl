{{%AUTOESCAPE context="HTML"}}
{{! One product's form, for a new one (NEW) and an edit (EDIT, ID). Controls
    are named after the API's JSON fields (product_fields); each K has {{K}},
    K_min/K_max and K_error beside it, ERRORS sums them up (page_form.h).
    FILE_OPT: the library (NO_FILES when it is empty); SPEED_OPT: the
    speed levels. ACTION is where the form posts. }}
<section class="shop">
<div class="heading">
<h1>{{#NEW}}New product{{/NEW}}{{#EDIT}}Edit {{name}}{{/EDIT}}</h1>
<p class="hint"><a href="/products">All products</a></p>
</div>
{{#ERRORS}}<div class="alert" role="alert"><p>Please fix these fields:</p><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
{{#NO_FILES}}<p class="alert">The library has no files yet: <a href="/files">upload one</a> first.</p>{{/NO_FILES}}
<form class="card" method="post" action="{{ACTION}}">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<fieldset>
<legend>What is sold</legend>
<div class="form-grid">
<div class="field">
<label for="p-name">Name <span class="req" aria-hidden="true">*</span></label>
<input id="p-name" name="name" value="{{name}}" maxlength="{{name_max}}" required{{#name_error}} aria-invalid="true" aria-describedby="p-name-error"{{/name_error}}>
{{#name_error}}<p class="field-error" id="p-name-error">{{msg}}</p>{{/name_error}}
</div>
<div class="field">
<label for="p-sku">SKU</label>
<input id="p-sku" name="sku" value="{{sku}}" maxlength="{{sku_max}}"{{#sku_error}} aria-invalid="true" aria-describedby="p-sku-error"{{/sku_error}}>
{{#sku_error}}<p class="field-error" id="p-sku-error">{{msg}}</p>{{/sku_error}}
<p class="help">An order item with this SKU is matched to this product.</p>
</div>
<div class="field">
<label for="p-etsy-listing-id">Etsy listing id</label>
<input id="p-etsy-listing-id" name="etsy_listing_id" value="{{etsy_listing_id}}" inputmode="numeric"{{#etsy_listing_id_error}} aria-invalid="true" aria-describedby="p-etsy-listing-id-error"{{/etsy_listing_id_error}}>
{{#etsy_listing_id_error}}<p class="field-error" id="p-etsy-listing-id-error">{{msg}}</p>{{/etsy_listing_id_error}}
<p class="help">Matched when an item has no SKU.</p>
</div>
</div>
</fieldset>
<fieldset>
<legend>What is printed</legend>
<div class="form-grid">
<div class="field">
<label for="p-file">File <span class="req" aria-hidden="true">*</span></label>
<select id="p-file" name="file" required{{#file_error}} aria-invalid="true" aria-describedby="p-file-error"{{/file_error}}>
<option value="">Choose a file</option>
{{#FILE_OPT}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>
{{/FILE_OPT}}</select>
{{#file_error}}<p class="field-error" id="p-file-error">{{msg}}</p>{{/file_error}}
</div>
<div class="field">
<label for="p-plate">Plate</label>
<input id="p-plate" name="plate" value="{{plate}}" type="number" min="{{plate_min}}" max="{{plate_max}}"{{#plate_error}} aria-invalid="true" aria-describedby="p-plate-error"{{/plate_error}}>
{{#plate_error}}<p class="field-error" id="p-plate-error">{{msg}}</p>{{/plate_error}}
</div>
<div class="field">
<label for="p-estimated-minutes">Estimated minutes <span class="req" aria-hidden="true">*</span></label>
<input id="p-estimated-minutes" name="estimated_minutes" value="{{estimated_minutes}}" type="number" min="{{estimated_minutes_min}}" max="{{estimated_minutes_max}}" required{{#estimated_minutes_error}} aria-invalid="true" aria-describedby="p-estimated-minutes-error"{{/estimated_minutes_error}}>
{{#estimated_minutes_error}}<p class="field-error" id="p-estimated-minutes-error">{{msg}}</p>{{/estimated_minutes_error}}
</div>
<div class="field">
<label for="p-grams">Filament (g)</label>
<input id="p-grams" name="grams" value="{{grams}}" type="number" min="{{grams_min}}" max="{{grams_max}}"{{#grams_error}} aria-invalid="true" aria-describedby="p-grams-error"{{/grams_error}}>
{{#grams_error}}<p class="field-error" id="p-grams-error">{{msg}}</p>{{/grams_error}}
</div>
<div class="field">
<label for="p-material-type">Material</label>
<input id="p-material-type" name="material_type" value="{{material_type}}" maxlength="{{material_type_max}}"{{#material_type_error}} aria-invalid="true" aria-describedby="p-material-type-error"{{/material_type_error}}>
{{#material_type_error}}<p class="field-error" id="p-material-type-error">{{msg}}</p>{{/material_type_error}}
<p class="help">e.g. PLA, PETG</p>
</div>
<div class="field">
<label for="p-color">Colour</label>
<input id="p-color" name="color" value="{{color}}" maxlength="{{color_max}}" placeholder="#RRGGBB"{{#color_error}} aria-invalid="true" aria-describedby="p-color-error"{{/color_error}}>
{{#color_error}}<p class="field-error" id="p-color-error">{{msg}}</p>{{/color_error}}
<p class="help">As #RRGGBB.</p>
</div>
</div>
</fieldset>
<fieldset>
<legend>Print settings</legend>
<div class="form-grid">
<div class="field">
<label for="p-nozzle-temp">Nozzle (°C)</label>
<input id="p-nozzle-temp" name="nozzle_temp" value="{{nozzle_temp}}" type="number" min="{{nozzle_temp_min}}" max="{{nozzle_temp_max}}"{{#nozzle_temp_error}} aria-invalid="true" aria-describedby="p-nozzle-temp-error"{{/nozzle_temp_error}}>
{{#nozzle_temp_error}}<p class="field-error" id="p-nozzle-temp-error">{{msg}}</p>{{/nozzle_temp_error}}
</div>
<div class="field">
<label for="p-bed-temp">Bed (°C)</label>
<input id="p-bed-temp" name="bed_temp" value="{{bed_temp}}" type="number" min="{{bed_temp_min}}" max="{{bed_temp_max}}"{{#bed_temp_error}} aria-invalid="true" aria-describedby="p-bed-temp-error"{{/bed_temp_error}}>
{{#bed_temp_error}}<p class="field-error" id="p-bed-temp-error">{{msg}}</p>{{/bed_temp_error}}
</div>
<div class="field">
<label for="p-speed-level">Speed</label>
<select id="p-speed-level" name="speed_level"{{#speed_level_error}} aria-invalid="true" aria-describedby="p-speed-level-error"{{/speed_level_error}}>
{{#SPEED_OPT}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>
{{/SPEED_OPT}}</select>
{{#speed_level_error}}<p class="field-error" id="p-speed-level-error">{{msg}}</p>{{/speed_level_error}}
</div>
<div class="field">
<label for="p-material-slot">AMS slot</label>
<input id="p-material-slot" name="material_slot" value="{{material_slot}}" type="number" min="{{material_slot_min}}" max="{{material_slot_max}}"{{#material_slot_error}} aria-invalid="true" aria-describedby="p-material-slot-error"{{/material_slot_error}}>
{{#material_slot_error}}<p class="field-error" id="p-material-slot-error">{{msg}}</p>{{/material_slot_error}}
<p class="help">Empty: any slot with the material.</p>
</div>
</div>
</fieldset>
<div class="actions">
<button type="submit">{{#NEW}}Add product{{/NEW}}{{#EDIT}}Save product{{/EDIT}}</button>
<a class="button secondary" href="/products">Cancel</a>
</div>
</form>
{{#EDIT}}
<details class="confirm card">
<summary>Delete this product</summary>
<p>Order items matched to it lose the match. Prints already made stay.</p>
<form method="post" action="/products/{{ID}}/delete">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="danger">Delete {{name}}</button>
</form>
</details>
{{/EDIT}}
</section>
