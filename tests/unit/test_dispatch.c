/*
 * test_dispatch — the dispatcher's pure decisions, without printers: the
 * pushall intervals, when a printer may start, strict head-of-queue, the
 * material check (slot, type/colour, grams), which printer gets an
 * unassigned print, and what a report means for our started print; and,
 * on a real database, that one printer whose step fails rolls back only
 * its own writes.
 */
#include "dispatch/dispatch.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/db.h"
#include "fixture.h"

#include "base/banned.h"

#define NOW 1700000000

static struct dispatch_printer
idle_printer(int64_t id)
{
    struct dispatch_printer p;

    memset(&p, 0, sizeof p);
    p.id = id;
    p.user_id = 1;
    p.online = 1;
    p.gcode_state = BAMBU_GS_IDLE;
    for (int i = 0; i < BAMBU_SLOTS; i++)
        p.slots[i].remaining_grams = DB_NULL;
    return p;
}

static void
load(struct dispatch_printer *p, int slot, const char *type, const char *color,
     int64_t grams)
{
    p->slots[slot].present = 1;
    snprintf(p->slots[slot].type, sizeof p->slots[slot].type, "%s", type);
    snprintf(p->slots[slot].color, sizeof p->slots[slot].color, "%s", color);
    p->slots[slot].remaining_grams = grams;
}

static struct dispatch_job
job(int64_t id)
{
    struct dispatch_job j;

    memset(&j, 0, sizeof j);
    j.id = id;
    j.user_id = 1;
    j.printer_id = DB_NULL;
    j.scheduled_at = DB_NULL;
    j.material_slot = DB_NULL;
    j.grams = DB_NULL;
    return j;
}

static void
test_pushall_intervals(void **state)
{
    (void)state;
    assert_int_equal(dispatch_pushall_interval("P1P"), 300);
    assert_int_equal(dispatch_pushall_interval("P1S"), 60);
    assert_int_equal(dispatch_pushall_interval("A1"), 60);
    assert_int_equal(dispatch_pushall_interval("A1M"), 60);
    assert_int_equal(dispatch_pushall_interval("X1C"), 10);
    assert_int_equal(dispatch_pushall_interval("other"), 10);
    assert_int_equal(dispatch_pushall_interval(NULL), 10);
}

static void
test_can_start(void **state)
{
    struct dispatch_printer p = idle_printer(1);
    enum bambu_gcode_state ok[] = {BAMBU_GS_IDLE, BAMBU_GS_FINISH,
                                   BAMBU_GS_FAILED};
    enum bambu_gcode_state busy[] = {BAMBU_GS_PREPARE, BAMBU_GS_RUNNING,
                                     BAMBU_GS_PAUSE,   BAMBU_GS_SLICING,
                                     BAMBU_GS_INIT,    BAMBU_GS_UNKNOWN};

    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        p.gcode_state = ok[i];
        assert_true(dispatch_can_start(&p));
    }
    for (size_t i = 0; i < sizeof busy / sizeof busy[0]; i++) {
        p.gcode_state = busy[i];
        assert_false(dispatch_can_start(&p));
    }
    p = idle_printer(1);
    p.online = 0;
    assert_false(dispatch_can_start(&p));
    p = idle_printer(1);
    p.blocked = 1;
    assert_false(dispatch_can_start(&p));
    p = idle_printer(1);
    p.has_started = 1;
    assert_false(dispatch_can_start(&p));
}

static void
test_head_of_queue_is_strict(void **state)
{
    struct dispatch_job q[2] = {job(1), job(2)};

    (void)state;
    assert_int_equal(dispatch_pick_head(q, 0, NOW), -1);
    assert_int_equal(dispatch_pick_head(q, 2, NOW), 0);
    q[0].scheduled_at = NOW; /* due exactly now */
    assert_int_equal(dispatch_pick_head(q, 2, NOW), 0);
    q[0].scheduled_at = NOW + 60; /* head not due: nothing, not q[1] */
    assert_int_equal(dispatch_pick_head(q, 2, NOW), -1);
}

static void
test_material_slot_needs_enough_grams(void **state)
{
    struct dispatch_printer p = idle_printer(1);
    struct dispatch_job j = job(1);

    (void)state;
    assert_int_equal(dispatch_pick_slot(&p, &j), DISPATCH_SLOT_NONE);
    j.material_slot = 2;
    assert_int_equal(dispatch_pick_slot(&p, &j), DISPATCH_SLOT_LACKING);
    load(&p, 2, "PLA", "#FF0000", 100);
    assert_int_equal(dispatch_pick_slot(&p, &j), 2); /* grams unknown */
    j.grams = 100;
    assert_int_equal(dispatch_pick_slot(&p, &j), 2);
    j.grams = 101;
    assert_int_equal(dispatch_pick_slot(&p, &j), DISPATCH_SLOT_LACKING);
    p.slots[2].remaining_grams = DB_NULL; /* remaining unknown: accepted */
    assert_int_equal(dispatch_pick_slot(&p, &j), 2);
    j.material_slot = 9;
    assert_int_equal(dispatch_pick_slot(&p, &j), DISPATCH_SLOT_LACKING);
}

