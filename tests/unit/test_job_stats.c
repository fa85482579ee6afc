/*
 * test_job_stats — the history list and the analytics aggregates on a fresh
 * migrated database: prints driven through job_create/job_update at fixed
 * clock times over three UTC days, one print ending just outside the
 * range, one that started before it, one still running, and another
 * user's print that must never count. Checks day buckets, outcomes per
 * printer, success rate, utilisation (clipped to the range), filament by
 * material and colour, cost, estimate ratios, history order and filters,
 * and the range and status refusals.
 */
#include "domain/job_stats.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/job.h"
#include "domain/material.h"
#include "fixture.h"
#include "store/db.h"

#include "base/banned.h"

/* a UTC midnight: 20833 days after 1970-01-01 */
#define D ((int64_t)20833 * 86400)
#define H ((int64_t)3600)
#define DAY ((int64_t)86400)

struct world {
    struct fixture *f;
    int64_t uid, a, b;              /* the user and its printers */
    int64_t p1, p2, p3, p4, p5, p6; /* prints */
};

static void
at(struct fixture *f, int64_t now)
{
    fixture_next(f);
    f->c.now = now;
}

static void
make_file(struct fixture *f, const char *name)
{
    assert_int_equal(db_exec(f->c.db,
                             "INSERT INTO print_files (user_id, name, size, "
                             "sha256, created_at, updated_at) "
                             "VALUES (?, ?, 1, 'x', 0, 0)",
                             "it", f->c.user_id, name),
                     DB_DONE);
}

static int64_t
create(struct fixture *f, int64_t printer, const char *name, int64_t est,
       int64_t slot, int64_t grams)
{
    struct job j;
    int64_t id;

    job_init(&j);
    j.printer_id = printer;
    j.name = name;
    j.file = "a.3mf";
    j.estimated_minutes = est;
    j.material_slot = slot;
    j.grams = grams;
    id = job_create(&f->c, &j);
    assert_true(id > 0);
    at(f, f->c.now);
    return id;
}

/* Moves id to status at time now. */
static void
move(struct fixture *f, int64_t id, const char *status, int64_t now)
{
    struct job j;

    at(f, now);
    assert_int_equal(job_get(&f->c, id, &j), 0);
    j.status = status;
    if (strcmp(status, "failed") == 0)
        j.failure_reason = "nozzle clog";
    assert_int_equal(job_update(&f->c, &j), 0);
    at(f, now);
}

static void
run(struct fixture *f, int64_t id, int64_t start, const char *end_status,
    int64_t end)
{
    move(f, id, "started", start);
    move(f, id, end_status, end);
}

static int
setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    struct fixture *f = fixture_open();
    struct material m;
    struct job j;

    if (w == NULL || f == NULL ||
        (w->uid = fixture_user(f, "stats-a@example.test")) <= 0)
        return -1;
    w->f = f;
    f->c.now = D - 2 * H;
    make_file(f, "a.3mf");
    w->a = fixture_printer_as(f, "SA", "alpha", "X1C");
    w->b = fixture_printer_as(f, "SB", "beta", "P1S");
    material_init(&m);
    m.printer_id = w->a;
    m.slot = 0;
    m.material_type = "PLA";
    m.color = "#FF0000";
    m.cost_per_kg = 2000; /* 20.00 a kilo: 100 g cost 2.00 */
    assert_true(material_create(&f->c, &m) > 0);
    at(f, D - 2 * H);

    /* p5 starts before the range and ends inside it: 90 min of 60 */
    w->p5 = create(f, w->a, "early", 60, 0, 20);
    run(f, w->p5, D - H, "completed", D + 30 * 60);
    /* p1 on day 0: on time, 100 g of the red PLA */
    w->p1 = create(f, w->a, "on time", 60, 0, 100);
    run(f, w->p1, D + H, "completed", D + 2 * H);
    /* p2 fails on day 1 after 50 of 100 minutes; no slot, so its own
     * material and colour, and no cost */
    job_init(&j);
    j.printer_id = w->a;
    j.name = "clogged";
    j.file = "a.3mf";
    j.estimated_minutes = 100;
    j.grams = 50;
    j.material_type = "PETG";
    j.color = "#00FF00";
    w->p2 = job_create(&f->c, &j);
    assert_true(w->p2 > 0);
    run(f, w->p2, D + DAY, "failed", D + DAY + 50 * 60);
    /* p3 cancelled on day 2 before it ever ran */
    w->p3 = create(f, w->b, "never ran", 30, DB_NULL, 10);
    at(f, D + 2 * DAY + 10);
    assert_int_equal(job_cancel(&f->c, w->p3), 0);
    /* p4 completes just after the three-day range */
    w->p4 = create(f, w->b, "too late", 30, DB_NULL, 5);
    run(f, w->p4, D + 3 * DAY - H, "completed", D + 3 * DAY + 10);
    /* p6 has run on beta since day 2, 12:00 */
    w->p6 = create(f, w->b, "running", 600, DB_NULL, 5);
    move(f, w->p6, "started", D + 2 * DAY + 12 * H);

    /* another user's print on day 0 never counts */
    assert_true(fixture_user(f, "stats-b@example.test") > 0);
    f->c.now = D;
    make_file(f, "a.3mf");
    {
        int64_t other = fixture_printer_as(f, "SC", "gamma", "A1");
        int64_t p = create(f, other, "theirs", 60, DB_NULL, 999);

        run(f, p, D + H, "completed", D + 3 * H);
    }
    /* back to the first user, on day 2 at 18:00 */
    f->c.user_id = w->uid;
    at(f, D + 2 * DAY + 18 * H);
    *state = w;
    return 0;
}

