/*
 * test_multipart — the streaming multipart/form-data parser: the same parts
 * whatever the chunk sizes (whole, byte by byte, every split), delimiter
 * look-alikes and NUL bytes inside a file, the boundary from Content-Type,
 * and every malformed body refused with an error that sticks.
 */
#include "web/multipart.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"

#include "base/banned.h"

/* What the callbacks saw, as text: "[name|filename|type]data" per part. */
struct seen {
    struct buf out;
    int abort_on_data;
};

static int
on_begin(void *ud, const struct multipart_part *p)
{
    struct seen *s = ud;

    buf_printf(&s->out, "[%s|%s|%s]", p->name,
               p->filename ? p->filename : "-",
               p->content_type ? p->content_type : "-");
    return 0;
}

static int
on_data(void *ud, const char *p, size_t n)
{
    struct seen *s = ud;

    if (s->abort_on_data)
        return -1;
    for (size_t i = 0; i < n; i++)
        buf_printf(&s->out, p[i] == '\0' ? "\\0" : "%c", p[i]);
    return 0;
}

static int
on_end(void *ud)
{
    struct seen *s = ud;

    buf_append(&s->out, ";", 1);
    return 0;
}

static const struct multipart_cb cb = {on_begin, on_data, on_end};

#define B "----formBoundary7MA4YWxk"
#define B_PREFIX "----formBoundary7MA4YWx" /* B less its last byte */
static const char body[] =
    "preamble to ignore\r\n"
    "--" B "\r\n"
    "Content-Disposition: form-data; name=\"csrf\"\r\n"
    "\r\n"
    "tok123\r\n"
    "--" B "\r\n"
    "content-disposition: form-data; name=\"file\"; "
    "filename=\"cube \\\"v2\\\".3mf\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "PK\x03\x04\r\n--" B_PREFIX "Q not the end\r\n-- \r\n\r\n"
    "\r\n"
    "--" B "--\r\n"
    "epilogue";
static const char want[] =
    "[csrf|-|-]tok123;"
    "[file|cube \"v2\".3mf|application/octet-stream]"
    "PK\x03\x04\r\n--" B_PREFIX "Q not the end\r\n-- \r\n\r\n;";

/* Parses len bytes of text in chunks of at most chunk bytes; the parser's
 * finish result, with what was seen in s. */
static int
parse(const char *text, size_t len, size_t chunk, struct seen *s)
{
    struct arena *a = arena_new();
    struct multipart *m = multipart_new(a, B, &cb, s);
    int rc = 0;

    for (size_t off = 0; off < len && rc == 0; off += chunk)
        rc = multipart_feed(m, text + off,
                            len - off < chunk ? len - off : chunk);
    if (rc == 0)
        rc = multipart_finish(m);
    else
        assert_int_equal(multipart_finish(m), -1); /* sticks */
    arena_free(a);
    return rc;
}

static void
test_whole_and_every_chunk_size(void **state)
{
    (void)state;
    for (size_t chunk = 1; chunk <= sizeof body; chunk++) {
        struct seen s = {0};

        buf_init(&s.out, 0);
        int rc = parse(body, sizeof body - 1, chunk, &s);
        int same = strcmp(s.out.data, want) == 0;

        buf_release(&s.out);
        if (rc != 0 || !same)
            fail_msg("chunk size %zu: rc %d, same %d", chunk, rc, same);
    }
}

static void
test_nul_bytes_in_a_file(void **state)
{
    static const char bin[] = "--" B "\r\n"
                              "Content-Disposition: form-data; name=\"f\"; "
                              "filename=\"a.gcode\"\r\n\r\n"
                              "a\0b\0\r\n"
                              "--" B "--";
    struct seen s = {0};

    (void)state;
    buf_init(&s.out, 0);
    assert_int_equal(parse(bin, sizeof bin - 1, 3, &s), 0);
    assert_string_equal(s.out.data, "[f|a.gcode|-]a\\0b\\0;");
    buf_release(&s.out);
}

