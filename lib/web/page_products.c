/*
 * The product pages: /products (list, delete with confirmation),
 * /products/new and /products/<id> (one form for create and edit). The
 * form is bound through product_fields, the table POST /api/products uses,
 * so a form and a script get the same rule and message; the file is a
 * choice from the user's library.
 */
#include "web/api.h"

#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "domain/job.h"
#include "domain/printfile.h"
#include "domain/product.h"
#include "store/db.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define PRODUCTS_MAX 1000
#define FILES_MAX 1000

static const char *const speed_words[] = {"", "1 - silent", "2 - standard",
                                          "3 - sport", "4 - ludicrous"};

/* --- the list ------------------------------------------------------------ */

static void
product_row(struct req *r, struct tmpl_dict *table, const struct product *p)
{
    struct arena *a = r->c->arena;
    struct tmpl_dict *row = tmpl_section_add(table, "PRODUCT");

    tmpl_set_int(row, "ID", (int)p->id);
    tmpl_set(row, "NAME", p->name);
    tmpl_set(row, "SKU", p->sku ? p->sku : PAGEFMT_NONE);
    tmpl_set(row, "LISTING",
             p->etsy_listing_id == DB_NULL
                 ? PAGEFMT_NONE
                 : arena_printf(a, "%lld", (long long)p->etsy_listing_id));
    tmpl_set(row, "FILE", p->file);
    tmpl_set(row, "MINUTES", pagefmt_minutes(a, p->estimated_minutes));
    tmpl_set(row, "GRAMS", pagefmt_grams(a, p->grams));
    tmpl_set(row, "MATERIAL",
             p->material_type ? p->material_type : PAGEFMT_NONE);
}

static int
list(struct req *r)
{
    struct tmpl_dict *d, *table;
    struct product *ps;
    int n;

    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    if ((d = page_start(r, "Products", "PRODUCTS")) == NULL ||
        product_list(r->c, PRODUCTS_MAX, 0, &ps, &n) < 0)
        return -1;
    if (n == 0)
        tmpl_show(d, "EMPTY");
    table = n > 0 ? tmpl_section_add(d, "TABLE") : NULL;
    for (int i = 0; i < n; i++)
        product_row(r, table, &ps[i]);
    return page_render(r, 200, "products.tpl", d);
}

int
page_products(struct req *r)
{
    return page_finish(r, list(r));
}

/* --- the form ------------------------------------------------------------ */

/* The choices the form offers: the library's files (the current one kept
 * even when it has left the library) and the speed levels. */
static int
form_choices(struct req *r, struct tmpl_dict *d, const char *file,
             const char *speed)
{
    struct printfile *fs;
    int n, found = 0;

    if (printfile_list(r->c, FILES_MAX, 0, &fs, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *o = tmpl_section_add(d, "FILE_OPT");

        tmpl_set(o, "value", fs[i].name);
        if (file != NULL && strcmp(fs[i].name, file) == 0) {
            tmpl_show(o, "selected");
            found = 1;
        }
    }
    if (file != NULL && *file && !found) {
        struct tmpl_dict *o = tmpl_section_add(d, "FILE_OPT");

        tmpl_set(o, "value", file);
        tmpl_show(o, "selected");
    }
    if (n == 0)
        tmpl_show(d, "NO_FILES");
    for (int s = 1; s <= JOB_SPEED_LEVEL_MAX; s++) {
        struct tmpl_dict *o = tmpl_section_add(d, "SPEED_OPT");

        tmpl_set_int(o, "value", s);
        tmpl_set(o, "label", speed_words[s]);
        if (speed != NULL && speed[0] == '0' + s && speed[1] == '\0')
            tmpl_show(o, "selected");
    }
    return 0;
}

/* The form page for p (id 0: a new product), after a failed post f (NULL:
 * the first view) with c->err, answered with status. */
static int
form_render(struct req *r, int status, const struct product *p,
            const struct page_form *f)
{
    struct arena *a = r->c->arena;
    struct tmpl_dict *d;
    const char *file, *speed;

    d = page_start(r, p->id ? "Edit product" : "New product", "PRODUCTS");
    if (d == NULL)
        return -1;
    page_form_fill(r, d, product_fields, p, f);
    file = f ? page_form_get(f, "file") : p->file;
    speed = f ? page_form_get(f, "speed_level")
              : arena_printf(a, "%lld", (long long)p->speed_level);
    if (form_choices(r, d, file, speed) < 0)
        return -1;
    if (p->id) {
        tmpl_set_int(d, "ID", (int)p->id);
        tmpl_set(d, "ACTION", arena_printf(a, "/products/%lld",
                                           (long long)p->id));
        tmpl_show(d, "EDIT");
    } else {
        tmpl_set(d, "ACTION", "/products");
        tmpl_show(d, "NEW");
    }
    return page_render(r, status, "product_form.tpl", d);
}

int
page_product_new(struct req *r)
{
    struct product p;

    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    product_init(&p);
    return page_finish(r, form_render(r, 200, &p, NULL));
}

int
page_product_edit(struct req *r)
{
    struct product p;

    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    if (product_get(r->c, http_param_id(r, 0), &p) < 0)
        return page_finish(r, -1);
    return page_finish(r, form_render(r, 200, &p, NULL));
}

/* Binds the form into p and saves it (create when p->id is 0). The whole
 * form is sent on an edit too, so it binds as a create does: a cleared
 * required field is "is required", not silently kept. */
static int
save(struct req *r, struct product *p, const struct page_form *f)
{
    struct bound b;

    if (page_form_bind(r, f, product_fields, p, &b, 0) < 0)
        return -1;
    if (p->id == 0)
        return product_create(r->c, p) < 0 ? -1 : 0;
    return product_update(r->c, p);
}

/* After save: 303 to the list with a notice, the form again with 422, or
 * the error page. */
static int
answer(struct req *r, struct product *p, const struct page_form *f, int rc,
       const char *done)
{
    struct ctx *c = r->c;

    if (rc == 0)
        return page_redirect_notice(r, "/products",
                                    arena_printf(c->arena, "Product %s %s",
                                                 p->name, done));
    if (c->err.kind != ERR_VALIDATION && c->err.kind != ERR_CONFLICT)
        return page_finish(r, -1);
    return page_finish(r, form_render(r, err_http_status(c->err.kind), p, f));
}

int
page_product_create(struct req *r)
{
    struct page_form f;
    struct product p;

    product_init(&p);
    if (page_session_form(r, &f) < 0)
        return page_finish(r, -1);
    return answer(r, &p, &f, save(r, &p, &f), "added");
}

int
page_product_update(struct req *r)
{
    struct page_form f;
    struct product p;

    if (page_session_form(r, &f) < 0 ||
        product_get(r->c, http_param_id(r, 0), &p) < 0)
        return page_finish(r, -1);
    return answer(r, &p, &f, save(r, &p, &f), "saved");
}

int
page_product_delete(struct req *r)
{
    struct page_form f;
    struct product p;

    if (page_session_form(r, &f) < 0 ||
        product_get(r->c, http_param_id(r, 0), &p) < 0 ||
        product_delete(r->c, p.id) < 0)
        return page_finish(r, -1);
    return page_redirect_notice(
        r, "/products",
        arena_printf(r->c->arena, "Product %s deleted", p.name));
}
