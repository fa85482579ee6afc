/*
 * test_db — the data-access layer on SQLite: query/step/columns, NULL as
 * DB_NULL both ways, DB_CONSTRAINT on unique violations, transactions, the
 * statement cache (reuse, more statements than slots, a statement being
 * stepped while others run), db_get_int with no row, errors.
 */
#include "store/db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/banned.h"

static char dir[] = "/tmp/test_db.XXXXXX";
static char path[128];

static int
setup(void **state)
{
    struct db *db;

    if (path[0] == '\0') {
        if (mkdtemp(dir) == NULL)
            return -1;
        snprintf(path, sizeof(path), "sqlite:%s/t.db", dir);
    }
    db = db_open(path);
    if (db == NULL)
        return -1;
    if (db_script(db, "DROP TABLE IF EXISTS t;"
                      "CREATE TABLE t (id INTEGER PRIMARY KEY, "
                      "name TEXT NOT NULL UNIQUE, n INTEGER, note TEXT);") < 0)
        return -1;
    *state = db;
    return 0;
}

static int
teardown(void **state)
{
    db_close(*state);
    return 0;
}

static int
group_teardown(void **state)
{
    char cmd[160];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void
test_basic(void **state)
{
    struct db *db = *state;
    struct db_stmt *st;
    int64_t id = 0;
    int rows = 0;

    assert_string_equal(db_backend_name(db), "sqlite");
    assert_int_equal(db_get_int(db, &id,
                                "INSERT INTO t (name, n, note) VALUES (?, ?, ?)"
                                " RETURNING id",
                                "tit", "a", (int64_t)5, "hello"),
                     DB_ROW);
    assert_true(id > 0);
    assert_int_equal(db_exec(db, "INSERT INTO t (name, n) VALUES (?, ?)", "ti",
                             "b", INT64_MAX),
                     DB_DONE);
    assert_int_equal(db_changes(db), 1);
    st = db_query(db, "SELECT id, name, n, note FROM t ORDER BY name", "");
    assert_non_null(st);
    while (db_step(st) == DB_ROW) {
        if (rows == 0) {
            assert_int_equal(db_int(st, 0), id);
            assert_string_equal(db_text(st, 1), "a");
            assert_int_equal(db_int(st, 2), 5);
            assert_string_equal(db_text(st, 3), "hello");
        } else {
            assert_string_equal(db_text(st, 1), "b");
            assert_int_equal(db_int(st, 2), INT64_MAX);
            assert_null(db_text(st, 3));
        }
        rows++;
    }
    assert_int_equal(rows, 2);
    assert_int_equal(db_exec(db, "UPDATE t SET n = n + 1", ""), DB_DONE);
    assert_int_equal(db_changes(db), 2);
}

static void
test_null_both_ways(void **state)
{
    struct db *db = *state;
    struct db_stmt *st;
    int64_t v = 99;

    assert_int_equal(db_exec(db, "INSERT INTO t (name, n, note) VALUES (?,?,?)",
                             "tit", "nul", DB_NULL, (const char *)NULL),
                     DB_DONE);
    assert_int_equal(db_get_int(db, &v,
                                "SELECT count(*) FROM t WHERE n IS NULL AND "
                                "note IS NULL",
                                ""),
                     DB_ROW);
    assert_int_equal(v, 1);
    st = db_query(db, "SELECT n, note, name FROM t WHERE name = ?", "t", "nul");
    assert_non_null(st);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_int(st, 0), DB_NULL);
    assert_true(db_is_null(st, 0));
    assert_null(db_text(st, 1));
    assert_true(db_is_null(st, 1));
    assert_false(db_is_null(st, 2));
    assert_int_equal(db_step(st), DB_DONE);
    /* 0 is not NULL */
    assert_int_equal(db_exec(db, "UPDATE t SET n = ? WHERE name = 'nul'", "i",
                             (int64_t)0),
                     DB_DONE);
    assert_int_equal(db_get_int(db, &v, "SELECT n FROM t WHERE name='nul'", ""),
                     DB_ROW);
    assert_int_equal(v, 0);
}

