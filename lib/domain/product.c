#include "domain/product.h"

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/job.h"
#include "domain/order.h"
#include "domain/printfile.h"

#include "base/banned.h"

#define IN struct product
const struct field product_fields[] = {
    JOB_FIELD_NAME(IN),
    {"sku", F_STR, offsetof(IN, sku), F_NULL, 1, PRODUCT_SKU_MAX, 0},
    {"etsy_listing_id", F_ID, offsetof(IN, etsy_listing_id), F_NULL, 0, 0, 0},
    JOB_FIELD_FILE(IN),
    JOB_FIELD_PLATE(IN),
    JOB_FIELD_MINUTES(IN),
    JOB_FIELD_GRAMS(IN),
    JOB_FIELDS_MATERIAL(IN),
    JOB_FIELDS_SETTINGS(IN),
    {0},
};
#undef IN

#define PRODUCT_COLS                                                           \
    "id, name, sku, etsy_listing_id, file, plate, estimated_minutes, grams, "  \
    "material_type, color, nozzle_temp, bed_temp, speed_level, "               \
    "material_slot, created_at, updated_at"

void
product_init(struct product *p)
{
    memset(p, 0, sizeof(*p));
    p->etsy_listing_id = DB_NULL;
    p->plate = 1;
    p->estimated_minutes = DB_NULL;
    p->grams = DB_NULL;
    p->nozzle_temp = DB_NULL;
    p->bed_temp = DB_NULL;
    p->speed_level = 2;
    p->material_slot = DB_NULL;
}

static void
product_row(struct ctx *c, struct db_stmt *st, struct product *p)
{
    struct arena *a = c->arena;

    p->id = db_int(st, 0);
    p->name = arena_strdup(a, db_text(st, 1));
    p->sku = db_is_null(st, 2) ? NULL : arena_strdup(a, db_text(st, 2));
    p->etsy_listing_id = db_int(st, 3);
    p->file = arena_strdup(a, db_text(st, 4));
    p->plate = db_int(st, 5);
    p->estimated_minutes = db_int(st, 6);
    p->grams = db_int(st, 7);
    p->material_type =
        db_is_null(st, 8) ? NULL : arena_strdup(a, db_text(st, 8));
    p->color = db_is_null(st, 9) ? NULL : arena_strdup(a, db_text(st, 9));
    p->nozzle_temp = db_int(st, 10);
    p->bed_temp = db_int(st, 11);
    p->speed_level = db_int(st, 12);
    p->material_slot = db_int(st, 13);
    p->created_at = db_int(st, 14);
    p->updated_at = db_int(st, 15);
}

int
product_list(struct ctx *c, int64_t limit, int64_t offset, struct product **out,
             int *n)
{
    struct db_stmt *st = db_query(c->db,
                                  "SELECT " PRODUCT_COLS " FROM products "
                                  "WHERE user_id = ? ORDER BY id "
                                  "LIMIT ? OFFSET ?",
                                  "iii", c->user_id, limit, offset);
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)limit);
    if (st == NULL)
        return err_internal(&c->err, "product: list failed");
    while ((rc = db_step(st)) == DB_ROW)
        product_row(c, st, &(*out)[(*n)++]);
    return rc == DB_DONE ? 0 : err_internal(&c->err, "product: list failed");
}

int
product_get(struct ctx *c, int64_t id, struct product *p)
{
    struct db_stmt *st = db_query(c->db,
                                  "SELECT " PRODUCT_COLS " FROM products "
                                  "WHERE id = ? AND user_id = ?",
                                  "ii", id, c->user_id);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "product: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "no such product");
    if (rc != DB_ROW)
        return err_internal(&c->err, "product: select failed");
    product_row(c, st, p);
    db_done(st);
    return 0;
}

int
product_owned(struct ctx *c, int64_t id)
{
    int64_t one = 0;
    int rc = db_get_int(c->db, &one,
                        "SELECT 1 FROM products WHERE id = ? AND user_id = ?",
                        "ii", id, c->user_id);

    if (rc == DB_ERROR)
        return err_internal(&c->err, "product: select failed");
    return rc == DB_ROW;
}

