/*
 * test_maintenance — print hours and the maintenance_due reminder on a
 * fresh migrated database: which prints count (completed and failed with
 * both times, in the period their start falls in, only the user's), a
 * record closing a period with its hours, record validation (future,
 * before the latest), the interval (range, re-arming only on a change),
 * maintenance_notify_due firing once per period with an outbox row, and
 * another user's printer.
 */
#include "domain/maintenance.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/db.h"
#include "domain/event.h"
#include "fixture.h"
#include "domain/notifypref.h"
#include "domain/printer.h"

#include "base/banned.h"

#define T0 1800000000 /* "now" of the first unit of work */
#define HOUR 3600

/* A new unit of work as the same user at time now. */
static void
next_at(struct fixture *f, int64_t now)
{
    fixture_next(f);
    f->c.now = now;
}

/* A print of the signed-in user on printer_id, inserted as the dispatcher
 * would leave it. */
static void
add_print(struct fixture *f, int64_t printer_id, const char *status,
          int64_t started_at, int64_t completed_at)
{
    assert_int_equal(
        db_exec(f->c.db,
                "INSERT INTO scheduled_prints (user_id, printer_id, name, "
                "file, status, estimated_minutes, started_at, completed_at, "
                "created_at, updated_at) "
                "VALUES (?, ?, 'part', 'part.3mf', ?, 60, ?, ?, ?, ?)",
                "iitiiii", f->c.user_id, printer_id, status, started_at,
                completed_at, T0 - 100 * HOUR, T0 - 100 * HOUR),
        DB_DONE);
}

static int64_t
count(struct fixture *f, const char *sql, int64_t arg)
{
    int64_t n = -1;

    assert_int_equal(db_get_int(f->c.db, &n, sql, "i", arg), DB_ROW);
    return n;
}

static int64_t
since_last(struct fixture *f, int64_t printer_id, int64_t *last)
{
    int64_t secs = -1;

    assert_int_equal(maintenance_since_last(&f->c, printer_id, &secs, last), 0);
    return secs;
}

static void
test_hours_sum(void **state)
{
    struct fixture *f = fixture_open();
    struct maintenance_record r;
    struct maintenance m;
    int64_t p, q, last = 0;

    (void)state;
    assert_non_null(f);
    fixture_user(f, "a@example.test");
    p = fixture_printer(f, "MNT1");
    q = fixture_printer(f, "MNT2");
    assert_true(p > 0 && q > 0);
    next_at(f, T0);
    assert_int_equal(since_last(f, p, &last), 0);
    assert_int_equal(last, DB_NULL);

    add_print(f, p, "completed", T0 - 50 * HOUR, T0 - 48 * HOUR); /* 2 h */
    add_print(f, p, "failed", T0 - 40 * HOUR, T0 - 39 * HOUR);    /* 1 h */
    add_print(f, p, "cancelled", T0 - 30 * HOUR, T0 - 25 * HOUR);
    add_print(f, p, "started", T0 - 2 * HOUR, DB_NULL);
    add_print(f, p, "completed", DB_NULL, T0 - 20 * HOUR);
    add_print(f, p, "completed", T0 - 10 * HOUR, T0 - 11 * HOUR); /* < 0 */
    add_print(f, q, "completed", T0 - 10 * HOUR, T0 - 5 * HOUR);
    assert_int_equal(since_last(f, p, &last), 3 * HOUR);
    assert_int_equal(last, DB_NULL);
    assert_int_equal(
        maintenance_print_seconds(&f->c, p, T0 - 45 * HOUR, DB_NULL), HOUR);
    assert_int_equal(
        maintenance_print_seconds(&f->c, p, DB_NULL, T0 - 45 * HOUR), 2 * HOUR);

    /* a record in the past closes the period up to its moment */
    maintenance_record_init(&r, p);
    r.performed_at = T0 - 45 * HOUR;
    r.note = "nozzle";
    assert_true(maintenance_record_add(&f->c, &r) > 0);
    assert_int_equal(r.print_seconds, 2 * HOUR);
    assert_int_equal(r.created_at, T0);
    assert_int_equal(since_last(f, p, &last), HOUR);
    assert_int_equal(last, T0 - 45 * HOUR);

    /* the next one takes the hour after it; nothing is left */
    next_at(f, T0);
    maintenance_record_init(&r, p);
    assert_true(maintenance_record_add(&f->c, &r) > 0);
    assert_int_equal(r.performed_at, T0);
    assert_int_equal(r.print_seconds, HOUR);
    assert_int_equal(since_last(f, p, &last), 0);
    assert_int_equal(last, T0);

    /* another printer's prints were never counted; the state says so */
    assert_int_equal(maintenance_get(&f->c, q, &m), 0);
    assert_int_equal(m.print_seconds, 5 * HOUR);
    assert_int_equal(m.interval_hours, DB_NULL);
    assert_false(maintenance_is_due(&m));
    assert_int_equal(maintenance_tenths(5 * HOUR + 359), 50);
    assert_int_equal(maintenance_tenths(5 * HOUR + 360), 51);
    fixture_close(f);
}