static void
test_constraint(void **state)
{
    struct db *db = *state;
    int64_t id = 0, n = -1;

    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES (?)", "t", "u"),
                     DB_DONE);
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES (?)", "t", "u"),
                     DB_CONSTRAINT);
    id = 42;
    assert_int_equal(db_get_int(db, &id,
                                "INSERT INTO t (name) VALUES (?) RETURNING id",
                                "t", "u"),
                     DB_CONSTRAINT);
    assert_int_equal(id, 42);
    /* NOT NULL is a constraint too */
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES (?)", "t",
                             (const char *)NULL),
                     DB_CONSTRAINT);
    /* the connection keeps working and nothing was half-written */
    assert_int_equal(db_get_int(db, &n, "SELECT count(*) FROM t", ""), DB_ROW);
    assert_int_equal(n, 1);
}

/* An inner level that fails rolls back only its own writes; the outer
 * one commits the rest, and an outer rollback takes the inner's released
 * writes with it. */
static void
test_nested_savepoints(void **state)
{
    struct db *db = *state;
    int64_t n = -1;

    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES ('o1')", ""),
                     DB_DONE);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES ('i1')", ""),
                     DB_DONE);
    assert_int_equal(db_begin(db), 0); /* depth 3 */
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES ('i2')", ""),
                     DB_DONE);
    assert_int_equal(db_end(db, -1), -1); /* fails alone */
    assert_int_equal(db_end(db, 0), 0);
    assert_true(db_in_transaction(db));
    assert_int_equal(db_commit(db), 0);
    assert_false(db_in_transaction(db));
    assert_int_equal(db_get_int(db, &n,
                                "SELECT count(*) FROM t WHERE name IN "
                                "('o1', 'i1', 'i2')",
                                ""),
                     DB_ROW);
    assert_int_equal(n, 2);

    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES ('i3')", ""),
                     DB_DONE);
    assert_int_equal(db_commit(db), 0);
    db_rollback(db); /* the outer level takes the released inner with it */
    assert_false(db_in_transaction(db));
    assert_int_equal(
        db_get_int(db, &n, "SELECT count(*) FROM t WHERE name = 'i3'", ""),
        DB_ROW);
    assert_int_equal(n, 0);
    assert_int_equal(db_commit(db), -1); /* nothing open */
}

static void
test_transactions(void **state)
{
    struct db *db = *state;
    int64_t n = -1;

    assert_false(db_in_transaction(db));
    assert_int_equal(db_begin(db), 0);
    assert_true(db_in_transaction(db));
    assert_int_equal(db_begin(db), 0); /* nested: a savepoint */
    assert_int_equal(db_commit(db), 0);
    assert_true(db_in_transaction(db)); /* the outer level stays open */
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES ('c1')", ""),
                     DB_DONE);
    assert_int_equal(db_commit(db), 0);
    assert_false(db_in_transaction(db));

    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES ('r1')", ""),
                     DB_DONE);
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES ('r2')", ""),
                     DB_DONE);
    assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES ('c1')", ""),
                     DB_CONSTRAINT);
    db_rollback(db);
    assert_false(db_in_transaction(db));
    db_rollback(db); /* harmless without one */
    assert_int_equal(db_get_int(db, &n, "SELECT count(*) FROM t", ""), DB_ROW);
    assert_int_equal(n, 1);
    assert_int_equal(db_get_int(db, &n,
                                "SELECT count(*) FROM t WHERE name LIKE 'r%'",
                                ""),
                     DB_ROW);
    assert_int_equal(n, 0);

    /* a second connection sees only committed data */
    {
        struct db *other = db_open(path);
        int64_t m = -1;

        assert_non_null(other);
        assert_int_equal(db_begin(db), 0);
        assert_int_equal(db_exec(db, "INSERT INTO t (name) VALUES ('x')", ""),
                         DB_DONE);
        assert_int_equal(db_get_int(other, &m, "SELECT count(*) FROM t", ""),
                         DB_ROW);
        assert_int_equal(m, 1);
        assert_int_equal(db_commit(db), 0);
        assert_int_equal(db_get_int(other, &m, "SELECT count(*) FROM t", ""),
                         DB_ROW);
        assert_int_equal(m, 2);
        db_close(other);
    }
}