static void
test_material_type_and_color(void **state)
{
    struct dispatch_printer p = idle_printer(1);
    struct dispatch_job j = job(1);

    (void)state;
    load(&p, 0, "PETG", "#00FF00", 500);
    load(&p, 1, "PLA", "#000000", 10);
    load(&p, 3, "PLA", "#FFFFFF", 500);
    j.material_type = "pla";
    j.grams = 50;
    assert_int_equal(dispatch_pick_slot(&p, &j), 3); /* slot 1 too light */
    j.color = "#000000";
    assert_int_equal(dispatch_pick_slot(&p, &j), DISPATCH_SLOT_LACKING);
    j.grams = 5;
    assert_int_equal(dispatch_pick_slot(&p, &j), 1);
    j.material_type = "ABS";
    j.color = NULL;
    assert_int_equal(dispatch_pick_slot(&p, &j), DISPATCH_SLOT_LACKING);
}

static void
test_assignment_prefers_idle_then_fewest_queued(void **state)
{
    struct dispatch_printer ps[4];
    struct dispatch_job j = job(1);

    (void)state;
    for (int i = 0; i < 4; i++) {
        ps[i] = idle_printer(10 + i);
        load(&ps[i], 0, "PLA", "#FF0000", 1000);
    }
    ps[0].gcode_state = BAMBU_GS_RUNNING; /* busy */
    ps[1].queued = 2;
    ps[2].queued = 1;
    ps[3].queued = 1;
    j.material_type = "PLA";
    j.grams = 10;
    /* idle beats busy; fewest queued; then the lowest id (12 < 13) */
    assert_int_equal(dispatch_pick_printer(&j, ps, 4), 2);
    ps[2].slots[0].present = 0; /* material gone: next best */
    assert_int_equal(dispatch_pick_printer(&j, ps, 4), 3);
    ps[3].user_id = 2; /* another user's printer never gets it */
    assert_int_equal(dispatch_pick_printer(&j, ps, 4), 1);
    ps[1].online = 0;
    ps[1].queued = 0;
    assert_int_equal(dispatch_pick_printer(&j, ps, 4), 0); /* busy one */
    ps[0].blocked = 1;
    assert_int_equal(dispatch_pick_printer(&j, ps, 4), -1);
}

static void
test_assignment_color(void **state)
{
    struct dispatch_printer ps[2] = {idle_printer(1), idle_printer(2)};
    struct dispatch_job j = job(1);

    (void)state;
    load(&ps[0], 0, "PLA", "#FF0000", 1000);
    load(&ps[1], 5, "PLA", "#0000FF", 1000);
    j.material_type = "PLA";
    j.color = "#0000ff";
    assert_int_equal(dispatch_pick_printer(&j, ps, 2), 1);
    j.color = NULL;
    assert_int_equal(dispatch_pick_printer(&j, ps, 2), 0);
}

static struct dispatch_seen
seen(enum bambu_gcode_state gs, const char *task)
{
    struct dispatch_seen s = {1, gs, task, "", 0};

    return s;
}

static void
test_reconcile_ours(void **state)
{
    struct dispatch_started p = {42, "bracket", NOW - 10, 0};
    struct dispatch_seen s = seen(BAMBU_GS_RUNNING, "42");

    (void)state;
    assert_true(dispatch_is_ours(&p, &s));
    assert_int_equal(dispatch_reconcile(&p, &s, NOW), DISPATCH_CONFIRMED);
    p.confirmed = 1;
    assert_int_equal(dispatch_reconcile(&p, &s, NOW), DISPATCH_RUNNING);
    s.gcode_state = BAMBU_GS_FINISH;
    assert_int_equal(dispatch_reconcile(&p, &s, NOW), DISPATCH_COMPLETED);
    s.gcode_state = BAMBU_GS_FAILED;
    assert_int_equal(dispatch_reconcile(&p, &s, NOW), DISPATCH_FAILED);
    s.cancelled = 1;
    assert_int_equal(dispatch_reconcile(&p, &s, NOW), DISPATCH_CANCELLED);
    s.online = 0; /* no fresh report: nothing is decided */
    assert_int_equal(dispatch_reconcile(&p, &s, NOW), DISPATCH_KEEP);
}

static void
test_reconcile_by_subtask_name_without_task_id(void **state)
{
    struct dispatch_started p = {42, "bracket", NOW - 10, 0};
    struct dispatch_seen s = seen(BAMBU_GS_FINISH, "0");

    (void)state;
    s.subtask_name = "bracket";
    assert_int_equal(dispatch_reconcile(&p, &s, NOW), DISPATCH_COMPLETED);
    s.task_id = "41"; /* a task id that is not ours wins over the name */
    assert_false(dispatch_is_ours(&p, &s));
    assert_int_equal(dispatch_reconcile(&p, &s, NOW), DISPATCH_KEEP);
}

