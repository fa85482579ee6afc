/*
 * pagefmt — how the dashboard writes numbers and times: one form for each
 * (minutes as "1 h 05 min", "215 °C", "42 %", money with two decimals,
 * times as <time> values), so every page reads the same. An unknown value
 * (DB_NULL) is an em dash. Strings come from the arena.
 */
#ifndef PAGEFMT_H
#define PAGEFMT_H

#include <stdint.h>

struct arena;
struct tmpl_dict;

#define PAGEFMT_NONE "\xe2\x80\x94" /* em dash */

const char *pagefmt_minutes(struct arena *a, int64_t minutes);
const char *pagefmt_degrees(struct arena *a, int64_t celsius);
const char *pagefmt_percent(struct arena *a, int64_t percent);
const char *pagefmt_grams(struct arena *a, int64_t grams);
/* cents as "12.34" (the farm's currency is the user's own) */
const char *pagefmt_money(struct arena *a, int64_t cents);

/* Sets prefix_ISO ("2026-12-07T14:05:00Z", for <time datetime>) and
 * prefix_TEXT ("2026-12-07 14:05 UTC", what shows without scripts), and
 * shows the section prefix when t is known; else shows prefix_NONE. */
void pagefmt_time(struct arena *a, struct tmpl_dict *d, const char *prefix,
                  int64_t t);

#endif
