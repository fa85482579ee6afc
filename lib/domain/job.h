/*
 * job — scheduled prints: the status machine, priorities, chaining and the
 * per-printer queue. Every query is scoped to c->user_id.
 *
 * Status: queued (no start time) -> scheduled (has one) -> started ->
 * completed | failed; queued|scheduled -> cancelled. This module is the
 * only writer of a print's status: one table in job.c lists every allowed
 * move, who may make it (the user through the API, the dispatcher or both)
 * and the event it emits. The user's moves: queued->scheduled,
 * queued->started, scheduled->queued, scheduled->started,
 * started->completed, started->failed, queued|scheduled->cancelled;
 * anything else is a 409. The dispatcher also makes started->cancelled (a
 * cancel on the printer) and started->queued|scheduled (a start refused or
 * never confirmed). Every move is an UPDATE guarded by the statuses it may
 * leave, and a move whose guard matched no row changed nothing.
 *
 * Events: every move that has one emits it through lib/domain/event, in the
 * same transaction, whoever caused it: print_started, print_completed,
 * print_failed (detail: the reason), print_cancelled, print_start_refused
 * (detail: the reason). A print with no printer emits nothing (there are no
 * preferences to ask).
 *
 * Chaining: a print chained after a parent starts at the parent's end plus
 * chain_offset_minutes, where the end is completed_at if the parent ended,
 * else its start (started_at, else scheduled_at, else now) plus its
 * estimated_minutes. When a print's actual start or end moves, the prints
 * chained after it (transitively) that have not started are re-timed.
 *
 * Choices the contract leaves open:
 * - A chained print's scheduled_at is always computed from its parent; a
 *   scheduled_at given with chain_after_id (on create or update) is
 *   ignored. So a chained print that has not started is always scheduled.
 * - Moving a chained print to queued (no start time) detaches it from its
 *   chain (chain_after_id becomes null).
 * - A print cannot be chained after itself or one of its descendants (422
 *   naming chain_after_id), so chains never form cycles; the re-timing walk
 *   still guards against them.
 * - After every update the print's not-started descendants are re-timed,
 *   since a parent's scheduled_at and estimated_minutes feed the rule too.
 * - started sets started_at (and progress 0 when unknown), completed and
 *   failed set completed_at; completed sets progress 100. failure_reason
 *   may only be given with a move to failed; progress_percent only on a
 *   started print (409 otherwise).
 * - material_cost: the recorded column when set (the dispatcher records it
 *   at the end), else grams x cost_per_kg of the printer's material in
 *   material_slot / 1000, rounded half up to cents; DB_NULL when unknown.
 * - energy_cost, machine_cost, total_cost (job_costs): from the print's
 *   duration, completed_at - started_at once it ran (both set), else
 *   estimated_minutes. energy = watts x seconds x price per kWh /
 *   3,600,000, machine = machine_rate x seconds / 3600, each rounded half
 *   up to cents; total = material (0 when unknown) + energy + machine. The
 *   printer's power and rate (printer_cost_params; a print without one of
 *   the user's printers: the "other" default 120 W and rate 0) and the
 *   user's energy price (setting.h).
 */
#ifndef JOB_H
#define JOB_H

#include <stdint.h>

#include "base/bind.h"
#include "domain/material.h"
#include "domain/printfile.h"

struct ctx;

/* Limits of a print's settings (a product's settings share them). */
#define JOB_NAME_MAX 200
#define JOB_PLATE_MAX 64
#define JOB_MINUTES_MAX 100000  /* estimated_minutes, chain offset: +- */
#define JOB_PRIORITY_MAX 1000   /* -max..max */
#define JOB_NOZZLE_TEMP_MAX 350 /* deg C */
#define JOB_BED_TEMP_MAX 130    /* deg C */
#define JOB_SPEED_LEVEL_MAX 4   /* 1 silent .. 4 ludicrous */
#define JOB_GRAMS_MAX 100000
#define JOB_REASON_MAX 500 /* failure_reason, characters */

