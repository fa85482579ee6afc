/*
 * test_migrate — the migrated schema's queue_version triggers: a printer's
 * queue_version moves exactly when a column its queue answer reads changes
 * (web/qcache keeps answers until it moves). Every column of materials and
 * scheduled_prints is changed alone on a fresh row, so a column added
 * later is classified here or the test fails; the dispatcher's own AMS
 * sync (synced_at, remaining) leaves the version alone.
 */
#include "store/migrate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/material.h"
#include "fixture.h"
#include "store/db.h"

#include "base/banned.h"

struct world {
    struct fixture *f;
    int64_t other_user, printer, other_printer, order, item, parent;
};

#define COLS_MAX 64

struct cols {
    char name[COLS_MAX][48];
    int notnull[COLS_MAX], integer[COLS_MAX];
    int n;
};

static int64_t
version(struct world *w, int64_t printer)
{
    int64_t v = -1;

    assert_int_equal(db_get_int(w->f->c.db, &v,
                                "SELECT queue_version FROM printers "
                                "WHERE id = ?",
                                "i", printer),
                     DB_ROW);
    return v;
}

static void
columns(struct world *w, const char *table, struct cols *out)
{
    int pg = strcmp(db_backend_name(w->f->c.db), "postgresql") == 0;
    struct db_stmt *st = db_query(
        w->f->c.db,
        pg ? "SELECT column_name, CASE data_type WHEN 'bigint' THEN "
             "'INTEGER' ELSE data_type END, CASE is_nullable WHEN 'NO' "
             "THEN 1 ELSE 0 END FROM information_schema.columns WHERE "
             "table_name = ? AND table_schema = current_schema() "
             "ORDER BY ordinal_position"
           : "SELECT name, type, \"notnull\" FROM "
             "pragma_table_info(?) ORDER BY cid",
        "t", table);

    assert_non_null(st);
    out->n = 0;
    while (db_step(st) == DB_ROW) {
        assert_true(out->n < COLS_MAX);
        snprintf(out->name[out->n], sizeof(out->name[0]), "%s",
                 db_text(st, 0));
        out->integer[out->n] = strcmp(db_text(st, 1), "INTEGER") == 0;
        out->notnull[out->n] = (int)db_int(st, 2);
        out->n++;
    }
    assert_true(out->n > 10);
}

/* A material in slot 0 of w->printer with every column set. */
static int64_t
material_row(struct world *w)
{
    int64_t id = 0;

    assert_int_equal(
        db_get_int(w->f->c.db, &id,
                   "INSERT INTO materials (printer_id, slot, material_type, "
                   "color, weight_grams, remaining_percent, vendor, "
                   "cost_per_kg, source, synced_at, created_at, updated_at, "
                   "tray_uuid, low_notified_at, low_notified_spool) "
                   "VALUES (?, 0, 'PLA', '#FF0000', 1000, 50, 'v', 2000, "
                   "'printer', 5, 1, 2, 'U1', 3, 'U1') RETURNING id",
                   "i", w->printer),
        DB_ROW);
    return id;
}

/* A queued print of w->printer with every nullable column set. */
static int64_t
print_row(struct world *w)
{
    int64_t id = 0;

    assert_int_equal(
        db_get_int(
            w->f->c.db, &id,
            "INSERT INTO scheduled_prints (user_id, printer_id, name, file, "
            "plate, status, priority, scheduled_at, estimated_minutes, "
            "chain_after_id, chain_offset_minutes, order_id, order_item_id, "
            "nozzle_temp, bed_temp, speed_level, material_slot, "
            "material_type, color, grams, material_cost, started_at, "
            "completed_at, failure_reason, progress_percent, dispatch_token, "
            "dispatch_attempts, last_dispatch_error, created_at, updated_at, "
            "confirmed_at) VALUES (?, ?, 'n', 'f.3mf', 1, 'queued', 0, 100, "
            "60, ?, 0, ?, ?, 220, 60, 2, 0, 'PLA', '#FF0000', 10, 20, 30, "
            "40, 'r', 5, 'tok', 1, 'e', 1, 2, 3) RETURNING id",
            "iiiii", w->f->c.user_id, w->printer, w->parent, w->order,
            w->item),
        DB_ROW);
    return id;
}

/* Changes column i of row id alone (to another printer or user for the
 * keys, NULL for a nullable column, else one more / one letter longer)
 * and says whether w->printer's queue_version moved. */
static int
bumps(struct world *w, const char *table, const struct cols *c, int i,
      int64_t id)
{
    const char *col = c->name[i];
    char sql[256], value[64];
    int64_t before = version(w, w->printer);

    if (strcmp(col, "printer_id") == 0)
        snprintf(value, sizeof(value), "%lld", (long long)w->other_printer);
    else if (strcmp(col, "user_id") == 0)
        snprintf(value, sizeof(value), "%lld", (long long)w->other_user);
    else if (!c->notnull[i])
        snprintf(value, sizeof(value), "NULL");
    else
        snprintf(value, sizeof(value), c->integer[i] ? "%s + 1" : "%s || 'x'",
                 col);
    /* IS NOT NULL: the row must really change, or "no bump" proves nothing */
    snprintf(sql, sizeof(sql),
             "UPDATE %s SET %s = %s WHERE id = ? AND %s IS NOT NULL", table,
             col, value, col);
    assert_int_equal(db_exec(w->f->c.db, sql, "i", id), DB_DONE);
    assert_int_equal(db_changes(w->f->c.db), 1);
    return version(w, w->printer) != before;
}

