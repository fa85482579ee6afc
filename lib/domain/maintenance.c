#include "domain/maintenance.h"

#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/job.h"
#include "domain/event.h"
#include "domain/printer.h"

#include "base/banned.h"

static int
not_found(struct ctx *c)
{
    return err_set(&c->err, ERR_NOT_FOUND, "no such printer");
}

int64_t
maintenance_print_seconds(struct ctx *c, int64_t printer_id, int64_t since,
                          int64_t until)
{
    return job_print_seconds(c, printer_id, since, until);
}

/* The printer's latest performed_at into *at (DB_NULL: none). */
static int
latest(struct ctx *c, int64_t printer_id, int64_t *at)
{
    *at = DB_NULL;
    if (db_get_int(c->db, at,
                   "SELECT MAX(performed_at) FROM maintenance "
                   "WHERE printer_id = ?",
                   "i", printer_id) != DB_ROW)
        return err_internal(&c->err, "maintenance: latest failed");
    return 0;
}

int
maintenance_since_last(struct ctx *c, int64_t printer_id, int64_t *seconds,
                       int64_t *last_at)
{
    if (latest(c, printer_id, last_at) < 0)
        return -1;
    *seconds = maintenance_print_seconds(c, printer_id, *last_at, DB_NULL);
    return *seconds < 0 ? -1 : 0;
}

int
maintenance_get(struct ctx *c, int64_t printer_id, struct maintenance *m)
{
    struct db_stmt *st;
    int rc;

    memset(m, 0, sizeof(*m));
    m->printer_id = printer_id;
    st = db_query(c->db,
                  "SELECT maintenance_interval_hours, maintenance_notified_at "
                  "FROM printers WHERE id = ? AND user_id = ?",
                  "ii", printer_id, c->user_id);
    if (st == NULL)
        return err_internal(&c->err, "maintenance: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return not_found(c);
    if (rc != DB_ROW)
        return err_internal(&c->err, "maintenance: select failed");
    m->interval_hours = db_int(st, 0);
    m->notified_at = db_int(st, 1);
    db_done(st);
    return maintenance_since_last(c, printer_id, &m->print_seconds,
                                  &m->last_at);
}

static int
due(int64_t interval_hours, int64_t seconds)
{
    return interval_hours != DB_NULL && seconds >= interval_hours * 3600;
}

int
maintenance_is_due(const struct maintenance *m)
{
    return due(m->interval_hours, m->print_seconds);
}

int64_t
maintenance_tenths(int64_t seconds)
{
    return seconds < 0 ? 0 : seconds / 360;
}

int
maintenance_set_interval(struct ctx *c, int64_t printer_id, int64_t hours)
{
    if (hours != DB_NULL && (hours < 1 || hours > MAINTENANCE_INTERVAL_MAX))
        return err_field(&c->err, "interval_hours",
                         "must be between 1 and %d, or null",
                         MAINTENANCE_INTERVAL_MAX);
    /* the right-hand sides see the old row: only a change re-arms */
    if (db_exec(c->db,
                "UPDATE printers SET maintenance_notified_at = CASE "
                "WHEN maintenance_interval_hours = ? "
                "THEN maintenance_notified_at ELSE NULL END, "
                "maintenance_interval_hours = ? WHERE id = ? AND user_id = ?",
                "iiii", hours, hours, printer_id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "maintenance: update failed");
    return db_changes(c->db) > 0 ? 0 : not_found(c);
}

void
maintenance_record_init(struct maintenance_record *r, int64_t printer_id)
{
    memset(r, 0, sizeof(*r));
    r->printer_id = printer_id;
    r->performed_at = DB_NULL;
    r->created_at = DB_NULL;
}

/* Inside the transaction: checks r against the latest record and writes
 * it. */
static int64_t
record_write(struct ctx *c, struct maintenance_record *r)
{
    int64_t last, id = 0;
    char when[21];
    int rc = printer_owned(c, r->printer_id);

    if (rc <= 0)
        return rc < 0 ? -1 : not_found(c);
    if (latest(c, r->printer_id, &last) < 0)
        return -1;
    if (last != DB_NULL && r->performed_at < last) {
        clock_format(last, when);
        return err_field(&c->err, "performed_at",
                         "must not be before the latest maintenance (%s)",
                         when);
    }
    r->print_seconds =
        maintenance_print_seconds(c, r->printer_id, last, r->performed_at);
    if (r->print_seconds < 0)
        return -1;
    r->created_at = c->now;
    rc = db_get_int(c->db, &id,
                    "INSERT INTO maintenance (printer_id, performed_at, note, "
                    "print_seconds, created_at) VALUES (?, ?, ?, ?, ?) "
                    "RETURNING id",
                    "iitii", r->printer_id, r->performed_at, r->note,
                    r->print_seconds, r->created_at);
    if (rc != DB_ROW ||
        db_exec(c->db,
                "UPDATE printers SET maintenance_notified_at = NULL "
                "WHERE id = ? AND user_id = ?",
                "ii", r->printer_id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "maintenance: insert failed");
    r->id = id;
    return id;
}

int64_t
maintenance_record_add(struct ctx *c, struct maintenance_record *r)
{
    int64_t id;

    if (r->performed_at == DB_NULL)
        r->performed_at = c->now;
    if (r->performed_at > c->now)
        err_field(&c->err, "performed_at", "must not be in the future");
    if (r->note != NULL && bind_chars(r->note) > MAINTENANCE_NOTE_MAX)
        err_field(&c->err, "note", "must be at most %d characters",
                  MAINTENANCE_NOTE_MAX);
    if (err_is_set(&c->err))
        return -1;
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "maintenance: begin failed");
    id = record_write(c, r);
    if (id < 0 || db_commit(c->db) < 0) {
        db_rollback(c->db);
        return id < 0 ? -1
                      : err_internal(&c->err, "maintenance: commit failed");
    }
    return id;
}

int
maintenance_record_list(struct ctx *c, int64_t printer_id, int64_t limit,
                        int64_t offset, struct maintenance_record **out, int *n)
{
    struct db_stmt *st;
    int rc = printer_owned(c, printer_id);

    *n = 0;
    *out = NULL;
    if (rc <= 0)
        return rc < 0 ? -1 : not_found(c);
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)limit);
    st = db_query(c->db,
                  "SELECT id, performed_at, note, print_seconds, created_at "
                  "FROM maintenance WHERE printer_id = ? "
                  "ORDER BY performed_at DESC, id DESC LIMIT ? OFFSET ?",
                  "iii", printer_id, limit, offset);
    if (st == NULL)
        return err_internal(&c->err, "maintenance: list failed");
    while ((rc = db_step(st)) == DB_ROW && *n < limit) {
        struct maintenance_record *r = &(*out)[(*n)++];

        r->id = db_int(st, 0);
        r->printer_id = printer_id;
        r->performed_at = db_int(st, 1);
        r->note = arena_strdup(c->arena, db_text(st, 2));
        r->print_seconds = db_int(st, 3);
        r->created_at = db_int(st, 4);
    }
    if (rc == DB_ROW) {
        db_done(st);
        rc = DB_DONE;
    }
    return rc == DB_DONE ? 0
                         : err_internal(&c->err, "maintenance: list failed");
}

