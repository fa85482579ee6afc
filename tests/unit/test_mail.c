/*
 * test_mail — message composition (headers, CRLF everywhere, a subject a
 * person can scan, header injection stripped, RFC 2047 for non-ASCII
 * subjects without splitting characters), the Date format, the SMTP
 * settings (environment over farm.conf, bad URL refused) and sending
 * without a configured or reachable server.
 */
#include "notify/mail.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/err.h"
#include "notify/webhook_text.h"

#include "base/banned.h"

#define PAYLOAD                                                                \
    "{\"event\":\"print_failed\",\"printer\":{\"id\":7,\"name\":\"P1S-02\","  \
    "\"serial\":\"01P00A000000002\",\"model\":\"P1S\"},\"print\":null,"      \
    "\"detail\":\"AMS can't feed filament (0700_8006)\","                    \
    "\"occurred_at\":\"2025-11-23T21:20:00Z\"}"

/* 1 when every LF in s is preceded by CR and every CR followed by LF. */
static int
crlf_only(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\n' && (p == s || p[-1] != '\r'))
            return 0;
        if (*p == '\r' && p[1] != '\n')
            return 0;
    }
    return 1;
}

/* The header block (up to the blank line). Arena. */
static char *
headers(struct arena *a, const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");

    assert_non_null(end);
    return arena_strndup(a, msg, (size_t)(end - msg + 2));
}

static void
test_compose(void **state)
{
    struct arena *a = arena_new();
    struct webhook_event ev;
    char *msg, *h;

    (void)state;
    assert_int_equal(webhook_event_parse(a, PAYLOAD, &ev), 0);
    msg = mail_compose(a, "Print Farm <farm@shop.example>", "owner@x.example",
                       webhook_event_subject(a, &ev),
                       "line one\nline two\r\n.dot line\n", 1763932800,
                       "msg_abc123");
    assert_true(crlf_only(msg));
    h = headers(a, msg);
    assert_non_null(strstr(h, "Date: Sun, 23 Nov 2025 21:20:00 +0000\r\n"));
    assert_non_null(strstr(h, "From: Print Farm <farm@shop.example>\r\n"));
    assert_non_null(strstr(h, "To: owner@x.example\r\n"));
    assert_non_null(strstr(h, "Subject: Print failed on P1S-02: AMS can't "
                              "feed filament (0700_8006)\r\n"));
    assert_non_null(strstr(h, "Message-ID: <msg_abc123@shop.example>\r\n"));
    assert_non_null(strstr(h, "MIME-Version: 1.0\r\n"));
    assert_non_null(
        strstr(h, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(msg, "\r\n\r\nline one\r\nline two\r\n.dot line"
                                "\r\n"));
    /* ends with exactly one CRLF */
    assert_string_equal(msg + strlen(msg) - 10, "dot line\r\n");
    arena_free(a);
}

static void
test_header_injection(void **state)
{
    struct arena *a = arena_new();
    char *msg, *h;

    (void)state;
    msg = mail_compose(a, "farm@x.example\r\nBcc: evil@x.example",
                       "me@x.example\nCc: evil@x.example",
                       "Hi\r\nBcc: evil@x.example\r\n\r\nfake body", "body",
                       0, "msg_1\r\nX-Evil: 1");
    assert_true(crlf_only(msg));
    h = headers(a, msg);
    /* exactly the headers we write, each on one line */
    assert_null(strstr(h, "\r\nBcc:"));
    assert_null(strstr(h, "\r\nCc:"));
    assert_null(strstr(h, "\r\nX-Evil:"));
    assert_non_null(strstr(h, "Subject: Hi  Bcc: evil@x.example    fake "
                              "body\r\n"));
    assert_string_equal(mail_header_clean(a, "a\tb\x7f" "c"), "a b c");
    arena_free(a);
}

/* Decodes every =?UTF-8?B?...?= word of an encoded subject. Arena. */
static char *
decode_words(struct arena *a, const char *s)
{
    char *out = arena_alloc(a, strlen(s) + 1);
    size_t n = 0;
    const char *p = s;

    while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
        const char *end = strstr(p + 10, "?=");
        unsigned char raw[128];
        int len, pad = 0;

        assert_non_null(end);
        assert_true(end - p + 2 <= 75); /* RFC 2047 word length */
        len = EVP_DecodeBlock(raw, (const unsigned char *)p + 10,
                              (int)(end - p - 10));
        assert_true(len >= 0);
        if (end[-1] == '=')
            pad++;
        if (end[-2] == '=')
            pad++;
        memcpy(out + n, raw, (size_t)(len - pad));
        n += (size_t)(len - pad);
        p = end + 2;
    }
    out[n] = '\0';
    return out;
}

