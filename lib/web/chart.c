#include "web/chart.h"

#include <string.h>

#include "base/banned.h"

/* Past this the next 1-2-5 step would overflow int64; no count or gram
 * total of a farm comes near it. */
#define CHART_NICE_CEIL ((int64_t)1000000000000000000)

int64_t
chart_nice_max(int64_t v)
{
    int64_t p = 1;

    if (v <= 1)
        return 1;
    for (;;) {
        if (v <= p)
            return p;
        if (v <= 2 * p)
            return 2 * p;
        if (v <= 5 * p)
            return 5 * p;
        if (p >= CHART_NICE_CEIL)
            return v;
        p *= 10;
    }
}

int64_t
chart_tick_step(int64_t max)
{
    int64_t p = 1;

    if (max <= 5)
        return 1; /* 1..5: every whole number gets a tick */
    while (p <= max / 10)
        p *= 10;
    /* max is p, 2p or 5p: 1 -> 5 ticks of p/5, 2 -> 4 of p/2, 5 -> 5 of p */
    if (max == p)
        return p / 5 > 0 ? p / 5 : 1;
    if (max == 2 * p)
        return p / 2 > 0 ? p / 2 : 1;
    if (max == 5 * p)
        return p;
    return max / 4 > 0 ? max / 4 : 1; /* not a nice max: best effort */
}

int
chart_scale(int64_t v, int64_t max, int len)
{
    if (max <= 0 || v <= 0 || len <= 0)
        return 0;
    if (v >= max)
        return len;
    /* v < max, so v * len can overflow only when max is this large; such
     * a scale divides first and loses nothing a pixel could show */
    if (max > INT64_MAX / len) {
        int64_t q = v / (max / len);

        return q < len ? (int)q : len;
    }
    return (int)((v * len + max / 2) / max);
}

int
chart_slot(int i, int n, int start, int len, struct chart_slot *s)
{
    int64_t a, b;
    int gap;

    memset(s, 0, sizeof(*s));
    if (n <= 0 || i < 0 || i >= n || len < 0)
        return -1;
    /* both ends from the same formula, so slots tile the span exactly */
    a = (int64_t)i * len / n;
    b = (int64_t)(i + 1) * len / n;
    s->x = start + (int)a;
    s->w = (int)(b - a);
    gap = s->w >= 3 ? s->w / 5 : 0;
    if (s->w >= 3 && gap == 0)
        gap = 1;
    s->bar_x = s->x;
    s->bar_w = s->w - gap > 0 ? s->w - gap : 1;
    return 0;
}

void
chart_stack(int64_t below, int64_t v, int64_t max, int baseline, int height,
            struct chart_segment *seg)
{
    int lo = chart_scale(below, max, height);
    int hi = chart_scale(below + (v > 0 ? v : 0), max, height);

    seg->y = baseline - hi;
    seg->h = hi - lo;
}
