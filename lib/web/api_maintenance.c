/* /api/printers/<id>/maintenance: a printer's maintenance interval, the
 * print hours since its last maintenance, and its maintenance records
 * (read, set the interval, record one). The rules live in maintenance.c. */
#include "web/api.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

#include "base/bind.h"
#include "base/ctx.h"
#include "web/http.h"
#include "base/jsonio.h"
#include "domain/maintenance.h"
#include "domain/printer.h"

#include "base/banned.h"

/* Print time as a number of hours with one decimal, written exactly. */
static void
add_hours(struct json_object *o, const char *key, int64_t seconds)
{
    int64_t tenths = maintenance_tenths(seconds);
    char s[32];

    snprintf(s, sizeof(s), "%lld.%lld", (long long)(tenths / 10),
             (long long)(tenths % 10));
    json_object_object_add(o, key,
                           json_object_new_double_s((double)tenths / 10, s));
}

static struct json_object *
record_json(const struct maintenance_record *r)
{
    struct json_object *o = json_object_new_object();

    jsonio_add_int(o, "id", r->id);
    jsonio_add_time(o, "performed_at", r->performed_at);
    jsonio_add_str(o, "note", r->note);
    add_hours(o, "print_hours", r->print_seconds);
    jsonio_add_time(o, "created_at", r->created_at);
    return o;
}

/* The state object with the printer's records (limit/offset from the
 * query on GET, the first page otherwise). */
static int
answer(struct req *r, int64_t printer_id, int64_t limit, int64_t offset)
{
    struct maintenance_record *list;
    struct maintenance m;
    struct json_object *o, *arr;
    int n;

    if (maintenance_get(r->c, printer_id, &m) < 0 ||
        maintenance_record_list(r->c, printer_id, limit, offset, &list, &n) < 0)
        return -1;
    o = json_object_new_object();
    jsonio_add_int(o, "printer_id", m.printer_id);
    jsonio_add_int(o, "interval_hours", m.interval_hours);
    add_hours(o, "print_hours", m.print_seconds);
    jsonio_add_time(o, "last_maintenance_at", m.last_at);
    jsonio_add_bool(o, "due", maintenance_is_due(&m));
    jsonio_add_time(o, "notified_at", m.notified_at);
    arr = json_object_new_array();
    for (int i = 0; i < n; i++)
        json_object_array_add(arr, record_json(&list[i]));
    json_object_object_add(o, "records", arr);
    return http_json_put(r, 200, o);
}

int
api_maintenance_get(struct req *r)
{
    int64_t limit, offset;

    if (http_list_params(r, &limit, &offset) < 0)
        return -1;
    return answer(r, http_param_id(r, 0), limit, offset);
}

int
api_maintenance_update(struct req *r)
{
    struct json_object *body;
    struct maintenance m;
    struct maintenance_interval in;
    struct bound b;
    int64_t id = http_param_id(r, 0);

    if (maintenance_get(r->c, id, &m) < 0 || (body = http_body_json(r)) == NULL)
        return -1;
    in.interval_hours = m.interval_hours;
    if (bind_json(r->c, body, maintenance_interval_fields, &in, &b, 1) < 0 ||
        (bind_has(&b, "interval_hours") &&
         maintenance_set_interval(r->c, id, in.interval_hours) < 0))
        return -1;
    return answer(r, id, 100, 0);
}

int
api_maintenance_create(struct req *r)
{
    struct json_object *body;
    struct maintenance_record rec;
    struct bound b;
    int owned;

    maintenance_record_init(&rec, http_param_id(r, 0));
    /* an unknown printer is 404 before the body is looked at */
    owned = printer_owned(r->c, rec.printer_id);
    if (owned == 0)
        return err_set(&r->c->err, ERR_NOT_FOUND, "no such printer");
    if (owned < 0 || (body = http_body_json_opt(r)) == NULL ||
        bind_json(r->c, body, maintenance_record_fields, &rec, &b, 0) < 0 ||
        maintenance_record_add(r->c, &rec) < 0)
        return -1;
    return http_json_put(r, 201, record_json(&rec));
}
