#include "domain/order.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/job.h"
#include "domain/printer.h"
#include "domain/printfile.h"
#include "domain/product.h"

#include "base/banned.h"

const char *const order_sources[] = {"etsy", "manual", NULL};

#define IN struct order
const struct field order_fields[] = {
    {"source", F_ENUM, offsetof(IN, source), 0, 0, 0, order_sources},
    {"external_id", F_STR, offsetof(IN, external_id), F_NULL, 1,
     ORDER_EXTERNAL_ID_MAX, 0},
    {"buyer", F_STR, offsetof(IN, buyer), F_NULL, 1, ORDER_BUYER_MAX, 0},
    {0},
};
#undef IN

#define IN struct order_item
const struct field order_item_fields[] = {
    {"title", F_STR, offsetof(IN, title), F_REQ, 1, ORDER_TITLE_MAX, 0},
    {"quantity", F_INT, offsetof(IN, quantity), F_REQ, 1, ORDER_QUANTITY_MAX,
     0},
    {"sku", F_STR, offsetof(IN, sku), F_NULL, 1, ORDER_SKU_MAX, 0},
    {"product_id", F_ID, offsetof(IN, product_id), F_NULL, 0, 0, 0},
    {"etsy_listing_id", F_ID, offsetof(IN, etsy_listing_id), F_NULL, 0, 0, 0},
    {"price", F_MONEY, offsetof(IN, price), F_NULL, 0, ORDER_PRICE_MAX, 0},
    {0},
};
#undef IN

#define IN struct order_schedule_in
const struct field order_schedule_fields[] = {
    {"printer_id", F_ID, offsetof(IN, printer_id), F_NULL, 0, 0, 0},
    {"start_at", F_TIME, offsetof(IN, start_at), F_NULL, 0, 0, 0},
    {"gap_minutes", F_INT, offsetof(IN, gap_minutes), 0, 0, ORDER_GAP_MAX, 0},
    {0},
};
#undef IN

#define IN struct order_item_map_in
const struct field order_item_map_fields[] = {
    {"product_id", F_ID, offsetof(IN, product_id), F_REQ, 0, 0, 0},
    {0},
};
#undef IN

#define ORDER_COLS                                                             \
    "id, source, external_id, buyer, status, created_at, updated_at, "         \
    "discount, currency"

/* The currency it->price is in (the farm's when the item has none). */
static const char *
item_currency(const struct ctx *c, const struct order_item *it)
{
    return it->currency != NULL ? it->currency : c->conf->currency;
}

/* The currency of o's prices and discount: the receipt's and its priced
 * items', the farm's when none says; NULL when they differ. */
static const char *
order_currency(const struct ctx *c, const struct order *o,
               const char *receipt)
{
    const char *cur = receipt;

    for (int i = 0; i < o->nitems; i++) {
        const char *ic;

        if (o->items[i].price == DB_NULL)
            continue;
        ic = item_currency(c, &o->items[i]);
        if (cur == NULL)
            cur = ic;
        else if (strcmp(cur, ic) != 0)
            return NULL;
    }
    return cur != NULL ? cur : c->conf->currency;
}

/* Each item's revenue into rev[i]: price x quantity (0 without a price)
 * less its share of the discount (at most the items' total), shared in
 * proportion to price x quantity, rounded down, the rest to the last
 * priced item. An order of mixed currencies shares no discount (its
 * amounts cannot be compared). */
static void
item_revenues(const struct ctx *c, const struct order *o, const char *receipt,
              int64_t *rev)
{
    int64_t gross = 0, discount, given = 0;
    int last = -1;

    for (int i = 0; i < o->nitems; i++) {
        const struct order_item *it = &o->items[i];

        rev[i] = it->price == DB_NULL ? 0 : it->price * it->quantity;
        gross += rev[i];
        if (it->price != DB_NULL)
            last = i;
    }
    discount = o->discount == DB_NULL || o->discount < 0 ? 0 : o->discount;
    if (discount > gross)
        discount = gross;
    if (discount == 0 || order_currency(c, o, receipt) == NULL)
        return;
    for (int i = 0; i < o->nitems; i++) {
        int64_t share = rev[i] * discount / gross;

        if (i == last)
            share = discount - given;
        given += share;
        rev[i] -= share;
    }
}

int
order_money(struct ctx *c, struct order *o)
{
    const char *receipt = o->currency, *farm = c->conf->currency;
    int64_t *rev = arena_alloc(c->arena,
                               sizeof(*rev) * (size_t)(o->nitems + 1));
    int priced = 0;

    o->currency = order_currency(c, o, receipt);
    o->cost_currency = farm;
    item_revenues(c, o, receipt, rev);
    o->revenue = 0;
    for (int i = 0; i < o->nitems; i++)
        if (o->items[i].price != DB_NULL) {
            o->revenue += rev[i];
            priced = 1;
        }
    if (!priced || o->currency == NULL)
        o->revenue = DB_NULL;
    if (job_order_cost(c, o->id, &o->cost) < 0)
        return -1;
    o->profit = o->revenue == DB_NULL || strcmp(o->currency, farm) != 0
                    ? DB_NULL
                    : o->revenue - o->cost;
    return 0;
}

