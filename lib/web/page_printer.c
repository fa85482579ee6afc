/*
 * The printer page (/printers/<id>): its live status, the edit form and
 * delete, and the frame every part of the page is rendered in. The parts
 * (AMS slots, queue, history, maintenance, notifications) fill their own
 * sections from page_printer_parts.c and page_printer_notify.c. Another
 * user's printer is the 404 page: printer_get answers 404 for it.
 */
#include "web/page_printer.h"
#include "web/api.h"

#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "domain/job.h"
#include "domain/printer.h"
#include "store/db.h"
#include "web/badge.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

const struct field pp_no_fields[] = {{0}};

static int
busy(const struct printer *p)
{
    return p->status != NULL && (strcmp(p->status, "printing") == 0 ||
                                 strcmp(p->status, "preparing") == 0 ||
                                 strcmp(p->status, "paused") == 0);
}

/* The state the dispatcher last saw, with the data-field names
 * static/app.js keeps up to date. */
static void
live(struct req *r, struct tmpl_dict *d, const struct printer *p)
{
    struct ctx *c = r->c;
    struct arena *a = c->arena;
    struct job j;
    int b = busy(p);

    badge_set(d, "STATUS", BADGE_PRINTER, p->status);
    if (p->status_detail != NULL && *p->status_detail)
        tmpl_set(tmpl_section_add(d, "DETAIL"), "STATUS_DETAIL",
                 p->status_detail);
    tmpl_set(d, "ONLINE", p->online ? "Online" : "Offline");
    tmpl_set(d, "ONLINE_TONE", p->online ? "ok" : "muted");
    if (p->current_print_id != DB_NULL && p->current_print_id > 0 &&
        job_get(c, p->current_print_id, &j) == 0)
        tmpl_set(d, "JOB_NAME", j.name);
    else
        tmpl_set(d, "JOB_NAME", PAGEFMT_NONE);
    err_clear(&c->err); /* a print deleted meanwhile is no error */
    tmpl_set_int(d, "PROGRESS",
                 b && p->progress_percent != DB_NULL ? p->progress_percent : 0);
    tmpl_set(d, "PROGRESS_TEXT",
             pagefmt_percent(a, b ? p->progress_percent : DB_NULL));
    tmpl_set(d, "REMAINING",
             pagefmt_minutes(a, b ? p->remaining_minutes : DB_NULL));
    pagefmt_time(a, d, "ENDS",
                 b && p->remaining_minutes != DB_NULL
                     ? c->now + p->remaining_minutes * 60
                     : DB_NULL);
    tmpl_set(d, "NOZZLE", pagefmt_degrees(a, p->nozzle_temp));
    tmpl_set(d, "BED", pagefmt_degrees(a, p->bed_temp));
    pagefmt_time(a, d, "SEEN", p->last_seen_at);
}

void
pp_fill(struct req *r, struct tmpl_dict *d, const struct field *fields,
        const void *in, const struct pp_post *post, const char *form,
        int64_t item)
{
    struct err *e = &r->c->err;

    if (post != NULL && strcmp(post->form, form) == 0 && post->item == item) {
        *e = post->err;
        page_form_fill(r, d, fields, in, post->f);
        err_clear(e);
        return;
    }
    page_form_fill(r, d, fields, in, NULL);
}

int
pp_show(struct req *r, int64_t id, int status, const char *form, int64_t item,
        const struct page_form *f, const char *secret)
{
    struct ctx *c = r->c;
    struct pp_post post, *pp = NULL;
    struct tmpl_dict *d;
    struct printer p;

    if (form != NULL) {
        /* the reads below start clean; the post's errors go to its form */
        post.form = form;
        post.item = item;
        post.f = f;
        post.err = c->err;
        err_clear(&c->err);
        pp = &post;
    }
    if (printer_get(c, id, &p) < 0 ||
        (d = page_start(r, p.name, "PRINTERS")) == NULL)
        return -1;
    tmpl_set_int(d, "ID", p.id);
    tmpl_set(d, "NAME", p.name);
    tmpl_set(d, "MODEL", p.model);
    tmpl_set(d, "SERIAL", p.serial);
    tmpl_set(d, "HOST", p.host);
    live(r, d, &p);
    {
        struct tmpl_dict *edit = tmpl_section_add(d, "EDIT");

        tmpl_set_int(edit, "POWER_DEFAULT", printer_default_watts(p.model));
        tmpl_set(edit, "CURRENCY", c->conf->currency);
        pp_fill(r, edit, printer_fields, &p, pp, "edit", 0);
    }
    pp_fill(r, tmpl_section_add(d, "DELETE"), pp_no_fields, NULL, pp, "delete",
            0);
    if (pp_parts(r, d, &p, pp) < 0 || pp_notify(r, d, &p, pp, secret) < 0)
        return -1;
    return page_render(r, status, "printer.tpl", d);
}

int
pp_after(struct req *r, int64_t id, int rc, const char *form, int64_t item,
         const struct page_form *f)
{
    enum err_kind k = r->c->err.kind;

    if (rc == 0)
        return 0;
    if (db_in_transaction(r->c->db))
        db_rollback(r->c->db);
    if (k != ERR_VALIDATION && k != ERR_CONFLICT)
        return page_error(r);
    return page_finish(
        r, pp_show(r, id, k == ERR_CONFLICT ? 409 : 422, form, item, f, NULL));
}

const char *
pp_path(struct req *r, int64_t id, const char *anchor)
{
    return arena_printf(r->c->arena, "/printers/%lld#%s", (long long)id,
                        anchor);
}

int
page_printer(struct req *r)
{
    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    return page_finish(
        r, pp_show(r, http_param_id(r, 0), 200, NULL, 0, NULL, NULL));
}

static int
update(struct req *r, int64_t id, const struct page_form *f)
{
    struct printer p;
    struct bound b;

    /* a blank access code is left out, so the stored one is kept */
    if (printer_get(r->c, id, &p) < 0 ||
        page_form_bind(r, f, printer_fields, &p, &b, 1) < 0 ||
        printer_update(r->c, &p) < 0)
        return -1;
    return page_redirect_notice(
        r, arena_printf(r->c->arena, "/printers/%lld", (long long)id),
        arena_printf(r->c->arena, "Printer %s saved", p.name));
}

int
page_printer_update(struct req *r)
{
    struct page_form f;
    int64_t id = http_param_id(r, 0);

    if (page_session_form(r, &f) < 0)
        return page_error(r);
    return pp_after(r, id, update(r, id, &f), "edit", 0, &f);
}

static int delete (struct req *r, int64_t id)
{
    struct printer p;

    /* the domain cancels its queued and scheduled prints */
    if (printer_get(r->c, id, &p) < 0 || printer_delete(r->c, id) < 0)
        return -1;
    return page_redirect_notice(
        r, "/printers",
        arena_printf(r->c->arena, "Printer %s deleted", p.name));
}

int
page_printer_delete(struct req *r)
{
    struct page_form f;
    int64_t id = http_param_id(r, 0);

    if (page_session_form(r, &f) < 0)
        return page_error(r);
    return pp_after(r, id, delete (r, id), "delete", 0, &f);
}
