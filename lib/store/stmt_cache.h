/*
 * stmt_cache — a connection's prepared statements, keyed by their SQL text,
 * for both backends (db_sqlite.c, db_pg.c): an open-addressed table of
 * STMT_CACHE_SLOTS slots (a short probe), and an overflow list for the
 * statements that found no slot (dynamic SQL), which the backend frees at
 * the end of the unit of work so no caller's statement is freed under it.
 * The SQL, its hash and the list link live in struct db_stmt_common.
 */
#ifndef STMT_CACHE_H
#define STMT_CACHE_H

#include <stdint.h>

#include "store/db_backend.h"

#define STMT_CACHE_SLOTS 512 /* power of two */

struct stmt_cache {
    struct db_stmt_common *slot[STMT_CACHE_SLOTS];
    struct db_stmt_common *overflow;
};

/* The statement cached for sql, or NULL: then *hash is sql's hash and
 * *slot the free slot a new statement goes to (NULL when the probe found
 * none: it goes on the overflow list). */
struct db_stmt_common *stmt_cache_find(struct stmt_cache *c, const char *sql,
                                       uint32_t *hash,
                                       struct db_stmt_common ***slot);

/* Adds st (its sql and hash set) where stmt_cache_find said. */
void stmt_cache_add(struct stmt_cache *c, struct db_stmt_common *st,
                    struct db_stmt_common **slot);

/* Frees the overflow list with free_fn. */
void stmt_cache_drop_overflow(struct stmt_cache *c,
                              void (*free_fn)(struct db_stmt_common *));

/* Calls fn on every statement in a slot. */
void stmt_cache_each(struct stmt_cache *c,
                     void (*fn)(struct db_stmt_common *));

#endif