static int
listed(const char *name, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strcmp(name, *list) == 0)
            return 1;
    return 0;
}

/* Changes each column of table alone on a fresh row (from row()) and
 * fails unless queue_version moved exactly for the columns that list
 * names (bump_listed 1) or exactly for those it does not (0). */
static void
check_columns(struct world *w, const char *table,
              int64_t (*row)(struct world *), const char *const *list,
              int bump_listed)
{
    struct cols c;

    columns(w, table, &c);
    for (int i = 0; i < c.n; i++) {
        int want, len;
        int64_t id;
        char sql[96];

        if (strcmp(c.name[i], "id") == 0)
            continue;
        want = listed(c.name[i], list) == bump_listed;
        id = row(w);
        if (bumps(w, table, &c, i, id) != want)
            fail_msg("%s.%s: queue_version %s", table, c.name[i],
                     want ? "did not move" : "moved");
        len = snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ?",
                          table);
        assert_true(len > 0 && (size_t)len < sizeof(sql));
        assert_int_equal(db_exec(w->f->c.db, sql, "i", id), DB_DONE);
    }
}

/* What the queue reads from materials: the join keys and the price. */
static const char *const material_answer[] = {"printer_id", "slot",
                                              "cost_per_kg", NULL};

static void
test_material_columns(void **state)
{
    check_columns(*state, "materials", material_row, material_answer, 1);
}

/* The dispatcher's bookkeeping on a print, which the queue never shows;
 * every other column of scheduled_prints is part of the answer. */
static const char *const print_bookkeeping[] = {
    "dispatch_token", "dispatch_attempts", "last_dispatch_error",
    "confirmed_at", NULL};

static void
test_print_columns(void **state)
{
    check_columns(*state, "scheduled_prints", print_row, print_bookkeeping,
                  0);
}

/* A dispatcher step syncing the same spool again (a later synced_at, the
 * remaining share going down) keeps every worker's cached queue; a new
 * price on the same material does not. */
static void
test_sync_keeps_version(void **state)
{
    struct world *w = *state;
    struct material_seen seen = {1, "PLA", "#00FF00", 80, 1000, "UU"};
    struct material m;
    int64_t v, id = 0;
    int changed;

    w->f->c.now = 1000;
    assert_int_equal(material_sync(&w->f->c, w->printer, 3, &seen, &changed),
                     0);
    v = version(w, w->printer);
    for (int step = 1; step <= 3; step++) {
        w->f->c.now = 1000 + step * 10;
        seen.remaining_percent = 80 - step;
        assert_int_equal(
            material_sync(&w->f->c, w->printer, 3, &seen, &changed), 0);
        assert_int_equal(changed, 0);
        assert_int_equal(version(w, w->printer), v);
    }
    assert_int_equal(db_get_int(w->f->c.db, &id,
                                "SELECT id FROM materials WHERE printer_id "
                                "= ? AND slot = 3 AND synced_at = 1030",
                                "i", w->printer),
                     DB_ROW);
    fixture_next(w->f);
    assert_int_equal(material_get(&w->f->c, id, &m), 0);
    m.cost_per_kg = 2500;
    assert_int_equal(material_update(&w->f->c, &m), 0);
    assert_true(version(w, w->printer) > v);
}

static int
setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    struct fixture *f = fixture_open();

    if (w == NULL || f == NULL)
        return -1;
    w->f = f;
    w->other_user = fixture_user(f, "mig-b@example.test");
    if (w->other_user <= 0 || fixture_user(f, "mig-a@example.test") <= 0)
        return -1;
    w->printer = fixture_printer(f, "MIG1");
    w->other_printer = fixture_printer(f, "MIG2");
    if (w->printer <= 0 || w->other_printer <= 0 ||
        db_get_int(f->c.db, &w->order,
                   "INSERT INTO orders (user_id, created_at, updated_at) "
                   "VALUES (?, 1, 1) RETURNING id",
                   "i", f->c.user_id) != DB_ROW ||
        db_get_int(f->c.db, &w->item,
                   "INSERT INTO order_items (order_id, title, quantity) "
                   "VALUES (?, 't', 1) RETURNING id",
                   "i", w->order) != DB_ROW ||
        db_get_int(f->c.db, &w->parent,
                   "INSERT INTO scheduled_prints (user_id, name, file, "
                   "status, estimated_minutes, created_at, updated_at) "
                   "VALUES (?, 'parent', 'f.3mf', 'queued', 1, 1, 1) "
                   "RETURNING id",
                   "i", f->c.user_id) != DB_ROW)
        return -1;
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_material_columns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_print_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_keeps_version, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
