/*
 * test_cost — a print's energy, machine and total cost from known grams,
 * cost per kg, power, machine rate, energy price and duration: exact
 * cents, the half-up rounding edges, and the duration rule (actual once it
 * ran, else the estimate).
 */
#include "domain/job.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"

#include "base/banned.h"

static void
cost(int64_t material, int64_t watts, int64_t rate, int64_t price,
     int64_t seconds, int64_t *e, int64_t *m, int64_t *t)
{
    struct job_cost_in in = {material, watts, rate, price, seconds};

    job_cost_compute(&in, e, m, t);
}

static void
test_known_print(void **state)
{
    int64_t e, m, t;

    (void)state;
    /* 40 g of a 24.99/kg spool: (40 * 2499 + 500) / 1000 = 100 cents;
     * 130 W for 2 h at 0.30/kWh: 0.26 kWh = 7.8 -> 8 cents; 1.50/h for 2 h
     * = 300 cents */
    cost((40 * 2499 + 500) / 1000, 130, 150, 30, 7200, &e, &m, &t);
    assert_int_equal(e, 8);
    assert_int_equal(m, 300);
    assert_int_equal(t, 100 + 8 + 300);
}

static void
test_rounding_edges(void **state)
{
    int64_t e, m, t;

    (void)state;
    /* energy: exactly half a cent rounds up, just under half rounds down.
     * 100 W x 1800 s x 1 cent = 180,000,000 / 3,600,000 = 0.05 cent -> 0;
     * 1000 W x 1800 s x 1 cent = 0.5 cent -> 1 */
    cost(DB_NULL, 1000, 0, 1, 1800, &e, &m, &t);
    assert_int_equal(e, 1);
    cost(DB_NULL, 1000, 0, 1, 1799, &e, &m, &t);
    assert_int_equal(e, 0);
    /* machine: 1 cent/h for 1800 s = 0.5 -> 1; 1799 s -> 0 */
    cost(DB_NULL, 0, 1, 0, 1800, &e, &m, &t);
    assert_int_equal(m, 1);
    cost(DB_NULL, 0, 1, 0, 1799, &e, &m, &t);
    assert_int_equal(m, 0);
    /* an unknown material cost counts as 0 in the total */
    assert_int_equal(t, 0);
    /* no price, no rate: only the material */
    cost(123, 150, 0, 0, 3600, &e, &m, &t);
    assert_int_equal(e, 0);
    assert_int_equal(m, 0);
    assert_int_equal(t, 123);
    /* a negative duration (a clock step) costs nothing */
    cost(5, 150, 100, 30, -60, &e, &m, &t);
    assert_int_equal(e + m, 0);
    assert_int_equal(t, 5);
    /* the largest inputs stay exact: 10 kW for a year at 1000.00/kWh */
    cost(0, 10000, 0, 100000, 366LL * 24 * 3600, &e, &m, &t);
    assert_int_equal(e, 10LL * 366 * 24 * 100000);
}

static void
test_duration_rule(void **state)
{
    struct job j;

    (void)state;
    job_init(&j);
    j.estimated_minutes = 90;
    assert_int_equal(job_cost_seconds(&j), 5400);
    j.started_at = 1000;
    assert_int_equal(job_cost_seconds(&j), 5400); /* still running */
    j.completed_at = 1000 + 3725;
    assert_int_equal(job_cost_seconds(&j), 3725);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_print),
        cmocka_unit_test(test_rounding_edges),
        cmocka_unit_test(test_duration_rule),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
