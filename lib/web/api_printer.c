/* /api/printers: list, create, read, partial update, delete. */
#include "web/api.h"

#include <json-c/json.h>
#include <stddef.h>

#include "base/bind.h"
#include "base/ctx.h"
#include "web/http.h"
#include "base/jsonio.h"
#include "domain/printer.h"
#include "store/db.h"

#include "base/banned.h"


static struct json_object *
printer_json(const struct printer *p)
{
    struct json_object *o = json_object_new_object();

    jsonio_add_int(o, "id", p->id);
    jsonio_add_str(o, "name", p->name);
    jsonio_add_str(o, "model", p->model);
    jsonio_add_str(o, "serial", p->serial);
    jsonio_add_str(o, "host", p->host);
    jsonio_add_int(o, "port", p->port);
    jsonio_add_int(o, "ftp_port", p->ftp_port);
    jsonio_add_str(o, "status", p->status);
    jsonio_add_str(o, "status_detail", p->status_detail);
    jsonio_add_bool(o, "online", (int)p->online);
    jsonio_add_int(o, "progress_percent", p->progress_percent);
    jsonio_add_int(o, "remaining_minutes", p->remaining_minutes);
    jsonio_add_int(o, "current_print_id", p->current_print_id);
    jsonio_add_int(o, "nozzle_temp", p->nozzle_temp);
    jsonio_add_int(o, "bed_temp", p->bed_temp);
    jsonio_add_time(o, "last_seen_at", p->last_seen_at);
    jsonio_add_time(o, "created_at", p->created_at);
    jsonio_add_time(o, "updated_at", p->updated_at);
    jsonio_add_int(o, "power_watts", p->power_watts);
    jsonio_add_int(o, "effective_power_watts",
                   p->power_watts != DB_NULL ? p->power_watts
                                             : printer_default_watts(p->model));
    jsonio_add_money(o, "machine_rate", p->machine_rate);
    return o;
}

int
api_printer_list(struct req *r)
{
    struct printer *list;
    struct json_object *o, *arr;
    int64_t limit, offset;
    int n;

    if (http_list_params(r, &limit, &offset) < 0 ||
        printer_list(r->c, limit, offset, &list, &n) < 0)
        return -1;
    o = json_object_new_object();
    arr = json_object_new_array();
    for (int i = 0; i < n; i++)
        json_object_array_add(arr, printer_json(&list[i]));
    json_object_object_add(o, "printers", arr);
    return http_json_put(r, 200, o);
}

static int
answer(struct req *r, int status, int64_t id)
{
    struct printer p;

    if (printer_get(r->c, id, &p) < 0)
        return -1;
    return http_json_put(r, status, printer_json(&p));
}

int
api_printer_create(struct req *r)
{
    struct json_object *body = http_body_json(r);
    struct printer p;
    struct bound b;
    int64_t id;

    printer_init(&p);
    if (body == NULL || bind_json(r->c, body, printer_fields, &p, &b, 0) < 0)
        return -1;
    id = printer_create(r->c, &p);
    return id < 0 ? -1 : answer(r, 201, id);
}

int
api_printer_get(struct req *r)
{
    return answer(r, 200, http_param_id(r, 0));
}

int
api_printer_update(struct req *r)
{
    struct json_object *body;
    struct printer p;
    struct bound b;
    int64_t id = http_param_id(r, 0);

    if (printer_get(r->c, id, &p) < 0 || (body = http_body_json(r)) == NULL ||
        bind_json(r->c, body, printer_fields, &p, &b, 1) < 0 ||
        printer_update(r->c, &p) < 0)
        return -1;
    return answer(r, 200, id);
}

int
api_printer_delete(struct req *r)
{
    if (printer_delete(r->c, http_param_id(r, 0)) < 0)
        return -1;
    return http_no_content(r);
}
