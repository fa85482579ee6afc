#include "domain/job.h"
#include "domain/job_overview.h"

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "store/db.h"
#include "base/secret.h"
#include "domain/event.h"
#include "domain/order.h"
#include "domain/printer.h"
#include "domain/printfile.h"
#include "domain/setting.h"

#include "base/banned.h"

const char *const job_status_names[] = {
    [JOB_QUEUED] = "queued",   [JOB_SCHEDULED] = "scheduled",
    [JOB_STARTED] = "started", [JOB_COMPLETED] = "completed",
    [JOB_FAILED] = "failed",   [JOB_CANCELLED] = "cancelled",
    [JOB__MAX] = NULL,
};

#define JOB_BY_ANY (JOB_BY_USER | JOB_BY_DISPATCHER)

/* Every allowed move: who may make it and the event it emits. The guard of
 * each UPDATE that moves a print is derived from this table. */
static const struct job_move {
    enum job_status from, to;
    unsigned by;
    const char *event; /* NULL: none */
} job_moves[] = {
    {JOB_QUEUED, JOB_SCHEDULED, JOB_BY_USER, NULL},
    {JOB_SCHEDULED, JOB_QUEUED, JOB_BY_USER, NULL},
    {JOB_QUEUED, JOB_STARTED, JOB_BY_ANY, "print_started"},
    {JOB_SCHEDULED, JOB_STARTED, JOB_BY_ANY, "print_started"},
    {JOB_QUEUED, JOB_CANCELLED, JOB_BY_USER, "print_cancelled"},
    {JOB_SCHEDULED, JOB_CANCELLED, JOB_BY_USER, "print_cancelled"},
    {JOB_STARTED, JOB_COMPLETED, JOB_BY_ANY, "print_completed"},
    {JOB_STARTED, JOB_FAILED, JOB_BY_ANY, "print_failed"},
    /* the printer's own word: cancelled on its screen */
    {JOB_STARTED, JOB_CANCELLED, JOB_BY_DISPATCHER, "print_cancelled"},
    /* a start refused, or never confirmed: back to the queue */
    {JOB_STARTED, JOB_QUEUED, JOB_BY_DISPATCHER, "print_start_refused"},
    {JOB_STARTED, JOB_SCHEDULED, JOB_BY_DISPATCHER, "print_start_refused"},
};

#define JOB_NMOVES (sizeof(job_moves) / sizeof(job_moves[0]))

/* Retiming and cycle walks stop after this many steps, whatever the data. */
#define JOB_WALK_MAX 100000

#define IN struct job
const struct field job_fields[] = {
    {"printer_id", F_ID, offsetof(IN, printer_id), F_NULL, 0, 0, 0},
    JOB_FIELD_NAME(IN),
    JOB_FIELD_FILE(IN),
    JOB_FIELD_PLATE(IN),
    JOB_FIELD_MINUTES(IN),
    {"priority", F_INT, offsetof(IN, priority), 0, -JOB_PRIORITY_MAX,
     JOB_PRIORITY_MAX, 0},
    {"scheduled_at", F_TIME, offsetof(IN, scheduled_at), F_NULL, 0, 0, 0},
    {"chain_after_id", F_ID, offsetof(IN, chain_after_id), F_NULL, 0, 0, 0},
    {"chain_offset_minutes", F_INT, offsetof(IN, chain_offset_minutes), 0,
     -JOB_MINUTES_MAX, JOB_MINUTES_MAX, 0},
    {"order_id", F_ID, offsetof(IN, order_id), F_NULL, 0, 0, 0},
    JOB_FIELDS_SETTINGS(IN),
    JOB_FIELDS_MATERIAL(IN),
    JOB_FIELD_GRAMS(IN),
    {"status", F_ENUM, offsetof(IN, status), 0, 0, 0, job_status_names},
    {"failure_reason", F_STR, offsetof(IN, failure_reason), F_NULL, 1,
     JOB_REASON_MAX, 0},
    {"progress_percent", F_INT, offsetof(IN, progress_percent), F_NULL, 0, 100,
     0},
    {0},
};
#undef IN

/* The effective material cost: recorded, else live from the slot. The
 * operands are non-negative integers, so +500 / 1000 rounds half up. */
#define JOB_COLS                                                               \
    "sp.id, sp.printer_id, sp.name, sp.file, sp.plate, sp.status, "            \
    "sp.priority, sp.scheduled_at, sp.estimated_minutes, sp.chain_after_id, "  \
    "sp.chain_offset_minutes, sp.order_id, sp.order_item_id, "                 \
    "sp.nozzle_temp, sp.bed_temp, sp.speed_level, sp.material_slot, "          \
    "sp.material_type, sp.color, sp.grams, "                                   \
    "COALESCE(sp.material_cost, (sp.grams * m.cost_per_kg + 500) / 1000), "    \
    "sp.started_at, sp.completed_at, sp.failure_reason, "                      \
    "sp.progress_percent, sp.created_at, sp.updated_at, sp.user_id"

#define JOB_FROM                                                               \
    " FROM scheduled_prints sp LEFT JOIN materials m ON "                      \
    "m.printer_id = sp.printer_id AND m.slot = sp.material_slot "

void
job_init(struct job *j)
{
    memset(j, 0, sizeof(*j));
    j->printer_id = DB_NULL;
    j->plate = 1;
    j->status = job_status_names[JOB_QUEUED];
    j->scheduled_at = DB_NULL;
    j->chain_after_id = DB_NULL;
    j->order_id = j->order_item_id = DB_NULL;
    j->nozzle_temp = j->bed_temp = DB_NULL;
    j->speed_level = 2;
    j->material_slot = DB_NULL;
    j->grams = j->material_cost = DB_NULL;
    j->started_at = j->completed_at = DB_NULL;
    j->progress_percent = DB_NULL;
    j->created_at = j->updated_at = DB_NULL;
    j->energy_cost = j->machine_cost = j->total_cost = DB_NULL;
}

int
job_status_from_name(const char *s)
{
    for (int i = 0; s != NULL && i < JOB__MAX; i++)
        if (strcmp(job_status_names[i], s) == 0)
            return i;
    return -1;
}

static const struct job_move *
job_move_find(int from, int to)
{
    for (size_t i = 0; i < JOB_NMOVES; i++)
        if ((int)job_moves[i].from == from && (int)job_moves[i].to == to)
            return &job_moves[i];
    return NULL;
}

int
job_move_allowed(int from, int to, unsigned actor)
{
    const struct job_move *m = job_move_find(from, to);

    return m != NULL && (m->by & actor) != 0;
}

