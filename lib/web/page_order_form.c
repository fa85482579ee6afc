/*
 * The order form: /orders/new and /orders/<id>/edit. The order's own
 * fields bind through order_fields and each item row through
 * order_item_fields, the tables POST /api/orders uses; item controls are
 * named "items[i].<key>" as the API names an item's bad field, so an error
 * lands beside its row. Rows left blank (no title, SKU, product or listing
 * id) are not items: a few spare rows let an order grow without scripts.
 */
#include "web/page_order.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "domain/order.h"
#include "domain/product.h"
#include "store/db.h"
#include "web/api.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define ROWS_NEW 5   /* item rows of a new order */
#define ROWS_SPARE 2 /* blank rows under an order's items on an edit */

static const char *
row_key(struct arena *a, int i, const char *key)
{
    return arena_printf(a, "items[%d].%s", i, key);
}

/* The number of item rows the form sent: one past the highest index. */
static int
rows_sent(const struct page_form *f)
{
    int rows = 0;

    for (int k = 0; k < f->n; k++) {
        int i;

        if (sscanf(f->keys[k], "items[%d]", &i) == 1 && i >= 0 &&
            i < ORDER_ITEMS_MAX && i + 1 > rows)
            rows = i + 1;
    }
    return rows;
}

/* Row i of f as a form of its own ("title", "quantity", ...). */
static void
row_form(struct arena *a, const struct page_form *f, int i,
         struct page_form *row)
{
    const char *prefix = arena_printf(a, "items[%d].", i);
    size_t plen = strlen(prefix);

    row->n = 0;
    row->keys = arena_alloc(a, sizeof(*row->keys) * (size_t)(f->n + 1));
    row->vals = arena_alloc(a, sizeof(*row->vals) * (size_t)(f->n + 1));
    for (int k = 0; k < f->n; k++)
        if (strncmp(f->keys[k], prefix, plen) == 0) {
            row->keys[row->n] = f->keys[k] + plen;
            row->vals[row->n++] = f->vals[k];
        }
}

static int
row_blank(const struct page_form *row)
{
    static const char *const keys[] = {"title", "sku", "product_id",
                                       "etsy_listing_id"};

    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (*page_form_str(row, keys[k]) != '\0')
            return 0;
    return 1;
}

/* Binds row i into it, its bad fields renamed "items[i].<key>". */
static void
bind_row(struct req *r, const struct page_form *row, int i,
         struct order_item *it)
{
    struct ctx *c = r->c, sub = *c;
    struct bound b;

    memset(it, 0, sizeof(*it));
    it->product_id = it->etsy_listing_id = it->price = DB_NULL;
    err_clear(&sub.err);
    r->c = &sub;
    page_form_bind(r, row, order_item_fields, it, &b, 0);
    r->c = c;
    if (sub.err.kind != ERR_NONE && sub.err.kind != ERR_VALIDATION)
        c->err = sub.err;
    for (int k = 0; k < sub.err.nfields; k++)
        err_field(&c->err, row_key(c->arena, i, sub.err.fields[k].name), "%s",
                  sub.err.fields[k].msg);
}

int
page_order_bind(struct req *r, const struct page_form *f, struct order *o,
                int *map)
{
    struct ctx *c = r->c;
    int rows = rows_sent(f);
    struct bound b;

    page_form_bind(r, f, order_fields, o, &b, 0);
    if (err_is_set(&c->err) && c->err.kind != ERR_VALIDATION)
        return -1;
    o->items = arena_alloc(c->arena, sizeof(*o->items) * (size_t)(rows + 1));
    o->nitems = 0;
    for (int i = 0; i < rows; i++) {
        struct page_form row;

        row_form(c->arena, f, i, &row);
        if (row_blank(&row))
            continue;
        map[o->nitems] = i;
        bind_row(r, &row, i, &o->items[o->nitems++]);
    }
    if (o->nitems == 0)
        err_field(&c->err, "items", "add at least one item");
    return err_is_set(&c->err) ? -1 : 0;
}

/* Renames c->err's "items[k]..." fields, which name item k of the n bound
 * items, to the row map[k] it came from. */
static void
page_order_err_rows(struct ctx *c, const int *map, int n)
{
    for (int k = 0; k < c->err.nfields; k++) {
        const char *name = c->err.fields[k].name, *rest;
        int i;

        if (sscanf(name, "items[%d]", &i) != 1 || i < 0 || i >= n ||
            (rest = strchr(name, ']')) == NULL)
            continue;
        snprintf(c->err.fields[k].name, sizeof c->err.fields[k].name,
                 "items[%d]%s", map[i], arena_strdup(c->arena, rest + 1));
    }
}

/* The value of row i's key: the form's after a failed post, else the
 * stored item's, else blank (quantity 1). */
static const char *
row_value(struct arena *a, const struct page_form *f, const struct order *o,
          int i, const char *key)
{
    const struct order_item *it = i < o->nitems ? &o->items[i] : NULL;

    if (f != NULL)
        return page_form_str(f, row_key(a, i, key));
    if (it == NULL)
        return strcmp(key, "quantity") == 0 ? "1" : "";
    if (strcmp(key, "title") == 0)
        return it->title;
    if (strcmp(key, "sku") == 0)
        return it->sku ? it->sku : "";
    if (strcmp(key, "quantity") == 0)
        return arena_printf(a, "%lld", (long long)it->quantity);
    if (strcmp(key, "product_id") == 0 && it->product_id != DB_NULL)
        return arena_printf(a, "%lld", (long long)it->product_id);
    if (strcmp(key, "etsy_listing_id") == 0 && it->etsy_listing_id != DB_NULL)
        return arena_printf(a, "%lld", (long long)it->etsy_listing_id);
    return "";
}

