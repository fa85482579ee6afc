#include "domain/job_overview.h"

#include <string.h>

#include "base/ctx.h"
#include "store/db.h"

#include "base/banned.h"

int
job_overview_today(struct ctx *c, int64_t since, struct job_today *t)
{
    struct db_stmt *st;
    int rc;

    memset(t, 0, sizeof(*t));
    st = db_query(c->db,
                  "SELECT "
                  "COALESCE(SUM(status = 'started'), 0), "
                  "COALESCE(SUM(status IN ('queued', 'scheduled')), 0), "
                  "COALESCE(SUM(status = 'completed' AND completed_at >= ?), 0), "
                  "COALESCE(SUM(status = 'failed' AND completed_at >= ?), 0), "
                  "COALESCE(SUM(CASE WHEN status IN ('completed', 'failed') "
                  "AND completed_at >= ? THEN grams END), 0) "
                  "FROM scheduled_prints WHERE user_id = ?",
                  "iiii", since, since, since, c->user_id);
    if (st == NULL || (rc = db_step(st)) != DB_ROW)
        return err_internal(&c->err, "job_overview: today's numbers");
    t->printing = db_int(st, 0);
    t->queued = db_int(st, 1);
    t->completed = db_int(st, 2);
    t->failed = db_int(st, 3);
    t->grams = db_int(st, 4);
    db_done(st);
    return 0;
}
