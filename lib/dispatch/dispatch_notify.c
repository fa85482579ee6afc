/*
 * dispatch_notify — the events that come from watching a printer over
 * time rather than from one report, checked for every printer in every
 * step (inside the step's transaction):
 *
 * - material_low: a material at or below the printer's material_low_percent
 *   (notification preferences, default 10; 0 = never), once per spool. The
 *   row remembers which spool was reported (its tray_uuid, else type and
 *   colour); a different spool, or a refill to more than
 *   NOTIFY_REARM_PERCENT above the threshold, arms it again. The rows and
 *   their marks are lib/domain/material.c's (material_low_list,
 *   material_low_mark), the threshold lib/domain/notifypref.c's.
 * - maintenance_due: lib/domain/maintenance.c.
 * - printer_offline once the printer has been offline for the grace period
 *   (FARM_OFFLINE_GRACE seconds), and printer_online when a printer that
 *   was reported offline comes back. A blip shorter than the grace says
 *   nothing. A printer never seen online is not reported offline. The
 *   outage is kept in the printer's row (printer_set_offline).
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
#include "domain/material.h"
#include "domain/notifypref.h"
#include "domain/printer.h"

#include "base/banned.h"

#define NOTIFY_REARM_PERCENT 10

static int
notify_material_low(struct ctx *c, const struct dprinter *p,
                    const struct event_printer *ep)
{
    struct material_low rows[BAMBU_SLOTS];
    int64_t threshold;
    int n = 0;

    if (notifypref_material_low_percent(c, p->id, &threshold) < 0 ||
        material_low_list(c, p->id, rows, BAMBU_SLOTS, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        struct material_low *m = &rows[i];
        const char *detail;

        if (m->low_notified_at != DB_NULL &&
            (strcmp(m->spool, m->low_notified_spool) != 0 ||
             (m->remaining_percent != DB_NULL &&
              m->remaining_percent > threshold + NOTIFY_REARM_PERCENT))) {
            if (material_low_mark(c, m->id, DB_NULL, NULL) < 0)
                return -1;
            m->low_notified_at = DB_NULL;
        }
        if (m->low_notified_at != DB_NULL || threshold <= 0 ||
            m->remaining_percent == DB_NULL || m->remaining_percent > threshold)
            continue;
        detail = arena_printf(
            c->arena,
            "slot %" PRId64 " (AMS %" PRId64 " tray %" PRId64 "): %s%s%s "
            "at %" PRId64 " %%, about %" PRId64 " g left",
            m->slot, m->slot / 4 + 1, m->slot % 4 + 1, m->material_type,
            m->color[0] ? " " : "", m->color, m->remaining_percent,
            m->weight_grams * m->remaining_percent / 100);
        if (event_emit(c, "material_low", ep, NULL, detail) < 0 ||
            material_low_mark(c, m->id, c->now, m->spool) < 0)
            return -1;
    }
    return 0;
}

static int
offline_save(struct ctx *c, const struct dprinter *p)
{
    return printer_set_offline(c, p->id, p->offline_since,
                               p->offline_notified);
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
