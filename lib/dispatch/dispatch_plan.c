/*
 * dispatch_plan — step 8: which prints start now. Builds the plain views
 * of dispatch.h from the printers' state and the database (materials,
 * queue counts), assigns due unassigned prints to printers
 * (dispatch_pick_printer), picks each startable printer's head
 * (dispatch_pick_head, dispatch_pick_slot), and marks the chosen prints
 * started with a fresh dispatch token in ONE committed transaction before
 * anything is sent (dispatch_start.c sends them).
 */
#include "dispatch/dispatch_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/job.h"
#include "domain/printfile.h"
#include "base/secret.h"

#include "base/banned.h"

#define PLAN_UNASSIGNED_MAX 1000

static int
index_of(const struct dispatcher *d, int64_t printer_id)
{
    for (int i = 0; i < d->n; i++)
        if (d->p[i]->id == printer_id)
            return i;
    return -1;
}

static int
blocked(const char *status)
{
    return strcmp(status, "auth_failed") == 0 ||
           strcmp(status, "untrusted_certificate") == 0 ||
           strcmp(status, "needs_developer_mode") == 0;
}

/* The views of every printer: state from the reports, counts and slots
 * from the database. */
static int
build_views(struct dispatcher *d, struct ctx *c, struct dispatch_printer *v)
{
    struct db_stmt *st;
    int rc, i;

    for (i = 0; i < d->n; i++) {
        struct dprinter *p = d->p[i];
        struct bambu_report r;

        bambu_state_report(p->state, &r);
        v[i].id = p->id;
        v[i].user_id = p->user_id;
        v[i].online = p->online && dispatch_fresh(d, p);
        v[i].blocked = blocked(p->status);
        v[i].gcode_state = r.gcode_state;
    }
    st = db_query(c->db,
                  "SELECT printer_id, status, COUNT(*) FROM scheduled_prints "
                  "WHERE printer_id IS NOT NULL AND status IN ('started', "
                  "'queued', 'scheduled') GROUP BY printer_id, status",
                  "");
    if (st == NULL)
        return err_internal(&c->err, "dispatch: count failed");
    while ((rc = db_step(st)) == DB_ROW) {
        const char *s = db_text(st, 1);

        if ((i = index_of(d, db_int(st, 0))) < 0)
            continue;
        if (strcmp(s, "started") == 0)
            v[i].has_started = 1;
        else
            v[i].queued += (int)db_int(st, 2);
    }
    if (rc != DB_DONE)
        return err_internal(&c->err, "dispatch: count failed");
    st = db_query(c->db,
                  "SELECT printer_id, slot, material_type, color, "
                  "weight_grams, remaining_percent FROM materials",
                  "");
    if (st == NULL)
        return err_internal(&c->err, "dispatch: materials failed");
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t slot = db_int(st, 1), pct = db_int(st, 5);
        struct dispatch_slot *s;

        if ((i = index_of(d, db_int(st, 0))) < 0 || slot < 0 ||
            slot >= BAMBU_SLOTS)
            continue;
        s = &v[i].slots[slot];
        s->present = 1;
        snprintf(s->type, sizeof s->type, "%s",
                 db_text(st, 2) ? db_text(st, 2) : "");
        snprintf(s->color, sizeof s->color, "%s",
                 db_text(st, 3) ? db_text(st, 3) : "");
        s->remaining_grams =
            pct == DB_NULL ? DB_NULL : db_int(st, 4) * pct / 100;
    }
    if (rc != DB_DONE)
        return err_internal(&c->err, "dispatch: materials failed");
    return 0;
}

#define JOB_VIEW_COLS                                                          \
    "id, user_id, printer_id, scheduled_at, material_slot, grams, "            \
    "material_type, color, name, file, plate"
#define JOB_ORDER                                                              \
    " ORDER BY priority DESC, COALESCE(scheduled_at, created_at), id"

struct planned {
    struct dispatch_job j;
    const char *name, *file;
    int64_t plate;
};

static void
job_view(struct ctx *c, struct db_stmt *st, struct planned *out)
{
    struct dispatch_job *j = &out->j;

    j->id = db_int(st, 0);
    j->user_id = db_int(st, 1);
    j->printer_id = db_int(st, 2);
    j->scheduled_at = db_int(st, 3);
    j->material_slot = db_int(st, 4);
    j->grams = db_int(st, 5);
    j->material_type = arena_strdup(c->arena, db_text(st, 6));
    j->color = arena_strdup(c->arena, db_text(st, 7));
    out->name = arena_strdup(c->arena, db_text(st, 8));
    out->file = arena_strdup(c->arena, db_text(st, 9));
    out->plate = db_int(st, 10);
}

