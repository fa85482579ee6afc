#include "web/page.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "web/auth.h"
#include "web/badge.h"
#include "web/pagecache.h"
#include "base/buf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "web/http.h"
#include "base/log.h"
#include "base/secret.h"
#include "web/tmpl.h"
#include "domain/user.h"

#include "base/banned.h"

#define PAGE_CSP                                                               \
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "             \
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; "          \
    "base-uri 'none'"

#define FORM_TYPE "application/x-www-form-urlencoded"
#define NOTICE_COOKIE "farm_notice"
#define NOTICE_MAX 200 /* bytes of notice text */

static void
page_headers(struct req *r)
{
    http_header(r, "Content-Security-Policy", PAGE_CSP);
    http_header(r, "X-Content-Type-Options", "nosniff");
    http_header(r, "X-Frame-Options", "DENY");
    http_header(r, "Referrer-Policy", "same-origin");
    http_header(r, "Cache-Control", "no-store");
}

/* Splits body[0..len) (no NUL bytes) into f; -1 on a bad escape. */
static int
form_parse(struct arena *a, const char *body, size_t len, struct page_form *f)
{
    const char *p = body, *end = body + len;
    int max = 1;

    for (size_t i = 0; i < len; i++)
        if (body[i] == '&')
            max++;
    f->keys = arena_alloc(a, sizeof(*f->keys) * (size_t)max);
    f->vals = arena_alloc(a, sizeof(*f->vals) * (size_t)max);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        const char *kend = eq ? eq : stop;
        char *k, *v;

        if (stop > p) { /* "a=1&&b=2": empty pieces are skipped */
            k = http_url_decode(a, p, (size_t)(kend - p), 1);
            v = eq ? http_url_decode(a, eq + 1, (size_t)(stop - eq - 1), 1)
                   : arena_strdup(a, "");
            if (k == NULL || v == NULL)
                return -1;
            f->keys[f->n] = k;
            f->vals[f->n] = v;
            f->n++;
        }
        p = stop + 1;
    }
    return 0;
}

int
page_form_read(struct req *r, struct page_form *f)
{
    struct ctx *c = r->c;
    char *body;
    size_t len = 0;
    long got;

    memset(f, 0, sizeof(*f));
    /* no body at all (nginx passes no length for a bare POST) */
    if (r->content_length == 0 ||
        (r->content_length < 0 &&
         (r->content_type == NULL || *r->content_type == '\0')))
        return 0;
    if (!http_content_type_is(r, FORM_TYPE))
        return err_set(&c->err, ERR_MEDIA_TYPE,
                       "The form must be sent as " FORM_TYPE ".");
    if (r->content_length > PAGE_FORM_MAX)
        return err_set(&c->err, ERR_TOO_LARGE,
                       "The form is larger than %d bytes.", PAGE_FORM_MAX);
    /* one byte more than allowed tells an over-long body without a length */
    body = arena_alloc(c->arena, PAGE_FORM_MAX + 2);
    while (len < PAGE_FORM_MAX + 1 &&
           (got = http_read(r, body + len, PAGE_FORM_MAX + 1 - len)) > 0)
        len += (size_t)got;
    if (len > PAGE_FORM_MAX)
        return err_set(&c->err, ERR_TOO_LARGE,
                       "The form is larger than %d bytes.", PAGE_FORM_MAX);
    if (r->content_length > 0 && (int64_t)len < r->content_length)
        return err_set(&c->err, ERR_BAD_JSON, "The form was cut short.");
    if (memchr(body, '\0', len) != NULL ||
        form_parse(c->arena, body, len, f) < 0) {
        memset(f, 0, sizeof(*f));
        return err_set(&c->err, ERR_BAD_JSON, "The form is malformed.");
    }
    return 0;
}

const char *
page_form_get(const struct page_form *f, const char *key)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->keys[i], key) == 0)
            return f->vals[i];
    return NULL;
}

const char *
page_form_str(const struct page_form *f, const char *key)
{
    const char *v = page_form_get(f, key);

    return v ? v : "";
}