enum job_status {
    JOB_QUEUED,
    JOB_SCHEDULED,
    JOB_STARTED,
    JOB_COMPLETED,
    JOB_FAILED,
    JOB_CANCELLED,
    JOB__MAX
};

extern const char *const job_status_names[]; /* JOB__MAX + NULL */

/* The rules of a print's fields, for create and update: the API binds
 * JSON with it and job_create/job_update check with it (bind_check). On
 * create the server decides status, and failure_reason and
 * progress_percent are not stored, so those three only need to be
 * well-formed there. */
extern const struct field job_fields[];

/* Rows of job_fields that a product's table shares (struct T has members
 * of the same names): what to print and how, one rule wherever it is kept.
 * Needs <stddef.h> for offsetof. */
#define JOB_FIELD_NAME(T)                                                      \
    {"name", F_STR, offsetof(T, name), F_REQ, 1, JOB_NAME_MAX, 0}
#define JOB_FIELD_FILE(T)                                                      \
    {"file", F_STR, offsetof(T, file), F_REQ, 1, PRINTFILE_NAME_MAX, 0}
#define JOB_FIELD_PLATE(T)                                                     \
    {"plate", F_INT, offsetof(T, plate), 0, 1, JOB_PLATE_MAX, 0}
#define JOB_FIELD_MINUTES(T)                                                   \
    {"estimated_minutes", F_INT, offsetof(T, estimated_minutes), F_REQ, 1,    \
     JOB_MINUTES_MAX, 0}
#define JOB_FIELD_GRAMS(T)                                                     \
    {"grams", F_INT, offsetof(T, grams), F_NULL, 0, JOB_GRAMS_MAX, 0}
#define JOB_FIELDS_MATERIAL(T)                                                 \
    {"material_type", F_STR, offsetof(T, material_type), F_NULL, 1,           \
     MATERIAL_TYPE_MAX, 0},                                                    \
    {"color", F_COLOR, offsetof(T, color), F_NULL, 0, 0, 0}
#define JOB_FIELDS_SETTINGS(T)                                                 \
    {"nozzle_temp", F_INT, offsetof(T, nozzle_temp), F_NULL, 0,               \
     JOB_NOZZLE_TEMP_MAX, 0},                                                  \
    {"bed_temp", F_INT, offsetof(T, bed_temp), F_NULL, 0, JOB_BED_TEMP_MAX,   \
     0},                                                                       \
    {"speed_level", F_INT, offsetof(T, speed_level), 0, 1,                    \
     JOB_SPEED_LEVEL_MAX, 0},                                                  \
    {"material_slot", F_INT, offsetof(T, material_slot), F_NULL, 0,           \
     MATERIAL_SLOTS - 1, 0}

struct job {
    int64_t id, user_id;
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
    /* cents, filled by job_costs (DB_NULL until then) */
    int64_t energy_cost, machine_cost, total_cost;
};

/* What a print costs besides its material, for job_cost_compute. */
struct job_cost_in {
    int64_t material_cost;          /* cents, DB_NULL: unknown (0) */
    int64_t watts;                  /* average while printing */
    int64_t machine_rate;           /* cents per hour */
    int64_t energy_price_per_kwh;   /* cents */
    int64_t seconds;                /* printing time; < 0 counts as 0 */
};

/* The rule above, pure: fills energy, machine and total cents. */
void job_cost_compute(const struct job_cost_in *in, int64_t *energy,
                      int64_t *machine, int64_t *total);

/* The seconds the rule uses for j: actual once it ran, else estimated. */
int64_t job_cost_seconds(const struct job *j);

/* Fills energy_cost, machine_cost and total_cost of the n prints in list
 * (one printer read per distinct printer, the user's energy price once). 0
 * or -1. */
int job_costs(struct ctx *c, struct job *list, int n);

/* The sum of total_cost of the user's prints of order_id, leaving out
 * prints cancelled before they started (they never printed), into *cost.
 * 0 or -1. */
int job_order_cost(struct ctx *c, int64_t order_id, int64_t *cost);

