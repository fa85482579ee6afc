/*
 * job_timeline — the expected start and end of every open print (see
 * job_timeline.h for the rule). One query reads the open prints in run
 * order; the planning is arithmetic over them, lane by lane, in passes so
 * that a print chained after a print on another printer waits until its
 * parent has been planned.
 */
#include "domain/job_timeline.h"

#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/err.h"
#include "base/null.h"
#include "store/db.h"

#include "base/banned.h"

/* One open print as read, with what its plan is computed from. */
struct row {
    struct job_plan p;
    int64_t scheduled_at, minutes, offset, started_at;
    int parent; /* index of the chain parent among the rows, or -1 */
    int planned;
};

/* Reads the user's open prints in run order (queues by printer id, the
 * shared queue last): the order of index sp_queue within each printer. */
static int
timeline_read(struct ctx *c, struct row **out, int *n)
{
    size_t cap = 64;
    struct db_stmt *st;
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * cap);
    st = db_query(c->db,
                  "SELECT id, printer_id, chain_after_id, name, status, "
                  "progress_percent, scheduled_at, estimated_minutes, "
                  "chain_offset_minutes, started_at FROM scheduled_prints "
                  "WHERE user_id = ? AND status IN ('started', 'queued', "
                  "'scheduled') ORDER BY printer_id IS NULL, printer_id, "
                  "CASE WHEN status = 'started' THEN 0 ELSE 1 END, "
                  "priority DESC, COALESCE(scheduled_at, created_at), id",
                  "i", c->user_id);
    if (st == NULL)
        return err_internal(&c->err, "job: timeline failed");
    while ((rc = db_step(st)) == DB_ROW) {
        struct row *w;

        if ((size_t)*n == cap) {
            struct row *more = arena_alloc(c->arena, sizeof(*more) * cap * 2);

            memcpy(more, *out, sizeof(*more) * cap);
            *out = more;
            cap *= 2;
        }
        w = &(*out)[(*n)++];
        memset(w, 0, sizeof(*w));
        w->p.id = db_int(st, 0);
        w->p.printer_id = db_int(st, 1);
        w->p.chain_after_id = db_int(st, 2);
        w->p.name = arena_strdup(c->arena, db_text(st, 3));
        w->p.status = arena_strdup(c->arena, db_text(st, 4));
        w->p.progress_percent = db_int(st, 5);
        w->scheduled_at = db_int(st, 6);
        w->minutes = db_int(st, 7);
        w->offset = db_int(st, 8);
        w->started_at = db_int(st, 9);
        w->parent = -1;
    }
    return rc == DB_DONE ? 0 : err_internal(&c->err, "job: timeline failed");
}

/* Links each chained print to its parent's row when the parent is open. */
static void
timeline_link(struct row *rows, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; rows[i].p.chain_after_id != DB_NULL && k < n; k++)
            if (k != i && rows[k].p.id == rows[i].p.chain_after_id) {
                rows[i].parent = k;
                break;
            }
}

/* Plans the started print of a lane: its real start, its estimated end,
 * but never an end in the past (it is still running). */
static void
plan_started(struct row *w, int64_t now)
{
    int64_t start = w->started_at != DB_NULL ? w->started_at : now;
    int64_t end = start + w->minutes * 60;

    w->p.start = start;
    w->p.end = end > now ? end : now + 60;
    w->p.estimated = w->started_at == DB_NULL;
    w->planned = 1;
}

/* Plans a waiting print after the lane's cursor; 0, or -1 when it waits
 * for a parent that is not planned yet (unless forced: then its stored
 * scheduled_at stands in for the parent's end). */
static int
plan_waiting(struct row *rows, struct row *w, int64_t now, int64_t cursor,
             int force)
{
    int64_t earliest = now;
    int chained = 0;

    if (w->parent >= 0 && rows[w->parent].planned) {
        earliest = rows[w->parent].p.end + w->offset * 60;
        chained = 1;
    } else if (w->parent >= 0 && !force) {
        return -1;
    } else if (w->scheduled_at != DB_NULL) {
        earliest = w->scheduled_at;
        chained = w->p.chain_after_id != DB_NULL;
    }
    if (earliest < now)
        earliest = now; /* due, so it runs as soon as it can */
    w->p.start = earliest > cursor ? earliest : cursor;
    w->p.end = w->p.start + (w->minutes > 0 ? w->minutes : 1) * 60;
    w->p.estimated = chained || w->scheduled_at == DB_NULL ||
                     w->p.start != w->scheduled_at;
    w->planned = 1;
    return 0;
}

/* A queue: rows [first, last), planned up to next, time taken to cursor. */
struct lane {
    int first, last, next, waiting;
    int64_t cursor;
};

/* Advances a lane as far as its chain parents allow: 1 when it moved. */
static int
lane_advance(struct row *rows, struct lane *l, int64_t now, int force)
{
    int moved = 0;

    for (; l->next < l->last; l->next++) {
        struct row *w = &rows[l->next];

        if (strcmp(w->p.status, "started") == 0) {
            plan_started(w, now);
        } else {
            if (plan_waiting(rows, w, now, l->cursor, force) < 0)
                return moved;
            w->p.position = ++l->waiting;
        }
        if (w->p.end > l->cursor)
            l->cursor = w->p.end;
        moved = 1;
        force = 0; /* only the print that blocked the lane is forced */
    }
    return moved;
}

static int
same_queue(const struct row *a, const struct row *b)
{
    return a->p.printer_id == b->p.printer_id;
}

/* Splits the rows into lanes; the count, into the arena array *out. */
static int
timeline_lanes(struct ctx *c, struct row *rows, int n, int64_t now,
               struct lane **out)
{
    int nl = 0;

    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++)
        if (i == 0 || !same_queue(&rows[i - 1], &rows[i]))
            (*out)[nl++] = (struct lane){i, i, i, 0, now};
    for (int l = 0; l < nl; l++)
        (*out)[l].last = l + 1 < nl ? (*out)[l + 1].first : n;
    return nl;
}

int
job_timeline(struct ctx *c, int64_t now, struct job_plan **out, int *n)
{
    struct row *rows;
    struct lane *lanes;
    int nrows, nl;

    *out = NULL;
    *n = 0;
    if (timeline_read(c, &rows, &nrows) < 0)
        return -1;
    timeline_link(rows, nrows);
    nl = timeline_lanes(c, rows, nrows, now, &lanes);
    /* each round plans at least one print: when no lane can move (each
     * waits on a parent that can never be planned first: a parent queued
     * behind its child, or a cycle) the first blocked lane is forced */
    for (;;) {
        int moved = 0, open = -1;

        for (int l = 0; l < nl; l++)
            moved |= lane_advance(rows, &lanes[l], now, 0);
        for (int l = 0; l < nl && open < 0; l++)
            if (lanes[l].next < lanes[l].last)
                open = l;
        if (open < 0)
            break;
        if (!moved)
            lane_advance(rows, &lanes[open], now, 1);
    }
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)(nrows ? nrows : 1));
    for (int i = 0; i < nrows; i++)
        (*out)[i] = rows[i].p;
    *n = nrows;
    return 0;
}

const struct job_plan *
job_timeline_find(const struct job_plan *plan, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (plan[i].id == id)
            return &plan[i];
    return NULL;
}
