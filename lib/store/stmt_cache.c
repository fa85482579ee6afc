#include "store/stmt_cache.h"

#include <string.h>

#include "base/banned.h"

#define PROBE 8

static uint32_t
sql_hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static int
is(const struct db_stmt_common *st, uint32_t h, const char *sql)
{
    return st->hash == h && strcmp(st->sql, sql) == 0;
}

struct db_stmt_common *
stmt_cache_find(struct stmt_cache *c, const char *sql, uint32_t *hash,
                struct db_stmt_common ***slot)
{
    uint32_t h = sql_hash(sql);

    *hash = h;
    *slot = NULL;
    for (int i = 0; i < PROBE; i++) {
        struct db_stmt_common **s = &c->slot[(h + i) & (STMT_CACHE_SLOTS - 1)];

        if (*s == NULL) {
            *slot = s;
            return NULL;
        }
        if (is(*s, h, sql))
            return *s;
    }
    /* the same SQL again in this unit of work reuses its overflow copy */
    for (struct db_stmt_common *st = c->overflow; st != NULL; st = st->next)
        if (is(st, h, sql))
            return st;
    return NULL;
}

void
stmt_cache_add(struct stmt_cache *c, struct db_stmt_common *st,
               struct db_stmt_common **slot)
{
    if (slot != NULL) {
        *slot = st;
    } else {
        st->next = c->overflow;
        c->overflow = st;
    }
}

void
stmt_cache_drop_overflow(struct stmt_cache *c,
                         void (*free_fn)(struct db_stmt_common *))
{
    while (c->overflow != NULL) {
        struct db_stmt_common *st = c->overflow;

        c->overflow = st->next;
        free_fn(st);
    }
}

void
stmt_cache_each(struct stmt_cache *c, void (*fn)(struct db_stmt_common *))
{
    for (int i = 0; i < STMT_CACHE_SLOTS; i++)
        if (c->slot[i] != NULL)
            fn(c->slot[i]);
}
