/* /api/products: list, create, read, partial update, delete. */
#include "web/api.h"

#include <json-c/json.h>

#include "base/bind.h"
#include "base/ctx.h"
#include "web/http.h"
#include "base/jsonio.h"
#include "domain/product.h"

#include "base/banned.h"

/* product_fields: product.h */

static struct json_object *
product_json(const struct product *p)
{
    struct json_object *o = json_object_new_object();

    jsonio_add_int(o, "id", p->id);
    jsonio_add_str(o, "name", p->name);
    jsonio_add_str(o, "sku", p->sku);
    jsonio_add_int(o, "etsy_listing_id", p->etsy_listing_id);
    jsonio_add_str(o, "file", p->file);
    jsonio_add_int(o, "plate", p->plate);
    jsonio_add_int(o, "estimated_minutes", p->estimated_minutes);
    jsonio_add_int(o, "grams", p->grams);
    jsonio_add_str(o, "material_type", p->material_type);
    jsonio_add_str(o, "color", p->color);
    jsonio_add_int(o, "nozzle_temp", p->nozzle_temp);
    jsonio_add_int(o, "bed_temp", p->bed_temp);
    jsonio_add_int(o, "speed_level", p->speed_level);
    jsonio_add_int(o, "material_slot", p->material_slot);
    jsonio_add_time(o, "created_at", p->created_at);
    jsonio_add_time(o, "updated_at", p->updated_at);
    return o;
}

int
api_product_list(struct req *r)
{
    struct product *list;
    struct json_object *o, *arr;
    int64_t limit, offset;
    int n;

    if (http_list_params(r, &limit, &offset) < 0 ||
        product_list(r->c, limit, offset, &list, &n) < 0)
        return -1;
    o = json_object_new_object();
    arr = json_object_new_array();
    for (int i = 0; i < n; i++)
        json_object_array_add(arr, product_json(&list[i]));
    json_object_object_add(o, "products", arr);
    return http_json_put(r, 200, o);
}

static int
answer(struct req *r, int status, int64_t id)
{
    struct product p;

    if (product_get(r->c, id, &p) < 0)
        return -1;
    return http_json_put(r, status, product_json(&p));
}

int
api_product_create(struct req *r)
{
    struct json_object *body = http_body_json(r);
    struct product p;
    struct bound b;
    int64_t id;

    product_init(&p);
    if (body == NULL || bind_json(r->c, body, product_fields, &p, &b, 0) < 0)
        return -1;
    id = product_create(r->c, &p);
    return id < 0 ? -1 : answer(r, 201, id);
}

int
api_product_get(struct req *r)
{
    return answer(r, 200, http_param_id(r, 0));
}

int
api_product_update(struct req *r)
{
    struct json_object *body;
    struct product p;
    struct bound b;
    int64_t id = http_param_id(r, 0);

    if (product_get(r->c, id, &p) < 0 || (body = http_body_json(r)) == NULL ||
        bind_json(r->c, body, product_fields, &p, &b, 1) < 0 ||
        product_update(r->c, &p) < 0)
        return -1;
    return answer(r, 200, id);
}

int
api_product_delete(struct req *r)
{
    if (product_delete(r->c, http_param_id(r, 0)) < 0)
        return -1;
    return http_no_content(r);
}
