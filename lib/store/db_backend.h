/*
 * db_backend — what a database backend provides to store/db.c. Only db.c and
 * the db_<backend>.c files include this.
 */
#ifndef DB_BACKEND_H
#define DB_BACKEND_H

#include <stdarg.h>
#include <stdint.h>

struct db;
struct db_stmt;

struct db_backend {
    const char *name;
    struct db *(*open)(const char *target);
    void (*close)(struct db *db);
    struct db_stmt *(*vquery)(struct db *db, const char *sql,
                              const char *types, va_list ap);
    int (*step)(struct db_stmt *st);
    int64_t (*col_int)(struct db_stmt *st, int col);
    const char *(*col_text)(struct db_stmt *st, int col);
    int (*col_is_null)(struct db_stmt *st, int col);
    void (*done)(struct db_stmt *st);
    int64_t (*changes)(struct db *db);
    int64_t (*data_version)(struct db *db);
    int (*script)(struct db *db, const char *sql);
    void (*reset_all)(struct db *db);
    /* Opens a top-level transaction: DB_TX_READ (one snapshot),
     * DB_TX_WRITE (one writer at a time) or DB_TX_ROWS (a write one that
     * relies on row locks). 0 or -1. */
    int (*begin)(struct db *db, int mode);
    /* 1 when the connection was lost (re-established at reset_all). */
    int (*broken)(struct db *db);
};

enum { DB_TX_READ, DB_TX_WRITE, DB_TX_ROWS };

/* Every backend's struct db starts with this. */
struct db_common {
    const struct db_backend *backend;
    int depth; /* open transaction levels: 0 none, 1 BEGIN, >1 savepoints */
};

/* Every backend's struct db_stmt starts with this. */
struct db_stmt_common {
    const struct db_backend *backend;
    char *sql;                   /* as the caller wrote it: the cache key */
    uint32_t hash;               /* of sql (store/stmt_cache.h) */
    struct db_stmt_common *next; /* the cache's overflow list */
};

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend db_pg_backend;

#endif
