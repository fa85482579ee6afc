/*
 * order — a user's shop orders (Etsy or manual) and their line items, and
 * turning an order into prints. Every query is scoped to c->user_id, so
 * another user's order is "not found".
 *
 * Invariants: an item's product_id, when set, is one of the user's
 * products (matched by product_id, then SKU, then Etsy listing id). An
 * order is scheduled at most once: all of its prints are created in one
 * transaction, or none are. source + external_id is unique per user.
 */
#ifndef ORDER_H
#define ORDER_H

#include <stdint.h>

#include "base/bind.h"

struct ctx;

#define ORDER_ITEMS_MAX 100
#define ORDER_QUANTITY_MAX 1000
/* Prints one schedule call may create (items x quantity). */
#define ORDER_PRINTS_MAX 1000

#define ORDER_EXTERNAL_ID_MAX 64 /* characters */
#define ORDER_BUYER_MAX 200
#define ORDER_TITLE_MAX 200
#define ORDER_SKU_MAX 64
#define ORDER_VARIATIONS_MAX 2000 /* characters of a CSV Variations cell */
#define ORDER_PRICE_MAX 100000000 /* an item's unit price, minor units */
#define ORDER_GAP_MAX 10080 /* minutes between scheduled prints: a week */

extern const char *const order_sources[]; /* NULL-terminated */

struct order_item {
    int64_t id;
    const char *title, *sku; /* sku: NULL when none */
    int64_t etsy_listing_id; /* DB_NULL when none */
    int64_t quantity;
    int64_t product_id; /* DB_NULL: not matched */
    int64_t price;      /* unit price, minor units; DB_NULL: none */
    /* Etsy variations as text ("Primary color: Red; Size: L") and what a
     * colour or material variation asked for (#RRGGBB, a material type):
     * set, they win over the product's for the item's prints. NULL when
     * none. */
    const char *variations, *color, *material_type;
    /* Etsy's variant of the listing (the transaction's product_id): 0 or
     * DB_NULL when none. */
    int64_t etsy_variant_id;
    /* price's currency (ISO 4217); NULL: the farm's (conf->currency), as
     * for items typed in by hand */
    const char *currency;
};

struct order {
    int64_t id;
    const char *source, *external_id, *buyer, *status;
    int64_t created_at, updated_at;
    struct order_item *items;
    int nitems;
    int64_t *print_ids; /* the order's prints, ascending (chain order) */
    int nprints;
    /* The receipt's discount (minor units, DB_NULL: none) and currency.
     * currency as loaded is the receipt's (NULL: none); order_money sets
     * it to the currency of the items' prices, discount, revenue and
     * profit, or NULL when the items' currencies differ. */
    int64_t discount;
    const char *currency;
    /* Filled by order_money (DB_NULL until then): revenue and profit in
     * currency, cost in cost_currency (the farm's, which every print cost
     * is in). */
    int64_t revenue, cost, profit;
    const char *cost_currency;
};

/* What scheduling an order takes besides its id (order_schedule). */
struct order_schedule_in {
    int64_t printer_id, start_at, gap_minutes;
};

/* The rules of an order's own fields, of one item's and of a schedule
 * request: the API and the dashboard bind with them, order_create and
 * order_update check with them (bind_check). */
extern const struct field order_fields[];
extern const struct field order_item_fields[];
extern const struct field order_schedule_fields[];
/* The body of mapping an item to a product: {"product_id": id}. */
struct order_item_map_in {
    int64_t product_id;
};
extern const struct field order_item_map_fields[];

/* Defaults for a new order: source "manual", no items. */
void order_init(struct order *o);

/* The user's orders newest first, each with its items and print ids, from
 * the arena. 0 or -1. */
int order_list(struct ctx *c, int64_t limit, int64_t offset, struct order **out,
               int *n);

/* Loads one of the user's orders with its items and print ids: 0, or -1
 * with 404. */
int order_get(struct ctx *c, int64_t id, struct order *o);

/* 1 when id is one of the user's orders, 0 when not, -1 on error. */
int order_owned(struct ctx *c, int64_t id);

/* 1 when item is an item of order, 0 when not, -1 on error. */
int order_item_in(struct ctx *c, int64_t item, int64_t order);

/* Items matched to product_id lose the match (the product is going away).
 * 0, or -1 on error. */
int order_items_unmatch_product(struct ctx *c, int64_t product_id);

/* Matches each item of o to a product (product_id, else SKU, else listing
 * id; a product_id that is not the user's is a 422 naming
 * "items[i].product_id"), then inserts the order and its items in one
 * transaction. Fills in each item's product_id. The id, or -1 (422; 409
 * when source + external_id already exists). */
int64_t order_create(struct ctx *c, struct order *o);

/* Replaces the order's external_id, buyer and items (matched again as in
 * order_create), in one transaction. Only while the order has no prints:
 * 409 once it is scheduled or cancelled. 0, or -1 (404, 409, 422). */
int order_update(struct ctx *c, struct order *o);

/* Creates one print per unit of every item of the order, chained one
 * after another (gap_minutes apart), the first at start_at (DB_NULL:
 * queued), all on printer_id (DB_NULL: any suitable printer), and marks
 * the order scheduled — in one transaction. Items without a product are
 * matched again first. Fails with 404 (unknown order), 409 (the order
 * already has prints or is cancelled), 422 (printer_id not the user's;
 * items without a product, each named "items[i].product_id") and creates
 * nothing. On success *ids (arena) holds the new print ids in chain order.
 * 0 or -1. */
int order_schedule(struct ctx *c, int64_t order_id, int64_t printer_id,
                   int64_t start_at, int64_t gap_minutes, int64_t **ids,
                   int *n);