int
job_transition_allowed(int from, int to)
{
    return job_move_allowed(from, to, JOB_BY_USER);
}

const char *
job_move_event(int from, int to)
{
    const struct job_move *m = job_move_find(from, to);

    return m != NULL ? m->event : NULL;
}

/* The statuses actor may move a print from to reach to, as the guard of
 * the UPDATE: from[i] is the name of status i, or NULL (never matches). */
static void
job_guard(int to, unsigned actor, const char *from[JOB__MAX])
{
    for (int i = 0; i < JOB__MAX; i++)
        from[i] = job_move_allowed(i, to, actor) ? job_status_names[i] : NULL;
}

_Static_assert(JOB__MAX == 6, "JOB_GUARD has one placeholder per status");
#define JOB_GUARD " AND status IN (?, ?, ?, ?, ?, ?)"
#define JOB_GUARD_TYPES "tttttt"
#define JOB_GUARD_ARGS(g) g[0], g[1], g[2], g[3], g[4], g[5]

int
job_status_mask(const char *list, unsigned *mask)
{
    return bind_name_mask(list, job_status_names, mask);
}

int64_t
job_chain_start(const struct job *parent, int64_t offset_minutes, int64_t now)
{
    int64_t end;

    if (parent->completed_at != DB_NULL) {
        end = parent->completed_at;
    } else {
        int64_t start = parent->started_at != DB_NULL     ? parent->started_at
                        : parent->scheduled_at != DB_NULL ? parent->scheduled_at
                                                          : now;

        end = start + parent->estimated_minutes * 60;
    }
    return end + offset_minutes * 60;
}

static void
job_row(struct ctx *c, struct db_stmt *st, struct job *j)
{
    struct arena *a = c->arena;
    int k = 0;

    j->id = db_int(st, k++);
    j->printer_id = db_int(st, k++);
    j->name = arena_strdup(a, db_text(st, k++));
    j->file = arena_strdup(a, db_text(st, k++));
    j->plate = db_int(st, k++);
    j->status = arena_strdup(a, db_text(st, k++));
    j->priority = db_int(st, k++);
    j->scheduled_at = db_int(st, k++);
    j->estimated_minutes = db_int(st, k++);
    j->chain_after_id = db_int(st, k++);
    j->chain_offset_minutes = db_int(st, k++);
    j->order_id = db_int(st, k++);
    j->order_item_id = db_int(st, k++);
    j->nozzle_temp = db_int(st, k++);
    j->bed_temp = db_int(st, k++);
    j->speed_level = db_int(st, k++);
    j->material_slot = db_int(st, k++);
    j->material_type = arena_strdup(a, db_text(st, k++));
    j->color = arena_strdup(a, db_text(st, k++));
    j->grams = db_int(st, k++);
    j->material_cost = db_int(st, k++);
    j->started_at = db_int(st, k++);
    j->completed_at = db_int(st, k++);
    j->failure_reason = arena_strdup(a, db_text(st, k++));
    j->progress_percent = db_int(st, k++);
    j->created_at = db_int(st, k++);
    j->updated_at = db_int(st, k++);
    j->user_id = db_int(st, k++);
    j->energy_cost = j->machine_cost = j->total_cost = DB_NULL;
}

int
job_get(struct ctx *c, int64_t id, struct job *j)
{
    struct db_stmt *st = db_query(
        c->db, "SELECT " JOB_COLS JOB_FROM "WHERE sp.id = ? AND sp.user_id = ?",
        "ii", id, c->user_id);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "job: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "no such print");
    if (rc != DB_ROW)
        return err_internal(&c->err, "job: select failed");
    job_row(c, st, j);
    db_done(st);
    return 0;
}

/* Loads a print for a reference check: 1 found, 0 not the user's, -1. */
static int
job_find(struct ctx *c, int64_t id, struct job *j)
{
    struct err saved = c->err; /* may hold other fields' 422s */
    int rc;

    err_clear(&c->err);
    rc = job_get(c, id, j);
    if (rc < 0 && c->err.kind != ERR_NOT_FOUND)
        return -1;
    c->err = saved;
    return rc == 0;
}

/* The value rules of job_fields, for every caller (the API binds with
 * the same table; order scheduling comes straight here). */
static int
job_check_values(struct ctx *c, const struct job *j)
{
    struct job copy = *j; /* bind_check normalises; only the verdict counts */

    return bind_check(c, job_fields, &copy);
}

/* Checks the references that changed from old (NULL: all of them). A
 * reference that is not the user's is a 422 naming it, as for an unknown
 * id. */
static int
job_check_refs(struct ctx *c, const struct job *j, const struct job *old)
{
    int rc;

    if (j->printer_id != DB_NULL &&
        (old == NULL || old->printer_id != j->printer_id)) {
        if ((rc = printer_owned(c, j->printer_id)) < 0)
            return -1;
        if (rc == 0)
            err_field(&c->err, "printer_id", "is not one of your printers");
    }
    if (j->file != NULL && (old == NULL || strcmp(old->file, j->file) != 0)) {
        if ((rc = printfile_exists(c, j->file)) < 0)
            return -1;
        if (rc == 0)
            err_field(&c->err, "file", "is not one of your files");
    }
    if (j->order_id != DB_NULL &&
        (old == NULL || old->order_id != j->order_id)) {
        if ((rc = order_owned(c, j->order_id)) < 0)
            return -1;
        if (rc == 0)
            err_field(&c->err, "order_id", "is not one of your orders");
    }
    if (j->order_item_id != DB_NULL &&
        (old == NULL || old->order_item_id != j->order_item_id)) {
        if (j->order_id == DB_NULL)
            err_field(&c->err, "order_item_id", "needs an order_id");
        else if ((rc = order_item_in(c, j->order_item_id, j->order_id)) < 0)
            return -1;
        else if (rc == 0)
            err_field(&c->err, "order_item_id", "is not an item of the order");
    }
    return err_is_set(&c->err) ? -1 : 0;
}

/* Loads the chain parent and computes the start it gives: 0, or -1 (422
 * naming chain_after_id when it is not the user's). */
static int
job_chain_lookup(struct ctx *c, int64_t parent_id, int64_t offset,
                 int64_t *start)
{
    struct job parent;
    int rc = job_find(c, parent_id, &parent);

    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_field(&c->err, "chain_after_id",
                         "is not one of your prints");
    *start = job_chain_start(&parent, offset, c->now);
    return 0;
}

