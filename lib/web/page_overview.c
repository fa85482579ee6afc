/*
 * The overview (/): the farm at a glance, in the order DASHBOARD.md gives —
 * is anything wrong (the attention strip), what is happening (a card per
 * printer: status, current job and progress, temperatures, AMS swatches,
 * the next job), how are we doing (today's numbers). Signed out, "/" leads
 * to /setup or /login as before. Every value comes from the domain modules
 * and reaches the HTML through the dictionary.
 */
#include "web/api.h"

#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/null.h"
#include "domain/job.h"
#include "domain/job_overview.h"
#include "domain/maintenance.h"
#include "domain/material.h"
#include "domain/notifypref.h"
#include "domain/printer.h"
#include "web/badge.h"
#include "web/http.h"
#include "web/page.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define OVERVIEW_PRINTERS_MAX 500
#define AMS_SLOTS 4          /* one AMS: empty slots drawn as outlines */
#define SLOTS_MAX 8
#define FAILED_REVIEW_S 86400 /* failed prints shown for a day */
#define FAILED_REVIEW_MAX 5
#define DAY_S 86400

struct overview {
    struct req *r;
    struct tmpl_dict *d, *attention;
};

/* One line in the attention strip, linking to where it is fixed. */
static void
attention(struct overview *o, const char *tone, const char *href,
          const char *text)
{
    struct tmpl_dict *item;

    if (o->attention == NULL)
        o->attention = tmpl_section_add(o->d, "ATTENTION");
    item = tmpl_section_add(o->attention, "ITEM");
    tmpl_set(item, "TONE", tone);
    tmpl_set(item, "HREF", href);
    tmpl_set(item, "TEXT", text);
}

static int
printer_needs_attention(const char *status)
{
    static const char *const bad[] = {"offline", "auth_failed",
                                      "untrusted_certificate",
                                      "needs_developer_mode", NULL};

    for (int i = 0; status && bad[i]; i++)
        if (strcmp(status, bad[i]) == 0)
            return 1;
    return 0;
}

static void
card_job(struct overview *o, struct tmpl_dict *card, const struct printer *p)
{
    struct arena *a = o->r->c->arena;
    struct job j;
    int busy = p->status && (strcmp(p->status, "printing") == 0 ||
                             strcmp(p->status, "preparing") == 0 ||
                             strcmp(p->status, "paused") == 0);

    if (p->current_print_id != DB_NULL && p->current_print_id > 0 &&
        job_get(o->r->c, p->current_print_id, &j) == 0)
        tmpl_set(card, "JOB_NAME", j.name);
    else
        tmpl_set(card, "JOB_NAME", PAGEFMT_NONE);
    err_clear(&o->r->c->err); /* a print deleted meanwhile is no error */
    tmpl_set_int(card, "PROGRESS",
                 busy && p->progress_percent != DB_NULL ? p->progress_percent
                                                        : 0);
    tmpl_set(card, "PROGRESS_TEXT",
             pagefmt_percent(a, busy ? p->progress_percent : DB_NULL));
    tmpl_set(card, "REMAINING",
             pagefmt_minutes(a, busy ? p->remaining_minutes : DB_NULL));
    pagefmt_time(a, card, "ENDS",
                 busy && p->remaining_minutes != DB_NULL
                     ? o->r->c->now + p->remaining_minutes * 60
                     : DB_NULL);
}

/* The AMS as swatches: every material by slot, empty slots of the first
 * AMS as outlines. Reports material low to the attention strip. */
static int
card_slots(struct overview *o, struct tmpl_dict *card, const struct printer *p)
{
    struct ctx *c = o->r->c;
    struct material *m;
    struct notifypref pref;
    int n, filled[SLOTS_MAX] = {0};

    if (material_list(c, p->id, SLOTS_MAX, 0, &m, &n) < 0 ||
        notifypref_get(c, p->id, &pref) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *s = tmpl_section_add(card, "SLOT");

        if (m[i].slot >= 0 && m[i].slot < SLOTS_MAX)
            filled[m[i].slot] = 1;
        tmpl_set_int(s, "SLOT_NO", m[i].slot + 1);
        tmpl_set(s, "COLOR", m[i].color ? m[i].color : "#888888");
        tmpl_set(s, "TYPE", m[i].material_type);
        tmpl_set(s, "PCT", pagefmt_percent(c->arena, m[i].remaining_percent));
        if (m[i].remaining_percent != DB_NULL && pref.material_low_percent > 0 &&
            m[i].remaining_percent <= pref.material_low_percent)
            attention(o, "warn",
                      arena_printf(c->arena, "/printers/%lld#materials",
                                   (long long)p->id),
                      arena_printf(c->arena, "%s: %s in slot %lld is low (%lld %%)",
                                   p->name, m[i].material_type,
                                   (long long)m[i].slot + 1,
                                   (long long)m[i].remaining_percent));
    }
    for (int slot = 0; slot < AMS_SLOTS; slot++)
        if (!filled[slot])
            tmpl_set_int(tmpl_section_add(card, "SLOT_EMPTY"), "SLOT_NO",
                         slot + 1);
    return 0;
}