/* Inside the transaction: 1 emitted, 0 nothing to do, -1. */
static int
notify_write(struct ctx *c, const struct event_printer *p)
{
    int64_t interval = DB_NULL, secs, last, tenths;
    const char *detail;
    int rc;

    /* the common case ends here: no interval, or already told */
    rc = db_get_int(c->db, &interval,
                    "SELECT maintenance_interval_hours FROM printers "
                    "WHERE id = ? AND user_id = ? "
                    "AND maintenance_interval_hours IS NOT NULL "
                    "AND maintenance_notified_at IS NULL",
                    "ii", p->id, c->user_id);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "maintenance: select failed");
    if (maintenance_since_last(c, p->id, &secs, &last) < 0)
        return -1;
    if (!due(interval, secs))
        return 0;
    tenths = maintenance_tenths(secs);
    detail =
        arena_printf(c->arena, "%lld.%lld print hours %s (interval %lld h)",
                     (long long)(tenths / 10), (long long)(tenths % 10),
                     last != DB_NULL ? "since the last maintenance"
                                     : "and no maintenance recorded yet",
                     (long long)interval);
    if (event_emit(c, "maintenance_due", p, NULL, detail) < 0)
        return -1;
    if (db_exec(c->db,
                "UPDATE printers SET maintenance_notified_at = ? "
                "WHERE id = ? AND user_id = ?",
                "iii", c->now, p->id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "maintenance: update failed");
    return 1;
}

int
maintenance_notify_due(struct ctx *c, const struct event_printer *p)
{
    int rc;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "maintenance: begin failed");
    rc = notify_write(c, p);
    if (db_end(c->db, rc) < 0)
        return rc < 0 ? -1
                      : err_internal(&c->err, "maintenance: commit failed");
    return rc;
}
