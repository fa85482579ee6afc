/*
 * test_job — scheduled prints on a fresh migrated database: the status
 * table (every pair), creation (queued vs scheduled, defaults, references
 * that are not the user's, inside a caller's transaction), the chain rule
 * for a queued, scheduled, started and completed parent with positive and
 * negative offsets, transitive re-timing when a parent starts or ends,
 * cycle refusal, edits of started prints, cancel, queue order and material
 * cost; every move of every mover (the user's and the dispatcher's) from
 * every status, with the guard refusing the forbidden ones and each move
 * emitting exactly its event.
 */
#include "domain/job.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "store/db.h"
#include "fixture.h"
#include "domain/printer.h"

#include "base/banned.h"

#define T0 ((int64_t)1800000000) /* a fixed "now" for the arithmetic */

static int64_t
make_printer(struct fixture *f, const char *serial)
{
    int64_t id = fixture_printer(f, serial);

    assert_true(id > 0);
    return id;
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
make_order(struct fixture *f)
{
    int64_t id = 0;

    assert_int_equal(db_get_int(f->c.db, &id,
                                "INSERT INTO orders (user_id, created_at, "
                                "updated_at) VALUES (?, 0, 0) RETURNING id",
                                "i", f->c.user_id),
                     DB_ROW);
    return id;
}

static void
next(struct fixture *f, int64_t now)
{
    fixture_next(f);
    f->c.now = now;
}

static void
base_job(struct job *j, int64_t printer)
{
    job_init(j);
    j->printer_id = printer;
    j->name = "bracket";
    j->file = "a.3mf";
    j->estimated_minutes = 60;
}

static int64_t
create(struct fixture *f, struct job *j)
{
    int64_t id = job_create(&f->c, j);

    assert_true(id > 0);
    next(f, f->c.now);
    return id;
}

static struct job
get(struct fixture *f, int64_t id)
{
    struct job j;

    assert_int_equal(job_get(&f->c, id, &j), 0);
    return j;
}

/* job_update with status to, from a fresh load of id: 0 or the error. */
static int
move(struct fixture *f, int64_t id, const char *to, const char *reason)
{
    struct job j = get(f, id);
    int rc;

    j.status = to;
    if (reason != NULL)
        j.failure_reason = reason;
    rc = job_update(&f->c, &j);
    if (rc < 0) {
        rc = err_http_status(f->c.err.kind);
        assert_false(db_in_transaction(f->c.db));
    }
    next(f, f->c.now);
    return rc;
}

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL || fixture_user(f, "job-a@example.test") <= 0)
        return -1;
    f->c.now = T0;
    make_file(f, "a.3mf");
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static void
test_transition_table(void **state)
{
    /* every allowed pair; all 36 pairs are checked against it */
    static const int ok[][2] = {
        {JOB_QUEUED, JOB_SCHEDULED},  {JOB_QUEUED, JOB_STARTED},
        {JOB_SCHEDULED, JOB_QUEUED},  {JOB_SCHEDULED, JOB_STARTED},
        {JOB_STARTED, JOB_COMPLETED}, {JOB_STARTED, JOB_FAILED},
        {JOB_QUEUED, JOB_CANCELLED},  {JOB_SCHEDULED, JOB_CANCELLED},
    };
    (void)state;
    for (int a = 0; a < JOB__MAX; a++)
        for (int b = 0; b < JOB__MAX; b++) {
            int want = 0;

            for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++)
                if (ok[k][0] == a && ok[k][1] == b)
                    want = 1;
            assert_int_equal(job_transition_allowed(a, b), want);
        }
    assert_int_equal(job_transition_allowed(-1, JOB_QUEUED), 0);
    assert_int_equal(job_transition_allowed(JOB_QUEUED, JOB__MAX), 0);
}

static void
test_status_names_and_mask(void **state)
{
    unsigned m;

    (void)state;
    assert_int_equal(job_status_from_name("started"), JOB_STARTED);
    assert_int_equal(job_status_from_name("Started"), -1);
    assert_int_equal(job_status_from_name(NULL), -1);
    assert_int_equal(job_status_mask("queued,failed", &m), 0);
    assert_int_equal(m, 1u << JOB_QUEUED | 1u << JOB_FAILED);
    assert_int_equal(job_status_mask("cancelled", &m), 0);
    assert_int_equal(m, 1u << JOB_CANCELLED);
    assert_int_equal(job_status_mask("queued,nope", &m), -1);
    assert_int_equal(job_status_mask("", &m), -1);
    assert_int_equal(job_status_mask("queued,", &m), -1);
    assert_int_equal(job_status_mask("queue", &m), -1);
}

