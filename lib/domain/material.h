/*
 * material — what is loaded in a printer's AMS slots: one row per occupied
 * slot (0–7: AMS unit = slot / 4, tray = slot % 4), with its type, colour,
 * spool weight, what is left and what it cost.
 *
 * Invariants: a slot holds at most one material per printer (the UNIQUE
 * constraint backs the check, so a race still ends in 409); colours are
 * stored "#RRGGBB" upper case; cost_per_kg is integer cents. Every query
 * goes through the printer's user_id = c->user_id, so another user's
 * printer or material is "not found".
 */
#ifndef MATERIAL_H
#define MATERIAL_H

#include <stdint.h>

#include "base/bind.h"

struct ctx;

#define MATERIAL_SLOTS 8
#define MATERIAL_TYPE_MAX 32       /* characters */
#define MATERIAL_VENDOR_MAX 64     /* characters */
#define MATERIAL_WEIGHT_MAX 100000 /* grams */
#define MATERIAL_COST_MAX 10000000 /* cents per kg: 100000.00 */

extern const char *const material_sources[]; /* NULL-terminated */

struct material {
    int64_t id, printer_id, slot;
    const char *material_type;
    const char *color; /* "#RRGGBB" or NULL */
    int64_t weight_grams;
    int64_t remaining_percent; /* DB_NULL: unknown */
    const char *vendor;        /* NULL when unknown */
    int64_t cost_per_kg;       /* cents, DB_NULL when unknown */
    const char *source;        /* "manual" or "printer" */
    int64_t synced_at, created_at, updated_at;
};

/* The rules of a material's editable fields: the API binds JSON with it,
 * material_create and material_update check with it (bind_check), so a
 * value is refused with the same message whichever way it came. */
extern const struct field material_fields[];

/* Defaults for a new material: 1000 g, 100 % left, source "manual", no
 * colour, vendor or cost. */
void material_init(struct material *m);

/* weight × remaining / 100 in whole grams, DB_NULL when remaining_percent
 * is unknown. */
int64_t material_remaining_grams(const struct material *m);

/* The materials in one of the user's printers, ordered by slot, from the
 * arena. 0, or -1 (404 when the printer is not the user's). */
int material_list(struct ctx *c, int64_t printer_id, int64_t limit,
                  int64_t offset, struct material **out, int *n);

/* Loads one material of the user's printers: 0, or -1 with 404. */
int material_get(struct ctx *c, int64_t id, struct material *m);

/* Checks m and inserts it into m->printer_id: the new id, or -1 (404 for a
 * printer that is not the user's, 422 for bad values, 409 for an occupied
 * slot). */
int64_t material_create(struct ctx *c, struct material *m);

/* Checks and writes every editable field of m (a row loaded with
 * material_get, then changed); the source becomes "manual". 0, or -1 (404,
 * 422, 409 when the new slot is occupied). */
int material_update(struct ctx *c, struct material *m);

/* Empties the slot: 0, or -1 with 404. */
int material_delete(struct ctx *c, int64_t id);

/* grams × cost_per_kg / 1000 in cents, rounded half up in integer math;
 * DB_NULL when either is DB_NULL or negative, or on overflow. */
int64_t material_cost_of(int64_t grams, int64_t cost_per_kg);

/* The cost of grams of the material in slot of printer_id (one of the
 * user's printers): *cents = grams × cost_per_kg / 1000, rounded half up,
 * or DB_NULL when the slot is empty, its cost unknown, grams unknown
 * (DB_NULL or negative) or the product would overflow. 0, or -1 on a
 * database error (500). */
int material_cost_cents(struct ctx *c, int64_t printer_id, int64_t slot,
                        int64_t grams, int64_t *cents);

/* What a printer reports in one AMS slot (dispatcher only). */
struct material_seen {
    int present;               /* a spool is loaded */
    const char *material_type; /* "PLA" (present only) */
    const char *color;         /* "#RRGGBB" or NULL */
    int64_t remaining_percent; /* DB_NULL: the printer does not know */
    int64_t weight_grams;      /* DB_NULL: not reported */
    const char *tray_uuid;     /* NULL or "": none */
};

/* Brings slot of printer_id (one of the user's printers) in line with what
 * the printer reports: a loaded spool inserts or updates the row (source
 * "printer", synced_at now; type, colour, remaining and weight when known;
 * vendor and cost_per_kg are never touched); an empty slot deletes a
 * printer-sourced row and keeps a manual one. *changed is set to 1 when
 * the type, colour or presence changed, else 0. 0, or -1 (500). */
int material_sync(struct ctx *c, int64_t printer_id, int64_t slot,
                  const struct material_seen *s, int *changed);

/* Lowers the remaining_percent of the material in slot of printer_id by
 * grams (as a share of its weight, never below 0); no-op when the slot is
 * empty, the remaining share unknown or grams unknown. 0, or -1 (500). */
int material_consume(struct ctx *c, int64_t printer_id, int64_t slot,
                     int64_t grams);


/* ---- for the dispatcher: not scoped to a user (it serves them all) ---- */

/* Every printer's materials, from the arena. 0, or -1 (500). */
int material_list_every(struct ctx *c, struct material **out, int *n);

/* A material as the material_low check sees it. Strings are from the
 * arena and never NULL ("" when the column is). */
struct material_low {
    int64_t id, slot;
    const char *material_type, *color;
    int64_t remaining_percent; /* DB_NULL: unknown */
    int64_t weight_grams;
    /* which spool is loaded: its tray_uuid, else "type colour" */
    const char *spool;
    int64_t low_notified_at;        /* DB_NULL: armed */
    const char *low_notified_spool; /* the spool it was reported for */
};

/* The materials of printer_id ordered by slot, at most max of them, into
 * out. 0, or -1 (500). */
int material_low_list(struct ctx *c, int64_t printer_id,
                      struct material_low *out, int max, int *n);

/* Marks material id as reported low at at for spool, or arms it again
 * (at DB_NULL, spool NULL). 0, or -1 (500). */
int material_low_mark(struct ctx *c, int64_t id, int64_t at,
                      const char *spool);

#endif
