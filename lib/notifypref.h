/*
 * notifypref — per printer, which events notify its owner and how (email
 * address, webhook URL and the webhook's signing secret).
 *
 * Invariants: a printer without a row has the defaults (print complete and
 * failed on, the rest off, no email, no webhook); email_enabled is never
 * stored without an address; the webhook secret is stored only sealed
 * (secret_seal) and never read back out through this module's struct;
 * once a webhook URL is saved a secret exists. Every call is scoped to the
 * printer's user_id = c->user_id, so another user's printer is "not found".
 */
#ifndef NOTIFYPREF_H
#define NOTIFYPREF_H

#include <stdint.h>

struct ctx;

#define NOTIFYPREF_SECRET_MIN 8
#define NOTIFYPREF_SECRET_MAX 256

struct notifypref {
    int64_t printer_id;
    int64_t on_print_start, on_print_complete, on_print_failed;
    int64_t on_maintenance, on_material_change; /* 0/1 */
    int64_t email_enabled;                      /* 0/1 */
    const char *email_address;                  /* NULL: none */
    const char *webhook_url;                    /* NULL: none */
    const char *webhook_secret; /* plain, write-only: set to change it */
    int64_t webhook_secret_set; /* 0/1, read-only */
    int64_t updated_at;         /* DB_NULL before the first save */
};

/* The defaults for printer_id (no row yet). */
void notifypref_init(struct notifypref *n, int64_t printer_id);

/* Loads the preferences of one of the user's printers, or its defaults
 * when none were saved; webhook_secret is always NULL. 0, or -1 with 404. */
int notifypref_get(struct ctx *c, int64_t printer_id, struct notifypref *n);

/* Checks n (a value from notifypref_get, then changed) and writes it in
 * one transaction. A set webhook_secret is sealed and replaces the stored
 * one; when a webhook URL is set and no secret was ever stored, one is
 * generated and *generated points at its plain text (arena) — the only
 * time it can be seen; otherwise *generated is NULL. 0, or -1 (404, 422
 * naming email_enabled when it is on without an address, 500). */
int notifypref_save(struct ctx *c, struct notifypref *n,
                    const char **generated);

#endif
