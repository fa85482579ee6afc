/*
 * printer — a user's printers: what to connect to (host, ports, serial,
 * sealed access code) and the last state the dispatcher saw. Every query is
 * scoped to c->user_id, so another user's printer is "not found".
 *
 * The access code is sealed for its row ("printers.access_code_sealed:"
 * and the printer id, base/secret.h): a code copied into another printer's
 * row does not open there, and the printer reports it unreadable.
 */
#ifndef PRINTER_H
#define PRINTER_H

#include <stdint.h>

#include "base/bind.h"

struct ctx;
struct reseal_stats;

extern const char *const printer_models[]; /* NULL-terminated */

#define PRINTER_NAME_MAX 100   /* characters */
#define PRINTER_SERIAL_MAX 64  /* characters */
#define PRINTER_HOST_MAX 253   /* characters: a DNS name's limit */
#define PRINTER_CODE_MAX 64    /* characters of an access code */
#define PRINTER_WATTS_MAX 10000 /* W, average while printing */
#define PRINTER_RATE_MAX 100000 /* cents per printing hour */

struct printer {
    int64_t id;
    const char *name, *model, *serial, *host;
    int64_t port, ftp_port;
    const char *access_code; /* plain, write-only: set to change it */
    const char *status, *status_detail;
    int64_t online, progress_percent, remaining_minutes, current_print_id;
    int64_t nozzle_temp, bed_temp, last_seen_at, created_at, updated_at;
    int64_t power_watts;  /* average while printing; DB_NULL: model default */
    int64_t machine_rate; /* cents per printing hour */
};

/* What a printer's editable fields may hold: the API binds its bodies and
 * the dashboard its forms with this table, and printer_create and
 * printer_update check with it (bind_check), so one rule has one message.
 * access_code is write-only: NULL on an update keeps the stored one. */
extern const struct field printer_fields[];

/* The typical average draw while printing of a model, in watts: X1C, X1E
 * and X1 150, P1S and P1P 130, A1 95, A1M 80, H2D 200, anything else
 * (also NULL) 120. */
int64_t printer_default_watts(const char *model);

/* What a print on printer id costs per hour besides material: its power
 * (the stored one, else its model's default) and its machine rate. 1 when
 * id is one of the user's printers, 0 when not (the "other" default and
 * rate 0 are filled in), -1 on error. */
int printer_cost_params(struct ctx *c, int64_t id, int64_t *watts,
                        int64_t *rate);

/* Defaults for a new printer (ports 8883/990, power DB_NULL, rate 0). */
void printer_init(struct printer *p);

/* The user's printers by id, from the arena. 0 or -1. */
int printer_list(struct ctx *c, int64_t limit, int64_t offset,
                 struct printer **out, int *n);

/* Loads one of the user's printers: 0, or -1 with 404. */
int printer_get(struct ctx *c, int64_t id, struct printer *p);

/* 1 when id is one of the user's printers, 0 when not, -1 on error. */
int printer_owned(struct ctx *c, int64_t id);

/* The maintenance columns of the printer row; maintenance.c owns their
 * rules. *interval_hours and *notified_at are DB_NULL when unset. 1 when
 * id is one of the user's printers, 0 when not (nothing set in c->err: the
 * caller decides whether that is a 404), -1 on error. */
int printer_maintenance_get(struct ctx *c, int64_t id, int64_t *interval_hours,
                            int64_t *notified_at);

/* Sets the interval (DB_NULL: none); a changed interval clears
 * maintenance_notified_at, so the reminder is armed again. 1 done, 0 not
 * the user's printer, -1 on error. */
int printer_maintenance_set_interval(struct ctx *c, int64_t id,
                                     int64_t hours);

/* Sets maintenance_notified_at to at (DB_NULL: a new period starts). 0, or
 * -1 on error. */
int printer_maintenance_notified(struct ctx *c, int64_t id, int64_t at);

