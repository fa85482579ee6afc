/*
 * The order pages: /orders (the list) and /orders/<id> (its items with
 * their matched product or why none matched, the prints made for it with
 * their badges, its material cost, and "Schedule prints": the same
 * all-or-nothing order_schedule as POST /api/orders/<id>/schedule-prints,
 * bound through the same order_schedule_fields). The form for a new or
 * changed order is in page_order_form.c.
 *
 * "Import Etsy CSV" on /orders posts multipart/form-data (its csrf field
 * first, as on /files) to /orders/import; the file is streamed into the
 * same order_import as POST /api/orders/import, and the list is shown
 * again with the per-row report above it.
 */
#include "web/api.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "domain/job.h"
#include "domain/order.h"
#include "domain/order_import.h"
#include "domain/printer.h"
#include "domain/product.h"
#include "store/db.h"
#include "web/badge.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_upload.h"
#include "web/page_form.h"
#include "web/page_order.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define ORDERS_MAX 500 /* the newest orders the list shows */
#define PRINTERS_MAX 1000

static int
open_order(const struct order *o)
{
    return strcmp(o->status, "open") == 0 && o->nprints == 0;
}

/* The import's report above the list: counts and one row per CSV row. */
static void
report_set(struct tmpl_dict *d, const struct order_import_report *rep)
{
    struct tmpl_dict *s = tmpl_section_add(d, "REPORT");

    for (int k = 0; k < ORDER_IMPORT__MAX; k++) {
        char key[16];

        snprintf(key, sizeof key, "%s", order_import_results[k]);
        for (char *p = key; *p; p++)
            *p = (char)(*p - 'a' + 'A');
        tmpl_set_int(s, key, (int)rep->counts[k]);
    }
    for (int i = 0; i < rep->nrows; i++) {
        const struct order_import_row *row = &rep->rows[i];
        struct tmpl_dict *x = tmpl_section_add(s, "ROW");

        tmpl_set_int(x, "LINE", (int)row->line);
        tmpl_set(x, "TRANSACTION", row->transaction_id ? row->transaction_id
                                                       : PAGEFMT_NONE);
        tmpl_set(x, "ORDER", row->order_id ? row->order_id : PAGEFMT_NONE);
        tmpl_set(x, "RESULT", order_import_results[row->result]);
        tmpl_set(x, "REASON", row->reason ? row->reason : "");
    }
}

/* The list with status; rep is an import's report (NULL: none), an
 * import's refusal is c->err. */
static int
list(struct req *r, int status, const struct order_import_report *rep)
{
    struct arena *a = r->c->arena;
    struct tmpl_dict *d, *table;
    struct order *os;
    int n;

    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    if ((d = page_start(r, "Orders", "ORDERS")) == NULL)
        return -1;
    if (rep != NULL)
        report_set(d, rep);
    if (r->c->err.kind != ERR_NONE) {
        tmpl_set(tmpl_section_add(d, "ALERT"), "MESSAGE", r->c->err.msg);
        err_clear(&r->c->err);
    }
    if (order_list(r->c, ORDERS_MAX, 0, &os, &n) < 0)
        return -1;
    if (n == 0)
        tmpl_show(d, "EMPTY");
    table = n > 0 ? tmpl_section_add(d, "TABLE") : NULL;
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *row = tmpl_section_add(table, "ORDER");
        int64_t units = 0;

        for (int k = 0; k < os[i].nitems; k++)
            units += os[i].items[k].quantity;
        tmpl_set_int(row, "ID", (int)os[i].id);
        tmpl_set(row, "NUMBER", os[i].external_id ? os[i].external_id
                                                  : PAGEFMT_NONE);
        tmpl_set(row, "SOURCE", os[i].source);
        tmpl_set(row, "BUYER", os[i].buyer ? os[i].buyer : PAGEFMT_NONE);
        tmpl_set(row, "STATUS", os[i].status);
        tmpl_set(row, "UNITS", arena_printf(a, "%lld", (long long)units));
        tmpl_set_int(row, "PRINTS", os[i].nprints);
        pagefmt_time(a, row, "CREATED", os[i].created_at);
    }
    return page_render(r, status, "orders.tpl", d);
}

int
page_orders(struct req *r)
{
    return page_finish(r, list(r, 200, NULL));
}

/* --- the CSV upload -------------------------------------------------------- */

static int
csv_begin(struct page_upload *form, const char *filename)
{
    (void)form;
    return *filename ? 0 : 1; /* no file chosen: no file */
}

static int
csv_data(struct page_upload *form, const char *p, size_t n)
{
    return order_import_feed(form->ud, p, n);
}