static void
row_fill(struct req *r, struct tmpl_dict *row, const struct page_form *f,
         const struct order *o, int i, const struct product *ps, int nps)
{
    struct arena *a = r->c->arena;
    const struct err *e = &r->c->err;
    const char *pid;

    tmpl_set_int(row, "I", i);
    tmpl_set_int(row, "N", i + 1);
    for (const struct field *fd = order_item_fields; fd->key; fd++) {
        char name[64];

        tmpl_set(row, fd->key, row_value(a, f, o, i, fd->key));
        snprintf(name, sizeof name, "%s_max", fd->key);
        tmpl_set(row, name, arena_printf(a, "%lld", (long long)fd->max));
    }
    for (int k = 0; k < e->nfields; k++) {
        const char *key = row_key(a, i, "");
        size_t n = strlen(key);
        char name[64];

        if (strncmp(e->fields[k].name, key, n) != 0)
            continue;
        snprintf(name, sizeof name, "%s_error", e->fields[k].name + n);
        tmpl_set(tmpl_section_add(row, name), "msg", e->fields[k].msg);
    }
    pid = row_value(a, f, o, i, "product_id");
    for (int p = 0; p < nps; p++) {
        struct tmpl_dict *opt = tmpl_section_add(row, "PRODUCT_OPT");

        tmpl_set(opt, "value", arena_printf(a, "%lld", (long long)ps[p].id));
        tmpl_set(opt, "label", ps[p].sku ? arena_printf(a, "%s (%s)",
                                                       ps[p].name, ps[p].sku)
                                         : ps[p].name);
        if (strtoll(pid, NULL, 10) == ps[p].id)
            tmpl_show(opt, "selected");
    }
}

int
page_order_form(struct req *r, int status, const struct order *o,
                const struct page_form *f)
{
    struct arena *a = r->c->arena;
    struct tmpl_dict *d;
    struct product *ps;
    int nps, rows;

    d = page_start(r, o->id ? "Edit order" : "New order", "ORDERS");
    if (d == NULL || product_list(r->c, PAGE_ORDER_PRODUCTS_MAX, 0, &ps,
                                  &nps) < 0)
        return -1;
    page_form_fill(r, d, order_fields, o, f);
    rows = f ? rows_sent(f)
             : (o->nitems + ROWS_SPARE > ROWS_NEW ? o->nitems + ROWS_SPARE
                                                  : ROWS_NEW);
    if (rows > ORDER_ITEMS_MAX)
        rows = ORDER_ITEMS_MAX;
    for (int i = 0; i < rows; i++)
        row_fill(r, tmpl_section_add(d, "ITEM"), f, o, i, ps, nps);
    if (o->id) {
        tmpl_set_int(d, "ID", (int)o->id);
        tmpl_set(d, "ACTION", arena_printf(a, "/orders/%lld",
                                           (long long)o->id));
        tmpl_show(d, "EDIT");
    } else {
        tmpl_set(d, "ACTION", "/orders");
        tmpl_show(d, "NEW");
    }
    return page_render(r, status, "order_form.tpl", d);
}

int
page_order_new(struct req *r)
{
    struct order o;

    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    order_init(&o);
    return page_finish(r, page_order_form(r, 200, &o, NULL));
}

int
page_order_edit(struct req *r)
{
    struct order o;

    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    if (order_get(r->c, http_param_id(r, 0), &o) < 0)
        return page_finish(r, -1);
    return page_finish(r, page_order_form(r, 200, &o, NULL));
}

/* After a save: 303 to the order, the form again (422, 409), or the error
 * page. */
static int
answer(struct req *r, struct order *o, const struct page_form *f, int rc,
       const char *done)
{
    struct ctx *c = r->c;

    if (rc == 0)
        return page_redirect_notice(
            r, arena_printf(c->arena, "/orders/%lld", (long long)o->id),
            arena_printf(c->arena, "Order %s", done));
    if (c->err.kind != ERR_VALIDATION && c->err.kind != ERR_CONFLICT)
        return page_finish(r, -1);
    return page_finish(r, page_order_form(r, err_http_status(c->err.kind), o,
                                          f));
}

int
page_order_create(struct req *r)
{
    struct page_form f;
    struct order o;
    int map[ORDER_ITEMS_MAX + 1], rc;

    order_init(&o);
    if (page_session_form(r, &f) < 0)
        return page_finish(r, -1);
    rc = page_order_bind(r, &f, &o, map);
    if (rc == 0 && order_create(r->c, &o) < 0) {
        rc = -1;
        o.id = 0;
        page_order_err_rows(r->c, map, o.nitems);
    }
    return answer(r, &o, &f, rc, "added");
}

int
page_order_update(struct req *r)
{
    struct page_form f;
    struct order o;
    int map[ORDER_ITEMS_MAX + 1], rc;

    if (page_session_form(r, &f) < 0 ||
        order_get(r->c, http_param_id(r, 0), &o) < 0)
        return page_finish(r, -1);
    rc = page_order_bind(r, &f, &o, map);
    if (rc == 0 && (rc = order_update(r->c, &o)) < 0)
        page_order_err_rows(r->c, map, o.nitems);
    return answer(r, &o, &f, rc, "saved");
}
