/*
 * db_copy — moves an install's data from SQLite to PostgreSQL (farmctl db
 * copy). The tables are found in the source's catalog (sqlite_master), never
 * named here: each table's SQL belongs to its owner module, and a table a
 * later migration adds is copied without a change to this file.
 *
 * Invariants:
 *   - the source is only read, inside one read transaction (one snapshot);
 *   - the target is migrated first (migrate_apply) and must hold no rows in
 *     any table but schema_migrations;
 *   - every row lands in one transaction on the target, or none does: any
 *     failure rolls the whole copy back (the migrated, empty schema stays);
 *   - values are copied as they are: NULL stays NULL, a column the target
 *     declares as an integer gets the same integer (a value that is not one
 *     fails the copy), text stays text;
 *   - the target's user triggers are disabled for the copy, so values that
 *     triggers derive on the source (printers.queue_version, bumped by
 *     inserts into prints and materials) arrive as the source has them
 *     instead of being bumped again; its foreign keys are checked once, at
 *     the end, so the order of tables and of rows does not matter;
 *   - every identity sequence is moved past the largest copied id, so the
 *     next insert gets a fresh id;
 *   - each table's row count on the target equals the source's before the
 *     transaction commits.
 */
#ifndef DB_COPY_H
#define DB_COPY_H

#include <stdint.h>

struct db;
struct err;

/* Called once per copied table, in name order, after the copy committed:
 * the table and the rows it now holds on the target (equal to the
 * source's). */
typedef void db_copy_report_fn(void *arg, const char *table, int64_t rows);

/* Copies every table of the SQLite database from (except
 * schema_migrations) into the PostgreSQL database to, as described above.
 * 0, or -1 with e set (a message for the operator; the database's own
 * error is logged); on -1 the target holds none of the rows. */
int db_copy(struct db *from, struct db *to, db_copy_report_fn *report,
            void *arg, struct err *e);

#endif
