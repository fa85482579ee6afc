/*
 * dispatch_notify — the events that come from watching a printer over
 * time rather than from one report, checked for every printer in every
 * step (inside the step's transaction):
 *
 * - material_low: a material at or below the printer's material_low_percent
 *   (notification preferences, default 10; 0 = never), once per spool. The
 *   row remembers which spool was reported (its tray_uuid, else type and
 *   colour); a different spool, or a refill to more than
 *   NOTIFY_REARM_PERCENT above the threshold, arms it again.
 * - maintenance_due: lib/maintenance.c.
 * - printer_offline once the printer has been offline for the grace period
 *   (FARM_OFFLINE_GRACE seconds), and printer_online when a printer that
 *   was reported offline comes back. A blip shorter than the grace says
 *   nothing. A printer never seen online is not reported offline.
 */
#include "dispatch/dispatch_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/event.h"
#include "domain/maintenance.h"

#include "base/banned.h"

#define NOTIFY_REARM_PERCENT 10
#define NOTIFY_SPOOL_MAX 80

struct low_row {
    int64_t id, slot, remaining, weight, notified_at;
    char type[33], color[8], spool[NOTIFY_SPOOL_MAX],
        notified_spool[NOTIFY_SPOOL_MAX];
};

/* The printer's materials (at most 8) and its threshold. -1 on error. */
static int
low_rows(struct ctx *c, int64_t printer_id, struct low_row *rows, int *n,
         int64_t *threshold)
{
    struct db_stmt *st;
    int rc = DB_DONE;

    *threshold = 10;
    if (db_get_int(c->db, threshold,
                   "SELECT material_low_percent FROM notification_settings "
                   "WHERE printer_id = ?",
                   "i", printer_id) == DB_ERROR)
        return err_internal(&c->err, "notify: threshold select failed");
    st = db_query(c->db,
                  "SELECT id, slot, material_type, color, remaining_percent, "
                  "weight_grams, COALESCE(NULLIF(tray_uuid, ''), "
                  "material_type || ' ' || COALESCE(color, '')), "
                  "low_notified_at, low_notified_spool FROM materials "
                  "WHERE printer_id = ? ORDER BY slot",
                  "i", printer_id);
    if (st == NULL)
        return err_internal(&c->err, "notify: materials select failed");
    *n = 0;
    while (*n < BAMBU_SLOTS && (rc = db_step(st)) == DB_ROW) {
        struct low_row *m = &rows[(*n)++];

        m->id = db_int(st, 0);
        m->slot = db_int(st, 1);
        dispatch_copy(m->type, sizeof m->type, db_text(st, 2));
        dispatch_copy(m->color, sizeof m->color, db_text(st, 3));
        m->remaining = db_int(st, 4);
        m->weight = db_int(st, 5);
        dispatch_copy(m->spool, sizeof m->spool, db_text(st, 6));
        m->notified_at = db_int(st, 7);
        dispatch_copy(m->notified_spool, sizeof m->notified_spool, db_text(st, 8));
    }
    db_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return err_internal(&c->err, "notify: materials select failed");
    return 0;
}

static int
low_mark(struct ctx *c, const struct low_row *m, int notified)
{
    if (db_exec(c->db,
                "UPDATE materials SET low_notified_at = ?, "
                "low_notified_spool = ? WHERE id = ?",
                "iti", notified ? c->now : DB_NULL,
                notified ? m->spool : NULL, m->id) != DB_DONE)
        return err_internal(&c->err, "notify: material mark failed");
    return 0;
}

static int
notify_material_low(struct ctx *c, const struct dprinter *p,
                    const struct event_printer *ep)
{
    struct low_row rows[BAMBU_SLOTS];
    int64_t threshold;
    int n = 0;

    if (low_rows(c, p->id, rows, &n, &threshold) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        struct low_row *m = &rows[i];
        const char *detail;

        if (m->notified_at != DB_NULL &&
            (strcmp(m->spool, m->notified_spool) != 0 ||
             (m->remaining != DB_NULL &&
              m->remaining > threshold + NOTIFY_REARM_PERCENT))) {
            if (low_mark(c, m, 0) < 0)
                return -1;
            m->notified_at = DB_NULL;
        }
        if (m->notified_at != DB_NULL || threshold <= 0 ||
            m->remaining == DB_NULL || m->remaining > threshold)
            continue;
        detail = arena_printf(
            c->arena,
            "slot %" PRId64 " (AMS %" PRId64 " tray %" PRId64 "): %s%s%s "
            "at %" PRId64 " %%, about %" PRId64 " g left",
            m->slot, m->slot / 4 + 1, m->slot % 4 + 1, m->type,
            m->color[0] ? " " : "", m->color, m->remaining,
            m->weight * m->remaining / 100);
        if (event_emit(c, "material_low", ep, NULL, detail) < 0 ||
            low_mark(c, m, 1) < 0)
            return -1;
    }
    return 0;
}

static int
offline_save(struct ctx *c, const struct dprinter *p)
{
    if (db_exec(c->db,
                "UPDATE printers SET offline_since = ?, offline_notified = ? "
                "WHERE id = ?",
                "iii", p->offline_since, p->offline_notified,
                p->id) != DB_DONE)
        return err_internal(&c->err, "notify: offline update failed");
    return 0;
}

/* "12 min", "3 h 05 min", "2 d 4 h". Arena. */
static const char *
span(struct ctx *c, int64_t s)
{
    int64_t m = s / 60;

    if (m < 60)
        return arena_printf(c->arena, "%" PRId64 " min", m);
    if (m < 24 * 60)
        return arena_printf(c->arena, "%" PRId64 " h %02" PRId64 " min",
                            m / 60, m % 60);
    return arena_printf(c->arena, "%" PRId64 " d %" PRId64 " h",
                        m / (24 * 60), m / 60 % 24);
}

static int
notify_offline(struct ctx *c, struct dprinter *p,
               const struct event_printer *ep)
{
    const char *detail;

    if (strcmp(p->status, "offline") == 0) {
        if (p->offline_since == DB_NULL) {
            if (p->last_seen_at == DB_NULL)
                return 0;
            p->offline_since = c->now;
            p->offline_notified = 0;
            if (offline_save(c, p) < 0)
                return -1;
        }
        if (p->offline_notified ||
            c->now - p->offline_since < c->conf->offline_grace)
            return 0;
        detail = arena_printf(c->arena, "offline for %s%s%s",
                              span(c, c->now - p->offline_since),
                              p->detail[0] ? ": " : "", p->detail);
        if (event_emit(c, "printer_offline", ep, NULL, detail) < 0)
            return -1;
        p->offline_notified = 1;
        return offline_save(c, p);
    }
    if (p->offline_since == DB_NULL)
        return 0;
    if (p->offline_notified && p->online) {
        detail = arena_printf(c->arena, "back after %s",
                              span(c, c->now - p->offline_since));
        if (event_emit(c, "printer_online", ep, NULL, detail) < 0)
            return -1;
    }
    p->offline_since = DB_NULL;
    p->offline_notified = 0;
    return offline_save(c, p);
}

int
dispatch_notify_printer(struct dispatcher *d, struct ctx *c,
                        struct dprinter *p)
{
    struct event_printer ep = {p->id, p->name, p->serial, p->model};

    (void)d;
    if (notify_offline(c, p, &ep) < 0 || notify_material_low(c, p, &ep) < 0 ||
        maintenance_notify_due(c, &ep) < 0)
        return -1;
    return 0;
}