/* Which prints job_list() answers; zero it for "all of the user's". */
struct job_filter {
    int64_t printer_id; /* 0: any (including none) */
    unsigned statuses;  /* bit (1 << enum job_status); 0: any */
    int64_t order_id;   /* 0: any */
    int unassigned;     /* 1: printer_id null and queued or scheduled */
};

/* Defaults for a new print: plate 1, priority 0, speed 2, offset 0, every
 * optional value DB_NULL/NULL. */
void job_init(struct job *j);

/* The status named s, or -1. */
int job_status_from_name(const char *s);

/* Who makes a move (bits, for the transition table). */
enum job_actor { JOB_BY_USER = 1, JOB_BY_DISPATCHER = 2 };

/* 1 when the user may move a print from -> to (a move to itself is not). */
int job_transition_allowed(int from, int to);

/* 1 when actor (JOB_BY_*) may move a print from -> to. */
int job_move_allowed(int from, int to, unsigned actor);

/* The event kind the move from -> to emits, or NULL (none, or not a
 * move). */
const char *job_move_event(int from, int to);

/* Starts that a printer refused before a print fails instead of going back
 * to the queue. */
#define JOB_START_ATTEMPTS_MAX 3

/* Parses "a,b,c" into a job_filter status mask: 0, or -1 when a name is
 * not a status (nothing set in c->err: the caller names the field). */
int job_status_mask(const char *list, unsigned *mask);

/* When a print chained after parent with the given offset starts (UTC
 * seconds), by the chain rule above; now stands in for an unknown start. */
int64_t job_chain_start(const struct job *parent, int64_t offset_minutes,
                        int64_t now);

/* Checks and inserts j; its status becomes scheduled when it has a start
 * time (given, or computed from its chain parent), else queued. References
 * that are not the user's (printer_id, chain_after_id, order_id, file) are
 * 422 naming the field. Runs inside the caller's transaction when one is
 * open. Returns the new id, or -1. */
int64_t job_create(struct ctx *c, struct job *j);

/* Loads one of the user's prints: 0, or -1 with 404. */
int job_get(struct ctx *c, int64_t id, struct job *j);

/* The prints f selects, newest first (id descending), from the arena. 0 or
 * -1 (404 when f->printer_id is set and not one of the user's printers). */
int job_list(struct ctx *c, const struct job_filter *f, int64_t limit,
             int64_t offset, struct job **out, int *n);

/* A printer's queue, from the arena: its started print first, then queued
 * and scheduled prints by priority descending, effective start (scheduled_at
 * or created_at) ascending, id ascending. One query. 404 when the printer is
 * not the user's. 0 or -1. */
int job_queue(struct ctx *c, int64_t printer_id, int64_t limit, int64_t offset,
              struct job **out, int *n);

/* Applies want (a print loaded with job_get, then changed) to the stored
 * print want->id: a status move (by the table above; 409 otherwise) and/or
 * edits of a print that has not started (409 when it has), then re-times
 * its chained descendants. Runs in its own transaction unless the caller
 * has one open. 0, or -1 (404, 409, 422). */
int job_update(struct ctx *c, const struct job *want);

/* Cancels a queued or scheduled print, keeping the record, and emits
 * print_cancelled; 409 for any other status, 404 when not the user's. 0 or
 * -1. */
int job_cancel(struct ctx *c, int64_t id);

/* ---- for the queue page ---- */

/* Queues a new copy of the failed print id (its printer, file, plate,
 * estimate, priority, print parameters, grams, material wishes and order
 * link; no start time, no chain), through job_create's checks. The failed
 * print stays failed. Returns the new id, or -1: 404 when not the user's,
 * 409 when it has not failed, 422 when a reference is gone (its file
 * deleted). */
int64_t job_retry(struct ctx *c, int64_t id);

/* Moves the queued or scheduled print id to printer_id (DB_NULL: any
 * printer) through job_update. 0, or -1 (404, 409 when it has started or
 * ended, 422 naming printer_id when the printer is not the user's). */
