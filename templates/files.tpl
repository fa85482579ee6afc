{{%AUTOESCAPE context="HTML"}}
{{! The file library. ALERT/MESSAGE: why an action was refused (a file in
    use). The upload form sends csrf first (the server refuses a forged
    upload before writing), NAME_KEPT with NAME_ERROR / FILE_ERROR beside
    their fields after a failed upload; LIMIT_MB is the size limit. USAGE:
    USED, the bytes of all the user's files, with QUOTA/QUOTA_TEXT when
    there is a storage quota. EMPTY or TABLE with one FILE (NAME, SIZE,
    UPLOADED time, N for ids). }}
<section class="shop">
<div class="heading">
<h1>Files</h1>
<p class="hint">Sliced files (.3mf, .gcode) that prints and products use.</p>
{{#USAGE}}<p class="hint" id="files-usage">Your files use {{USED}}{{#QUOTA}} of your {{QUOTA_TEXT}}{{/QUOTA}}.</p>{{/USAGE}}
</div>
{{#ALERT}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/ALERT}}
<form class="card" method="post" action="/files" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<h2>Upload a file</h2>
<div class="form-grid">
<div class="field">
<label for="upload-file">File <span class="req" aria-hidden="true">*</span></label>
<input id="upload-file" type="file" name="file" accept=".3mf,.gcode" required{{#FILE_ERROR}} aria-invalid="true" aria-describedby="upload-file-error"{{/FILE_ERROR}}>
{{#FILE_ERROR}}<p class="field-error" id="upload-file-error">{{msg}}</p>{{/FILE_ERROR}}
<p class="help">At most {{LIMIT_MB}} MB. A file with the same name is replaced.</p>
</div>
<div class="field">
<label for="upload-name">Save as</label>
<input id="upload-name" name="name" value="{{NAME_KEPT}}" maxlength="128" placeholder="the file's own name"{{#NAME_ERROR}} aria-invalid="true" aria-describedby="upload-name-error"{{/NAME_ERROR}}>
{{#NAME_ERROR}}<p class="field-error" id="upload-name-error">{{msg}}</p>{{/NAME_ERROR}}
<p class="help">Optional. Letters, digits, <code>. _ -</code>; ends in .3mf or .gcode.</p>
</div>
</div>
<button type="submit">Upload</button>
</form>
{{#EMPTY}}
<div class="card empty">
<p>No files yet.</p>
<p class="hint">Upload a sliced file above; prints and products then pick it from the library.</p>
</div>
{{/EMPTY}}
{{#TABLE}}
<div class="table-wrap">
<table class="files">
<thead>
<tr>
<th scope="col">Name</th>
<th scope="col" class="num">Size</th>
<th scope="col">Uploaded</th>
<th scope="col"><span class="visually-hidden">Actions</span></th>
</tr>
</thead>
<tbody>
{{#FILE}}
<tr>
<td class="name mono">{{NAME}}</td>
<td class="num">{{SIZE}}</td>
<td>{{#UPLOADED}}<time datetime="{{UPLOADED_ISO}}" data-format="datetime">{{UPLOADED_TEXT}}</time>{{/UPLOADED}}</td>
<td>
<details class="confirm">
<summary>Delete</summary>
<form class="inline" method="post" action="/files/{{NAME}}/delete">
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
<button type="submit" class="danger small">Delete {{NAME}}</button>
</form>
</details>
</td>
</tr>
{{/FILE}}
</tbody>
</table>
</div>
{{/TABLE}}
</section>
