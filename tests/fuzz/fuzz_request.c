/*
 * fuzz_request — libFuzzer target for what the web worker parses of a
 * request before a handler decides anything: the request line and query
 * (http_req_init, http_url_decode, http_query, http_list_params,
 * page_queue_query_id, job_status_mask), route matching against the real
 * route table (router_match: no handler runs, no database is opened), the
 * Cookie header (auth_cookie for the app's cookies, plain and under the
 * secure site's __Host- names), the Authorization header (auth_bearer), the
 * urlencoded form body of the pages (page_form_read, then page_form_bind
 * with a real field table and page_csrf_check) and the JSON body
 * (http_body_json_opt).
 *
 * Input: one options byte, then newline-separated fields REQUEST_METHOD,
 * REQUEST_URI (path?query), HTTP_COOKIE, CONTENT_TYPE, HTTP_AUTHORIZATION;
 * everything after the fifth newline is the body. The fields after one the
 * input ends inside (with no newline) are absent (NULL), not empty. Options:
 * bit 0 a secure-cookie site, bit 1 the form bound as a partial edit, bit 2 no
 * CONTENT_LENGTH (else the body's length), bits 3.. pick the field table
 * (fuzz_tables.h). Must never crash or leak; the parsers' answers are checked
 * against their contracts.
 */
#include "web/router.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "fuzz_tables.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/page_queue.h"

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_request: %s\n", #cond);                      \
            abort();                                                           \
        }                                                                      \
    } while (0)

enum { F_METHOD, F_URI, F_COOKIE, F_CTYPE, F_AUTH, NFIELDS };

/* The in-memory transport: CGI variables and a body. */
struct mem {
    const char *vars[2 * 8]; /* name, value pairs */
    int nvars;
    const char *body;
    size_t len, pos;
};

static const char *
mem_param(void *h, const char *name)
{
    struct mem *m = h;

    for (int i = 0; i < m->nvars; i += 2)
        if (strcmp(m->vars[i], name) == 0)
            return m->vars[i + 1];
    return NULL;
}

static long
mem_read(void *h, char *p, size_t n)
{
    struct mem *m = h;

    if (n > m->len - m->pos)
        n = m->len - m->pos;
    memcpy(p, m->body + m->pos, n);
    m->pos += n;
    return (long)n;
}

static int
mem_write(void *h, const char *p, size_t n)
{
    (void)h;
    (void)p;
    (void)n;
    return 0;
}

static void
mem_set(struct mem *m, const char *name, const char *value)
{
    if (value == NULL)
        return;
    m->vars[m->nvars++] = name;
    m->vars[m->nvars++] = value;
}

static const char *const query_keys[] = {
    "status", "error", "unassigned", "state",    "code", "limit",
    "offset", "page",  "printer_id", "order_id", "days", "",
};

static const char *const cookies[] = {AUTH_COOKIE, PAGE_CSRF_COOKIE,
                                      "farm_notice"};

/* Percent-encodes every byte of s[0..n) but unreserved ones, as a browser
 * would, with a space as '+' when plus. */
static char *
url_encode(struct arena *a, const char *s, size_t n, int plus)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = arena_alloc(a, 3 * n + 1), *o = out;

    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
            ch == '~') {
            *o++ = (char)ch;
        } else if (plus && ch == ' ') {
            *o++ = '+';
        } else {
            *o++ = '%';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        }
    }
    *o = '\0';
    return out;
}

static void
check_route(struct req *r)
{
    const char *params[HTTP_MAX_PARAMS];
    unsigned allowed;
    int n;
    const struct route *rt =
        router_match(r->c->arena, r->method, r->path, params, &n, &allowed);

    if (rt == NULL) {
        CHECK((allowed & r->method) == 0);
        return;
    }
    CHECK((rt->methods & r->method) && (allowed & rt->methods));
    CHECK(n >= 0 && n <= HTTP_MAX_PARAMS);
    r->nparams = n;
    for (int i = 0; i < n; i++) {
        CHECK(params[i] != NULL && *params[i] != '\0');
        CHECK(strchr(params[i], '/') == NULL);
        r->params[i] = params[i];
        http_param_id(r, i);
    }
    CHECK(http_param_id(r, n) == 0);
}

static void
check_query(struct req *r)
{
    struct ctx *c = r->c;
    int64_t limit, offset, id = 0;
    unsigned mask;
    const char *s;

    for (size_t i = 0; i < sizeof query_keys / sizeof *query_keys; i++)
        http_query(r, query_keys[i]);
    s = http_query(r, "status");
    if (s != NULL && job_status_mask(s, &mask) == 0)
        CHECK(mask != 0);
    err_clear(&c->err);
    if (http_list_params(r, &limit, &offset) == 0) {
        CHECK(limit >= 1 && limit <= 1000 && offset >= 0 &&
              offset <= INT32_MAX && !err_is_set(&c->err));
    } else {
        CHECK(c->err.kind == ERR_VALIDATION && c->err.nfields > 0);
    }
    err_clear(&c->err);
    if (page_queue_query_id(r, "printer_id", 1000, &id) == 0)
        CHECK(id >= 0 && id <= 1000);
    err_clear(&c->err);
}

