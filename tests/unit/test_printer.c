/*
 * test_printer — the printer module on a fresh migrated database, as the
 * dispatcher uses it across users: the printers it watches
 * (printer_list_watched), what it saw written back (printer_save_seen:
 * report values only from a report, a certificate pinned only once, the
 * stored state and firmware kept when none is given) and the offline
 * bookkeeping (printer_set_offline).
 */
#include "domain/printer.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/secret.h"
#include "store/db.h"
#include "fixture.h"

#include "base/banned.h"

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL || fixture_user(f, "prn-a@example.test") <= 0)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static int64_t
make_printer(struct fixture *f, const char *serial)
{
    int64_t id = fixture_printer(f, serial);

    assert_true(id > 0);
    return id;
}

/* The dispatcher's unit of work: no user. */
static void
as_dispatcher(struct fixture *f)
{
    app_begin(&f->app, &f->c);
    f->c.user_id = 0;
}

static const struct printer_watched *
watched(struct fixture *f, int64_t id)
{
    struct printer_watched *w;
    int n;

    assert_int_equal(printer_list_watched(&f->c, &w, &n), 0);
    for (int i = 0; i < n; i++)
        if (w[i].id == id)
            return &w[i];
    fail_msg("printer %lld not listed", (long long)id);
    return NULL;
}

