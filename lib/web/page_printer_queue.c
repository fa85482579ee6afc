/*
 * The printer page's queue in run order (cancel a print with a confirm
 * step, change its priority) and its recent history. The queue is
 * job_queue's order, the one the dispatcher runs; the priority form binds
 * with job_fields' own rule for priority.
 */
#include "web/api.h"
#include "web/page_printer.h"

#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
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
queue_row(struct req *r, struct tmpl_dict *list, const struct job *j, int pos,
          const struct pp_post *post)
{
    struct arena *a = r->c->arena;
    struct tmpl_dict *row = tmpl_section_add(list, "PRINT");
    int waiting =
        strcmp(j->status, "queued") == 0 || strcmp(j->status, "scheduled") == 0;

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
queue_list(struct req *r, struct tmpl_dict *d, const struct printer *p,
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
    f.statuses = 1u << JOB_COMPLETED | 1u << JOB_FAILED | 1u << JOB_CANCELLED;
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
pp_queue(struct req *r, struct tmpl_dict *d, const struct printer *p,
         const struct pp_post *post)
{
    return queue_list(r, d, p, post) < 0 || history(r, d, p) < 0 ? -1 : 0;
}

/* ---- the posts ------------------------------------------------------- */

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
        r, pp_path(r, id, "queue"),
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
    return page_redirect_notice(r, pp_path(r, id, "queue"),
                                arena_printf(r->c->arena,
                                             "Priority of %s set to %lld",
                                             j.name, (long long)j.priority));
}

/* The shape of every post here: the signed-in form, then the action. */
#define POST(form, item, call)                                                 \
    struct page_form f;                                                        \
    int64_t id = http_param_id(r, 0);                                          \
    if (page_session_form(r, &f) < 0)                                          \
        return page_error(r);                                                  \
    return pp_after(r, id, (call), form, item, &f)

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