/* The row of key and currency in rows (n of them, room for one more),
 * added when new. */
static struct order_profit_row *
profit_row(struct order_profit_row *rows, int *n, int64_t key,
           const char *currency)
{
    int i = 0;

    while (i < *n &&
           (rows[i].key != key || strcmp(rows[i].currency, currency) != 0))
        i++;
    if (i == *n) {
        memset(&rows[i], 0, sizeof(rows[i]));
        rows[i].key = key;
        rows[i].currency = currency;
        (*n)++;
    }
    return &rows[i];
}

static int
profit_cmp(const void *a, const void *b)
{
    const struct order_profit_row *x = a, *y = b;

    if (x->key != y->key)
        return (x->key > y->key) - (x->key < y->key);
    return strcmp(x->currency, y->currency);
}

int
order_profit(struct ctx *c, int64_t since, int64_t until,
             struct order_profit_row **days, int *ndays,
             struct order_profit_row **products, int *nproducts)
{
    struct db_stmt *st;
    int64_t *ids, nitems_all = 0, norders = 0;
    int nids = 0, rc;

    *ndays = *nproducts = 0;
    *days = *products = NULL;
    if (db_get_int(c->db, &nitems_all,
                   "SELECT COUNT(*) FROM order_items i JOIN orders o ON "
                   "o.id = i.order_id WHERE o.user_id = ?",
                   "i", c->user_id) != DB_ROW)
        return err_internal(&c->err, "order: profit failed");
    ids = arena_alloc(c->arena, sizeof(*ids) * ORDER_PROFIT_ORDERS_MAX);
    st = db_query(c->db,
                  "SELECT id FROM orders WHERE user_id = ? AND "
                  "created_at >= ? AND created_at < ? "
                  "ORDER BY created_at DESC, id DESC LIMIT ?",
                  "iiii", c->user_id, since, until,
                  (int64_t)ORDER_PROFIT_ORDERS_MAX);
    if (st == NULL)
        return err_internal(&c->err, "order: profit failed");
    while ((rc = db_step(st)) == DB_ROW)
        ids[nids++] = db_int(st, 0);
    if (rc != DB_DONE)
        return err_internal(&c->err, "order: profit failed");
    /* a day and a product have at most one row per item (each item has
     * one currency) and one for the prints without an item */
    norders = nids;
    *days = arena_alloc(c->arena, sizeof(**days) *
                                      (size_t)(nitems_all + norders + 1));
    *products = arena_alloc(c->arena, sizeof(**products) *
                                          (size_t)(nitems_all + norders + 2));
    for (int k = 0; k < nids; k++) {
        struct order o;
        struct job_filter f;
        struct job *js = NULL;
        const char *receipt, *ocur;
        int64_t day, *rev;
        int n = 0;

        if (order_get(c, ids[k], &o) < 0)
            return -1;
        day = o.created_at - o.created_at % 86400;
        receipt = o.currency;
        ocur = order_currency(c, &o, receipt);
        if (ocur == NULL) /* mixed: a print without an item is the farm's */
            ocur = c->conf->currency;
        rev = arena_alloc(c->arena, sizeof(*rev) * (size_t)(o.nitems + 1));
        item_revenues(c, &o, receipt, rev);
        memset(&f, 0, sizeof(f));
        f.order_id = o.id;
        if (o.nprints > 0 &&
            (job_list(c, &f, o.nprints, 0, &js, &n) < 0 ||
             job_costs(c, js, n) < 0))
            return -1;
        for (int i = 0; i < o.nitems; i++) {
            const struct order_item *it = &o.items[i];
            const char *cur = item_currency(c, it);

            profit_row(*days, ndays, day, cur)->revenue += rev[i];
            profit_row(*products, nproducts,
                       it->product_id == DB_NULL ? 0 : it->product_id, cur)
                ->revenue += rev[i];
        }
        for (int i = 0; i < n; i++) {
            const char *cur = ocur;
            int64_t key = 0;

            if (strcmp(js[i].status, "cancelled") == 0 &&
                js[i].started_at == DB_NULL)
                continue;
            for (int t = 0; t < o.nitems; t++)
                if (o.items[t].id == js[i].order_item_id) {
                    cur = item_currency(c, &o.items[t]);
                    if (o.items[t].product_id != DB_NULL)
                        key = o.items[t].product_id;
                }
            profit_row(*days, ndays, day, cur)->cost += js[i].total_cost;
            profit_row(*products, nproducts, key, cur)->cost +=
                js[i].total_cost;
        }
    }
    for (int i = 0; i < *ndays; i++) {
        struct order_profit_row *d = &(*days)[i];

        d->profit = strcmp(d->currency, c->conf->currency) == 0
                        ? d->revenue - d->cost
                        : DB_NULL;
    }
    for (int i = 0; i < *nproducts; i++) {
        struct order_profit_row *p = &(*products)[i];
        struct product prod;

        p->profit = strcmp(p->currency, c->conf->currency) == 0
                        ? p->revenue - p->cost
                        : DB_NULL;
        if (p->key != 0 && product_get(c, p->key, &prod) == 0)
            p->name = prod.name;
        err_clear(&c->err); /* a product deleted meanwhile: no name */
    }
    qsort(*days, (size_t)*ndays, sizeof(**days), profit_cmp);
    qsort(*products, (size_t)*nproducts, sizeof(**products), profit_cmp);
    return 0;
}