static int64_t
job_insert(struct ctx *c, struct job *j)
{
    int64_t id = 0;
    int rc;

    /* every check runs, so one 422 names every bad field */
    job_check_values(c, j);
    if (c->err.kind != ERR_INTERNAL)
        job_check_refs(c, j, NULL);
    if (c->err.kind != ERR_INTERNAL && j->chain_after_id != DB_NULL)
        job_chain_lookup(c, j->chain_after_id, j->chain_offset_minutes,
                         &j->scheduled_at);
    if (err_is_set(&c->err))
        return -1;
    j->status = job_status_names[j->scheduled_at != DB_NULL ? JOB_SCHEDULED
                                                            : JOB_QUEUED];
    rc = db_get_int(
        c->db, &id,
        "INSERT INTO scheduled_prints (user_id, printer_id, name, file, "
        "plate, status, priority, scheduled_at, estimated_minutes, "
        "chain_after_id, chain_offset_minutes, order_id, order_item_id, "
        "nozzle_temp, bed_temp, speed_level, material_slot, material_type, "
        "color, grams, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        "iittitiiiiiiiiiiittiii", c->user_id, j->printer_id, j->name, j->file,
        j->plate, j->status, j->priority, j->scheduled_at, j->estimated_minutes,
        j->chain_after_id, j->chain_offset_minutes, j->order_id,
        j->order_item_id, j->nozzle_temp, j->bed_temp, j->speed_level,
        j->material_slot, j->material_type, j->color, j->grams, c->now, c->now);
    if (rc != DB_ROW)
        return err_internal(&c->err, "job: insert failed");
    j->id = id;
    j->created_at = j->updated_at = c->now;
    return id;
}

int64_t
job_create(struct ctx *c, struct job *j)
{
    int64_t id;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "job: begin failed");
    id = job_insert(c, j);
    if (db_end(c->db, id < 0 ? -1 : 0) < 0)
        return id < 0 ? -1 : err_internal(&c->err, "job: commit failed");
    return id;
}

int
job_list(struct ctx *c, const struct job_filter *f, int64_t limit,
         int64_t offset, struct job **out, int *n)
{
    const char *s[JOB__MAX];
    struct db_stmt *st;
    int rc;

    *n = 0;
    *out = NULL;
    if (f->printer_id != 0 && (rc = printer_owned(c, f->printer_id)) <= 0)
        return rc < 0 ? -1 : err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    for (int i = 0; i < JOB__MAX; i++)
        s[i] = (f->statuses >> i & 1) ? job_status_names[i] : NULL;
    st =
        db_query(c->db,
                 "SELECT " JOB_COLS JOB_FROM "WHERE sp.user_id = ? "
                 "AND (? = 0 OR sp.printer_id = ?) "
                 "AND (? = 0 OR sp.status IN (?, ?, ?, ?, ?, ?)) "
                 "AND (? = 0 OR sp.order_id = ?) "
                 "AND (? = 0 OR (sp.printer_id IS NULL AND "
                 "sp.status IN ('queued', 'scheduled'))) "
                 "ORDER BY sp.id DESC LIMIT ? OFFSET ?",
                 "iiiitttttt"
                 "iiiii",
                 c->user_id, f->printer_id, f->printer_id, (int64_t)f->statuses,
                 s[0], s[1], s[2], s[3], s[4], s[5], f->order_id, f->order_id,
                 (int64_t)f->unassigned, limit, offset);
    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)limit);
    if (st == NULL)
        return err_internal(&c->err, "job: list failed");
    while ((rc = db_step(st)) == DB_ROW)
        job_row(c, st, &(*out)[(*n)++]);
    return rc == DB_DONE ? 0 : err_internal(&c->err, "job: list failed");
}

int
job_queue(struct ctx *c, int64_t printer_id, int64_t limit, int64_t offset,
          struct job **out, int *n)
{
    struct db_stmt *st;
    int rc;

    *n = 0;
    *out = NULL;
    st = db_query(c->db,
                  "SELECT " JOB_COLS JOB_FROM
                  /* +user_id: only sp_queue serves this query (its
                   * expressions are the ORDER BY's, 001-init.sql); the
                   * user filter must never steer the planner elsewhere */
                  "WHERE sp.printer_id = ? AND +sp.user_id = ? AND "
                  "sp.status IN ('started', 'queued', 'scheduled') "
                  "ORDER BY CASE WHEN sp.status = 'started' THEN 0 ELSE 1 "
                  "END, sp.priority DESC, "
                  "COALESCE(sp.scheduled_at, sp.created_at), sp.id "
                  "LIMIT ? OFFSET ?",
                  "iiii", printer_id, c->user_id, limit, offset);
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)limit);
    if (st == NULL)
        return err_internal(&c->err, "job: queue failed");
    while ((rc = db_step(st)) == DB_ROW)
        job_row(c, st, &(*out)[(*n)++]);
    if (rc != DB_DONE)
        return err_internal(&c->err, "job: queue failed");
    /* rows prove the printer is the user's; only an empty queue asks */
    if (*n == 0 && (rc = printer_owned(c, printer_id)) <= 0)
        return rc < 0 ? -1 : err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    return 0;
}

/* 1 when candidate is id or chained (transitively) after it. */
static int
job_descends_from(struct ctx *c, int64_t candidate, int64_t id)
{
    int64_t cur = candidate;

    for (int steps = 0; cur != DB_NULL && steps < JOB_WALK_MAX; steps++) {
        int64_t next = DB_NULL;
        int rc;

        if (cur == id)
            return 1;
        rc = db_get_int(c->db, &next,
                        "SELECT chain_after_id FROM scheduled_prints "
                        "WHERE id = ? AND user_id = ?",
                        "ii", cur, c->user_id);
        if (rc == DB_ERROR)
            return err_internal(&c->err, "job: chain walk failed");
        if (rc == DB_DONE)
            return 0;
        cur = next;
    }
    return cur == DB_NULL ? 0 : 1; /* a pre-existing cycle: refuse */
}

