/*
 * test_webhook — Standard Webhooks signing (the INTERFACES.md D.4 test
 * vector exactly, verification, tampering, rotation lists), secrets
 * (whsec_ decoding, raw secrets, generated ones), format detection and
 * the three body formats built from an event.h payload.
 */
#include "base/webhook_sign.h"
#include "notify/webhook_send.h"
#include "base/outbound.h"
#include "notify/webhook_text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/arena.h"

#include "base/banned.h"

#define VEC_SECRET "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
#define VEC_ID "msg_2f6c1a9e0b7d4c3a8e5f"
#define VEC_TS 1763932800
#define VEC_BODY                                                               \
    "{\"type\":\"job.completed\",\"timestamp\":\"2025-11-23T21:20:00Z\","     \
    "\"data\":{\"job_id\":42}}"
#define VEC_SIG "v1,GpupA14+LPjKT9GjWHTLwHyTPZT6QRzJW4kN4IaItTg="

#define PAYLOAD                                                                \
    "{\"event\":\"print_failed\",\"printer\":{\"id\":7,\"name\":\"P1S-02\","  \
    "\"serial\":\"01P00A000000002\",\"model\":\"P1S\"},\"print\":{\"id\":31," \
    "\"name\":\"Benchy\",\"status\":\"failed\",\"file\":\"benchy.3mf\","     \
    "\"order_id\":12},\"detail\":\"AMS can't feed filament (0700_8006)\","   \
    "\"occurred_at\":\"2025-11-23T21:20:00Z\"}"

static void
test_vector(void **state)
{
    unsigned char key[WEBHOOK_KEY_MAX];
    char sig[WEBHOOK_SIG_LEN];
    size_t len = 0;

    (void)state;
    assert_int_equal(webhook_secret_key(VEC_SECRET, key, &len), 0);
    assert_int_equal(len, 32);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(key[i], i + 1);
    webhook_sign(key, len, VEC_ID, VEC_TS, VEC_BODY, strlen(VEC_BODY), sig);
    assert_string_equal(sig, VEC_SIG);
    assert_int_equal(strlen(sig), WEBHOOK_SIG_LEN - 1);
}

static void
test_verify(void **state)
{
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t len = 0;
    char body[] = VEC_BODY;

    (void)state;
    assert_int_equal(webhook_secret_key(VEC_SECRET, key, &len), 0);
    assert_true(webhook_verify(key, len, VEC_ID, VEC_TS, body, strlen(body),
                               VEC_SIG));
    /* rotation: several entries, ours anywhere in the list */
    assert_true(webhook_verify(key, len, VEC_ID, VEC_TS, body, strlen(body),
                               "v1,AAAA v1a,xyz " VEC_SIG));
    /* another timestamp, id or body fails */
    assert_false(webhook_verify(key, len, VEC_ID, VEC_TS + 1, body,
                                strlen(body), VEC_SIG));
    assert_false(webhook_verify(key, len, "msg_other", VEC_TS, body,
                                strlen(body), VEC_SIG));
    body[strlen(body) - 3] = '3'; /* job_id 43 */
    assert_false(webhook_verify(key, len, VEC_ID, VEC_TS, body, strlen(body),
                                VEC_SIG));
    assert_false(webhook_verify(key, len, VEC_ID, VEC_TS, VEC_BODY,
                                strlen(VEC_BODY), NULL));
    assert_false(webhook_verify(key, len, VEC_ID, VEC_TS, VEC_BODY,
                                strlen(VEC_BODY), ""));
    /* another key fails */
    key[0] ^= 1;
    assert_false(webhook_verify(key, len, VEC_ID, VEC_TS, VEC_BODY,
                                strlen(VEC_BODY), VEC_SIG));
}

static void
test_secrets(void **state)
{
    unsigned char key[WEBHOOK_KEY_MAX];
    char a[WEBHOOK_SECRET_LEN + 1], b[WEBHOOK_SECRET_LEN + 1];
    size_t len = 0;

    (void)state;
    /* a raw secret is its own bytes */
    assert_int_equal(webhook_secret_key("my-own-signing-secret", key, &len), 0);
    assert_int_equal(len, strlen("my-own-signing-secret"));
    assert_memory_equal(key, "my-own-signing-secret", len);
    /* whsec_ without padding decodes the same */
    assert_int_equal(
        webhook_secret_key("whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA",
                           key, &len),
        0);
    assert_int_equal(len, 32);
    assert_int_equal(key[31], 0x20);
    /* malformed whsec_ */
    assert_int_equal(webhook_secret_key("whsec_not base64!", key, &len), -1);
    assert_int_equal(webhook_secret_key("whsec_", key, &len), -1);
    assert_int_equal(webhook_secret_key("whsec_A", key, &len), -1);
    assert_true(webhook_secret_valid(VEC_SECRET));
    assert_true(webhook_secret_valid("anything-at-all"));
    assert_false(webhook_secret_valid("whsec_AQID")); /* 3 bytes */
    assert_false(webhook_secret_valid("whsec_%%%%%%%%%%%%"));
    /* generated: whsec_ + 44 base64 chars decoding to 32 bytes, random */
    webhook_secret_new(a);
    webhook_secret_new(b);
    assert_int_equal(strlen(a), WEBHOOK_SECRET_LEN);
    assert_memory_equal(a, "whsec_", 6);
    assert_string_not_equal(a, b);
    assert_int_equal(webhook_secret_key(a, key, &len), 0);
    assert_int_equal(len, 32);
    assert_true(webhook_secret_valid(a));
}

