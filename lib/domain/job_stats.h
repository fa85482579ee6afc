/*
 * job_stats — what the farm did: the ended prints of the history page and
 * the aggregates of the analytics page. Part of the job module (it reads
 * scheduled_prints); every query is scoped to c->user_id.
 *
 * Definitions the pages and the CSV share:
 * - A print has ended when its status is completed, failed or cancelled.
 *   It ended at completed_at; a print cancelled before it started has none
 *   and ended at its last update (updated_at).
 * - A print ran when it has a started_at. Filament (grams) and material
 *   cost count the prints that ran and ended, whatever the outcome: a
 *   failed print used its filament too. The cost is the recorded
 *   material_cost, else grams x the slot's cost_per_kg (as job.h says).
 * - A day is a UTC day [00:00, 24:00); a print belongs to the day it ended.
 * - Success rate is completed / (completed + failed): a cancel is the
 *   owner's choice, not the printer's failure.
 * - Utilisation is the printing time inside the range (started_at to the
 *   end, or to now while a print runs) over the range's length, capped at
 *   100 %.
 * - Estimate accuracy is (end - start) / estimated for completed prints
 *   with both times and an estimate, in thousandths (1000 = on time).
 * - Material and colour come from the AMS slot the print used when it is
 *   still loaded, else from what the print asked for.
 */
#ifndef JOB_STATS_H
#define JOB_STATS_H

#include <stdint.h>

struct ctx;

#define JOB_STATS_DAY 86400
#define JOB_STATS_DAYS_MAX 366   /* the longest range job_stats_range takes */
#define JOB_STATS_RATIOS_MAX 500 /* accuracy points kept: the latest */

/* Which ended prints job_stats_history() answers. */
struct job_stats_filter {
    unsigned statuses;  /* bits (1 << JOB_COMPLETED|FAILED|CANCELLED); 0: all */
    int64_t printer_id; /* 0: any printer (including none) */
};

struct job_stats_print {
    int64_t id, printer_id; /* printer_id DB_NULL when it was deleted */
    const char *name, *status, *failure_reason;
    int64_t started_at, ended_at; /* started_at DB_NULL: never ran */
    int64_t estimated_minutes;
    int64_t grams, material_cost; /* DB_NULL when unknown */
};

/* Ended prints that f selects, the latest ended first (then id
 * descending), from the arena. A status outside the three ended ones in
 * f->statuses is a 422 naming "status". 0 or -1. */
int job_stats_history(struct ctx *c, const struct job_stats_filter *f,
                      int64_t limit, int64_t offset,
                      struct job_stats_print **out, int *n);

struct job_stats_day {
    int64_t day; /* its 00:00 UTC */
    int completed, failed, cancelled;
    int64_t grams, cost;
};

struct job_stats_printer {
    int64_t printer_id;
    const char *name;
    int completed, failed, cancelled;
    int64_t busy_seconds; /* printing time inside the range */
};

struct job_stats_material {
    const char *material_type; /* "" when unknown */
    const char *color;         /* "#RRGGBB", or "" when unknown */
    int64_t grams;
};

struct job_stats_ratio {
    int64_t id;
    const char *name;
    int64_t ended_at, permille; /* actual / estimated x 1000 */
};

struct job_stats {
    int64_t from, to; /* [from, to), whole UTC days */
    int ndays;
    struct job_stats_day *days; /* ndays, one per day, oldest first */
    int nprinters;
    struct job_stats_printer *printers; /* every printer of the user, by id */
    int nmaterials;
    struct job_stats_material *materials; /* grams descending */
    int nratios;
    struct job_stats_ratio *ratios; /* oldest end first */
    int completed, failed, cancelled;
    int64_t grams, cost;
};

/* The aggregates of the prints that ended in [from, to), from the arena.
 * from and to must be UTC midnights with 1 to JOB_STATS_DAYS_MAX days
 * between them (422 naming "days" otherwise). 0 or -1. */
int job_stats_range(struct ctx *c, int64_t from, int64_t to,
                    struct job_stats *out);

/* The UTC midnight at or before t. */
int64_t job_stats_day_start(int64_t t);

/* Success rate in whole percent (rounded half up), or -1 when nothing
 * completed or failed. */
int job_stats_success_percent(const struct job_stats_printer *p);

/* Utilisation in whole percent of span seconds (rounded, capped at 100). */
int job_stats_busy_percent(const struct job_stats_printer *p, int64_t span);

#endif