/* 1 when s looks like a secret_token(): SECRET_TOKEN_LEN base64url chars. */
static int
token_shaped(const char *s)
{
    size_t n = 0;

    if (s == NULL)
        return 0;
    for (; s[n]; n++)
        if (!isalnum((unsigned char)s[n]) && s[n] != '-' && s[n] != '_')
            return 0;
    return n == SECRET_TOKEN_LEN;
}

const char *
page_csrf_issue(struct req *r)
{
    const char *have = auth_cookie(r, PAGE_CSRF_COOKIE);
    char fresh[SECRET_TOKEN_LEN + 1];

    if (!token_shaped(have)) {
        secret_token(fresh);
        have = arena_strdup(r->c->arena, fresh);
    }
    /* a browser-session cookie: the form token dies with the browser */
    auth_cookie_set(r, PAGE_CSRF_COOKIE, have, -1);
    return have;
}

int
page_csrf_check(struct req *r, const struct page_form *f)
{
    const char *cookie = auth_cookie(r, PAGE_CSRF_COOKIE);
    const char *sent = page_form_get(f, PAGE_CSRF_FIELD);

    if (!token_shaped(cookie) || sent == NULL || !secret_equal(cookie, sent))
        return err_set(&r->c->err, ERR_CSRF,
                       "This form has expired or did not come from this "
                       "site. Go back, reload the page and try again.");
    return 0;
}

static void
dict_free(void *d)
{
    tmpl_dict_free(d);
}

struct tmpl_dict *
page_dict(struct req *r)
{
    struct tmpl_dict *d = tmpl_dict_new("page");

    if (d == NULL) {
        log_error("page: out of memory for a dictionary");
        abort();
    }
    arena_on_reset(r->c->arena, dict_free, d);
    return d;
}

/* The notice a redirect left in its cookie, shown once: the cookie is
 * cleared on this response. */
static void
notice_take(struct req *r, struct tmpl_dict *d)
{
    const char *v = auth_cookie(r, NOTICE_COOKIE);
    char *text;

    if (v == NULL || *v == '\0')
        return;
    auth_cookie_set(r, NOTICE_COOKIE, "", 0);
    text = http_url_decode(r->c->arena, v, strlen(v), 0);
    if (text == NULL || strlen(text) > NOTICE_MAX)
        return;
    tmpl_set(tmpl_section_add(d, "NOTICE"), "NOTICE_TEXT", text);
}

int
page_render(struct req *r, int status, const char *name, struct tmpl_dict *d)
{
    const char *parts[3] = {"layout_head.tpl", name, "layout_foot.tpl"};
    struct buf b;

    if (r->csrf != NULL && r->c->user_id != 0) {
        tmpl_set(d, "CSRF_TOKEN", r->csrf);
        tmpl_show(d, "SESSION");
        badge_vocabulary(d);
        notice_take(r, d);
    }
    buf_init(&b, 0);
    for (int i = 0; i < 3; i++) {
        char *out;
        size_t len;

        if (tmpl_render(parts[i], d, &out, &len) < 0) {
            buf_release(&b);
            return err_internal(&r->c->err, "page: rendering %s: %s", parts[i],
                                tmpl_last_error());
        }
        buf_append(&b, out, len);
        free(out);
    }
    if (buf_failed(&b)) {
        buf_release(&b);
        return err_internal(&r->c->err, "page: %s too large", name);
    }
    if (r->cache_page && status == 200)
        pagecache_put(r, r->cache_version, b.data, b.len);
    page_headers(r);
    http_html(r, status, b.data, b.len);
    buf_release(&b);
    return 0;
}

int
page_redirect(struct req *r, const char *location)
{
    page_headers(r);
    return http_redirect(r, location);
}

