#include "web/auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "web/http.h"
#include "base/secret.h"
#include "domain/token.h"

#include "base/banned.h"

const char *
auth_bearer(struct req *r)
{
    const char *h = http_param(r, "HTTP_AUTHORIZATION");

    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

#define HOST_PREFIX "__Host-"

static int
secure_site(const struct req *r)
{
    return r->c->conf != NULL && r->c->conf->secure_cookies > 0;
}

const char *
auth_cookie(struct req *r, const char *name)
{
    const char *h = http_param(r, "HTTP_COOKIE");
    size_t n;

    if (secure_site(r))
        name = arena_printf(r->c->arena, HOST_PREFIX "%s", name);
    n = strlen(name);

    while (h != NULL && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        if (strncmp(h, name, n) == 0 && h[n] == '=') {
            const char *v = h + n + 1, *end = strchr(v, ';');

            return arena_strndup(r->c->arena, v,
                                 end ? (size_t)(end - v) : strlen(v));
        }
        h = strchr(h, ';');
    }
    return NULL;
}

void
auth_cookie_set(struct req *r, const char *name, const char *value,
                long long max_age)
{
    int secure = secure_site(r);
    char age[40] = "";

    if (max_age >= 0)
        snprintf(age, sizeof age, "; Max-Age=%lld", max_age);
    http_header(r, "Set-Cookie",
                arena_printf(r->c->arena,
                             "%s%s=%s; Path=/%s; HttpOnly; SameSite=Lax%s",
                             secure ? HOST_PREFIX : "", name, value, age,
                             secure ? "; Secure" : ""));
}

void
auth_set_cookie(struct req *r, const char *value, long long max_age)
{
    auth_cookie_set(r, AUTH_COOKIE, value, max_age);
}

int
auth_request(struct req *r, enum route_auth mode)
{
    struct ctx *c = r->c;
    const char *bearer, *cookie, *sent;
    char *csrf = NULL;

    c->user_id = 0;
    if (mode == R_PUBLIC)
        return 0;
    bearer = mode == R_API ? auth_bearer(r) : NULL;
    if (bearer != NULL) {
        if (token_lookup(c, bearer, &c->user_id) < 0)
            return -1;
        if (c->user_id == 0)
            return err_set(&c->err, ERR_UNAUTHORIZED,
                           "the token is invalid or expired");
        return 0;
    }
    cookie = auth_cookie(r, AUTH_COOKIE);
    if (cookie != NULL &&
        session_lookup(c, cookie, &c->user_id, &csrf) < 0)
        return -1;
    if (c->user_id != 0)
        r->csrf = csrf;
    if (mode == R_PAGE)
        return 0;
    if (c->user_id == 0)
        return err_set(&c->err, ERR_UNAUTHORIZED,
                       "sign in or send Authorization: Bearer <token>");
    if (r->method != M_GET) {
        sent = http_param(r, "HTTP_X_CSRF_TOKEN");
        if (sent == NULL || !secret_equal(sent, csrf)) {
            c->user_id = 0;
            return err_set(&c->err, ERR_CSRF,
                           "X-CSRF-Token is missing or wrong");
        }
    }
    return 0;
}
