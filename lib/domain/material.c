#include "domain/material.h"

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/printer.h"

#include "base/banned.h"

const char *const material_sources[] = {"manual", "printer", NULL};

#define IN struct material
const struct field material_fields[] = {
    {"slot", F_INT, offsetof(IN, slot), F_REQ, 0, MATERIAL_SLOTS - 1, 0},
    {"material_type", F_STR, offsetof(IN, material_type), F_REQ, 1,
     MATERIAL_TYPE_MAX, 0},
    {"color", F_COLOR, offsetof(IN, color), F_NULL, 0, 0, 0},
    {"weight_grams", F_INT, offsetof(IN, weight_grams), 0, 1,
     MATERIAL_WEIGHT_MAX, 0},
    {"remaining_percent", F_INT, offsetof(IN, remaining_percent), F_NULL, 0,
     100, 0},
    {"vendor", F_STR, offsetof(IN, vendor), F_NULL, 0, MATERIAL_VENDOR_MAX,
     0},
    {"cost_per_kg", F_MONEY, offsetof(IN, cost_per_kg), F_NULL, 0,
     MATERIAL_COST_MAX, 0},
    {0},
};
#undef IN

#define MATERIAL_COLS                                                          \
    "m.id, m.printer_id, m.slot, m.material_type, m.color, "                   \
    "m.weight_grams, m.remaining_percent, m.vendor, m.cost_per_kg, "           \
    "m.source, m.synced_at, m.created_at, m.updated_at"

/* Materials have no owner column: a material is the user's when its
 * printer is (printer_owned), checked before any read or write. */
#define MATERIAL_FROM " FROM materials m "

void
material_init(struct material *m)
{
    memset(m, 0, sizeof(*m));
    m->weight_grams = 1000;
    m->remaining_percent = 100;
    m->cost_per_kg = DB_NULL;
    m->source = material_sources[0];
    m->synced_at = DB_NULL;
    m->created_at = DB_NULL;
    m->updated_at = DB_NULL;
}

int64_t
material_remaining_grams(const struct material *m)
{
    if (m->remaining_percent == DB_NULL || m->weight_grams == DB_NULL)
        return DB_NULL;
    return m->weight_grams * m->remaining_percent / 100;
}

int64_t
material_cost_of(int64_t grams, int64_t cost_per_kg)
{
    if (grams == DB_NULL || cost_per_kg == DB_NULL || grams < 0 ||
        cost_per_kg < 0)
        return DB_NULL;
    if (cost_per_kg > 0 && grams > (INT64_MAX - 500) / cost_per_kg)
        return DB_NULL;
    return (grams * cost_per_kg + 500) / 1000;
}

static void
material_row(struct ctx *c, struct db_stmt *st, struct material *m)
{
    struct arena *a = c->arena;
    const char *src = db_text(st, 9);

    m->id = db_int(st, 0);
    m->printer_id = db_int(st, 1);
    m->slot = db_int(st, 2);
    m->material_type = arena_strdup(a, db_text(st, 3));
    m->color = arena_strdup(a, db_text(st, 4));
    m->weight_grams = db_int(st, 5);
    m->remaining_percent = db_int(st, 6);
    m->vendor = arena_strdup(a, db_text(st, 7));
    m->cost_per_kg = db_int(st, 8);
    m->source = material_sources[0];
    for (const char *const *s = material_sources; *s != NULL; s++)
        if (src != NULL && strcmp(*s, src) == 0)
            m->source = *s;
    m->synced_at = db_int(st, 10);
    m->created_at = db_int(st, 11);
    m->updated_at = db_int(st, 12);
}

static int
not_found(struct ctx *c)
{
    return err_set(&c->err, ERR_NOT_FOUND, "no such material");
}

/* 1 when printer_id is one of the user's printers, 0 when not, -1. */
static int
material_printer_mine(struct ctx *c, int64_t printer_id)
{
    return printer_id == DB_NULL ? 0 : printer_owned(c, printer_id);
}

int
material_list(struct ctx *c, int64_t printer_id, int64_t limit, int64_t offset,
              struct material **out, int *n)
{
    struct db_stmt *st;
    int rc;