static int
teardown(void **state)
{
    struct world *w = *state;

    fixture_close(w->f);
    free(w);
    return 0;
}

static void
test_range_days_and_totals(void **state)
{
    struct world *w = *state;
    struct job_stats s;

    assert_int_equal(job_stats_range(&w->f->c, D, D + 3 * DAY, &s), 0);
    assert_int_equal(s.ndays, 3);
    assert_true(s.days[0].day == D && s.days[2].day == D + 2 * DAY);
    assert_int_equal(s.days[0].completed, 2); /* p5 and p1 */
    assert_int_equal(s.days[0].failed + s.days[0].cancelled, 0);
    assert_int_equal(s.days[1].failed, 1);
    assert_int_equal(s.days[2].cancelled, 1);
    assert_int_equal(s.completed, 2);
    assert_int_equal(s.failed, 1);
    assert_int_equal(s.cancelled, 1);
    /* grams: p5 20 + p1 100 + p2 50; p3 never ran, p4 is outside */
    assert_int_equal(s.grams, 170);
    assert_int_equal(s.days[0].grams, 120);
    /* cost: 120 g of PLA at 20.00/kg = 2.40; p2 has no price */
    assert_int_equal(s.cost, 240);
    assert_int_equal(s.days[0].cost, 240);
    assert_int_equal(s.days[1].cost, 0);
}

static void
test_range_printers(void **state)
{
    struct world *w = *state;
    struct job_stats s;
    const struct job_stats_printer *a, *b;

    assert_int_equal(job_stats_range(&w->f->c, D, D + 3 * DAY, &s), 0);
    assert_int_equal(s.nprinters, 2); /* gamma is the other user's */
    a = &s.printers[0];
    b = &s.printers[1];
    assert_true(a->printer_id == w->a && b->printer_id == w->b);
    assert_string_equal(a->name, "alpha");
    assert_int_equal(a->completed, 2);
    assert_int_equal(a->failed, 1);
    assert_int_equal(job_stats_success_percent(a), 67);
    /* p1 60 min + p2 50 min + the 30 min of p5 inside the range */
    assert_int_equal(a->busy_seconds, 140 * 60);
    assert_int_equal(job_stats_busy_percent(a, 3 * DAY), 3);
    /* beta: p6 running 12:00 to now (18:00); p4's run is clipped to the
     * last hour of the range although it ends after it */
    assert_int_equal(b->cancelled, 1);
    assert_int_equal(b->completed + b->failed, 0);
    assert_int_equal(job_stats_success_percent(b), -1);
    assert_int_equal(b->busy_seconds, 6 * H + H);
}

static void
test_range_materials_and_ratios(void **state)
{
    struct world *w = *state;
    struct job_stats s;

    assert_int_equal(job_stats_range(&w->f->c, D, D + 3 * DAY, &s), 0);
    assert_int_equal(s.nmaterials, 2);
    assert_string_equal(s.materials[0].material_type, "PLA");
    assert_string_equal(s.materials[0].color, "#FF0000");
    assert_int_equal(s.materials[0].grams, 120);
    assert_string_equal(s.materials[1].material_type, "PETG");
    assert_string_equal(s.materials[1].color, "#00FF00");
    assert_int_equal(s.materials[1].grams, 50);
    /* only completed prints, oldest end first: p5 90/60, p1 60/60 */
    assert_int_equal(s.nratios, 2);
    assert_true(s.ratios[0].id == w->p5 && s.ratios[0].permille == 1500);
    assert_true(s.ratios[1].id == w->p1 && s.ratios[1].permille == 1000);
}

