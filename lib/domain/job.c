#include "domain/job.h"

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/order.h"
#include "domain/printer.h"
#include "domain/printfile.h"

#include "base/banned.h"

const char *const job_status_names[] = {
    [JOB_QUEUED] = "queued",   [JOB_SCHEDULED] = "scheduled",
    [JOB_STARTED] = "started", [JOB_COMPLETED] = "completed",
    [JOB_FAILED] = "failed",   [JOB_CANCELLED] = "cancelled",
    [JOB__MAX] = NULL,
};

/* allowed[from] has bit (1 << to) for each legal move */
static const unsigned allowed[JOB__MAX] = {
    [JOB_QUEUED] =
        1u << JOB_SCHEDULED | 1u << JOB_STARTED | 1u << JOB_CANCELLED,
    [JOB_SCHEDULED] =
        1u << JOB_QUEUED | 1u << JOB_STARTED | 1u << JOB_CANCELLED,
    [JOB_STARTED] = 1u << JOB_COMPLETED | 1u << JOB_FAILED,
};

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
    "sp.progress_percent, sp.created_at, sp.updated_at"

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
}

int
job_status_from_name(const char *s)
{
    for (int i = 0; s != NULL && i < JOB__MAX; i++)
        if (strcmp(job_status_names[i], s) == 0)
            return i;
    return -1;
}

int
job_transition_allowed(int from, int to)
{
    if (from < 0 || from >= JOB__MAX || to < 0 || to >= JOB__MAX)
        return 0;
    return (allowed[from] >> to) & 1;
}

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

/* Ends a unit that began its own transaction (own = 1). */
static int
tx_end(struct ctx *c, int own, int rc)
{
    if (!own)
        return rc;
    if (rc < 0) {
        db_rollback(c->db);
        return rc;
    }
    if (db_commit(c->db) < 0) {
        db_rollback(c->db);
        return err_internal(&c->err, "job: commit failed");
    }
    return rc;
}

static int
tx_begin(struct ctx *c, int *own)
{
    *own = !db_in_transaction(c->db);
    if (*own && db_begin(c->db) < 0)
        return err_internal(&c->err, "job: begin failed");
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
    int own;
    int64_t id;

    if (tx_begin(c, &own) < 0)
        return -1;
    id = job_insert(c, j);
    return tx_end(c, own, id < 0 ? -1 : 0) < 0 ? -1 : id;
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
                  "WHERE sp.printer_id = ? AND sp.user_id = ? AND "
                  "sp.status IN ('started', 'queued', 'scheduled') "
                  /* the expressions of index sp_queue (001-init.sql) */
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

static int
job_write(struct ctx *c, const struct job *j)
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
                "WHERE id = ? AND user_id = ?",
                "ittitiiiiiiiiiiittiiitiiii", j->printer_id, j->name, j->file,
                j->plate, j->status, j->priority, j->scheduled_at,
                j->estimated_minutes, j->chain_after_id,
                j->chain_offset_minutes, j->order_id, j->order_item_id,
                j->nozzle_temp, j->bed_temp, j->speed_level, j->material_slot,
                j->material_type, j->color, j->grams, j->started_at,
                j->completed_at, j->failure_reason, j->progress_percent, c->now,
                j->id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "job: update failed");
    return 0;
}

int
job_update(struct ctx *c, const struct job *want)
{
    struct job cur, j;
    int own, rc;

    if (tx_begin(c, &own) < 0)
        return -1;
    rc = job_get(c, want->id, &cur);
    if (rc == 0)
        rc = job_apply(c, &cur, want, &j);
    if (rc == 0)
        rc = job_write(c, &j);
    if (rc == 0)
        rc = job_retime_children(c, j.id);
    return tx_end(c, own, rc);
}

int
job_cancel(struct ctx *c, int64_t id)
{
    struct job cur;
    int own, rc, from;

    if (tx_begin(c, &own) < 0)
        return -1;
    rc = job_get(c, id, &cur);
    from = rc == 0 ? job_status_from_name(cur.status) : -1;
    if (rc == 0 && !job_transition_allowed(from, JOB_CANCELLED))
        rc = err_set(&c->err, ERR_CONFLICT, "a %s print cannot be cancelled",
                     cur.status);
    if (rc == 0 && db_exec(c->db,
                           "UPDATE scheduled_prints SET status = "
                           "'cancelled', updated_at = ? "
                           "WHERE id = ? AND user_id = ?",
                           "iii", c->now, id, c->user_id) != DB_DONE)
        rc = err_internal(&c->err, "job: cancel failed");
    return tx_end(c, own, rc);
}
