#include "domain/job_stats.h"

#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "domain/job.h"
#include "domain/printer.h"
#include "store/db.h"

#include "base/banned.h"

#define ENDED_MASK                                                             \
    (1u << JOB_COMPLETED | 1u << JOB_FAILED | 1u << JOB_CANCELLED)

/* A user's printers for the per-printer rows; more than this are left out
 * of the analytics (no farm of ours is near it). */
#define STATS_PRINTERS_MAX 1000

/* When a print ended (see the header). */
#define ENDED_AT "COALESCE(sp.completed_at, sp.updated_at)"

/* The effective material cost, the same expression as JOB_COLS in job.c:
 * recorded, else live from the slot; non-negative operands, so +500 /
 * 1000 rounds half up. */
#define COST                                                                   \
    "COALESCE(sp.material_cost, (sp.grams * m.cost_per_kg + 500) / 1000)"

#define SLOT_JOIN                                                              \
    " FROM scheduled_prints sp LEFT JOIN materials m ON "                      \
    "m.printer_id = sp.printer_id AND m.slot = sp.material_slot "

static void
print_row(struct ctx *c, struct db_stmt *st, struct job_stats_print *p)
{
    struct arena *a = c->arena;
    int k = 0;

    p->id = db_int(st, k++);
    p->printer_id = db_int(st, k++);
    p->name = arena_strdup(a, db_text(st, k++));
    p->status = arena_strdup(a, db_text(st, k++));
    p->failure_reason = arena_strdup(a, db_text(st, k++));
    p->started_at = db_int(st, k++);
    p->ended_at = db_int(st, k++);
    p->estimated_minutes = db_int(st, k++);
    p->grams = db_int(st, k++);
    p->material_cost = db_int(st, k++);
}

int
job_stats_history(struct ctx *c, const struct job_stats_filter *f,
                  int64_t limit, int64_t offset, struct job_stats_print **out,
                  int *n)
{
    unsigned mask = f->statuses ? f->statuses : ENDED_MASK;
    const char *s[3];
    struct db_stmt *st;
    int rc = DB_DONE;

    *n = 0;
    *out =
        arena_alloc(c->arena, sizeof(**out) * (size_t)(limit > 0 ? limit : 1));
    if (mask & ~ENDED_MASK)
        return err_field(&c->err, "status",
                         "must be completed, failed or cancelled");
    s[0] = mask >> JOB_COMPLETED & 1 ? job_status_names[JOB_COMPLETED] : NULL;
    s[1] = mask >> JOB_FAILED & 1 ? job_status_names[JOB_FAILED] : NULL;
    s[2] = mask >> JOB_CANCELLED & 1 ? job_status_names[JOB_CANCELLED] : NULL;
    st = db_query(c->db,
                  "SELECT sp.id, sp.printer_id, sp.name, sp.status, "
                  "sp.failure_reason, sp.started_at, " ENDED_AT ", "
                  "sp.estimated_minutes, sp.grams, " COST SLOT_JOIN
                  "WHERE sp.user_id = ? AND sp.status IN (?, ?, ?) "
                  "AND (? = 0 OR sp.printer_id = ?) "
                  "ORDER BY " ENDED_AT " DESC, sp.id DESC LIMIT ? OFFSET ?",
                  "itttiiii", c->user_id, s[0], s[1], s[2], f->printer_id,
                  f->printer_id, limit, offset);
    if (st == NULL)
        return err_internal(&c->err, "job_stats: history failed");
    while (*n < limit && (rc = db_step(st)) == DB_ROW)
        print_row(c, st, &(*out)[(*n)++]);
    if (*n == limit) {
        db_done(st);
        return 0;
    }
    return rc == DB_DONE ? 0
                         : err_internal(&c->err, "job_stats: history failed");
}

int64_t
job_stats_day_start(int64_t t)
{
    int64_t d = t / JOB_STATS_DAY;

    if (t % JOB_STATS_DAY < 0) /* before 1970: floor, not truncate */
        d--;
    return d * JOB_STATS_DAY;
}

int
job_stats_success_percent(const struct job_stats_printer *p)
{
    int64_t ran = (int64_t)p->completed + p->failed;

    if (ran <= 0)
        return -1;
    return (int)((p->completed * 200 + ran) / (2 * ran));
}

int
job_stats_busy_percent(const struct job_stats_printer *p, int64_t span)
{
    int64_t pct;

    if (span <= 0 || p->busy_seconds <= 0)
        return 0;
    pct = (p->busy_seconds * 200 + span) / (2 * span);
    return pct > 100 ? 100 : (int)pct;
}

/* --- job_stats_range ---------------------------------------------------- */

static struct job_stats_printer *
find_printer(struct job_stats *s, int64_t id)
{
    for (int i = 0; i < s->nprinters; i++)
        if (s->printers[i].printer_id == id)
            return &s->printers[i];
    return NULL;
}

