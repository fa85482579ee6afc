/*
 * dispatch_jobs — the database side of the print rules: step 7 (reconcile
 * a printer's started print with its report: confirm, progress, complete,
 * fail, cancel, return to the queue) and step 9's events. The decisions
 * themselves are dispatch_rules.c's; the dispatcher-only status moves
 * (started -> cancelled on a printer-side cancel, started -> queued when a
 * start was refused or never confirmed) live here, apart from job.c whose
 * rules serve API callers.
 */
#include "dispatch/dispatch_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/event.h"
#include "domain/job.h"
#include "domain/material.h"

#include "base/banned.h"

void
dispatch_event(struct ctx *c, const struct dprinter *p, int64_t print_id,
               const char *kind, const char *detail)
{
    struct event_printer ep = {p->id, p->name, p->serial, p->model};
    struct event_print j = {0};
    struct db_stmt *st;

    if (print_id != DB_NULL) {
        st = db_query(c->db,
                      "SELECT name, status, file, order_id FROM "
                      "scheduled_prints WHERE id = ? AND user_id = ?",
                      "ii", print_id, c->user_id);
        if (st == NULL || db_step(st) != DB_ROW) {
            err_internal(&c->err, "dispatch: print %" PRId64 " vanished",
                         print_id);
            return;
        }
        j.id = print_id;
        j.name = arena_strdup(c->arena, db_text(st, 0));
        j.status = arena_strdup(c->arena, db_text(st, 1));
        j.file = arena_strdup(c->arena, db_text(st, 2));
        j.order_id = db_int(st, 3);
        db_done(st);
    }
    event_emit(c, kind, &ep, print_id != DB_NULL ? &j : NULL, detail);
}

static int
clear_current(struct ctx *c, int64_t printer_id, int64_t print_id)
{
    if (db_exec(c->db,
                "UPDATE printers SET current_print_id = NULL WHERE id = ? "
                "AND current_print_id = ?",
                "ii", printer_id, print_id) != DB_DONE)
        return err_internal(&c->err, "dispatch: printer update failed");
    return 0;
}

/* started -> completed | failed | cancelled. */
static int
finish(struct ctx *c, struct dprinter *p, int64_t id, const char *status,
       const char *reason, int64_t cost)
{
    const char *kind = strcmp(status, "completed") == 0   ? "print_completed"
                       : strcmp(status, "cancelled") == 0 ? "print_cancelled"
                                                          : "print_failed";

    if (db_exec(c->db,
                "UPDATE scheduled_prints SET status = ?, completed_at = ?, "
                "progress_percent = CASE WHEN ? = 'completed' THEN 100 ELSE "
                "progress_percent END, failure_reason = ?, "
                "material_cost = COALESCE(?, material_cost), updated_at = ? "
                "WHERE id = ? AND status = 'started'",
                "tittiii", status, c->now, status, reason, cost, c->now,
                id) != DB_DONE)
        return err_internal(&c->err, "dispatch: print update failed");
    if (clear_current(c, p->id, id) < 0 || job_retime_children(c, id) < 0)
        return -1;
    dispatch_event(c, p, id, kind, reason);
    return err_is_set(&c->err) ? -1 : 0;
}

int
dispatch_requeue(struct ctx *c, int64_t id, const char *reason,
                 int count_attempt)
{
    int64_t attempts = 0, printer_id = DB_NULL;
    struct db_stmt *st;
    int failed = 0;

    st = db_query(c->db,
                  "SELECT dispatch_attempts, printer_id FROM scheduled_prints "
                  "WHERE id = ? AND status = 'started'",
                  "i", id);
    if (st == NULL)
        return err_internal(&c->err, "dispatch: print select failed");
    if (db_step(st) != DB_ROW)
        return 0; /* moved meanwhile */
    attempts = db_int(st, 0);
    printer_id = db_int(st, 1);
    db_done(st);
    if (!count_attempt && attempts > 0)
        attempts--;
    if (count_attempt && attempts >= DISPATCH_MAX_ATTEMPTS) {
        failed = 1;
        if (db_exec(c->db,
                    "UPDATE scheduled_prints SET status = 'failed', "
                    "completed_at = ?, failure_reason = ?, "
                    "last_dispatch_error = ?, updated_at = ? WHERE id = ?",
                    "ittii", c->now, reason, reason, c->now, id) != DB_DONE)
            return err_internal(&c->err, "dispatch: print update failed");
    } else if (db_exec(c->db,
                       "UPDATE scheduled_prints SET status = CASE WHEN "
                       "scheduled_at IS NULL THEN 'queued' ELSE 'scheduled' "
                       "END, started_at = NULL, progress_percent = NULL, "
                       "confirmed_at = NULL, dispatch_token = NULL, "
                       "dispatch_attempts = ?, last_dispatch_error = ?, "
                       "updated_at = ? WHERE id = ?",
                       "itii", attempts, reason, c->now, id) != DB_DONE) {
        return err_internal(&c->err, "dispatch: print update failed");
    }
    if (printer_id != DB_NULL && clear_current(c, printer_id, id) < 0)
        return -1;
    if (job_retime_children(c, id) < 0)
        return -1;
    return failed;
}

