#include "store/db.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store/db_backend.h"
#include "base/log.h"

#include "base/banned.h"

#define COMMON(db) ((struct db_common *)(db))
#define OPS(db) (COMMON(db)->backend)
#define SOPS(st) (((struct db_stmt_common *)(st))->backend)

int
db_url_is_postgres(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 ||
           strncmp(url, "postgres://", 11) == 0 ||
           (strncmp(url, "sqlite:", 7) != 0 && url[0] != '/' &&
            strchr(url, '=') != NULL);
}

struct db *
db_open(const char *url)
{
    if (db_url_is_postgres(url))
        return db_pg_backend.open(url);
    if (strncmp(url, "sqlite:", 7) == 0)
        url += 7;
    return db_sqlite_backend.open(url);
}

int
db_broken(struct db *db)
{
    return OPS(db)->broken(db);
}

void
db_close(struct db *db)
{
    if (db != NULL)
        OPS(db)->close(db);
}

const char *
db_backend_name(const struct db *db)
{
    return ((const struct db_common *)db)->backend->name;
}

struct db_stmt *
db_query(struct db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    struct db_stmt *st;

    va_start(ap, types);
    st = OPS(db)->vquery(db, sql, types, ap);
    va_end(ap);
    return st;
}

int
db_step(struct db_stmt *st)
{
    return SOPS(st)->step(st);
}

int64_t
db_int(struct db_stmt *st, int col)
{
    return SOPS(st)->col_int(st, col);
}

const char *
db_text(struct db_stmt *st, int col)
{
    return SOPS(st)->col_text(st, col);
}

int
db_is_null(struct db_stmt *st, int col)
{
    return SOPS(st)->col_is_null(st, col);
}

void
db_done(struct db_stmt *st)
{
    if (st != NULL)
        SOPS(st)->done(st);
}

int
db_exec(struct db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    struct db_stmt *st;
    int rc;

    va_start(ap, types);
    st = OPS(db)->vquery(db, sql, types, ap);
    va_end(ap);
    if (st == NULL)
        return DB_ERROR;
    while ((rc = db_step(st)) == DB_ROW)
        ;
    return rc;
}

int
db_get_int(struct db *db, int64_t *out, const char *sql, const char *types,
           ...)
{
    va_list ap;
    struct db_stmt *st;
    int rc;

    va_start(ap, types);
    st = OPS(db)->vquery(db, sql, types, ap);
    va_end(ap);
    if (st == NULL)
        return DB_ERROR;
    rc = db_step(st);
    if (rc == DB_ROW) {
        *out = db_int(st, 0);
        db_done(st);
    }
    return rc;
}

const char *
db_for_update(const struct db *db, int skip_locked)
{
    if (strcmp(db_backend_name(db), "postgresql") != 0)
        return "";
    return skip_locked ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE";
}

const char *
db_order_bytes(const struct db *db)
{
    return strcmp(db_backend_name(db), "postgresql") == 0 ? " COLLATE \"C\""
                                                          : "";
}

int64_t
db_changes(struct db *db)
{
    return OPS(db)->changes(db);
}

int64_t
db_data_version(struct db *db)
{
    return OPS(db)->data_version(db);
}

/* Opens the next level: a transaction of mode (DB_TX_*) at depth 0, else a
 * savepoint named after the depth, so an inner unit can fail alone. */
static int
db_open_level(struct db *db, int mode)
{
    struct db_common *d = COMMON(db);
    char sql[32];

    if (d->depth == 0) {
        if (OPS(db)->begin(db, mode) < 0)
            return -1;
    } else {
        snprintf(sql, sizeof sql, "SAVEPOINT tx%d", d->depth);
        if (db_exec(db, sql, "") != DB_DONE)
            return -1;
    }
    d->depth++;
    return 0;
}

int
db_begin(struct db *db)
{
    return db_open_level(db, DB_TX_WRITE);
}

int
db_begin_read(struct db *db)
{
    return db_open_level(db, DB_TX_READ);
}

int
db_begin_rows(struct db *db)
{
    return db_open_level(db, DB_TX_ROWS);
}

int
db_commit(struct db *db)
{
    struct db_common *d = COMMON(db);
    char sql[32];
    int rc;

    if (d->depth == 0) {
        log_error("db: commit without a transaction");
        return -1;
    }
    if (d->depth == 1) {
        rc = db_exec(db, "COMMIT", "");
    } else {
        snprintf(sql, sizeof sql, "RELEASE tx%d", d->depth - 1);
        rc = db_exec(db, sql, "");
    }
    if (rc != DB_DONE) {
        db_rollback(db);
        return -1;
    }
    d->depth--;
    return 0;
}

void
db_rollback(struct db *db)
{
    struct db_common *d = COMMON(db);
    char sql[64];

    if (d->depth == 0)
        return;
    if (db_broken(db)) {
        /* the server rolled back when the connection went; reconnecting
         * waits for the next unit of work, so that this one still sees
         * db_broken() */
    } else if (d->depth == 1) {
        /* a full rollback fails while statements are still running */
        db_reset_all(db);
        db_exec(db, "ROLLBACK", "");
    } else {
        /* ROLLBACK TO keeps the savepoint open; RELEASE closes it */
        snprintf(sql, sizeof sql, "ROLLBACK TO tx%d; RELEASE tx%d",
                 d->depth - 1, d->depth - 1);
        db_script(db, sql);
    }
    d->depth--;
}

int
db_end(struct db *db, int rc)
{
    if (rc < 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db);
}

int
db_in_transaction(const struct db *db)
{
    return ((const struct db_common *)db)->depth;
}

int
db_script(struct db *db, const char *sql)
{
    return OPS(db)->script(db, sql);
}

void
db_reset_all(struct db *db)
{
    OPS(db)->reset_all(db);
}
