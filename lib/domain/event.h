/*
 * event — what happened, for the user and for notifications: one events
 * row per transition the dispatcher sees (print started/completed/failed/
 * cancelled/refused, material changed, printer offline/online/untrusted/
 * auth failed/needs Developer Mode) and, per the printer's notification
 * preferences (defaults when none were saved), one outbox row per enabled
 * channel (email when email_enabled, webhook when a URL is set and not
 * disabled after a 410). Delivery
 * of the outbox is another module's job; this one only writes rows.
 *
 * Invariants: the events row and its outbox rows are written together
 * (inside the caller's transaction when one is open, else in their own);
 * the payload is the same JSON object in events.detail and outbox.payload:
 * {"event","printer":{id,name,serial,model},"print":{...}|null,"detail",
 * "occurred_at"}. Every query is scoped to c->user_id.
 */
#ifndef EVENT_H
#define EVENT_H

#include <stdint.h>

struct ctx;
struct notifypref;

/* Which preference flag governs an event kind. */
enum event_pref {
    EVENT_PREF_NONE, /* never notifies */
    EVENT_PREF_START,
    EVENT_PREF_COMPLETE,
    EVENT_PREF_FAILED,
    EVENT_PREF_MAINTENANCE,
    EVENT_PREF_MATERIAL,
    EVENT_PREF_ALWAYS, /* every enabled channel (test messages) */
    EVENT_PREF__MAX
};

struct event_printer {
    int64_t id;
    const char *name, *serial, *model;
};

struct event_print {
    int64_t id;
    const char *name, *status, *file;
    int64_t order_id; /* DB_NULL: none */
};

/* print_started -> START; print_completed -> COMPLETE; print_failed,
 * print_cancelled, print_start_refused -> FAILED; material_changed,
 * material_low -> MATERIAL; maintenance_due, printer_* -> MAINTENANCE;
 * test -> ALWAYS; anything else NONE. */
enum event_pref event_pref_of(const char *kind);

/* 1 when n asks to be told about kind. */
int event_wanted(const struct notifypref *n, const char *kind);

/* Writes the events row for kind (printer p of c->user_id, print j or
 * NULL, human-readable detail or NULL) and its outbox rows. Returns the
 * event id, or -1 with c->err set (404 when the printer is not the user's,
 * 500 on a database error). */
int64_t event_emit(struct ctx *c, const char *kind,
                   const struct event_printer *p, const struct event_print *j,
                   const char *detail);

#endif