static const struct page_upload_cb upload_cb = {csv_begin, csv_data};

int
page_orders_import(struct req *r)
{
    struct ctx *c = r->c;
    struct order_import_report rep;
    struct page_upload form;
    int kind;

    memset(&form, 0, sizeof form);
    memset(&rep, 0, sizeof rep);
    form.r = r;
    form.cb = &upload_cb;
    if (c->user_id != 0)
        form.ud = order_import_new(c);
    if (page_upload_read(&form, ORDER_IMPORT_BYTES_MAX,
                         "choose a CSV file to import") == 0 &&
        order_import_finish(form.ud, &rep) == 0)
        return page_finish(r, list(r, 200, &rep));
    kind = c->err.kind;
    /* the reasons a person can fix are shown on the page itself */
    if (kind == ERR_VALIDATION || kind == ERR_TOO_LARGE)
        return page_finish(r, list(r, err_http_status(kind), NULL));
    return page_finish(r, -1);
}

/* --- one order ------------------------------------------------------------ */

/* Why item it has no product, in words the owner can act on. */
static const char *
unmatched_why(struct arena *a, const struct order_item *it)
{
    if (it->sku == NULL && it->etsy_listing_id == DB_NULL)
        return "no SKU or listing id to match by: edit the order and pick "
               "a product";
    if (it->sku != NULL && it->etsy_listing_id != DB_NULL)
        return arena_printf(a, "no product has SKU %s or Etsy listing %lld",
                            it->sku, (long long)it->etsy_listing_id);
    if (it->sku != NULL)
        return arena_printf(a, "no product has SKU %s", it->sku);
    return arena_printf(a, "no product has Etsy listing %lld",
                        (long long)it->etsy_listing_id);
}

/* The user's products, for the "Map to product" forms (n < 0: not read
 * yet). */
struct choices {
    struct product *ps;
    int n;
};

static void
item_rows(struct req *r, struct tmpl_dict *d, const struct order *o)
{
    struct ctx *c = r->c;
    struct choices ch = {NULL, -1};
    struct product p;

    for (int i = 0; i < o->nitems; i++) {
        const struct order_item *it = &o->items[i];
        struct tmpl_dict *row = tmpl_section_add(d, "ITEM");
        const char *key = arena_printf(c->arena, "items[%d].product_id", i);

        tmpl_set(row, "TITLE", it->title);
        tmpl_set_int(row, "QUANTITY", (int)it->quantity);
        tmpl_set(row, "SKU", it->sku ? it->sku : PAGEFMT_NONE);
        if (it->product_id != DB_NULL &&
            product_get(c, it->product_id, &p) == 0) {
            struct tmpl_dict *m = tmpl_section_add(row, "MATCHED");

            tmpl_set_int(m, "PRODUCT_ID", (int)p.id);
            tmpl_set(m, "PRODUCT", p.name);
        } else {
            struct tmpl_dict *u = tmpl_section_add(row, "UNMATCHED");

            tmpl_set(u, "WHY", unmatched_why(c->arena, it));
            tmpl_set_int(u, "ITEM_ID", (int)it->id);
            if (ch.n < 0 && product_list(c, PAGE_ORDER_PRODUCTS_MAX, 0, &ch.ps,
                                         &ch.n) < 0) {
                err_clear(&c->err);
                ch.n = 0;
            }
            if (ch.n > 0) {
                struct tmpl_dict *m = tmpl_section_add(u, "MAP");

                tmpl_set_int(m, "ITEM_ID", (int)it->id);
                tmpl_set_int(m, "N", i + 1);
                for (int k = 0; k < ch.n; k++) {
                    struct tmpl_dict *opt = tmpl_section_add(m, "MAP_OPT");

                    tmpl_set(opt, "value",
                             arena_printf(c->arena, "%lld",
                                          (long long)ch.ps[k].id));
                    tmpl_set(opt, "label", ch.ps[k].name);
                }
            } else {
                tmpl_show(u, "NO_PRODUCTS");
            }
        }
        for (int k = 0; k < c->err.nfields; k++)
            if (strcmp(c->err.fields[k].name, key) == 0)
                tmpl_set(tmpl_section_add(row, "ERROR"), "msg",
                         c->err.fields[k].msg);
    }
}