static void
test_chain_arithmetic(void **state)
{
    struct job p;

    (void)state;
    job_init(&p);
    p.estimated_minutes = 90;
    /* queued parent: now + its estimate */
    assert_true(job_chain_start(&p, 0, T0) == T0 + 90 * 60);
    assert_true(job_chain_start(&p, 15, T0) == T0 + 105 * 60);
    assert_true(job_chain_start(&p, -30, T0) == T0 + 60 * 60);
    /* scheduled parent: its scheduled start + estimate */
    p.scheduled_at = T0 + 1000;
    assert_true(job_chain_start(&p, 10, T0) == T0 + 1000 + 100 * 60);
    /* started parent: the actual start wins over the plan */
    p.started_at = T0 - 600;
    assert_true(job_chain_start(&p, 0, T0) == T0 - 600 + 90 * 60);
    assert_true(job_chain_start(&p, -100, T0) == T0 - 600 - 10 * 60);
    /* ended parent: its actual end, whatever the estimate said */
    p.completed_at = T0 + 77;
    assert_true(job_chain_start(&p, 0, T0) == T0 + 77);
    assert_true(job_chain_start(&p, 5, T0) == T0 + 77 + 300);
    assert_true(job_chain_start(&p, -5, T0) == T0 + 77 - 300);
}

static void
test_create_defaults_and_status(void **state)
{
    struct fixture *f = *state;
    int64_t pr = make_printer(f, "SERC1");
    struct job j, g;
    int64_t id;

    next(f, T0);
    base_job(&j, pr);
    id = create(f, &j);
    g = get(f, id);
    assert_string_equal(g.status, "queued");
    assert_true(g.scheduled_at == DB_NULL);
    assert_int_equal(g.plate, 1);
    assert_int_equal(g.priority, 0);
    assert_int_equal(g.speed_level, 2);
    assert_int_equal(g.chain_offset_minutes, 0);
    assert_true(g.material_cost == DB_NULL);
    assert_true(g.created_at == T0);

    base_job(&j, DB_NULL);
    j.scheduled_at = T0 + 3600;
    id = create(f, &j);
    g = get(f, id);
    assert_string_equal(g.status, "scheduled");
    assert_true(g.scheduled_at == T0 + 3600);
    assert_true(g.printer_id == DB_NULL);
}

static void
test_create_chained_ignores_given_time(void **state)
{
    struct fixture *f = *state;
    struct job j, g;
    int64_t parent, kid, q;

    next(f, T0);
    base_job(&j, DB_NULL);
    j.scheduled_at = T0 + 100;
    j.estimated_minutes = 30;
    parent = create(f, &j);

    base_job(&j, DB_NULL);
    j.chain_after_id = parent;
    j.chain_offset_minutes = -10;
    j.scheduled_at = T0 + 999999; /* ignored */
    kid = create(f, &j);
    g = get(f, kid);
    assert_string_equal(g.status, "scheduled");
    assert_true(g.scheduled_at == T0 + 100 + 20 * 60);

    /* chained after a queued parent: from now */
    base_job(&j, DB_NULL);
    j.estimated_minutes = 45;
    q = create(f, &j);
    base_job(&j, DB_NULL);
    j.chain_after_id = q;
    j.chain_offset_minutes = 5;
    kid = create(f, &j);
    g = get(f, kid);
    assert_string_equal(g.status, "scheduled");
    assert_true(g.scheduled_at == T0 + 50 * 60);
}

