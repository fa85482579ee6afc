/*
 * maintenance — a printer's maintenance interval (print hours between
 * services), its recorded maintenance, and the "maintenance due" event.
 * Print hours are counted from the printer's finished prints since the
 * last recorded maintenance. Every call is scoped to c->user_id.
 *
 * Print time: a completed or failed print with both started_at and
 * completed_at counts completed_at - started_at, in the period its start
 * falls in. The current period starts at the latest performed_at (or at
 * the beginning when none is recorded); a record keeps the print time of
 * the period it closes, so the periods never overlap.
 *
 * Invariants: records are added in time order (a new performed_at is not
 * before the latest one, nor in the future); maintenance_notified_at says
 * maintenance_due went out for the current period and is cleared by a new
 * record or a changed interval, so the event fires once per period.
 */
#ifndef MAINTENANCE_H
#define MAINTENANCE_H

#include <stdint.h>

#include "base/bind.h"

struct ctx;
struct event_printer;

#define MAINTENANCE_INTERVAL_MAX 100000 /* hours */
#define MAINTENANCE_NOTE_MAX 500        /* characters */

/* One printer's state, for the API. */
struct maintenance {
    int64_t printer_id;
    int64_t interval_hours; /* DB_NULL: no reminders */
    int64_t print_seconds;  /* since the last maintenance */
    int64_t last_at;        /* latest performed_at; DB_NULL: none */
    int64_t notified_at;    /* DB_NULL: not sent in this period */
};

/* One recorded maintenance. */
struct maintenance_record {
    int64_t id, printer_id;
    int64_t performed_at;  /* DB_NULL on create: now */
    const char *note;      /* NULL: none */
    int64_t print_seconds; /* print time of the period it closed */
    int64_t created_at;
};

/* The interval a user sets, as a form or body carries it. */
struct maintenance_interval {
    int64_t interval_hours; /* DB_NULL: no reminders */
};

/* The rules of the interval and of a new record: the API binds its bodies
 * and the dashboard its forms with these tables, and
 * maintenance_set_interval and maintenance_record_add check with them
 * (bind_check), so one rule has one message. */
extern const struct field maintenance_interval_fields[];
extern const struct field maintenance_record_fields[];

/* Seconds of print time on printer_id (one of the user's) of prints that
 * started at or after since and before until (DB_NULL: no bound), as
 * defined above. The one sum behind the API and the due check. The
 * seconds, or -1 with c->err set (500). */
int64_t maintenance_print_seconds(struct ctx *c, int64_t printer_id,
                                  int64_t since, int64_t until);

/* Print seconds since the printer's latest maintenance (*last_at, DB_NULL
 * when none). 0, or -1 with c->err set (500). Does not check ownership:
 * the sum is scoped to the user's prints. */
int maintenance_since_last(struct ctx *c, int64_t printer_id, int64_t *seconds,
                           int64_t *last_at);

/* Loads the state of one of the user's printers: 0, or -1 (404, 500). */
int maintenance_get(struct ctx *c, int64_t printer_id, struct maintenance *m);

/* 1 when an interval is set and the print time reached it. */
int maintenance_is_due(const struct maintenance *m);

/* Seconds as tenths of an hour, rounded down (so a shown 200.0 h means
 * 200 h were reached). */
int64_t maintenance_tenths(int64_t seconds);

/* Sets the interval (1..MAINTENANCE_INTERVAL_MAX hours, or DB_NULL for no
 * reminders). A different value starts a new period for the reminder
 * (clears maintenance_notified_at); the same value changes nothing. 0, or
 * -1 (404, 422 naming interval_hours, 500). */
int maintenance_set_interval(struct ctx *c, int64_t printer_id, int64_t hours);

/* Defaults for a new record of printer_id: performed now, no note. */
void maintenance_record_init(struct maintenance_record *r, int64_t printer_id);

/* Checks r and records it in one transaction: performed_at defaults to
 * now and must not be in the future nor before the printer's latest
 * record; print_seconds becomes the print time since that record up to
 * performed_at; the reminder is re-armed. Fills r's id, performed_at,
 * print_seconds and created_at. The id, or -1 (404, 422 naming
 * performed_at or note, 500). */
int64_t maintenance_record_add(struct ctx *c, struct maintenance_record *r);

/* The printer's records, newest first (performed_at, then id), from the
 * arena. 0, or -1 (404, 500). */
int maintenance_record_list(struct ctx *c, int64_t printer_id, int64_t limit,
                            int64_t offset, struct maintenance_record **out,
                            int *n);

/* Emits maintenance_due for printer p (one of c->user_id's printers) when
 * its print hours since the last maintenance reached its interval and the
 * event did not go out yet for this period, and marks it sent. Runs inside
 * the caller's transaction when one is open. 1 emitted, 0 nothing to do,
 * -1 with c->err set. */
int maintenance_notify_due(struct ctx *c, const struct event_printer *p);

#endif
