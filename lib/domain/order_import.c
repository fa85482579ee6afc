#include "domain/order_import.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "domain/order.h"
#include "domain/variation.h"
#include "store/db.h"

#include "base/banned.h"

const char *const order_import_results[] = {"imported", "updated", "unchanged",
                                            "refused", NULL};

enum col {
    C_ORDER,
    C_TXN,
    C_NAME,
    C_QTY,
    C_PRICE,
    C_CURRENCY,
    C_REQUIRED, /* the columns before this one are required */
    C_BUYER = C_REQUIRED,
    C_SKU,
    C_LISTING,
    C_VARIATIONS,
    C__MAX
};

static const char *const col_names[C__MAX] = {
    "Order ID", "Transaction ID", "Item Name", "Quantity",   "Price",
    "Currency", "Buyer",          "SKU",       "Listing ID", "Variations",
};

/* One data row as read, then as checked. */
struct rec {
    int64_t line;
    const char *v[C__MAX]; /* NULL: empty or no such column */
    struct order_item item;
    int64_t price;
    enum order_import_result result;
    const char *reason;
};

struct order_import {
    struct ctx *c;
    struct csv_parser p;
    int64_t bytes, line, row_start;
    int header_done, field, too_many;
    int col[C__MAX]; /* field index of each column, -1 when absent */
    const char *v[C__MAX];
    struct rec *recs;
    int nrecs, cap;
};

static void
parser_free(void *p)
{
    csv_free(p);
}

struct order_import *
order_import_new(struct ctx *c)
{
    struct order_import *im = arena_alloc(c->arena, sizeof(*im));

    memset(im, 0, sizeof(*im));
    im->c = c;
    im->line = im->row_start = 1;
    for (int k = 0; k < C__MAX; k++)
        im->col[k] = -1;
    if (csv_init(&im->p, 0) != 0)
        abort();
    arena_on_reset(c->arena, parser_free, &im->p);
    return im;
}

/* s[0..n) without blanks around it, in the arena; NULL when empty. */
static const char *
trimmed(struct arena *a, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n ? arena_strndup(a, s, n) : NULL;
}

static void
on_field(void *s, size_t n, void *ud)
{
    struct order_import *im = ud;
    const char *f = s;

    if (!im->header_done) {
        const char *name;

        if (im->field == 0 && n >= 3 && memcmp(f, "\xEF\xBB\xBF", 3) == 0) {
            f += 3; /* a byte order mark */
            n -= 3;
        }
        name = trimmed(im->c->arena, f, n);
        for (int k = 0; name != NULL && k < C__MAX; k++)
            if (im->col[k] < 0 && strcasecmp(name, col_names[k]) == 0)
                im->col[k] = im->field;
    } else {
        for (int k = 0; k < C__MAX; k++)
            if (im->col[k] == im->field)
                im->v[k] = trimmed(im->c->arena, f, n);
    }
    im->field++;
}

static void
on_row(int ch, void *ud)
{
    struct order_import *im = ud;
    struct rec *r;

    (void)ch;
    if (!im->header_done) {
        im->header_done = 1;
    } else if (im->nrecs >= ORDER_IMPORT_ROWS_MAX) {
        im->too_many = 1;
    } else {
        if (im->nrecs == im->cap) {
            int cap = im->cap ? im->cap * 2 : 64;
            struct rec *n = arena_alloc(im->c->arena, sizeof(*n) * (size_t)cap);

            if (im->nrecs)
                memcpy(n, im->recs, sizeof(*n) * (size_t)im->nrecs);
            im->recs = n;
            im->cap = cap;
        }
        r = &im->recs[im->nrecs++];
        memset(r, 0, sizeof(*r));
        r->line = im->row_start;
        memcpy(r->v, im->v, sizeof(r->v));
    }
    memset(im->v, 0, sizeof(im->v));
    im->field = 0;
    im->row_start = im->line + 1; /* the next row starts past this break */
}

