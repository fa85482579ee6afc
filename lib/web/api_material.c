/* /api/bambu/materials: a printer's AMS slots (list and create by printer
 * id; partial update and delete by material id). */
#include "web/api.h"

#include <json-c/json.h>

#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "web/http.h"
#include "base/jsonio.h"
#include "domain/material.h"
#include "domain/printer.h"

#include "base/banned.h"

/* material_fields: material.h */

static struct json_object *
material_json(struct ctx *c, const struct material *m)
{
    struct json_object *o = json_object_new_object();

    jsonio_add_int(o, "id", m->id);
    jsonio_add_int(o, "printer_id", m->printer_id);
    jsonio_add_int(o, "slot", m->slot);
    jsonio_add_str(o, "material_type", m->material_type);
    jsonio_add_str(o, "color", m->color);
    jsonio_add_int(o, "weight_grams", m->weight_grams);
    jsonio_add_int(o, "remaining_percent", m->remaining_percent);
    jsonio_add_int(o, "remaining_grams", material_remaining_grams(m));
    jsonio_add_str(o, "vendor", m->vendor);
    jsonio_add_money(o, "cost_per_kg", m->cost_per_kg);
    jsonio_add_str(o, "currency", c->conf->currency);
    jsonio_add_str(o, "source", m->source);
    jsonio_add_time(o, "synced_at", m->synced_at);
    jsonio_add_time(o, "created_at", m->created_at);
    jsonio_add_time(o, "updated_at", m->updated_at);
    return o;
}

static int
answer(struct req *r, int status, int64_t id)
{
    struct material m;

    if (material_get(r->c, id, &m) < 0)
        return -1;
    return http_json_put(r, status, material_json(r->c, &m));
}

int
api_material_list(struct req *r)
{
    struct material *list;
    struct json_object *o, *arr;
    int64_t limit, offset;
    int n;

    if (http_list_params(r, &limit, &offset) < 0 ||
        material_list(r->c, http_param_id(r, 0), limit, offset, &list, &n) < 0)
        return -1;
    o = json_object_new_object();
    arr = json_object_new_array();
    for (int i = 0; i < n; i++)
        json_object_array_add(arr, material_json(r->c, &list[i]));
    json_object_object_add(o, "materials", arr);
    return http_json_put(r, 200, o);
}

int
api_material_create(struct req *r)
{
    struct json_object *body;
    struct material m;
    struct bound b;
    int64_t id;
    int owned;

    material_init(&m);
    m.printer_id = http_param_id(r, 0);
    /* an unknown printer is 404 before the body is looked at */
    owned = printer_owned(r->c, m.printer_id);
    if (owned == 0)
        return err_set(&r->c->err, ERR_NOT_FOUND, "no such printer");
    if (owned < 0 || (body = http_body_json(r)) == NULL ||
        bind_json(r->c, body, material_fields, &m, &b, 0) < 0)
        return -1;
    id = material_create(r->c, &m);
    return id < 0 ? -1 : answer(r, 201, id);
}

int
api_material_update(struct req *r)
{
    struct json_object *body;
    struct material m;
    struct bound b;
    int64_t id = http_param_id(r, 0);

    if (material_get(r->c, id, &m) < 0 || (body = http_body_json(r)) == NULL ||
        bind_json(r->c, body, material_fields, &m, &b, 1) < 0 ||
        material_update(r->c, &m) < 0)
        return -1;
    return answer(r, 200, id);
}

int
api_material_delete(struct req *r)
{
    if (material_delete(r->c, http_param_id(r, 0)) < 0)
        return -1;
    return http_no_content(r);
}