static void
test_create_refuses_foreign_references(void **state)
{
    struct fixture *f = *state;
    int64_t mine_printer = make_printer(f, "SERA1");
    int64_t other_printer, other_order, other_print, uid = f->c.user_id;
    struct job j;

    (void)mine_printer;
    /* a second user with a printer, an order, a file and a print */
    assert_true(fixture_user(f, "job-b@example.test") > 0);
    other_printer = make_printer(f, "SERB1");
    other_order = make_order(f);
    make_file(f, "b.3mf");
    base_job(&j, other_printer);
    j.file = "b.3mf";
    other_print = create(f, &j);

    f->c.user_id = uid;
    next(f, T0);
    base_job(&j, other_printer);
    j.file = "b.3mf";
    j.chain_after_id = other_print;
    j.order_id = other_order;
    assert_true(job_create(&f->c, &j) < 0);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_int_equal(f->c.err.nfields, 4);
    assert_string_equal(f->c.err.fields[0].name, "printer_id");
    assert_string_equal(f->c.err.fields[1].name, "file");
    assert_string_equal(f->c.err.fields[2].name, "order_id");
    assert_string_equal(f->c.err.fields[3].name, "chain_after_id");
    assert_false(db_in_transaction(f->c.db));
    next(f, T0);

    /* the other user's print stays invisible */
    assert_int_equal(job_get(&f->c, other_print, &j), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    next(f, T0);

    /* out-of-range values from a direct caller */
    base_job(&j, DB_NULL);
    j.estimated_minutes = 0;
    j.speed_level = 5;
    j.name = "";
    assert_true(job_create(&f->c, &j) < 0);
    assert_int_equal(f->c.err.nfields, 3);
    next(f, T0);
}

static void
test_create_inside_callers_transaction(void **state)
{
    struct fixture *f = *state;
    struct job j;
    int64_t a, b, n = 0;

    next(f, T0);
    assert_int_equal(db_begin(f->c.db), 0);
    base_job(&j, DB_NULL);
    j.scheduled_at = T0;
    a = job_create(&f->c, &j);
    assert_true(a > 0);
    assert_true(db_in_transaction(f->c.db));
    base_job(&j, DB_NULL);
    j.chain_after_id = a;
    b = job_create(&f->c, &j);
    assert_true(b > 0);
    assert_true(db_in_transaction(f->c.db));
    db_rollback(f->c.db);
    /* rolled back with the caller's transaction */
    assert_int_equal(db_get_int(f->c.db, &n,
                                "SELECT COUNT(*) FROM scheduled_prints "
                                "WHERE id IN (?, ?)",
                                "ii", a, b),
                     DB_ROW);
    assert_int_equal(n, 0);
}

static void
test_every_transition_through_update(void **state)
{
    struct fixture *f = *state;
    static const char *const names[] = {"queued",    "scheduled", "started",
                                        "completed", "failed",    "cancelled"};

    /* for each pair: bring a print to `from`, then try `to` */
    for (int a = 0; a < JOB__MAX; a++)
        for (int b = 0; b < JOB__MAX; b++) {
            struct job j;
            int64_t id;
            int rc;

            if (a == b)
                continue;
            next(f, T0);
            base_job(&j, DB_NULL);
            if (a != JOB_QUEUED)
                j.scheduled_at = T0 + 60;
            id = create(f, &j);
            if (a == JOB_STARTED || a == JOB_COMPLETED || a == JOB_FAILED)
                assert_int_equal(move(f, id, "started", NULL), 0);
            if (a == JOB_COMPLETED)
                assert_int_equal(move(f, id, "completed", NULL), 0);
            if (a == JOB_FAILED)
                assert_int_equal(move(f, id, "failed", "jam"), 0);
            if (a == JOB_CANCELLED)
                assert_int_equal(move(f, id, "cancelled", NULL), 0);
            assert_string_equal(get(f, id).status, names[a]);

            rc = move(f, id, names[b], b == JOB_FAILED ? "spaghetti" : NULL);
            if (job_transition_allowed(a, b)) {
                struct job g;

                /* queued -> scheduled needs a time: the print has none */
                if (a == JOB_QUEUED && b == JOB_SCHEDULED) {
                    assert_int_equal(rc, 422);
                    continue;
                }
                assert_int_equal(rc, 0);
                g = get(f, id);
                assert_string_equal(g.status, names[b]);
            } else {
                assert_int_equal(rc, 409);
                assert_string_equal(get(f, id).status, names[a]);
            }
        }
}

static void
test_transition_side_effects(void **state)
{
    struct fixture *f = *state;
    struct job j, g;
    int64_t id;

    next(f, T0);
    base_job(&j, DB_NULL);
    id = create(f, &j);

    /* queued -> scheduled with a time in the same update */
    g = get(f, id);
    g.status = "scheduled";
    g.scheduled_at = T0 + 500;
    assert_int_equal(job_update(&f->c, &g), 0);
    next(f, T0);
    assert_string_equal(get(f, id).status, "scheduled");

    /* scheduled -> queued clears the time */
    assert_int_equal(move(f, id, "queued", NULL), 0);
    g = get(f, id);
    assert_true(g.scheduled_at == DB_NULL);

    /* a time alone schedules; null alone queues */
    g.scheduled_at = T0 + 700;
    assert_int_equal(job_update(&f->c, &g), 0);
    next(f, T0);
    g = get(f, id);
    assert_string_equal(g.status, "scheduled");
    g.scheduled_at = DB_NULL;
    assert_int_equal(job_update(&f->c, &g), 0);
    next(f, T0);
    assert_string_equal(get(f, id).status, "queued");

    /* progress only on a started print */
    g = get(f, id);
    g.progress_percent = 10;
    assert_int_equal(job_update(&f->c, &g), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);

    next(f, T0 + 10);
    assert_int_equal(move(f, id, "started", NULL), 0);
    g = get(f, id);
    assert_true(g.started_at == T0 + 10);
    assert_int_equal(g.progress_percent, 0);
    g.progress_percent = 40;
    assert_int_equal(job_update(&f->c, &g), 0);
    next(f, T0 + 10);
    assert_int_equal(get(f, id).progress_percent, 40);

    /* editing a started print: 409, nothing written */
    g = get(f, id);
    g.name = "renamed";
    assert_int_equal(job_update(&f->c, &g), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    next(f, T0 + 10);
    assert_string_equal(get(f, id).name, "bracket");

    /* failed needs a reason */
    assert_int_equal(move(f, id, "failed", NULL), 422);
    assert_int_equal(move(f, id, "failed", ""), 422);
    next(f, T0 + 99);
    assert_int_equal(move(f, id, "failed", "nozzle clog"), 0);
    g = get(f, id);
    assert_true(g.completed_at == T0 + 99);
    assert_string_equal(g.failure_reason, "nozzle clog");

    /* completed sets completed_at and progress */
    next(f, T0);
    base_job(&j, DB_NULL);
    id = create(f, &j);
    assert_int_equal(move(f, id, "started", NULL), 0);
    next(f, T0 + 3000);
    assert_int_equal(move(f, id, "completed", NULL), 0);
    g = get(f, id);
    assert_true(g.completed_at == T0 + 3000);
    assert_int_equal(g.progress_percent, 100);

    /* a reason without a failure */
    next(f, T0);
    base_job(&j, DB_NULL);
    id = create(f, &j);
    g = get(f, id);
    g.failure_reason = "why";
    assert_int_equal(job_update(&f->c, &g), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    next(f, T0);
}

static void
test_cancel(void **state)
{
    struct fixture *f = *state;
    struct job j;
    int64_t id;

    next(f, T0);
    base_job(&j, DB_NULL);
    id = create(f, &j);
    assert_int_equal(job_cancel(&f->c, id), 0);
    next(f, T0);
    assert_string_equal(get(f, id).status, "cancelled");
    assert_int_equal(job_cancel(&f->c, id), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    next(f, T0);

    base_job(&j, DB_NULL);
    id = create(f, &j);
    assert_int_equal(move(f, id, "started", NULL), 0);
    assert_int_equal(job_cancel(&f->c, id), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    assert_false(db_in_transaction(f->c.db));
    next(f, T0);
    assert_string_equal(get(f, id).status, "started");
    assert_int_equal(job_cancel(&f->c, 999999), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    next(f, T0);
}

static void
test_transitive_retiming(void **state)
{
    struct fixture *f = *state;
    struct job j;
    int64_t a, b, c, d;

    /* a (60 min, at T0+3600) <- b (+10, 30 min) <- c (-5, 20 min); d is
     * chained after a too, and stays put once started */
    next(f, T0);
    base_job(&j, DB_NULL);
    j.scheduled_at = T0 + 3600;
    a = create(f, &j);
    base_job(&j, DB_NULL);
    j.chain_after_id = a;
    j.chain_offset_minutes = 10;
    j.estimated_minutes = 30;
    b = create(f, &j);
    base_job(&j, DB_NULL);
    j.chain_after_id = b;
    j.chain_offset_minutes = -5;
    j.estimated_minutes = 20;
    c = create(f, &j);
    base_job(&j, DB_NULL);
    j.chain_after_id = c;
    d = create(f, &j);
    assert_true(get(f, b).scheduled_at == T0 + 3600 + 70 * 60);
    assert_true(get(f, c).scheduled_at == T0 + 3600 + 70 * 60 + 25 * 60);
    assert_true(get(f, d).scheduled_at == T0 + 3600 + 95 * 60 + 20 * 60);

    /* a starts 50 minutes early */
    next(f, T0 + 600);
    assert_int_equal(move(f, a, "started", NULL), 0);
    assert_true(get(f, b).scheduled_at == T0 + 600 + 70 * 60);
    assert_true(get(f, c).scheduled_at == T0 + 600 + 95 * 60);
    assert_true(get(f, d).scheduled_at == T0 + 600 + 115 * 60);

    /* a ends late: its actual end counts, the estimate no longer */
    next(f, T0 + 600 + 200 * 60);
    assert_int_equal(move(f, a, "completed", NULL), 0);
    assert_true(get(f, b).scheduled_at == T0 + 600 + 210 * 60);
    assert_true(get(f, c).scheduled_at == T0 + 600 + 235 * 60);

    /* c starts on its own; b's later move leaves c alone but d follows c */
    next(f, T0 + 20000);
    assert_int_equal(move(f, c, "started", NULL), 0);
    assert_true(get(f, d).scheduled_at == T0 + 20000 + 20 * 60);
    next(f, T0 + 30000);
    assert_int_equal(move(f, b, "started", NULL), 0);
    assert_true(get(f, c).started_at == T0 + 20000);
    assert_true(get(f, d).scheduled_at == T0 + 20000 + 20 * 60);
    assert_string_equal(get(f, d).status, "scheduled");

    /* moving a parent's planned start moves its chain too */
    next(f, T0);
    base_job(&j, DB_NULL);
    j.scheduled_at = T0;
    a = create(f, &j);
    base_job(&j, DB_NULL);
    j.chain_after_id = a;
    b = create(f, &j);
    j = get(f, a);
    j.scheduled_at = T0 + 7200;
    assert_int_equal(job_update(&f->c, &j), 0);
    next(f, T0);
    assert_true(get(f, b).scheduled_at == T0 + 7200 + 3600);
}

static void
test_cycles_refused(void **state)
{
    struct fixture *f = *state;
    struct job j;
    int64_t a, b, c;

    next(f, T0);
    base_job(&j, DB_NULL);
    j.scheduled_at = T0;
    a = create(f, &j);
    base_job(&j, DB_NULL);
    j.chain_after_id = a;
    b = create(f, &j);
    base_job(&j, DB_NULL);
    j.chain_after_id = b;
    c = create(f, &j);

    j = get(f, a);
    j.chain_after_id = a;
    assert_int_equal(job_update(&f->c, &j), -1);
    assert_string_equal(f->c.err.fields[0].name, "chain_after_id");
    next(f, T0);
    j = get(f, a);
    j.chain_after_id = c;
    assert_int_equal(job_update(&f->c, &j), -1);
    assert_string_equal(f->c.err.fields[0].name, "chain_after_id");
    next(f, T0);
    assert_true(get(f, a).chain_after_id == DB_NULL);

    /* re-chaining c after a (not a cycle) re-times it */
    j = get(f, c);
    j.chain_after_id = a;
    j.chain_offset_minutes = 1;
    assert_int_equal(job_update(&f->c, &j), 0);
    next(f, T0);
    assert_true(get(f, c).scheduled_at == T0 + 3600 + 60);

    /* moving a chained print to queued detaches it */
    assert_int_equal(move(f, c, "queued", NULL), 0);
    j = get(f, c);
    assert_true(j.chain_after_id == DB_NULL);
    assert_true(j.scheduled_at == DB_NULL);
}

static void
test_queue_order_and_cost(void **state)
{
    struct fixture *f = *state;
    int64_t pr = make_printer(f, "SERQ1"), other = make_printer(f, "SERQ2");
    int64_t id[8], recorded;
    struct job j, *q;
    int n;

    assert_int_equal(db_exec(f->c.db,
                             "INSERT INTO materials (printer_id, slot, "
                             "material_type, cost_per_kg, created_at, "
                             "updated_at) VALUES (?, 2, 'PLA', 2499, 0, 0)",
                             "i", pr),
                     DB_DONE);
    /* created at T0 .. T0+6 so created_at breaks ties */
    for (int i = 0; i < 7; i++) {
        next(f, T0 + i);
        base_job(&j, pr);
        j.priority = (i == 2 || i == 5) ? 10 : 0;
        if (i == 3)
            j.scheduled_at = T0 - 100; /* earlier effective start */
        if (i == 6)
            j.scheduled_at = T0 + 1; /* same as #1's created_at */
        j.material_slot = 2;
        j.grams = 3 + i * 10; /* 3 g x 24.99/kg = 0.07497 -> 0.07 */
        id[i] = create(f, &j);
    }
    next(f, T0 + 50);
    base_job(&j, other);
    id[7] = create(f, &j);
    assert_int_equal(move(f, id[4], "started", NULL), 0);
    assert_int_equal(move(f, id[0], "cancelled", NULL), 0);

    assert_int_equal(job_queue(&f->c, pr, 100, 0, &q, &n), 0);
    /* started first; then priority 10 (2 before 5 by created_at); then
     * priority 0 by effective start: #3 (T0-100), #1 (T0+1) and #6 (T0+1,
     * higher id) */
    assert_int_equal(n, 6);
    assert_true(q[0].id == id[4]);
    assert_true(q[1].id == id[2]);
    assert_true(q[2].id == id[5]);
    assert_true(q[3].id == id[3]);
    assert_true(q[4].id == id[1]);
    assert_true(q[5].id == id[6]);
    /* cost: grams x 2499 / 1000, half up: 33 g -> 82.467 -> 82 cents;
     * 23 g -> 57.477 -> 57; 53 g -> 132.447 -> 132 */
    assert_true(q[4].material_cost == 32); /* 13 g -> 32.487 */
    assert_true(q[1].material_cost == 57); /* 23 g */
    assert_true(q[3].material_cost == 82); /* 33 g */

    assert_int_equal(job_queue(&f->c, pr, 2, 2, &q, &n), 0);
    assert_int_equal(n, 2);
    assert_true(q[0].id == id[5]);
    next(f, T0 + 50);

    /* a recorded cost wins; an unknown slot is null */
    recorded = 12345;
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE scheduled_prints SET material_cost = ? "
                             "WHERE id = ?",
                             "ii", recorded, id[3]),
                     DB_DONE);
    assert_true(get(f, id[3]).material_cost == recorded);
    j = get(f, id[1]);
    j.material_slot = 5;
    assert_int_equal(job_update(&f->c, &j), 0);
    next(f, T0 + 50);
    assert_true(get(f, id[1]).material_cost == DB_NULL);

    /* rounding half up: 200 g at 2499 -> 499.8 -> 500 */
    j = get(f, id[1]);
    j.material_slot = 2;
    j.grams = 200;
    assert_int_equal(job_update(&f->c, &j), 0);
    next(f, T0 + 50);
    assert_true(get(f, id[1]).material_cost == 500);

    /* another user's printer is not found */
    assert_true(fixture_user(f, "job-q@example.test") > 0);
    assert_int_equal(job_queue(&f->c, pr, 100, 0, &q, &n), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
}

static void
test_list_filters(void **state)
{
    struct fixture *f = *state;
    int64_t pr = make_printer(f, "SERL1"), order = make_order(f);
    struct job_filter flt;
    struct job j, *l;
    int64_t a, b, c;
    int n;

    next(f, T0);
    base_job(&j, pr);
    a = create(f, &j);
    base_job(&j, DB_NULL);
    j.order_id = order;
    b = create(f, &j);
    base_job(&j, DB_NULL);
    c = create(f, &j);
    assert_int_equal(move(f, c, "cancelled", NULL), 0);

    memset(&flt, 0, sizeof(flt));
    assert_int_equal(job_list(&f->c, &flt, 100, 0, &l, &n), 0);
    assert_true(n >= 3);
    assert_true(l[0].id == c && l[1].id == b && l[2].id == a);
    flt.unassigned = 1;
    assert_int_equal(job_list(&f->c, &flt, 100, 0, &l, &n), 0);
    for (int i = 0; i < n; i++) {
        assert_true(l[i].printer_id == DB_NULL);
        assert_true(l[i].id != c);
    }
    memset(&flt, 0, sizeof(flt));
    flt.order_id = order;
    assert_int_equal(job_list(&f->c, &flt, 100, 0, &l, &n), 0);
    assert_int_equal(n, 1);
    assert_true(l[0].id == b);
    memset(&flt, 0, sizeof(flt));
    flt.printer_id = pr;
    assert_int_equal(job_list(&f->c, &flt, 100, 0, &l, &n), 0);
    assert_int_equal(n, 1);
    assert_true(l[0].id == a);
    memset(&flt, 0, sizeof(flt));
    flt.statuses = 1u << JOB_CANCELLED;
    assert_int_equal(job_list(&f->c, &flt, 100, 0, &l, &n), 0);
    for (int i = 0; i < n; i++)
        assert_string_equal(l[i].status, "cancelled");
    assert_true(n >= 1);
}

/* ---- every move through the job module, the dispatcher's included ---- */

enum mover {
    MV_START,     /* job_mark_started */
    MV_COMPLETE,  /* job_finish(completed) */
    MV_FAIL,      /* job_finish(failed) */
    MV_CANCEL_PR, /* job_finish(cancelled): a cancel on the printer */
    MV_REQUEUE,   /* job_requeue */
    MV_CANCEL,    /* job_cancel: the user's */
    MV__MAX
};

/* What each mover does from an allowed status: the status it leaves and
 * the one event it emits. */
static const struct {
    int to;
    const char *event;
    unsigned by;
} movers[MV__MAX] = {
    [MV_START] = {JOB_STARTED, "print_started", JOB_BY_DISPATCHER},
    [MV_COMPLETE] = {JOB_COMPLETED, "print_completed", JOB_BY_DISPATCHER},
    [MV_FAIL] = {JOB_FAILED, "print_failed", JOB_BY_DISPATCHER},
    [MV_CANCEL_PR] = {JOB_CANCELLED, "print_cancelled", JOB_BY_DISPATCHER},
    [MV_REQUEUE] = {JOB_QUEUED, "print_start_refused", JOB_BY_DISPATCHER},
    [MV_CANCEL] = {JOB_CANCELLED, "print_cancelled", JOB_BY_USER},
};

/* Runs mover m on id: 1 moved, 0 refused, -1. */
static int
run_mover(struct fixture *f, int m, int64_t id)
{
    switch (m) {
    case MV_START:
        return job_mark_started(&f->c, id, 2);
    case MV_COMPLETE:
        return job_finish(&f->c, id, JOB_COMPLETED, NULL, 123);
    case MV_FAIL:
        return job_finish(&f->c, id, JOB_FAILED, "nozzle clog", DB_NULL);
    case MV_CANCEL_PR:
        return job_finish(&f->c, id, JOB_CANCELLED, "cancelled on the printer",
                          DB_NULL);
    case MV_REQUEUE:
        return job_requeue(&f->c, id, "the printer refused the start", 1);
    default:
        if (job_cancel(&f->c, id) == 0)
            return 1;
        /* a refused cancel is a 409 and leaves no transaction open */
        assert_int_equal(f->c.err.kind, ERR_CONFLICT);
        assert_false(db_in_transaction(f->c.db));
        return 0;
    }
}

/* The events of print id as "kind:detail;..." */
static const char *
events_of(struct fixture *f, int64_t id, char *buf, size_t n)
{
    struct db_stmt *st = db_query(f->c.db,
                                  "SELECT kind, detail FROM events WHERE "
                                  "print_id = ? ORDER BY id",
                                  "i", id);
    size_t k = 0;

    assert_non_null(st);
    buf[0] = '\0';
    while (db_step(st) == DB_ROW) {
        const char *text = db_text(st, 1);
        struct json_object *o = text ? json_tokener_parse(text) : NULL, *d;
        const char *s = o != NULL && json_object_object_get_ex(o, "detail", &d)
                            ? json_object_get_string(d)
                            : NULL;

        k += (size_t)snprintf(buf + k, n - k, "%s:%s;", db_text(st, 0),
                              s ? s : "");
        json_object_put(o);
        assert_true(k < n);
    }
    return buf;
}

static int64_t
print_in(struct fixture *f, int64_t printer, int status)
{
    struct job j;
    int64_t id;

    next(f, T0);
    base_job(&j, printer);
    id = create(f, &j);
    /* the test puts the row in place; the module under test moves it */
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE scheduled_prints SET status = ? "
                             "WHERE id = ?",
                             "ti", job_status_names[status], id),
                     DB_DONE);
    return id;
}

static void
test_every_move_through_the_job_module(void **state)
{
    struct fixture *f = *state;
    int64_t printer = make_printer(f, "MOVES01");

    for (int m = 0; m < MV__MAX; m++)
        for (int from = 0; from < JOB__MAX; from++) {
            int64_t id = print_in(f, printer, from);
            int ok = job_move_allowed(from, movers[m].to, movers[m].by);
            char before[256], after[256], ev[256], want[256];
            int rc;

            snprintf(before, sizeof before, "%s", get(f, id).status);
            rc = run_mover(f, m, id);
            assert_int_equal(rc, ok);
            next(f, T0);
            snprintf(after, sizeof after, "%s", get(f, id).status);
            events_of(f, id, ev, sizeof ev);
            if (!ok) {
                /* the guard refused: row and events untouched */
                assert_string_equal(after, before);
                assert_string_equal(ev, "");
                continue;
            }
            assert_string_equal(after, job_status_names[movers[m].to]);
            assert_string_equal(job_move_event(from, movers[m].to),
                                movers[m].event);
            snprintf(want, sizeof want, "%s:%s;", movers[m].event,
                     m == MV_FAIL         ? "nozzle clog"
                     : m == MV_CANCEL_PR  ? "cancelled on the printer"
                     : m == MV_REQUEUE    ? "the printer refused the start"
                                          : "");
            assert_string_equal(ev, want);
        }
}

/* The dispatcher's moves beyond the user's, in the one table. */
static void
test_dispatcher_moves_in_the_table(void **state)
{
    (void)state;
    assert_true(job_move_allowed(JOB_STARTED, JOB_CANCELLED,
                                 JOB_BY_DISPATCHER));
    assert_false(job_move_allowed(JOB_STARTED, JOB_CANCELLED, JOB_BY_USER));
    assert_true(job_move_allowed(JOB_STARTED, JOB_QUEUED, JOB_BY_DISPATCHER));
    assert_true(
        job_move_allowed(JOB_STARTED, JOB_SCHEDULED, JOB_BY_DISPATCHER));
    assert_false(job_move_allowed(JOB_STARTED, JOB_QUEUED, JOB_BY_USER));
    assert_false(job_move_allowed(JOB_QUEUED, JOB_SCHEDULED,
                                  JOB_BY_DISPATCHER));
    assert_false(job_move_allowed(JOB_QUEUED, JOB_CANCELLED,
                                  JOB_BY_DISPATCHER));
    for (int a = 0; a < JOB__MAX; a++)
        assert_false(job_move_allowed(JOB_COMPLETED, a, JOB_BY_USER |
                                                            JOB_BY_DISPATCHER));
    assert_null(job_move_event(JOB_QUEUED, JOB_SCHEDULED));
    assert_null(job_move_event(JOB_COMPLETED, JOB_FAILED));
}

/* A scheduled print goes back to scheduled; a refusal past the limit
 * fails the print with print_failed; a refusal that does not count
 * (Developer Mode) gives the attempt back. */
static void
test_requeue_rules(void **state)
{
    struct fixture *f = *state;
    int64_t printer = make_printer(f, "REQ01");
    struct job j;
    int64_t id, n = -1;
    char ev[256];

    next(f, T0);
    base_job(&j, printer);
    j.scheduled_at = T0 - 60;
    id = create(f, &j);
    assert_int_equal(job_mark_started(&f->c, id, DB_NULL), 1);
    assert_int_equal(job_requeue(&f->c, id, "devmode", 0), 1);
    assert_string_equal(get(f, id).status, "scheduled");
    assert_int_equal(db_get_int(f->c.db, &n,
                                "SELECT dispatch_attempts FROM "
                                "scheduled_prints WHERE id = ?",
                                "i", id),
                     DB_ROW);
    assert_int_equal(n, 0);
    for (int k = 0; k < JOB_START_ATTEMPTS_MAX; k++) {
        assert_int_equal(job_mark_started(&f->c, id, DB_NULL), 1);
        assert_int_equal(job_requeue(&f->c, id, "refused", 1), 1);
    }
    assert_string_equal(get(f, id).status, "failed");
    assert_string_equal(get(f, id).failure_reason, "refused");
    events_of(f, id, ev, sizeof ev);
    assert_string_equal(ev, "print_started:;print_start_refused:devmode;"
                            "print_started:;print_start_refused:refused;"
                            "print_started:;print_start_refused:refused;"
                            "print_started:;print_failed:refused;");
    /* nothing left to requeue */
    assert_int_equal(job_requeue(&f->c, id, "again", 1), 0);
}

/* The user's moves through job_update emit the same events; a move with
 * none (queued <-> scheduled) emits nothing. */
static void
test_update_emits_events(void **state)
{
    struct fixture *f = *state;
    int64_t printer = make_printer(f, "UPD01");
    struct job j;
    int64_t a, b;
    char ev[256];

    next(f, T0);
    base_job(&j, printer);
    a = create(f, &j);
    base_job(&j, printer);
    b = create(f, &j);
    assert_int_equal(move(f, a, "started", NULL), 0);
    assert_int_equal(move(f, a, "failed", "warped corner"), 0);
    assert_string_equal(events_of(f, a, ev, sizeof ev),
                        "print_started:;print_failed:warped corner;");
    assert_int_equal(move(f, b, "cancelled", NULL), 0);
    assert_string_equal(events_of(f, b, ev, sizeof ev), "print_cancelled:;");
    base_job(&j, printer);
    j.scheduled_at = T0 + 60;
    a = create(f, &j);
    assert_int_equal(move(f, a, "queued", NULL), 0);
    assert_string_equal(events_of(f, a, ev, sizeof ev), "");
}

/* A retry queues a new copy of a failed print with everything it prints
 * with; the failed one stays failed; anything but a failed print is 409,
 * another user's 404. */
static void
test_retry(void **state)
{
    struct fixture *f = *state;
    int64_t printer = make_printer(f, "RTY01"), order = make_order(f);
    struct job j, copy, parent;
    int64_t a, id;

    next(f, T0);
    base_job(&parent, printer);
    parent.scheduled_at = T0 + 3600;
    parent.id = create(f, &parent);
    base_job(&j, printer);
    j.name = "retry me";
    j.plate = 3;
    j.priority = 7;
    j.estimated_minutes = 95;
    j.order_id = order;
    j.nozzle_temp = 220;
    j.bed_temp = 60;
    j.speed_level = 3;
    j.material_slot = 2;
    j.material_type = "PETG";
    j.color = "#112233";
    j.grams = 42;
    j.chain_after_id = parent.id;
    a = create(f, &j);
    /* not failed yet: refused */
    assert_int_equal(job_retry(&f->c, a), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    next(f, T0);
    assert_int_equal(move(f, a, "started", NULL), 0);
    assert_int_equal(move(f, a, "failed", "spaghetti"), 0);

    id = job_retry(&f->c, a);
    assert_true(id > a);
    next(f, T0);
    copy = get(f, id);
    assert_string_equal(copy.status, "queued");
    assert_int_equal(copy.printer_id, printer);
    assert_string_equal(copy.name, "retry me");
    assert_string_equal(copy.file, "a.3mf");
    assert_int_equal(copy.plate, 3);
    assert_int_equal(copy.priority, 7);
    assert_int_equal(copy.estimated_minutes, 95);
    assert_int_equal(copy.order_id, order);
    assert_int_equal(copy.nozzle_temp, 220);
    assert_int_equal(copy.bed_temp, 60);
    assert_int_equal(copy.speed_level, 3);
    assert_int_equal(copy.material_slot, 2);
    assert_string_equal(copy.material_type, "PETG");
    assert_string_equal(copy.color, "#112233");
    assert_int_equal(copy.grams, 42);
    /* a fresh start: no time, no chain, nothing of the failed run */
    assert_int_equal(copy.scheduled_at, DB_NULL);
    assert_int_equal(copy.chain_after_id, DB_NULL);
    assert_int_equal(copy.started_at, DB_NULL);
    assert_null(copy.failure_reason);
    assert_string_equal(get(f, a).status, "failed");
    assert_string_equal(get(f, a).failure_reason, "spaghetti");

    /* another user's failed print is not found */
    assert_true(fixture_user(f, "job-b@example.test") > 0);
    assert_int_equal(job_retry(&f->c, a), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
}

/* A queued or scheduled print moves between printers and to "any
 * printer" through job_update; a started one does not; a printer that is
 * not the user's is a 422 naming printer_id. */
static void
test_move_to(void **state)
{
    struct fixture *f = *state;
    int64_t p1 = make_printer(f, "MOV01"), p2 = make_printer(f, "MOV02");
    struct job j;
    int64_t a, theirs, owner;

    next(f, T0);
    base_job(&j, p1);
    j.scheduled_at = T0 + 600;
    a = create(f, &j);
    assert_int_equal(job_move_to(&f->c, a, p2), 0);
    next(f, T0);
    assert_int_equal(get(f, a).printer_id, p2);
    assert_string_equal(get(f, a).status, "scheduled");
    assert_int_equal(get(f, a).scheduled_at, T0 + 600);
    assert_int_equal(job_move_to(&f->c, a, DB_NULL), 0);
    next(f, T0);
    assert_int_equal(get(f, a).printer_id, DB_NULL);

    owner = f->c.user_id;
    assert_true(fixture_user(f, "job-c@example.test") > 0);
    theirs = make_printer(f, "MOV03");
    f->c.user_id = owner;
    next(f, T0);
    assert_int_equal(job_move_to(&f->c, a, theirs), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_int_equal(f->c.err.nfields, 1);
    assert_string_equal(f->c.err.fields[0].name, "printer_id");
    next(f, T0);
    assert_int_equal(get(f, a).printer_id, DB_NULL);

    assert_int_equal(job_move_to(&f->c, a, p1), 0);
    next(f, T0);
    assert_int_equal(move(f, a, "started", NULL), 0);
    assert_int_equal(job_move_to(&f->c, a, p2), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    next(f, T0);
    assert_int_equal(get(f, a).printer_id, p1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_status_names_and_mask),
        cmocka_unit_test(test_chain_arithmetic),
        cmocka_unit_test_setup_teardown(test_create_defaults_and_status, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_create_chained_ignores_given_time,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_refuses_foreign_references,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_inside_callers_transaction,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_transition_through_update,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_transition_side_effects, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transitive_retiming, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cycles_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_order_and_cost, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_move_through_the_job_module,
                                        setup, teardown),
        cmocka_unit_test(test_dispatcher_moves_in_the_table),
        cmocka_unit_test_setup_teardown(test_requeue_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_emits_events, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_to, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