/* Print names stay within what a print accepts. */
#define PRINT_NAME_MAX 200

void
order_init(struct order *o)
{
    memset(o, 0, sizeof(*o));
    o->source = "manual";
    o->discount = DB_NULL;
    o->revenue = o->cost = o->profit = DB_NULL;
}

static void
order_row(struct ctx *c, struct db_stmt *st, struct order *o)
{
    struct arena *a = c->arena;

    memset(o, 0, sizeof(*o));
    o->id = db_int(st, 0);
    o->source = arena_strdup(a, db_text(st, 1));
    o->external_id = arena_strdup(a, db_text(st, 2));
    o->buyer = arena_strdup(a, db_text(st, 3));
    o->status = arena_strdup(a, db_text(st, 4));
    o->created_at = db_int(st, 5);
    o->updated_at = db_int(st, 6);
    o->discount = db_int(st, 7);
    o->currency = arena_strdup(a, db_text(st, 8));
    o->revenue = o->cost = o->profit = DB_NULL;
}

/* Loads o's items (by id) and print ids (ascending). */
static int
load_children(struct ctx *c, struct order *o)
{
    struct db_stmt *st;
    int64_t count = 0;
    int rc = DB_DONE;

    if (db_get_int(c->db, &count,
                   "SELECT COUNT(*) FROM order_items WHERE order_id = ?", "i",
                   o->id) != DB_ROW)
        return err_internal(&c->err, "order: count items failed");
    o->items = arena_alloc(c->arena, sizeof(*o->items) * (size_t)(count + 1));
    o->nitems = 0;
    st = db_query(c->db,
                  "SELECT id, title, sku, etsy_listing_id, quantity, "
                  "product_id, price, variations, color, material_type, "
                  "etsy_variant_id, currency "
                  "FROM order_items WHERE order_id = ? "
                  "ORDER BY id",
                  "i", o->id);
    if (st == NULL)
        return err_internal(&c->err, "order: items failed");
    while (o->nitems < count && (rc = db_step(st)) == DB_ROW) {
        struct order_item *it = &o->items[o->nitems++];

        it->id = db_int(st, 0);
        it->title = arena_strdup(c->arena, db_text(st, 1));
        it->sku = arena_strdup(c->arena, db_text(st, 2));
        it->etsy_listing_id = db_int(st, 3);
        it->quantity = db_int(st, 4);
        it->product_id = db_int(st, 5);
        it->price = db_int(st, 6);
        it->variations = arena_strdup(c->arena, db_text(st, 7));
        it->color = arena_strdup(c->arena, db_text(st, 8));
        it->material_type = arena_strdup(c->arena, db_text(st, 9));
        it->etsy_variant_id = db_int(st, 10);
        it->currency = arena_strdup(c->arena, db_text(st, 11));
    }
    db_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return err_internal(&c->err, "order: items failed");

    if (job_order_prints(c, o->id, &o->print_ids, &o->nprints) < 0)
        return -1;
    return 0;
}

int
order_list(struct ctx *c, int64_t limit, int64_t offset, struct order **out,
           int *n)
{
    struct db_stmt *st = db_query(c->db,
                                  "SELECT " ORDER_COLS " FROM orders "
                                  "WHERE user_id = ? "
                                  "ORDER BY created_at DESC, id DESC "
                                  "LIMIT ? OFFSET ?",
                                  "iii", c->user_id, limit, offset);
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)limit);
    if (st == NULL)
        return err_internal(&c->err, "order: list failed");
    while ((rc = db_step(st)) == DB_ROW)
        order_row(c, st, &(*out)[(*n)++]);
    if (rc != DB_DONE)
        return err_internal(&c->err, "order: list failed");
    /* children after the list statement is finished */
    for (int i = 0; i < *n; i++)
        if (load_children(c, &(*out)[i]) < 0)
            return -1;
    return 0;
}

