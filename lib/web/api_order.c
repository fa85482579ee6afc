/* /api/orders: list, create, read, and turning an order into prints. */
#include "web/api.h"

#include <json-c/json.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "web/http.h"
#include "domain/job.h"
#include "base/jsonio.h"
#include "base/jsonw.h"
#include "web/api_render.h"
#include "domain/order.h"
#include "domain/order_import.h"

#include "base/banned.h"

/* order_fields, order_item_fields, order_schedule_fields: order.h */

/* o (after order_money) as JSON; farm: the farm's currency, that of an
 * item without one. */
static struct json_object *
order_json(const struct order *o, const char *farm)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *items = json_object_new_array();
    struct json_object *ids = json_object_new_array();

    jsonio_add_int(obj, "id", o->id);
    jsonio_add_str(obj, "source", o->source);
    jsonio_add_str(obj, "external_id", o->external_id);
    jsonio_add_str(obj, "buyer", o->buyer);
    jsonio_add_str(obj, "status", o->status);
    jsonio_add_time(obj, "created_at", o->created_at);
    jsonio_add_time(obj, "updated_at", o->updated_at);
    for (int i = 0; i < o->nitems; i++) {
        const struct order_item *it = &o->items[i];
        struct json_object *x = json_object_new_object();

        jsonio_add_int(x, "id", it->id);
        jsonio_add_str(x, "title", it->title);
        jsonio_add_str(x, "sku", it->sku);
        jsonio_add_int(x, "etsy_listing_id", it->etsy_listing_id);
        jsonio_add_int(x, "quantity", it->quantity);
        jsonio_add_int(x, "product_id", it->product_id);
        jsonio_add_money(x, "price", it->price);
        jsonio_add_str(x, "currency", it->currency ? it->currency : farm);
        jsonio_add_str(x, "variations", it->variations);
        jsonio_add_str(x, "color", it->color);
        jsonio_add_str(x, "material_type", it->material_type);
        json_object_array_add(items, x);
    }
    json_object_object_add(obj, "items", items);
    for (int i = 0; i < o->nprints; i++)
        json_object_array_add(ids, json_object_new_int64(o->print_ids[i]));
    json_object_object_add(obj, "print_ids", ids);
    jsonio_add_str(obj, "currency", o->currency);
    jsonio_add_money(obj, "discount", o->discount);
    jsonio_add_money(obj, "revenue", o->revenue);
    jsonio_add_money(obj, "cost", o->cost);
    jsonio_add_str(obj, "cost_currency", o->cost_currency);
    jsonio_add_money(obj, "profit", o->profit);
    return obj;
}

