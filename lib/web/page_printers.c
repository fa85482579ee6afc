/*
 * The printers list (/printers) and the add-a-printer form
 * (/printers/new). The form binds through printer_fields, the API's own
 * table, so a form and a script get the same message for the same input.
 * Every value goes through the dictionary, so names and states reach the
 * browser auto-escaped.
 */
#include "web/api.h"

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "domain/printer.h"
#include "store/db.h"
#include "web/badge.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define PAGE_PRINTERS_MAX 1000

static void
printer_row(struct req *r, struct tmpl_dict *table, const struct printer *p)
{
    struct arena *a = r->c->arena;
    struct tmpl_dict *row = tmpl_section_add(table, "PRINTER");

    tmpl_set_int(row, "ID", p->id);
    tmpl_set(row, "NAME", p->name);
    tmpl_set(row, "MODEL", p->model);
    tmpl_set(row, "SERIAL", p->serial);
    badge_set(row, "STATUS", BADGE_PRINTER, p->status);
    if (p->status_detail != NULL && *p->status_detail)
        tmpl_set(tmpl_section_add(row, "DETAIL"), "STATUS_DETAIL",
                 p->status_detail);
    tmpl_set(row, "ONLINE", p->online ? "Online" : "Offline");
    tmpl_set(row, "ONLINE_TONE", p->online ? "ok" : "muted");
    tmpl_set(row, "PROGRESS", pagefmt_percent(a, p->progress_percent));
    tmpl_set(row, "REMAINING", pagefmt_minutes(a, p->remaining_minutes));
    tmpl_set(row, "NOZZLE", pagefmt_degrees(a, p->nozzle_temp));
    tmpl_set(row, "BED", pagefmt_degrees(a, p->bed_temp));
    pagefmt_time(a, row, "SEEN", p->last_seen_at);
}

static int
printers(struct req *r)
{
    struct tmpl_dict *d, *table;
    struct printer *list;
    int n;

    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    if (printer_list(r->c, PAGE_PRINTERS_MAX, 0, &list, &n) < 0 ||
        (d = page_start(r, "Printers", "PRINTERS")) == NULL)
        return -1;
    tmpl_set_int(d, "COUNT", n);
    tmpl_show(d, n == 1 ? "ONE" : "MANY");
    if (n == 0) {
        tmpl_show(d, "EMPTY");
    } else {
        table = tmpl_section_add(d, "TABLE");
        for (int i = 0; i < n; i++)
            printer_row(r, table, &list[i]);
    }
    return page_render(r, 200, "printers.tpl", d);
}

int
page_printers(struct req *r)
{
    return page_finish(r, printers(r));
}

/* The form, empty (f NULL) or after a failed post with c->err. */
static int
new_form(struct req *r, int status, const struct page_form *f)
{
    struct tmpl_dict *d = page_start(r, "Add a printer", "PRINTERS");
    struct printer p;

    if (d == NULL)
        return -1;
    printer_init(&p);
    p.model = NULL; /* the user picks it */
    page_form_fill(r, d, printer_fields, &p, f);
    return page_render(r, status, "printer_new.tpl", d);
}

int
page_printer_new(struct req *r)
{
    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    return page_finish(r, new_form(r, 200, NULL));
}

static int
create(struct req *r, const struct page_form *f)
{
    struct printer p;
    struct bound b;
    int64_t id;

    printer_init(&p);
    if (page_form_bind(r, f, printer_fields, &p, &b, 0) < 0 ||
        (id = printer_create(r->c, &p)) < 0)
        return -1;
    return page_redirect_notice(
        r, arena_printf(r->c->arena, "/printers/%lld", (long long)id),
        arena_printf(r->c->arena, "Printer %s added", p.name));
}

int
page_printer_create(struct req *r)
{
    struct page_form f;
    enum err_kind k;

    if (page_session_form(r, &f) < 0)
        return page_error(r);
    if (create(r, &f) == 0)
        return 0;
    k = r->c->err.kind;
    if (k != ERR_VALIDATION && k != ERR_CONFLICT)
        return page_error(r);
    return page_finish(r, new_form(r, k == ERR_CONFLICT ? 409 : 422, &f));
}
