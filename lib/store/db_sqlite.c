/*
 * db_sqlite — the SQLite backend: WAL, a busy timeout, foreign keys, and a
 * per-connection cache of prepared statements keyed by their SQL text.
 */
#include "store/db_backend.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/stmt_cache.h"
#include "base/log.h"

#include "base/banned.h"

struct db_stmt {
    struct db_stmt_common common;
    sqlite3_stmt *s;
};

struct db {
    struct db_common common;
    sqlite3 *h;
    struct stmt_cache cache;
};

static void
stmt_free(struct db_stmt_common *c)
{
    struct db_stmt *st = (struct db_stmt *)c;

    sqlite3_finalize(st->s);
    free(st->common.sql);
    free(st);
}

static struct db *
sq_open(const char *path)
{
    struct db *db = calloc(1, sizeof(*db));
    char *msg = NULL;

    if (db == NULL)
        abort();
    db->common.backend = &db_sqlite_backend;
    if (sqlite3_open_v2(path, &db->h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        log_error("sqlite: cannot open %s: %s", path,
                  db->h ? sqlite3_errmsg(db->h) : "out of memory");
        sqlite3_close(db->h);
        free(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->h, 10000);
    if (sqlite3_exec(db->h,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                     "PRAGMA foreign_keys=ON;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        log_error("sqlite: %s: %s", path, msg ? msg : "pragma failed");
        sqlite3_free(msg);
        sqlite3_close(db->h);
        free(db);
        return NULL;
    }
    return db;
}

static void
sq_close(struct db *db)
{
    stmt_cache_drop_overflow(&db->cache, stmt_free);
    stmt_cache_each(&db->cache, stmt_free);
    sqlite3_close(db->h);
    free(db);
}

static struct db_stmt *
sq_prepare(struct db *db, const char *sql)
{
    struct db_stmt_common **slot;
    struct db_stmt *st;
    uint32_t h;

    st = (struct db_stmt *)stmt_cache_find(&db->cache, sql, &h, &slot);
    if (st != NULL)
        return st;
    st = calloc(1, sizeof(*st));
    if (st == NULL || (st->common.sql = strdup(sql)) == NULL)
        abort();
    st->common.backend = &db_sqlite_backend;
    st->common.hash = h;
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->s,
                           NULL) != SQLITE_OK) {
        log_error("sqlite: prepare failed: %s: %s", sqlite3_errmsg(db->h),
                  sql);
        free(st->common.sql);
        free(st);
        return NULL;
    }
    stmt_cache_add(&db->cache, &st->common, slot);
    return st;
}

static struct db_stmt *
sq_vquery(struct db *db, const char *sql, const char *types, va_list ap)
{
    struct db_stmt *st = sq_prepare(db, sql);
    int idx = 1, rc = SQLITE_OK;

    if (st == NULL)
        return NULL;
    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
    for (const char *t = types; *t && rc == SQLITE_OK; t++, idx++) {
        if (*t == 'i') {
            int64_t v = va_arg(ap, int64_t);

            rc = v == DB_NULL ? sqlite3_bind_null(st->s, idx)
                              : sqlite3_bind_int64(st->s, idx, v);
        } else if (*t == 't') {
            const char *v = va_arg(ap, const char *);

            rc = v == NULL ? sqlite3_bind_null(st->s, idx)
                           : sqlite3_bind_text(st->s, idx, v, -1,
                                               SQLITE_TRANSIENT);
        } else {
            log_error("sqlite: bad type letter '%c' for: %s", *t, sql);
            return NULL;
        }
    }
    if (rc != SQLITE_OK) {
        log_error("sqlite: bind failed: %s: %s", sqlite3_errmsg(db->h), sql);
        return NULL;
    }
    return st;
}

static int
sq_step(struct db_stmt *st)
{
    int rc = sqlite3_step(st->s);

    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st->s);
        return DB_DONE;
    }
    rc = sqlite3_reset(st->s);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return DB_CONSTRAINT;
    log_error("sqlite: step failed: %s: %s",
              sqlite3_errmsg(sqlite3_db_handle(st->s)), st->common.sql);
    return DB_ERROR;
}

static int64_t
sq_col_int(struct db_stmt *st, int col)
{
    if (sqlite3_column_type(st->s, col) == SQLITE_NULL)
        return DB_NULL;
    return sqlite3_column_int64(st->s, col);
}

static const char *
sq_col_text(struct db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st->s, col);
}

static int
sq_col_is_null(struct db_stmt *st, int col)
{
    return sqlite3_column_type(st->s, col) == SQLITE_NULL;
}

static void
sq_done(struct db_stmt *st)
{
    sqlite3_reset(st->s);
}

static int64_t
sq_changes(struct db *db)
{
    return sqlite3_changes64(db->h);
}

/* PRAGMA data_version moves when another connection commits; this
 * connection's own writes show in total_changes. Together: "anything
 * written since". -1 when the pragma cannot be read. */
static int64_t
sq_data_version(struct db *db)
{
    sqlite3_stmt *st;
    int64_t v = -1;

    if (sqlite3_prepare_v2(db->h, "PRAGMA data_version", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0) * 1000003 +
            sqlite3_total_changes64(db->h);
    sqlite3_finalize(st);
    return v;
}

static int
sq_script(struct db *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("sqlite: script failed: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void
stmt_reset(struct db_stmt_common *c)
{
    sqlite3_reset(((struct db_stmt *)c)->s);
}

static void
sq_reset_all(struct db *db)
{
    stmt_cache_drop_overflow(&db->cache, stmt_free);
    stmt_cache_each(&db->cache, stmt_reset);
}

static int
sq_begin(struct db *db, int mode)
{
    /* one writer at a time whatever the mode */
    return sq_script(db, mode == DB_TX_READ ? "BEGIN" : "BEGIN IMMEDIATE");
}

static int
sq_broken(struct db *db)
{
    (void)db;
    return 0;
}

const struct db_backend db_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .vquery = sq_vquery,
    .step = sq_step,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_is_null = sq_col_is_null,
    .done = sq_done,
    .changes = sq_changes,
    .data_version = sq_data_version,
    .script = sq_script,
    .reset_all = sq_reset_all,
    .begin = sq_begin,
    .broken = sq_broken,
};