static int
load_printers(struct ctx *c, struct job_stats *s)
{
    struct printer *list;
    int n;

    if (printer_list(c, STATS_PRINTERS_MAX, 0, &list, &n) < 0)
        return -1;
    s->printers = arena_alloc(c->arena, sizeof(*s->printers) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        s->printers[i].printer_id = list[i].id;
        s->printers[i].name = list[i].name;
    }
    s->nprinters = n;
    return 0;
}

/* A colour fit for an SVG fill attribute: "#RRGGBB" or "". */
static const char *
clean_color(struct arena *a, const char *color)
{
    if (color == NULL || strlen(color) != 7 || color[0] != '#' ||
        strspn(color + 1, "0123456789abcdefABCDEF") != 6)
        return "";
    return arena_strdup(a, color);
}

/* Adds grams to the (type, colour) bucket, growing the array by doubling. */
static void
add_material(struct ctx *c, struct job_stats *s, int *cap, const char *type,
             const char *color, int64_t grams)
{
    struct job_stats_material *m;

    type = type ? type : "";
    color = clean_color(c->arena, color);
    for (int i = 0; i < s->nmaterials; i++) {
        m = &s->materials[i];
        if (strcmp(m->material_type, type) == 0 &&
            strcmp(m->color, color) == 0) {
            m->grams += grams;
            return;
        }
    }
    if (s->nmaterials == *cap) {
        struct job_stats_material *bigger;

        *cap = *cap ? *cap * 2 : 8;
        bigger = arena_alloc(c->arena, sizeof(*bigger) * (size_t)*cap);
        if (s->nmaterials)
            memcpy(bigger, s->materials,
                   sizeof(*bigger) * (size_t)s->nmaterials);
        s->materials = bigger;
    }
    m = &s->materials[s->nmaterials++];
    m->material_type = arena_strdup(c->arena, type);
    m->color = color;
    m->grams = grams;
}

/* Keeps the latest JOB_STATS_RATIOS_MAX points: rows come oldest first, so
 * a full ring overwrites the oldest and is rotated once at the end. */
static void
add_ratio(struct ctx *c, struct job_stats *s, int *next, int64_t id,
          const char *name, int64_t ended, int64_t permille)
{
    struct job_stats_ratio *r;

    if (s->ratios == NULL)
        s->ratios =
            arena_alloc(c->arena, sizeof(*s->ratios) * JOB_STATS_RATIOS_MAX);
    r = &s->ratios[*next];
    r->id = id;
    r->name = arena_strdup(c->arena, name);
    r->ended_at = ended;
    r->permille = permille;
    *next = (*next + 1) % JOB_STATS_RATIOS_MAX;
    if (s->nratios < JOB_STATS_RATIOS_MAX)
        s->nratios++;
}

static void
rotate_ratios(struct ctx *c, struct job_stats *s, int next)
{
    struct job_stats_ratio *in_order;

    if (s->nratios < JOB_STATS_RATIOS_MAX || next == 0)
        return;
    in_order = arena_alloc(c->arena, sizeof(*in_order) * JOB_STATS_RATIOS_MAX);
    for (int i = 0; i < JOB_STATS_RATIOS_MAX; i++)
        in_order[i] = s->ratios[(next + i) % JOB_STATS_RATIOS_MAX];
    s->ratios = in_order;
}

/* One ended print's share of the day, printer, material and ratio sums. */
struct ended {
    int64_t id, printer_id, started, ended, estimated, grams, cost;
    const char *name, *status, *type, *color;
};

static void
count_outcome(const char *status, int *completed, int *failed, int *cancelled)
{
    if (strcmp(status, "completed") == 0)
        (*completed)++;
    else if (strcmp(status, "failed") == 0)
        (*failed)++;
    else
        (*cancelled)++;
}

static void
add_ended(struct ctx *c, struct job_stats *s, const struct ended *e, int *mcap,
          int *rnext)
{
    struct job_stats_day *d = &s->days[(e->ended - s->from) / JOB_STATS_DAY];
    struct job_stats_printer *p = find_printer(s, e->printer_id);

    count_outcome(e->status, &d->completed, &d->failed, &d->cancelled);
    count_outcome(e->status, &s->completed, &s->failed, &s->cancelled);
    if (p != NULL)
        count_outcome(e->status, &p->completed, &p->failed, &p->cancelled);
    if (e->started == DB_NULL)
        return; /* never ran: no filament, no cost, no duration */
    if (e->grams != DB_NULL && e->grams > 0) {
        d->grams += e->grams;
        s->grams += e->grams;
        add_material(c, s, mcap, e->type, e->color, e->grams);
    }
    if (e->cost != DB_NULL && e->cost > 0) {
        d->cost += e->cost;
        s->cost += e->cost;
    }
    if (strcmp(e->status, "completed") == 0 && e->estimated > 0 &&
        e->ended >= e->started)
        add_ratio(c, s, rnext, e->id, e->name, e->ended,
                  ((e->ended - e->started) * 1000 + e->estimated * 30) /
                      (e->estimated * 60));
}