int job_move_to(struct ctx *c, int64_t id, int64_t printer_id);

/* Cancels every queued or scheduled print on printer_id (it is being
 * deleted), each with its print_cancelled event. 0 or -1. */
int job_cancel_on_printer(struct ctx *c, int64_t printer_id);

/* The id of a started print on printer_id into *id: 1, 0 none, -1. */
int job_started_on(struct ctx *c, int64_t printer_id, int64_t *id);

/* The id of one of the user's prints that still needs file name (queued,
 * scheduled or started) into *id: 1, 0 none, -1. */
int job_using_file(struct ctx *c, const char *name, int64_t *id);

/* The ids of the user's prints of order_id, ascending, from the arena. 0
 * or -1. */
int job_order_prints(struct ctx *c, int64_t order_id, int64_t **ids, int *n);

/* Seconds printed on printer_id by the user's completed and failed prints
 * that started in [since, until) (DB_NULL: unbounded), or -1. */
int64_t job_print_seconds(struct ctx *c, int64_t printer_id, int64_t since,
                          int64_t until);

/* Re-times the not-started prints chained after id, transitively (breadth
 * first; a cycle is walked once). The caller holds a transaction. 0 or
 * -1. */
int job_retime_children(struct ctx *c, int64_t id);

/* ---- for the dispatcher ----
 *
 * The moves return 1 when the print moved, 0 when its guard refused (the
 * print is not in a status the move may leave, or not the user's: nothing
 * changed, nothing emitted, no error set), -1 on a database error. Each
 * re-times the prints chained after the one that moved. Scoped to
 * c->user_id (the owner of the printer at hand) unless said otherwise. */

/* queued|scheduled -> started with a fresh dispatch token, an attempt
 * counted and the material slot it will print from (DB_NULL: unchanged);
 * emits print_started. */
int job_mark_started(struct ctx *c, int64_t id, int64_t slot);

/* started -> completed | failed | cancelled (to) with reason (failed and
 * cancelled; stored as failure_reason) and the material cost in cents
 * (DB_NULL: unchanged); emits the move's event with reason. */
int job_finish(struct ctx *c, int64_t id, int to, const char *reason,
               int64_t cost);

/* started -> queued (scheduled when it has a start time) because a start
 * was refused or never confirmed, with reason; emits print_start_refused.
 * The refusal counts as an attempt unless count_attempt is 0; a print that
 * reached JOB_START_ATTEMPTS_MAX fails instead (print_failed). */
int job_requeue(struct ctx *c, int64_t id, const char *reason,
                int count_attempt);

/* A started print the printer shows: confirmed (first time) and its
 * progress (DB_NULL: unchanged). Not a status move. 0 or -1. */
int job_note_progress(struct ctx *c, int64_t id, int64_t percent);

/* Gives the unassigned queued or scheduled print id to printer_id: 1, 0
 * when it was assigned or moved meanwhile, -1. */
int job_assign(struct ctx *c, int64_t id, int64_t printer_id);

/* A started print as the dispatcher reconciles it. */
struct job_run {
    int64_t id, started_at, confirmed_at, grams, material_slot;
    const char *name;
};

/* The started prints on printer_id (at most max), by id, from the arena.
 * 0 or -1. */
int job_running(struct ctx *c, int64_t printer_id, int max,
                struct job_run **out, int *n);

/* How many prints each printer has started and waiting (queued or
 * scheduled), of every user, from the arena. 0 or -1. */
struct job_load {
    int64_t printer_id;
    int started, waiting;
};
int job_loads(struct ctx *c, struct job_load **out, int *n);

/* Unassigned queued or scheduled prints of every user whose start time
 * has come (or that have none), in queue order, at most max, from the
 * arena. 0 or -1. */
int job_unassigned_due(struct ctx *c, int max, struct job **out, int *n);

/* The head of printer_id's waiting prints (queued or scheduled, in queue
 * order) into *j: 1, 0 none, -1. */
int job_queue_head(struct ctx *c, int64_t printer_id, struct job *j);

#endif
