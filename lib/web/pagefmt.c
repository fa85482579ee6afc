#include "web/pagefmt.h"

#include <stdio.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/null.h"
#include "web/tmpl.h"

#include "base/banned.h"

const char *
pagefmt_minutes(struct arena *a, int64_t m)
{
    if (m == DB_NULL || m < 0)
        return PAGEFMT_NONE;
    if (m < 60)
        return arena_printf(a, "%lld min", (long long)m);
    return arena_printf(a, "%lld h %02lld min", (long long)(m / 60),
                        (long long)(m % 60));
}

const char *
pagefmt_degrees(struct arena *a, int64_t v)
{
    return v == DB_NULL ? PAGEFMT_NONE
                        : arena_printf(a, "%lld \xc2\xb0" "C", (long long)v);
}

const char *
pagefmt_percent(struct arena *a, int64_t v)
{
    return v == DB_NULL ? PAGEFMT_NONE : arena_printf(a, "%lld %%", (long long)v);
}

const char *
pagefmt_grams(struct arena *a, int64_t g)
{
    return g == DB_NULL ? PAGEFMT_NONE : arena_printf(a, "%lld g", (long long)g);
}

const char *
pagefmt_money(struct arena *a, int64_t cents)
{
    if (cents == DB_NULL)
        return PAGEFMT_NONE;
    return arena_printf(a, "%s%lld.%02lld", cents < 0 ? "-" : "",
                        (long long)((cents < 0 ? -cents : cents) / 100),
                        (long long)((cents < 0 ? -cents : cents) % 100));
}

void
pagefmt_time(struct arena *a, struct tmpl_dict *d, const char *prefix,
             int64_t t)
{
    char iso[21], key[64];
    struct tmpl_dict *s;

    if (t == DB_NULL) {
        snprintf(key, sizeof key, "%s_NONE", prefix);
        tmpl_show(d, key);
        return;
    }
    s = tmpl_section_add(d, prefix);
    clock_format(t, iso);
    snprintf(key, sizeof key, "%s_ISO", prefix);
    tmpl_set(s, key, iso);
    snprintf(key, sizeof key, "%s_TEXT", prefix);
    /* the ISO form minus seconds, readable without scripts */
    tmpl_set(s, key, arena_printf(a, "%.10s %.5s UTC", iso, iso + 11));
}
