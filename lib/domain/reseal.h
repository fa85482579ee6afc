/*
 * reseal — brings every sealed value of a database to the current form of
 * base/secret.h: sealed for its own row ("<table>.<column>:<row id>" as
 * associated data). Values sealed before that (v1: bound to nothing) are
 * opened and sealed again; columns that held plain text before (webhook
 * URLs in notification_settings and in the outbox) are sealed. A SQL
 * migration cannot do this (it needs the key), so it is a step of code
 * recorded like a migration (store/migrate.h, migrate_code "reseal-v2"):
 * every program runs reseal_run right after app_open, the first one on a
 * database does the work, the others see it recorded.
 *
 * Invariants: each table's SQL stays in its owner module (printer,
 * notifypref, etsy_shop, event), which hands its statements to
 * reseal_column; a value that does not open (tampered, another key,
 * garbage) is left as it is, counted and logged, and opens nowhere
 * afterwards either; a value is replaced only if it is still the one read
 * (the UPDATE compares), so a concurrent save wins.
 */
#ifndef RESEAL_H
#define RESEAL_H

#include <stdint.h>

struct app;
struct ctx;

struct reseal_stats {
    int64_t resealed;   /* values brought to the current form */
    int64_t unreadable; /* values that could not be opened: left alone */
};

/* Re-seals every sealed column (printers, notification_settings,
 * etsy_shops, outbox) once per database: unless the step is recorded, or
 * always with force (farmctl reseal). Adds to *st when not NULL. 1 when it
 * ran, 0 when it was recorded already, -1 with c->err set (nothing is
 * recorded; the next start tries again). */
int reseal_run(struct ctx *c, int force, struct reseal_stats *st);

/* reseal_run on a unit of work of a: what every program does right after
 * app_open. 0, or -1 with the reason logged. */
int reseal_start(struct app *a);

/* For the owner modules: re-seals one column. select reads, in pages,
 * "<id>, <value>" of the rows after id ? whose value is not NULL and not in
 * the current form, ordered by id, with LIMIT ?; update writes "SET col = ?
 * WHERE id = ? AND col = ?" (new value, id, old value). ad is the prefix
 * the row id is appended to ("printers.access_code_sealed:"). plain: the
 * column held plain text until now (sealed as it is) rather than v1
 * sealed text. 0, or -1 with c->err set. */
int reseal_column(struct ctx *c, const char *select, const char *update,
                  const char *ad, int plain, struct reseal_stats *st);

#endif