static void
test_record_validation(void **state)
{
    struct fixture *f = fixture_open();
    struct maintenance_record r;
    int64_t p;

    (void)state;
    assert_non_null(f);
    fixture_user(f, "b@example.test");
    p = fixture_printer(f, "MNT3");
    next_at(f, T0);
    maintenance_record_init(&r, p);
    r.performed_at = T0 + 1;
    assert_int_equal(maintenance_record_add(&f->c, &r), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_string_equal(f->c.err.fields[0].name, "performed_at");

    next_at(f, T0);
    maintenance_record_init(&r, p);
    r.performed_at = T0 - HOUR;
    assert_true(maintenance_record_add(&f->c, &r) > 0);
    next_at(f, T0);
    maintenance_record_init(&r, p);
    r.performed_at = T0 - HOUR - 1;
    assert_int_equal(maintenance_record_add(&f->c, &r), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_string_equal(f->c.err.fields[0].name, "performed_at");
    /* the same moment as the latest is allowed */
    next_at(f, T0);
    maintenance_record_init(&r, p);
    r.performed_at = T0 - HOUR;
    assert_true(maintenance_record_add(&f->c, &r) > 0);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM maintenance WHERE printer_id = ?", p),
        2);

    next_at(f, T0);
    assert_int_equal(maintenance_set_interval(&f->c, p, 0), -1);
    assert_string_equal(f->c.err.fields[0].name, "interval_hours");
    next_at(f, T0);
    assert_int_equal(
        maintenance_set_interval(&f->c, p, MAINTENANCE_INTERVAL_MAX + 1), -1);
    next_at(f, T0);
    assert_int_equal(
        maintenance_set_interval(&f->c, p, MAINTENANCE_INTERVAL_MAX), 0);
    assert_int_equal(maintenance_set_interval(&f->c, p, DB_NULL), 0);
    fixture_close(f);
}

static void
test_notify_once_per_period(void **state)
{
    struct fixture *f = fixture_open();
    struct event_printer ep = {0, "farm-1", "MNT4", "X1C"};
    struct maintenance_record r;
    struct notifypref n;
    struct db_stmt *st;
    const char *generated;
    int64_t p;

    (void)state;
    assert_non_null(f);
    fixture_user(f, "c@example.test");
    p = ep.id = fixture_printer(f, "MNT4");
    assert_int_equal(notifypref_get(&f->c, p, &n), 0);
    n.on_maintenance = 1;
    n.email_enabled = 1;
    n.email_address = "ops@example.test";
    assert_int_equal(notifypref_save(&f->c, &n, &generated), 0);
    next_at(f, T0);

    add_print(f, p, "completed", T0 - 50 * HOUR, T0 - 47 * HOUR); /* 3 h */
    /* no interval: nothing, however many hours */
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 0);
    assert_int_equal(maintenance_set_interval(&f->c, p, 4), 0);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 0);

    add_print(f, p, "failed", T0 - 40 * HOUR, T0 - 38 * HOUR - 1800);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 1);
    st = db_query(f->c.db,
                  "SELECT e.detail, o.channel FROM events e "
                  "JOIN outbox o ON o.event_id = e.id "
                  "WHERE e.printer_id = ? AND e.kind = 'maintenance_due'",
                  "i", p);
    assert_int_equal(db_step(st), DB_ROW);
    assert_non_null(strstr(db_text(st, 0),
                           "4.5 print hours and no maintenance recorded yet "
                           "(interval 4 h)"));
    assert_string_equal(db_text(st, 1), "email");
    assert_int_equal(db_step(st), DB_DONE);
    assert_int_equal(count(f,
                           "SELECT maintenance_notified_at FROM printers "
                           "WHERE id = ?",
                           p),
                     T0);

    /* once per period: not again, not for the same interval set again */
    next_at(f, T0 + 60);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 0);
    assert_int_equal(maintenance_set_interval(&f->c, p, 4), 0);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 0);
    /* a different interval is a new period */
    assert_int_equal(maintenance_set_interval(&f->c, p, 3), 0);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 1);

    /* a record re-arms it, and the hours start again from zero */
    next_at(f, T0 + 120);
    maintenance_record_init(&r, p);
    assert_true(maintenance_record_add(&f->c, &r) > 0);
    assert_int_equal(r.print_seconds, 4 * HOUR + 1800);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 0);
    add_print(f, p, "completed", T0 + 200, T0 + 200 + 2 * HOUR);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 0);
    add_print(f, p, "completed", T0 + 3 * HOUR, T0 + 4 * HOUR);
    next_at(f, T0 + 5 * HOUR);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 1);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 0);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM events WHERE printer_id = ? "
                           "AND kind = 'maintenance_due' AND detail LIKE "
                           "'%3.0 print hours since the last maintenance "
                           "(interval 3 h)%'",
                           p),
                     1);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM events WHERE printer_id = ? "
                           "AND kind = 'maintenance_due'",
                           p),
                     3);

    /* inside the caller's transaction it neither commits nor rolls back */
    next_at(f, T0 + 6 * HOUR);
    assert_int_equal(maintenance_set_interval(&f->c, p, 2), 0);
    assert_int_equal(db_begin(f->c.db), 0);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 1);
    assert_true(db_in_transaction(f->c.db));
    db_rollback(f->c.db);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM printers WHERE id = ? AND "
                           "maintenance_notified_at IS NULL",
                           p),
                     1);
    fixture_close(f);
}