static void
test_formats(void **state)
{
    (void)state;
    assert_int_equal(webhook_format_parse("standard"), WEBHOOK_STANDARD);
    assert_int_equal(webhook_format_parse("discord"), WEBHOOK_DISCORD);
    assert_int_equal(webhook_format_parse("slack"), WEBHOOK_SLACK);
    assert_int_equal(webhook_format_parse("teams"), -1);
    assert_int_equal(webhook_format_parse(NULL), -1);
    assert_string_equal(webhook_format_name(WEBHOOK_SLACK), "slack");
    assert_int_equal(
        webhook_format_detect("https://discord.com/api/webhooks/1/abc"),
        WEBHOOK_DISCORD);
    assert_int_equal(
        webhook_format_detect("https://discordapp.com/api/webhooks/1/abc"),
        WEBHOOK_DISCORD);
    assert_int_equal(
        webhook_format_detect("https://hooks.slack.com/services/T/B/X"),
        WEBHOOK_SLACK);
    assert_int_equal(webhook_format_detect("https://HOOKS.SLACK.COM/x"),
                     WEBHOOK_SLACK);
    /* look-alikes stay standard */
    assert_int_equal(
        webhook_format_detect("https://discord.com.evil.example/api/webhooks/"),
        WEBHOOK_STANDARD);
    assert_int_equal(webhook_format_detect("https://discord.com/channels/1"),
                     WEBHOOK_STANDARD);
    assert_int_equal(
        webhook_format_detect("https://example.com/?u=hooks.slack.com"),
        WEBHOOK_STANDARD);
    assert_int_equal(webhook_format_detect("http://127.0.0.1:8080/hook"),
                     WEBHOOK_STANDARD);
}

static struct json_object *
get(struct json_object *o, const char *path0, const char *path1)
{
    struct json_object *v = NULL;

    assert_true(json_object_object_get_ex(o, path0, &v));
    if (path1 != NULL)
        assert_true(json_object_object_get_ex(v, path1, &v));
    return v;
}

static void
test_event_text(void **state)
{
    struct arena *a = arena_new();
    struct webhook_event ev;
    char *text;

    (void)state;
    assert_int_equal(webhook_event_parse(a, PAYLOAD, &ev), 0);
    assert_string_equal(ev.kind, "print_failed");
    assert_int_equal(ev.printer_id, 7);
    assert_int_equal(ev.order_id, 12);
    assert_string_equal(webhook_event_type(a, &ev), "print.failed");
    assert_string_equal(webhook_event_title(a, &ev), "Print failed on P1S-02");
    assert_string_equal(
        webhook_event_subject(a, &ev),
        "Print failed on P1S-02: AMS can't feed filament (0700_8006)");
    text = webhook_event_text(a, &ev);
    assert_non_null(strstr(text, "Printer: P1S-02 (P1S, 01P00A000000002)\n"));
    assert_non_null(strstr(text, "Print: #31 Benchy (file benchy.3mf)"));
    assert_non_null(strstr(text, "Order: #12\n"));
    /* titles by kind; unknown kinds still read well */
    ev.kind = "printer_offline";
    ev.detail = NULL;
    assert_string_equal(webhook_event_subject(a, &ev), "P1S-02 is offline");
    ev.kind = "material_low";
    assert_string_equal(webhook_event_title(a, &ev), "Material low on P1S-02");
    ev.kind = "spool_dried";
    assert_string_equal(webhook_event_title(a, &ev), "Spool dried on P1S-02");
    assert_string_equal(webhook_event_type(a, &ev), "spool.dried");
    /* control characters never reach a subject line */
    ev.kind = "print_failed";
    ev.printer_name = "P1S\r\nBcc: x@y";
    ev.detail = "a\nb";
    assert_null(strpbrk(webhook_event_subject(a, &ev), "\r\n"));
    /* not a payload */
    assert_int_equal(webhook_event_parse(a, "[1]", &ev), -1);
    assert_int_equal(webhook_event_parse(a, "{\"x\":1}", &ev), -1);
    assert_int_equal(webhook_event_parse(a, "{", &ev), -1);
    arena_free(a);
}