int
order_get(struct ctx *c, int64_t id, struct order *o)
{
    struct db_stmt *st = db_query(c->db,
                                  "SELECT " ORDER_COLS " FROM orders "
                                  "WHERE id = ? AND user_id = ?",
                                  "ii", id, c->user_id);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "order: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "no such order");
    if (rc != DB_ROW)
        return err_internal(&c->err, "order: select failed");
    order_row(c, st, o);
    db_done(st);
    return load_children(c, o);
}

int
order_owned(struct ctx *c, int64_t id)
{
    int64_t one = 0;
    int rc = db_get_int(c->db, &one,
                        "SELECT 1 FROM orders WHERE id = ? AND user_id = ?",
                        "ii", id, c->user_id);

    if (rc == DB_ERROR)
        return err_internal(&c->err, "order: lookup failed");
    return rc == DB_ROW;
}

int
order_item_in(struct ctx *c, int64_t item, int64_t order)
{
    int64_t one = 0;
    int rc = db_get_int(c->db, &one,
                        "SELECT 1 FROM order_items WHERE id = ? "
                        "AND order_id = ?",
                        "ii", item, order);

    if (rc == DB_ERROR)
        return err_internal(&c->err, "order: item lookup failed");
    return rc == DB_ROW;
}

int
order_items_unmatch_product(struct ctx *c, int64_t product_id)
{
    /* The schema says ON DELETE SET NULL; saying it here too keeps the
     * rule when a backend runs without foreign-key enforcement. */
    if (db_exec(c->db,
                "UPDATE order_items SET product_id = NULL "
                "WHERE product_id = ?",
                "i", product_id) != DB_DONE)
        return err_internal(&c->err, "order: unmatch failed");
    if (db_exec(c->db, "DELETE FROM listing_maps WHERE product_id = ?", "i",
                product_id) != DB_DONE)
        return err_internal(&c->err, "order: unmap failed");
    return 0;
}

int
order_item_map(struct ctx *c, int64_t order_id, int64_t item_id,
               int64_t product_id)
{
    struct db_stmt *st;
    int64_t listing, variant, *prints;
    int rc, nprints;

    if ((rc = order_owned(c, order_id)) <= 0)
        return rc < 0 ? -1 : err_set(&c->err, ERR_NOT_FOUND, "no such order");
    if ((rc = product_owned(c, product_id)) <= 0)
        return rc < 0 ? -1
                      : err_field(&c->err, "product_id",
                                  "is not one of your products");
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "order: begin failed");
    /* under the write lock: a schedule that committed first is seen, and
     * its prints were made from the products the items had then */
    if (job_order_prints(c, order_id, &prints, &nprints) < 0) {
        db_rollback(c->db);
        return -1;
    }
    if (nprints > 0) {
        db_rollback(c->db);
        return err_set(&c->err, ERR_CONFLICT,
                       "order %lld already has %d print%s scheduled; its "
                       "items can no longer be mapped to another product",
                       (long long)order_id, nprints, nprints == 1 ? "" : "s");
    }
    st = db_query(c->db,
                  "SELECT etsy_listing_id, etsy_variant_id FROM order_items "
                  "WHERE id = ? AND order_id = ?",
                  "ii", item_id, order_id);
    if (st == NULL)
        goto fail;
    rc = db_step(st);
    if (rc == DB_DONE) {
        db_done(st);
        db_rollback(c->db);
        return err_set(&c->err, ERR_NOT_FOUND, "no such item");
    }
    if (rc != DB_ROW) {
        db_done(st);
        goto fail;
    }
    listing = db_int(st, 0);
    variant = db_int(st, 1);
    db_done(st);
    if (variant == DB_NULL || variant < 0)
        variant = 0;
    if (db_exec(c->db, "UPDATE order_items SET product_id = ? WHERE id = ?",
                "ii", product_id, item_id) != DB_DONE)
        goto fail;
    if (listing != DB_NULL &&
        db_exec(c->db,
                "INSERT INTO listing_maps (user_id, etsy_listing_id, "
                "etsy_variant_id, product_id, created_at) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, etsy_listing_id, etsy_variant_id) "
                "DO UPDATE SET product_id = excluded.product_id, "
                "created_at = excluded.created_at",
                "iiiii", c->user_id, listing, variant, product_id,
                c->now) != DB_DONE)
        goto fail;
    if (db_exec(c->db, "UPDATE orders SET updated_at = ? WHERE id = ?", "ii",
                c->now, order_id) != DB_DONE)
        goto fail;
    if (db_commit(c->db) < 0)
        return err_internal(&c->err, "order: commit failed");
    return 0;
fail:
    db_rollback(c->db);
    return err_internal(&c->err, "order: map failed");
}

/* The variant an item carries, 0 when none (listing_maps' "any"). */
static int64_t
variant_of(const struct order_item *it)
{
    return it->etsy_variant_id > 0 ? it->etsy_variant_id : 0;
}

/* The user's product remembered for listing and variant (0: the
 * variant-less mapping); DB_NULL when none, -1 on error. */
