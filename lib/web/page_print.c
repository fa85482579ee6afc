/*
 * A print's page (/queue/<id>): what it is (file, plate, printer or "any
 * printer", order, chain parent), where it stands (status badge, times,
 * progress, the failure reason, attempts), what it used (grams, material
 * cost) and its actions — the same cancel and retry posts as the /queue
 * rows, the move form a waiting print's row links to (POST
 * /queue/<id>/move, page_queue.c, which comes back here), and for an open
 * print a link to the queue's new-print form chained after it. Another
 * user's print is the not-found page (job_get's 404).
 */
#include "web/api.h"

#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/null.h"
#include "domain/job.h"
#include "domain/printer.h"
#include "web/badge.h"
#include "web/http.h"
#include "web/page.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define PRINT_PRINTERS_MAX 1000 /* as /queue lists them */

static void
set_int_or_none(struct arena *a, struct tmpl_dict *d, const char *key,
                int64_t v, const char *unit)
{
    tmpl_set(d, key,
             v == DB_NULL ? PAGEFMT_NONE
                          : arena_printf(a, "%lld%s", (long long)v, unit));
}

/* The printer's name and link, or "any printer". */
static int
print_printer(struct req *r, struct tmpl_dict *d, const struct job *j)
{
    struct printer p;

    if (j->printer_id == DB_NULL) {
        tmpl_show(d, "ANY_PRINTER");
        return 0;
    }
    if (printer_get(r->c, j->printer_id, &p) < 0)
        return -1;
    tmpl_set_int(d, "PRINTER_ID", p.id);
    tmpl_set(d, "PRINTER_NAME", p.name);
    tmpl_show(d, "PRINTER");
    return 0;
}

/* The print it is chained after, when it is still the user's. */
static void
print_parent(struct req *r, struct tmpl_dict *d, const struct job *j)
{
    struct job parent;

    if (j->chain_after_id == DB_NULL)
        return;
    if (job_get(r->c, j->chain_after_id, &parent) == 0) {
        struct tmpl_dict *s = tmpl_section_add(d, "PARENT");

        tmpl_set_int(s, "PARENT_ID", parent.id);
        tmpl_set(s, "PARENT_NAME", parent.name);
        tmpl_set_int(s, "OFFSET", j->chain_offset_minutes);
    }
    err_clear(&r->c->err);
}

/* The move form: every printer of the user's and "any printer", the
 * current one selected. */
static int
print_move(struct req *r, struct tmpl_dict *d, const struct job *j)
{
    struct tmpl_dict *m = tmpl_section_add(d, "MOVE");
    struct printer *printers;
    int n;

    if (printer_list(r->c, PRINT_PRINTERS_MAX, 0, &printers, &n) < 0)
        return -1;
    tmpl_set_int(m, "ID", j->id);
    if (j->printer_id == DB_NULL)
        tmpl_show(m, "ANY_SELECTED");
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *o = tmpl_section_add(m, "TO");

        tmpl_set_int(o, "VALUE", printers[i].id);
        tmpl_set(o, "LABEL", printers[i].name);
        if (printers[i].id == j->printer_id)
            tmpl_show(o, "SELECTED");
    }
    return 0;
}

static int
print_page(struct req *r)
{
    struct ctx *c = r->c;
    struct tmpl_dict *d;
    struct job j;

    if (c->user_id == 0)
        return page_redirect(r, "/login");
    if (job_get(c, http_param_id(r, 0), &j) < 0 ||
        (d = page_start(r, j.name, "QUEUE")) == NULL ||
        print_printer(r, d, &j) < 0)
        return -1;
    tmpl_set_int(d, "ID", j.id);
    tmpl_set(d, "NAME", j.name);
    tmpl_set(d, "FILE", j.file);
    tmpl_set_int(d, "PLATE", j.plate);
    tmpl_set(d, "STATUS", j.status);
    badge_set(d, "STATUS", BADGE_PRINT, j.status);
    tmpl_set_int(d, "PRIORITY", j.priority);
    tmpl_set(d, "ESTIMATE", pagefmt_minutes(c->arena, j.estimated_minutes));
    tmpl_set(d, "PROGRESS", pagefmt_percent(c->arena, j.progress_percent));
    tmpl_set(d, "GRAMS", pagefmt_grams(c->arena, j.grams));
    tmpl_set(d, "COST", pagefmt_money(c->arena, j.material_cost));
    set_int_or_none(c->arena, d, "NOZZLE", j.nozzle_temp, " \xc2\xb0" "C");
    set_int_or_none(c->arena, d, "BED", j.bed_temp, " \xc2\xb0" "C");
    set_int_or_none(c->arena, d, "SPEED", j.speed_level, "");
    set_int_or_none(c->arena, d, "SLOT", j.material_slot == DB_NULL
                                             ? DB_NULL
                                             : j.material_slot + 1, "");
    tmpl_set(d, "MATERIAL", j.material_type ? j.material_type : PAGEFMT_NONE);
    tmpl_set(d, "COLOR", j.color ? j.color : PAGEFMT_NONE);
    pagefmt_time(c->arena, d, "SCHEDULED", j.scheduled_at);
    pagefmt_time(c->arena, d, "STARTED", j.started_at);
    pagefmt_time(c->arena, d, "ENDED", j.completed_at);
    pagefmt_time(c->arena, d, "CREATED", j.created_at);
    if (j.failure_reason != NULL)
        tmpl_set(tmpl_section_add(d, "REASON"), "FAILURE_REASON",
                 j.failure_reason);
    if (j.order_id != DB_NULL)
        tmpl_set_int(tmpl_section_add(d, "ORDER"), "ORDER_ID", j.order_id);
    print_parent(r, d, &j);
    if (strcmp(j.status, "queued") == 0 ||
        strcmp(j.status, "scheduled") == 0) {
        tmpl_show(d, "CANCEL");
        if (print_move(r, d, &j) < 0)
            return -1;
    }
    if (strcmp(j.status, "queued") == 0 ||
        strcmp(j.status, "scheduled") == 0 ||
        strcmp(j.status, "started") == 0)
        tmpl_show(d, "CHAIN");
    if (strcmp(j.status, "failed") == 0)
        tmpl_show(d, "RETRY");
    return page_render(r, 200, "print.tpl", d);
}

int
page_print(struct req *r)
{
    return page_finish(r, print_page(r));
}
