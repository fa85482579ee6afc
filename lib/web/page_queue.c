/*
 * /queue: every print of the farm with filters (status, by default the
 * active ones; printer; order; unassigned) as a GET form, paged, with the
 * timeline and the new-print form on the same page; and the row actions:
 * cancel (confirmed), retry a failed print, and a link to move a waiting
 * print (its form is on the print's page, page_print.c: a select of every
 * printer in each of 50 rows was most of this page). Positions and
 * expected starts come from the job module's plan (domain/job_timeline),
 * so the list and the timeline agree.
 */
#include "web/api.h"
#include "web/page_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/null.h"
#include "domain/job.h"
#include "domain/job_timeline.h"
#include "domain/order.h"
#include "domain/printer.h"
#include "web/badge.h"
#include "web/http.h"
#include "web/page.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define QUEUE_PAGE 50
#define QUEUE_PAGE_MAX 10000
#define QUEUE_PRINTERS_MAX 1000
#define QUEUE_ORDERS_MAX 200 /* the newest, for the filter */
#define ACTIVE ((1u << JOB_QUEUED) | (1u << JOB_SCHEDULED) | (1u << JOB_STARTED))

/* The status filter's choices: "" is the default (the active ones). */
static const char *const status_choices[][2] = {
    {"", "Active (queued, scheduled, printing)"},
    {"queued", "Queued"},
    {"scheduled", "Scheduled"},
    {"started", "Printing"},
    {"failed", "Failed"},
    {"completed", "Completed"},
    {"cancelled", "Cancelled"},
    {"all", "All"},
};

struct filter {
    struct job_filter f;
    const char *status, *query; /* query: the filter as a query string */
    int64_t page;
};

const char *
page_queue_printer_name(const struct queue_view *v, long long id)
{
    for (int i = 0; i < v->nprinters; i++)
        if (v->printers[i].id == id)
            return v->printers[i].name;
    return NULL;
}

int
page_queue_query_id(struct req *r, const char *key, int64_t max,
                    int64_t *out)
{
    const char *s = http_query(r, key);
    char *end;
    long long v;

    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > max)
        return err_field(&r->c->err, key, "must be a whole number from 1");
    *out = v;
    return 0;
}

static int
filter_read(struct req *r, struct filter *q)
{
    struct ctx *c = r->c;
    const char *s = http_query(r, "status"), *un = http_query(r, "unassigned");

    memset(q, 0, sizeof(*q));
    q->page = 1;
    q->status = s ? s : "";
    if (*q->status == '\0')
        q->f.statuses = ACTIVE;
    else if (strcmp(q->status, "all") != 0 &&
             job_status_mask(q->status, &q->f.statuses) < 0)
        return err_field(&c->err, "status", "is not a print status");
    q->f.unassigned = un != NULL && strcmp(un, "1") == 0;
    if (page_queue_query_id(r, "printer_id", INT64_MAX, &q->f.printer_id) < 0 ||
        page_queue_query_id(r, "order_id", INT64_MAX, &q->f.order_id) < 0 ||
        page_queue_query_id(r, "page", QUEUE_PAGE_MAX, &q->page) < 0)
        return -1;
    /* statuses are letters and commas, the rest digits: nothing to escape */
    q->query = arena_printf(c->arena, "status=%s&printer_id=%s&order_id=%s%s",
                            q->status,
                            q->f.printer_id
                                ? arena_printf(c->arena, "%lld",
                                               (long long)q->f.printer_id)
                                : "",
                            q->f.order_id
                                ? arena_printf(c->arena, "%lld",
                                               (long long)q->f.order_id)
                                : "",
                            q->f.unassigned ? "&unassigned=1" : "");
    return 0;
}

static void
option(struct tmpl_dict *d, const char *section, const char *value,
       const char *label, int selected)
{
    struct tmpl_dict *o = tmpl_section_add(d, section);

    tmpl_set(o, "VALUE", value);
    tmpl_set(o, "LABEL", label);
    if (selected)
        tmpl_show(o, "SELECTED");
}