int
api_order_list(struct req *r)
{
    struct order *list;
    struct json_object *o, *arr;
    int64_t limit, offset;
    int n;

    if (http_list_params(r, &limit, &offset) < 0 ||
        order_list(r->c, limit, offset, &list, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (order_money(r->c, &list[i]) < 0)
            return -1;
    o = json_object_new_object();
    arr = json_object_new_array();
    for (int i = 0; i < n; i++)
        json_object_array_add(arr,
                              order_json(&list[i], r->c->conf->currency));
    json_object_object_add(o, "orders", arr);
    return http_json_put(r, 200, o);
}

static int
answer(struct req *r, int status, int64_t id)
{
    struct order o;

    if (order_get(r->c, id, &o) < 0 || order_money(r->c, &o) < 0)
        return -1;
    return http_json_put(r, status, order_json(&o, r->c->conf->currency));
}

/* Binds one item; its bad fields are reported as "items[i].<field>". */
static int
bind_item(struct ctx *c, int i, struct json_object *v, struct order_item *it)
{
    struct ctx sub;
    struct bound b;

    it->etsy_listing_id = DB_NULL;
    it->product_id = DB_NULL;
    it->price = DB_NULL;
    if (!json_object_is_type(v, json_type_object))
        return err_field(&c->err, arena_printf(c->arena, "items[%d]", i),
                         "must be an object");
    sub = *c;
    err_clear(&sub.err);
    if (bind_json(&sub, v, order_item_fields, it, &b, 0) == 0)
        return 0;
    if (sub.err.kind != ERR_VALIDATION) {
        c->err = sub.err;
        return -1;
    }
    for (int k = 0; k < sub.err.nfields; k++)
        err_field(
            &c->err,
            arena_printf(c->arena, "items[%d].%s", i, sub.err.fields[k].name),
            "%s", sub.err.fields[k].msg);
    return -1;
}

static int
bind_items(struct ctx *c, struct json_object *body, struct order *o)
{
    struct json_object *arr;
    size_t len;

    if (!json_object_object_get_ex(body, "items", &arr))
        return err_field(&c->err, "items", "is required");
    if (!json_object_is_type(arr, json_type_array) ||
        (len = json_object_array_length(arr)) < 1 || len > ORDER_ITEMS_MAX)
        return err_field(&c->err, "items", "must be an array of 1 to %d items",
                         ORDER_ITEMS_MAX);
    o->items = arena_alloc(c->arena, sizeof(*o->items) * len);
    o->nitems = (int)len;
    for (size_t i = 0; i < len; i++)
        if (bind_item(c, (int)i, json_object_array_get_idx(arr, i),
                      &o->items[i]) < 0 &&
            c->err.kind != ERR_VALIDATION)
            return -1;
    return err_is_set(&c->err) ? -1 : 0;
}

int
api_order_create(struct req *r)
{
    struct json_object *body = http_body_json(r);
    struct order o;
    struct bound b;
    int64_t id;

    order_init(&o);
    if (body == NULL)
        return -1;
    /* both calls collect their fields, so one 422 names them all */
    bind_json(r->c, body, order_fields, &o, &b, 0);
    if (err_is_set(&r->c->err) && r->c->err.kind != ERR_VALIDATION)
        return -1;
    if (bind_items(r->c, body, &o) < 0 || err_is_set(&r->c->err))
        return -1;
    id = order_create(r->c, &o);
    return id < 0 ? -1 : answer(r, 201, id);
}

int
api_order_get(struct req *r)
{
    return answer(r, 200, http_param_id(r, 0));
}

int
api_order_schedule(struct req *r)
{
    struct ctx *c = r->c;
    struct order_schedule_in in = {DB_NULL, DB_NULL, 0};
    struct json_object *body;
    struct jsonw w;
    struct bound b;
    int64_t order_id = http_param_id(r, 0), *ids;
    int n;

    if ((body = http_body_json_opt(r)) == NULL ||
        bind_json(c, body, order_schedule_fields, &in, &b, 0) < 0 ||
        order_schedule(c, order_id, in.printer_id, in.start_at, in.gap_minutes,
                       &ids, &n) < 0)
        return -1;
    http_json_begin(r, &w);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "order_id", order_id);
    jsonw_key(&w, "prints");
    jsonw_arr_begin(&w);
    for (int i = 0; i < n; i++) {
        struct job j;

        if (job_get(c, ids[i], &j) < 0 || job_costs(c, &j, 1) < 0)
            return -1;
        render_print(&w, &j, c->conf->currency, 0);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    return http_json_end(r, 201);
}

/* PUT /api/orders/<id>/items/<item_id> {"product_id": id}: maps the item
 * and remembers the mapping for its listing; answers the order. */
int
api_order_item_map(struct req *r)
{
    struct order_item_map_in in = {DB_NULL};
    struct json_object *body = http_body_json(r);
    struct bound b;
    int64_t order_id = http_param_id(r, 0);

    if (body == NULL ||
        bind_json(r->c, body, order_item_map_fields, &in, &b, 0) < 0 ||
        order_item_map(r->c, order_id, http_param_id(r, 1), in.product_id) < 0)
        return -1;
    return answer(r, 200, order_id);
}

/* --- POST /api/orders/import ----------------------------------------------- */

#define IMPORT_CHUNK (64 * 1024)

static struct json_object *
api_order_import_json(const struct order_import_report *rep)
{
    struct json_object *o = json_object_new_object();
    struct json_object *rows = json_object_new_array();

    for (int k = 0; k < ORDER_IMPORT__MAX; k++)
        jsonio_add_int(o, order_import_results[k], rep->counts[k]);
    for (int i = 0; i < rep->nrows; i++) {
        const struct order_import_row *row = &rep->rows[i];
        struct json_object *x = json_object_new_object();

        jsonio_add_int(x, "line", row->line);
        jsonio_add_str(x, "transaction_id", row->transaction_id);
        jsonio_add_str(x, "order_id", row->order_id);
        jsonio_add_str(x, "result", order_import_results[row->result]);
        jsonio_add_str(x, "reason", row->reason);
        json_object_array_add(rows, x);
    }
    json_object_object_add(o, "rows", rows);
    return o;
}

int
api_order_import(struct req *r)
{
    struct ctx *c = r->c;
    struct order_import_report rep;
    struct order_import *im;
    char *chunk;
    long got;

    if (!http_content_type_is(r, "text/csv"))
        return err_set(&c->err, ERR_MEDIA_TYPE,
                       "the file must be sent as text/csv");
    if (r->content_length > ORDER_IMPORT_BYTES_MAX)
        return err_set(&c->err, ERR_TOO_LARGE,
                       "the file is larger than %d bytes",
                       ORDER_IMPORT_BYTES_MAX);
    im = order_import_new(c);
    chunk = arena_alloc(c->arena, IMPORT_CHUNK);
    while ((got = http_read(r, chunk, IMPORT_CHUNK)) > 0)
        if (order_import_feed(im, chunk, (size_t)got) < 0)
            return -1;
    if (got < 0 ||
        (r->content_length >= 0 && r->body_read < r->content_length))
        return err_set(&c->err, ERR_BAD_JSON, "request body was cut short");
    if (order_import_finish(im, &rep) < 0)
        return -1;
    return http_json_put(r, 200, api_order_import_json(&rep));
}