static int
load_ended(struct ctx *c, struct job_stats *s)
{
    struct db_stmt *st;
    int rc, mcap = 0, rnext = 0;

    st =
        db_query(c->db,
                 "SELECT sp.id, sp.printer_id, sp.name, sp.status, "
                 "sp.started_at, " ENDED_AT ", sp.estimated_minutes, "
                 "sp.grams, " COST ", "
                 "COALESCE(m.material_type, sp.material_type), "
                 "COALESCE(m.color, sp.color)" SLOT_JOIN "WHERE sp.user_id = ? "
                 "AND sp.status IN ('completed', 'failed', 'cancelled') "
                 "AND " ENDED_AT " >= ? AND " ENDED_AT " < ? "
                 "ORDER BY " ENDED_AT ", sp.id",
                 "iii", c->user_id, s->from, s->to);
    if (st == NULL)
        return err_internal(&c->err, "job_stats: range failed");
    while ((rc = db_step(st)) == DB_ROW) {
        struct ended e;
        int k = 0;

        e.id = db_int(st, k++);
        e.printer_id = db_int(st, k++);
        e.name = db_text(st, k++);
        e.status = db_text(st, k++);
        e.started = db_int(st, k++);
        e.ended = db_int(st, k++);
        e.estimated = db_int(st, k++);
        e.grams = db_int(st, k++);
        e.cost = db_int(st, k++);
        e.type = db_text(st, k++);
        e.color = db_text(st, k++);
        if (e.name == NULL || e.status == NULL)
            continue; /* NOT NULL columns: cannot happen */
        add_ended(c, s, &e, &mcap, &rnext);
    }
    if (rc != DB_DONE)
        return err_internal(&c->err, "job_stats: range failed");
    rotate_ratios(c, s, rnext);
    return 0;
}

/* Printing time inside the range, per printer: the overlap of each run
 * (started_at to its end, or to now while it runs) with [from, to). */
static int
load_busy(struct ctx *c, struct job_stats *s)
{
    int64_t now_end = c->now < s->to ? c->now : s->to;
    struct db_stmt *st;
    int rc;

    st = db_query(c->db,
                  "SELECT printer_id, started_at, "
                  "CASE WHEN status = 'started' THEN ? ELSE completed_at END "
                  "FROM scheduled_prints WHERE user_id = ? "
                  "AND printer_id IS NOT NULL AND started_at IS NOT NULL "
                  "AND started_at < ? AND (status = 'started' OR "
                  "(status IN ('completed', 'failed', 'cancelled') AND "
                  "completed_at > ?))",
                  "iiii", now_end, c->user_id, s->to, s->from);
    if (st == NULL)
        return err_internal(&c->err, "job_stats: busy failed");
    while ((rc = db_step(st)) == DB_ROW) {
        struct job_stats_printer *p = find_printer(s, db_int(st, 0));
        int64_t a = db_int(st, 1), b = db_int(st, 2);

        a = a > s->from ? a : s->from;
        b = b < s->to ? b : s->to;
        if (p != NULL && b > a)
            p->busy_seconds += b - a;
    }
    return rc == DB_DONE ? 0 : err_internal(&c->err, "job_stats: busy failed");
}

static void
sort_materials(struct job_stats *s)
{
    /* insertion sort: a handful of materials, stable for equal grams */
    for (int i = 1; i < s->nmaterials; i++) {
        struct job_stats_material m = s->materials[i];
        int j = i;

        for (; j > 0 && s->materials[j - 1].grams < m.grams; j--)
            s->materials[j] = s->materials[j - 1];
        s->materials[j] = m;
    }
}

int
job_stats_range(struct ctx *c, int64_t from, int64_t to, struct job_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (from != job_stats_day_start(from) || to != job_stats_day_start(to) ||
        to <= from || (to - from) / JOB_STATS_DAY > JOB_STATS_DAYS_MAX)
        return err_field(&c->err, "days", "must be 1 to %d whole UTC days",
                         JOB_STATS_DAYS_MAX);
    out->from = from;
    out->to = to;
    out->ndays = (int)((to - from) / JOB_STATS_DAY);
    out->days = arena_alloc(c->arena, sizeof(*out->days) * (size_t)out->ndays);
    for (int i = 0; i < out->ndays; i++)
        out->days[i].day = from + (int64_t)i * JOB_STATS_DAY;
    if (load_printers(c, out) < 0 || load_ended(c, out) < 0 ||
        load_busy(c, out) < 0)
        return -1;
    sort_materials(out);
    return 0;
}