static void
check_headers(struct req *r)
{
    const char *b = auth_bearer(r);

    if (b != NULL)
        CHECK(*b != '\0' && *b != ' ');
    for (size_t i = 0; i < sizeof cookies / sizeof *cookies; i++) {
        const char *v = auth_cookie(r, cookies[i]);

        if (v != NULL)
            CHECK(strchr(v, ';') == NULL);
    }
}

static void
check_form(struct req *r, unsigned opts)
{
    struct ctx *c = r->c;
    const struct fuzz_table *t = &FUZZ_TABLES[(opts >> 3) % FUZZ_NTABLES];
    struct page_form f;
    struct bound b;
    void *out;

    err_clear(&c->err);
    if (page_form_read(r, &f) < 0) {
        CHECK(f.n == 0 && err_is_set(&c->err));
        err_clear(&c->err);
        return;
    }
    for (int i = 0; i < f.n; i++) {
        CHECK(f.keys[i] != NULL && f.vals[i] != NULL);
        CHECK(page_form_get(&f, f.keys[i]) != NULL);
    }
    page_csrf_check(r, &f);
    err_clear(&c->err);
    out = calloc(1, t->size);
    if (out == NULL)
        abort();
    if (page_form_bind(r, &f, t->fields, out, &b, opts & 2) < 0)
        CHECK(c->err.kind == ERR_VALIDATION && c->err.nfields > 0);
    else
        CHECK(!err_is_set(&c->err));
    free(out);
    err_clear(&c->err);
}

/* What the body decodes to, and that decoding undoes encoding. */
static void
check_decode(struct arena *a, const char *s, size_t n)
{
    for (int plus = 0; plus < 2; plus++) {
        char *enc, *dec = http_url_decode(a, s, n, plus);

        if (memchr(s, '\0', n) != NULL)
            continue;
        if (dec != NULL)
            CHECK(strlen(dec) <= n);
        enc = url_encode(a, s, n, plus);
        dec = http_url_decode(a, enc, strlen(enc), plus);
        CHECK(dec != NULL && strlen(dec) == n && memcmp(dec, s, n) == 0);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data + 1, *end = (const char *)data + size;
    const char *field[NFIELDS] = {0};
    struct arena *a;
    struct conf *conf;
    struct ctx c;
    struct mem m;
    struct http_io io = {&m, mem_param, mem_read, mem_write};
    struct req r;
    unsigned opts;
    int more = 1;
    const char *body, *q;
    char lenbuf[24];

    if (size == 0)
        return 0;
    opts = data[0];
    a = arena_new();
    /* each field ends at a newline; one the input ends inside is the last */
    for (int i = 0; i < NFIELDS && more; i++) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));

        field[i] = arena_strndup(a, text, (size_t)((nl ? nl : end) - text));
        more = nl != NULL;
        text = nl ? nl + 1 : end;
    }
    body = text;

    conf = calloc(1, sizeof *conf);
    if (conf == NULL)
        abort();
    conf->body_limit = 1 << 20;
    conf->secure_cookies = opts & 1;
    memset(&c, 0, sizeof c);
    c.arena = a;
    c.conf = conf;
    err_clear(&c.err);

    memset(&m, 0, sizeof m);
    m.body = body;
    m.len = (size_t)(end - body);
    mem_set(&m, "REQUEST_METHOD", field[F_METHOD]);
    mem_set(&m, "REQUEST_URI", field[F_URI]);
    /* nginx passes what follows '?' as QUERY_STRING ("" without one) */
    if (field[F_URI] != NULL) {
        q = strchr(field[F_URI], '?');
        mem_set(&m, "QUERY_STRING", q ? q + 1 : "");
    }
    mem_set(&m, "HTTP_COOKIE", field[F_COOKIE]);
    mem_set(&m, "CONTENT_TYPE", field[F_CTYPE]);
    mem_set(&m, "HTTP_AUTHORIZATION", field[F_AUTH]);
    if (!(opts & 4)) {
        snprintf(lenbuf, sizeof lenbuf, "%zu", m.len);
        mem_set(&m, "CONTENT_LENGTH", lenbuf);
    }

    http_req_init(&r, &c, &io);
    CHECK(r.path != NULL && r.query != NULL && r.method != 0);
    check_route(&r);
    check_query(&r);
    check_headers(&r);
    check_form(&r, opts);
    http_req_release(&r);

    /* the same request read as JSON, from the start of the body */
    m.pos = 0;
    http_req_init(&r, &c, &io);
    if (http_body_json_opt(&r) == NULL)
        CHECK(err_is_set(&c.err));
    http_req_release(&r);
    err_clear(&c.err);

    check_decode(a, body, m.len);
    if (field[F_URI] != NULL)
        check_decode(a, field[F_URI], strlen(field[F_URI]));

    arena_free(a);
    free(conf);
    return 0;
}