/* Feeds p[0..n) up to each line break, counting lines between. */
static void
parse(struct order_import *im, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) + 1 : n;

        csv_parse(&im->p, p, k, on_field, on_row, im);
        if (nl)
            im->line++;
        p += k;
        n -= k;
    }
}

static int
too_many(struct order_import *im)
{
    return err_set(&im->c->err, ERR_VALIDATION,
                   "the file has more than %d rows; split it",
                   ORDER_IMPORT_ROWS_MAX);
}

int
order_import_feed(struct order_import *im, const char *p, size_t n)
{
    struct ctx *c = im->c;

    if (err_is_set(&c->err))
        return -1;
    im->bytes += (int64_t)n;
    if (im->bytes > ORDER_IMPORT_BYTES_MAX)
        return err_set(&c->err, ERR_TOO_LARGE,
                       "the file is larger than %d bytes",
                       ORDER_IMPORT_BYTES_MAX);
    parse(im, p, n);
    return im->too_many ? too_many(im) : 0;
}

/* --- checking one row ----------------------------------------------------- */

/* s as a whole number from 1 to max, else -1. */
static int64_t
whole(const char *s, int64_t max)
{
    int64_t v = 0;

    if (s == NULL || *s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -1;
    }
    return v > 0 ? v : -1;
}

/* s as money ("12", "12.5", "12.50") in minor units, else -1. */
static int64_t
money(const char *s)
{
    int64_t v = 0;
    int digits = 0, decimals = -1;

    if (s == NULL)
        return -1;
    for (; *s; s++) {
        if (*s == '.' && decimals < 0 && digits > 0) {
            decimals = 0;
            continue;
        }
        if (*s < '0' || *s > '9' || decimals == 2 || digits > 12)
            return -1;
        v = v * 10 + (*s - '0');
        if (decimals >= 0)
            decimals++;
        else
            digits++;
    }
    if (digits == 0 || decimals == 0)
        return -1;
    for (; decimals < 2; decimals++)
        v *= 10;
    return v;
}

static size_t
chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void
refuse(struct rec *r, const char *reason)
{
    if (r->result != ORDER_IMPORT_REFUSED) {
        r->result = ORDER_IMPORT_REFUSED;
        r->reason = reason;
    }
}

/* Checks r's values and fills r->item and r->price; refuses r with the
 * first reason found. */
