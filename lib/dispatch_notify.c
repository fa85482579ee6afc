/*
 * dispatch_notify — the events that come from watching a printer over
 * time rather than from one report: a spool running low (once per spool),
 * maintenance due (lib/maintenance.c), and the printer offline for longer
 * than the grace period, then back online.
 */
#include "dispatch_int.h"

#include "ctx.h"
#include "event.h"
#include "maintenance.h"

#include "banned.h"

int
dispatch_notify_printer(struct dispatcher *d, struct ctx *c,
                        struct dprinter *p)
{
    struct event_printer ep = {p->id, p->name, p->serial, p->model};

    (void)d;
    return maintenance_notify_due(c, &ep) < 0 ? -1 : 0;
}