static int
filter_form(struct queue_view *v, const struct filter *q)
{
    struct arena *a = v->r->c->arena;
    struct order *orders;
    int n;

    for (size_t i = 0; i < sizeof(status_choices) / sizeof(*status_choices);
         i++)
        option(v->d, "F_STATUS", status_choices[i][0], status_choices[i][1],
               strcmp(q->status, status_choices[i][0]) == 0);
    for (int i = 0; i < v->nprinters; i++)
        option(v->d, "F_PRINTER",
               arena_printf(a, "%lld", (long long)v->printers[i].id),
               v->printers[i].name, v->printers[i].id == q->f.printer_id);
    if (order_list(v->r->c, QUEUE_ORDERS_MAX, 0, &orders, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        option(v->d, "F_ORDER", arena_printf(a, "%lld", (long long)orders[i].id),
               arena_printf(a, "#%lld %s", (long long)orders[i].id,
                            orders[i].buyer ? orders[i].buyer : ""),
               orders[i].id == q->f.order_id);
    if (q->f.unassigned)
        tmpl_show(v->d, "F_UNASSIGNED");
    return 0;
}

/* The row's actions: what its status allows. */
static void
row_actions(struct tmpl_dict *row, const struct job *j)
{
    int st = job_status_from_name(j->status);

    if (st == JOB_QUEUED || st == JOB_SCHEDULED) {
        tmpl_show(row, "MOVE");
        tmpl_show(row, "CANCEL");
    }
    if (st == JOB_FAILED)
        tmpl_show(row, "RETRY");
}

static void
row(struct queue_view *v, struct tmpl_dict *table, const struct job *j)
{
    struct arena *a = v->r->c->arena;
    struct tmpl_dict *w = tmpl_section_add(table, "ROW");
    const struct job_plan *p = job_timeline_find(v->plan, v->nplan, j->id);
    const char *printer = page_queue_printer_name(v, j->printer_id);
    int64_t start = p ? p->start
                    : j->started_at != DB_NULL ? j->started_at
                                               : j->scheduled_at;

    tmpl_set_int(w, "ID", j->id);
    tmpl_set(w, "NAME", j->name);
    tmpl_set(w, "FILE", j->file);
    tmpl_set(w, "PRINTER", j->printer_id == DB_NULL ? "any printer"
                           : printer                ? printer
                                                    : "(deleted printer)");
    if (j->printer_id == DB_NULL)
        tmpl_show(w, "ANY");
    badge_set(w, "STATUS", BADGE_PRINT, j->status);
    tmpl_set_int(w, "PRIORITY", j->priority);
    tmpl_set(w, "POSITION", p && p->position > 0
                                ? arena_printf(a, "%d", p->position)
                                : PAGEFMT_NONE);
    pagefmt_time(a, w, "START", start);
    if (p && p->estimated)
        tmpl_show(w, "EXPECTED");
    tmpl_set(w, "MINUTES", pagefmt_minutes(a, j->estimated_minutes));
    if (j->chain_after_id != DB_NULL) {
        const struct job_plan *parent =
            job_timeline_find(v->plan, v->nplan, j->chain_after_id);
        struct tmpl_dict *c = tmpl_section_add(w, "CHAIN");

        tmpl_set_int(c, "PARENT", j->chain_after_id);
        tmpl_set(c, "PARENT_NAME", parent ? parent->name : "");
        tmpl_set_int(c, "OFFSET", j->chain_offset_minutes);
    }
    if (j->failure_reason != NULL && *j->failure_reason)
        tmpl_set(tmpl_section_add(w, "REASON"), "TEXT", j->failure_reason);
    row_actions(w, j);
}

static int
list(struct queue_view *v, const struct filter *q)
{
    struct arena *a = v->r->c->arena;
    struct tmpl_dict *table;
    struct job *jobs;
    int n;

    if (job_list(v->r->c, &q->f, QUEUE_PAGE + 1, (q->page - 1) * QUEUE_PAGE,
                 &jobs, &n) < 0)
        return -1;
    if (n == 0) {
        tmpl_show(v->d, "NO_ROWS");
        return 0;
    }
    table = tmpl_section_add(v->d, "TABLE");
    for (int i = 0; i < n && i < QUEUE_PAGE; i++)
        row(v, table, &jobs[i]);
    if (q->page > 1)
        tmpl_set(tmpl_section_add(v->d, "PREV"), "HREF",
                 arena_printf(a, "/queue?%s&page=%lld", q->query,
                              (long long)q->page - 1));
    if (n > QUEUE_PAGE)
        tmpl_set(tmpl_section_add(v->d, "NEXT"), "HREF",
                 arena_printf(a, "/queue?%s&page=%lld", q->query,
                              (long long)q->page + 1));
    return 0;
}

int
page_queue_show(struct req *r, int status, const struct page_form *form)
{
    struct ctx *c = r->c;
    struct queue_view v = {r, NULL, NULL, 0, NULL, 0};
    struct filter q;
    struct err kept = c->err; /* the form's 422, shown beside its fields */

    err_clear(&c->err);
    if (filter_read(r, &q) < 0 ||
        printer_list(c, QUEUE_PRINTERS_MAX, 0, &v.printers, &v.nprinters) < 0 ||
        job_timeline(c, c->now, &v.plan, &v.nplan) < 0 ||
        (v.d = page_start(r, "Queue", "QUEUE")) == NULL)
        return -1;
    /* a filter naming another user's printer: not found, like its page */
    if (q.f.printer_id != 0 && page_queue_printer_name(&v, q.f.printer_id) == NULL)
        return err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    if (filter_form(&v, &q) < 0 || list(&v, &q) < 0)
        return -1;
    page_timeline_fill(&v);
    c->err = kept;
    if (page_queue_new_fill(&v, form) < 0)
        return -1;
    return page_render(r, status, "queue.tpl", v.d);
}

int
page_queue(struct req *r)
{
    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    if (page_from_cache(r))
        return 0;
    return page_finish(r, page_queue_show(r, 200, NULL));
}

/* ---- the row actions: POST /queue/:id/{cancel,retry,move} ---- */

static int
cancel(struct req *r)
{
    struct page_form f;
    struct job j;

    if (page_session_form(r, &f) < 0 ||
        job_get(r->c, http_param_id(r, 0), &j) < 0 ||
        job_cancel(r->c, j.id) < 0)
        return -1;
    return page_redirect_notice(r, "/queue",
                                arena_printf(r->c->arena, "Print %s cancelled",
                                             j.name));
}

static int
retry(struct req *r)
{
    struct page_form f;
    struct job j;

    if (page_session_form(r, &f) < 0 ||
        job_get(r->c, http_param_id(r, 0), &j) < 0 ||
        job_retry(r->c, j.id) < 0)
        return -1;
    return page_redirect_notice(r, "/queue",
                                arena_printf(r->c->arena, "Print %s queued again",
                                             j.name));
}

static int
move(struct req *r)
{
    struct page_form f;
    struct job j;
    const char *to;
    int64_t printer = DB_NULL;
    char *end;

    if (page_session_form(r, &f) < 0 ||
        job_get(r->c, http_param_id(r, 0), &j) < 0)
        return -1;
    to = page_form_str(&f, "printer_id");
    if (*to) {
        errno = 0;
        printer = strtoll(to, &end, 10);
        if (errno != 0 || *end != '\0' || printer < 1)
            return err_field(&r->c->err, "printer_id", "must be a printer id");
    }
    if (job_move_to(r->c, j.id, printer) < 0)
        return -1;
    /* back to the print's page, where the move form is */
    return page_redirect_notice(r,
                                arena_printf(r->c->arena, "/queue/%lld",
                                             (long long)j.id),
                                arena_printf(r->c->arena, "Print %s moved",
                                             j.name));
}

int
page_queue_cancel(struct req *r)
{
    return page_finish(r, cancel(r));
}

int
page_queue_retry(struct req *r)
{
    return page_finish(r, retry(r));
}

int
page_queue_move(struct req *r)
{
    return page_finish(r, move(r));
}
