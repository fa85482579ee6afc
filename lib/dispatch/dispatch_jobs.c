/*
 * dispatch_jobs — step 7: a printer's started prints reconciled with its
 * report (confirm, progress, complete, fail, cancel, return to the queue).
 * The decision is dispatch_reconcile's (dispatch_rules.c); every status
 * move, and its event, is the job module's (lib/domain/job.c); this file
 * adds what the printer row and the materials learn from it.
 */
#include "dispatch/dispatch_int.h"

#include "base/ctx.h"
#include "domain/job.h"
#include "domain/material.h"
#include "domain/printer.h"
#include "store/db.h"

#include "base/banned.h"

#define JOBS_RUNNING_MAX 8

/* The move ended print id on p: the printer has no current print. */
static int
ended(struct ctx *c, struct dprinter *p, int64_t id, int rc)
{
    if (rc == 1 && printer_clear_current(c, p->id, id) < 0)
        return -1;
    return rc < 0 ? -1 : 0;
}

static int
completed(struct ctx *c, struct dprinter *p, const struct bambu_report *r,
          const struct job_run *s)
{
    int64_t cost = DB_NULL, slot = s->material_slot;

    if (material_cost_cents(c, p->id, slot, s->grams, &cost) < 0)
        return -1;
    if (slot != DB_NULL && slot >= 0 && slot < BAMBU_SLOTS &&
        (!r->trays[slot].present || r->trays[slot].remain < 0) &&
        material_consume(c, p->id, slot, s->grams) < 0)
        return -1;
    return ended(c, p, s->id, job_finish(c, s->id, JOB_COMPLETED, NULL, cost));
}

static int
failed(struct ctx *c, struct dprinter *p, int64_t id, const char *reason)
{
    return ended(c, p, id, job_finish(c, id, JOB_FAILED, reason, DB_NULL));
}

static int
apply(struct dispatcher *d, struct ctx *c, struct dprinter *p,
      const struct bambu_report *r, const struct job_run *s)
{
    struct dispatch_started ds = {s->id, s->name, s->started_at,
                                  s->confirmed_at != DB_NULL};
    struct dispatch_seen seen = {dispatch_fresh(d, p), r->gcode_state,
                                 r->task_id, r->subtask_name, r->cancelled};
    const char *why;

    switch (dispatch_reconcile(&ds, &seen, c->now)) {
    case DISPATCH_CONFIRMED:
    case DISPATCH_RUNNING:
        return job_note_progress(c, s->id,
                                 r->percent < 0 ? DB_NULL : r->percent);
    case DISPATCH_COMPLETED:
        return completed(c, p, r, s);
    case DISPATCH_FAILED:
        why = dispatch_failure_text(c, r);
        return failed(c, p, s->id,
                      why ? why : "the printer reported a failure");
    case DISPATCH_CANCELLED:
        return ended(c, p, s->id,
                     job_finish(c, s->id, JOB_CANCELLED,
                                "cancelled on the printer", DB_NULL));
    case DISPATCH_LOST:
        return failed(c, p, s->id, "the printer no longer reports this print");
    case DISPATCH_REQUEUE:
        return ended(c, p, s->id,
                     job_requeue(c, s->id, "start not confirmed by the printer",
                                 1));
    default:
        return 0;
    }
}

int
dispatch_reconcile_printer(struct dispatcher *d, struct ctx *c,
                           struct dprinter *p, const struct bambu_report *r)
{
    struct job_run *list;
    int n;

    if (job_running(c, p->id, JOBS_RUNNING_MAX, &list, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (apply(d, c, p, r, &list[i]) < 0)
            return -1;
    return 0;
}