static int64_t
remembered(struct ctx *c, int64_t listing, int64_t variant)
{
    int64_t id = DB_NULL;
    int rc = db_get_int(c->db, &id,
                        "SELECT product_id FROM listing_maps "
                        "WHERE user_id = ? AND etsy_listing_id = ? "
                        "AND etsy_variant_id = ?",
                        "iii", c->user_id, listing, variant);

    if (rc == DB_ROW)
        return id;
    if (rc != DB_DONE)
        return err_internal(&c->err, "order: mapping lookup failed");
    return DB_NULL;
}

/* The product item it matches: by SKU, then a remembered mapping of its
 * listing and variant, then one of its listing, then a product's own
 * listing id. DB_NULL when none, -1 on error. */
static int64_t
item_match(struct ctx *c, const struct order_item *it)
{
    int64_t id;

    if (it->sku != NULL &&
        (id = product_match(c, it->sku, DB_NULL)) != DB_NULL)
        return id;
    if (it->etsy_listing_id == DB_NULL)
        return DB_NULL;
    if (variant_of(it) != 0 &&
        (id = remembered(c, it->etsy_listing_id, variant_of(it))) != DB_NULL)
        return id;
    if ((id = remembered(c, it->etsy_listing_id, 0)) != DB_NULL)
        return id;
    return product_match(c, NULL, it->etsy_listing_id);
}

/* Sets it->product_id from the item's product_id (which must be the
 * user's: 422 naming items[i].product_id), else its SKU, else its listing
 * id; DB_NULL when nothing matches. 0 or -1. */
static int
match_item(struct ctx *c, int i, struct order_item *it)
{
    int64_t id;
    int rc;

    if (it->product_id != DB_NULL) {
        rc = product_owned(c, it->product_id);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return err_field(&c->err,
                             arena_printf(c->arena, "items[%d].product_id", i),
                             "is not one of your products");
        return 0;
    }
    id = item_match(c, it);
    if (id == -1)
        return -1;
    it->product_id = id;
    return 0;
}

/* Checks o and its items with the field tables (an item's bad field is
 * named "items[i].<key>", as the API names it) and the item count. 0, or
 * -1 with every bad field in c->err. */
static int
check_order(struct ctx *c, struct order *o)
{
    struct ctx sub;

    bind_check(c, order_fields, o);
    if (err_is_set(&c->err) && c->err.kind != ERR_VALIDATION)
        return -1;
    if (o->nitems < 1 || o->nitems > ORDER_ITEMS_MAX)
        err_field(&c->err, "items", "must hold 1 to %d items",
                  ORDER_ITEMS_MAX);
    for (int i = 0; i < o->nitems; i++) {
        sub = *c;
        err_clear(&sub.err);
        if (bind_check(&sub, order_item_fields, &o->items[i]) == 0)
            continue;
        if (sub.err.kind != ERR_VALIDATION) {
            c->err = sub.err;
            return -1;
        }
        for (int k = 0; k < sub.err.nfields; k++)
            err_field(&c->err,
                      arena_printf(c->arena, "items[%d].%s", i,
                                   sub.err.fields[k].name),
                      "%s", sub.err.fields[k].msg);
    }
    return err_is_set(&c->err) ? -1 : 0;
}

/* Matches every item (inside the caller's transaction). 0 or -1. */
static int
match_items(struct ctx *c, struct order *o)
{
    for (int i = 0; i < o->nitems; i++)
        if (match_item(c, i, &o->items[i]) < 0 && c->err.kind != ERR_VALIDATION)
            break;
    return err_is_set(&c->err) ? -1 : 0;
}

/* Inserts o's items under order id, filling in their ids. 0 or -1. */
static int
insert_items(struct ctx *c, int64_t id, struct order *o)
{
    for (int i = 0; i < o->nitems; i++) {
        struct order_item *it = &o->items[i];

        if (db_get_int(c->db, &it->id,
                       "INSERT INTO order_items (order_id, title, sku, "
                       "etsy_listing_id, quantity, product_id, price) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "ittiiii", id, it->title, it->sku,
                       it->etsy_listing_id, it->quantity, it->product_id,
                       it->price) != DB_ROW)
            return err_internal(&c->err, "order: item insert failed");
    }
    return 0;
}

static int
duplicate(struct ctx *c, const struct order *o)
{
    return err_set(&c->err, ERR_CONFLICT,
                   "an order from %s with external_id %s already exists",
                   o->source, o->external_id);
}

int64_t
order_create(struct ctx *c, struct order *o)
{
    int64_t id = 0;
    int rc;

    if (check_order(c, o) < 0)
        return -1;
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "order: begin failed");
    if (match_items(c, o) < 0) {
        db_rollback(c->db);
        return -1;
    }
    rc = db_get_int(c->db, &id,
                    "INSERT INTO orders (user_id, source, external_id, buyer, "
                    "status, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, 'open', ?, ?) RETURNING id",
                    "itttii", c->user_id, o->source, o->external_id, o->buyer,
                    c->now, c->now);
    if (rc == DB_CONSTRAINT) {
        db_rollback(c->db);
        return duplicate(c, o);
    }
    if (rc != DB_ROW || insert_items(c, id, o) < 0 || db_commit(c->db) < 0) {
        db_rollback(c->db);
        return err_internal(&c->err, "order: insert failed");
    }
    o->id = id;
    return id;
}