static void
test_reconcile_unconfirmed_start(void **state)
{
    struct dispatch_started p = {42, "bracket", NOW - 30, 0};
    struct dispatch_seen s = seen(BAMBU_GS_FINISH, "41"); /* last job */

    (void)state;
    /* the previous job's FINISH is not ours: wait, then give it back */
    assert_int_equal(dispatch_reconcile(&p, &s, NOW), DISPATCH_KEEP);
    assert_int_equal(dispatch_reconcile(&p, &s, NOW + 89), DISPATCH_KEEP);
    assert_int_equal(dispatch_reconcile(&p, &s, NOW + 90), DISPATCH_REQUEUE);
    s.gcode_state = BAMBU_GS_RUNNING; /* busy with something else: wait */
    assert_int_equal(dispatch_reconcile(&p, &s, NOW + 500), DISPATCH_KEEP);
    s.gcode_state = BAMBU_GS_IDLE;
    s.task_id = "";
    p.confirmed = 1; /* it ran, and now the printer knows nothing of it */
    assert_int_equal(dispatch_reconcile(&p, &s, NOW + 500), DISPATCH_LOST);
}

static void
test_outcome_names(void **state)
{
    (void)state;
    assert_string_equal(dispatch_outcome_name(DISPATCH_REQUEUE), "requeue");
    assert_string_equal(dispatch_outcome_name(DISPATCH_OUTCOME__MAX),
                        "unknown");
}

/* The status and the number of events of printer id. */
static void
printer_row(struct fixture *f, int64_t id, char *status, size_t n,
            int64_t *events)
{
    struct db_stmt *st = db_query(f->c.db,
                                  "SELECT status FROM printers WHERE id = ?",
                                  "i", id);

    assert_non_null(st);
    assert_int_equal(db_step(st), DB_ROW);
    snprintf(status, n, "%s", db_text(st, 0) ? db_text(st, 0) : "");
    db_done(st);
    assert_int_equal(db_get_int(f->c.db, events,
                                "SELECT COUNT(*) FROM events WHERE "
                                "printer_id = ?",
                                "i", id),
                     DB_ROW);
}

/* Two printers whose access codes cannot be opened (so no network: the
 * step marks them auth_failed and emits printer_auth_failed). The first
 * printer's event insert fails after its row was updated: its row update
 * is rolled back with it, and the second printer, stepped after the
 * failure, keeps its writes. */
static void
test_one_printer_failing_keeps_the_others(void **state)
{
    struct fixture *f = fixture_open();
    struct dispatch_opts o = {0};
    struct dispatcher *d;
    int64_t bad, good, n;
    char status[32];

    (void)state;
    assert_non_null(f);
    assert_true(fixture_user(f, "dispatch-a@example.test") > 0);
    bad = fixture_printer(f, "BAD01");
    good = fixture_printer(f, "GOOD01");
    assert_true(bad > 0 && good > bad);
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE printers SET access_code_sealed = "
                             "'not sealed', status = 'offline'",
                             ""),
                     DB_DONE);
    /* a trigger that fails the first printer's event writes (on SQLite a
     * temporary one, which lives on the app's connection only, the one the
     * dispatcher uses) */
    assert_int_equal(
        db_script(f->c.db,
                  strcmp(db_backend_name(f->c.db), "postgresql") == 0
                      ? "CREATE FUNCTION broken() RETURNS trigger "
                        "LANGUAGE plpgsql AS $$ BEGIN IF NEW.printer_id = "
                        "(SELECT MIN(id) FROM printers) THEN RAISE "
                        "EXCEPTION 'a broken printer'; END IF; RETURN NEW; "
                        "END $$; CREATE TRIGGER broken BEFORE INSERT ON "
                        "events FOR EACH ROW EXECUTE FUNCTION broken()"
                      : "CREATE TEMP TRIGGER broken BEFORE INSERT ON "
                        "main.events WHEN NEW.printer_id = (SELECT "
                        "MIN(id) FROM main.printers) BEGIN SELECT "
                        "RAISE(ABORT, 'a broken printer'); END"),
        0);
    o.budget_ms = 200;
    d = dispatch_new(&f->app, &o);
    assert_int_equal(dispatch_once(d), -1); /* a printer failed */
    dispatch_free(d);

    app_begin(&f->app, &f->c);
    printer_row(f, bad, status, sizeof status, &n);
    assert_string_equal(status, "offline"); /* rolled back */
    assert_int_equal(n, 0);
    printer_row(f, good, status, sizeof status, &n);
    assert_string_equal(status, "auth_failed"); /* kept */
    assert_int_equal(n, 1);
    assert_false(db_in_transaction(f->c.db));
    fixture_close(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pushall_intervals),
        cmocka_unit_test(test_can_start),
        cmocka_unit_test(test_head_of_queue_is_strict),
        cmocka_unit_test(test_material_slot_needs_enough_grams),
        cmocka_unit_test(test_material_type_and_color),
        cmocka_unit_test(test_assignment_prefers_idle_then_fewest_queued),
        cmocka_unit_test(test_assignment_color),
        cmocka_unit_test(test_reconcile_ours),
        cmocka_unit_test(test_reconcile_by_subtask_name_without_task_id),
        cmocka_unit_test(test_reconcile_unconfirmed_start),
        cmocka_unit_test(test_outcome_names),
        cmocka_unit_test(test_one_printer_failing_keeps_the_others),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