static void
check_row(struct arena *a, struct rec *r)
{
    const char **v = r->v;
    struct variation_set vs = {NULL, NULL, NULL};
    int64_t listing = DB_NULL;

    r->result = ORDER_IMPORT_IMPORTED;
    for (int k = 0; k < C_REQUIRED; k++)
        if (v[k] == NULL)
            return refuse(r, arena_printf(a, "%s is empty", col_names[k]));
    if (chars(v[C_ORDER]) > ORDER_EXTERNAL_ID_MAX ||
        chars(v[C_TXN]) > ORDER_EXTERNAL_ID_MAX)
        return refuse(r, arena_printf(a,
                                      "Order ID and Transaction ID are at "
                                      "most %d characters",
                                      ORDER_EXTERNAL_ID_MAX));
    if (chars(v[C_NAME]) > ORDER_TITLE_MAX)
        return refuse(r, arena_printf(a,
                                      "Item Name is longer than %d "
                                      "characters",
                                      ORDER_TITLE_MAX));
    r->item.quantity = whole(v[C_QTY], ORDER_QUANTITY_MAX);
    if (r->item.quantity < 0)
        return refuse(r, arena_printf(a,
                                      "Quantity \"%s\" is not a whole "
                                      "number from 1 to %d",
                                      v[C_QTY], ORDER_QUANTITY_MAX));
    r->price = money(v[C_PRICE]);
    if (r->price < 0)
        return refuse(r, arena_printf(a,
                                      "Price \"%s\" is not an amount of "
                                      "money like 12.50",
                                      v[C_PRICE]));
    if (strlen(v[C_CURRENCY]) != 3 ||
        strspn(v[C_CURRENCY], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
        return refuse(r, arena_printf(a,
                                      "Currency \"%s\" is not a "
                                      "three-letter code like USD",
                                      v[C_CURRENCY]));
    if (v[C_BUYER] != NULL && chars(v[C_BUYER]) > ORDER_BUYER_MAX)
        return refuse(r, arena_printf(a, "Buyer is longer than %d characters",
                                      ORDER_BUYER_MAX));
    if (v[C_SKU] != NULL && chars(v[C_SKU]) > ORDER_SKU_MAX)
        return refuse(r, arena_printf(a, "SKU is longer than %d characters",
                                      ORDER_SKU_MAX));
    if (v[C_LISTING] != NULL &&
        (listing = whole(v[C_LISTING], INT64_MAX / 10)) < 0)
        return refuse(r, arena_printf(a, "Listing ID \"%s\" is not a number",
                                      v[C_LISTING]));
    if (v[C_VARIATIONS] != NULL &&
        chars(v[C_VARIATIONS]) > ORDER_VARIATIONS_MAX)
        return refuse(r, arena_printf(a,
                                      "Variations is longer than %d "
                                      "characters",
                                      ORDER_VARIATIONS_MAX));
    variation_add_csv(a, &vs, v[C_VARIATIONS]);
    r->item.variations = vs.text;
    r->item.color = vs.color;
    r->item.material_type = vs.material_type;
    r->item.title = v[C_NAME];
    r->item.sku = v[C_SKU];
    r->item.etsy_listing_id = listing;
    r->item.product_id = DB_NULL;
}

/* --- applying --------------------------------------------------------------
 */

static int
by_txn(const void *x, const void *y)
{
    const struct rec *a = *(struct rec *const *)x, *b = *(struct rec *const *)y;
    int d = strcmp(a->v[C_TXN], b->v[C_TXN]);

    return d ? d : (a->line > b->line) - (a->line < b->line);
}

static int
by_order(const void *x, const void *y)
{
    const struct rec *a = *(struct rec *const *)x, *b = *(struct rec *const *)y;
    int d = strcmp(a->v[C_ORDER], b->v[C_ORDER]);

    return d ? d : (a->line > b->line) - (a->line < b->line);
}

/* A transaction may appear once in a file: the later rows are refused. */
static void
refuse_repeats(struct order_import *im, struct rec **ps)
{
    int k = 0, first = 0;

    for (int i = 0; i < im->nrecs; i++)
        if (im->recs[i].v[C_TXN] != NULL)
            ps[k++] = &im->recs[i];
    qsort(ps, (size_t)k, sizeof(*ps), by_txn);
    for (int i = 1; i < k; i++) {
        if (strcmp(ps[i]->v[C_TXN], ps[first]->v[C_TXN]) != 0) {
            first = i;
            continue;
        }
        refuse(ps[i],
               arena_printf(im->c->arena,
                            "Transaction ID %s is also on line %lld",
                            ps[i]->v[C_TXN], (long long)ps[first]->line));
    }
}

/* Refuses every row of the group g[0..n) that is not refused yet. */
static void
refuse_group(struct arena *a, struct rec **g, int n, const char *why)
{
    for (int i = 0; i < n; i++)
        refuse(g[i], arena_printf(a, "%s", why));
}

/* The first refused row of g as a reason for the others. */
static const char *
group_refused(struct arena *a, struct rec **g, int n)
{
    for (int i = 0; i < n; i++)
        if (g[i]->result == ORDER_IMPORT_REFUSED)
            return arena_printf(a, "order %s is refused with line %lld: %s",
                                g[i]->v[C_ORDER], (long long)g[i]->line,
                                g[i]->reason);
    return NULL;
}

/* Classifies each row of g as imported, updated or unchanged against what
 * is stored; *changes says whether anything is to be written. 0 or -1. */
static int
classify(struct ctx *c, struct rec **g, int n, struct order_txn *old,
         int *changes)
{
    *changes = 0;
    for (int i = 0; i < n; i++) {
        struct rec *r = g[i];
        int rc;

        memset(&old[i], 0, sizeof(old[i]));
        rc = order_txn_find(c, r->v[C_TXN], &old[i]);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            r->result = ORDER_IMPORT_IMPORTED;
            *changes = 1;
            continue;
        }
        if (old[i].external_id == NULL ||
            strcmp(old[i].external_id, r->v[C_ORDER]) != 0)
            refuse(r, arena_printf(c->arena,
                                   "Transaction ID %s was imported with "
                                   "order %s",
                                   r->v[C_TXN],
                                   old[i].external_id ? old[i].external_id
                                                      : "(none)"));
        else if (old[i].quantity == r->item.quantity &&
                 old[i].price == r->price && old[i].currency != NULL &&
                 strcmp(old[i].currency, r->v[C_CURRENCY]) == 0)
            r->result = ORDER_IMPORT_UNCHANGED;
        else {
            r->result = ORDER_IMPORT_UPDATED;
            r->reason = arena_printf(
                c->arena, "quantity %lld, price %lld %s (was %lld, %lld %s)",
                (long long)r->item.quantity, (long long)r->price,
                r->v[C_CURRENCY], (long long)old[i].quantity,
                (long long)old[i].price,
                old[i].currency ? old[i].currency : "none");
            *changes = 1;
        }
    }
    return 0;
}

/* Writes the group's imported and updated rows in one transaction. 0, or
 * -1 with c->err (a 409 is a transaction another request imported first). */
static int
write_group(struct ctx *c, struct rec **g, int n, struct order_txn *old,
            int64_t order_id)
{
    /* the file has no order-level discount; the currency is the rows' */
    struct order_receipt rc = {g[0]->v[C_ORDER], NULL, DB_NULL,
                               g[0]->v[C_CURRENCY], DB_NULL};

    for (int i = 0; i < n && rc.buyer == NULL; i++)
        rc.buyer = g[i]->v[C_BUYER];
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "order import: begin failed");
    if (order_id == 0 && (order_id = order_etsy_insert(c, &rc)) < 0)
        goto fail;
    for (int i = 0; i < n; i++) {
        struct rec *r = g[i];

        if (r->result == ORDER_IMPORT_IMPORTED &&
            order_txn_insert(c, order_id, &r->item, r->v[C_TXN], r->price,
                             r->v[C_CURRENCY]) < 0)
            goto fail;
        if (r->result == ORDER_IMPORT_UPDATED &&
            order_txn_update(c, &old[i], r->item.quantity, r->price,
                             r->v[C_CURRENCY]) < 0)
            goto fail;
    }
    if (db_commit(c->db) < 0)
        return err_internal(&c->err, "order import: commit failed");
    return 0;
fail:
    db_rollback(c->db);
    return -1;
}