    *n = 0;
    *out = NULL;
    rc = printer_owned(c, printer_id);
    if (rc <= 0)
        return rc < 0 ? -1 : err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    if (limit > MATERIAL_SLOTS)
        limit = MATERIAL_SLOTS;
    *out = arena_alloc(c->arena, sizeof(**out) * MATERIAL_SLOTS);
    st = db_query(c->db,
                  "SELECT " MATERIAL_COLS MATERIAL_FROM
                  "WHERE m.printer_id = ? ORDER BY m.slot LIMIT ? OFFSET ?",
                  "iii", printer_id, limit, offset);
    if (st == NULL)
        return err_internal(&c->err, "material: list failed");
    while ((rc = db_step(st)) == DB_ROW && *n < MATERIAL_SLOTS)
        material_row(c, st, &(*out)[(*n)++]);
    if (rc == DB_ROW) {
        db_done(st);
        rc = DB_DONE;
    }
    return rc == DB_DONE ? 0 : err_internal(&c->err, "material: list failed");
}

int
material_get(struct ctx *c, int64_t id, struct material *m)
{
    struct db_stmt *st =
        db_query(c->db, "SELECT " MATERIAL_COLS MATERIAL_FROM "WHERE m.id = ?",
                 "i", id);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "material: select failed");
    rc = db_step(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return err_internal(&c->err, "material: select failed");
    if (rc == DB_ROW) {
        material_row(c, st, m);
        db_done(st);
        rc = material_printer_mine(c, m->printer_id);
        if (rc < 0)
            return -1;
    } else {
        rc = 0;
    }
    return rc ? 0 : not_found(c);
}

/* Checks the values (whatever path they came by) against
 * material_fields and upper-cases the colour; every bad field goes into
 * c->err. */
static int
material_check(struct ctx *c, struct material *m)
{
    if (m->source == NULL)
        m->source = material_sources[0];
    return bind_check(c, material_fields, m);
}

/* 1 when another material than self already holds slot, 0 when free, -1
 * on error. */
static int
slot_taken(struct ctx *c, int64_t printer_id, int64_t slot, int64_t self)
{
    int64_t id = 0;
    int rc = db_get_int(c->db, &id,
                        "SELECT id FROM materials WHERE printer_id = ? "
                        "AND slot = ? AND id <> ?",
                        "iii", printer_id, slot, self);

    if (rc == DB_ERROR || rc == DB_CONSTRAINT)
        return err_internal(&c->err, "material: slot lookup failed");
    return rc == DB_ROW;
}

static int
slot_conflict(struct ctx *c, int64_t slot)
{
    return err_set(&c->err, ERR_CONFLICT,
                   "slot %lld already holds a material; delete it or pick "
                   "another slot",
                   (long long)slot);
}

static int64_t
material_create_locked(struct ctx *c, struct material *m)
{
    int64_t id = 0;
    int rc = printer_owned(c, m->printer_id);

    if (rc <= 0)
        return rc < 0 ? -1 : err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    if (material_check(c, m) < 0)
        return -1;
    rc = slot_taken(c, m->printer_id, m->slot, 0);
    if (rc != 0)
        return rc < 0 ? -1 : slot_conflict(c, m->slot);
    rc = db_get_int(c->db, &id,
                    "INSERT INTO materials (printer_id, slot, material_type, "
                    "color, weight_grams, remaining_percent, vendor, "
                    "cost_per_kg, source, synced_at, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING id",
                    "iittiititiii", m->printer_id, m->slot, m->material_type,
                    m->color, m->weight_grams, m->remaining_percent, m->vendor,
                    m->cost_per_kg, m->source, m->synced_at, c->now, c->now);
    if (rc == DB_CONSTRAINT)
        return slot_conflict(c, m->slot);
    if (rc != DB_ROW)
        return err_internal(&c->err, "material: insert failed");
    return id;
}

int64_t
material_create(struct ctx *c, struct material *m)
{
    int64_t id;

    /* the printer and the free slot are checked under the write lock the
     * row is inserted in */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "material: begin failed");
    id = material_create_locked(c, m);
    if (db_end(c->db, id < 0 ? -1 : 0) < 0)
        return id < 0 ? -1 : err_internal(&c->err, "material: commit failed");
    return id;
}

static int
material_update_locked(struct ctx *c, struct material *m)
{
    int rc = material_printer_mine(c, m->printer_id);

    if (rc <= 0)
        return rc < 0 ? -1 : not_found(c);
    if (material_check(c, m) < 0)
        return -1;
    rc = slot_taken(c, m->printer_id, m->slot, m->id);
    if (rc != 0)
        return rc < 0 ? -1 : slot_conflict(c, m->slot);
    m->source = material_sources[0];
    rc = db_exec(c->db,
                 "UPDATE materials SET slot = ?, material_type = ?, "
                 "color = ?, weight_grams = ?, remaining_percent = ?, "
                 "vendor = ?, cost_per_kg = ?, source = ?, updated_at = ? "
                 "WHERE id = ? AND printer_id = ?",
                 "ittiititiii", m->slot, m->material_type, m->color,
                 m->weight_grams, m->remaining_percent, m->vendor,
                 m->cost_per_kg, m->source, c->now, m->id, m->printer_id);
    if (rc == DB_CONSTRAINT)
        return slot_conflict(c, m->slot);
    if (rc != DB_DONE)
        return err_internal(&c->err, "material: update failed");
    if (db_changes(c->db) == 0)
        return err_set(&c->err, ERR_NOT_FOUND, "no such material");
    return 0;
}

