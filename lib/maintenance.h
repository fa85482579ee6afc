/*
 * maintenance — a printer's maintenance interval (print hours between
 * services), its recorded maintenance, and the "maintenance due" event.
 * Print hours are counted from the printer's finished prints since the
 * last recorded maintenance. Every call is scoped to c->user_id.
 */
#ifndef MAINTENANCE_H
#define MAINTENANCE_H

struct ctx;
struct event_printer;

/* Emits maintenance_due for printer p (one of c->user_id's printers) when
 * its print hours since the last maintenance reached its interval and the
 * event did not go out yet for this period, and marks it sent. Runs inside
 * the caller's transaction when one is open. 1 emitted, 0 nothing to do,
 * -1 with c->err set. */
int maintenance_notify_due(struct ctx *c, const struct event_printer *p);

#endif
