/*
 * test_jsonio — request-body parsing with the contract's limits (invalid
 * UTF-8, nesting 32 versus 33, truncation, trailing bytes, non-objects,
 * empty bodies, what json-c lets through but JSON forbids) and the output
 * helpers: exact money text, null for DB_NULL, ISO times.
 */
#include "base/jsonio.h"

#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"

#include "base/banned.h"

static int
setup(void **state)
{
    static struct ctx c;

    memset(&c, 0, sizeof(c));
    c.arena = arena_new();
    *state = &c;
    return 0;
}

static int
teardown(void **state)
{
    struct ctx *c = *state;

    arena_free(c->arena);
    return 0;
}

/* Parses s (with its length) in a fresh error; returns the object. */
static struct json_object *
parse_n(struct ctx *c, const char *s, size_t n)
{
    err_clear(&c->err);
    return jsonio_parse(c, s, n);
}

static struct json_object *
parse(struct ctx *c, const char *s)
{
    return parse_n(c, s, strlen(s));
}

static void
expect_bad(struct ctx *c, const char *s, size_t n, const char *msg_part)
{
    if (parse_n(c, s, n) != NULL)
        fail_msg("accepted: %.*s", (int)n, s);
    assert_int_equal(c->err.kind, ERR_BAD_JSON);
    assert_int_equal(err_http_status(c->err.kind), 400);
    if (msg_part != NULL && strstr(c->err.msg, msg_part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", c->err.msg, msg_part);
}

#define BAD(c, lit, part) expect_bad(c, lit, sizeof(lit) - 1, part)

static void
test_parse_ok(void **state)
{
    struct ctx *c = *state;
    struct json_object *o, *v;

    o = parse(c, "{\"name\":\"X1C \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
                 "\"n\":5,\"f\":1.5e3,\"a\":[1,2],\"t\":true,\"z\":null}\r\n ");
    assert_non_null(o);
    assert_false(err_is_set(&c->err));
    assert_true(json_object_object_get_ex(o, "n", &v));
    assert_int_equal(json_object_get_int64(v), 5);
    assert_true(json_object_object_get_ex(o, "z", &v));
    assert_null(v);
    assert_non_null(parse(c, "{}"));
    assert_non_null(parse(c, "{\"s\":\"a\\\"b\\\\c\\u00e9\\n\"}"));
}

static void
test_bad_bodies(void **state)
{
    struct ctx *c = *state;

    BAD(c, "", "empty");
    BAD(c, "{\"a\":\"\xff\"}", NULL);           /* invalid UTF-8 */
    BAD(c, "{\"a\":\"\xc0\xaf\"}", NULL);       /* overlong */
    BAD(c, "{\"a\":\"\xed\xa0\x80\"}", NULL);   /* surrogate */
    BAD(c, "{\"a\":\"\xf4\x90\x80\x80\"}", NULL); /* past U+10FFFF */
    BAD(c, "{\"a\":\"\xe2\x82\"}", NULL);       /* cut sequence */
    BAD(c, "{\"a\":1", "truncated");
    BAD(c, "{\"a\":", "truncated");
    BAD(c, "{", "truncated");
    BAD(c, "{} x", NULL);
    BAD(c, "{}{}", NULL);
    BAD(c, "{}\0", NULL);
    BAD(c, "{\"a\":\"x\0y\"}", NULL);
    BAD(c, "[1,2]", "object");
    BAD(c, "\"str\"", "object");
    BAD(c, "42", "object");
    BAD(c, "42 ", "object");
    BAD(c, "null", "object");
    BAD(c, "{'a':1}", NULL);                    /* single quotes */
    BAD(c, "{\"a\":NaN}", NULL);
    BAD(c, "{\"a\":Infinity}", NULL);
    BAD(c, "{\"a\":-Infinity}", NULL);
    BAD(c, "{\"a\":1.}", NULL);
    BAD(c, "{\"a\":\"tab\there\"}", NULL);      /* raw control char */
    BAD(c, "{\"a\":1,}", NULL);
    BAD(c, "/*c*/{}", NULL);
    BAD(c, "{\"a\":01}", NULL);
}

/* n nested objects {"a":{"a":...inner...}} */
static char *
nest(struct ctx *c, int n, const char *inner)
{
    size_t len = (size_t)n * 6 + strlen(inner) + 1;
    char *s = arena_alloc(c->arena, len), *p = s;

    for (int i = 0; i < n - 1; i++) {
        memcpy(p, "{\"a\":", 5);
        p += 5;
    }
    p += snprintf(p, len - (size_t)(p - s), "%s", inner);
    for (int i = 0; i < n - 1; i++)
        *p++ = '}';
    *p = '\0';
    return s;
}

static void
test_depth(void **state)
{
    struct ctx *c = *state;
    char *s;

    assert_int_equal(JSONIO_MAX_DEPTH, 32);
    /* 32 containers: fine, with a scalar or an empty container inside */
    assert_non_null(parse(c, nest(c, 32, "{\"a\":1}")));
    assert_non_null(parse(c, nest(c, 32, "{}")));
    assert_non_null(parse(c, nest(c, 31, "{\"a\":[1]}")));
    /* 33: refused with the contract's message */
    s = nest(c, 33, "{\"a\":1}");
    assert_null(parse(c, s));
    assert_int_equal(c->err.kind, ERR_BAD_JSON);
    assert_string_equal(c->err.msg, "request body nests deeper than 32");
    assert_null(parse(c, nest(c, 33, "{}")));
    assert_string_equal(c->err.msg, "request body nests deeper than 32");
    assert_null(parse(c, nest(c, 32, "{\"a\":[]}")));
    assert_string_equal(c->err.msg, "request body nests deeper than 32");
    /* far deeper: same answer, no stack trouble */
    assert_null(parse(c, nest(c, 5000, "{}")));
    assert_string_equal(c->err.msg, "request body nests deeper than 32");
}

static const char *
money_json(int64_t cents)
{
    static char out[128];
    struct json_object *o = json_object_new_object();

    jsonio_add_money(o, "price", cents);
    snprintf(out, sizeof(out), "%s",
             json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return out;
}

static void
test_money(void **state)
{
    char s[24];
    int64_t v = -1;

    (void)state;
    jsonio_format_money(0, s);
    assert_string_equal(s, "0.00");
    jsonio_format_money(5, s);
    assert_string_equal(s, "0.05");
    jsonio_format_money(99, s);
    assert_string_equal(s, "0.99");
    jsonio_format_money(100, s);
    assert_string_equal(s, "1.00");
    jsonio_format_money(2499, s);
    assert_string_equal(s, "24.99");
    jsonio_format_money(123456789, s);
    assert_string_equal(s, "1234567.89");
    jsonio_format_money(-2499, s);
    assert_string_equal(s, "-24.99");
    jsonio_format_money(-5, s);
    assert_string_equal(s, "-0.05");
    jsonio_format_money(INT64_MIN, s);
    assert_string_equal(s, "-92233720368547758.08");

    assert_string_equal(money_json(2499), "{\"price\":24.99}");
    assert_string_equal(money_json(10), "{\"price\":0.10}");
    assert_string_equal(money_json(1999999), "{\"price\":19999.99}");
    assert_string_equal(money_json(DB_NULL), "{\"price\":null}");

    assert_int_equal(jsonio_parse_money("24.99", &v), 0);
    assert_int_equal(v, 2499);
    assert_int_equal(jsonio_parse_money("3", &v), 0);
    assert_int_equal(v, 300);
    assert_int_equal(jsonio_parse_money("0.5", &v), 0);
    assert_int_equal(v, 50);
    assert_int_equal(jsonio_parse_money("1.230", &v), 0);
    assert_int_equal(v, 123);
    v = 7;
    assert_int_equal(jsonio_parse_money("24.999", &v), -1);
    assert_int_equal(jsonio_parse_money("1e2", &v), -1);
    assert_int_equal(jsonio_parse_money("-1", &v), -1);
    assert_int_equal(jsonio_parse_money("1.", &v), -1);
    assert_int_equal(jsonio_parse_money("", &v), -1);
    assert_int_equal(jsonio_parse_money("99999999999999999999", &v), -1);
    assert_int_equal(v, 7);
}

static void
test_add_helpers(void **state)
{
    struct json_object *o = json_object_new_object();

    (void)state;
    jsonio_add_int(o, "i", 42);
    jsonio_add_int(o, "n", DB_NULL);
    jsonio_add_str(o, "s", "x\"y");
    jsonio_add_str(o, "ns", NULL);
    jsonio_add_bool(o, "b", 7);
    jsonio_add_time(o, "t", 946684800);
    jsonio_add_time(o, "nt", DB_NULL);
    assert_string_equal(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
        "{\"i\":42,\"n\":null,\"s\":\"x\\\"y\",\"ns\":null,\"b\":true,"
        "\"t\":\"2000-01-01T00:00:00Z\",\"nt\":null}");
    json_object_put(o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_add_helpers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
