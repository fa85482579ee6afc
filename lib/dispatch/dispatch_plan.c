/*
 * dispatch_plan — step 8: which prints start now. Builds the plain views
 * of dispatch.h from the printers' state and the database (materials:
 * material_list_every; queue counts: job_loads), assigns due unassigned
 * prints to printers (dispatch_pick_printer), picks each startable
 * printer's head (dispatch_pick_head, dispatch_pick_slot), and marks the
 * chosen prints started (job_mark_started: a fresh dispatch token) in one
 * committed transaction, each printer's pick in its own savepoint, before
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
#include "base/log.h"
#include "domain/job.h"
#include "domain/lease.h"
#include "domain/material.h"
#include "domain/printer.h"
#include "domain/printfile.h"

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
    struct job_load *load;
    struct material *mat;
    int i, nload, nmat;

    for (i = 0; i < d->n; i++) {
        struct dprinter *p = d->p[i];
        struct bambu_report r;

        bambu_state_report(p->state, &r);
        v[i].id = p->id;
        v[i].user_id = p->user_id;
        v[i].online = p->online && dispatch_fresh(d, p);
        /* a printer whose step failed starts nothing until the next */
        v[i].blocked = blocked(p->status) || p->step_failed;
        v[i].gcode_state = r.gcode_state;
    }
    if (job_loads(c, &load, &nload) < 0)
        return -1;
    for (int k = 0; k < nload; k++) {
        if ((i = index_of(d, load[k].printer_id)) < 0)
            continue;
        v[i].has_started = load[k].started > 0;
        v[i].queued += load[k].waiting;
    }
    if (material_list_every(c, &mat, &nmat) < 0)
        return -1;
    for (int k = 0; k < nmat; k++) {
        const struct material *m = &mat[k];
        struct dispatch_slot *s;

        if ((i = index_of(d, m->printer_id)) < 0 || m->slot < 0 ||
            m->slot >= BAMBU_SLOTS)
            continue;
        s = &v[i].slots[m->slot];
        s->present = 1;
        snprintf(s->type, sizeof s->type, "%s",
                 m->material_type ? m->material_type : "");
        snprintf(s->color, sizeof s->color, "%s", m->color ? m->color : "");
        s->remaining_grams = material_remaining_grams(m);
    }
    return 0;
}

struct planned {
    struct dispatch_job j;
    const char *name, *file;
    int64_t plate;
};

/* The start rules' view of print j. */
static void
job_view(const struct job *j, struct planned *out)
{
    out->j.id = j->id;
    out->j.user_id = j->user_id;
    out->j.printer_id = j->printer_id;
    out->j.scheduled_at = j->scheduled_at;
    out->j.material_slot = j->material_slot;
    out->j.grams = j->grams;
    out->j.material_type = j->material_type;
    out->j.color = j->color;
    out->name = j->name;
    out->file = j->file;
    out->plate = j->plate;
}

/* Gives due unassigned prints to printers. Inside a transaction. */
static int
assign(struct dispatcher *d, struct ctx *c, struct dispatch_printer *v)
{
    struct job *u;
    int n, rc;

    if (job_unassigned_due(c, PLAN_UNASSIGNED_MAX, &u, &n) < 0)
        return -1;
    for (int k = 0; k < n; k++) {
        struct planned p;
        int i;

        job_view(&u[k], &p);
        if ((i = dispatch_pick_printer(&p.j, v, d->n)) < 0)
            continue;
        c->user_id = p.j.user_id;
        if ((rc = job_assign(c, p.j.id, v[i].id)) < 0)
            return -1;
        v[i].queued += rc;
    }
    return 0;
}

/* Marks print s->id started; 1 when it was, 0 when it moved meanwhile. */
static int
mark(struct ctx *c, struct dstart *s)
{
    int rc;

    c->user_id = s->user_id;
    rc = job_mark_started(c, s->id,
                          s->slot >= 0 ? (int64_t)s->slot : DB_NULL);
    if (rc == 1 && printer_set_current(c, s->p->id, s->id) < 0)
        return -1;
    return rc;
}

/* The head of printer i's queue when it may start now, into s. */
static int
pick(struct dispatcher *d, struct ctx *c, struct dispatch_printer *v, int i,
     struct dstart *s)
{
    struct job j;
    struct planned head;
    int rc, slot;

    c->user_id = d->p[i]->user_id;
    /* the lease row stays locked until the mark commits */
    if (d->leased && (rc = lease_check(c, d->holder, v[i].id)) <= 0)
        return rc < 0 ? err_internal(&c->err, "lease check failed") : 0;
    if ((rc = job_queue_head(c, v[i].id, &j)) <= 0)
        return rc;
    job_view(&j, &head);
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

/* Picks and marks printer i's head inside its own savepoint, so one
 * printer's failure leaves the others' marks alone: 1 marked, 0 not. */
static int
start_one(struct dispatcher *d, struct ctx *c, struct dispatch_printer *v,
          int i, struct dstart *s)
{
    int rc;

    rc = db_begin(c->db) < 0 ? err_internal(&c->err, "dispatch: begin failed")
                             : pick(d, c, v, i, s);
    if (rc == 1)
        rc = mark(c, s);
    if (rc >= 0 && db_end(c->db, rc) == 0)
        return rc == 1;
    if (rc < 0)
        db_rollback(c->db);
    log_error("dispatch: printer %s: no start: %s", d->p[i]->serial,
              c->err.msg);
    err_clear(&c->err);
    return 0;
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
        if (start_one(d, c, v, i, &s[n]) == 1)
            n++;
    }
    if (db_end(c->db, rc) < 0)
        return err_is_set(&c->err) ? -1
                                   : err_internal(&c->err, "dispatch: commit "
                                                           "failed");
#ifdef FARM_TEST_HOOKS
    /* a crash between the committed mark and the send: tests prove the
     * print is then never started twice */
    if (n > 0) {
        const char *crash = getenv("FARM_DISPATCH_CRASH");

        if (crash != NULL && strcmp(crash, "after-mark") == 0)
            abort();
    }
#endif
    return n > 0 ? dispatch_start_all(d, c, s, n) : 0;
}
