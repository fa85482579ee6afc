#include "domain/health.h"

#include <stdint.h>

#include "base/ctx.h"
#include "store/db.h"

#include "base/banned.h"

int
health_db_ok(struct ctx *c)
{
    int64_t one = 0;

    /* names no table, so it answers before any migration too */
    return db_get_int(c->db, &one, "SELECT 1", "") == DB_ROW;
}
