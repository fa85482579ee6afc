/*
 * test_router — the route table through router_dispatch with a fake
 * transport: 404 for unknown paths, 405 with the exact Allow header, :id
 * matching digits only, trailing slashes, 401 without (or with bad or
 * expired) credentials on API routes, the CSRF check for cookie sessions,
 * and the public health check, including the response bytes written.
 * Only the router's own decisions are judged here: a handler's answer is
 * its own tests' business (unit and e2e), so past authentication these
 * tests check only that the request got through.
 */
#include "web/router.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "fixture.h"
#include "web/http.h"
#include "domain/token.h"

#include "base/banned.h"

#define MAX_VARS 12

struct fake {
    const char *names[MAX_VARS], *values[MAX_VARS];
    int n;
    struct buf written;
};

static const char *
fake_param(void *h, const char *name)
{
    struct fake *f = h;

    for (int i = 0; i < f->n; i++)
        if (strcmp(f->names[i], name) == 0)
            return f->values[i];
    return NULL;
}

static long
fake_read(void *h, char *p, size_t n)
{
    (void)h;
    (void)p;
    (void)n;
    return 0;
}

static int
fake_write(void *h, const char *p, size_t n)
{
    buf_append(&((struct fake *)h)->written, p, n);
    return 0;
}

static void
fake_set(struct fake *f, const char *name, const char *value)
{
    f->names[f->n] = name;
    f->values[f->n++] = value;
}

struct result {
    int status;
    char headers[512];
    char body[1024];
    char wire[2048];
    int64_t user_id;
};

/* Dispatches METHOD PATH with optional Authorization/Cookie/CSRF headers in
 * a fresh unit of work; copies out what the router produced. */
static struct result
request(struct fixture *fx, const char *method, const char *path,
        const char *auth, const char *cookie, const char *csrf)
{
    struct fake f = {0};
    struct http_io io = {&f, fake_param, fake_read, fake_write};
    struct req r;
    struct result res;

    memset(&res, 0, sizeof(res));
    buf_init(&f.written, 0);
    fake_set(&f, "REQUEST_METHOD", method);
    fake_set(&f, "REQUEST_URI", path);
    fake_set(&f, "REMOTE_ADDR", "127.0.0.1");
    if (auth != NULL)
        fake_set(&f, "HTTP_AUTHORIZATION", auth);
    if (cookie != NULL)
        fake_set(&f, "HTTP_COOKIE", cookie);
    if (csrf != NULL)
        fake_set(&f, "HTTP_X_CSRF_TOKEN", csrf);
    app_begin(&fx->app, &fx->c);
    http_req_init(&r, &fx->c, &io);
    router_dispatch(&r);
    res.status = r.status;
    res.user_id = fx->c.user_id;
    snprintf(res.headers, sizeof(res.headers), "%s", r.headers.data);
    snprintf(res.body, sizeof(res.body), "%s", r.out.data);
    assert_int_equal(http_write_response(&r), 0);
    snprintf(res.wire, sizeof(res.wire), "%s", f.written.data);
    http_req_release(&r);
    buf_release(&f.written);
    assert_false(db_in_transaction(fx->c.db));
    return res;
}

/* Headers with CR or LF are never written (no response splitting); every
 * status has its own reason phrase; JSON answers say nosniff. */
