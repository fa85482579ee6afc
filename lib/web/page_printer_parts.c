/*
 * The printer page's AMS slots (add, edit, remove a material), its queue
 * in run order (cancel a print, change its priority) and its recent
 * history. Forms bind through material_fields and job_fields, the API's
 * own tables; the queue is job_queue's order, the one the dispatcher runs.
 */
#include "web/api.h"
#include "web/page_printer.h"

#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "domain/job.h"
#include "domain/material.h"
#include "domain/printer.h"
#include "store/db.h"
#include "web/badge.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define QUEUE_MAX 200  /* prints shown in a printer's queue */
#define HISTORY_MAX 10 /* ended prints shown */

/* The row of job_fields for priority alone: the change-priority form
 * binds and checks just that field with the API's rule. */
static const struct field *
priority_fields(void)
{
    static struct field one[2];

    if (one[0].key == NULL)
        for (const struct field *fd = job_fields; fd->key != NULL; fd++)
            if (strcmp(fd->key, "priority") == 0)
                one[0] = *fd;
    return one;
}

static void
material_row(struct req *r, struct tmpl_dict *list, const struct material *m,
             const struct pp_post *post)
{
    struct arena *a = r->c->arena;
    struct tmpl_dict *row = tmpl_section_add(list, "MATERIAL");

    tmpl_set_int(row, "MID", m->id);
    tmpl_set_int(row, "SLOT_NO", m->slot + 1);
    tmpl_set(row, "TYPE", m->material_type);
    tmpl_set(row, "SWATCH", m->color ? m->color : "#888888");
    tmpl_set(row, "COLOR_TEXT", m->color ? m->color : PAGEFMT_NONE);
    tmpl_set(row, "PCT", pagefmt_percent(a, m->remaining_percent));
    tmpl_set(row, "LEFT", pagefmt_grams(a, material_remaining_grams(m)));
    tmpl_set(row, "VENDOR_TEXT", m->vendor ? m->vendor : PAGEFMT_NONE);
    tmpl_set(row, "COST_TEXT", m->cost_per_kg == DB_NULL
                                   ? PAGEFMT_NONE
                                   : pagefmt_money(a, m->cost_per_kg));
    tmpl_set(row, "SOURCE", m->source);
    pp_fill(r, tmpl_section_add(row, "FORM"), material_fields, m, post,
            "material", m->id);
    pp_fill(r, tmpl_section_add(row, "REMOVE"), pp_no_fields, NULL, post,
            "material_delete", m->id);
    /* a failed edit stays open, so its errors are seen */
    if (post != NULL && post->item == m->id &&
        strcmp(post->form, "material") == 0)
        tmpl_show(row, "OPEN");
}

static int
materials(struct req *r, struct tmpl_dict *d, const struct printer *p,
          const struct pp_post *post)
{
    struct material *list, fresh;
    int n;

    if (material_list(r->c, p->id, MATERIAL_SLOTS, 0, &list, &n) < 0)
        return -1;
    if (n == 0)
        tmpl_show(d, "NO_MATERIALS");
    else {
        struct tmpl_dict *t = tmpl_section_add(d, "MATERIALS");

        for (int i = 0; i < n; i++)
            material_row(r, t, &list[i], post);
    }
    material_init(&fresh);
    fresh.slot = DB_NULL; /* the user picks it */
    pp_fill(r, tmpl_section_add(d, "ADD_MATERIAL"), material_fields, &fresh,
            post, "material_add", 0);
    return 0;
}

static void
queue_row(struct req *r, struct tmpl_dict *list, const struct job *j, int pos,
          const struct pp_post *post)
{
    struct arena *a = r->c->arena;
    struct tmpl_dict *row = tmpl_section_add(list, "PRINT");
    int waiting = strcmp(j->status, "queued") == 0 ||
                  strcmp(j->status, "scheduled") == 0;

    tmpl_set_int(row, "PID", j->id);
    tmpl_set_int(row, "POS", pos);
    tmpl_set(row, "PNAME", j->name);
    tmpl_set(row, "FILE", j->file);
    badge_set(row, "PSTATUS", BADGE_PRINT, j->status);
    tmpl_set(row, "EST", pagefmt_minutes(a, j->estimated_minutes));
    pagefmt_time(a, row, "AT", j->scheduled_at);
    if (!waiting) {
        tmpl_set_int(row, "PRIORITY_TEXT", j->priority);
        return;
    }
    pp_fill(r, tmpl_section_add(row, "PRIO"), priority_fields(), j, post,
            "priority", j->id);
    pp_fill(r, tmpl_section_add(row, "CANCEL"), pp_no_fields, NULL, post,
            "cancel", j->id);
}

static int
queue(struct req *r, struct tmpl_dict *d, const struct printer *p,
      const struct pp_post *post)
{
    struct job *list;
    int n;

    if (job_queue(r->c, p->id, QUEUE_MAX, 0, &list, &n) < 0)
        return -1;
    if (n == 0) {
        tmpl_show(d, "NO_QUEUE");
        return 0;
    }
    d = tmpl_section_add(d, "QUEUE");
    for (int i = 0; i < n; i++)
        queue_row(r, d, &list[i], i + 1, post);
    return 0;
}