/* What o earned. Its currency is its items' (an item without one is in
 * the farm's currency, c->conf->currency) and the receipt's. revenue: the
 * sum of price x quantity over the items that have a price, less the
 * discount, never below 0; DB_NULL when no item has a price or when the
 * currencies differ (then currency is NULL: amounts of different
 * currencies are never added). cost: the sum of its prints' total_cost
 * (job_order_cost), in the farm's currency (cost_currency). profit:
 * revenue - cost, DB_NULL with the revenue and whenever currency is not
 * the farm's (a cost cannot be taken from another currency). 0 or -1. */
int order_money(struct ctx *c, struct order *o);

/* Profit of the user's orders received in [since, until) (at most
 * ORDER_PROFIT_ORDERS_MAX of them, the newest): per UTC day received (key:
 * the day's start) and per product (key: product id, name; items without a
 * product under key 0, name NULL), one row per currency of each: money of
 * different currencies is never added. An item's revenue is its price x
 * quantity less its share of the order's discount (shared in proportion
 * to the items' price x quantity, rounded down, the rest to the order's
 * last priced item), in the item's currency; a print's total_cost
 * (always in the farm's currency) counts in the row of its item's product
 * and currency (a print without an item: key 0, the order's currency).
 * profit is revenue - cost in rows of the farm's currency, DB_NULL in the
 * others. Prints cancelled before they started count nothing. Rows by
 * key, then currency, ascending, from the arena. 0 or -1. */
#define ORDER_PROFIT_ORDERS_MAX 2000
struct order_profit_row {
    int64_t key;
    const char *name, *currency;
    int64_t revenue, cost, profit;
};
int order_profit(struct ctx *c, int64_t since, int64_t until,
                 struct order_profit_row **days, int *ndays,
                 struct order_profit_row **products, int *nproducts);

/* --- Etsy transactions (the CSV import, order_import.c) ----------------- */

/* One stored item that carries an Etsy transaction id. */
struct order_txn {
    int64_t item_id, order_id;
    const char *external_id; /* its order's */
    int64_t quantity, price; /* price: minor units, DB_NULL when none */
    const char *currency;    /* NULL when none */
};

/* Maps item item_id of the user's order order_id to the user's product
 * product_id and remembers the mapping for the item's listing (and
 * variant, when known), so later items of that listing match by
 * themselves: by SKU, then listing id plus variant, then listing id, then
 * a product's own etsy_listing_id. 0, or -1 (404 for no such order or
 * item, 422 naming product_id when it is not the user's, 409 when the
 * order already has prints: they were made from the products its items
 * had, and nothing is changed or remembered). */
int order_item_map(struct ctx *c, int64_t order_id, int64_t item_id,
                   int64_t product_id);

/* Looks up the user's item with Etsy transaction id txn: 1 (filled in,
 * strings in the arena), 0 when there is none, -1 on error. */
int order_txn_find(struct ctx *c, const char *txn, struct order_txn *t);

/* The user's Etsy order with this external_id: its id (status in the arena
 * and its print count through the pointers; currency, when not NULL, gets
 * the receipt's currency, else its first priced item's, NULL when none),
 * 0 when there is none, -1 on error. */
int64_t order_etsy_find(struct ctx *c, const char *external_id,
                        const char **status, int *nprints,
                        const char **currency);

/* What an Etsy receipt (or a CSV file's order) brings besides its items. */
struct order_receipt {
    const char *external_id, *buyer; /* buyer: NULL when none */
    int64_t discount;                /* minor units; DB_NULL: none */
    const char *currency;            /* ISO 4217; NULL: none */
    /* Etsy's id of the shop the receipt was read from, DB_NULL for a CSV
     * file: an order read from a shop counts as read at c->now */
    int64_t etsy_shop_id;
};

/* Inserts an open Etsy order (inside the caller's transaction): the id, or
 * -1. */
int64_t order_etsy_insert(struct ctx *c, const struct order_receipt *rc);

/* One order whose receipt is due to be read again (order_etsy_stale). */
struct order_recheck {
    int64_t id;
    const char *external_id; /* the receipt id */
};

/* At most max of the user's Etsy orders that are neither cancelled nor
 * printed, from Etsy shop etsy_shop_id or from no known shop, whose
 * receipt was not read after `before` (never read first, then the least
 * recently read; by id among equals), into *out (arena). 0 or -1. */
int order_etsy_stale(struct ctx *c, int64_t etsy_shop_id, int64_t before,
                     int max, struct order_recheck **out, int *n);

/* The receipt of the user's order order_id was read at c->now from Etsy
 * shop etsy_shop_id: found (1) makes an order of no known shop that
 * shop's; not found (0, Etsy answered 404) only records the read. 0 or
 * -1. */
int order_etsy_read(struct ctx *c, int64_t order_id, int64_t etsy_shop_id,
                    int found);

/* Inserts one item of order_id carrying Etsy transaction txn, its unit
 * price and currency and its variations, color and material_type (inside
 * the caller's transaction), matched to a
 * product by SKU, else listing id, as order_create matches. The id, or -1
 * (409 when the user already has txn). */
int64_t order_txn_insert(struct ctx *c, int64_t order_id,
                         const struct order_item *it, const char *txn,
                         int64_t price, const char *currency);

/* Sets a stored transaction's quantity, price and currency and touches its
 * order's updated_at (inside the caller's transaction). 0 or -1. */
int order_txn_update(struct ctx *c, const struct order_txn *t,
                     int64_t quantity, int64_t price, const char *currency);

/* An Etsy receipt became cancelled or refunded: the user's order becomes
 * cancelled and its prints that have not started are cancelled (each with
 * its print_cancelled event), inside the caller's transaction. 1 when the
 * order changed, 0 when it was cancelled already, -1 on error. */
int order_etsy_cancel(struct ctx *c, int64_t order_id);

#endif
