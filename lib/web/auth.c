#include "web/auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
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

const char *
auth_cookie(struct req *r, const char *name)
{
    const char *h = http_param(r, "HTTP_COOKIE");
    size_t n = strlen(name);

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
auth_set_cookie(struct req *r, const char *value, long long max_age)
{
    char line[256];

    snprintf(line, sizeof(line),
             "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Lax",
             AUTH_COOKIE, value, max_age);
    http_header(r, "Set-Cookie", line);
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