static void
test_headers_and_status_line(void **state)
{
    struct fixture *fx = *state;
    struct fake f = {0};
    struct http_io io = {&f, fake_param, fake_read, fake_write};
    struct req r;

    (void)state;
    buf_init(&f.written, 0);
    fake_set(&f, "REQUEST_METHOD", "GET");
    fake_set(&f, "REQUEST_URI", "/x");
    app_begin(&fx->app, &fx->c);
    http_req_init(&r, &fx->c, &io);
    http_header(&r, "Location", "/a\r\nSet-Cookie: evil=1");
    http_header(&r, "X-A", "b\nc");
    http_header(&r, "Bad\r\nName", "v");
    http_header(&r, "X-Fine", "yes");
    http_json_put(&r, 507, json_object_new_object());
    assert_int_equal(http_write_response(&r), 0);
    assert_non_null(strstr(f.written.data, "Status: 507 Insufficient Storage"));
    assert_null(strstr(f.written.data, "evil"));
    assert_null(strstr(f.written.data, "X-A:"));
    assert_null(strstr(f.written.data, "Bad"));
    assert_non_null(strstr(f.written.data, "X-Fine: yes\r\n"));
    assert_non_null(strstr(f.written.data, "X-Content-Type-Options: nosniff"));
    http_req_release(&r);
    buf_release(&f.written);
}

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static void
expect_error(const struct result *res, int status, const char *code)
{
    char want[64];

    assert_int_equal(res->status, status);
    snprintf(want, sizeof(want), "{\"error\":{\"code\":\"%s\"", code);
    if (strncmp(res->body, want, strlen(want)) != 0)
        fail_msg("body %s does not start with %s", res->body, want);
    assert_non_null(strstr(res->headers, "Content-Type: application/json"));
}

static void
test_not_found(void **state)
{
    struct fixture *f = *state;
    struct result res;

    static const char *const paths[] = {
        "/api/nope", "/api/printers/", "/api/printers/abc",
        "/api/printers/12a", "/api/printers/-1", "/api/printers/1/",
        "/api/printers//1", "/api/health/", "/api", "/api/",
        "/API/health", "/api/printers/1/2", "/api/files/", "/nope",
        "/api/printers/%ZZ", "/api/bambu/scheduled-prints/x/queue",
    };

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        res = request(f, "GET", paths[i], NULL, NULL, NULL);
        if (res.status != 404)
            fail_msg("GET %s: %d, want 404", paths[i], res.status);
        assert_null(strstr(res.headers, "Allow:"));
    }
    res = request(f, "GET", "/api/nope", NULL, NULL, NULL);
    expect_error(&res, 404, "not_found");
    /* an unknown path is 404 whatever the method */
    res = request(f, "DELETE", "/api/nope", NULL, NULL, NULL);
    assert_int_equal(res.status, 404);
}

static void
test_method_not_allowed(void **state)
{
    struct fixture *f = *state;
    struct result res;

    res = request(f, "DELETE", "/api/printers", NULL, NULL, NULL);
    expect_error(&res, 405, "method_not_allowed");
    assert_non_null(strstr(res.headers, "Allow: GET, POST\r\n"));
    res = request(f, "POST", "/api/printers/7", NULL, NULL, NULL);
    assert_int_equal(res.status, 405);
    assert_non_null(strstr(res.headers, "Allow: GET, PUT, DELETE\r\n"));
    res = request(f, "POST", "/api/health", NULL, NULL, NULL);
    assert_int_equal(res.status, 405);
    assert_non_null(strstr(res.headers, "Allow: GET\r\n"));
    res = request(f, "PATCH", "/api/printers", NULL, NULL, NULL);
    assert_int_equal(res.status, 405);
    assert_non_null(strstr(res.headers, "Allow: GET, POST\r\n"));
    res = request(f, "GET", "/api/auth/login", NULL, NULL, NULL);
    assert_int_equal(res.status, 405);
    assert_non_null(strstr(res.headers, "Allow: POST\r\n"));
    res = request(f, "PUT", "/api/orders/3/schedule-prints", NULL, NULL, NULL);
    assert_int_equal(res.status, 405);
    assert_non_null(strstr(res.headers, "Allow: POST\r\n"));
    /* 405 wins over 401: no credentials needed to learn the methods */
    assert_non_null(strstr(res.wire, "Status: 405 Method Not Allowed\r\n"));
}

