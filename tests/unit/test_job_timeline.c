/*
 * test_job_timeline — what runs when: a printer's started print from its
 * real start, its waiting prints one after another in run order (a
 * scheduled one at its time when that is later, pushed back when the one
 * before runs late), chained prints after their parent's expected end plus
 * the offset even when the parent is on another printer, the shared queue
 * of unassigned prints last, positions, the estimated flag, and never an
 * ended print or another user's.
 */
#include "domain/job_timeline.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/null.h"
#include "domain/job.h"
#include "fixture.h"
#include "store/db.h"

#include "base/banned.h"

#define T0 ((int64_t)1800000000)
#define MIN 60

static void
at(struct fixture *f, int64_t now)
{
    fixture_next(f);
    f->c.now = now;
}

static int64_t
add(struct fixture *f, int64_t printer, const char *name, int64_t minutes,
    int64_t scheduled_at, int64_t parent, int64_t offset, int64_t priority)
{
    struct job j;
    int64_t id;

    job_init(&j);
    j.printer_id = printer;
    j.name = name;
    j.file = "a.3mf";
    j.estimated_minutes = minutes;
    j.scheduled_at = scheduled_at;
    j.chain_after_id = parent;
    j.chain_offset_minutes = offset;
    j.priority = priority;
    id = job_create(&f->c, &j);
    assert_true(id > 0);
    at(f, f->c.now);
    return id;
}

static void
set_status(struct fixture *f, int64_t id, const char *status)
{
    struct job j;

    assert_int_equal(job_get(&f->c, id, &j), 0);
    j.status = status;
    assert_int_equal(job_update(&f->c, &j), 0);
    at(f, f->c.now);
}

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL || fixture_user(f, "plan@example.test") <= 0)
        return -1;
    assert_int_equal(db_exec(f->c.db,
                             "INSERT INTO print_files (user_id, name, size, "
                             "sha256, created_at, updated_at) "
                             "VALUES (?, 'a.3mf', 1, 'x', 0, 0)",
                             "i", f->c.user_id),
                     DB_DONE);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static const struct job_plan *
find(const struct job_plan *plan, int n, int64_t id)
{
    const struct job_plan *p = job_timeline_find(plan, n, id);

    assert_non_null(p);
    return p;
}

static void
expect(const struct job_plan *plan, int n, int64_t id, int64_t start,
       int64_t end, int estimated, int position)
{
    const struct job_plan *p = find(plan, n, id);

    assert_int_equal(p->start, start);
    assert_int_equal(p->end, end);
    assert_int_equal(p->estimated, estimated);
    assert_int_equal(p->position, position);
}

