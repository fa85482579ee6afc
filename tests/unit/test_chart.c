/*
 * test_chart — the SVG chart geometry: nice axis maxima across powers of
 * ten, tick steps that divide them into 4 or 5, scales that round and
 * clamp, slots that tile a span exactly with a gap, and stacked segments
 * that add up to the scaled total without gaps or overlaps.
 */
#include "web/chart.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/banned.h"

static void
test_nice_max(void **state)
{
    static const int64_t in[][2] = {
        {-5, 1},   {0, 1},     {1, 1},      {2, 2},       {3, 5},
        {5, 5},    {6, 10},    {10, 10},    {11, 20},     {21, 50},
        {51, 100}, {101, 200}, {999, 1000}, {1234, 2000}, {4999, 5000},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
        assert_int_equal(chart_nice_max(in[i][0]), in[i][1]);
    /* huge values stay finite and at least the value */
    assert_true(chart_nice_max(INT64_MAX / 3) >= INT64_MAX / 3);
}

static void
test_tick_step(void **state)
{
    (void)state;
    assert_int_equal(chart_tick_step(1), 1);
    assert_int_equal(chart_tick_step(2), 1);
    assert_int_equal(chart_tick_step(5), 1);
    assert_int_equal(chart_tick_step(10), 2);
    assert_int_equal(chart_tick_step(20), 5);
    assert_int_equal(chart_tick_step(50), 10);
    assert_int_equal(chart_tick_step(100), 20);
    assert_int_equal(chart_tick_step(200), 50);
    assert_int_equal(chart_tick_step(5000), 1000);
    /* every nice max from 10 up splits into 4 or 5 whole steps */
    for (int64_t v = 6; v < 100000000; v = v * 3 + 1) {
        int64_t max = chart_nice_max(v), step = chart_tick_step(max);

        assert_int_equal(max % step, 0);
        assert_true(max / step == 4 || max / step == 5);
    }
    assert_true(chart_tick_step(7) >= 1); /* not nice: still usable */
}

static void
test_scale(void **state)
{
    (void)state;
    assert_int_equal(chart_scale(0, 10, 200), 0);
    assert_int_equal(chart_scale(5, 10, 200), 100);
    assert_int_equal(chart_scale(1, 3, 100), 33);
    assert_int_equal(chart_scale(2, 3, 100), 67); /* rounds half up */
    assert_int_equal(chart_scale(10, 10, 200), 200);
    assert_int_equal(chart_scale(11, 10, 200), 200); /* clamped */
    assert_int_equal(chart_scale(-3, 10, 200), 0);
    assert_int_equal(chart_scale(3, 0, 200), 0);
    /* a scale too large to multiply divides first and stays in range */
    assert_true(chart_scale(INT64_MAX - 1, INT64_MAX, 500) >= 499);
    assert_true(chart_scale(INT64_MAX - 1, INT64_MAX, 500) <= 500);
    assert_int_equal(chart_scale(INT64_MAX / 2, INT64_MAX, 500), 250);
}

static void
test_slots_tile(void **state)
{
    static const int n_cases[] = {1, 3, 7, 30, 365, 400};
    struct chart_slot s;

    (void)state;
    for (size_t k = 0; k < sizeof(n_cases) / sizeof(n_cases[0]); k++) {
        int n = n_cases[k], end = 40;

        for (int i = 0; i < n; i++) {
            assert_int_equal(chart_slot(i, n, 40, 420, &s), 0);
            assert_int_equal(s.x, end); /* no gap, no overlap */
            assert_true(s.bar_w >= 1 && s.bar_x + s.bar_w <= s.x + s.w + 1);
            assert_true(s.w <= 420 / n + 1);
            end = s.x + s.w;
        }
        assert_int_equal(end, 460);
    }
    assert_int_equal(chart_slot(0, 10, 0, 100, &s), 0);
    assert_true(s.w == 10 && s.bar_w == 8); /* a fifth left as the gap */
    assert_int_equal(chart_slot(3, 3, 0, 100, &s), -1);
    assert_int_equal(chart_slot(-1, 3, 0, 100, &s), -1);
    assert_int_equal(chart_slot(0, 0, 0, 100, &s), -1);
}

static void
test_stack(void **state)
{
    static const int64_t parts[] = {3, 0, 4, 2};
    struct chart_segment seg;
    int64_t below = 0;
    int top = 180, total = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        chart_stack(below, parts[i], 10, 180, 160, &seg);
        assert_int_equal(seg.y + seg.h, top); /* sits on the one below */
        top = seg.y;
        total += seg.h;
        below += parts[i];
    }
    assert_int_equal(total, chart_scale(9, 10, 160));
    assert_int_equal(top, 180 - 144);
    chart_stack(0, 0, 10, 180, 160, &seg);
    assert_true(seg.h == 0 && seg.y == 180);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_max), cmocka_unit_test(test_tick_step),
        cmocka_unit_test(test_scale),    cmocka_unit_test(test_slots_tile),
        cmocka_unit_test(test_stack),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