/* One order's rows g[0..n). 0, or -1 on a database failure. */
static int
apply_group(struct ctx *c, struct rec **g, int n)
{
    struct order_txn *old = arena_alloc(c->arena, sizeof(*old) * (size_t)n);
    const char *why = group_refused(c->arena, g, n), *status = NULL;
    const char *currency = NULL;
    int64_t order_id;
    int changes, nprints = 0;

    if (why == NULL && n > ORDER_ITEMS_MAX)
        why = arena_printf(c->arena, "order %s has more than %d items",
                           g[0]->v[C_ORDER], ORDER_ITEMS_MAX);
    /* money of different currencies is never added: one order, one */
    for (int i = 1; why == NULL && i < n; i++)
        if (strcmp(g[i]->v[C_CURRENCY], g[0]->v[C_CURRENCY]) != 0)
            why = arena_printf(c->arena,
                               "order %s has rows in %s (line %lld) and %s "
                               "(line %lld); an order is in one currency",
                               g[0]->v[C_ORDER], g[0]->v[C_CURRENCY],
                               (long long)g[0]->line, g[i]->v[C_CURRENCY],
                               (long long)g[i]->line);
    if (why != NULL) {
        refuse_group(c->arena, g, n, why);
        return 0;
    }
    if (classify(c, g, n, old, &changes) < 0)
        return -1;
    if ((why = group_refused(c->arena, g, n)) != NULL) {
        refuse_group(c->arena, g, n, why);
        return 0;
    }
    if (!changes)
        return 0;
    order_id =
        order_etsy_find(c, g[0]->v[C_ORDER], &status, &nprints, &currency);
    if (order_id < 0)
        return -1;
    if (order_id > 0 && currency != NULL &&
        strcmp(currency, g[0]->v[C_CURRENCY]) != 0) {
        refuse_group(c->arena, g, n,
                     arena_printf(c->arena,
                                  "order %s is in %s; line %lld says %s (an "
                                  "order is in one currency)",
                                  g[0]->v[C_ORDER], currency,
                                  (long long)g[0]->line, g[0]->v[C_CURRENCY]));
        return 0;
    }
    if (order_id > 0 && (strcmp(status, "open") != 0 || nprints > 0)) {
        refuse_group(c->arena, g, n,
                     arena_printf(c->arena,
                                  "order %s is %s; its items can no longer "
                                  "change",
                                  g[0]->v[C_ORDER],
                                  nprints > 0 ? "scheduled" : status));
        return 0;
    }
    if (write_group(c, g, n, old, order_id) == 0)
        return 0;
    if (c->err.kind != ERR_CONFLICT)
        return -1;
    refuse_group(c->arena, g, n, c->err.msg);
    err_clear(&c->err);
    return 0;
}

