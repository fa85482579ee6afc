/*
 * dispatch — farm-dispatch's engine: connects to every printer of every
 * user, merges their reports, writes what they say into the printers, their
 * materials and their prints (through lib/domain), and starts the prints
 * that are due.
 *
 * The decisions are pure functions over the plain structs below (no
 * sockets, no database), so the start rules, the assignment of unassigned
 * prints and the reconciliation of a report are unit-tested without
 * printers (dispatch_rules.c). The engine (dispatch.c and the stages it
 * lists) gathers their inputs and carries out their answers.
 *
 * Invariants:
 * - A print is marked started (with a fresh dispatch token) and committed
 *   BEFORE its file is uploaded and the start command sent; a print in
 *   status started is restarted only after its printer proved, for 120 s,
 *   that it is idle and not running it. So no print is started twice.
 * - Nothing is started on a printer that is offline, busy, untrusted,
 *   refusing our login or our commands (Developer Mode off), or that has a
 *   started print of ours.
 * - Strict head-of-queue: only the first print of a printer's queue may
 *   start; a head that is not due blocks the printer.
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stdint.h>

#include "bambu/bambu.h"

struct app;

#define DISPATCH_CONFIRM_S 120  /* unconfirmed start returned after this */
#define DISPATCH_SILENT_S 120   /* no data this long: offline */
#define DISPATCH_DEVMODE_S 600  /* refused commands: no start this long */
/* How long a --once run's outbox step may start requests for: the run
 * then ends within this + the longest request's timeout (notify/
 * deliver.h), well inside cron's minute. */
#define DISPATCH_DELIVER_ONCE_S 20

/* ---- pure decisions ------------------------------------------------- */

/* A material row as the start rules see it. */
struct dispatch_slot {
    int present;             /* a material is recorded in the slot */
    char type[16];           /* "PLA" */
    char color[8];           /* "#RRGGBB" or "" */
    int64_t remaining_grams; /* DB_NULL: unknown */
};

/* A printer as the start rules and the assignment see it. */
struct dispatch_printer {
    int64_t id, user_id;
    int online;
    int blocked; /* auth_failed, untrusted_certificate, needs_developer_mode */
    enum bambu_gcode_state gcode_state;
    int has_started; /* a print of ours is started on it */
    int queued;      /* its queued + scheduled prints */
    struct dispatch_slot slots[BAMBU_SLOTS];
};

/* A queued or scheduled print as the start rules see it. */
struct dispatch_job {
    int64_t id, user_id, printer_id; /* printer_id DB_NULL: unassigned */
    int64_t scheduled_at;            /* DB_NULL: no start time */
    int64_t material_slot;           /* DB_NULL: none asked */
    int64_t grams;                   /* DB_NULL: unknown */
    const char *material_type;       /* NULL: none asked */
    const char *color;               /* NULL: any */
};

#define DISPATCH_SLOT_NONE (-1)    /* no material check, no AMS mapping */
#define DISPATCH_SLOT_LACKING (-2) /* the material asked for is not there */

/* Seconds between two pushall requests for a model (§1.7): P1P 300, P1S /
 * A1 / A1M 60, anything else 10. */
int dispatch_pushall_interval(const char *model);

/* 1 when a print may be started on p now: online, not blocked, gcode_state
 * IDLE/FINISH/FAILED, and no started print of ours on it. */
int dispatch_can_start(const struct dispatch_printer *p);

/* 1 when j's start time has come (or it has none). */
int dispatch_job_due(const struct dispatch_job *j, int64_t now);

/* The slot j would print from on p: its material_slot when that holds a
 * material with enough grams (grams unknown: any material; remaining
 * unknown: accepted); without a slot, the lowest slot holding the asked
 * material_type (and color when given, case-insensitive) with enough grams;
 * DISPATCH_SLOT_NONE when j asks for nothing; DISPATCH_SLOT_LACKING when
 * no slot fits. */
int dispatch_pick_slot(const struct dispatch_printer *p,
                       const struct dispatch_job *j);

