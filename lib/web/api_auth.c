/* Health, sign-in and sign-out, the current user, adding users. */
#include "web/api.h"

#include <json-c/json.h>
#include <stdio.h>

#include "web/auth.h"
#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "web/http.h"
#include "domain/health.h"
#include "base/jsonio.h"
#include "domain/token.h"
#include "domain/user.h"

#include "base/banned.h"

int
api_health(struct req *r)
{
    struct json_object *o = json_object_new_object();
    int db_ok = health_db_ok(r->c);

    jsonio_add_str(o, "status", db_ok ? "ok" : "degraded");
    jsonio_add_str(o, "database", db_ok ? "ok" : "unavailable");
    jsonio_add_str(o, "backend", db_backend_name(r->c->db));
    jsonio_add_str(o, "version", FARM_VERSION);
    return http_json_put(r, db_ok ? 200 : 503, o);
}

struct credentials {
    const char *email, *password;
};

static const struct field credential_fields[] = {
    {"email", F_STR, offsetof(struct credentials, email), F_REQ, 1, 254, 0},
    {"password", F_STR, offsetof(struct credentials, password), F_REQ, 1,
     1024, 0},
    {0},
};

static struct json_object *
user_json(const struct user *u)
{
    struct json_object *o = json_object_new_object();

    jsonio_add_int(o, "id", u->id);
    jsonio_add_str(o, "email", u->email);
    jsonio_add_time(o, "created_at", u->created_at);
    return o;
}

int
api_auth_login(struct req *r)
{
    struct ctx *c = r->c;
    struct json_object *body = http_body_json(r), *o;
    struct credentials in = {0};
    struct bound b;
    struct user u;
    int64_t id, retry = 0;
    char *token;

    if (body == NULL || bind_json(c, body, credential_fields, &in, &b, 0) < 0)
        return -1;
    id = user_login(c, in.email, in.password, r->remote_addr, &retry);
    if (id < 0) {
        if (c->err.kind == ERR_RATE_LIMITED) {
            char s[24];

            snprintf(s, sizeof(s), "%lld", (long long)retry);
            http_header(r, "Retry-After", s);
        }
        return -1;
    }
    token = token_issue(c, id, "login", c->now + c->conf->session_seconds);
    if (token == NULL || user_get(c, id, &u) < 0)
        return -1;
    o = json_object_new_object();
    jsonio_add_str(o, "token", token);
    json_object_object_add(o, "user", user_json(&u));
    return http_json_put(r, 200, o);
}

int
api_auth_logout(struct req *r)
{
    const char *t = auth_bearer(r);

    if (t == NULL)
        t = auth_cookie(r, AUTH_COOKIE);
    if (t != NULL && token_revoke(r->c, t) < 0)
        return -1;
    if (t != NULL && auth_bearer(r) == NULL)
        auth_set_cookie(r, "", 0);
    return http_no_content(r);
}

int
api_me(struct req *r)
{
    struct user u;

    if (user_get(r->c, r->c->user_id, &u) < 0)
        return -1;
    return http_json_put(r, 200, user_json(&u));
}

int
api_user_create(struct req *r)
{
    struct ctx *c = r->c;
    struct json_object *body = http_body_json(r);
    struct credentials in = {0};
    struct bound b;
    struct user u;
    int64_t id;

    switch (user_is_admin(c, c->user_id)) {
    case 1:
        break;
    case 0:
        return err_set(&c->err, ERR_FORBIDDEN, "only an admin may add users");
    default:
        return -1;
    }
    if (body == NULL || bind_json(c, body, credential_fields, &in, &b, 0) < 0)
        return -1;
    id = user_create(c, in.email, in.password);
    if (id < 0 || user_get(c, id, &u) < 0)
        return -1;
    return http_json_put(r, 201, user_json(&u));
}
