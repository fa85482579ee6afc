/*
 * printer — a user's printers: what to connect to (host, ports, serial,
 * sealed access code) and the last state the dispatcher saw. Every query is
 * scoped to c->user_id, so another user's printer is "not found".
 */
#ifndef PRINTER_H
#define PRINTER_H

#include <stdint.h>

struct ctx;

extern const char *const printer_models[]; /* NULL-terminated */

struct printer {
    int64_t id;
    const char *name, *model, *serial, *host;
    int64_t port, ftp_port;
    const char *access_code; /* plain, write-only: set to change it */
    const char *status, *status_detail;
    int64_t online, progress_percent, remaining_minutes, current_print_id;
    int64_t nozzle_temp, bed_temp, last_seen_at, created_at, updated_at;
};

/* Defaults for a new printer (ports 8883/990). */
void printer_init(struct printer *p);

/* The user's printers by id, from the arena. 0 or -1. */
int printer_list(struct ctx *c, int64_t limit, int64_t offset,
                 struct printer **out, int *n);

/* Loads one of the user's printers: 0, or -1 with 404. */
int printer_get(struct ctx *c, int64_t id, struct printer *p);

/* 1 when id is one of the user's printers, 0 when not, -1 on error. */
int printer_owned(struct ctx *c, int64_t id);

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

/* The printer's queue_version (bumped by the database on every change to
 * its prints or materials): the version, or -1 with 404 when the printer
 * is not the user's. */
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

#endif