static void
test_another_users_printer(void **state)
{
    struct fixture *f = fixture_open();
    struct event_printer ep = {0, "farm-1", "MNT5", "X1C"};
    struct maintenance_record r;
    struct maintenance_record *list;
    struct maintenance m;
    int64_t p;
    int n;

    (void)state;
    assert_non_null(f);
    fixture_user(f, "d@example.test");
    p = ep.id = fixture_printer(f, "MNT5");
    next_at(f, T0);
    add_print(f, p, "completed", T0 - 10 * HOUR, T0 - 5 * HOUR);
    assert_int_equal(maintenance_set_interval(&f->c, p, 1), 0);

    fixture_user(f, "e@example.test");
    f->c.now = T0;
    assert_int_equal(maintenance_get(&f->c, p, &m), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    next_at(f, T0);
    assert_int_equal(maintenance_set_interval(&f->c, p, 5), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    next_at(f, T0);
    maintenance_record_init(&r, p);
    assert_int_equal(maintenance_record_add(&f->c, &r), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    next_at(f, T0);
    assert_int_equal(maintenance_record_list(&f->c, p, 100, 0, &list, &n), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    next_at(f, T0);
    assert_int_equal(maintenance_notify_due(&f->c, &ep), 0);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM events WHERE printer_id = ?", p), 0);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM maintenance WHERE printer_id = ?", p),
        0);
    fixture_close(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hours_sum),
        cmocka_unit_test(test_record_validation),
        cmocka_unit_test(test_notify_once_per_period),
        cmocka_unit_test(test_another_users_printer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
