/*
 * chart — the integer geometry of the dashboard's server-rendered SVG
 * charts: "nice" axis maxima and tick steps, value-to-pixel scales, and the
 * slots that bars and lanes occupy. Pure arithmetic, no allocation, no
 * I/O, so the page code only copies numbers into template attributes.
 *
 * Invariants:
 * - Every coordinate is an int in the chart's own viewBox units; the SVG's
 *   viewBox makes it scale to the screen.
 * - chart_scale() never leaves [0, len], whatever the value, so a bar can
 *   never be drawn outside its plot.
 * - Stacked segments scaled from their cumulative sums add up exactly to
 *   the scaled total (no rounding gaps between segments).
 */
#ifndef CHART_H
#define CHART_H

#include <stdint.h>

/* The smallest of 1, 2 and 5 times a power of ten that is >= v (v <= 1
 * gives 1). An axis that ends there reads well and holds v. */
int64_t chart_nice_max(int64_t v);

/* The tick step for an axis from 0 to max (a chart_nice_max() value): max
 * split into 4 or 5 equal round steps, at least 1. For another max, a step
 * that still divides it is not promised. */
int64_t chart_tick_step(int64_t max);

/* v on a scale where max maps to len: round(v * len / max) clamped to
 * [0, len]. max <= 0 maps everything to 0. */
int chart_scale(int64_t v, int64_t max, int len);

/* Slot i of n equal slots across [start, start + len): where it begins and
 * how wide it is (the slots tile the span exactly; widths differ by at most
 * one), and a bar inside it with a gap of a fifth of the slot on the right,
 * so neighbours do not touch once a slot is at least 3 units wide. */
struct chart_slot {
    int x, w;         /* the slot */
    int bar_x, bar_w; /* the bar drawn in it, bar_w >= 1 */
};

/* Fills s for slot i (0 <= i < n); 0, or -1 when i or n is out of range
 * (s zeroed). */
int chart_slot(int i, int n, int start, int len, struct chart_slot *s);

/* The segment of a stacked bar that holds the values from below (the sum
 * of the segments under it) up to below + v, on a vertical axis whose 0 is
 * at baseline and whose max is height units above it: y of its top and its
 * height (0 for an empty segment). */
struct chart_segment {
    int y, h;
};

void chart_stack(int64_t below, int64_t v, int64_t max, int baseline,
                 int height, struct chart_segment *seg);

#endif