static void
test_range_empty_and_refused(void **state)
{
    struct world *w = *state;
    struct job_stats s;

    assert_int_equal(job_stats_range(&w->f->c, D + 10 * DAY, D + 17 * DAY, &s),
                     0);
    assert_int_equal(s.ndays, 7);
    assert_int_equal(s.completed + s.failed + s.cancelled, 0);
    assert_int_equal(s.nmaterials + s.nratios, 0);
    assert_int_equal(s.nprinters, 2); /* every printer, with zeros */
    assert_int_equal(s.printers[0].busy_seconds, 0);

    assert_int_equal(job_stats_range(&w->f->c, D + 1, D + DAY, &s), -1);
    assert_int_equal(w->f->c.err.kind, ERR_VALIDATION);
    at(w->f, w->f->c.now);
    assert_int_equal(job_stats_range(&w->f->c, D, D, &s), -1);
    at(w->f, w->f->c.now);
    assert_int_equal(job_stats_range(&w->f->c, D, D + 367 * DAY, &s), -1);
    at(w->f, w->f->c.now);
    assert_int_equal(job_stats_range(&w->f->c, D, D + 366 * DAY, &s), 0);
}

static void
test_history_order_and_filters(void **state)
{
    struct world *w = *state;
    struct job_stats_filter f = {0, 0};
    struct job_stats_print *p;
    int n;

    assert_int_equal(job_stats_history(&w->f->c, &f, 50, 0, &p, &n), 0);
    assert_int_equal(n, 5); /* p6 still runs; "theirs" is not ours */
    assert_true(p[0].id == w->p4 && p[1].id == w->p3 && p[2].id == w->p2 &&
                p[3].id == w->p1 && p[4].id == w->p5);
    assert_int_equal(p[1].started_at, DB_NULL);
    assert_int_equal(p[1].ended_at, D + 2 * DAY + 10); /* its cancel */
    assert_string_equal(p[2].failure_reason, "nozzle clog");
    assert_int_equal(p[2].material_cost, DB_NULL);
    assert_int_equal(p[3].material_cost, 200);
    assert_int_equal(p[3].ended_at - p[3].started_at, H);

    /* paging */
    assert_int_equal(job_stats_history(&w->f->c, &f, 2, 2, &p, &n), 0);
    assert_true(n == 2 && p[0].id == w->p2 && p[1].id == w->p1);

    f.statuses = 1u << JOB_FAILED;
    assert_int_equal(job_stats_history(&w->f->c, &f, 50, 0, &p, &n), 0);
    assert_true(n == 1 && p[0].id == w->p2);

    f.statuses = 1u << JOB_COMPLETED | 1u << JOB_CANCELLED;
    f.printer_id = w->b;
    assert_int_equal(job_stats_history(&w->f->c, &f, 50, 0, &p, &n), 0);
    assert_true(n == 2 && p[0].id == w->p4 && p[1].id == w->p3);

    f.statuses = 1u << JOB_QUEUED;
    assert_int_equal(job_stats_history(&w->f->c, &f, 50, 0, &p, &n), -1);
    assert_int_equal(w->f->c.err.kind, ERR_VALIDATION);
    assert_string_equal(w->f->c.err.fields[0].name, "status");
}

static void
test_helpers(void **state)
{
    struct job_stats_printer p = {0};

    (void)state;
    assert_int_equal(job_stats_day_start(D + DAY - 1), D);
    assert_int_equal(job_stats_day_start(D), D);
    assert_int_equal(job_stats_day_start(-1), -DAY);
    p.completed = 1;
    p.failed = 1;
    assert_int_equal(job_stats_success_percent(&p), 50);
    p.completed = 2;
    assert_int_equal(job_stats_success_percent(&p), 67);
    p.busy_seconds = 2 * DAY;
    assert_int_equal(job_stats_busy_percent(&p, DAY), 100); /* capped */
    p.busy_seconds = DAY / 2;
    assert_int_equal(job_stats_busy_percent(&p, DAY), 50);
    assert_int_equal(job_stats_busy_percent(&p, 0), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_range_days_and_totals, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_range_printers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_materials_and_ratios, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_range_empty_and_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_history_order_and_filters, setup,
                                        teardown),
        cmocka_unit_test(test_helpers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