int
job_retime_children(struct ctx *c, int64_t id)
{
    int64_t *todo = arena_alloc(c->arena, sizeof(*todo) * 64);
    size_t cap = 64, head = 0, tail = 0;

    todo[tail++] = id;
    while (head < tail && head < JOB_WALK_MAX) {
        struct job parent;
        struct db_stmt *st;
        int64_t *kids = NULL;
        size_t nk = 0, kcap = 0;
        int rc;

        if (job_get(c, todo[head++], &parent) < 0)
            return -1;
        st = db_query(c->db,
                      "SELECT id, chain_offset_minutes FROM "
                      "scheduled_prints WHERE chain_after_id = ? AND "
                      "user_id = ? AND status IN ('queued', 'scheduled') "
                      "ORDER BY id",
                      "ii", parent.id, c->user_id);
        if (st == NULL)
            return err_internal(&c->err, "job: retime failed");
        while ((rc = db_step(st)) == DB_ROW) {
            if (nk + 2 > kcap) {
                int64_t *more;

                kcap = kcap ? kcap * 2 : 16;
                more = arena_alloc(c->arena, sizeof(*more) * kcap);
                if (nk)
                    memcpy(more, kids, sizeof(*more) * nk);
                kids = more;
            }
            kids[nk++] = db_int(st, 0);
            kids[nk++] = db_int(st, 1);
        }
        if (rc != DB_DONE)
            return err_internal(&c->err, "job: retime failed");
        for (size_t k = 0; k < nk; k += 2) {
            int64_t kid = kids[k], at;
            int seen = kid == id;

            for (size_t v = 0; v < tail && !seen; v++)
                seen = todo[v] == kid;
            if (seen)
                continue;
            at = job_chain_start(&parent, kids[k + 1], c->now);
            if (db_exec(c->db,
                        "UPDATE scheduled_prints SET scheduled_at = ?, "
                        "status = 'scheduled', updated_at = ? "
                        "WHERE id = ? AND user_id = ?",
                        "iiii", at, c->now, kid, c->user_id) != DB_DONE)
                return err_internal(&c->err, "job: retime failed");
            if (tail == cap) {
                int64_t *more = arena_alloc(c->arena, sizeof(*more) * cap * 2);

                memcpy(more, todo, sizeof(*more) * cap);
                todo = more;
                cap *= 2;
            }
            todo[tail++] = kid;
        }
    }
    return 0;
}

static int
str_differs(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a != b;
    return strcmp(a, b) != 0;
}

/* 1 when want changes any field that only a not-started print may change */
static int
job_fields_differ(const struct job *a, const struct job *b)
{
    return a->printer_id != b->printer_id || str_differs(a->name, b->name) ||
           str_differs(a->file, b->file) || a->plate != b->plate ||
           a->priority != b->priority || a->scheduled_at != b->scheduled_at ||
           a->estimated_minutes != b->estimated_minutes ||
           a->chain_after_id != b->chain_after_id ||
           a->chain_offset_minutes != b->chain_offset_minutes ||
           a->order_id != b->order_id || a->order_item_id != b->order_item_id ||
           a->nozzle_temp != b->nozzle_temp || a->bed_temp != b->bed_temp ||
           a->speed_level != b->speed_level ||
           a->material_slot != b->material_slot ||
           str_differs(a->material_type, b->material_type) ||
           str_differs(a->color, b->color) || a->grams != b->grams;
}

/* Works out the new row from cur and want; the checks of job_update. */
static int
job_apply(struct ctx *c, const struct job *cur, const struct job *want,
          struct job *j)
{
    int from = job_status_from_name(cur->status);
    int to = job_status_from_name(want->status);
    int open = from == JOB_QUEUED || from == JOB_SCHEDULED;
    int edits = job_fields_differ(cur, want);

    if (to < 0)
        return err_field(&c->err, "status",
                         "must be one of queued, scheduled, started, "
                         "completed, failed, cancelled");
    if (from != to && !job_transition_allowed(from, to))
        return err_set(&c->err, ERR_CONFLICT, "a %s print cannot become %s",
                       cur->status, want->status);
    if (edits && !open)
        return err_set(&c->err, ERR_CONFLICT,
                       "print %lld is %s; only a queued or scheduled print "
                       "can be edited",
                       (long long)cur->id, cur->status);
    if (want->progress_percent != cur->progress_percent && to != JOB_STARTED)
        return err_set(&c->err, ERR_CONFLICT,
                       "progress can only be set on a started print");
    if (str_differs(want->failure_reason, cur->failure_reason) &&
        to != JOB_FAILED)
        return err_field(&c->err, "failure_reason",
                         "can only be given when the print fails");
    if (from != to && to == JOB_FAILED &&
        (want->failure_reason == NULL || want->failure_reason[0] == '\0'))
        return err_field(&c->err, "failure_reason",
                         "is required when a print fails");
    if (edits &&
        (job_check_values(c, want) < 0 || job_check_refs(c, want, cur) < 0))
        return -1;
    if (want->chain_after_id != DB_NULL &&
        want->chain_after_id != cur->chain_after_id) {
        int64_t ignored;
        int rc;

        if (job_chain_lookup(c, want->chain_after_id, 0, &ignored) < 0 ||
            (rc = job_descends_from(c, want->chain_after_id, cur->id)) < 0)
            return -1;
        if (rc)
            return err_field(&c->err, "chain_after_id",
                             "cannot be this print or one chained after it");
    }

    *j = *want;
    j->id = cur->id;
    if (open && to == JOB_QUEUED && from == JOB_SCHEDULED) {
        /* an explicit move to queued: no start time, so no chain */
        if (want->chain_after_id != cur->chain_after_id &&
            want->chain_after_id != DB_NULL)
            return err_field(&c->err, "chain_after_id",
                             "a queued print has no start time, so it "
                             "cannot be chained");
        if (want->scheduled_at != cur->scheduled_at &&
            want->scheduled_at != DB_NULL)
            return err_field(&c->err, "scheduled_at",
                             "a queued print has no start time");
        j->scheduled_at = DB_NULL;
        j->chain_after_id = DB_NULL;
    } else if (to == JOB_QUEUED || to == JOB_SCHEDULED) {
        if (j->chain_after_id != DB_NULL &&
            job_chain_lookup(c, j->chain_after_id, j->chain_offset_minutes,
                             &j->scheduled_at) < 0)
            return -1;
        if (from == JOB_QUEUED && to == JOB_SCHEDULED &&
            j->scheduled_at == DB_NULL)
            return err_field(&c->err, "scheduled_at",
                             "is required to schedule a print");
        to = j->scheduled_at != DB_NULL ? JOB_SCHEDULED : JOB_QUEUED;
    }
    if (from != to && to == JOB_STARTED) {
        j->started_at = c->now;
        if (j->progress_percent == DB_NULL)
            j->progress_percent = 0;
    }
    if (from != to && (to == JOB_COMPLETED || to == JOB_FAILED))
        j->completed_at = c->now;
    if (from != to && to == JOB_COMPLETED)
        j->progress_percent = 100;
    j->status = job_status_names[to];
    return 0;
}