/* Checks p, seals its access code and inserts it: the id, or -1 (422, 409
 * for a serial the user already has). */
int64_t printer_create(struct ctx *c, struct printer *p);

/* Checks and writes p's editable fields (access code only when set).
 * A new host, port or ftp_port, or any access code given, forgets the
 * pinned certificate (cert_fingerprint), so the dispatcher pins the key it
 * meets next: that is how a user accepts a printer's new certificate. */
int printer_update(struct ctx *c, struct printer *p);

/* Deletes the printer; its queued/scheduled prints become cancelled. 409
 * while a print is started on it. */
int printer_delete(struct ctx *c, int64_t id);

/* The printer's queue_version (bumped by the database when a column its
 * queue answer reads changes, sql/sqlite/005): the version, or -1 with
 * 404 when the printer is not the user's. */
int64_t printer_queue_version(struct ctx *c, int64_t id);

/* ---- for the dispatcher: not scoped to a user (it serves them all) ---- */

/* Records print_id as the print running on printer id. 0 or -1. */
int printer_set_current(struct ctx *c, int64_t id, int64_t print_id);

/* Clears printer id's current print when it is print_id. 0 or -1. */
int printer_clear_current(struct ctx *c, int64_t id, int64_t print_id);

/* The status a refusal that is the printer's own fault leaves it in
 * (needs_developer_mode, untrusted_certificate), with detail and when the
 * printer last refused our commands (DB_NULL: never). 0 or -1. */
int printer_set_blocked(struct ctx *c, int64_t id, const char *status,
                        const char *detail, int64_t devmode_refused_at);


/* A printers row as the dispatcher keeps it: where to connect, what it last
 * saw and its offline bookkeeping. Strings are from the arena, NULL where
 * the column is NULL. */
struct printer_watched {
    int64_t id, user_id;
    const char *name, *model, *serial, *host;
    int64_t port, ftp_port;
    const char *access_code_sealed;
    const char *status;
    int64_t online, current_print_id, last_seen_at, last_pushall_at;
    int64_t devmode_refused_at; /* DB_NULL: never refused */
    int64_t silent_runs;
    const char *state_json;       /* the last merged report */
    const char *cert_fingerprint; /* the pinned key */
    int64_t offline_since;        /* DB_NULL: not in an outage */
    int64_t offline_notified;     /* 0/1: printer_offline went out */
};

/* Every user's printers by id, from the arena. 0 or -1. */
int printer_list_watched(struct ctx *c, struct printer_watched **out, int *n);

/* The access code of w, opened (arena); NULL when none is stored or it
 * cannot be opened for this row (another row's, another key, tampered). */
char *printer_access_code(struct ctx *c, const struct printer_watched *w);

/* Re-seals the access codes not yet sealed for their rows (reseal.h). 0,
 * or -1 with c->err set. */
int printer_reseal(struct ctx *c, struct reseal_stats *st);

/* What the dispatcher decided about a printer in one step. */
struct printer_seen {
    const char *status, *status_detail;
    int64_t online;
    /* 1: the printer reported, so progress, remaining minutes and the
     * temperatures are its values (DB_NULL: not in the report); 0: the
     * stored ones stay */
    int report;
    int64_t progress_percent, remaining_minutes, nozzle_temp, bed_temp;
    int64_t last_seen_at, last_pushall_at, silent_runs, devmode_refused_at;
    const char *state_json;       /* NULL: keep the stored one */
    const char *cert_fingerprint; /* pinned only when none is; NULL: none */
    const char *firmware;         /* NULL: keep the stored one */
};

/* Writes what the dispatcher saw into printer id's row. 0 or -1. */
int printer_save_seen(struct ctx *c, int64_t id, const struct printer_seen *s);

/* The offline bookkeeping of printer id: since when this outage lasts
 * (DB_NULL: none) and whether printer_offline went out (0/1). 0 or -1. */
int printer_set_offline(struct ctx *c, int64_t id, int64_t since,
                        int64_t notified);

#endif
