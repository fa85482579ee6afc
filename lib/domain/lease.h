/*
 * lease — which dispatcher drives which printer, when several share one
 * PostgreSQL database (issue 9; DESIGN.md, scale plan). Every dispatcher
 * step renews the holder's heartbeat and its printers' leases, gives back
 * what is over its fair share (the printers over the live dispatchers,
 * rounded up) and claims free or expired printers up to it, with
 * FOR UPDATE SKIP LOCKED so two claimers never wait on or take the same
 * row. A dispatcher that dies stops renewing: after the lease time its
 * printers are free for the others. Inside the transaction that writes a
 * printer's state, lease_check locks the printer's lease row, so a
 * dispatcher that lost a printer (it was paused past its lease) cannot
 * write for it any more. A named lease ("etsy") gives a farm-wide task to
 * one dispatcher at a time.
 */
#ifndef LEASE_H
#define LEASE_H

#include <stdint.h>

struct ctx;

/* Renews and rebalances holder's printers for ttl seconds from c->now, in
 * one write transaction. all: every printer's id, ascending (the printer
 * module's list). mine[k] is set to 1 for each printer holder drives now,
 * 0 for the others. 0 or -1 (c->err). */
int lease_sync(struct ctx *c, const char *holder, int64_t ttl,
               const int64_t *all, int n, char *mine);

/* Inside a write transaction: 1 if holder still holds printer id's lease
 * (its row locked until the transaction ends), 0 if not, -1 on error. */
int lease_check(struct ctx *c, const char *holder, int64_t printer_id);

/* Takes or renews the named lease for ttl seconds if it is free, expired
 * or holder's: 1 held, 0 someone else's, -1 on error. */
int lease_take(struct ctx *c, const char *name, const char *holder,
               int64_t ttl);

/* Gives back everything holder holds (a clean stop). */
void lease_release_all(struct ctx *c, const char *holder);

#endif