/* Emits kind (NULL: nothing) for print id as it now is, on its printer. */
static int
job_emit(struct ctx *c, int64_t id, const char *kind, const char *detail)
{
    struct job j;
    struct printer p;
    struct event_printer ep;
    struct event_print jp;

    if (kind == NULL)
        return 0;
    if (job_get(c, id, &j) < 0)
        return -1;
    if (j.printer_id == DB_NULL)
        return 0;
    if (printer_get(c, j.printer_id, &p) < 0)
        return -1;
    ep = (struct event_printer){p.id, p.name, p.serial, p.model};
    jp = (struct event_print){j.id, j.name, j.status, j.file, j.order_id};
    return event_emit(c, kind, &ep, &jp, detail) < 0 ? -1 : 0;
}

/* Writes j over the stored print, guarded by the status it was loaded
 * with (from): 0, or -1 with 409 when the print moved meanwhile. */
static int
job_write(struct ctx *c, const struct job *j, const char *from)
{
    if (db_exec(c->db,
                "UPDATE scheduled_prints SET printer_id = ?, name = ?, "
                "file = ?, plate = ?, status = ?, priority = ?, "
                "scheduled_at = ?, estimated_minutes = ?, "
                "chain_after_id = ?, chain_offset_minutes = ?, "
                "order_id = ?, order_item_id = ?, nozzle_temp = ?, "
                "bed_temp = ?, speed_level = ?, material_slot = ?, "
                "material_type = ?, color = ?, grams = ?, started_at = ?, "
                "completed_at = ?, failure_reason = ?, "
                "progress_percent = ?, updated_at = ? "
                "WHERE id = ? AND user_id = ? AND status = ?",
                "ittitiiiiiiiiiiittiiitiiiit", j->printer_id, j->name,
                j->file, j->plate, j->status, j->priority, j->scheduled_at,
                j->estimated_minutes, j->chain_after_id,
                j->chain_offset_minutes, j->order_id, j->order_item_id,
                j->nozzle_temp, j->bed_temp, j->speed_level, j->material_slot,
                j->material_type, j->color, j->grams, j->started_at,
                j->completed_at, j->failure_reason, j->progress_percent, c->now,
                j->id, c->user_id, from) != DB_DONE)
        return err_internal(&c->err, "job: update failed");
    if (db_changes(c->db) != 1)
        return err_set(&c->err, ERR_CONFLICT, "print %lld changed meanwhile",
                       (long long)j->id);
    return 0;
}

int
job_update(struct ctx *c, const struct job *want)
{
    struct job cur, j;
    int rc, from, to;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "job: begin failed");
    rc = job_get(c, want->id, &cur);
    if (rc == 0)
        rc = job_apply(c, &cur, want, &j);
    if (rc == 0)
        rc = job_write(c, &j, cur.status);
    if (rc == 0)
        rc = job_retime_children(c, j.id);
    if (rc == 0 && (from = job_status_from_name(cur.status)) !=
                       (to = job_status_from_name(j.status)))
        rc = job_emit(c, j.id, job_move_event(from, to),
                      to == JOB_FAILED ? j.failure_reason : NULL);
    return db_end(c->db, rc);
}

/* Moves print id to cancelled when actor may: 1, 0 refused, -1. */
static int
job_cancel_one(struct ctx *c, int64_t id, unsigned actor, const char *reason)
{
    const char *g[JOB__MAX];

    job_guard(JOB_CANCELLED, actor, g);
    if (db_exec(c->db,
                "UPDATE scheduled_prints SET status = 'cancelled', "
                "updated_at = ? WHERE id = ? AND user_id = ?" JOB_GUARD,
                "iii" JOB_GUARD_TYPES, c->now, id, c->user_id,
                JOB_GUARD_ARGS(g)) != DB_DONE)
        return err_internal(&c->err, "job: cancel failed");
    if (db_changes(c->db) != 1)
        return 0;
    return job_emit(c, id, "print_cancelled", reason) < 0 ? -1 : 1;
}

int
job_cancel(struct ctx *c, int64_t id)
{
    struct job cur;
    int rc;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "job: begin failed");
    rc = job_get(c, id, &cur);
    if (rc == 0 && (rc = job_cancel_one(c, id, JOB_BY_USER, NULL)) == 0)
        rc = err_set(&c->err, ERR_CONFLICT, "a %s print cannot be cancelled",
                     cur.status);
    return db_end(c->db, rc < 0 ? -1 : 0);
}

/* ---- for the queue page: retry and move ---- */

/* Queues a copy of failed print id: the copy's id, or -1 (409 when id
 * has not failed). */
static int64_t
job_retry_locked(struct ctx *c, int64_t id)
{
    struct job old, j;

    if (job_get(c, id, &old) < 0)
        return -1;
    if (job_status_from_name(old.status) != JOB_FAILED)
        return err_set(&c->err, ERR_CONFLICT,
                       "only a failed print can be retried; this one is %s",
                       old.status);
    job_init(&j);
    j.printer_id = old.printer_id;
    j.name = old.name;
    j.file = old.file;
    j.plate = old.plate;
    j.priority = old.priority;
    j.estimated_minutes = old.estimated_minutes;
    j.order_id = old.order_id;
    j.order_item_id = old.order_item_id;
    j.nozzle_temp = old.nozzle_temp;
    j.bed_temp = old.bed_temp;
    j.speed_level = old.speed_level;
    j.material_slot = old.material_slot;
    j.material_type = old.material_type;
    j.color = old.color;
    j.grams = old.grams;
    return job_create(c, &j);
}

int64_t
job_retry(struct ctx *c, int64_t id)
{
    int64_t made;

    /* the failed print is read under the write lock it is copied in */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "job: begin failed");
    made = job_retry_locked(c, id);
    if (db_end(c->db, made < 0 ? -1 : 0) < 0)
        return made < 0 ? -1 : err_internal(&c->err, "job: commit failed");
    return made;
}

/* Moves print id, read under the write lock, to printer_id. */
static int
job_move_locked(struct ctx *c, int64_t id, int64_t printer_id)
{
    struct job j;
    int from;

    if (job_get(c, id, &j) < 0)
        return -1;
    from = job_status_from_name(j.status);
    /* said here, not left to job_update: its 409 speaks of edits */
    if (from != JOB_QUEUED && from != JOB_SCHEDULED)
        return err_set(&c->err, ERR_CONFLICT,
                       "a %s print cannot move to another printer", j.status);
    j.printer_id = printer_id;
    return job_update(c, &j);
}

int
job_move_to(struct ctx *c, int64_t id, int64_t printer_id)
{
    int rc;

    /* read and written in one write transaction: job_update writes every
     * field of j back, which must be the fields as they are now */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "job: begin failed");
    rc = job_move_locked(c, id, printer_id);
    if (db_end(c->db, rc) < 0)
        return rc < 0 ? -1 : err_internal(&c->err, "job: commit failed");
    return 0;
}