int64_t
product_match(struct ctx *c, const char *sku, int64_t listing_id)
{
    int64_t id = DB_NULL;
    int rc;

    if (sku != NULL) {
        rc = db_get_int(c->db, &id,
                        "SELECT id FROM products WHERE user_id = ? "
                        "AND sku = ? ORDER BY id LIMIT 1",
                        "it", c->user_id, sku);
        if (rc == DB_ROW)
            return id;
        if (rc != DB_DONE)
            return err_internal(&c->err, "product: match failed");
    }
    if (listing_id != DB_NULL) {
        rc = db_get_int(c->db, &id,
                        "SELECT id FROM products WHERE user_id = ? "
                        "AND etsy_listing_id = ? ORDER BY id LIMIT 1",
                        "ii", c->user_id, listing_id);
        if (rc == DB_ROW)
            return id;
        if (rc != DB_DONE)
            return err_internal(&c->err, "product: match failed");
    }
    return DB_NULL;
}

static int
check_file(struct ctx *c, const char *file)
{
    int rc = printfile_exists(c, file);

    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_field(&c->err, "file", "is not one of your files");
    return 0;
}

static int64_t
product_create_locked(struct ctx *c, struct product *p)
{
    int64_t id = 0;
    int rc;

    if (bind_check(c, product_fields, p) < 0 || check_file(c, p->file) < 0)
        return -1;
    rc = db_get_int(c->db, &id,
                    "INSERT INTO products (user_id, name, sku, "
                    "etsy_listing_id, file, plate, estimated_minutes, grams, "
                    "material_type, color, nozzle_temp, bed_temp, "
                    "speed_level, material_slot, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING id",
                    "ittitiiittiiiiii", c->user_id, p->name, p->sku,
                    p->etsy_listing_id, p->file, p->plate, p->estimated_minutes,
                    p->grams, p->material_type, p->color, p->nozzle_temp,
                    p->bed_temp, p->speed_level, p->material_slot, c->now,
                    c->now);
    if (rc != DB_ROW)
        return err_internal(&c->err, "product: insert failed");
    return id;
}

int64_t
product_create(struct ctx *c, struct product *p)
{
    int64_t id;

    /* the file is checked under the write lock the row is inserted in, so
     * a delete of the file cannot slip in between */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "product: begin failed");
    id = product_create_locked(c, p);
    if (db_end(c->db, id < 0 ? -1 : 0) < 0)
        return id < 0 ? -1 : err_internal(&c->err, "product: commit failed");
    return id;
}

static int
product_update_locked(struct ctx *c, struct product *p)
{
    struct product old;

    if (bind_check(c, product_fields, p) < 0 ||
        product_get(c, p->id, &old) < 0)
        return -1;
    /* A file deleted since the product was made must not block edits of
     * other fields; a new file must exist. */
    if (strcmp(old.file, p->file) != 0 && check_file(c, p->file) < 0)
        return -1;
    if (db_exec(c->db,
                "UPDATE products SET name = ?, sku = ?, etsy_listing_id = ?, "
                "file = ?, plate = ?, estimated_minutes = ?, grams = ?, "
                "material_type = ?, color = ?, nozzle_temp = ?, "
                "bed_temp = ?, speed_level = ?, material_slot = ?, "
                "updated_at = ? WHERE id = ? AND user_id = ?",
                "ttitiiittiiiiiii", p->name, p->sku, p->etsy_listing_id,
                p->file, p->plate, p->estimated_minutes, p->grams,
                p->material_type, p->color, p->nozzle_temp, p->bed_temp,
                p->speed_level, p->material_slot, c->now, p->id,
                c->user_id) != DB_DONE)
        return err_internal(&c->err, "product: update failed");
    return 0;
}

int
product_update(struct ctx *c, struct product *p)
{
    int rc;

    /* the old file is read under the write lock the row is written in */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "product: begin failed");
    rc = product_update_locked(c, p);
    if (db_end(c->db, rc) < 0)
        return rc < 0 ? -1 : err_internal(&c->err, "product: commit failed");
    return 0;
}

int
product_delete(struct ctx *c, int64_t id)
{
    int rc;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "product: begin failed");
    rc = product_owned(c, id);
    if (rc <= 0) {
        db_rollback(c->db);
        return rc < 0 ? -1 : err_set(&c->err, ERR_NOT_FOUND, "no such product");
    }
    if (order_items_unmatch_product(c, id) < 0 ||
        db_exec(c->db, "DELETE FROM products WHERE id = ? AND user_id = ?",
                "ii", id, c->user_id) != DB_DONE ||
        db_commit(c->db) < 0) {
        db_rollback(c->db);
        return err_internal(&c->err, "product: delete failed");
    }
    return 0;
}
