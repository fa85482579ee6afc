/*
 * job_timeline — what runs when: the user's open prints (started, queued,
 * scheduled) with the start and end each is expected to have, as the
 * dispatcher would run them. Part of the job module (the owner of the
 * prints table); read-only. The queue page lists positions from it and
 * draws its timeline from it.
 *
 * The plan, per printer, in the dispatcher's run order (the started print,
 * then the waiting ones by priority descending, effective start ascending,
 * id): the started print runs from its real start for its estimate (never
 * ending before now); each waiting print starts when the one before it is
 * expected to end, or at its scheduled_at when that is later, or now when
 * the printer is free. A chained print starts no earlier than its parent's
 * expected end plus its offset (the parent may be planned on another
 * printer). Unassigned prints form one more queue of their own, planned
 * the same way one after the other: the shared queue as one printer would
 * run it, the latest they would all be done.
 *
 * A start is firm (estimated = 0) only for the started print and for a
 * scheduled, unchained print that starts exactly at its scheduled_at;
 * every other start depends on estimates.
 */
#ifndef JOB_TIMELINE_H
#define JOB_TIMELINE_H

#include <stdint.h>

struct ctx;

struct job_plan {
    int64_t id;
    int64_t printer_id;     /* DB_NULL: the shared "any printer" queue */
    int64_t chain_after_id; /* DB_NULL: none */
    const char *name, *status;
    int64_t progress_percent; /* started prints; DB_NULL: unknown */
    int64_t start, end;       /* expected, UTC seconds; end > start */
    int estimated;            /* 1: the start is an estimate */
    int position;             /* 1-based in its queue's waiting prints;
                                 0 for a started print */
};

/* Plans every open print of the user with now as the present, into *out
 * (from the arena): grouped by queue (printers by id ascending, the shared
 * queue last), each queue in run order. 0, or -1 with an internal error. */
int job_timeline(struct ctx *c, int64_t now, struct job_plan **out, int *n);

/* The plan of print id in plan, or NULL. */
const struct job_plan *job_timeline_find(const struct job_plan *plan, int n,
                                         int64_t id);

#endif
