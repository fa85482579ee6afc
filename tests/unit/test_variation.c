/*
 * test_variation — Etsy variation names (colour, material, other) and the
 * colour names mapped to #RRGGBB; anything else is no colour. variation_add
 * builds an item's text, colour and material; variation_add_csv reads
 * Etsy's CSV Variations cell into the same (commas inside a value, blanks,
 * a value without a name, a long material cut on a character boundary).
 */
#include "domain/variation.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"

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

static void
test_add(void **state)
{
    struct arena *a = arena_new();
    struct variation_set vs = {NULL, NULL, NULL};

    (void)state;
    variation_add(a, &vs, "Primary color", "Red");
    variation_add(a, &vs, "Size", "");       /* no value: nothing */
    variation_add(a, &vs, "Material", " PETG ");
    variation_add(a, &vs, "Personalization", "MAYA");
    variation_add(a, &vs, NULL, "loose");
    assert_string_equal(vs.text, "Primary color: Red; Material:  PETG ; "
                                 "Personalization: MAYA; loose");
    assert_string_equal(vs.color, "#FF0000");
    assert_string_equal(vs.material_type, "PETG");
    variation_add(a, &vs, "Color", "Galaxy Black"); /* not a known colour */
    assert_string_equal(vs.color, "#FF0000");
    /* 31 ASCII bytes and a two-byte character: cut before it */
    variation_add(a, &vs, "Filament type",
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE\xc3\xa9X");
    assert_string_equal(vs.material_type, "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDE");
    arena_free(a);
}

static void
test_add_csv(void **state)
{
    struct arena *a = arena_new();
    struct variation_set vs = {NULL, NULL, NULL};

    (void)state;
    variation_add_csv(a, &vs, "Color:Red,Size:Large");
    assert_string_equal(vs.text, "Color: Red; Size: Large");
    assert_string_equal(vs.color, "#FF0000");
    assert_null(vs.material_type);

    memset(&vs, 0, sizeof vs);
    variation_add_csv(a, &vs, " Primary colour : white , Material:PLA Silk,"
                              "Personalization:Happy birthday\nLove, Mum,");
    assert_string_equal(vs.text, "Primary colour: white; Material: PLA Silk; "
                                 "Personalization: Happy birthday\nLove, Mum");
    assert_string_equal(vs.color, "#FFFFFF");
    assert_string_equal(vs.material_type, "PLA Silk");

    /* a line break before the colon: the value goes on */
    memset(&vs, 0, sizeof vs);
    variation_add_csv(a, &vs, "Personalization:Dear Ann,\nTime: 5pm");
    assert_string_equal(vs.text, "Personalization: Dear Ann,\nTime: 5pm");

    memset(&vs, 0, sizeof vs);
    variation_add_csv(a, &vs, "Just text, no name");
    assert_string_equal(vs.text, "Just text, no name");
    assert_null(vs.color);

    memset(&vs, 0, sizeof vs);
    variation_add_csv(a, &vs, "");
    variation_add_csv(a, &vs, NULL);
    variation_add_csv(a, &vs, "Color:,Size:");
    assert_null(vs.text);
    assert_null(vs.color);
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind),
        cmocka_unit_test(test_color),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_add_csv),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