static void
test_auth_required(void **state)
{
    struct fixture *f = *state;
    struct result res;
    int64_t uid;
    char *tok, *expired, *sess, *csrf;
    char hdr[128], cookie[128];

    res = request(f, "GET", "/api/printers", NULL, NULL, NULL);
    expect_error(&res, 401, "unauthorized");
    res = request(f, "GET", "/api/printers/5", NULL, NULL, NULL);
    expect_error(&res, 401, "unauthorized");
    res = request(f, "GET", "/api/me", "Basic dXNlcjpwYXNz", NULL, NULL);
    expect_error(&res, 401, "unauthorized");
    res = request(f, "GET", "/api/me",
                  "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
                  NULL);
    expect_error(&res, 401, "unauthorized");
    res = request(f, "GET", "/api/me", "Bearer ", NULL, NULL);
    expect_error(&res, 401, "unauthorized");

    uid = fixture_user(f, "router@example.com");
    assert_true(uid > 0);
    fixture_next(f);
    tok = token_issue(&f->c, uid, "t", DB_NULL);
    assert_non_null(tok);
    snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
    expired = token_issue(&f->c, uid, "old", f->c.now - 1);
    assert_non_null(expired);
    expired = arena_strdup(f->c.arena, expired);
    assert_int_equal(session_create(&f->c, uid, &sess, &csrf), 0);
    snprintf(cookie, sizeof(cookie), "a=b; %s=%s", AUTH_COOKIE, sess);
    {
        /* keep copies: the next request resets the arena */
        static char csrf_copy[64], exp_hdr[128];

        snprintf(csrf_copy, sizeof(csrf_copy), "%s", csrf);
        snprintf(exp_hdr, sizeof(exp_hdr), "Bearer %s", expired);
        csrf = csrf_copy;
        expired = exp_hdr;
    }

    /* a valid token passes authentication: never 401 */
    res = request(f, "GET", "/api/printers", hdr, NULL, NULL);
    assert_int_not_equal(res.status, 401);
    assert_int_equal(res.user_id, uid);
    res = request(f, "GET", "/api/printers", expired, NULL, NULL);
    expect_error(&res, 401, "unauthorized");

    /* cookie sessions: GET is fine, writes need the CSRF token */
    res = request(f, "GET", "/api/printers", NULL, cookie, NULL);
    assert_int_not_equal(res.status, 401);
    assert_int_equal(res.user_id, uid);
    res = request(f, "POST", "/api/printers", NULL, cookie, NULL);
    expect_error(&res, 403, "csrf_failed");
    res = request(f, "POST", "/api/printers", NULL, cookie, "wrong");
    expect_error(&res, 403, "csrf_failed");
    res = request(f, "POST", "/api/printers", NULL, cookie, csrf);
    assert_int_not_equal(res.status, 401);
    assert_int_not_equal(res.status, 403);
    /* a bearer token needs no CSRF token */
    res = request(f, "POST", "/api/printers", hdr, NULL, NULL);
    assert_int_not_equal(res.status, 403);
    assert_int_not_equal(res.status, 401);
}

static void
test_health(void **state)
{
    struct fixture *f = *state;
    struct result res;

    res = request(f, "GET", "/api/health", NULL, NULL, NULL);
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(res.body, "\"status\":\"ok\""));
    assert_non_null(strstr(res.body, "\"database\":\"ok\""));
    assert_non_null(strstr(res.headers, "Content-Type: application/json"));
    assert_non_null(strstr(res.wire, "Status: 200 OK\r\n"));
    assert_non_null(strstr(res.wire, "\r\n\r\n{\"status\":\"ok\""));
    /* a bad token on a public route is ignored */
    res = request(f, "GET", "/api/health", "Bearer nonsense", NULL, NULL);
    assert_int_equal(res.status, 200);
    /* HEAD: headers with the length, no body */
    res = request(f, "HEAD", "/api/health", NULL, NULL, NULL);
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(res.wire, "Content-Length: "));
    assert_non_null(strstr(res.wire, "\r\n\r\n"));
    assert_string_equal(strstr(res.wire, "\r\n\r\n"), "\r\n\r\n");
    /* the query string does not change the route */
    res = request(f, "GET", "/api/health?x=1", NULL, NULL, NULL);
    assert_int_equal(res.status, 200);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_headers_and_status_line),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_auth_required),
        cmocka_unit_test(test_health),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