static void
test_boundary_from_content_type(void **state)
{
    struct arena *a = arena_new();
    char longb[100];

    (void)state;
    assert_string_equal(
        multipart_boundary(a, "multipart/form-data; boundary=abc"), "abc");
    assert_string_equal(
        multipart_boundary(a, "Multipart/Form-Data;charset=utf-8; "
                              "boundary=\"a b:c\""),
        "a b:c");
    assert_null(multipart_boundary(a, "multipart/form-data"));
    assert_null(multipart_boundary(a, "multipart/form-data; boundary="));
    assert_null(multipart_boundary(a, "multipart/form-data; boundary=\"x"));
    assert_null(multipart_boundary(a, "application/json; boundary=abc"));
    assert_null(multipart_boundary(a, NULL));
    memset(longb, 'b', sizeof longb);
    longb[sizeof longb - 1] = '\0';
    assert_null(multipart_boundary(
        a, arena_printf(a, "multipart/form-data; boundary=%s", longb)));
    arena_free(a);
}

static void
expect_malformed(const char *text)
{
    struct arena *a = arena_new();
    struct seen s = {0};
    struct multipart *m;

    buf_init(&s.out, 0);
    m = multipart_new(a, B, &cb, &s);
    if (multipart_feed(m, text, strlen(text)) == 0)
        assert_int_equal(multipart_finish(m), -1);
    assert_int_equal(multipart_error(m), MULTIPART_MALFORMED);
    assert_int_equal(multipart_feed(m, "x", 1), -1);
    buf_release(&s.out);
    arena_free(a);
}

static void
test_malformed_bodies(void **state)
{
    char big[MULTIPART_HEADER_MAX + 200];
    struct buf many;

    (void)state;
    expect_malformed("");
    expect_malformed("no delimiter at all");
    /* cut short: no closing delimiter */
    expect_malformed("--" B "\r\nContent-Disposition: form-data; "
                     "name=\"a\"\r\n\r\nvalue");
    /* a part without a name */
    expect_malformed("--" B "\r\nContent-Disposition: form-data\r\n\r\n"
                     "x\r\n--" B "--");
    /* not form-data */
    expect_malformed("--" B "\r\nContent-Disposition: attachment; "
                     "name=\"a\"\r\n\r\nx\r\n--" B "--");
    /* a header line without a colon */
    expect_malformed("--" B "\r\nnonsense\r\n\r\nx\r\n--" B "--");
    /* garbage after a delimiter */
    expect_malformed("--" B "xx\r\n");
    /* a header block past the limit */
    memset(big, 'h', sizeof big);
    memcpy(big, "--" B "\r\nX-Long: ", 2 + strlen(B) + 10);
    big[sizeof big - 1] = '\0';
    expect_malformed(big);
    /* too many parts */
    buf_init(&many, 0);
    for (int i = 0; i <= MULTIPART_PARTS_MAX; i++)
        buf_printf(&many, "--" B "\r\nContent-Disposition: form-data; "
                          "name=\"p%d\"\r\n\r\nv\r\n", i);
    buf_printf(&many, "--" B "--");
    expect_malformed(many.data);
    buf_release(&many);
}

static void
test_callback_aborts(void **state)
{
    struct seen s = {0};
    struct arena *a = arena_new();
    struct multipart *m;

    (void)state;
    buf_init(&s.out, 0);
    s.abort_on_data = 1;
    m = multipart_new(a, B, &cb, &s);
    assert_int_equal(multipart_feed(m, body, sizeof body - 1), -1);
    assert_int_equal(multipart_error(m), MULTIPART_ABORTED);
    assert_int_equal(multipart_finish(m), -1);
    buf_release(&s.out);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_and_every_chunk_size),
        cmocka_unit_test(test_nul_bytes_in_a_file),
        cmocka_unit_test(test_boundary_from_content_type),
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_callback_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