const char *
dispatch_failure_text(struct ctx *c, const struct bambu_report *r)
{
    char buf[200];
    const char *s = "";

    if (r->print_error != 0)
        s = arena_strdup(c->arena,
                         bambu_error_describe(r->print_error, buf, sizeof buf));
    for (int i = 0; i < r->nhms; i++)
        s = arena_printf(c->arena, "%s%s%s", s, s[0] ? "; " : "",
                         bambu_hms_describe(r->hms[i].attr, r->hms[i].code, buf,
                                            sizeof buf));
    return s[0] ? s : NULL;
}

static int
completed(struct ctx *c, struct dprinter *p, const struct bambu_report *r,
          int64_t id, int64_t slot, int64_t grams)
{
    int64_t cost = DB_NULL;

    if (material_cost_cents(c, p->id, slot, grams, &cost) < 0)
        return -1;
    if (slot != DB_NULL && slot >= 0 && slot < BAMBU_SLOTS &&
        (!r->trays[slot].present || r->trays[slot].remain < 0) &&
        material_consume(c, p->id, slot, grams) < 0)
        return -1;
    return finish(c, p, id, "completed", NULL, cost);
}

struct started {
    int64_t id, started_at, confirmed_at, grams, slot;
    const char *name;
};

static int
apply(struct dispatcher *d, struct ctx *c, struct dprinter *p,
      const struct bambu_report *r, const struct started *s)
{
    struct dispatch_started ds = {s->id, s->name, s->started_at,
                                  s->confirmed_at != DB_NULL};
    struct dispatch_seen seen = {dispatch_fresh(d, p), r->gcode_state,
                                 r->task_id, r->subtask_name, r->cancelled};
    int64_t pct = r->percent < 0 ? DB_NULL : r->percent;
    int rc;

    switch (dispatch_reconcile(&ds, &seen, c->now)) {
    case DISPATCH_CONFIRMED:
    case DISPATCH_RUNNING:
        if (db_exec(c->db,
                    "UPDATE scheduled_prints SET confirmed_at = COALESCE("
                    "confirmed_at, ?), progress_percent = COALESCE(?, "
                    "progress_percent) WHERE id = ? AND status = 'started'",
                    "iii", c->now, pct, s->id) != DB_DONE)
            return err_internal(&c->err, "dispatch: print update failed");
        return 0;
    case DISPATCH_COMPLETED:
        return completed(c, p, r, s->id, s->slot, s->grams);
    case DISPATCH_FAILED:
        return finish(c, p, s->id, "failed",
                      dispatch_failure_text(c, r)
                          ? dispatch_failure_text(c, r)
                          : "the printer reported a failure",
                      DB_NULL);
    case DISPATCH_CANCELLED:
        return finish(c, p, s->id, "cancelled", "cancelled on the printer",
                      DB_NULL);
    case DISPATCH_LOST:
        return finish(c, p, s->id, "failed",
                      "the printer no longer reports this print", DB_NULL);
    case DISPATCH_REQUEUE:
        rc =
            dispatch_requeue(c, s->id, "start not confirmed by the printer", 1);
        if (rc < 0)
            return -1;
        dispatch_event(c, p, s->id, rc ? "print_failed" : "print_start_refused",
                       "start not confirmed by the printer");
        return err_is_set(&c->err) ? -1 : 0;
    default:
        return 0;
    }
}

int
dispatch_reconcile_printer(struct dispatcher *d, struct ctx *c,
                           struct dprinter *p, const struct bambu_report *r)
{
    struct started list[8];
    struct db_stmt *st;
    int n = 0, rc;

    st = db_query(c->db,
                  "SELECT id, name, started_at, confirmed_at, grams, "
                  "material_slot FROM scheduled_prints WHERE printer_id = ? "
                  "AND status = 'started' ORDER BY id LIMIT 8",
                  "i", p->id);
    if (st == NULL)
        return err_internal(&c->err, "dispatch: started select failed");
    while ((rc = db_step(st)) == DB_ROW) {
        list[n].id = db_int(st, 0);
        list[n].name = arena_strdup(c->arena, db_text(st, 1));
        list[n].started_at = db_int(st, 2);
        list[n].confirmed_at = db_int(st, 3);
        list[n].grams = db_int(st, 4);
        list[n].slot = db_int(st, 5);
        n++;
    }
    if (rc != DB_DONE)
        return err_internal(&c->err, "dispatch: started select failed");
    for (int i = 0; i < n; i++)
        if (apply(d, c, p, r, &list[i]) < 0)
            return -1;
    return 0;
}