static int
card_next(struct overview *o, struct tmpl_dict *card, const struct printer *p)
{
    struct job *q;
    int n;

    if (job_queue(o->r->c, p->id, 2, 0, &q, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(q[i].status, "started") != 0) {
            tmpl_set(tmpl_section_add(card, "NEXT"), "NEXT_NAME", q[i].name);
            return 0;
        }
    tmpl_show(card, "NO_NEXT");
    return 0;
}

static int
card_maintenance(struct overview *o, const struct printer *p)
{
    struct ctx *c = o->r->c;
    struct maintenance m;

    if (maintenance_get(c, p->id, &m) < 0)
        return -1;
    if (maintenance_is_due(&m))
        attention(o, "warn",
                  arena_printf(c->arena, "/printers/%lld#maintenance",
                               (long long)p->id),
                  arena_printf(c->arena, "%s: maintenance is due", p->name));
    return 0;
}

static int
card(struct overview *o, struct tmpl_dict *cards, const struct printer *p)
{
    struct ctx *c = o->r->c;
    struct tmpl_dict *card = tmpl_section_add(cards, "CARD");
    const struct badge *b = badge_of(BADGE_PRINTER, p->status);

    tmpl_set_int(card, "ID", p->id);
    tmpl_set(card, "NAME", p->name);
    tmpl_set(card, "MODEL", p->model);
    badge_set(card, "STATUS", BADGE_PRINTER, p->status);
    if (strcmp(b->status, "printing") == 0 && p->progress_percent != DB_NULL)
        tmpl_set_int(tmpl_section_add(card, "PCT"), "PERCENT",
                     p->progress_percent);
    tmpl_set(card, "NOZZLE", pagefmt_degrees(c->arena, p->nozzle_temp));
    tmpl_set(card, "BED", pagefmt_degrees(c->arena, p->bed_temp));
    card_job(o, card, p);
    if (printer_needs_attention(p->status))
        attention(o, "bad",
                  arena_printf(c->arena, "/printers/%lld", (long long)p->id),
                  arena_printf(c->arena, "%s: %s", p->name, b->word));
    return card_slots(o, card, p) < 0 || card_next(o, card, p) < 0 ||
                   card_maintenance(o, p) < 0
               ? -1
               : 0;
}

/* Failed prints of the last day, newest first, to review. */
static int
failed_to_review(struct overview *o)
{
    struct ctx *c = o->r->c;
    struct job *list;
    int n;

    if (job_failed_since(c, c->now - FAILED_REVIEW_S, FAILED_REVIEW_MAX, &list,
                         &n) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        attention(o, "bad", arena_printf(c->arena, "/queue/%lld",
                                         (long long)list[i].id),
                  arena_printf(c->arena, "Print failed: %s%s%s", list[i].name,
                               list[i].failure_reason ? " \xe2\x80\x94 " : "",
                               list[i].failure_reason ? list[i].failure_reason
                                                      : ""));
    return 0;
}

static int
today(struct overview *o)
{
    struct ctx *c = o->r->c;
    struct job_today t;

    if (job_overview_today(c, c->now - c->now % DAY_S, &t) < 0)
        return -1;
    tmpl_set_int(o->d, "T_PRINTING", t.printing);
    tmpl_set_int(o->d, "T_QUEUED", t.queued);
    tmpl_set_int(o->d, "T_COMPLETED", t.completed);
    tmpl_set_int(o->d, "T_FAILED", t.failed);
    tmpl_set(o->d, "T_GRAMS", pagefmt_grams(c->arena, t.grams));
    return 0;
}

static int
overview(struct req *r)
{
    struct ctx *c = r->c;
    struct overview o = {r, NULL, NULL};
    struct tmpl_dict *cards;
    struct printer *list;
    int n;

    if (printer_list(c, OVERVIEW_PRINTERS_MAX, 0, &list, &n) < 0 ||
        (o.d = page_start(r, "Overview", "OVERVIEW")) == NULL)
        return -1;
    if (failed_to_review(&o) < 0)
        return -1;
    if (n == 0)
        tmpl_show(o.d, "EMPTY");
    cards = tmpl_section_add(o.d, "CARDS");
    for (int i = 0; i < n; i++)
        if (card(&o, cards, &list[i]) < 0)
            return -1;
    if (today(&o) < 0)
        return -1;
    return page_render(r, 200, "overview.tpl", o.d);
}

int
page_overview(struct req *r)
{
    if (r->c->user_id == 0)
        return page_home(r);
    if (page_from_cache(r))
        return 0;
    return page_finish(r, overview(r));
}
