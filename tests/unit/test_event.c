/*
 * test_event — events and their outbox rows on a fresh migrated database:
 * which preference governs each kind, defaults (complete/failed on, no
 * channel: no outbox row), one outbox row per enabled channel with the
 * payload, kinds the preferences turn off, and another user's printer;
 * the per-user cap on pending rows (rows over it written as failed, the
 * cap per user) and the per-user limit on test messages (429 with the
 * seconds to wait, a sliding minute).
 */
#include "domain/event.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/db.h"
#include "fixture.h"
#include "domain/notifypref.h"
#include "domain/printer.h"

#include "base/banned.h"

static int64_t
make_printer(struct fixture *f, const char *serial)
{
    int64_t id = fixture_printer_as(f, serial, "farm-1", "P1S");

    assert_true(id > 0);
    return id;
}

static int64_t
count(struct fixture *f, const char *sql, int64_t arg)
{
    int64_t n = -1;

    assert_int_equal(db_get_int(f->c.db, &n, sql, "i", arg), DB_ROW);
    return n;
}

static void
test_pref_of_kinds(void **state)
{
    (void)state;
    assert_int_equal(event_pref_of("print_started"), EVENT_PREF_START);
    assert_int_equal(event_pref_of("print_completed"), EVENT_PREF_COMPLETE);
    assert_int_equal(event_pref_of("print_failed"), EVENT_PREF_FAILED);
    assert_int_equal(event_pref_of("print_cancelled"), EVENT_PREF_FAILED);
    assert_int_equal(event_pref_of("print_start_refused"), EVENT_PREF_FAILED);
    assert_int_equal(event_pref_of("material_changed"), EVENT_PREF_MATERIAL);
    assert_int_equal(event_pref_of("printer_offline"), EVENT_PREF_MAINTENANCE);
    assert_int_equal(event_pref_of("printer_untrusted"),
                     EVENT_PREF_MAINTENANCE);
    assert_int_equal(event_pref_of("material_low"), EVENT_PREF_MATERIAL);
    assert_int_equal(event_pref_of("maintenance_due"), EVENT_PREF_MAINTENANCE);
    assert_int_equal(event_pref_of("test"), EVENT_PREF_ALWAYS);
    assert_int_equal(event_pref_of("printer_"), EVENT_PREF_NONE);
    assert_int_equal(event_pref_of("nonsense"), EVENT_PREF_NONE);
    assert_int_equal(event_pref_of(NULL), EVENT_PREF_NONE);
}

static void
test_defaults_write_the_event_only(void **state)
{
    struct fixture *f = fixture_open();
    struct event_printer p = {0, "farm-1", "SER1", "P1S"};
    int64_t id;

    (void)state;
    assert_non_null(f);
    fixture_user(f, "a@example.test");
    p.id = make_printer(f, "SER1");
    id = event_emit(&f->c, "print_completed", &p, NULL, "done");
    assert_true(id > 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM events WHERE id = ?", id),
                     1);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM outbox WHERE event_id = ?", id), 0);
    fixture_close(f);
}

static void
test_one_outbox_row_per_channel(void **state)
{
    struct fixture *f = fixture_open();
    struct event_printer p = {0, "farm-1", "SER2", "P1S"};
    struct event_print j = {0, "bracket", "completed", "part.3mf", DB_NULL};
    struct notifypref n;
    const char *generated = NULL;
    struct event_delivery *d;
    struct db_stmt *st;
    const char *target;
    int64_t id, row;
    int nd;

    (void)state;
    assert_non_null(f);
    fixture_user(f, "b@example.test");
    p.id = make_printer(f, "SER2");
    assert_int_equal(notifypref_get(&f->c, p.id, &n), 0);
    n.email_enabled = 1;
    n.email_address = "ops@example.test";
    n.webhook_url = "https://hooks.example.test/farm";
    assert_int_equal(notifypref_save(&f->c, &n, &generated), 0);
    fixture_next(f);

    id = event_emit(&f->c, "print_completed", &p, &j, "finished");
    assert_true(id > 0);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM outbox WHERE event_id = ?", id), 2);
    st = db_query(f->c.db,
                  "SELECT channel, target, payload, event, id FROM outbox "
                  "WHERE event_id = ? ORDER BY channel",
                  "i", id);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_text(st, 0), "email");
    assert_string_equal(db_text(st, 1), "ops@example.test");
    assert_non_null(strstr(db_text(st, 2), "\"event\":\"print_completed\""));
    assert_non_null(strstr(db_text(st, 2), "\"serial\":\"SER2\""));
    assert_non_null(strstr(db_text(st, 2), "\"name\":\"bracket\""));
    assert_string_equal(db_text(st, 3), "print_completed");
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_text(st, 0), "webhook");
    /* the URL is a credential: sealed for its outbox row, opened by
     * event_target and in the deliveries the API lists */
    target = arena_strdup(f->c.arena, db_text(st, 1));
    row = db_int(st, 4);
    db_done(st);
    assert_int_equal(strncmp(target, "v2:", 3), 0);
    assert_null(strstr(target, "hooks.example.test"));
    assert_string_equal(event_target(&f->c, row, "webhook", target),
                        "https://hooks.example.test/farm");
    assert_null(event_target(&f->c, row + 1, "webhook", target));
    assert_string_equal(event_target(&f->c, row, "email", "a@b.test"),
                        "a@b.test");
    assert_int_equal(event_deliveries(&f->c, p.id, id, EVENT_DELIVERY_ALL, 10,
                                      0, &d, &nd),
                     0);
    assert_int_equal(nd, 2);
    for (int i = 0; i < nd; i++)
        assert_string_equal(d[i].target, strcmp(d[i].channel, "webhook") == 0
                                             ? "https://hooks.example.test/farm"
                                             : "ops@example.test");

    /* on_print_start is off by default: event, no outbox */
    id = event_emit(&f->c, "print_started", &p, &j, NULL);
    assert_true(id > 0);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM outbox WHERE event_id = ?", id), 0);
    fixture_close(f);
}