static void
test_list_watched(void **state)
{
    struct fixture *f = *state;
    int64_t ua = f->c.user_id, a = make_printer(f, "WA01"), ub, b;
    struct printer_watched *w;
    const char *code;
    int n;

    ub = fixture_user(f, "prn-b@example.test");
    b = make_printer(f, "WB01");
    as_dispatcher(f);
    assert_int_equal(printer_list_watched(&f->c, &w, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(w[0].id, a);
    assert_int_equal(w[0].user_id, ua);
    assert_string_equal(w[0].serial, "WA01");
    assert_string_equal(w[0].host, "127.0.0.1");
    assert_int_equal(w[0].port, 8883);
    assert_int_equal(w[0].ftp_port, 990);
    assert_non_null(w[0].access_code_sealed);
    assert_true(secret_is_current(w[0].access_code_sealed));
    assert_null(strstr(w[0].access_code_sealed, "12345678"));
    code = printer_access_code(&f->c, &w[0]);
    assert_non_null(code);
    assert_string_equal(code, "12345678");
    /* sealed for its row: the same text in another printer's row does not
     * open there (nor with the plain secret_open of another place) */
    assert_null(secret_open(f->c.arena, w[0].access_code_sealed,
                            "printers.access_code_sealed:0"));
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE printers SET access_code_sealed = ? "
                             "WHERE id = ?",
                             "ti", w[0].access_code_sealed, b),
                     DB_DONE);
    assert_int_equal(printer_list_watched(&f->c, &w, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(w[1].id, b);
    assert_string_equal(w[1].access_code_sealed, w[0].access_code_sealed);
    assert_null(printer_access_code(&f->c, &w[1]));
    assert_string_equal(printer_access_code(&f->c, &w[0]), "12345678");
    assert_non_null(w[0].status);
    /* never seen: the columns that say so are NULL */
    assert_null(w[0].state_json);
    assert_null(w[0].cert_fingerprint);
    assert_int_equal(w[0].last_seen_at, DB_NULL);
    assert_int_equal(w[0].devmode_refused_at, DB_NULL);
    assert_int_equal(w[0].offline_since, DB_NULL);
    assert_int_equal(w[0].offline_notified, 0);
    assert_int_equal(w[1].id, b);
    assert_int_equal(w[1].user_id, ub);
    assert_string_equal(w[1].serial, "WB01");
}

/* A step's view with the report's values. */
static void
seen_reported(struct printer_seen *s, int64_t at)
{
    memset(s, 0, sizeof(*s));
    s->status = "printing";
    s->status_detail = NULL;
    s->online = 1;
    s->report = 1;
    s->progress_percent = 42;
    s->remaining_minutes = 17;
    s->nozzle_temp = 220;
    s->bed_temp = DB_NULL;
    s->last_seen_at = at;
    s->last_pushall_at = at - 5;
    s->silent_runs = 0;
    s->devmode_refused_at = DB_NULL;
    s->state_json = "{\"gcode_state\":\"RUNNING\"}";
    s->cert_fingerprint = "sha256:first";
    s->firmware = "01.08.00.00";
}

static void
firmware_is(struct fixture *f, int64_t id, const char *want)
{
    struct db_stmt *st =
        db_query(f->c.db, "SELECT firmware FROM printers WHERE id = ?", "i", id);

    assert_non_null(st);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_text(st, 0), want);
    db_done(st);
}

static void
test_save_seen(void **state)
{
    struct fixture *f = *state;
    int64_t id = make_printer(f, "S001"), uid = f->c.user_id;
    const struct printer_watched *w;
    struct printer_seen s;
    struct printer p;

    as_dispatcher(f);
    seen_reported(&s, 1000);
    assert_int_equal(printer_save_seen(&f->c, id, &s), 0);
    f->c.user_id = uid;
    assert_int_equal(printer_get(&f->c, id, &p), 0);
    assert_string_equal(p.status, "printing");
    assert_null(p.status_detail);
    assert_int_equal(p.online, 1);
    assert_int_equal(p.progress_percent, 42);
    assert_int_equal(p.remaining_minutes, 17);
    assert_int_equal(p.nozzle_temp, 220);
    assert_int_equal(p.bed_temp, DB_NULL);
    assert_int_equal(p.last_seen_at, 1000);
    w = watched(f, id);
    assert_string_equal(w->state_json, "{\"gcode_state\":\"RUNNING\"}");
    assert_string_equal(w->cert_fingerprint, "sha256:first");
    assert_int_equal(w->last_pushall_at, 995);
    firmware_is(f, id, "01.08.00.00");

    /* no report: the report's columns, the state and the firmware stay;
     * a pinned certificate is never replaced here */
    as_dispatcher(f);
    memset(&s, 0, sizeof(s));
    s.status = "offline";
    s.status_detail = "cannot reach the printer: refused";
    s.online = 0;
    s.report = 0;
    s.progress_percent = 99;
    s.remaining_minutes = 1;
    s.nozzle_temp = 1;
    s.bed_temp = 1;
    s.last_seen_at = 1000;
    s.last_pushall_at = 1200;
    s.silent_runs = 2;
    s.devmode_refused_at = 1100;
    s.state_json = NULL;
    s.cert_fingerprint = "sha256:second";
    s.firmware = NULL;
    assert_int_equal(printer_save_seen(&f->c, id, &s), 0);
    f->c.user_id = uid;
    assert_int_equal(printer_get(&f->c, id, &p), 0);
    assert_string_equal(p.status, "offline");
    assert_string_equal(p.status_detail, "cannot reach the printer: refused");
    assert_int_equal(p.online, 0);
    assert_int_equal(p.progress_percent, 42);
    assert_int_equal(p.remaining_minutes, 17);
    assert_int_equal(p.nozzle_temp, 220);
    assert_int_equal(p.bed_temp, DB_NULL);
    w = watched(f, id);
    assert_string_equal(w->state_json, "{\"gcode_state\":\"RUNNING\"}");
    assert_string_equal(w->cert_fingerprint, "sha256:first");
    assert_int_equal(w->last_pushall_at, 1200);
    assert_int_equal(w->silent_runs, 2);
    assert_int_equal(w->devmode_refused_at, 1100);
    firmware_is(f, id, "01.08.00.00");
}

static void
test_set_offline(void **state)
{
    struct fixture *f = *state;
    int64_t id = make_printer(f, "O001");
    const struct printer_watched *w;

    as_dispatcher(f);
    assert_int_equal(printer_set_offline(&f->c, id, 500, 1), 0);
    w = watched(f, id);
    assert_int_equal(w->offline_since, 500);
    assert_int_equal(w->offline_notified, 1);
    assert_int_equal(printer_set_offline(&f->c, id, DB_NULL, 0), 0);
    w = watched(f, id);
    assert_int_equal(w->offline_since, DB_NULL);
    assert_int_equal(w->offline_notified, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_watched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_seen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_offline, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