/* The prints made for o, in chain order, and their summed cost. */
static int
print_rows(struct req *r, struct tmpl_dict *d, const struct order *o)
{
    struct ctx *c = r->c;
    struct job_filter f = {0};
    struct tmpl_dict *table, *sum;
    struct job *js;
    int64_t cost = 0;
    int n, unknown = 0;

    if (o->nprints == 0) {
        tmpl_show(d, "NO_PRINTS");
        return 0;
    }
    f.order_id = o->id;
    if (job_list(c, &f, ORDER_PRINTS_MAX, 0, &js, &n) < 0 ||
        job_costs(c, js, n) < 0)
        return -1;
    table = tmpl_section_add(d, "PRINTS");
    for (int i = n - 1; i >= 0; i--) { /* newest first: reversed */
        struct tmpl_dict *row = tmpl_section_add(table, "PRINT");

        tmpl_set(row, "NAME", js[i].name);
        tmpl_set(row, "FILE", js[i].file);
        badge_set(row, "STATUS", BADGE_PRINT, js[i].status);
        tmpl_set(row, "COST", pagefmt_money(c->arena, js[i].material_cost));
        tmpl_set(row, "ENERGY", pagefmt_money(c->arena, js[i].energy_cost));
        tmpl_set(row, "MACHINE", pagefmt_money(c->arena, js[i].machine_cost));
        tmpl_set(row, "TOTAL", pagefmt_money(c->arena, js[i].total_cost));
        if (js[i].material_cost == DB_NULL)
            unknown++;
        else
            cost += js[i].material_cost;
    }
    sum = tmpl_section_add(table, "COST");
    tmpl_set(sum, "TOTAL", pagefmt_money(c->arena, cost));
    tmpl_set(sum, "CURRENCY", c->conf->currency);
    if (unknown > 0)
        tmpl_set_int(tmpl_section_add(sum, "UNKNOWN"), "N", unknown);
    return 0;
}

/* What the order earned: REVENUE in CURRENCY (MIXED when its items'
 * currencies differ), DISCOUNT when the receipt had one, COST in
 * COST_CURRENCY, PROFIT (a dash without prices); OTHER_CURRENCY when the
 * order is not in the farm's currency (no profit then: costs cannot be
 * taken from another currency); LOSS when the profit is negative. */
static int
money_facts(struct req *r, struct tmpl_dict *d, const struct order *o)
{
    struct ctx *c = r->c;
    struct order m = *o;
    struct tmpl_dict *money;

    if (order_money(c, &m) < 0)
        return -1;
    money = tmpl_section_add(d, "MONEY");
    tmpl_set(money, "CURRENCY", m.currency ? m.currency : "");
    tmpl_set(money, "COST_CURRENCY", m.cost_currency);
    tmpl_set(money, "REVENUE", pagefmt_money(c->arena, m.revenue));
    tmpl_set(money, "COST", pagefmt_money(c->arena, m.cost));
    tmpl_set(money, "PROFIT", pagefmt_money(c->arena, m.profit));
    if (m.discount != DB_NULL && m.discount > 0)
        tmpl_set(tmpl_section_add(money, "DISCOUNT"), "AMOUNT",
                 pagefmt_money(c->arena, m.discount));
    if (m.currency == NULL)
        tmpl_show(money, "MIXED");
    else if (strcmp(m.currency, m.cost_currency) != 0)
        tmpl_show(money, "OTHER_CURRENCY");
    if (m.profit != DB_NULL)
        tmpl_show(money, "PROFIT_KNOWN");
    if (m.profit != DB_NULL && m.profit < 0)
        tmpl_show(money, "LOSS");
    return 0;
}