/* A test message goes to every enabled channel whatever the flags say; a
 * webhook disabled after a 410 gets no rows until its URL is saved again. */
static void
test_test_kind_and_disabled_webhook(void **state)
{
    struct fixture *f = fixture_open();
    struct event_printer p = {0, "farm-1", "SER4", "P1S"};
    struct notifypref n;
    const char *generated = NULL;
    const char *url = "https://hooks.example.test/t";
    int64_t id;

    (void)state;
    assert_non_null(f);
    fixture_user(f, "e@example.test");
    p.id = make_printer(f, "SER4");
    assert_int_equal(notifypref_get(&f->c, p.id, &n), 0);
    n.on_print_complete = n.on_print_failed = 0;
    n.email_enabled = 1;
    n.email_address = "ops@example.test";
    n.webhook_url = url;
    assert_int_equal(notifypref_save(&f->c, &n, &generated), 0);
    fixture_next(f);

    id = event_emit(&f->c, "test", &p, NULL, "hello");
    assert_true(id > 0);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM outbox WHERE event_id = ?", id), 2);
    id = event_emit(&f->c, "print_completed", &p, NULL, NULL);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM outbox WHERE event_id = ?", id), 0);

    assert_int_equal(notifypref_webhook_disable(&f->c, p.id, url, "410 Gone"),
                     1);
    id = event_emit(&f->c, "test", &p, NULL, "hello");
    assert_true(id > 0);
    assert_int_equal(
        count(f,
              "SELECT COUNT(*) FROM outbox WHERE event_id = ? AND "
              "channel = 'email'",
              id),
        1);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM outbox WHERE event_id = ?", id), 1);
    fixture_close(f);
}

