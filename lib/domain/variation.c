/*
 * variation — Etsy variation names and colour names (see variation.h).
 */
#include "domain/variation.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "domain/material.h"

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

/* s[0..n) less blanks and line breaks at both ends: *n shrinks, the new
 * start is returned. */
static const char *
trim(const char *s, size_t *n)
{
    while (*n > 0 && strchr(" \t\r\n", *s) != NULL) {
        s++;
        (*n)--;
    }
    while (*n > 0 && strchr(" \t\r\n", s[*n - 1]) != NULL)
        (*n)--;
    return s;
}

void
variation_add(struct arena *a, struct variation_set *vs, const char *name,
              const char *value)
{
    const char *one;

    if (value == NULL || value[0] == '\0')
        return;
    one = name != NULL && name[0] != '\0'
              ? arena_printf(a, "%s: %s", name, value)
              : value;
    vs->text = vs->text ? arena_printf(a, "%s; %s", vs->text, one)
                        : arena_strdup(a, one);
    switch (variation_kind(name)) {
    case VARIATION_COLOR:
        if (variation_color(value) != NULL)
            vs->color = variation_color(value);
        break;
    case VARIATION_MATERIAL: {
        size_t n = strlen(value);
        const char *m = trim(value, &n);

        if (n > MATERIAL_TYPE_MAX) {
            n = MATERIAL_TYPE_MAX;
            while (n > 0 && ((unsigned char)m[n] & 0xC0) == 0x80)
                n--;
        }
        if (n > 0)
            vs->material_type = arena_strndup(a, m, n);
        break;
    }
    default:
        break;
    }
}

/* The pair a CSV piece s[0..n) starts: 1 with its name (trimmed) through
 * *name / *nlen and what follows the colon through *rest, else 0. */
static int
csv_pair(const char *s, size_t n, const char **name, size_t *nlen,
         const char **rest)
{
    const char *colon = memchr(s, ':', n);

    if (colon == NULL || memchr(s, '\n', (size_t)(colon - s)) != NULL)
        return 0;
    *nlen = (size_t)(colon - s);
    *name = trim(s, nlen);
    *rest = colon + 1;
    return *nlen > 0;
}

/* Adds the pair name[0..nlen) (NULL: none) with the value value[0..vlen),
 * trimmed of blanks and of commas left at its end by empty pieces. */
static void
csv_flush(struct arena *a, struct variation_set *vs, const char *name,
          size_t nlen, const char *value, size_t vlen)
{
    const char *v = trim(value, &vlen);

    while (vlen > 0 && v[vlen - 1] == ',') {
        vlen--;
        v = trim(v, &vlen);
    }
    variation_add(a, vs, name ? arena_strndup(a, name, nlen) : NULL,
                  arena_strndup(a, v, vlen));
}

void
variation_add_csv(struct arena *a, struct variation_set *vs, const char *cell)
{
    const char *p = cell, *name = NULL, *value = NULL;
    size_t nlen = 0;

    if (cell == NULL)
        return;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *nm, *rest;
        size_t nl;

        if (csv_pair(p, n, &nm, &nl, &rest)) {
            if (value != NULL) /* the previous pair ends at this comma */
                csv_flush(a, vs, name, nlen, value, (size_t)(p - 1 - value));
            name = nm;
            nlen = nl;
            value = rest;
        } else if (value == NULL) {
            value = p; /* a value before any name */
        } /* else: the previous value goes on past a comma */
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    if (value != NULL)
        csv_flush(a, vs, name, nlen, value, strlen(value));
}