/* The update under the write lock: the order is read again so a schedule
 * that committed in between is seen. */
static int
update_locked(struct ctx *c, struct order *o)
{
    struct order now;
    int rc;

    if (order_get(c, o->id, &now) < 0)
        return -1;
    if (now.nprints > 0 || strcmp(now.status, "open") != 0)
        return err_set(&c->err, ERR_CONFLICT,
                       "order %lld is %s; only an open order without prints "
                       "can be edited",
                       (long long)o->id, now.status);
    o->source = now.source; /* an edit does not move an order's shop */
    if (match_items(c, o) < 0)
        return -1;
    rc = db_exec(c->db,
                 "UPDATE orders SET external_id = ?, buyer = ?, "
                 "updated_at = ? WHERE id = ? AND user_id = ?",
                 "ttiii", o->external_id, o->buyer, c->now, o->id,
                 c->user_id);
    if (rc == DB_CONSTRAINT)
        return duplicate(c, o);
    if (rc != DB_DONE ||
        db_exec(c->db, "DELETE FROM order_items WHERE order_id = ?", "i",
                o->id) != DB_DONE ||
        insert_items(c, o->id, o) < 0)
        return err_internal(&c->err, "order: update failed");
    return 0;
}

int
order_update(struct ctx *c, struct order *o)
{
    if (check_order(c, o) < 0)
        return -1;
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "order: begin failed");
    if (update_locked(c, o) < 0) {
        db_rollback(c->db);
        return -1;
    }
    if (db_commit(c->db) < 0)
        return err_internal(&c->err, "order: commit failed");
    return 0;
}

/* "name #k of qty" without the "of": the product's name, cut at a
 * character boundary so the suffix still fits. */
static const char *
print_name(struct ctx *c, const char *name, int64_t k, int64_t qty)
{
    char suffix[32];
    size_t len = strlen(name), max, chars = 0, cut = 0;

    if (qty <= 1)
        suffix[0] = '\0';
    else
        snprintf(suffix, sizeof(suffix), " #%lld", (long long)k);
    max = PRINT_NAME_MAX - strlen(suffix);
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)name[i] & 0xC0) != 0x80) {
            if (chars == max) {
                cut = i;
                break;
            }
            chars++;
        }
    if (chars < max || cut == 0)
        cut = len;
    return arena_printf(c->arena, "%.*s%s", (int)cut, name, suffix);
}

/* Checks that every item has a product whose file still exists (matching
 * unmatched items again and saving what is found) and loads the products
 * into prods. Adds one 422 field per bad item. 0 or -1. */
static int
check_items(struct ctx *c, struct order *o, struct product *prods)
{
    int64_t units = 0;

    for (int i = 0; i < o->nitems; i++) {
        struct order_item *it = &o->items[i];
        const char *key = arena_printf(c->arena, "items[%d].product_id", i);
        int rc;

        if (it->product_id == DB_NULL) {
            int64_t id = item_match(c, it);

            if (id == -1)
                return -1;
            if (id != DB_NULL &&
                db_exec(c->db,
                        "UPDATE order_items SET product_id = ? WHERE id = ?",
                        "ii", id, it->id) != DB_DONE)
                return err_internal(&c->err, "order: rematch failed");
            it->product_id = id;
        }
        if (it->product_id == DB_NULL) {
            err_field(&c->err, key,
                      "has no product; create a product with "
                      "this SKU or listing id first");
            continue;
        }
        if (product_get(c, it->product_id, &prods[i]) < 0)
            return -1;
        rc = printfile_exists(c, prods[i].file);
        if (rc < 0)
            return -1;
        if (rc == 0)
            err_field(&c->err, key, "product's file %s is not in your library",
                      prods[i].file);
        units += it->quantity;
    }
    if (units > ORDER_PRINTS_MAX)
        err_field(&c->err, "items",
                  "would make %lld prints; at most %d at "
                  "once",
                  (long long)units, ORDER_PRINTS_MAX);
    return err_is_set(&c->err) ? -1 : 0;
}