/* The schedule form's printer choices ("any printer" is the empty one). */
static int
printer_options(struct req *r, struct tmpl_dict *d, const char *chosen)
{
    struct printer *ps;
    int n;

    if (printer_list(r->c, PRINTERS_MAX, 0, &ps, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *opt = tmpl_section_add(d, "PRINTER_OPT");
        const char *id = arena_printf(r->c->arena, "%lld", (long long)ps[i].id);

        tmpl_set(opt, "value", id);
        tmpl_set(opt, "label", ps[i].name);
        if (chosen != NULL && strcmp(chosen, id) == 0)
            tmpl_show(opt, "selected");
    }
    return 0;
}

/* The order page with status; f is a failed schedule post (NULL: none),
 * its errors in c->err. */
static int
order_render(struct req *r, int status, const struct order *o,
             const struct page_form *f)
{
    struct ctx *c = r->c;
    struct tmpl_dict *d = page_start(r, "Order", "ORDERS");
    struct order_schedule_in in = {DB_NULL, DB_NULL, 0};

    if (d == NULL)
        return -1;
    tmpl_set_int(d, "ID", (int)o->id);
    tmpl_set(d, "NUMBER", o->external_id ? o->external_id
                                         : arena_printf(c->arena, "#%lld",
                                                        (long long)o->id));
    tmpl_set(d, "SOURCE", o->source);
    tmpl_set(d, "BUYER", o->buyer ? o->buyer : PAGEFMT_NONE);
    tmpl_set(d, "STATUS", o->status);
    pagefmt_time(c->arena, d, "CREATED", o->created_at);
    item_rows(r, d, o);
    if (print_rows(r, d, o) < 0 || money_facts(r, d, o) < 0)
        return -1;
    if (open_order(o)) {
        tmpl_show(d, "SCHEDULE");
        tmpl_show(d, "EDITABLE");
        page_form_fill(r, d, order_schedule_fields, &in, f);
        if (printer_options(r, d, f ? page_form_get(f, "printer_id") : NULL) <
            0)
            return -1;
    } else if (c->err.kind != ERR_NONE) {
        tmpl_set(tmpl_section_add(d, "ALERT"), "MESSAGE", c->err.msg);
    }
    return page_render(r, status, "order.tpl", d);
}

int
page_order(struct req *r)
{
    struct order o;

    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    if (order_get(r->c, http_param_id(r, 0), &o) < 0)
        return page_finish(r, -1);
    return page_finish(r, order_render(r, 200, &o, NULL));
}

int
page_order_schedule(struct req *r)
{
    struct ctx *c = r->c;
    struct order_schedule_in in = {DB_NULL, DB_NULL, 0};
    struct page_form f;
    struct order o;
    struct bound b;
    int64_t id = http_param_id(r, 0), *ids;
    int n;

    if (page_session_form(r, &f) < 0 || order_get(c, id, &o) < 0)
        return page_finish(r, -1);
    if (page_form_bind(r, &f, order_schedule_fields, &in, &b, 0) == 0 &&
        order_schedule(c, id, in.printer_id, in.start_at, in.gap_minutes, &ids,
                       &n) == 0)
        return page_redirect_notice(
            r, arena_printf(c->arena, "/orders/%lld", (long long)id),
            arena_printf(c->arena, "Scheduled %d print%s", n,
                         n == 1 ? "" : "s"));
    if (c->err.kind != ERR_VALIDATION && c->err.kind != ERR_CONFLICT)
        return page_finish(r, -1);
    /* the refusal is explained on the order itself: read it again (the
     * failed schedule rolled back; a match it found is not kept either) */
    {
        struct err keep = c->err;

        err_clear(&c->err);
        if (order_get(c, id, &o) < 0)
            return page_finish(r, -1);
        c->err = keep;
    }
    return page_finish(r, order_render(r, err_http_status(c->err.kind), &o,
                                       &f));
}

/* POST /orders/<id>/items/<item_id>/map: the item's "Map to product" form
 * (product_id), the same order_item_map as PUT /api/orders/<id>/items/<item_id>;
 * back to the order with a notice. A refusal is shown on the order: a bad
 * product beside the item (422), an order that has prints already as the
 * page's alert (409). */
int
page_order_item_map(struct req *r)
{
    struct ctx *c = r->c;
    struct order_item_map_in in = {DB_NULL};
    struct page_form f;
    struct order o;
    struct bound b;
    int64_t id = http_param_id(r, 0);

    if (page_session_form(r, &f) < 0 || order_get(c, id, &o) < 0)
        return page_finish(r, -1);
    if (page_form_bind(r, &f, order_item_map_fields, &in, &b, 0) == 0 &&
        order_item_map(c, id, http_param_id(r, 1), in.product_id) == 0)
        return page_redirect_notice(
            r, arena_printf(c->arena, "/orders/%lld", (long long)id),
            "Mapped: later items of this listing match by themselves");
    if (c->err.kind != ERR_VALIDATION && c->err.kind != ERR_CONFLICT)
        return page_finish(r, -1);
    {
        struct err keep = c->err;
        int64_t item = http_param_id(r, 1);

        err_clear(&c->err);
        if (order_get(c, id, &o) < 0)
            return page_finish(r, -1);
        c->err = keep;
        /* the refusal lands beside the item's row */
        for (int i = 0; i < o.nitems; i++)
            if (o.items[i].id == item)
                for (int k = 0; k < c->err.nfields; k++)
                    if (strcmp(c->err.fields[k].name, "product_id") == 0)
                        snprintf(c->err.fields[k].name,
                                 sizeof c->err.fields[k].name,
                                 "items[%d].product_id", i);
    }
    return page_finish(r, order_render(r, err_http_status(c->err.kind), &o,
                                       NULL));
}
