/*
 * The "new print" form of /queue and its POST: bound with job_fields and
 * created through job_create, exactly as POST /api/bambu/scheduled-prints
 * (one rule, one message). The choices come from the domain: the user's
 * files, printers and the newest not-ended prints (to chain after; GET
 * /queue?chain_after_id=N preselects any of them, listed or not).
 */
#include "web/api.h"
#include "web/page_queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "base/null.h"
#include "domain/job.h"
#include "domain/job_timeline.h"
#include "domain/printer.h"
#include "domain/printfile.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_form.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define NEW_FILES_MAX 1000
#define NEW_CHAIN_MAX 100 /* the newest open prints to chain after */

static const char *const speed_names[] = {"", "Silent", "Standard", "Sport",
                                          "Ludicrous"};

/* One <option> of a select whose current value is cur. */
static void
choice(struct tmpl_dict *d, const char *section, const char *value,
       const char *label, const char *cur)
{
    struct tmpl_dict *o = tmpl_section_add(d, section);

    tmpl_set(o, "VALUE", value);
    tmpl_set(o, "LABEL", label);
    if (strcmp(value, cur) == 0)
        tmpl_show(o, "SELECTED");
}

/* The value a select shows: the user's input after a failed post, else
 * the default. */
static const char *
current(const struct page_form *form, const char *key, const char *dflt)
{
    const char *v = form ? page_form_get(form, key) : NULL;

    return v ? v : dflt;
}

static int
file_choices(struct queue_view *v, struct tmpl_dict *n,
             const struct page_form *form)
{
    struct printfile *files;
    int nf;
    const char *cur = current(form, "file", "");

    if (printfile_list(v->r->c, NEW_FILES_MAX, 0, &files, &nf) < 0)
        return -1;
    if (nf == 0)
        tmpl_show(n, "NO_FILES");
    for (int i = 0; i < nf; i++)
        choice(n, "FILE_OPT", files[i].name, files[i].name, cur);
    return 0;
}

static void
printer_choices(struct queue_view *v, struct tmpl_dict *n,
                const struct page_form *form)
{
    struct arena *a = v->r->c->arena;
    const char *cur = current(form, "printer_id", "");

    for (int i = 0; i < v->nprinters; i++)
        choice(n, "PRINTER_OPT",
               arena_printf(a, "%lld", (long long)v->printers[i].id),
               v->printers[i].name, cur);
}

static int
id_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? 1 : x > y ? -1 : 0;
}

/* The smallest id among the NEW_CHAIN_MAX newest (highest id) open
 * prints: every one when there are no more than that. */
static int64_t
chain_cutoff(struct queue_view *v)
{
    int64_t *ids;

    if (v->nplan <= NEW_CHAIN_MAX)
        return 0;
    ids = arena_alloc(v->r->c->arena, sizeof(*ids) * (size_t)v->nplan);
    for (int i = 0; i < v->nplan; i++)
        ids[i] = v->plan[i].id;
    qsort(ids, (size_t)v->nplan, sizeof(*ids), id_desc);
    return ids[NEW_CHAIN_MAX - 1];
}

/* Prints to chain after: the NEW_CHAIN_MAX newest open prints (the plan
 * holds exactly the user's started, queued and scheduled prints) and the
 * chosen one, cur, wherever it is; grouped by printer in run order; an
 * option reads as the print's name. A print asked for by the query that
 * is none of them (ended, or not the user's) is said so beside the select
 * (a posted one has its field error). */
static void
chain_choices(struct queue_view *v, struct tmpl_dict *n, const char *cur,
              int asked)
{
    struct arena *a = v->r->c->arena;
    struct tmpl_dict *group = NULL;
    int64_t cutoff = chain_cutoff(v), last = 0;
    int found = *cur == '\0';

    for (int i = 0; i < v->nplan; i++) {
        const struct job_plan *p = &v->plan[i];
        const char *id = arena_printf(a, "%lld", (long long)p->id);
        int chosen = strcmp(id, cur) == 0;

        if (p->id < cutoff && !chosen)
            continue;
        found |= chosen;
        if (group == NULL || p->printer_id != last) {
            const char *where =
                p->printer_id == DB_NULL
                    ? "Any printer"
                    : page_queue_printer_name(v, p->printer_id);

            group = tmpl_section_add(n, "CHAIN_GROUP");
            tmpl_set(group, "LABEL", where ? where : "?");
            last = p->printer_id;
        }
        choice(group, "CHAIN_OPT", id, p->name, cur);
    }
    if (cutoff != 0) {
        struct tmpl_dict *l = tmpl_section_add(n, "CHAIN_LIMITED");

        tmpl_set_int(l, "MAX", NEW_CHAIN_MAX);
        tmpl_set_int(l, "OPEN", v->nplan);
    }
    if (!found && asked)
        tmpl_set(tmpl_section_add(n, "CHAIN_GONE"), "CHOSEN", cur);
}

int
page_queue_new_fill(struct queue_view *v, const struct page_form *form)
{
    struct tmpl_dict *n = tmpl_section_add(v->d, "NEW");
    const char *speed = current(form, "speed_level", "2");
    struct job dflt;
    int64_t after = 0;

    /* ?chain_after_id=N (the print page's "queue a print after this
     * one"): that print preselected */
    if (form == NULL && page_queue_query_id(v->r, "chain_after_id",
                                            INT64_MAX, &after) < 0)
        return -1;
    job_init(&dflt);
    dflt.estimated_minutes = DB_NULL; /* shown empty: the user's to say */
    page_form_fill(v->r, n, job_fields, &dflt, form);
    printer_choices(v, n, form);
    chain_choices(v, n,
                  current(form, "chain_after_id",
                          after ? arena_printf(v->r->c->arena, "%lld",
                                               (long long)after)
                                : ""),
                  after != 0);
    for (int i = 1; i <= JOB_SPEED_LEVEL_MAX; i++)
        choice(n, "SPEED_OPT", arena_printf(v->r->c->arena, "%d", i),
               arena_printf(v->r->c->arena, "%d %s", i, speed_names[i]), speed);
    return file_choices(v, n, form);
}

static int
create(struct req *r)
{
    struct page_form f;
    struct job j;
    struct bound b;

    if (page_session_form(r, &f) < 0)
        return -1;
    job_init(&j);
    if (page_form_bind(r, &f, job_fields, &j, &b, 0) < 0 ||
        job_create(r->c, &j) < 0) {
        if (r->c->err.kind != ERR_VALIDATION)
            return -1;
        return page_queue_show(r, 422, &f);
    }
    return page_redirect_notice(r, "/queue",
                                arena_printf(r->c->arena, "Print %s queued",
                                             j.name));
}

int
page_queue_create(struct req *r)
{
    return page_finish(r, create(r));
}
