/* /api/bambu/notifications: a printer's notification preferences (read,
 * partial update), a test message, and the deliveries queued for the
 * printer. The webhook secret is write-only; a generated one is shown in
 * the PUT answer that created it and never again. webhook_format reads as
 * the format in effect (the stored choice, else the one the URL asks for);
 * webhook_disabled is read-only and cleared by a PUT that sends
 * webhook_url. Requests never deliver anything: the dispatcher delivers
 * the outbox. A test is limited per user (event_send_test): over the
 * limit, 429 with Retry-After in seconds, as a blocked login answers. */
#include "web/api.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

#include "base/bind.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/event.h"
#include "web/http.h"
#include "base/jsonio.h"
#include "base/jsonw.h"
#include "domain/notifypref.h"
#include "domain/printer.h"

#include "base/banned.h"

static struct json_object *
notify_json(const struct notifypref *n)
{
    struct json_object *o = json_object_new_object();

    jsonio_add_int(o, "printer_id", n->printer_id);
    jsonio_add_bool(o, "on_print_start", (int)n->on_print_start);
    jsonio_add_bool(o, "on_print_complete", (int)n->on_print_complete);
    jsonio_add_bool(o, "on_print_failed", (int)n->on_print_failed);
    jsonio_add_bool(o, "on_maintenance", (int)n->on_maintenance);
    jsonio_add_bool(o, "on_material_change", (int)n->on_material_change);
    jsonio_add_int(o, "material_low_percent", n->material_low_percent);
    jsonio_add_bool(o, "email_enabled", (int)n->email_enabled);
    jsonio_add_str(o, "email_address", n->email_address);
    jsonio_add_str(o, "webhook_url", n->webhook_url);
    jsonio_add_bool(o, "webhook_secret_set", (int)n->webhook_secret_set);
    jsonio_add_str(o, "webhook_format", notifypref_format(n, NULL));
    jsonio_add_bool(o, "webhook_disabled", n->webhook_disabled_at != DB_NULL);
    jsonio_add_str(
        o, "webhook_disabled_reason",
        n->webhook_disabled_at != DB_NULL ? n->webhook_disabled_reason : NULL);
    jsonio_add_time(o, "updated_at", n->updated_at);
    return o;
}

int
api_notify_get(struct req *r)
{
    struct notifypref n;

    if (notifypref_get(r->c, http_param_id(r, 0), &n) < 0)
        return -1;
    return http_json_put(r, 200, notify_json(&n));
}

int
api_notify_update(struct req *r)
{
    struct json_object *body, *o;
    struct notifypref n;
    struct bound b;
    const char *generated;
    int64_t id = http_param_id(r, 0);

    if (notifypref_get(r->c, id, &n) < 0 ||
        (body = http_body_json(r)) == NULL ||
        bind_json(r->c, body, notifypref_fields, &n, &b, 1) < 0)
        return -1;
    /* Saving the URL again is how a disabled webhook comes back. */
    n.webhook_reenable = bind_has(&b, "webhook_url");
    if (notifypref_save(r->c, &n, &generated) < 0 ||
        notifypref_get(r->c, id, &n) < 0)
        return -1;
    o = notify_json(&n);
    if (generated != NULL)
        jsonio_add_str(o, "webhook_secret", generated);
    return http_json_put(r, 200, o);
}

static void
delivery_json(struct jsonw *w, const struct event_delivery *d)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", d->id);
    jsonw_kstr(w, "delivery_id", d->delivery_id);
    jsonw_kstr(w, "event", d->event);
    jsonw_kstr(w, "channel", d->channel);
    jsonw_kstr(w, "target", d->target);
    jsonw_kstr(w, "status", d->status);
    jsonw_kint(w, "attempts", d->attempts);
    jsonw_kint(w, "last_code", d->last_code);
    jsonw_kstr(w, "last_error", d->last_error);
    jsonw_ktime(w, "next_attempt_at", d->next_attempt_at);
    jsonw_ktime(w, "delivered_at", d->delivered_at);
    jsonw_ktime(w, "created_at", d->created_at);
    jsonw_obj_end(w);
}

static void
deliveries_json(struct jsonw *w, const struct event_delivery *list, int n)
{
    jsonw_key(w, "deliveries");
    jsonw_arr_begin(w);
    for (int i = 0; i < n; i++)
        delivery_json(w, &list[i]);
    jsonw_arr_end(w);
}

int
api_notify_test(struct req *r)
{
    struct event_delivery *list;
    struct jsonw w;
    int64_t event_id, retry = 0;
    int count;

    event_id = event_send_test(r->c, http_param_id(r, 0), &retry);
    if (event_id < 0 && r->c->err.kind == ERR_RATE_LIMITED) {
        char s[24];

        snprintf(s, sizeof(s), "%lld", (long long)retry);
        http_header(r, "Retry-After", s);
    }
    if (event_id < 0 ||
        event_deliveries(r->c, http_param_id(r, 0), event_id,
                         EVENT_DELIVERY_ALL, 16, 0, &list, &count) < 0)
        return -1;
    http_json_begin(r, &w);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "event_id", event_id);
    deliveries_json(&w, list, count);
    jsonw_obj_end(&w);
    return http_json_end(r, 202);
}

int
api_notify_deliveries(struct req *r)
{
    struct event_delivery *list;
    const char *status = http_query(r, "status");
    unsigned mask = EVENT_DELIVERY_ALL;
    int64_t limit, offset;
    struct jsonw w;
    int n, rc;

    rc = http_list_params(r, &limit, &offset);
    if (status != NULL && event_delivery_mask(status, &mask) < 0)
        rc = err_field(&r->c->err, "status",
                       "must be a comma-separated list of pending, "
                       "delivered, failed, expired");
    if (rc < 0 || event_deliveries(r->c, http_param_id(r, 0), 0, mask,
                                        limit, offset, &list, &n) < 0)
        return -1;
    http_json_begin(r, &w);
    jsonw_obj_begin(&w);
    deliveries_json(&w, list, n);
    jsonw_obj_end(&w);
    return http_json_end(r, 200);
}