static void
test_bodies(void **state)
{
    struct arena *a = arena_new();
    struct json_object *o, *v;
    char *s;

    (void)state;
    s = webhook_body(a, WEBHOOK_STANDARD, PAYLOAD);
    assert_non_null(s);
    /* the same payload always gives the same bytes (retries) */
    assert_string_equal(s, webhook_body(a, WEBHOOK_STANDARD, PAYLOAD));
    o = json_tokener_parse(s);
    assert_non_null(o);
    assert_string_equal(json_object_get_string(get(o, "type", NULL)),
                        "print.failed");
    assert_string_equal(json_object_get_string(get(o, "timestamp", NULL)),
                        "2025-11-23T21:20:00Z");
    v = get(o, "data", NULL);
    assert_string_equal(json_object_get_string(get(v, "event", NULL)),
                        "print_failed");
    assert_string_equal(json_object_get_string(get(v, "printer", "name")),
                        "P1S-02");
    assert_int_equal(json_object_get_int(get(v, "print", "id")), 31);
    assert_int_equal(json_object_get_int(get(v, "order", "id")), 12);
    assert_string_equal(json_object_get_string(get(v, "detail", NULL)),
                        "AMS can't feed filament (0700_8006)");
    assert_string_equal(json_object_get_string(get(v, "occurred_at", NULL)),
                        "2025-11-23T21:20:00Z");
    json_object_put(o);

    /* no print: print and order are null */
    s = webhook_body(a, WEBHOOK_STANDARD,
                     "{\"event\":\"printer_offline\",\"printer\":{\"id\":1,"
                     "\"name\":\"X1C\"},\"print\":null,\"detail\":null,"
                     "\"occurred_at\":\"2025-01-01T00:00:00Z\"}");
    o = json_tokener_parse(s);
    v = get(o, "data", NULL);
    assert_null(get(v, "print", NULL));
    assert_null(get(v, "order", NULL));
    assert_string_equal(json_object_get_string(get(o, "type", NULL)),
                        "printer.offline");
    json_object_put(o);

    s = webhook_body(a, WEBHOOK_DISCORD, PAYLOAD);
    o = json_tokener_parse(s);
    assert_non_null(strstr(json_object_get_string(get(o, "content", NULL)),
                           "**Print failed on P1S-02: AMS can't feed "
                           "filament (0700_8006)**"));
    assert_int_equal(
        json_object_array_length(get(o, "allowed_mentions", "parse")), 0);
    json_object_put(o);

    s = webhook_body(a, WEBHOOK_SLACK,
                     "{\"event\":\"print_completed\",\"printer\":{\"id\":1,"
                     "\"name\":\"A<&>B\"},\"print\":null,\"detail\":null}");
    o = json_tokener_parse(s);
    assert_non_null(strstr(json_object_get_string(get(o, "text", NULL)),
                           "*Print completed on A&lt;&amp;&gt;B*"));
    json_object_put(o);

    assert_null(webhook_body(a, WEBHOOK_STANDARD, "not json"));
    arena_free(a);
}

static void
test_post_unreachable(void **state)
{
    struct webhook_req r[3];
    char why[160];

    (void)state;
    memset(r, 0, sizeof(r));
    /* port 1 on loopback: nothing listens */
    r[0].url = "http://127.0.0.1:1/hook";
    r[0].id = "msg_x";
    r[0].body = "{}";
    r[1] = r[0];
    r[1].url = "ftp://127.0.0.1/hook"; /* not a protocol we speak */
    r[2] = r[0];
    r[2].url = "http://localhost:1/hook"; /* a name, judged connecting */
    assert_int_equal(outbound_configure("127.0.0.0/8, ::1/128", 1, why,
                                        sizeof(why)),
                     0);
    assert_int_equal(webhook_post_all(r, 3, 5, 0, NULL), 0);
    assert_int_equal(r[0].status, 0);
    /* coarse: never libcurl's text, which names the address and port */
    assert_string_equal(r[0].error, "connect failed");
    assert_int_equal(r[1].status, 0);
    assert_string_equal(r[1].error, "bad URL");
    assert_string_equal(r[2].error, "connect failed");
    assert_int_equal(r[0].retry_after, -1);

    /* the default policy: refused before any connection, by address */
    assert_int_equal(outbound_configure(NULL, 1, why, sizeof(why)), 0);
    assert_int_equal(webhook_post_all(r, 3, 5, 0, NULL), 0);
    assert_string_equal(r[0].error, OUTBOUND_REFUSED);
    assert_string_equal(r[2].error, OUTBOUND_REFUSED);
    assert_int_equal(r[2].status, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_event_text),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_post_unreachable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