/* The ids a one-column query answers, from the arena. 0 or -1. */
static int
job_ids(struct ctx *c, struct db_stmt *st, int64_t **ids, int *n)
{
    size_t cap = 16;
    int rc;

    *n = 0;
    *ids = arena_alloc(c->arena, sizeof(**ids) * cap);
    if (st == NULL)
        return err_internal(&c->err, "job: select failed");
    while ((rc = db_step(st)) == DB_ROW) {
        if ((size_t)*n == cap) {
            int64_t *more = arena_alloc(c->arena, sizeof(*more) * cap * 2);

            memcpy(more, *ids, sizeof(*more) * cap);
            *ids = more;
            cap *= 2;
        }
        (*ids)[(*n)++] = db_int(st, 0);
    }
    return rc == DB_DONE ? 0 : err_internal(&c->err, "job: select failed");
}

int
job_cancel_on_printer(struct ctx *c, int64_t printer_id)
{
    int64_t *ids;
    int n;

    if (job_ids(c,
                db_query(c->db,
                         "SELECT id FROM scheduled_prints WHERE printer_id = ? "
                         "AND status IN ('queued', 'scheduled') ORDER BY id",
                         "i", printer_id),
                &ids, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (job_cancel_one(c, ids[i], JOB_BY_USER, "the printer was deleted") <
            0)
            return -1;
    return 0;
}

int
job_started_on(struct ctx *c, int64_t printer_id, int64_t *id)
{
    int rc = db_get_int(c->db, id,
                        "SELECT id FROM scheduled_prints WHERE printer_id = ? "
                        "AND status = 'started' LIMIT 1",
                        "i", printer_id);

    if (rc != DB_ROW && rc != DB_DONE)
        return err_internal(&c->err, "job: started select failed");
    return rc == DB_ROW;
}

int
job_using_file(struct ctx *c, const char *name, int64_t *id)
{
    int rc = db_get_int(c->db, id,
                        "SELECT id FROM scheduled_prints WHERE user_id = ? "
                        "AND file = ? AND status IN ('queued', 'scheduled', "
                        "'started') ORDER BY id LIMIT 1",
                        "it", c->user_id, name);

    if (rc != DB_ROW && rc != DB_DONE)
        return err_internal(&c->err, "job: file select failed");
    return rc == DB_ROW;
}

int
job_order_prints(struct ctx *c, int64_t order_id, int64_t **ids, int *n)
{
    return job_ids(c,
                   db_query(c->db,
                            "SELECT id FROM scheduled_prints WHERE "
                            "order_id = ? AND user_id = ? ORDER BY id",
                            "ii", order_id, c->user_id),
                   ids, n);
}

int64_t
job_print_seconds(struct ctx *c, int64_t printer_id, int64_t since,
                  int64_t until)
{
    int64_t secs = 0;

    /* sp_printer_status (printer_id, status) finds the rows; a missing
     * bound (NULL) compares the start with itself */
    if (db_get_int(c->db, &secs,
                   "SELECT COALESCE(SUM(CASE WHEN completed_at > started_at "
                   "THEN completed_at - started_at ELSE 0 END), 0) "
                   "FROM scheduled_prints WHERE printer_id = ? "
                   "AND user_id = ? AND status IN ('completed', 'failed') "
                   "AND started_at IS NOT NULL AND completed_at IS NOT NULL "
                   "AND started_at >= COALESCE(?, started_at) "
                   "AND started_at < COALESCE(?, started_at + 1)",
                   "iiii", printer_id, c->user_id, since, until) != DB_ROW)
        return err_internal(&c->err, "job: print time failed");
    return secs;
}

/* The overview's numbers (job_overview.h): here, with every other query of
 * scheduled_prints. */
int
job_overview_today(struct ctx *c, int64_t since, struct job_today *t)
{
    struct db_stmt *st;
    int rc;

    memset(t, 0, sizeof(*t));
    /* one index range each (sp_status_user, migration 006) */
    st = db_query(
        c->db,
        "SELECT "
        "(SELECT COUNT(*) FROM scheduled_prints WHERE user_id = ? "
        "AND status = 'started'), "
        "(SELECT COUNT(*) FROM scheduled_prints WHERE user_id = ? "
        "AND status IN ('queued', 'scheduled')), "
        "(SELECT COUNT(*) FROM scheduled_prints WHERE user_id = ? "
        "AND status = 'completed' AND completed_at >= ?), "
        "(SELECT COUNT(*) FROM scheduled_prints WHERE user_id = ? "
        "AND status = 'failed' AND completed_at >= ?), "
        "(SELECT COALESCE(SUM(grams), 0) FROM scheduled_prints "
        "WHERE user_id = ? AND status IN ('completed', 'failed') "
        "AND completed_at >= ?)",
        "iiiiiiii", c->user_id, c->user_id, c->user_id, since, c->user_id,
        since, c->user_id, since);
    if (st == NULL || (rc = db_step(st)) != DB_ROW)
        return err_internal(&c->err, "job: today's numbers");
    t->printing = db_int(st, 0);
    t->queued = db_int(st, 1);
    t->completed = db_int(st, 2);
    t->failed = db_int(st, 3);
    t->grams = db_int(st, 4);
    db_done(st);
    return 0;
}

int
job_failed_since(struct ctx *c, int64_t since, int64_t limit,
                 struct job **out, int *n)
{
    struct db_stmt *st;
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)(limit > 0 ? limit : 1));
    st = db_query(c->db,
                  "SELECT " JOB_COLS JOB_FROM "WHERE sp.user_id = ? "
                  "AND sp.status = 'failed' AND sp.completed_at >= ? "
                  "ORDER BY sp.completed_at DESC, sp.id DESC LIMIT ?",
                  "iii", c->user_id, since, limit);
    if (st == NULL)
        return err_internal(&c->err, "job: failures list failed");
    while ((rc = db_step(st)) == DB_ROW)
        job_row(c, st, &(*out)[(*n)++]);
    return rc == DB_DONE ? 0 : err_internal(&c->err, "job: failures list failed");
}

/* ---- for the dispatcher ---- */

/* After a move by the dispatcher: the chain re-timed, the event out. */
static int
job_moved(struct ctx *c, int64_t id, const char *kind, const char *detail)
{
    if (job_retime_children(c, id) < 0 || job_emit(c, id, kind, detail) < 0)
        return -1;
    return 1;
}

