/*
 * migrate — applies the numbered migrations of sql/<backend>/ (embedded in
 * the binary at build time) that the database has not seen yet, each in its
 * own transaction, recording them in schema_migrations. Safe to run from
 * several processes at once: the write transaction serialises them. Steps
 * SQL cannot do are recorded there too, under names without a number
 * (migrate_code: "reseal-v2", domain/reseal.h).
 */
#ifndef MIGRATE_H
#define MIGRATE_H

struct db;

struct migration {
    const char *name; /* "001-init" */
    const char *sql;
};

/* Returns the number applied, or -1 (logged). */
int migrate_apply(struct db *db);

/* A step that SQL cannot do (re-sealing needs the key), run once per
 * database like a migration and recorded under name in schema_migrations:
 * fn(arg) runs inside one write transaction that also records name, unless
 * name is recorded already (checked inside it, so of several programs
 * starting at once one runs it); with force it runs even then. 1 ran, 0
 * recorded before, -1 when fn (or the database) failed: rolled back,
 * nothing recorded. */
int migrate_code(struct db *db, const char *name, int force,
                 int (*fn)(void *arg), void *arg);

#endif
