/*
 * test_variation — Etsy variation names (colour, material, other) and the
 * colour names mapped to #RRGGBB; anything else is no colour.
 */
#include "domain/variation.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/banned.h"

static void
test_kind(void **state)
{
    (void)state;
    assert_int_equal(variation_kind("Color"), VARIATION_COLOR);
    assert_int_equal(variation_kind("colour"), VARIATION_COLOR);
    assert_int_equal(variation_kind("Primary color"), VARIATION_COLOR);
    assert_int_equal(variation_kind(" PRIMARY COLOUR "), VARIATION_COLOR);
    assert_int_equal(variation_kind("Material"), VARIATION_MATERIAL);
    assert_int_equal(variation_kind("Filament type"), VARIATION_MATERIAL);
    assert_int_equal(variation_kind("Secondary color"), VARIATION_OTHER);
    assert_int_equal(variation_kind("Personalization"), VARIATION_OTHER);
    assert_int_equal(variation_kind("Size"), VARIATION_OTHER);
    assert_int_equal(variation_kind(""), VARIATION_OTHER);
    assert_int_equal(variation_kind(NULL), VARIATION_OTHER);
}

static void
test_color(void **state)
{
    static const struct {
        const char *name, *hex;
    } cases[] = {
        {"Red", "#FF0000"},    {"black", "#000000"},  {"WHITE", "#FFFFFF"},
        {"Blue", "#0000FF"},   {"Green", "#00FF00"},  {"Yellow", "#FFFF00"},
        {"Orange", "#FFA500"}, {"Grey", "#808080"},   {"Gray", "#808080"},
        {"Purple", "#800080"}, {"Pink", "#FFC0CB"},   {" red ", "#FF0000"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(variation_color(cases[i].name), cases[i].hex);
    assert_null(variation_color("Galaxy Black"));
    assert_null(variation_color("Redwood"));
    assert_null(variation_color("#FF0000"));
    assert_null(variation_color(""));
    assert_null(variation_color(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind),
        cmocka_unit_test(test_color),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
