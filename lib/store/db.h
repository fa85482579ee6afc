/*
 * db — the data-access interface every domain module uses, independent of
 * the backend: SQLite (db_sqlite.c) or PostgreSQL (db_pg.c), each filling
 * struct db_backend (db_backend.h) behind these same calls, each with its
 * own migrations (sql/sqlite/, sql/postgres/).
 *
 * SQL is written once in the common dialect: `?` placeholders, integer
 * seconds for times, integer cents, 0/1 for booleans, `RETURNING id` after
 * INSERT. Statements are prepared once per connection and cached; a query
 * call resets and rebinds. A NULL integer travels as DB_NULL both ways.
 *
 * Argument letters for the `types` strings:
 *   'i'  int64_t       (DB_NULL binds NULL)
 *   't'  const char *  (NULL binds NULL)
 */
#ifndef DB_H
#define DB_H

#include <stdint.h>

#include "base/null.h"

enum { DB_DONE = 0, DB_ROW = 1, DB_ERROR = -1, DB_CONSTRAINT = -2 };

struct db;
struct db_stmt;

/* Opens "sqlite:PATH" or a plain path (SQLite), or a PostgreSQL
 * connection string: "postgresql://..." / "postgres://..." or libpq's
 * "key=value ..." form. NULL on failure (logged). */
struct db *db_open(const char *url);
int db_url_is_postgres(const char *url);
/* 1 when the connection to the database was lost during this unit of work
 * (PostgreSQL); the next app_begin reconnects. What turns a failed request
 * into 503 rather than 500. */
int db_broken(struct db *db);
void db_close(struct db *db);
const char *db_backend_name(const struct db *db);

/* Prepares (or takes from the cache), resets and binds. NULL on error,
 * logged. The statement stays valid until the next query with the same SQL
 * on this connection; finish with db_done() or by stepping to the end. */
struct db_stmt *db_query(struct db *db, const char *sql, const char *types,
                         ...);

/* DB_ROW, DB_DONE (statement reset), DB_CONSTRAINT or DB_ERROR (reset and
 * logged). */
int db_step(struct db_stmt *st);
int64_t db_int(struct db_stmt *st, int col);
/* NULL for SQL NULL; valid until the next step or reset. */
const char *db_text(struct db_stmt *st, int col);
int db_is_null(struct db_stmt *st, int col);
void db_done(struct db_stmt *st);

/* Runs one statement to completion: DB_DONE, DB_CONSTRAINT or DB_ERROR. */
int db_exec(struct db *db, const char *sql, const char *types, ...);

/* Runs one statement and reads column 0 of its first row: DB_ROW, DB_DONE
 * (no row, *out untouched), DB_CONSTRAINT or DB_ERROR. */
int db_get_int(struct db *db, int64_t *out, const char *sql,
               const char *types, ...);

/* What to append to a SELECT inside a write transaction that is about to
 * update the rows it reads: " FOR UPDATE" (skip_locked: " FOR UPDATE SKIP
 * LOCKED", so concurrent claimers take different rows) on PostgreSQL, ""
 * on SQLite, whose write transaction already excludes every other writer. */
const char *db_for_update(const struct db *db, int skip_locked);

/* What to append to a text expression in ORDER BY so that it sorts by
 * bytes, as SQLite's BINARY collation does: ' COLLATE "C"' on PostgreSQL,
 * where a database made with a language's collation would put "alpha"
 * before "Zeta" and "_draft" first; "" on SQLite. */
const char *db_order_bytes(const struct db *db);

/* Rows changed by the last INSERT/UPDATE/DELETE. */
int64_t db_changes(struct db *db);

/* A number that moves whenever anything in the database was written, by
 * this connection or any other, since the last call; -1 when unknown. What
 * a per-process cache of rendered pages checks before it answers. */
int64_t db_data_version(struct db *db);

/* The one transaction helper; nest-aware. At depth 0 db_begin opens a
 * write transaction (BEGIN IMMEDIATE on SQLite, the write lock on
 * PostgreSQL) and db_begin_read a
 * read-only unit of work (one snapshot and one lock round trip for all its
 * queries); inside an open one either opens a SAVEPOINT, so a unit that
 * fails rolls back only its own writes and the caller decides about the
 * rest. Each begin is closed by one db_commit or one db_rollback. A failed
 * db_commit has already rolled its level back and closed it: do not call
 * db_rollback after it (that would close the enclosing level). db_rollback
 * without an open level does nothing. 0 or -1 (logged). */
int db_begin(struct db *db);
int db_begin_read(struct db *db);
/* A write transaction that shares the farm-wide write lock (PostgreSQL):
 * for a unit of work whose every check-then-write is on rows it has locked
 * itself (SELECT ... FOR UPDATE) or guards in its UPDATE's WHERE, such as
 * a dispatcher's step for a printer whose lease row it locks first, so
 * several dispatchers write at once. It still never runs beside a db_begin
 * unit (a web request), whose reads lock no rows and so must not see such
 * a unit's writes land between its check and its write. On SQLite the
 * same as db_begin. */
int db_begin_rows(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
/* Closes the level db_begin opened: commits when rc is 0 or more, else
 * rolls back. 0, or -1 when rc < 0 or the commit failed. */
int db_end(struct db *db, int rc);
/* The number of open levels: 0 outside a transaction, 1 in one, more
 * inside savepoints. */
int db_in_transaction(const struct db *db);

/* Runs several ;-separated statements (migrations). 0 or -1 (logged). */
int db_script(struct db *db, const char *sql);

/* Resets every cached statement (end of a unit of work). */
void db_reset_all(struct db *db);

#endif