/* Gives due unassigned prints to printers. Inside a transaction. */
static int
assign(struct dispatcher *d, struct ctx *c, struct dispatch_printer *v)
{
    struct planned *u = arena_alloc(c->arena, sizeof(*u) * PLAN_UNASSIGNED_MAX);
    struct db_stmt *st;
    int n = 0, rc;

    st = db_query(c->db,
                  "SELECT " JOB_VIEW_COLS " FROM scheduled_prints WHERE "
                  "printer_id IS NULL AND status IN ('queued', 'scheduled') "
                  "AND (scheduled_at IS NULL OR scheduled_at <= ?)" JOB_ORDER
                  " LIMIT ?",
                  "ii", c->now, (int64_t)PLAN_UNASSIGNED_MAX);
    if (st == NULL)
        return err_internal(&c->err, "dispatch: unassigned failed");
    while ((rc = db_step(st)) == DB_ROW)
        job_view(c, st, &u[n++]);
    if (rc != DB_DONE)
        return err_internal(&c->err, "dispatch: unassigned failed");
    for (int k = 0; k < n; k++) {
        int i = dispatch_pick_printer(&u[k].j, v, d->n);

        if (i < 0)
            continue;
        if (db_exec(c->db,
                    "UPDATE scheduled_prints SET printer_id = ?, "
                    "updated_at = ? WHERE id = ? AND printer_id IS NULL AND "
                    "status IN ('queued', 'scheduled')",
                    "iii", v[i].id, c->now, u[k].j.id) != DB_DONE)
            return err_internal(&c->err, "dispatch: assign failed");
        v[i].queued++;
    }
    return 0;
}

/* Marks print s->id started; 1 when it was, 0 when it moved meanwhile. */
static int
mark(struct ctx *c, struct dstart *s)
{
    char token[SECRET_TOKEN_LEN + 1];

    secret_token(token);
    if (db_exec(c->db,
                "UPDATE scheduled_prints SET status = 'started', "
                "started_at = ?, dispatch_token = ?, dispatch_attempts = "
                "dispatch_attempts + 1, confirmed_at = NULL, "
                "progress_percent = 0, failure_reason = NULL, "
                "material_slot = COALESCE(material_slot, ?), updated_at = ? "
                "WHERE id = ? AND status IN ('queued', 'scheduled')",
                "itiii", c->now, token,
                s->slot >= 0 ? (int64_t)s->slot : DB_NULL, c->now,
                s->id) != DB_DONE)
        return err_internal(&c->err, "dispatch: mark failed");
    if (db_changes(c->db) != 1)
        return 0;
    c->user_id = s->user_id;
    if (db_exec(c->db, "UPDATE printers SET current_print_id = ? WHERE id = ?",
                "ii", s->id, s->p->id) != DB_DONE)
        return err_internal(&c->err, "dispatch: mark failed");
    if (job_retime_children(c, s->id) < 0)
        return -1;
    dispatch_event(c, s->p, s->id, "print_started", NULL);
    return err_is_set(&c->err) ? -1 : 1;
}

/* The head of printer i's queue when it may start now, into s. */
static int
pick(struct dispatcher *d, struct ctx *c, struct dispatch_printer *v, int i,
     struct dstart *s)
{
    struct db_stmt *st;
    struct planned head;
    int rc, slot;

    st = db_query(
        c->db,
        "SELECT " JOB_VIEW_COLS " FROM scheduled_prints WHERE "
        "printer_id = ? AND status IN ('queued', 'scheduled')" JOB_ORDER
        " LIMIT 1",
        "i", v[i].id);
    if (st == NULL)
        return err_internal(&c->err, "dispatch: queue failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "dispatch: queue failed");
    job_view(c, st, &head);
    db_done(st);
    if (dispatch_pick_head(&head.j, 1, c->now) != 0)
        return 0;
    slot = dispatch_pick_slot(&v[i], &head.j);
    if (slot == DISPATCH_SLOT_LACKING)
        return 0;
    memset(s, 0, sizeof(*s));
    s->id = head.j.id;
    s->user_id = head.j.user_id;
    s->plate = head.plate;
    s->p = d->p[i];
    s->slot = slot;
    s->name = head.name;
    s->file = head.file;
    c->user_id = s->user_id;
    s->path = printfile_name_ok(s->file) ? printfile_path(c, s->file) : NULL;
    return 1;
}

int
dispatch_plan_starts(struct dispatcher *d, struct ctx *c)
{
    struct dispatch_printer *v;
    struct dstart *s;
    int n = 0, rc;

    if (d->n == 0)
        return 0;
    v = arena_alloc(c->arena, sizeof(*v) * (size_t)d->n);
    s = arena_alloc(c->arena, sizeof(*s) * (size_t)d->n);
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "dispatch: begin failed");
    rc = build_views(d, c, v);
    if (rc == 0)
        rc = assign(d, c, v);
    for (int i = 0; i < d->n && rc == 0; i++) {
        if (!dispatch_can_start(&v[i]))
            continue;
        rc = pick(d, c, v, i, &s[n]);
        if (rc == 1)
            rc = mark(c, &s[n]);
        if (rc == 1)
            n++;
        rc = rc < 0 ? -1 : 0;
    }
    if (rc < 0 || db_commit(c->db) < 0) {
        db_rollback(c->db);
        return err_is_set(&c->err) ? -1
                                   : err_internal(&c->err, "dispatch: commit "
                                                           "failed");
    }
    if (n > 0) {
        const char *crash = getenv("FARM_DISPATCH_CRASH");

        if (crash != NULL && strcmp(crash, "after-mark") == 0)
            abort();
    }
    return n > 0 ? dispatch_start_all(d, c, s, n) : 0;
}
