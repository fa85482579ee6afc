{{%AUTOESCAPE context="HTML"}}
{{! Add a printer (lib/web/page_printers.c): the fields of printer_fields
    as page_form_fill sets them (K, K_max, K_error with msg, model_opt) and
    the ERRORS summary. Control names are the API's JSON names. }}
<div class="heading">
<h1>Add a printer</h1>
<a href="/printers">Back to printers</a>
</div>
<form class="card form-card" method="post" action="/printers/new" novalidate>
<input type="hidden" name="csrf" value="{{CSRF_TOKEN}}">
{{#ERRORS}}<div class="alert" role="alert"><p>The printer was not added:</p><ul>{{#ERROR}}<li>{{field}} {{message}}</li>{{/ERROR}}</ul></div>{{/ERRORS}}
<p class="help">Put the printer in <strong>LAN Only</strong> mode and turn on <strong>Developer Mode</strong> on its screen (Settings &rarr; Network); that screen also shows its IP address and access code. bambufarm talks to it on your local network only.</p>
<div class="form-grid">
<div class="field">
<label for="name">Name <span class="req" aria-hidden="true">*</span></label>
<input id="name" name="name" type="text" required maxlength="{{name_max}}" value="{{name}}"{{#name_error}} aria-invalid="true" aria-describedby="name-err"{{/name_error}}>
<p class="help">What the farm calls it, e.g. X1C-01.</p>
{{#name_error}}<p class="field-error" id="name-err">{{msg}}</p>{{/name_error}}
</div>
<div class="field">
<label for="model">Model <span class="req" aria-hidden="true">*</span></label>
<select id="model" name="model" required{{#model_error}} aria-invalid="true" aria-describedby="model-err"{{/model_error}}>
<option value="">Choose a model</option>
{{#model_opt}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/model_opt}}
</select>
{{#model_error}}<p class="field-error" id="model-err">{{msg}}</p>{{/model_error}}
</div>
<div class="field">
<label for="serial">Serial number <span class="req" aria-hidden="true">*</span></label>
<input id="serial" name="serial" type="text" required maxlength="{{serial_max}}" value="{{serial}}" autocomplete="off"{{#serial_error}} aria-invalid="true" aria-describedby="serial-err"{{/serial_error}}>
<p class="help">On the printer's label or under Settings &rarr; Device.</p>
{{#serial_error}}<p class="field-error" id="serial-err">{{msg}}</p>{{/serial_error}}
</div>
<div class="field">
<label for="host">IP address or host name <span class="req" aria-hidden="true">*</span></label>
<input id="host" name="host" type="text" required maxlength="{{host_max}}" value="{{host}}" autocomplete="off"{{#host_error}} aria-invalid="true" aria-describedby="host-err"{{/host_error}}>
{{#host_error}}<p class="field-error" id="host-err">{{msg}}</p>{{/host_error}}
</div>
<div class="field">
<label for="port">MQTT port</label>
<input id="port" name="port" type="number" min="{{port_min}}" max="{{port_max}}" value="{{port}}"{{#port_error}} aria-invalid="true" aria-describedby="port-err"{{/port_error}}>
<p class="help">8883 unless you changed it.</p>
{{#port_error}}<p class="field-error" id="port-err">{{msg}}</p>{{/port_error}}
</div>
<div class="field">
<label for="ftp_port">FTPS port</label>
<input id="ftp_port" name="ftp_port" type="number" min="{{ftp_port_min}}" max="{{ftp_port_max}}" value="{{ftp_port}}"{{#ftp_port_error}} aria-invalid="true" aria-describedby="ftp_port-err"{{/ftp_port_error}}>
<p class="help">990 unless you changed it.</p>
{{#ftp_port_error}}<p class="field-error" id="ftp_port-err">{{msg}}</p>{{/ftp_port_error}}
</div>
<div class="field">
<label for="access_code">Access code <span class="req" aria-hidden="true">*</span></label>
<input id="access_code" name="access_code" type="password" required maxlength="{{access_code_max}}" autocomplete="off"{{#access_code_error}} aria-invalid="true" aria-describedby="access_code-err"{{/access_code_error}}>
<p class="help">The 8-character LAN access code from the printer's network settings. Stored encrypted, never shown again.</p>
{{#access_code_error}}<p class="field-error" id="access_code-err">{{msg}}</p>{{/access_code_error}}
</div>
</div>
<div class="actions"><button type="submit">Add printer</button> <a href="/printers">Cancel</a></div>
</form>
