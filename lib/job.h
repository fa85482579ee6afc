/*
 * job — scheduled prints: the status machine, priorities, chaining and the
 * per-printer queue. Every query is scoped to c->user_id.
 *
 * Status: queued (no start time) -> scheduled (has one) -> started ->
 * completed | failed; queued|scheduled -> cancelled. Allowed moves:
 * queued->scheduled, queued->started, scheduled->queued,
 * scheduled->started, started->completed, started->failed,
 * queued|scheduled->cancelled; anything else is a 409.
 *
 * Chaining: a print chained after a parent starts at the parent's end plus
 * chain_offset_minutes, where the end is completed_at if the parent ended,
 * else its start (started_at, else scheduled_at, else now) plus its
 * estimated_minutes. When a print's actual start or end moves, the prints
 * chained after it (transitively) that have not started are re-timed.
 */
#ifndef JOB_H
#define JOB_H

#include <stdint.h>

struct ctx;

struct job {
    int64_t id;
    int64_t printer_id; /* DB_NULL: any suitable printer */
    const char *name, *file;
    int64_t plate;
    const char *status;
    int64_t priority, scheduled_at, estimated_minutes;
    int64_t chain_after_id, chain_offset_minutes;
    int64_t order_id, order_item_id;
    int64_t nozzle_temp, bed_temp, speed_level, material_slot;
    const char *material_type, *color; /* wanted, for unassigned prints */
    int64_t grams, material_cost;      /* cents, DB_NULL when unknown */
    int64_t started_at, completed_at;
    const char *failure_reason;
    int64_t progress_percent, created_at, updated_at;
};

/* Defaults for a new print: plate 1, priority 0, speed 2, offset 0, every
 * optional value DB_NULL/NULL. */
void job_init(struct job *j);

/* Checks and inserts j; its status becomes scheduled when it has a start
 * time (given, or computed from its chain parent), else queued. References
 * that are not the user's (printer_id, chain_after_id, order_id, file) are
 * 422 naming the field. Runs inside the caller's transaction when one is
 * open. Returns the new id, or -1. */
int64_t job_create(struct ctx *c, struct job *j);

/* Loads one of the user's prints: 0, or -1 with 404. */
int job_get(struct ctx *c, int64_t id, struct job *j);

#endif