int
material_update(struct ctx *c, struct material *m)
{
    int rc;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "material: begin failed");
    rc = material_update_locked(c, m);
    if (db_end(c->db, rc) < 0)
        return rc < 0 ? -1 : err_internal(&c->err, "material: commit failed");
    return 0;
}

int
material_delete(struct ctx *c, int64_t id)
{
    struct material m;

    if (material_get(c, id, &m) < 0)
        return -1;
    if (db_exec(c->db, "DELETE FROM materials WHERE id = ? AND printer_id = ?",
                "ii", id, m.printer_id) != DB_DONE)
        return err_internal(&c->err, "material: delete failed");
    if (db_changes(c->db) == 0)
        return err_set(&c->err, ERR_NOT_FOUND, "no such material");
    return 0;
}

int
material_cost_cents(struct ctx *c, int64_t printer_id, int64_t slot,
                    int64_t grams, int64_t *cents)
{
    int64_t cost = DB_NULL;
    int rc;

    *cents = DB_NULL;
    if (printer_id == DB_NULL || slot == DB_NULL || grams == DB_NULL ||
        grams < 0)
        return 0;
    rc = material_printer_mine(c, printer_id);
    if (rc <= 0)
        return rc;
    rc = db_get_int(c->db, &cost,
                    "SELECT m.cost_per_kg" MATERIAL_FROM
                    "WHERE m.printer_id = ? AND m.slot = ?",
                    "ii", printer_id, slot);
    if (rc == DB_ERROR || rc == DB_CONSTRAINT)
        return err_internal(&c->err, "material: cost lookup failed");
    if (rc == DB_ROW)
        *cents = material_cost_of(grams, cost);
    return 0;
}

static int
str_same(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a == NULL || a[0] == '\0') && (b == NULL || b[0] == '\0');
    return strcmp(a, b) == 0;
}

int
material_sync(struct ctx *c, int64_t printer_id, int64_t slot,
              const struct material_seen *s, int *changed)
{
    struct db_stmt *st;
    int64_t id = DB_NULL, weight;
    char *type = NULL, *color = NULL, *source = NULL;
    int rc;

    *changed = 0;
    rc = material_printer_mine(c, printer_id);
    if (rc <= 0)
        return rc;
    st = db_query(c->db,
                  "SELECT m.id, m.material_type, m.color, "
                  "m.source" MATERIAL_FROM
                  "WHERE m.printer_id = ? AND m.slot = ?",
                  "ii", printer_id, slot);
    if (st == NULL)
        return err_internal(&c->err, "material: sync select failed");
    rc = db_step(st);
    if (rc == DB_ROW) {
        id = db_int(st, 0);
        type = arena_strdup(c->arena, db_text(st, 1));
        color = arena_strdup(c->arena, db_text(st, 2));
        source = arena_strdup(c->arena, db_text(st, 3));
        db_done(st);
    } else if (rc != DB_DONE) {
        return err_internal(&c->err, "material: sync select failed");
    }
    if (!s->present) {
        if (id == DB_NULL || source == NULL || strcmp(source, "printer") != 0)
            return 0;
        if (db_exec(c->db, "DELETE FROM materials WHERE id = ?", "i", id) !=
            DB_DONE)
            return err_internal(&c->err, "material: sync delete failed");
        *changed = 1;
        return 0;
    }
    if (id == DB_NULL) {
        weight = s->weight_grams == DB_NULL ? 1000 : s->weight_grams;
        rc = db_exec(c->db,
                     "INSERT INTO materials (printer_id, slot, material_type, "
                     "color, weight_grams, remaining_percent, source, "
                     "synced_at, tray_uuid, created_at, updated_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, 'printer', ?, ?, ?, ?)",
                     "iittiiitii", printer_id, slot, s->material_type,
                     s->color, weight, s->remaining_percent, c->now,
                     s->tray_uuid && s->tray_uuid[0] ? s->tray_uuid : NULL,
                     c->now, c->now);
        if (rc != DB_DONE)
            return err_internal(&c->err, "material: sync insert failed");
        *changed = 1;
        return 0;
    }
    *changed = !str_same(type, s->material_type) || !str_same(color, s->color);
    rc = db_exec(c->db,
                 "UPDATE materials SET material_type = ?, color = ?, "
                 "remaining_percent = CASE WHEN ? IS NULL THEN "
                 "remaining_percent ELSE ? END, "
                 "weight_grams = COALESCE(?, weight_grams), "
                 "tray_uuid = COALESCE(?, tray_uuid), source = 'printer', "
                 "synced_at = ?, updated_at = CASE WHEN ? = 1 THEN ? ELSE "
                 "updated_at END WHERE id = ?",
                 "ttiiitiiii", s->material_type, s->color,
                 s->remaining_percent, s->remaining_percent, s->weight_grams,
                 s->tray_uuid && s->tray_uuid[0] ? s->tray_uuid : NULL,
                 c->now, (int64_t)*changed, c->now, id);
    if (rc != DB_DONE)
        return err_internal(&c->err, "material: sync update failed");
    return 0;
}

