/* /api/bambu/notifications: a printer's notification preferences (read,
 * partial update). The webhook secret is write-only; a generated one is
 * shown in the PUT answer that created it and never again. webhook_format
 * reads as the format in effect (the stored choice, else the one the URL
 * asks for); webhook_disabled is read-only and cleared by a PUT that sends
 * webhook_url. */
#include "api.h"

#include <json-c/json.h>
#include <stddef.h>

#include "bind.h"
#include "db.h"
#include "ctx.h"
#include "http.h"
#include "jsonio.h"
#include "notifypref.h"

#include "banned.h"

static const char *const formats[] = {"standard", "discord", "slack", NULL};

#define IN struct notifypref
static const struct field notify_fields[] = {
    {"on_print_start", F_BOOL, offsetof(IN, on_print_start), 0, 0, 0, 0},
    {"on_print_complete", F_BOOL, offsetof(IN, on_print_complete), 0, 0, 0, 0},
    {"on_print_failed", F_BOOL, offsetof(IN, on_print_failed), 0, 0, 0, 0},
    {"on_maintenance", F_BOOL, offsetof(IN, on_maintenance), 0, 0, 0, 0},
    {"on_material_change", F_BOOL, offsetof(IN, on_material_change), 0, 0, 0,
     0},
    {"email_enabled", F_BOOL, offsetof(IN, email_enabled), 0, 0, 0, 0},
    {"email_address", F_EMAIL, offsetof(IN, email_address), F_NULL, 0, 0, 0},
    {"webhook_url", F_URL, offsetof(IN, webhook_url), F_NULL, 0, 0, 0},
    {"webhook_secret", F_STR, offsetof(IN, webhook_secret), 0,
     NOTIFYPREF_SECRET_MIN, NOTIFYPREF_SECRET_MAX, 0},
    {"webhook_format", F_ENUM, offsetof(IN, webhook_format), F_NULL, 0, 0,
     formats},
    {0},
};
#undef IN

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
    jsonio_add_bool(o, "email_enabled", (int)n->email_enabled);
    jsonio_add_str(o, "email_address", n->email_address);
    jsonio_add_str(o, "webhook_url", n->webhook_url);
    jsonio_add_bool(o, "webhook_secret_set", (int)n->webhook_secret_set);
    jsonio_add_str(o, "webhook_format", notifypref_format(n, NULL));
    jsonio_add_bool(o, "webhook_disabled", n->webhook_disabled_at != DB_NULL);
    jsonio_add_str(o, "webhook_disabled_reason",
                   n->webhook_disabled_at != DB_NULL
                       ? n->webhook_disabled_reason
                       : NULL);
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
        bind_json(r->c, body, notify_fields, &n, &b, 1) < 0)
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
