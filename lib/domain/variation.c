/*
 * variation — Etsy variation names and colour names (see variation.h).
 */
#include "domain/variation.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "base/banned.h"

/* 1 when s, less leading and trailing spaces, is word (any case). */
static int
is(const char *s, const char *word)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

enum variation_kind
variation_kind(const char *name)
{
    static const char *const colors[] = {
        "color",          "colour",          "primary color",
        "primary colour", "filament color",  "filament colour",
    };
    static const char *const materials[] = {"material", "material type",
                                            "filament type"};

    if (name == NULL)
        return VARIATION_OTHER;
    for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
        if (is(name, colors[i]))
            return VARIATION_COLOR;
    for (size_t i = 0; i < sizeof(materials) / sizeof(materials[0]); i++)
        if (is(name, materials[i]))
            return VARIATION_MATERIAL;
    return VARIATION_OTHER;
}

const char *
variation_color(const char *value)
{
    static const struct {
        const char *name, *hex;
    } known[] = {
        {"red", "#FF0000"},    {"black", "#000000"},  {"white", "#FFFFFF"},
        {"blue", "#0000FF"},   {"green", "#00FF00"},  {"yellow", "#FFFF00"},
        {"orange", "#FFA500"}, {"grey", "#808080"},   {"gray", "#808080"},
        {"purple", "#800080"}, {"pink", "#FFC0CB"},
    };

    if (value == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (is(value, known[i].name))
            return known[i].hex;
    return NULL;
}