int
job_mark_started(struct ctx *c, int64_t id, int64_t slot)
{
    char token[SECRET_TOKEN_LEN + 1];
    const char *g[JOB__MAX];

    secret_token(token);
    job_guard(JOB_STARTED, JOB_BY_DISPATCHER, g);
    if (db_exec(c->db,
                "UPDATE scheduled_prints SET status = 'started', "
                "started_at = ?, dispatch_token = ?, dispatch_attempts = "
                "dispatch_attempts + 1, confirmed_at = NULL, "
                "progress_percent = 0, failure_reason = NULL, "
                "material_slot = COALESCE(material_slot, ?), updated_at = ? "
                "WHERE id = ? AND user_id = ?" JOB_GUARD,
                "itiiii" JOB_GUARD_TYPES, c->now, token, slot, c->now, id,
                c->user_id, JOB_GUARD_ARGS(g)) != DB_DONE)
        return err_internal(&c->err, "job: mark started failed");
    if (db_changes(c->db) != 1)
        return 0;
    return job_moved(c, id, "print_started", NULL);
}

int
job_finish(struct ctx *c, int64_t id, int to, const char *reason,
           int64_t cost)
{
    const char *g[JOB__MAX];

    if (to != JOB_COMPLETED && to != JOB_FAILED && to != JOB_CANCELLED)
        return err_internal(&c->err, "job: %d is not an end", to);
    job_guard(to, JOB_BY_DISPATCHER, g);
    if (db_exec(c->db,
                "UPDATE scheduled_prints SET status = ?, completed_at = ?, "
                "progress_percent = CASE WHEN ? = 'completed' THEN 100 ELSE "
                "progress_percent END, failure_reason = ?, "
                "material_cost = COALESCE(?, material_cost), updated_at = ? "
                "WHERE id = ? AND user_id = ?" JOB_GUARD,
                "tittiiii" JOB_GUARD_TYPES, job_status_names[to], c->now,
                job_status_names[to], reason, cost, c->now, id, c->user_id,
                JOB_GUARD_ARGS(g)) != DB_DONE)
        return err_internal(&c->err, "job: finish failed");
    if (db_changes(c->db) != 1)
        return 0;
    return job_moved(c, id, job_move_event(JOB_STARTED, to), reason);
}

/* The refused start's last try: started -> failed. 1, 0 or -1. */
static int
job_fail_start(struct ctx *c, int64_t id, const char *reason)
{
    const char *g[JOB__MAX];

    job_guard(JOB_FAILED, JOB_BY_DISPATCHER, g);
    if (db_exec(c->db,
                "UPDATE scheduled_prints SET status = 'failed', "
                "completed_at = ?, failure_reason = ?, "
                "last_dispatch_error = ?, updated_at = ? "
                "WHERE id = ? AND user_id = ?" JOB_GUARD,
                "ittiii" JOB_GUARD_TYPES, c->now, reason, reason, c->now, id,
                c->user_id, JOB_GUARD_ARGS(g)) != DB_DONE)
        return err_internal(&c->err, "job: requeue failed");
    if (db_changes(c->db) != 1)
        return 0;
    return job_moved(c, id, "print_failed", reason);
}

int
job_requeue(struct ctx *c, int64_t id, const char *reason, int count_attempt)
{
    const char *g[JOB__MAX];
    int64_t attempts = 0;
    int rc;

    rc = db_get_int(c->db, &attempts,
                    "SELECT dispatch_attempts FROM scheduled_prints "
                    "WHERE id = ? AND user_id = ? AND status = 'started'",
                    "ii", id, c->user_id);
    if (rc == DB_DONE)
        return 0; /* moved meanwhile */
    if (rc != DB_ROW)
        return err_internal(&c->err, "job: requeue failed");
    if (count_attempt && attempts >= JOB_START_ATTEMPTS_MAX)
        return job_fail_start(c, id, reason);
    if (!count_attempt && attempts > 0)
        attempts--; /* job_mark_started counted it */
    /* queued and scheduled accept the same moves from started */
    job_guard(JOB_QUEUED, JOB_BY_DISPATCHER, g);
    if (db_exec(c->db,
                "UPDATE scheduled_prints SET status = CASE WHEN "
                "scheduled_at IS NULL THEN 'queued' ELSE 'scheduled' "
                "END, started_at = NULL, progress_percent = NULL, "
                "confirmed_at = NULL, dispatch_token = NULL, "
                "dispatch_attempts = ?, last_dispatch_error = ?, "
                "updated_at = ? WHERE id = ? AND user_id = ?" JOB_GUARD,
                "itiii" JOB_GUARD_TYPES, attempts, reason, c->now, id,
                c->user_id, JOB_GUARD_ARGS(g)) != DB_DONE)
        return err_internal(&c->err, "job: requeue failed");
    if (db_changes(c->db) != 1)
        return 0;
    return job_moved(c, id, "print_start_refused", reason);
}

int
job_note_progress(struct ctx *c, int64_t id, int64_t percent)
{
    if (db_exec(c->db,
                "UPDATE scheduled_prints SET confirmed_at = COALESCE("
                "confirmed_at, ?), progress_percent = COALESCE(?, "
                "progress_percent) WHERE id = ? AND user_id = ? "
                "AND status = 'started'",
                "iiii", c->now, percent, id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "job: progress failed");
    return 0;
}

int
job_assign(struct ctx *c, int64_t id, int64_t printer_id)
{
    if (db_exec(c->db,
                "UPDATE scheduled_prints SET printer_id = ?, "
                "updated_at = ? WHERE id = ? AND user_id = ? AND "
                "printer_id IS NULL AND status IN ('queued', 'scheduled')",
                "iiii", printer_id, c->now, id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "job: assign failed");
    return db_changes(c->db) == 1;
}

int
job_running(struct ctx *c, int64_t printer_id, int max, struct job_run **out,
            int *n)
{
    struct db_stmt *st;
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)max);
    st = db_query(c->db,
                  "SELECT id, name, started_at, confirmed_at, grams, "
                  "material_slot FROM scheduled_prints WHERE printer_id = ? "
                  "AND user_id = ? AND status = 'started' ORDER BY id "
                  "LIMIT ?",
                  "iii", printer_id, c->user_id, (int64_t)max);
    if (st == NULL)
        return err_internal(&c->err, "job: started select failed");
    while ((rc = db_step(st)) == DB_ROW) {
        struct job_run *r = &(*out)[(*n)++];

        r->id = db_int(st, 0);
        r->name = arena_strdup(c->arena, db_text(st, 1));
        r->started_at = db_int(st, 2);
        r->confirmed_at = db_int(st, 3);
        r->grams = db_int(st, 4);
        r->material_slot = db_int(st, 5);
    }
    return rc == DB_DONE ? 0
                         : err_internal(&c->err, "job: started select failed");
}