static int
history(struct req *r, struct tmpl_dict *d, const struct printer *p)
{
    struct arena *a = r->c->arena;
    struct job_filter f = {0};
    struct job *list;
    int n;

    f.printer_id = p->id;
    f.statuses =
        1u << JOB_COMPLETED | 1u << JOB_FAILED | 1u << JOB_CANCELLED;
    if (job_list(r->c, &f, HISTORY_MAX, 0, &list, &n) < 0)
        return -1;
    if (n == 0) {
        tmpl_show(d, "NO_HISTORY");
        return 0;
    }
    d = tmpl_section_add(d, "HISTORY");
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *row = tmpl_section_add(d, "ENDED");

        tmpl_set(row, "HNAME", list[i].name);
        badge_set(row, "HSTATUS", BADGE_PRINT, list[i].status);
        if (list[i].failure_reason != NULL)
            tmpl_set(tmpl_section_add(row, "REASON"), "REASON_TEXT",
                     list[i].failure_reason);
        pagefmt_time(a, row, "ENDED_AT",
                     list[i].completed_at != DB_NULL ? list[i].completed_at
                                                     : list[i].updated_at);
    }
    return 0;
}

int
pp_parts(struct req *r, struct tmpl_dict *d, const struct printer *p,
         const struct pp_post *post)
{
    return materials(r, d, p, post) < 0 || queue(r, d, p, post) < 0 ||
                   history(r, d, p) < 0
               ? -1
               : 0;
}

/* ---- the posts ------------------------------------------------------- */

static const char *
page_of(struct req *r, int64_t id, const char *anchor)
{
    return arena_printf(r->c->arena, "/printers/%lld#%s", (long long)id,
                        anchor);
}

/* Loads material mid of printer id: another printer's is not found. */
static int
material_of(struct req *r, int64_t id, int64_t mid, struct material *m)
{
    if (material_get(r->c, mid, m) < 0)
        return -1;
    if (m->printer_id != id)
        return err_set(&r->c->err, ERR_NOT_FOUND, "no such material");
    return 0;
}

static int
material_add(struct req *r, int64_t id, const struct page_form *f)
{
    struct material m;
    struct bound b;

    material_init(&m);
    m.printer_id = id;
    if (printer_owned(r->c, id) == 0)
        return err_set(&r->c->err, ERR_NOT_FOUND, "no such printer");
    if (page_form_bind(r, f, material_fields, &m, &b, 0) < 0 ||
        material_create(r->c, &m) < 0)
        return -1;
    return page_redirect_notice(
        r, page_of(r, id, "materials"),
        arena_printf(r->c->arena, "%s added to slot %lld", m.material_type,
                     (long long)m.slot + 1));
}

static int
material_edit(struct req *r, int64_t id, int64_t mid,
              const struct page_form *f)
{
    struct material m;
    struct bound b;

    if (material_of(r, id, mid, &m) < 0 ||
        page_form_bind(r, f, material_fields, &m, &b, 0) < 0 ||
        material_update(r->c, &m) < 0)
        return -1;
    return page_redirect_notice(
        r, page_of(r, id, "materials"),
        arena_printf(r->c->arena, "Slot %lld saved", (long long)m.slot + 1));
}

static int
material_remove(struct req *r, int64_t id, int64_t mid)
{
    struct material m;

    if (material_of(r, id, mid, &m) < 0 || material_delete(r->c, mid) < 0)
        return -1;
    return page_redirect_notice(
        r, page_of(r, id, "materials"),
        arena_printf(r->c->arena, "Slot %lld emptied", (long long)m.slot + 1));
}

/* Loads print pid of printer id: a print of another printer is not
 * found here. */
static int
print_of(struct req *r, int64_t id, int64_t pid, struct job *j)
{
    if (job_get(r->c, pid, j) < 0)
        return -1;
    if (j->printer_id != id)
        return err_set(&r->c->err, ERR_NOT_FOUND, "no such print");
    return 0;
}

static int
print_cancel(struct req *r, int64_t id, int64_t pid)
{
    struct job j;

    if (print_of(r, id, pid, &j) < 0 || job_cancel(r->c, pid) < 0)
        return -1;
    return page_redirect_notice(
        r, page_of(r, id, "queue"),
        arena_printf(r->c->arena, "Print %s cancelled", j.name));
}

static int
print_priority(struct req *r, int64_t id, int64_t pid,
               const struct page_form *f)
{
    struct job j;
    struct bound b;

    if (print_of(r, id, pid, &j) < 0 ||
        page_form_bind(r, f, priority_fields(), &j, &b, 0) < 0 ||
        job_update(r->c, &j) < 0)
        return -1;
    return page_redirect_notice(
        r, page_of(r, id, "queue"),
        arena_printf(r->c->arena, "Priority of %s set to %lld", j.name,
                     (long long)j.priority));
}

/* The shape of every post here: the signed-in form, then the action. */
#define POST(form, item, call)                                                 \
    struct page_form f;                                                        \
    int64_t id = http_param_id(r, 0);                                          \
    if (page_session_form(r, &f) < 0)                                          \
        return page_error(r);                                                  \
    return pp_after(r, id, (call), form, item, &f)

int
page_printer_material_add(struct req *r)
{
    POST("material_add", 0, material_add(r, id, &f));
}

int
page_printer_material_update(struct req *r)
{
    POST("material", http_param_id(r, 1),
         material_edit(r, id, http_param_id(r, 1), &f));
}

int
page_printer_material_delete(struct req *r)
{
    POST("material_delete", http_param_id(r, 1),
         material_remove(r, id, http_param_id(r, 1)));
}

int
page_printer_print_cancel(struct req *r)
{
    POST("cancel", http_param_id(r, 1),
         print_cancel(r, id, http_param_id(r, 1)));
}

int
page_printer_print_priority(struct req *r)
{
    POST("priority", http_param_id(r, 1),
         print_priority(r, id, http_param_id(r, 1), &f));
}
