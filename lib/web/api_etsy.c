/* /api/etsy/shops: connect (start), list, read, update, disconnect, sync;
 * and the consent round trip's two pages, /etsy/connect and
 * /etsy/callback. No handler talks to Etsy: the callback stores the code
 * and the dispatcher exchanges it (DESIGN.md: web requests only read and
 * write the database). */
#include "web/api.h"

#include <json-c/json.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "base/jsonio.h"
#include "base/null.h"
#include "domain/etsy_shop.h"
#include "web/http.h"
#include "web/page.h"

#include "base/banned.h"

static void
put_escaped(struct arena *a, const char **out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *p = arena_alloc(a, n * 3 + 1), *q = p;

    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
            (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
            *q++ = (char)ch;
        } else {
            *q++ = '%';
            *q++ = hex[ch >> 4];
            *q++ = hex[ch & 15];
        }
    }
    *q = '\0';
    *out = p;
}

/* A new pending connect and the consent page's URL for it (arena), or
 * NULL with c->err. */
static const char *
authorize_url(struct req *r, int64_t *id)
{
    struct ctx *c = r->c;
    const struct etsy_conf *e = &c->conf->etsy;
    const char *state, *challenge, *redirect, *client, *scope;

    if ((*id = etsy_shop_begin(c, &state, &challenge)) < 0)
        return NULL;
    put_escaped(c->arena, &redirect,
                arena_printf(c->arena, "%s/etsy/callback", e->public_url));
    put_escaped(c->arena, &client, e->keystring);
    put_escaped(c->arena, &scope, ETSY_SHOP_SCOPES);
    return arena_printf(c->arena,
                        "%s?response_type=code&client_id=%s&redirect_uri=%s"
                        "&scope=%s&state=%s&code_challenge=%s"
                        "&code_challenge_method=S256",
                        e->connect, client, redirect, scope, state, challenge);
}

static struct json_object *
shop_json(const struct etsy_shop *s)
{
    struct json_object *o = json_object_new_object();

    jsonio_add_int(o, "id", s->id);
    jsonio_add_int(o, "shop_id", s->shop_id);
    jsonio_add_str(o, "shop_name", s->shop_name);
    jsonio_add_str(o, "status",
                   s->enabled || strcmp(s->status, "connected") ? s->status
                                                                : "disabled");
    jsonio_add_time(o, "last_sync_at", s->last_sync_at);
    jsonio_add_str(o, "last_error", s->last_error);
    jsonio_add_bool(o, "auto_schedule", (int)s->auto_schedule);
    jsonio_add_bool(o, "enabled", (int)s->enabled);
    jsonio_add_int(o, "imported_orders", s->imported_orders);
    return o;
}

int
api_etsy_list(struct req *r)
{
    struct etsy_shop *list;
    struct json_object *o, *arr;
    int n;

    if (etsy_shop_list(r->c, &list, &n) < 0)
        return -1;
    o = json_object_new_object();
    arr = json_object_new_array();
    for (int i = 0; i < n; i++)
        json_object_array_add(arr, shop_json(&list[i]));
    json_object_object_add(o, "shops", arr);
    return http_json_put(r, 200, o);
}

int
api_etsy_connect(struct req *r)
{
    struct etsy_shop s;
    struct json_object *o;
    const char *url;
    int64_t id;

    if ((url = authorize_url(r, &id)) == NULL || etsy_shop_get(r->c, id, &s))
        return -1;
    o = shop_json(&s);
    jsonio_add_str(o, "authorize_url", url);
    return http_json_put(r, 201, o);
}

int
api_etsy_get(struct req *r)
{
    struct etsy_shop s;

    if (etsy_shop_get(r->c, http_param_id(r, 0), &s) < 0)
        return -1;
    return http_json_put(r, 200, shop_json(&s));
}

static int
flag(struct ctx *c, struct json_object *body, const char *key, int *out)
{
    struct json_object *v;

    *out = -1;
    if (!json_object_object_get_ex(body, key, &v))
        return 0;
    if (!json_object_is_type(v, json_type_boolean))
        return err_field(&c->err, key, "must be true or false");
    *out = json_object_get_boolean(v) ? 1 : 0;
    return 0;
}

int
api_etsy_update(struct req *r)
{
    struct json_object *body = http_body_json(r);
    int64_t id = http_param_id(r, 0);
    int auto_schedule, enabled;

    if (body == NULL)
        return -1;
    flag(r->c, body, "auto_schedule", &auto_schedule);
    flag(r->c, body, "enabled", &enabled);
    if (err_is_set(&r->c->err))
        return err_set(&r->c->err, ERR_VALIDATION, "invalid Etsy shop");
    if (etsy_shop_update(r->c, id, auto_schedule, enabled) < 0)
        return -1;
    return api_etsy_get(r);
}

int
api_etsy_delete(struct req *r)
{
    if (etsy_shop_delete(r->c, http_param_id(r, 0)) < 0)
        return -1;
    return http_no_content(r);
}

int
api_etsy_sync(struct req *r)
{
    struct etsy_shop s;
    int64_t id = http_param_id(r, 0);

    if (etsy_shop_request_sync(r->c, id) < 0 || etsy_shop_get(r->c, id, &s))
        return -1;
    return http_json_put(r, 202, shop_json(&s));
}

int
page_etsy_connect(struct req *r)
{
    const char *url;
    int64_t id;

    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    if ((url = authorize_url(r, &id)) == NULL)
        return page_error(r);
    return page_redirect(r, url);
}

int
page_etsy_callback(struct req *r)
{
    const char *state = http_query(r, "state"), *code = http_query(r, "code");

    if (state == NULL || code == NULL) {
        err_set(&r->c->err, ERR_VALIDATION, "Etsy did not grant access%s%s",
                http_query(r, "error") ? ": " : "",
                http_query(r, "error") ? http_query(r, "error") : "");
        return page_error(r);
    }
    if (etsy_shop_callback(r->c, state, code) < 0)
        return page_error(r);
    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    return page_redirect_notice(r, "/account#etsy",
                                "Etsy shop connected: the next dispatcher "
                                "run finishes it and imports its orders");
}