static int
schedule_locked(struct ctx *c, struct order *o, int64_t printer_id,
                int64_t start_at, int64_t gap_minutes, int64_t **ids, int *n)
{
    struct product *prods;
    int64_t prev = DB_NULL, units = 0;
    int rc;

    if (strcmp(o->status, "cancelled") == 0)
        return err_set(&c->err, ERR_CONFLICT, "order %lld is cancelled",
                       (long long)o->id);
    if (o->nprints > 0)
        return err_set(&c->err, ERR_CONFLICT, "order %lld already has prints",
                       (long long)o->id);
    if (printer_id != DB_NULL) {
        rc = printer_owned(c, printer_id);
        if (rc < 0)
            return -1;
        if (rc == 0)
            err_field(&c->err, "printer_id", "is not one of your printers");
    }
    prods = arena_alloc(c->arena, sizeof(*prods) * (size_t)(o->nitems + 1));
    if (check_items(c, o, prods) < 0 || err_is_set(&c->err))
        return -1;
    for (int i = 0; i < o->nitems; i++)
        units += o->items[i].quantity;
    *ids = arena_alloc(c->arena, sizeof(**ids) * (size_t)(units + 1));
    *n = 0;
    for (int i = 0; i < o->nitems; i++) {
        const struct order_item *it = &o->items[i];
        const struct product *p = &prods[i];

        for (int64_t k = 1; k <= it->quantity; k++) {
            struct job j;
            int64_t id;

            job_init(&j);
            j.printer_id = printer_id;
            j.name = print_name(c, p->name, k, it->quantity);
            j.file = p->file;
            j.plate = p->plate;
            j.estimated_minutes = p->estimated_minutes;
            j.grams = p->grams;
            /* the item's colour / material variation wins */
            j.material_type =
                it->material_type ? it->material_type : p->material_type;
            j.color = it->color ? it->color : p->color;
            j.nozzle_temp = p->nozzle_temp;
            j.bed_temp = p->bed_temp;
            j.speed_level = p->speed_level;
            j.material_slot = p->material_slot;
            j.order_id = o->id;
            j.order_item_id = it->id;
            if (prev == DB_NULL) {
                j.scheduled_at = start_at;
            } else {
                j.chain_after_id = prev;
                j.chain_offset_minutes = gap_minutes;
            }
            id = job_create(c, &j);
            if (id < 0)
                return -1;
            (*ids)[(*n)++] = prev = id;
        }
    }
    if (db_exec(c->db,
                "UPDATE orders SET status = 'scheduled', updated_at = ? "
                "WHERE id = ? AND user_id = ?",
                "iii", c->now, o->id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "order: status update failed");
    return 0;
}

int
order_schedule(struct ctx *c, int64_t order_id, int64_t printer_id,
               int64_t start_at, int64_t gap_minutes, int64_t **ids, int *n)
{
    struct order o;

    *ids = NULL;
    *n = 0;
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "order: begin failed");
    /* read under the write lock: two schedule calls cannot both see an
     * order without prints */
    if (order_get(c, order_id, &o) < 0 ||
        schedule_locked(c, &o, printer_id, start_at, gap_minutes, ids, n) < 0) {
        db_rollback(c->db);
        *ids = NULL;
        *n = 0;
        return -1;
    }
    if (db_commit(c->db) < 0) {
        *ids = NULL;
        *n = 0;
        return err_internal(&c->err, "order: commit failed");
    }
    return 0;
}

/* --- Etsy transactions ---------------------------------------------------- */

int
order_txn_find(struct ctx *c, const char *txn, struct order_txn *t)
{
    struct db_stmt *st = db_query(
        c->db,
        "SELECT i.id, i.order_id, o.external_id, i.quantity, i.price, "
        "i.currency FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE i.user_id = ? AND i.etsy_transaction_id = ?",
        "it", c->user_id, txn);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "order: transaction lookup failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "order: transaction lookup failed");
    t->item_id = db_int(st, 0);
    t->order_id = db_int(st, 1);
    t->external_id = arena_strdup(c->arena, db_text(st, 2));
    t->quantity = db_int(st, 3);
    t->price = db_int(st, 4);
    t->currency = arena_strdup(c->arena, db_text(st, 5));
    db_done(st);
    return 1;
}

int64_t
order_etsy_find(struct ctx *c, const char *external_id, const char **status,
                int *nprints, const char **currency)
{
    struct db_stmt *st = db_query(
        c->db,
        "SELECT o.id, o.status, coalesce(o.currency, "
        "(SELECT i.currency FROM order_items i WHERE i.order_id = o.id "
        "AND i.price IS NOT NULL AND i.currency IS NOT NULL "
        "ORDER BY i.id LIMIT 1)) FROM orders o "
        "WHERE o.user_id = ? AND o.source = 'etsy' AND o.external_id = ?",
        "it", c->user_id, external_id);
    int64_t id, *ids;
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "order: lookup failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "order: lookup failed");
    id = db_int(st, 0);
    *status = arena_strdup(c->arena, db_text(st, 1));
    if (currency != NULL)
        *currency = arena_strdup(c->arena, db_text(st, 2));
    db_done(st);
    if (job_order_prints(c, id, &ids, nprints) < 0)
        return -1;
    return id;
}

