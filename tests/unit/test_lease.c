/*
 * test_lease — printer leases between dispatchers (domain/lease.c): a lone
 * dispatcher takes every printer; a second one gets its fair share once the
 * first gives back what is over its own; the two sets never overlap; a
 * dispatcher that stops renewing loses its printers to the other after the
 * lease time; lease_check and the named lease ("etsy") answer for the
 * holder only. Runs on SQLite and, under make unit-pg, on PostgreSQL.
 */
#include "domain/lease.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#include "base/banned.h"

#define N 10
#define TTL 30

static const int64_t ids[N] = {3, 4, 5, 8, 9, 10, 11, 20, 21, 40};

static int
sync_as(struct fixture *f, const char *holder, char *mine, int n)
{
    int held = 0;

    assert_int_equal(lease_sync(&f->c, holder, TTL, ids, n, mine), 0);
    for (int k = 0; k < n; k++)
        held += mine[k];
    return held;
}

static void
test_share_and_take_over(void **state)
{
    struct fixture *f = fixture_open();
    char a[N], b[N];
    int64_t t0;

    (void)state;
    assert_non_null(f);
    t0 = f->c.now;
    assert_int_equal(sync_as(f, "host:1:a", a, N), N); /* alone: all */
    assert_int_equal(sync_as(f, "host:2:b", b, N), 0); /* all taken */
    assert_int_equal(sync_as(f, "host:1:a", a, N), N / 2); /* gives back */
    assert_int_equal(sync_as(f, "host:2:b", b, N), N / 2); /* takes them */
    for (int k = 0; k < N; k++)
        assert_true(a[k] + b[k] == 1); /* each printer exactly once */
    assert_true(a[0] && b[N - 1]);      /* a keeps the lowest ids */

    /* a steady state changes nothing */
    assert_int_equal(sync_as(f, "host:1:a", a, N), N / 2);
    assert_int_equal(sync_as(f, "host:2:b", b, N), N / 2);

    /* lease_check answers for the holder only */
    assert_int_equal(db_begin(f->c.db), 0);
    assert_int_equal(lease_check(&f->c, "host:1:a", ids[0]), 1);
    assert_int_equal(lease_check(&f->c, "host:2:b", ids[0]), 0);
    assert_int_equal(lease_check(&f->c, "host:1:a", ids[N - 1]), 0);
    assert_int_equal(db_commit(f->c.db), 0);

    /* a stops renewing: after the lease time b drives everything */
    f->c.now = t0 + TTL - 1;
    assert_int_equal(sync_as(f, "host:2:b", b, N), N / 2);
    f->c.now = t0 + TTL + 1;
    assert_int_equal(sync_as(f, "host:2:b", b, N), N);
    assert_int_equal(db_begin(f->c.db), 0);
    assert_int_equal(lease_check(&f->c, "host:1:a", ids[0]), 0);
    assert_int_equal(db_commit(f->c.db), 0);

    /* a printer that is gone loses its lease */
    assert_int_equal(sync_as(f, "host:2:b", b, N - 1), N - 1);
    assert_int_equal(db_begin(f->c.db), 0);
    assert_int_equal(lease_check(&f->c, "host:2:b", ids[N - 1]), 0);
    assert_int_equal(db_commit(f->c.db), 0);

    /* a clean stop gives everything back at once */
    lease_release_all(&f->c, "host:2:b");
    assert_int_equal(sync_as(f, "host:3:c", a, N), N);
    fixture_close(f);
}

static void
test_named_lease(void **state)
{
    struct fixture *f = fixture_open();
    int64_t t0;

    (void)state;
    assert_non_null(f);
    t0 = f->c.now;
    assert_int_equal(lease_take(&f->c, "etsy", "host:1:a", TTL), 1);
    assert_int_equal(lease_take(&f->c, "etsy", "host:2:b", TTL), 0);
    assert_int_equal(lease_take(&f->c, "etsy", "host:1:a", TTL), 1);
    f->c.now = t0 + TTL + 1;
    assert_int_equal(lease_take(&f->c, "etsy", "host:2:b", TTL), 1);
    assert_int_equal(lease_take(&f->c, "etsy", "host:1:a", TTL), 0);
    fixture_close(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share_and_take_over),
        cmocka_unit_test(test_named_lease),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