static void
test_rfc2047(void **state)
{
    struct arena *a = arena_new();
    const char *plain = "Print completed on P1S-02";
    const char *utf = "Druck fehlgeschlagen auf Drücker-Ü2: Spule leer — "
                      "bitte Filament nachfüllen (0700_8006) ✓ ✓ ✓ ✓";
    char *enc, *line;

    (void)state;
    assert_string_equal(mail_encode_subject(a, plain), plain);
    enc = mail_encode_subject(a, utf);
    assert_memory_equal(enc, "=?UTF-8?B?", 10);
    assert_true(crlf_only(enc));
    /* folded: continuation lines start with a space */
    for (line = strstr(enc, "\r\n"); line; line = strstr(line + 2, "\r\n"))
        assert_int_equal(line[2], ' ');
    /* nothing but ASCII goes on the wire, and it decodes back whole */
    for (const char *p = enc; *p; p++)
        assert_true((unsigned char)*p < 0x80);
    assert_string_equal(decode_words(a, enc), utf);
    /* every word decodes to whole characters */
    for (const char *p = enc; (p = strstr(p, "=?UTF-8?B?")) != NULL;) {
        const char *end = strstr(p + 10, "?=");
        char *one = arena_strndup(a, p, (size_t)(end - p + 2));
        char *dec = decode_words(a, one);
        size_t k = strlen(dec);

        assert_true(k > 0);
        assert_true(((unsigned char)dec[k - 1] & 0x80) == 0 ||
                    ((unsigned char)dec[k - 1] & 0xC0) == 0x80);
        assert_true(((unsigned char)dec[0] & 0xC0) != 0x80);
        p = end + 2;
    }
    /* a control character forces nothing odd: cleaned, then plain */
    assert_string_equal(mail_encode_subject(a, "a\r\nb"), "a  b");
    arena_free(a);
}

static void
test_date(void **state)
{
    char d[40];

    (void)state;
    mail_date(0, d);
    assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
    mail_date(1763932800, d);
    assert_string_equal(d, "Sun, 23 Nov 2025 21:20:00 +0000");
}

/* The mail settings come with every other setting (base/conf.c): farm.conf,
 * the environment winning, checked once at start. */
static void
test_conf(void **state)
{
    char dir[] = "/tmp/farm-mail-XXXXXX", path[64];
    const char *keys[] = {"FARM_SMTP_URL",      "FARM_SMTP_USER",
                          "FARM_SMTP_PASSWORD", "FARM_SMTP_CA",
                          "FARM_SMTP_STARTTLS", "FARM_MAIL_FROM"};
    struct conf c;
    struct err e;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    setenv("DATA_DIR", dir, 1);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        unsetenv(keys[i]);
    err_clear(&e);
    assert_int_equal(conf_load(&c, &e), 0);
    assert_false(c.mail.configured);
    assert_string_equal(c.mail.from, "farm@localhost");

    snprintf(path, sizeof(path), "%s/farm.conf", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("# mail\nFARM_SMTP_URL=smtp://mail.example:587\n"
          "FARM_SMTP_USER=farm\nFARM_SMTP_PASSWORD=pw=with=equals\n"
          "FARM_MAIL_FROM=farm@shop.example\nOTHER=1\n",
          f);
    fclose(f);
    assert_int_equal(conf_load(&c, &e), 0);
    assert_true(c.mail.configured);
    assert_string_equal(c.mail.url, "smtp://mail.example:587");
    assert_string_equal(c.mail.user, "farm");
    assert_string_equal(c.mail.password, "pw=with=equals");
    assert_string_equal(c.mail.from, "farm@shop.example");
    assert_false(c.mail.starttls);

    setenv("FARM_SMTP_URL", "smtps://other.example:465", 1);
    setenv("FARM_SMTP_STARTTLS", "1", 1);
    assert_int_equal(conf_load(&c, &e), 0);
    assert_string_equal(c.mail.url, "smtps://other.example:465");
    assert_true(c.mail.starttls);

    setenv("FARM_SMTP_URL", "http://mail.example", 1);
    assert_int_equal(conf_load(&c, &e), -1);
    assert_non_null(strstr(e.msg, "FARM_SMTP_URL"));
    err_clear(&e);
    setenv("FARM_SMTP_URL", "smtp://x", 1);
    setenv("FARM_SMTP_STARTTLS", "yes", 1);
    assert_int_equal(conf_load(&c, &e), -1);
    assert_non_null(strstr(e.msg, "FARM_SMTP_STARTTLS"));
    err_clear(&e);
    unsetenv("FARM_SMTP_URL");
    unsetenv("FARM_SMTP_STARTTLS");
    unsetenv("DATA_DIR");
    unlink(path);
    rmdir(dir);
}

static void
test_send_failures(void **state)
{
    struct mail_conf m;
    char err[256];
    long code = -1;

    (void)state;
    memset(&m, 0, sizeof(m));
    memcpy(m.from, "farm@localhost", 15);
    assert_int_equal(
        mail_send(&m, "a@b.example", "x\r\n", 5, NULL, &code, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "not configured"));
    m.configured = 1;
    memcpy(m.url, "smtp://127.0.0.1:1", 19);
    assert_int_equal(
        mail_send(&m, "a@b.example", "x\r\n", 5, NULL, &code, err, sizeof(err)),
        -1);
    assert_int_equal(code, 0);
    assert_string_equal(err, "connect failed"); /* not libcurl's text */
    /* a recipient that would break the envelope is refused before sending */
    assert_int_equal(mail_send(&m, "a@b.example>\r\nRCPT TO:<c@d", "x\r\n", 5,
                               NULL, &code, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "recipient"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compose),
        cmocka_unit_test(test_header_injection),
        cmocka_unit_test(test_rfc2047),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_conf),
        cmocka_unit_test(test_send_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