static void
test_get_int_no_row(void **state)
{
    struct db *db = *state;
    int64_t v = 1234;

    assert_int_equal(db_get_int(db, &v, "SELECT id FROM t WHERE name = ?", "t",
                                "missing"),
                     DB_DONE);
    assert_int_equal(v, 1234);
    assert_int_equal(db_get_int(db, &v, "SELECT max(n) FROM t", ""), DB_ROW);
    assert_int_equal(v, DB_NULL);
}

static void
test_errors(void **state)
{
    struct db *db = *state;
    int64_t v = 5;

    assert_null(db_query(db, "SELEKT 1", ""));
    assert_int_equal(db_exec(db, "SELECT * FROM nope", ""), DB_ERROR);
    assert_int_equal(db_get_int(db, &v, "SELECT nope FROM t", ""), DB_ERROR);
    assert_int_equal(v, 5);
    assert_null(db_query(db, "SELECT ?", "x", (int64_t)1)); /* bad letter */
    assert_int_equal(db_script(db, "CREATE TABLE u (a); BROKEN;"), -1);
    db_done(NULL);
    assert_null(db_open("/nonexistent-dir/x/y.db"));
}

static void
test_cache(void **state)
{
    struct db *db = *state;
    struct db_stmt *a, *b, *held;
    char sql[64];
    int64_t v;
    int seen = 0;

    a = db_query(db, "SELECT ? + 1", "i", (int64_t)1);
    b = db_query(db, "SELECT ? + 1", "i", (int64_t)2);
    assert_non_null(a);
    assert_ptr_equal(a, b); /* same SQL: the cached statement */
    assert_int_equal(db_step(b), DB_ROW);
    assert_int_equal(db_int(b, 0), 3); /* rebound */
    db_done(b);

    for (int i = 0; i < 20; i++) {
        char name[16];

        snprintf(name, sizeof(name), "row%02d", i);
        assert_int_equal(db_exec(db, "INSERT INTO t (name, n) VALUES (?, ?)",
                                 "ti", name, (int64_t)i),
                         DB_DONE);
    }
    /* a statement being stepped stays valid while many others run,
     * including more distinct statements than the cache has slots */
    held = db_query(db, "SELECT n FROM t ORDER BY n", "");
    assert_non_null(held);
    while (db_step(held) == DB_ROW) {
        assert_int_equal(db_int(held, 0), seen);
        for (int i = 0; i < 40; i++) {
            int k = seen * 40 + i;

            snprintf(sql, sizeof(sql), "SELECT %d + ?", k);
            assert_int_equal(db_get_int(db, &v, sql, "i", (int64_t)1), DB_ROW);
            assert_int_equal(v, k + 1);
        }
        seen++;
    }
    assert_int_equal(seen, 20); /* 800 distinct statements ran meanwhile */
    /* earlier statements still work, with fresh bindings */
    for (int k = 0; k < 800; k += 37) {
        snprintf(sql, sizeof(sql), "SELECT %d + ?", k);
        assert_int_equal(db_get_int(db, &v, sql, "i", (int64_t)2), DB_ROW);
        assert_int_equal(v, k + 2);
    }
    /* the same overflowing SQL twice in a unit of work is one statement */
    a = db_query(db, "SELECT 799 + ?", "i", (int64_t)0);
    b = db_query(db, "SELECT 799 + ?", "i", (int64_t)1);
    assert_ptr_equal(a, b);
    db_done(b);
    /* the end of a unit of work resets everything and keeps working */
    db_reset_all(db);
    assert_int_equal(db_get_int(db, &v, "SELECT 799 + ?", "i", (int64_t)1),
                     DB_ROW);
    assert_int_equal(v, 800);
    assert_int_equal(db_get_int(db, &v, "SELECT ? + 1", "i", (int64_t)9),
                     DB_ROW);
    assert_int_equal(v, 10);
    /* an unfinished read does not block a write transaction */
    held = db_query(db, "SELECT n FROM t ORDER BY n", "");
    assert_int_equal(db_step(held), DB_ROW);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec(db, "UPDATE t SET n = n + 100", ""), DB_DONE);
    assert_int_equal(db_commit(db), 0);
    db_done(held);
    assert_int_equal(db_get_int(db, &v, "SELECT min(n) FROM t", ""), DB_ROW);
    assert_int_equal(v, 100);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_savepoints, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_get_int_no_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
