/*
 * product — a user's print profiles for shop listings: what to print for
 * one unit sold (file, plate, time, material, temperatures). Orders are
 * matched to products by id, SKU or Etsy listing id and turned into prints
 * through them. Every query is scoped to c->user_id, so another user's
 * product is "not found". A product's file names one of the user's files
 * when it is created or its file changes.
 */
#ifndef PRODUCT_H
#define PRODUCT_H

#include <stdint.h>

#include "base/bind.h"

struct ctx;

#define PRODUCT_SKU_MAX 64 /* characters; an order item's sku matches it */

struct product {
    int64_t id;
    const char *name, *sku;  /* sku: NULL when none */
    int64_t etsy_listing_id; /* DB_NULL when none */
    const char *file;
    int64_t plate, estimated_minutes, grams;
    const char *material_type, *color; /* NULL when none */
    int64_t nozzle_temp, bed_temp, speed_level, material_slot;
    int64_t created_at, updated_at;
};

/* The rules of a product's fields: the API binds JSON with it,
 * product_create and product_update check with it (bind_check). The print
 * settings share the limits of a print's (job.h). */
extern const struct field product_fields[];

/* Defaults for a new product: plate 1, speed 2, every optional value
 * DB_NULL/NULL. */
void product_init(struct product *p);

/* The user's products by id, from the arena. 0 or -1. */
int product_list(struct ctx *c, int64_t limit, int64_t offset,
                 struct product **out, int *n);

/* Loads one of the user's products: 0, or -1 with 404. */
int product_get(struct ctx *c, int64_t id, struct product *p);

/* 1 when id is one of the user's products, 0 when not, -1 on error. */
int product_owned(struct ctx *c, int64_t id);

/* The id of the user's product matched by sku (when not NULL), else by
 * etsy_listing_id (when not DB_NULL); the lowest id wins when several
 * match. DB_NULL when nothing matches, -1 on error. */
int64_t product_match(struct ctx *c, const char *sku, int64_t listing_id);

/* Checks p (its file must be one of the user's: 422 naming "file") and
 * inserts it: the id, or -1. */
int64_t product_create(struct ctx *c, struct product *p);

/* Checks and writes p's editable fields (the file is checked when it
 * changes). 0, or -1 (404, 422). */
int product_update(struct ctx *c, struct product *p);

/* Deletes the product; order items matched to it lose the match. 0, or
 * -1 with 404. */
int product_delete(struct ctx *c, int64_t id);

#endif