int
job_loads(struct ctx *c, struct job_load **out, int *n)
{
    struct db_stmt *st;
    size_t cap = 64;
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * cap);
    st = db_query(c->db,
                  "SELECT printer_id, "
                  "SUM(CASE WHEN status = 'started' THEN 1 ELSE 0 END), "
                  "SUM(CASE WHEN status = 'started' THEN 0 ELSE 1 END) "
                  "FROM scheduled_prints WHERE printer_id IS NOT NULL AND "
                  "status IN ('started', 'queued', 'scheduled') "
                  "GROUP BY printer_id",
                  "");
    if (st == NULL)
        return err_internal(&c->err, "job: count failed");
    while ((rc = db_step(st)) == DB_ROW) {
        if ((size_t)*n == cap) {
            struct job_load *more =
                arena_alloc(c->arena, sizeof(*more) * cap * 2);

            memcpy(more, *out, sizeof(*more) * cap);
            *out = more;
            cap *= 2;
        }
        (*out)[*n].printer_id = db_int(st, 0);
        (*out)[*n].started = (int)db_int(st, 1);
        (*out)[*n].waiting = (int)db_int(st, 2);
        (*n)++;
    }
    return rc == DB_DONE ? 0 : err_internal(&c->err, "job: count failed");
}

/* The dispatcher's queue order (the index sp_queue, without started). */
#define JOB_WAITING_ORDER                                                      \
    " ORDER BY sp.priority DESC, COALESCE(sp.scheduled_at, sp.created_at), "   \
    "sp.id"

int
job_unassigned_due(struct ctx *c, int max, struct job **out, int *n)
{
    struct db_stmt *st;
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)max);
    st = db_query(c->db,
                  "SELECT " JOB_COLS JOB_FROM
                  "WHERE sp.printer_id IS NULL AND sp.status IN ('queued', "
                  "'scheduled') AND (sp.scheduled_at IS NULL OR "
                  "sp.scheduled_at <= ?)" JOB_WAITING_ORDER " LIMIT ?",
                  "ii", c->now, (int64_t)max);
    if (st == NULL)
        return err_internal(&c->err, "job: unassigned failed");
    while ((rc = db_step(st)) == DB_ROW)
        job_row(c, st, &(*out)[(*n)++]);
    return rc == DB_DONE ? 0 : err_internal(&c->err, "job: unassigned failed");
}

int
job_queue_head(struct ctx *c, int64_t printer_id, struct job *j)
{
    struct db_stmt *st = db_query(
        c->db,
        "SELECT " JOB_COLS JOB_FROM "WHERE sp.printer_id = ? AND "
        "sp.user_id = ? AND sp.status IN ('queued', 'scheduled')" JOB_WAITING_ORDER
        " LIMIT 1",
        "ii", printer_id, c->user_id);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "job: queue failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "job: queue failed");
    job_row(c, st, j);
    db_done(st);
    return 1;
}

/* ---- cost ---- */

/* The longest duration a cost counts (a year), so the products below stay
 * far inside int64 (10,000 W x 3.2e7 s x 100,000 cents < 9.2e18). */
#define JOB_COST_SECONDS_MAX (366LL * 24 * 3600)

void
job_cost_compute(const struct job_cost_in *in, int64_t *energy,
                 int64_t *machine, int64_t *total)
{
    int64_t s = in->seconds < 0 ? 0 : in->seconds;
    int64_t w = in->watts < 0 ? 0 : in->watts;
    int64_t price = in->energy_price_per_kwh < 0 ? 0 : in->energy_price_per_kwh;
    int64_t rate = in->machine_rate < 0 ? 0 : in->machine_rate;

    if (s > JOB_COST_SECONDS_MAX)
        s = JOB_COST_SECONDS_MAX;
    /* non-negative operands: + half the divisor, then divide, rounds half
     * up */
    *energy = (w * s * price + 1800000) / 3600000;
    *machine = (rate * s + 1800) / 3600;
    *total = (in->material_cost == DB_NULL ? 0 : in->material_cost) + *energy +
             *machine;
}

int64_t
job_cost_seconds(const struct job *j)
{
    if (j->started_at != DB_NULL && j->completed_at != DB_NULL)
        return j->completed_at - j->started_at;
    return j->estimated_minutes == DB_NULL ? 0 : j->estimated_minutes * 60;
}

int
job_costs(struct ctx *c, struct job *list, int n)
{
    struct settings set;
    struct {
        int64_t printer_id, watts, rate;
    } *seen = NULL;
    int nseen = 0;

    if (n <= 0)
        return 0;
    if (setting_get(c, &set) < 0)
        return -1;
    seen = arena_alloc(c->arena, sizeof(*seen) * (size_t)n);
    for (int i = 0; i < n; i++) {
        struct job *j = &list[i];
        struct job_cost_in in;
        int k = 0;

        while (k < nseen && seen[k].printer_id != j->printer_id)
            k++;
        if (k == nseen) {
            seen[k].printer_id = j->printer_id;
            if (printer_cost_params(c, j->printer_id, &seen[k].watts,
                                    &seen[k].rate) < 0)
                return -1;
            nseen++;
        }
        in.material_cost = j->material_cost;
        in.watts = seen[k].watts;
        in.machine_rate = seen[k].rate;
        in.energy_price_per_kwh = set.energy_price_per_kwh;
        in.seconds = job_cost_seconds(j);
        job_cost_compute(&in, &j->energy_cost, &j->machine_cost,
                         &j->total_cost);
    }
    return 0;
}

int
job_order_cost(struct ctx *c, int64_t order_id, int64_t *cost)
{
    struct job_filter f;
    struct job *list;
    int64_t count = 0;
    int n;

    *cost = 0;
    if (db_get_int(c->db, &count,
                   "SELECT COUNT(*) FROM scheduled_prints "
                   "WHERE order_id = ? AND user_id = ?",
                   "ii", order_id, c->user_id) != DB_ROW)
        return err_internal(&c->err, "job: order cost failed");
    if (count == 0)
        return 0;
    memset(&f, 0, sizeof(f));
    f.order_id = order_id;
    if (job_list(c, &f, count, 0, &list, &n) < 0 ||
        job_costs(c, list, n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (!(strcmp(list[i].status, job_status_names[JOB_CANCELLED]) == 0 &&
              list[i].started_at == DB_NULL))
            *cost += list[i].total_cost;
    return 0;
}
