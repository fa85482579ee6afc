/*
 * test_bind — declared field tables: every field type, required and null
 * handling, wrong types naming the field, every bad field collected in one
 * 422, ranges, huge numbers refused (never a crash), money in cents, the
 * normalising types (color, email) and the validators, UTF-8 lengths,
 * embedded NUL, partial PUTs, bind_has/bind_is_null.
 */
#include "base/bind.h"

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
#include "base/jsonio.h"

#include "base/banned.h"

struct rec {
    int64_t i, id, t, m, b, r, req, nul, big;
    const char *s, *col, *em, *url, *en, *snul;
};

static const char *const kinds[] = {"a1", "p1s", "x1c", NULL};

#define OFF(m) offsetof(struct rec, m)

static const struct field rec_fields[] = {
    {"i", F_INT, OFF(i), 0, 0, 0, NULL},
    {"id", F_ID, OFF(id), 0, 0, 0, NULL},
    {"t", F_TIME, OFF(t), 0, 0, 0, NULL},
    {"m", F_MONEY, OFF(m), 0, 0, 0, NULL},
    {"b", F_BOOL, OFF(b), 0, 0, 0, NULL},
    {"r", F_INT, OFF(r), 0, 1, 10, NULL},
    {"big", F_INT, OFF(big), 0, INT64_MIN, INT64_MAX, NULL},
    {"s", F_STR, OFF(s), 0, 2, 5, NULL},
    {"col", F_COLOR, OFF(col), 0, 0, 0, NULL},
    {"em", F_EMAIL, OFF(em), 0, 0, 0, NULL},
    {"url", F_URL, OFF(url), 0, 0, 0, NULL},
    {"en", F_ENUM, OFF(en), 0, 0, 0, kinds},
    {"req", F_INT, OFF(req), F_REQ, 0, 0, NULL},
    {"nul", F_INT, OFF(nul), F_NULL, 0, 0, NULL},
    {"snul", F_STR, OFF(snul), F_NULL, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static struct ctx tc;

static int
setup(void **state)
{
    memset(&tc, 0, sizeof(tc));
    tc.arena = arena_new();
    *state = &tc;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    arena_free(tc.arena);
    return 0;
}

static void
rec_defaults(struct rec *r)
{
    memset(r, 0, sizeof(*r));
    r->i = r->id = r->t = r->m = r->b = r->r = r->nul = r->big = r->req = -7;
    r->s = r->col = r->em = r->url = r->en = r->snul = "default";
}

/* Binds json (with "req" added unless it mentions it) into r. */
static int
bind_text(struct ctx *c, const char *json, struct rec *r, struct bound *b,
          int ignore_required)
{
    struct json_object *o;

    err_clear(&c->err);
    o = jsonio_parse(c, json, strlen(json));
    if (o == NULL)
        fail_msg("test body does not parse: %s: %s", json, c->err.msg);
    return bind_json(c, o, rec_fields, r, b, ignore_required);
}

static int
bind1(struct ctx *c, const char *json, struct rec *r)
{
    struct bound b;

    rec_defaults(r);
    return bind_text(c, json, r, &b, 0);
}

/* The message for field name in c->err, or NULL. */
static const char *
field_msg(struct ctx *c, const char *name)
{
    for (int i = 0; i < c->err.nfields; i++)
        if (strcmp(c->err.fields[i].name, name) == 0)
            return c->err.fields[i].msg;
    return NULL;
}

/* Binds {"req":1, <member>} and expects a 422 naming exactly field. */
static void
expect_bad(struct ctx *c, const char *member, const char *field)
{
    char json[2048];
    struct rec r;

    snprintf(json, sizeof(json), "{\"req\":1,%s}", member);
    if (bind1(c, json, &r) != -1)
        fail_msg("accepted %s", json);
    assert_int_equal(c->err.kind, ERR_VALIDATION);
    assert_int_equal(err_http_status(c->err.kind), 422);
    if (c->err.nfields != 1 || field_msg(c, field) == NULL)
        fail_msg("%s: expected one bad field %s, got %d (%s)", json, field,
                 c->err.nfields, c->err.msg);
}

static void
expect_ok(struct ctx *c, const char *member, struct rec *r)
{
    char json[2048];

    snprintf(json, sizeof(json), "{\"req\":1,%s}", member);
    if (bind1(c, json, r) != 0)
        fail_msg("refused %s: %s", json, c->err.msg);
    assert_false(err_is_set(&c->err));
}

static void
test_every_type(void **state)
{
    struct ctx *c = *state;
    struct rec r;
    struct bound b;

    rec_defaults(&r);
    assert_int_equal(
        bind_text(c,
                  "{\"req\":3,\"i\":-12,\"id\":9,\"t\":\"2000-01-01T01:00:00"
                  "+01:00\",\"m\":24.99,\"b\":true,\"r\":10,\"s\":\"abc\","
                  "\"col\":\"#ff88aa\",\"em\":\"Ann@Example.COM\","
                  "\"url\":\"https://example.com/x?y=1\",\"en\":\"p1s\","
                  "\"unknown\":[1,{\"x\":2}]}",
                  &r, &b, 0),
        0);
    assert_int_equal(r.req, 3);
    assert_int_equal(r.i, -12);
    assert_int_equal(r.id, 9);
    assert_int_equal(r.t, 946684800);
    assert_int_equal(r.m, 2499);
    assert_int_equal(r.b, 1);
    assert_int_equal(r.r, 10);
    assert_string_equal(r.s, "abc");
    assert_string_equal(r.col, "#FF88AA");
    assert_string_equal(r.em, "ann@example.com");
    assert_string_equal(r.url, "https://example.com/x?y=1");
    assert_string_equal(r.en, "p1s");
    /* absent fields keep the caller's value */
    assert_int_equal(r.nul, -7);
    assert_string_equal(r.snul, "default");
    assert_true(bind_has(&b, "m"));
    assert_true(bind_has(&b, "req"));
    assert_false(bind_has(&b, "nul"));
    assert_false(bind_has(&b, "unknown"));
    assert_false(bind_has(&b, "no-such-field"));
    assert_false(bind_is_null(&b, "m"));

    expect_ok(c, "\"b\":false", &r);
    assert_int_equal(r.b, 0);
}

static void
test_required_and_null(void **state)
{
    struct ctx *c = *state;
    struct rec r;
    struct bound b;

    assert_int_equal(bind1(c, "{}", &r), -1);
    assert_int_equal(c->err.nfields, 1);
    assert_string_equal(field_msg(c, "req"), "is required");
    assert_string_equal(c->err.msg, "req is required");
    /* partial PUT: required not enforced */
    rec_defaults(&r);
    assert_int_equal(bind_text(c, "{\"i\":4}", &r, &b, 1), 0);
    assert_int_equal(r.i, 4);
    assert_int_equal(r.req, -7);
    assert_false(bind_has(&b, "req"));
    /* null where allowed */
    rec_defaults(&r);
    assert_int_equal(
        bind_text(c, "{\"req\":1,\"nul\":null,\"snul\":null}", &r, &b, 0), 0);
    assert_int_equal(r.nul, DB_NULL);
    assert_null(r.snul);
    assert_true(bind_has(&b, "nul"));
    assert_true(bind_is_null(&b, "nul"));
    assert_true(bind_is_null(&b, "snul"));
    assert_false(bind_is_null(&b, "req"));
    /* null where not allowed, and a required field sent as null */
    expect_bad(c, "\"i\":null", "i");
    assert_string_equal(field_msg(c, "i"), "must not be null");
    assert_int_equal(bind1(c, "{\"req\":null}", &r), -1);
    assert_non_null(field_msg(c, "req"));
}

static void
test_wrong_types_named(void **state)
{
    struct ctx *c = *state;

    expect_bad(c, "\"i\":\"5\"", "i");
    expect_bad(c, "\"i\":1.5", "i");
    expect_bad(c, "\"i\":true", "i");
    expect_bad(c, "\"id\":\"1\"", "id");
    expect_bad(c, "\"t\":12345", "t");
    expect_bad(c, "\"m\":\"24.99\"", "m");
    expect_bad(c, "\"b\":1", "b");
    expect_bad(c, "\"b\":\"true\"", "b");
    expect_bad(c, "\"s\":12", "s");
    expect_bad(c, "\"s\":[\"ab\"]", "s");
    expect_bad(c, "\"col\":{}", "col");
    expect_bad(c, "\"em\":5", "em");
    expect_bad(c, "\"url\":false", "url");
    expect_bad(c, "\"en\":1", "en");
    /* the message names the field */
    expect_bad(c, "\"i\":\"x\"", "i");
    assert_string_equal(c->err.msg, "i must be an integer");
}

static void
test_all_errors_collected(void **state)
{
    struct ctx *c = *state;
    struct rec r;

    assert_int_equal(bind1(c,
                           "{\"i\":\"x\",\"id\":0,\"t\":\"yesterday\","
                           "\"m\":-1,\"b\":null,\"r\":11,\"s\":\"\","
                           "\"col\":\"red\",\"em\":\"nope\","
                           "\"url\":\"ftp://x\","
                           "\"en\":\"mk4\"}",
                           &r),
                     -1);
    assert_int_equal(c->err.kind, ERR_VALIDATION);
    /* 11 bad fields plus the missing required one */
    assert_int_equal(c->err.nfields, 12);
    static const char *const names[] = {"i",  "id",  "t",  "m",   "b",  "r",
                                        "s",  "col", "em", "url", "en", "req"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (field_msg(c, names[i]) == NULL)
            fail_msg("field %s not reported", names[i]);
}

static void
test_ranges_and_ids(void **state)
{
    struct ctx *c = *state;
    struct rec r;

    expect_ok(c, "\"r\":1", &r);
    assert_int_equal(r.r, 1);
    expect_bad(c, "\"r\":0", "r");
    expect_bad(c, "\"r\":11", "r");
    assert_string_equal(field_msg(c, "r"), "must be between 1 and 10");
    expect_bad(c, "\"id\":0", "id");
    expect_bad(c, "\"id\":-1", "id");
    expect_bad(c, "\"id\":-9223372036854775808", "id");
    expect_ok(c, "\"id\":9223372036854775807", &r);
    assert_int_equal(r.id, INT64_MAX);
    /* F_INT with no range: 32-bit */
    expect_ok(c, "\"i\":2147483647", &r);
    expect_ok(c, "\"i\":-2147483647", &r);
    expect_bad(c, "\"i\":2147483648", "i");
    expect_bad(c, "\"i\":-2147483649", "i");
    /* huge numbers: a 422, never a crash or a wrapped value */
    expect_bad(c, "\"i\":1e400", "i");
    expect_bad(c, "\"i\":99999999999999999999", "i");
    expect_bad(c, "\"i\":-99999999999999999999", "i");
    expect_bad(c, "\"id\":99999999999999999999", "id");
    expect_bad(c, "\"id\":18446744073709551615", "id");
    expect_bad(c, "\"id\":9223372036854775808", "id");
    expect_bad(c, "\"big\":99999999999999999999", "big");
    expect_bad(c, "\"big\":-99999999999999999999", "big");
    expect_bad(c, "\"big\":-9223372036854775809", "big");
    expect_ok(c, "\"big\":-9223372036854775807", &r);
    assert_int_equal(r.big, -INT64_MAX);
    expect_bad(c, "\"m\":1e400", "m");
    expect_bad(c, "\"m\":99999999999999999999", "m");
    expect_bad(c, "\"m\":-99999999999999999999", "m");
    expect_bad(c, "\"t\":\"99999-01-01T00:00:00Z\"", "t");
}

static void
test_money(void **state)
{
    struct ctx *c = *state;
    struct rec r;

    expect_ok(c, "\"m\":24.99", &r);
    assert_int_equal(r.m, 2499);
    expect_ok(c, "\"m\":0", &r);
    assert_int_equal(r.m, 0);
    expect_ok(c, "\"m\":5", &r);
    assert_int_equal(r.m, 500);
    expect_ok(c, "\"m\":0.1", &r);
    assert_int_equal(r.m, 10);
    expect_ok(c, "\"m\":19.90", &r);
    assert_int_equal(r.m, 1990);
    expect_ok(c, "\"m\":1234567.89", &r);
    assert_int_equal(r.m, 123456789);
    expect_bad(c, "\"m\":24.999", "m");
    expect_bad(c, "\"m\":-1", "m");
    expect_bad(c, "\"m\":-0.01", "m");
    /* exponents are refused (consistently: even when the value is whole) */
    expect_bad(c, "\"m\":1e2", "m");
    expect_bad(c, "\"m\":1E2", "m");
    expect_bad(c, "\"m\":2.5e-1", "m");
}

static void
test_strings(void **state)
{
    struct ctx *c = *state;
    struct rec r;

    /* F_STR counts characters, not bytes: 5 two-byte/emoji chars fit */
    expect_ok(c, "\"s\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", &r);
    assert_string_equal(r.s, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    expect_ok(c, "\"s\":\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"", &r);
    expect_ok(c, "\"s\":\"\\u00e9\\u00e9\"", &r);
    expect_bad(c, "\"s\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"",
               "s");
    expect_bad(c, "\"s\":\"a\"", "s");
    assert_string_equal(field_msg(c, "s"), "must be 2 to 5 characters long");
    expect_bad(c, "\"s\":\"abcdef\"", "s");
    /* embedded NUL */
    expect_bad(c, "\"s\":\"ab\\u0000c\"", "s");
    expect_bad(c, "\"em\":\"a@b.co\\u0000x\"", "em");
    expect_bad(c, "\"en\":\"a1\\u0000\"", "en");
    /* the default F_STR limit (1000) */
    {
        char json[1100];

        memset(json, 0, sizeof(json));
        memcpy(json, "\"snul\":\"", 8);
        memset(json + 8, 'x', 1001);
        json[8 + 1001] = '"';
        expect_bad(c, json, "snul");
        json[8 + 1000] = '"';
        json[8 + 1001] = '\0';
        expect_ok(c, json, &r);
        assert_int_equal(strlen(r.snul), 1000);
    }
}

static void
test_color_email_url_enum(void **state)
{
    struct ctx *c = *state;
    struct rec r;

    expect_ok(c, "\"col\":\"#a1b2c3\"", &r);
    assert_string_equal(r.col, "#A1B2C3");
    expect_ok(c, "\"col\":\"#FFFFFF\"", &r);
    assert_string_equal(r.col, "#FFFFFF");
    expect_bad(c, "\"col\":\"a1b2c3\"", "col");
    expect_bad(c, "\"col\":\"#a1b2c\"", "col");
    expect_bad(c, "\"col\":\"#a1b2c3d\"", "col");
    expect_bad(c, "\"col\":\"#g1b2c3\"", "col");
    expect_bad(c, "\"col\":\"\"", "col");

    expect_ok(c, "\"em\":\"Bob.Smith+tag@Mail.Example.ORG\"", &r);
    assert_string_equal(r.em, "bob.smith+tag@mail.example.org");
    static const char *const bad_email[] = {
        "plain", "@example.com", "a@", "a@b", "a@b.", "a@.com", "a b@c.com",
        "a@b@c.com", "<a@b.com>", "a@b.com,c@d.com", "\xc3\xa9@b.com", "",
    };
    for (size_t i = 0; i < sizeof(bad_email) / sizeof(bad_email[0]); i++) {
        char m[128];

        snprintf(m, sizeof(m), "\"em\":\"%s\"", bad_email[i]);
        expect_bad(c, m, "em");
        assert_false(bind_valid_email(bad_email[i]));
    }
    assert_true(bind_valid_email("a@b.co"));

    expect_ok(c, "\"url\":\"http://printer.local:8080/hook\"", &r);
    assert_string_equal(r.url, "http://printer.local:8080/hook");
    static const char *const bad_url[] = {
        "ftp://example.com", "javascript:alert(1)", "http://", "https://",
        "//example.com", "example.com", "http:///x", "http://a b.com",
        "file:///etc/passwd", "",
    };
    for (size_t i = 0; i < sizeof(bad_url) / sizeof(bad_url[0]); i++) {
        char m[128];

        snprintf(m, sizeof(m), "\"url\":\"%s\"", bad_url[i]);
        expect_bad(c, m, "url");
        assert_false(bind_valid_url(bad_url[i]));
    }
    assert_true(bind_valid_url("https://x.example/a?b#c"));

    expect_ok(c, "\"en\":\"x1c\"", &r);
    assert_ptr_equal(r.en, kinds[2]);
    expect_bad(c, "\"en\":\"X1C\"", "en");
    expect_bad(c, "\"en\":\"\"", "en");
    expect_bad(c, "\"en\":\"x1c \"", "en");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_required_and_null),
        cmocka_unit_test(test_wrong_types_named),
        cmocka_unit_test(test_all_errors_collected),
        cmocka_unit_test(test_ranges_and_ids),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_color_email_url_enum),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