/* The index of the print to start from a printer's queue (queued and
 * scheduled prints only, in job_queue order): 0 when the head is due,
 * else -1 (strict head-of-queue; also -1 for an empty queue). */
int dispatch_pick_head(const struct dispatch_job *queue, int n, int64_t now);

/* The index in printers of the printer that gets the unassigned print j,
 * or -1: same user, online, not blocked, its material fits
 * (dispatch_pick_slot != LACKING); a printer that can start now beats a
 * busy one, then the fewest queued prints, then the lowest id. */
int dispatch_pick_printer(const struct dispatch_job *j,
                          const struct dispatch_printer *printers, int n);

/* What the printer's report says about our started print. */
struct dispatch_seen {
    int online; /* connected and reported this run */
    enum bambu_gcode_state gcode_state;
    const char *task_id;      /* "" or "0" when none */
    const char *subtask_name; /* "" when none */
    int cancelled;            /* FAILED by a user cancel */
};

/* Our started print. */
struct dispatch_started {
    int64_t id;
    const char *name;
    int64_t started_at;
    int confirmed; /* the printer has shown it as its job */
};

enum dispatch_outcome {
    DISPATCH_KEEP,      /* nothing new */
    DISPATCH_CONFIRMED, /* the printer runs it (first time seen) */
    DISPATCH_RUNNING,   /* still running, already confirmed */
    DISPATCH_COMPLETED,
    DISPATCH_FAILED,
    DISPATCH_CANCELLED,
    DISPATCH_REQUEUE, /* never confirmed; printer idle for 120 s */
    DISPATCH_LOST,    /* confirmed once, printer now idle with no trace */
    DISPATCH_OUTCOME__MAX
};

/* 1 when the report's job is ours: task_id equals the print id, or, when
 * the printer reports no task id, subtask_name equals the print name. */
int dispatch_is_ours(const struct dispatch_started *p,
                     const struct dispatch_seen *s);

/* The outcome of a report for our started print p at time now. */
enum dispatch_outcome dispatch_reconcile(const struct dispatch_started *p,
                                         const struct dispatch_seen *s,
                                         int64_t now);

const char *dispatch_outcome_name(enum dispatch_outcome o);

/* ---- the engine ----------------------------------------------------- */

struct dispatcher;

struct dispatch_opts {
    int watch;          /* 1: --watch (keep connections, reconnect) */
    int budget_ms;      /* --once: bound of the collection phase */
    int interval_s;     /* --watch: step period */
    const char *cafile; /* FARM_PRINTER_CA; NULL: pin mode */
    /* --watch: called on every turn of the loop (about every 200 ms, and
     * between steps, never inside one), e.g. to look after a child
     * process; NULL: none */
    void (*tick)(void *arg);
    void *tick_arg;
};

/* A dispatcher over app's database (app must outlive it). Aborts on out
 * of memory; free with dispatch_free. */
struct dispatcher *dispatch_new(struct app *app, const struct dispatch_opts *o);
void dispatch_free(struct dispatcher *d);

/* One --once run: connect, collect, the step, disconnect, deliver (a
 * pass of DISPATCH_DELIVER_ONCE_S, notify/deliver.h). 0, or -1 on a
 * database error (logged; a printer whose writes failed does not stop the
 * others). */
int dispatch_once(struct dispatcher *d);

/* --watch until *stop becomes non-zero (set it from a signal handler).
 * Delivers nothing: the caller runs the outbox beside it (farm-dispatch
 * forks a delivery process). 0, or -1 on a database error that persists
 * (logged). */
int dispatch_watch(struct dispatcher *d, volatile int *stop);

/* Status frames merged since dispatch_new (for the benchmark). */
long dispatch_frames(const struct dispatcher *d);

/* Steps run since dispatch_new, their total and longest wall time, and
 * the printers the dispatcher drives now (on PostgreSQL: those it holds a
 * lease on) (for the benchmark). */
struct dispatch_stats {
    long steps;
    int64_t step_ms, step_ms_max;
    int printers;
};
void dispatch_stats(const struct dispatcher *d, struct dispatch_stats *out);

#endif
