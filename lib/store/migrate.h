/*
 * migrate — applies the numbered migrations of sql/<backend>/ (embedded in
 * the binary at build time) that the database has not seen yet, each in its
 * own transaction, recording them in schema_migrations. Safe to run from
 * several processes at once: the write transaction serialises them.
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

#endif
