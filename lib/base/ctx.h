/*
 * ctx — one unit of work (a web request, a CLI command, a dispatcher step):
 * its arena, database handle, configuration, signed-in user and error.
 * Callers keep it on the stack; everything it points to outlives it.
 */
#ifndef CTX_H
#define CTX_H

#include <stdint.h>

#include "base/err.h"

struct arena;
struct db;
struct conf;

struct ctx {
    struct arena *arena;
    struct db *db;
    const struct conf *conf;
    int64_t user_id; /* 0 when nobody is signed in */
    int64_t now;     /* UTC seconds, fixed for the unit of work */
    struct err err;
};

#endif
