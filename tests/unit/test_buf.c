/*
 * test_buf — the capped byte buffer: NUL termination after every append,
 * growth across many appends, printf, and the cap: an append that would
 * pass max sets failed, appends nothing, and later appends stay refused
 * until buf_clear.
 */
#include "base/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/banned.h"

static void
test_empty(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    assert_int_equal(b.len, 0);
    assert_false(buf_failed(&b));
    buf_clear(&b);
    assert_string_equal(b.data, "");
    buf_release(&b);
    assert_string_equal(b.data, "");
}

static void
test_append_and_nul(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    buf_puts(&b, "abc");
    assert_int_equal(b.len, 3);
    assert_string_equal(b.data, "abc");
    buf_putc(&b, 'd');
    assert_string_equal(b.data, "abcd");
    buf_append(&b, "efgh", 2);
    assert_int_equal(b.len, 6);
    assert_string_equal(b.data, "abcdef");
    buf_append(&b, "x\0y", 3); /* binary data keeps its length */
    assert_int_equal(b.len, 9);
    assert_memory_equal(b.data + 6, "x\0y", 3);
    assert_int_equal(b.data[9], '\0');
    buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    /* growth over many appends keeps content and terminator */
    for (int i = 0; i < 10000; i++)
        buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 10000);
    assert_int_equal(strlen(b.data), 10000);
    assert_int_equal(b.data[9999], 'a' + 9999 % 26);
    buf_release(&b);
}

static void
test_printf(void **state)
{
    struct buf b;
    char big[3000];

    (void)state;
    buf_init(&b, 0);
    buf_printf(&b, "%d:%s", 12, "ab");
    buf_printf(&b, "|%05.1f", 2.25);
    assert_string_equal(b.data, "12:ab|002.2");
    assert_int_equal(b.len, strlen("12:ab|002.2"));
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    buf_printf(&b, "%s!", big);
    assert_int_equal(b.len, 11 + 3000);
    assert_int_equal(b.data[b.len - 1], '!');
    assert_int_equal(b.data[b.len], '\0');
    buf_printf(&b, "%s", "");
    assert_int_equal(b.len, 11 + 3000);
    buf_release(&b);
}

static void
test_cap(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 10);
    buf_puts(&b, "0123456789"); /* exactly max: fine */
    assert_false(buf_failed(&b));
    assert_int_equal(b.len, 10);
    buf_putc(&b, 'x'); /* one past */
    assert_true(buf_failed(&b));
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    /* sticky: even a small append that would have fitted is refused */
    buf_clear(&b);
    assert_false(buf_failed(&b));
    buf_puts(&b, "abc");
    buf_puts(&b, "0123456789"); /* would pass */
    assert_true(buf_failed(&b));
    buf_puts(&b, "d");
    buf_printf(&b, "%d", 1);
    assert_int_equal(b.len, 3);
    assert_string_equal(b.data, "abc");
    buf_release(&b);

    buf_init(&b, 5);
    buf_printf(&b, "%s", "123456");
    assert_true(buf_failed(&b));
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_release(&b);
    /* release keeps the cap */
    assert_int_equal(b.max, 5);
    buf_puts(&b, "123456");
    assert_true(buf_failed(&b));
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_append_and_nul),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_cap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
