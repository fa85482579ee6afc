/*
 * test_str — the shared string helpers: str_copy truncates and always
 * terminates, treats NULL as ""; str_hexval reads every hex digit in
 * either case and refuses everything else.
 */
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/banned.h"

static void
test_copy(void **state)
{
    char out[4];

    (void)state;
    str_copy(out, sizeof(out), "ab");
    assert_string_equal(out, "ab");
    str_copy(out, sizeof(out), "abcdef");
    assert_string_equal(out, "abc");
    memset(out, 'x', sizeof(out));
    str_copy(out, sizeof(out), NULL);
    assert_string_equal(out, "");
}

static void
test_hexval(void **state)
{
    const char *digits = "0123456789abcdef", *upper = "ABCDEF";

    (void)state;
    for (int i = 0; i < 16; i++)
        assert_int_equal(str_hexval((unsigned char)digits[i]), i);
    for (int i = 0; i < 6; i++)
        assert_int_equal(str_hexval((unsigned char)upper[i]), 10 + i);
    for (int ch = 0; ch < 256; ch++)
        if (strchr("0123456789abcdefABCDEF", ch) == NULL || ch == 0)
            assert_int_equal(str_hexval(ch), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_hexval),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