int
material_consume(struct ctx *c, int64_t printer_id, int64_t slot,
                 int64_t grams)
{
    int rc;

    if (grams == DB_NULL || grams <= 0 || slot == DB_NULL ||
        printer_id == DB_NULL)
        return 0;
    rc = material_printer_mine(c, printer_id);
    if (rc <= 0)
        return rc;
    if (db_exec(c->db,
                "UPDATE materials SET remaining_percent = CASE WHEN "
                "remaining_percent * weight_grams - ? * 100 <= 0 THEN 0 "
                "ELSE (remaining_percent * weight_grams - ? * 100) / "
                "weight_grams END, updated_at = ? "
                "WHERE printer_id = ? AND slot = ? AND weight_grams > 0 AND "
                "remaining_percent IS NOT NULL",
                "iiiii", grams, grams, c->now, printer_id,
                slot) != DB_DONE)
        return err_internal(&c->err, "material: consume failed");
    return 0;
}

/* ---- for the dispatcher ---- */

int
material_list_every(struct ctx *c, struct material **out, int *n)
{
    struct db_stmt *st;
    size_t cap = 64;
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * cap);
    st = db_query(c->db, "SELECT " MATERIAL_COLS MATERIAL_FROM, "");
    if (st == NULL)
        return err_internal(&c->err, "material: list failed");
    while ((rc = db_step(st)) == DB_ROW) {
        if ((size_t)*n == cap) {
            struct material *more =
                arena_alloc(c->arena, sizeof(*more) * cap * 2);

            memcpy(more, *out, sizeof(*more) * cap);
            *out = more;
            cap *= 2;
        }
        material_row(c, st, &(*out)[(*n)++]);
    }
    return rc == DB_DONE ? 0 : err_internal(&c->err, "material: list failed");
}

static const char *
text_or_empty(struct ctx *c, struct db_stmt *st, int col)
{
    const char *s = db_text(st, col);

    return arena_strdup(c->arena, s ? s : "");
}

int
material_low_list(struct ctx *c, int64_t printer_id, struct material_low *out,
                  int max, int *n)
{
    struct db_stmt *st;
    int rc = DB_DONE;

    *n = 0;
    st = db_query(c->db,
                  "SELECT id, slot, material_type, color, remaining_percent, "
                  "weight_grams, COALESCE(NULLIF(tray_uuid, ''), "
                  "material_type || ' ' || COALESCE(color, '')), "
                  "low_notified_at, low_notified_spool FROM materials "
                  "WHERE printer_id = ? ORDER BY slot",
                  "i", printer_id);
    if (st == NULL)
        return err_internal(&c->err, "material: low list failed");
    while (*n < max && (rc = db_step(st)) == DB_ROW) {
        struct material_low *m = &out[(*n)++];

        m->id = db_int(st, 0);
        m->slot = db_int(st, 1);
        m->material_type = text_or_empty(c, st, 2);
        m->color = text_or_empty(c, st, 3);
        m->remaining_percent = db_int(st, 4);
        m->weight_grams = db_int(st, 5);
        m->spool = text_or_empty(c, st, 6);
        m->low_notified_at = db_int(st, 7);
        m->low_notified_spool = text_or_empty(c, st, 8);
    }
    db_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return err_internal(&c->err, "material: low list failed");
    return 0;
}

int
material_low_mark(struct ctx *c, int64_t id, int64_t at, const char *spool)
{
    if (db_exec(c->db,
                "UPDATE materials SET low_notified_at = ?, "
                "low_notified_spool = ? WHERE id = ?",
                "iti", at, spool, id) != DB_DONE)
        return err_internal(&c->err, "material: low mark failed");
    return 0;
}
