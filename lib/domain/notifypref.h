/*
 * notifypref — per printer, which events notify its owner and how (email
 * address, webhook URL and the webhook's signing secret), and what was
 * queued for delivery to it (listed by event.h, which owns the outbox).
 *
 * Invariants: a printer without a row has the defaults (print complete and
 * failed on, the rest off, material low at 10 %, no email, no webhook);
 * email_enabled is never stored without an address; the webhook secret is
 * stored only sealed (secret_seal) and never read back out through this
 * module's struct; once a webhook URL is saved a secret exists. The
 * webhook URL is a credential too (Discord's and Slack's carry their
 * token): stored only sealed, opened into the struct for its owner. Both
 * are sealed for the printer's row ("notification_settings.webhook_url:"
 * or "...webhook_secret_sealed:" and the printer id); one that cannot be
 * opened counts as no URL (logged) or as an unreadable secret (500).
 * Every call is scoped to the printer's user_id = c->user_id, so another
 * user's printer is "not found".
 *
 * Webhook secrets follow Standard Webhooks: a generated one is "whsec_" +
 * base64 of 32 random bytes, and the HMAC key is the decoded bytes. A
 * secret the user sets that starts with "whsec_" must be base64 of 24 to
 * 64 bytes and is decoded the same way; any other secret is used as its
 * raw bytes (UTF-8). A webhook that answered 410 Gone is disabled
 * (webhook_disabled_at) until a PUT sends webhook_url again.
 */
#ifndef NOTIFYPREF_H
#define NOTIFYPREF_H

#include <stddef.h>
#include <stdint.h>

#include "base/bind.h"

struct ctx;
struct reseal_stats;

#define NOTIFYPREF_SECRET_MIN 8
#define NOTIFYPREF_SECRET_MAX 256
#define NOTIFYPREF_KEY_MAX 1024 /* = WEBHOOK_KEY_MAX */
#define NOTIFYPREF_MATERIAL_LOW_DEFAULT 10 /* percent */

struct notifypref {
    int64_t printer_id;
    int64_t on_print_start, on_print_complete, on_print_failed;
    int64_t on_maintenance, on_material_change; /* 0/1 */
    int64_t email_enabled;                      /* 0/1 */
    const char *email_address;                  /* NULL: none */
    const char *webhook_url;                    /* NULL: none */
    const char *webhook_secret; /* plain, write-only: set to change it */
    int64_t webhook_secret_set; /* 0/1, read-only */
    const char *webhook_format; /* "standard", "discord", "slack"; NULL:
                                   chosen from the URL */
    int64_t webhook_disabled_at;         /* DB_NULL: enabled; read-only */
    const char *webhook_disabled_reason; /* read-only */
    int64_t webhook_reenable; /* 0/1: save clears webhook_disabled_at */
    int64_t updated_at;         /* DB_NULL before the first save */
    /* 0-100: material_low when a spool has at most this percent left;
     * 0: never */
    int64_t material_low_percent;
};

/* The webhook formats a user may choose (NULL-terminated). */
extern const char *const notifypref_formats[];

/* The rules of the editable preferences: the API binds its PUT body and
 * the dashboard its form with this table, and notifypref_save checks with
 * it (bind_check), so one rule has one message. webhook_secret is
 * write-only: NULL keeps the stored one. */
extern const struct field notifypref_fields[];

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

/* The webhook format in effect: n->webhook_format, else the one url (or
 * n->webhook_url when url is NULL) asks for. A static string. */
const char *notifypref_format(const struct notifypref *n, const char *url);

/* The HMAC key of the printer's webhook secret into key (at least
 * NOTIFYPREF_KEY_MAX bytes; the caller wipes it). 1 with *len set, 0 when
 * no secret is stored, -1 with c->err set (404, 500 also when the secret
 * cannot be opened). */
int notifypref_webhook_key(struct ctx *c, int64_t printer_id,
                           unsigned char *key, size_t *len);

/* How many channels an event that n wants goes to (what event_emit
 * queues): email when enabled with an address, plus the webhook when a URL
 * is set and it is not disabled. 0, 1 or 2. */
int notifypref_channels(const struct notifypref *n);

/* Disables the printer's webhook when its URL is still url and it is not
 * disabled already, saying why. Runs inside the caller's transaction when
 * one is open. 1 disabled, 0 nothing to do, -1 with c->err set (500). */
int notifypref_webhook_disable(struct ctx *c, int64_t printer_id,
                               const char *url, const char *reason);


/* ---- for the dispatcher: not scoped to a user (it serves them all) ---- */

/* Seals the webhook URLs still stored plain and re-seals the secrets not
 * yet sealed for their rows (reseal.h). 0, or -1 with c->err set. */
int notifypref_reseal(struct ctx *c, struct reseal_stats *st);

/* The material_low_percent of printer_id into *percent, the default when
 * no preferences were saved. 0, or -1 (500). */
int notifypref_material_low_percent(struct ctx *c, int64_t printer_id,
                                    int64_t *percent);

#endif