static void
test_plan(void **state)
{
    struct fixture *f = *state;
    int64_t p1 = fixture_printer(f, "PLAN1"), p2 = fixture_printer(f, "PLAN2");
    int64_t s, q1, q2, q3, q4, c, d, u1, u2, done, theirs;
    int64_t owner = f->c.user_id;
    struct job_plan *plan;
    int n;

    /* p1 has printed for half an hour of an hour */
    at(f, T0 - 30 * MIN);
    s = add(f, p1, "running", 60, DB_NULL, DB_NULL, 0, 0);
    set_status(f, s, "started");
    at(f, T0);
    q1 = add(f, p1, "next", 30, DB_NULL, DB_NULL, 0, 0);
    q2 = add(f, p1, "at two", 60, T0 + 120 * MIN, DB_NULL, 0, 0);
    q3 = add(f, p1, "pushed", 10, T0 + 125 * MIN, DB_NULL, 0, 0);
    /* p2 idle: c after the running print + 15 min, d after p1's "next" */
    c = add(f, p2, "child", 20, DB_NULL, s, 15, 0);
    d = add(f, p2, "cross", 10, DB_NULL, q1, 0, 0);
    /* last in p1's queue, after c on p2 plus ten hours */
    q4 = add(f, p1, "late child", 10, DB_NULL, c, 600, -1);
    u1 = add(f, DB_NULL, "anywhere", 30, DB_NULL, DB_NULL, 0, 0);
    u2 = add(f, DB_NULL, "anywhere later", 30, T0 + 10 * MIN, DB_NULL, 0, 0);
    done = add(f, p2, "cancelled", 30, DB_NULL, DB_NULL, 0, 0);
    assert_int_equal(job_cancel(&f->c, done), 0);
    at(f, T0);
    assert_true(fixture_user(f, "plan-other@example.test") > 0);
    theirs = fixture_printer(f, "PLAN3");
    assert_int_equal(db_exec(f->c.db,
                             "INSERT INTO print_files (user_id, name, size, "
                             "sha256, created_at, updated_at) "
                             "VALUES (?, 'a.3mf', 1, 'x', 0, 0)",
                             "i", f->c.user_id),
                     DB_DONE);
    add(f, theirs, "not yours", 30, DB_NULL, DB_NULL, 0, 0);
    f->c.user_id = owner;
    at(f, T0);

    assert_int_equal(job_timeline(&f->c, T0, &plan, &n), 0);
    assert_int_equal(n, 9);
    /* grouped by printer in run order, the shared queue last */
    {
        int64_t order[] = {s, q1, q2, q3, q4, d, c, u1, u2};

        for (int i = 0; i < 9; i++)
            assert_int_equal(plan[i].id, order[i]);
    }
    expect(plan, n, s, T0 - 30 * MIN, T0 + 30 * MIN, 0, 0);
    assert_string_equal(find(plan, n, s)->status, "started");
    expect(plan, n, q1, T0 + 30 * MIN, T0 + 60 * MIN, 1, 1);
    expect(plan, n, q2, T0 + 120 * MIN, T0 + 180 * MIN, 0, 2);
    expect(plan, n, q3, T0 + 180 * MIN, T0 + 190 * MIN, 1, 3);
    /* d's stored start (its parent's end as planned when d was made,
     * T0 + 30 min) puts it before c in p2's queue; it waits for "next" */
    expect(plan, n, d, T0 + 60 * MIN, T0 + 70 * MIN, 1, 1);
    /* c would follow the running print + 15 min, but d holds p2 */
    expect(plan, n, c, T0 + 70 * MIN, T0 + 90 * MIN, 1, 2);
    /* planned once c (on p2) is: its end + 600 min */
    expect(plan, n, q4, T0 + 690 * MIN, T0 + 700 * MIN, 1, 4);
    assert_int_equal(find(plan, n, q4)->chain_after_id, c);
    expect(plan, n, u1, T0, T0 + 30 * MIN, 1, 1);
    expect(plan, n, u2, T0 + 30 * MIN, T0 + 60 * MIN, 1, 2);
    assert_int_equal(find(plan, n, u2)->printer_id, DB_NULL);
    assert_null(job_timeline_find(plan, n, done));
}

/* A running print past its estimate still runs: it ends after now, and
 * its queue follows it; a due scheduled print starts now. */
static void
test_late_and_due(void **state)
{
    struct fixture *f = *state;
    int64_t p = fixture_printer(f, "LATE1"), s, q;
    struct job_plan *plan;
    int n;

    at(f, T0 - 90 * MIN);
    s = add(f, p, "slow", 60, DB_NULL, DB_NULL, 0, 0);
    set_status(f, s, "started");
    q = add(f, p, "due", 30, T0 - 80 * MIN, DB_NULL, 0, 0);
    at(f, T0);
    assert_int_equal(job_timeline(&f->c, T0, &plan, &n), 0);
    assert_int_equal(n, 2);
    assert_true(plan[0].end > T0);
    assert_int_equal(plan[1].id, q);
    assert_int_equal(plan[1].start, plan[0].end);
    assert_int_equal(plan[1].estimated, 1);

    /* nothing open: an empty plan */
    set_status(f, s, "completed");
    assert_int_equal(job_cancel(&f->c, q), 0);
    at(f, T0);
    assert_int_equal(job_timeline(&f->c, T0, &plan, &n), 0);
    assert_int_equal(n, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_and_due, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
