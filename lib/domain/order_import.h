/*
 * order_import — the user's Etsy "Sold Order Items" CSV export turned into
 * orders. The CSV is pushed in chunks of any size (libcsv parses it, so
 * quoted commas and line breaks inside fields are fields, not separators);
 * order_import_finish() then applies it and reports every data row.
 *
 * The header row names the columns as Etsy does; their order does not
 * matter, a name is matched without case and surrounding blanks, unknown
 * columns are ignored. Required: Order ID, Transaction ID, Item Name,
 * Quantity, Price, Currency. Used when present: Buyer, SKU, Listing ID,
 * Variations (Etsy's "Name:Value,Name:Value", read by variation_add_csv
 * into the item's variations text, colour and material exactly as the API
 * import reads a transaction's variations; stored when the transaction is
 * first imported).
 *
 * Invariants:
 * - Each data row is one order item; rows group into one order per Order ID
 *   (source "etsy", external_id = Order ID, buyer = Buyer).
 * - Idempotent by Transaction ID per user: a transaction already stored is
 *   "unchanged", or "updated" when its quantity, price or currency differ
 *   (the new values are written). Importing a file twice changes nothing.
 * - Each order is all-or-nothing: a refused row refuses every row of its
 *   order, and nothing of that order is written; other orders still are.
 * - Money is integer minor units: "12.5" and "12.50" are 1250.
 */
#ifndef ORDER_IMPORT_H
#define ORDER_IMPORT_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct order_import;

#define ORDER_IMPORT_BYTES_MAX (8 * 1024 * 1024) /* one file */
#define ORDER_IMPORT_ROWS_MAX 10000              /* data rows of one file */

enum order_import_result {
    ORDER_IMPORT_IMPORTED,
    ORDER_IMPORT_UPDATED,
    ORDER_IMPORT_UNCHANGED,
    ORDER_IMPORT_REFUSED,
    ORDER_IMPORT__MAX
};

/* "imported", "updated", "unchanged", "refused", by result. */
extern const char *const order_import_results[];

/* What became of one data row. line is the file's line the row starts on
 * (the header is line 1). Strings in the arena; transaction_id and
 * order_id are NULL when the row had none; reason is NULL unless refused
 * (or updated: what changed). */
struct order_import_row {
    int64_t line;
    const char *transaction_id, *order_id;
    enum order_import_result result;
    const char *reason;
};

struct order_import_report {
    int64_t counts[ORDER_IMPORT__MAX];
    struct order_import_row *rows; /* in file order */
    int nrows;
};

/* An import for c's user; it lives in c's arena (the parser is freed when
 * the arena is reset). Never NULL (out of memory aborts). */
struct order_import *order_import_new(struct ctx *c);

/* Parses n more bytes. 0, or -1 (413 past ORDER_IMPORT_BYTES_MAX, 422 past
 * ORDER_IMPORT_ROWS_MAX); an error sticks. */
int order_import_feed(struct order_import *im, const char *p, size_t n);

/* Ends the file and applies it, one transaction per order, filling in
 * *rep (arena). 0, or -1: 422 when the file is empty or required columns
 * are missing (the message and one field per column name them), 500 when
 * the database fails (an order being written then is rolled back; those
 * written before stay). */
int order_import_finish(struct order_import *im,
                        struct order_import_report *rep);

#endif