static void
test_another_users_printer_is_not_found(void **state)
{
    struct fixture *f = fixture_open();
    struct event_printer p = {0, "farm-1", "SER3", "P1S"};

    (void)state;
    assert_non_null(f);
    fixture_user(f, "c@example.test");
    p.id = make_printer(f, "SER3");
    fixture_user(f, "d@example.test");
    assert_int_equal(event_emit(&f->c, "printer_offline", &p, NULL, NULL), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM events WHERE printer_id = ?", p.id), 0);
    fixture_close(f);
}

/* A printer of the signed-in user whose notifications go to a webhook
 * and an email address (two rows per event). */
static int64_t
two_channel_printer(struct fixture *f, const char *serial)
{
    struct notifypref n;
    const char *generated = NULL;
    int64_t id = make_printer(f, serial);

    assert_int_equal(notifypref_get(&f->c, id, &n), 0);
    n.email_enabled = 1;
    n.email_address = "ops@example.test";
    n.webhook_url = "https://hooks.example.test/cap";
    assert_int_equal(notifypref_save(&f->c, &n, &generated), 0);
    fixture_next(f);
    return id;
}

static void
test_pending_rows_are_capped_per_user(void **state)
{
    struct fixture *f = fixture_open();
    struct event_printer p = {0, "farm-1", "SERCAP1", "P1S"};
    struct event_printer q = {0, "farm-1", "SERCAP2", "P1S"};
    struct db_stmt *st;
    int64_t a, b, id;

    (void)state;
    assert_non_null(f);
    f->app.conf.outbox_max_pending = 3;
    fixture_user(f, "cap@example.test");
    p.id = two_channel_printer(f, "SERCAP1");
    a = f->c.user_id;
    /* two events, four rows: the fourth is over the cap of three */
    assert_true(event_emit(&f->c, "test", &p, NULL, "one") > 0);
    id = event_emit(&f->c, "test", &p, NULL, "two");
    assert_true(id > 0);
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM outbox WHERE user_id = ? "
                           "AND status = 'pending'",
                           a),
                     3);
    st = db_query(f->c.db,
                  "SELECT status, last_error, channel FROM outbox "
                  "WHERE event_id = ? ORDER BY id",
                  "i", id);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_text(st, 0), "pending");
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_text(st, 0), "failed");
    assert_non_null(strstr(db_text(st, 1), EVENT_OUTBOX_FULL));
    assert_string_equal(db_text(st, 2), "webhook");
    db_done(st);
    /* the event itself is always written */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM events WHERE id = ?", id),
                     1);
    /* nothing more is queued while the three wait ... */
    id = event_emit(&f->c, "test", &p, NULL, "three");
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM outbox WHERE event_id = ? "
                           "AND status = 'failed'",
                           id),
                     2);
    /* ... and another user has a cap of their own */
    fixture_user(f, "cap2@example.test");
    q.id = two_channel_printer(f, "SERCAP2");
    b = f->c.user_id;
    id = event_emit(&f->c, "test", &q, NULL, "other");
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM outbox WHERE event_id = ? "
                           "AND status = 'pending'",
                           id),
                     2);
    /* once rows are delivered there is room again */
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE outbox SET status = 'delivered' "
                             "WHERE user_id = ? AND status = 'pending'",
                             "i", a),
                     DB_DONE);
    f->c.user_id = a;
    id = event_emit(&f->c, "test", &p, NULL, "four");
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM outbox WHERE event_id = ? "
                           "AND status = 'pending'",
                           id),
                     2);
    assert_true(b != a);
    fixture_close(f);
}

static void
set_now(int64_t t)
{
    char s[32];

    snprintf(s, sizeof(s), "%lld", (long long)t);
    setenv("FARM_NOW", s, 1);
}

static void
test_test_messages_are_rate_limited(void **state)
{
    struct fixture *f = fixture_open();
    int64_t t0 = 1763932800, pid, other, retry = -1;

    (void)state;
    assert_non_null(f);
    set_now(t0);
    fixture_user(f, "rate@example.test");
    pid = two_channel_printer(f, "SERRATE1");
    other = two_channel_printer(f, "SERRATE2");
    for (int i = 0; i < 5; i++) {
        set_now(t0 + 10 * i);
        fixture_next(f);
        assert_true(event_send_test(&f->c, i % 2 ? other : pid, &retry) > 0);
    }
    /* the sixth within the minute: 429, until the first leaves it */
    set_now(t0 + 45);
    fixture_next(f);
    assert_int_equal(event_send_test(&f->c, pid, &retry), -1);
    assert_int_equal(f->c.err.kind, ERR_RATE_LIMITED);
    assert_int_equal(retry, 15);
    /* the limit is per user, not per printer: the other printer too */
    fixture_next(f);
    assert_int_equal(event_send_test(&f->c, other, NULL), -1);
    assert_int_equal(f->c.err.kind, ERR_RATE_LIMITED);
    /* refused attempts do not count; no event was written for them */
    assert_int_equal(count(f,
                           "SELECT COUNT(*) FROM events WHERE user_id = ? "
                           "AND kind = 'test'",
                           f->c.user_id),
                     5);
    /* a minute after the first, one more is allowed, and then not */
    set_now(t0 + 60);
    fixture_next(f);
    assert_true(event_send_test(&f->c, pid, &retry) > 0);
    fixture_next(f);
    assert_int_equal(event_send_test(&f->c, pid, &retry), -1);
    assert_int_equal(retry, 10);
    /* another user is not limited by this one */
    fixture_user(f, "rate2@example.test");
    pid = two_channel_printer(f, "SERRATE3");
    assert_true(event_send_test(&f->c, pid, &retry) > 0);
    unsetenv("FARM_NOW");
    fixture_close(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pref_of_kinds),
        cmocka_unit_test(test_defaults_write_the_event_only),
        cmocka_unit_test(test_one_outbox_row_per_channel),
        cmocka_unit_test(test_test_kind_and_disabled_webhook),
        cmocka_unit_test(test_another_users_printer_is_not_found),
        cmocka_unit_test(test_pending_rows_are_capped_per_user),
        cmocka_unit_test(test_test_messages_are_rate_limited),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