static int
missing_columns(struct order_import *im)
{
    struct ctx *c = im->c;
    const char *names = NULL;

    if (!im->header_done)
        return err_set(&c->err, ERR_VALIDATION,
                       "the file is empty: expected Etsy's Sold Order Items "
                       "CSV with its header row");
    for (int k = 0; k < C_REQUIRED; k++)
        if (im->col[k] < 0) {
            names = names
                        ? arena_printf(c->arena, "%s, %s", names, col_names[k])
                        : col_names[k];
            err_field(&c->err, col_names[k], "is a required column");
        }
    if (names == NULL)
        return 0;
    c->err.kind = ERR_NONE; /* the message below names them all */
    return err_set(&c->err, ERR_VALIDATION, "missing required column%s: %s",
                   strchr(names, ',') ? "s" : "", names);
}

int
order_import_finish(struct order_import *im, struct order_import_report *rep)
{
    struct ctx *c = im->c;
    struct rec **ps;
    int i, k, n = 0;

    memset(rep, 0, sizeof(*rep));
    if (err_is_set(&c->err))
        return -1;
    csv_fini(&im->p, on_field, on_row, im);
    if (im->too_many)
        return too_many(im);
    if (missing_columns(im) < 0)
        return -1;
    for (i = 0; i < im->nrecs; i++)
        check_row(c->arena, &im->recs[i]);
    ps = arena_alloc(c->arena, sizeof(*ps) * (size_t)(im->nrecs + 1));
    refuse_repeats(im, ps);
    for (i = 0; i < im->nrecs; i++)
        if (im->recs[i].v[C_ORDER] != NULL)
            ps[n++] = &im->recs[i];
    qsort(ps, (size_t)n, sizeof(*ps), by_order);
    for (i = 0; i < n; i = k) {
        for (k = i + 1; k < n; k++)
            if (strcmp(ps[k]->v[C_ORDER], ps[i]->v[C_ORDER]) != 0)
                break;
        if (apply_group(c, ps + i, k - i) < 0)
            return -1;
    }
    rep->rows =
        arena_alloc(c->arena, sizeof(*rep->rows) * (size_t)(im->nrecs + 1));
    for (i = 0; i < im->nrecs; i++) {
        const struct rec *r = &im->recs[i];
        struct order_import_row *row = &rep->rows[rep->nrows++];

        row->line = r->line;
        row->transaction_id = r->v[C_TXN];
        row->order_id = r->v[C_ORDER];
        row->result = r->result;
        row->reason = r->reason;
        rep->counts[r->result]++;
    }
    return 0;
}
