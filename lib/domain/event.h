/*
 * event — what happened, for the user and for notifications: one events
 * row per transition the dispatcher sees (print started/completed/failed/
 * cancelled/refused, material changed, printer offline/online/untrusted/
 * auth failed/needs Developer Mode) and, per the printer's notification
 * preferences (defaults when none were saved), one outbox row per enabled
 * channel (email when email_enabled, webhook when a URL is set and not
 * disabled after a 410). This module owns the outbox in the domain layer:
 * it writes the rows and lists them for the API; delivering them is
 * notify/deliver.c's job.
 *
 * Invariants: the events row and its outbox rows are written together
 * (inside the caller's transaction when one is open, else in their own);
 * the payload is the same JSON object in events.detail and outbox.payload:
 * {"event","printer":{id,name,serial,model},"print":{...}|null,"detail",
 * "occurred_at"}. Every query is scoped to c->user_id. A webhook row's
 * target (its URL, a credential) is stored sealed for the row
 * ("outbox.target:" and the outbox id, base/secret.h); an email row's
 * address is stored as it is.
 *
 * A user holds at most FARM_OUTBOX_MAX_PENDING pending outbox rows (a
 * backlog nobody drains must not grow without bound, nor slow the
 * deliverer's fair claim): a row an event would queue beyond that is
 * written as 'failed' with last_error EVENT_OUTBOX_FULL, so the user sees
 * what was not sent and why. The events row is always written.
 */
#ifndef EVENT_H
#define EVENT_H

#include <stdint.h>

struct ctx;
struct notifypref;
struct reseal_stats;

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

/* A user-level event with no printer (etsy_reconnect_needed,
 * order_cancelled): one events row (printer_id NULL, order_id when not
 * DB_NULL) and one outbox row per distinct enabled channel (channel and
 * target) among all of c->user_id's printers, whatever their per-kind
 * flags (they are about prints and printers); a user without printers or
 * channels gets the events row only. Payload as event_emit's with
 * "printer": null, "print": null and "order_id". The event id, or -1. */
int64_t event_emit_user(struct ctx *c, const char *kind, int64_t order_id,
                        const char *detail);

/* Queues a "test" event to every enabled channel of one of the user's
 * printers (what POST /api/bambu/notifications/<id>/test and the
 * dashboard's "send a test" do). At most FARM_NOTIFY_TESTS_PER_MINUTE per
 * user in any EVENT_TEST_WINDOW_S seconds. The event id, or -1 (404; 409
 * when no channel is enabled, saying why; 429 over the limit, with
 * *retry_after the seconds until one is allowed when retry_after is not
 * NULL). */
int64_t event_send_test(struct ctx *c, int64_t printer_id,
                        int64_t *retry_after);

#define EVENT_TEST_WINDOW_S 60

/* The start of last_error of a row written as failed because its user
 * already had FARM_OUTBOX_MAX_PENDING pending rows. */
#define EVENT_OUTBOX_FULL "too many pending notifications: not sent"

/* Delivery states of an outbox row; EVENT_DELIVERY_ALL matches all. */
enum {
    EVENT_PENDING = 1,
    EVENT_DELIVERED = 2,
    EVENT_FAILED = 4,
    EVENT_EXPIRED = 8,
    EVENT_DELIVERY_ALL = 15,
};

/* The target of outbox row outbox_id as stored (channel and stored text
 * from the row), opened when the channel's targets are sealed (arena);
 * NULL when it cannot be opened (or stored is NULL). */
const char *event_target(struct ctx *c, int64_t outbox_id, const char *channel,
                         const char *stored);

/* Seals the webhook targets still stored plain (reseal.h). 0, or -1 with
 * c->err set. */
int event_reseal(struct ctx *c, struct reseal_stats *st);

/* One outbox row of a printer, as the API shows it; target opened (NULL
 * when a sealed one cannot be). */
struct event_delivery {
    int64_t id;
    const char *delivery_id; /* NULL until first tried */
    const char *event, *channel, *target, *status;
    int64_t attempts;
    int64_t last_code; /* DB_NULL: no answer */
    const char *last_error;
    int64_t next_attempt_at; /* DB_NULL unless pending */
    int64_t delivered_at, created_at;
};

/* "pending,failed" into a mask of EVENT_PENDING... bits: 0, or -1 when an
 * element is empty or unknown. */
int event_delivery_mask(const char *list, unsigned *mask);

/* The deliveries queued for one of the user's printers, newest first
 * (outbox id descending), only those of event_id when it is not 0 and
 * those whose status is in mask; from the arena. 0, or -1 (404 when the
 * printer is not the user's, 500). */
int event_deliveries(struct ctx *c, int64_t printer_id, int64_t event_id,
                     unsigned mask, int64_t limit, int64_t offset,
                          struct event_delivery **out, int *n);

#endif