struct tmpl_dict *
page_start(struct req *r, const char *title, const char *nav)
{
    struct tmpl_dict *d;
    struct user u;
    char key[48];

    if (user_get(r->c, r->c->user_id, &u) < 0)
        return NULL;
    d = page_dict(r);
    tmpl_set(d, "TITLE", title);
    tmpl_set(d, "USER_EMAIL", u.email);
    tmpl_show(d, "USER");
    if (nav != NULL) {
        snprintf(key, sizeof key, "NAV_%s", nav);
        tmpl_show(d, key);
    }
    return d;
}

int
page_from_cache(struct req *r)
{
    const char *body;
    size_t len;

    if (r->method != M_GET || r->csrf == NULL || r->c->user_id == 0 ||
        auth_cookie(r, NOTICE_COOKIE) != NULL)
        return 0;
    r->cache_version = db_data_version(r->c->db);
    body = pagecache_get(r, r->cache_version, &len);
    if (body == NULL) {
        r->cache_page = 1;
        return 0;
    }
    page_headers(r);
    http_html(r, 200, body, len);
    return 1;
}

int
page_session_form(struct req *r, struct page_form *f)
{
    const char *sent;

    if (page_form_read(r, f) < 0)
        return -1;
    sent = page_form_get(f, PAGE_CSRF_FIELD);
    if (r->c->user_id == 0 || sent == NULL || r->csrf == NULL ||
        !secret_equal(sent, r->csrf))
        return err_set(&r->c->err, ERR_CSRF,
                       "This form has expired or did not come from this "
                       "site. Go back, reload the page and try again.");
    return 0;
}

int
page_redirect_notice(struct req *r, const char *location, const char *notice)
{
    struct buf b;
    size_t n = strlen(notice);

    /* percent-encoded, so a name with ';' or ',' cannot break the cookie */
    buf_init(&b, 4 * NOTICE_MAX);
    for (size_t i = 0; i < n && i < NOTICE_MAX; i++) {
        unsigned char ch = (unsigned char)notice[i];

        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_')
            buf_putc(&b, (char)ch);
        else
            buf_printf(&b, "%%%02X", ch);
    }
    if (!buf_failed(&b))
        auth_cookie_set(r, NOTICE_COOKIE, b.data ? b.data : "", 60);
    buf_release(&b);
    return page_redirect(r, location);
}

static const char *
error_title(int status)
{
    switch (status) {
    case 400:
        return "Bad request";
    case 401:
        return "Not signed in";
    case 403:
        return "Forbidden";
    case 404:
        return "Not found";
    case 405:
        return "Method not allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Too large";
    case 415:
        return "Unsupported form";
    case 422:
        return "Invalid input";
    case 429:
        return "Too many attempts";
    case 503:
        return "Temporarily unavailable";
    default:
        return "Something went wrong";
    }
}

/* The last resort when even the error template cannot be rendered. */
static const char fallback_page[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Error</title></head><body><h1>Something went wrong</h1>"
    "<p>Please try again later.</p></body></html>\n";

int
page_error(struct req *r)
{
    struct ctx *c = r->c;
    struct tmpl_dict *d;
    const char *msg;
    int status;

    if (db_in_transaction(c->db))
        db_rollback(c->db);
    if (c->err.kind == ERR_NONE)
        err_internal(&c->err, "page: a handler failed without saying why");
    status = err_http_status(c->err.kind);
    msg = c->err.kind == ERR_INTERNAL
              ? "Something went wrong on our side. Please try again later."
          : c->err.kind == ERR_UNAVAILABLE
              ? "The database did not answer. Please try again in a "
                "moment."
              : arena_strdup(c->arena, c->err.msg);
    buf_clear(&r->out);
    d = page_dict(r);
    tmpl_set(d, "TITLE", error_title(status));
    tmpl_set_int(d, "STATUS", status);
    tmpl_set(d, "MESSAGE", msg);
    if (c->user_id == 0)
        tmpl_show(d, "SIGNED_OUT");
    if (page_render(r, status, "error.tpl", d) < 0) {
        page_headers(r);
        http_html(r, status, fallback_page, sizeof(fallback_page) - 1);
    }
    return 0;
}

int
page_finish(struct req *r, int rc)
{
    return rc < 0 ? page_error(r) : 0;
}
