#include "store/migrate.h"

#include <string.h>

#include "base/clock.h"
#include "store/db.h"
#include "base/log.h"

#include "base/banned.h"

extern const struct migration migrations_sqlite[];
extern const struct migration migrations_postgres[];

static int
migrate_one(struct db *db, const struct migration *m)
{
    int64_t seen = 0;
    int rc;

    if (db_begin(db) < 0)
        return -1;
    rc = db_get_int(db, &seen,
                    "SELECT 1 FROM schema_migrations WHERE version = ?", "t",
                    m->name);
    if (rc == DB_ROW) {
        db_rollback(db);
        return 0;
    }
    if (rc != DB_DONE || db_script(db, m->sql) < 0 ||
        db_exec(db,
                "INSERT INTO schema_migrations (version, applied_at) "
                "VALUES (?, ?)",
                "ti", m->name, clock_now()) != DB_DONE ||
        db_commit(db) < 0) {
        log_error("migrate: %s failed", m->name);
        db_rollback(db);
        return -1;
    }
    log_info("migrate: applied %s", m->name);
    return 1;
}

int
migrate_apply(struct db *db)
{
    const struct migration *list =
        strcmp(db_backend_name(db), "postgresql") == 0 ? migrations_postgres
                                                       : migrations_sqlite;
    int applied = 0;

    /* under the write lock, so two processes starting at once on a fresh
     * database do not both create it */
    if (db_begin(db) < 0 ||
        db_end(db, db_script(db, "CREATE TABLE IF NOT EXISTS "
                                 "schema_migrations ("
                                 " version TEXT PRIMARY KEY,"
                                 " applied_at BIGINT NOT NULL)")) < 0)
        return -1;
    for (const struct migration *m = list; m->name != NULL; m++) {
        int rc = migrate_one(db, m);

        if (rc < 0)
            return -1;
        applied += rc;
    }
    return applied;
}

int
migrate_code(struct db *db, const char *name, int force, int (*fn)(void *arg),
             void *arg)
{
    int64_t seen = 0;
    int rc;

    /* recorded: said without taking the write lock (a plain CGI install
     * asks on every request) */
    if (!force && db_get_int(db, &seen,
                             "SELECT 1 FROM schema_migrations "
                             "WHERE version = ?",
                             "t", name) == DB_ROW)
        return 0;
    if (db_begin(db) < 0)
        return -1;
    rc = db_get_int(db, &seen,
                    "SELECT 1 FROM schema_migrations WHERE version = ?", "t",
                    name);
    if (rc == DB_ROW && !force) {
        db_rollback(db);
        return 0;
    }
    if (rc == DB_ERROR || fn(arg) < 0 ||
        (rc == DB_DONE &&
         db_exec(db,
                 "INSERT INTO schema_migrations (version, applied_at) "
                 "VALUES (?, ?)",
                 "ti", name, clock_now()) != DB_DONE)) {
        log_error("migrate: %s failed", name);
        db_rollback(db);
        return -1;
    }
    if (db_commit(db) < 0) {
        log_error("migrate: %s failed", name);
        return -1;
    }
    if (rc == DB_DONE)
        log_info("migrate: applied %s", name);
    return 1;
}