int64_t
order_etsy_insert(struct ctx *c, const struct order_receipt *rc)
{
    int64_t id = 0;

    if (db_get_int(c->db, &id,
                   "INSERT INTO orders (user_id, source, external_id, buyer, "
                   "status, created_at, updated_at, discount, currency, "
                   "etsy_shop_id, etsy_checked_at) "
                   "VALUES (?, 'etsy', ?, ?, 'open', ?, ?, ?, ?, ?, ?) "
                   "RETURNING id",
                   "ittiiitii", c->user_id, rc->external_id, rc->buyer,
                   c->now, c->now, rc->discount, rc->currency,
                   rc->etsy_shop_id,
                   rc->etsy_shop_id == DB_NULL ? DB_NULL : c->now) != DB_ROW)
        return err_internal(&c->err, "order: insert failed");
    return id;
}

int
order_etsy_stale(struct ctx *c, int64_t etsy_shop_id, int64_t before, int max,
                 struct order_recheck **out, int *n)
{
    struct db_stmt *st = db_query(
        c->db,
        "SELECT id, external_id FROM orders WHERE user_id = ? "
        "AND source = 'etsy' AND external_id IS NOT NULL "
        "AND status NOT IN ('cancelled', 'printed') "
        "AND (etsy_shop_id = ? OR etsy_shop_id IS NULL) "
        "AND (etsy_checked_at IS NULL OR etsy_checked_at <= ?) "
        "ORDER BY coalesce(etsy_checked_at, -1), id LIMIT ?",
        "iiii", c->user_id, etsy_shop_id, before, (int64_t)max);
    int rc = DB_DONE;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)(max + 1));
    if (st == NULL)
        return err_internal(&c->err, "order: stale lookup failed");
    while (*n < max && (rc = db_step(st)) == DB_ROW) {
        (*out)[*n].id = db_int(st, 0);
        (*out)[(*n)++].external_id = arena_strdup(c->arena, db_text(st, 1));
    }
    db_done(st);
    if (*n < max && rc != DB_DONE)
        return err_internal(&c->err, "order: stale lookup failed");
    return 0;
}

int
order_etsy_read(struct ctx *c, int64_t order_id, int64_t etsy_shop_id,
                int found)
{
    if (db_exec(c->db,
                "UPDATE orders SET etsy_checked_at = ?, etsy_shop_id = "
                "CASE WHEN ? = 1 THEN coalesce(etsy_shop_id, ?) "
                "ELSE etsy_shop_id END WHERE id = ? AND user_id = ?",
                "iiiii", c->now, (int64_t)(found != 0), etsy_shop_id,
                order_id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "order: read record failed");
    return 0;
}

int64_t
order_txn_insert(struct ctx *c, int64_t order_id, const struct order_item *it,
                 const char *txn, int64_t price, const char *currency)
{
    int64_t id = 0, product = item_match(c, it);
    int rc;

    if (product == -1)
        return -1;
    rc = db_get_int(c->db, &id,
                    "INSERT INTO order_items (order_id, title, sku, "
                    "etsy_listing_id, quantity, product_id, user_id, "
                    "etsy_transaction_id, price, currency, variations, "
                    "color, material_type, etsy_variant_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING id",
                    "ittiiiititttti", order_id, it->title, it->sku,
                    it->etsy_listing_id, it->quantity, product, c->user_id,
                    txn, price, currency, it->variations, it->color,
                    it->material_type,
                    variant_of(it) ? variant_of(it) : DB_NULL);
    if (rc == DB_CONSTRAINT)
        return err_set(&c->err, ERR_CONFLICT,
                       "transaction %s was already imported", txn);
    if (rc != DB_ROW)
        return err_internal(&c->err, "order: item insert failed");
    return id;
}

int
order_txn_update(struct ctx *c, const struct order_txn *t, int64_t quantity,
                 int64_t price, const char *currency)
{
    if (db_exec(c->db,
                "UPDATE order_items SET quantity = ?, price = ?, currency = ? "
                "WHERE id = ? AND user_id = ?",
                "iitii", quantity, price, currency, t->item_id,
                c->user_id) != DB_DONE ||
        db_exec(c->db,
                "UPDATE orders SET updated_at = ? WHERE id = ? AND user_id = ?",
                "iii", c->now, t->order_id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "order: item update failed");
    return 0;
}

int
order_etsy_cancel(struct ctx *c, int64_t order_id)
{
    int64_t *ids;
    int n;

    if (db_exec(c->db,
                "UPDATE orders SET status = 'cancelled', updated_at = ? "
                "WHERE id = ? AND user_id = ? AND status <> 'cancelled'",
                "iii", c->now, order_id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "order: cancel failed");
    if (db_changes(c->db) == 0)
        return 0;
    if (job_order_prints(c, order_id, &ids, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (job_cancel(c, ids[i]) == 0)
            continue;
        if (c->err.kind != ERR_CONFLICT) /* started or ended: it stays */
            return -1;
        err_clear(&c->err);
    }
    return 1;
}
