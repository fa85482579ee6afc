/*
 * The printers page: the signed-in user's printers in one table with their
 * last known state. Every value goes through the dictionary, so names and
 * states reach the browser auto-escaped.
 */
#include "web/api.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "store/db.h"
#include "web/http.h"
#include "web/page.h"
#include "domain/printer.h"
#include "web/tmpl.h"
#include "domain/user.h"

#include "base/banned.h"

#define PAGE_PRINTERS_MAX 1000
#define DEGREES_C " \xc2\xb0" /* UTF-8 degree sign */ "C"

/* How each reported status reads and which colour (CSS class) it gets. */
static const struct {
    const char *status, *label, *tone;
} statuses[] = {
    {"idle", "Idle", "ok"},
    {"finished", "Finished", "ok"},
    {"preparing", "Preparing", "busy"},
    {"printing", "Printing", "busy"},
    {"paused", "Paused", "warn"},
    {"failed", "Failed", "bad"},
    {"auth_failed", "Wrong access code", "bad"},
    {"untrusted_certificate", "Untrusted certificate", "bad"},
    {"needs_developer_mode", "Needs developer mode", "bad"},
    {"offline", "Offline", "muted"},
    {"unknown", "Unknown", "muted"},
};

static void
set_status(struct tmpl_dict *row, const char *status)
{
    const char *label = status, *tone = "muted";

    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (status != NULL && strcmp(status, statuses[i].status) == 0) {
            label = statuses[i].label;
            tone = statuses[i].tone;
            break;
        }
    tmpl_set(row, "STATUS", label);
    tmpl_set(row, "STATUS_TONE", tone);
}

/* Sets key to v followed by unit, or to a dash when v is SQL NULL. */
static void
set_measure(struct req *r, struct tmpl_dict *row, const char *key, int64_t v,
            const char *unit)
{
    if (v == DB_NULL)
        tmpl_set(row, key, "\xe2\x80\x94"); /* em dash */
    else
        tmpl_set(row, key,
                 arena_printf(r->c->arena, "%lld%s", (long long)v, unit));
}

static void
set_remaining(struct req *r, struct tmpl_dict *row, int64_t min)
{
    if (min == DB_NULL || min < 60) {
        set_measure(r, row, "REMAINING", min, " min");
        return;
    }
    tmpl_set(row, "REMAINING",
             arena_printf(r->c->arena, "%lld h %02lld min",
                          (long long)(min / 60), (long long)(min % 60)));
}

static void
printer_row(struct req *r, struct tmpl_dict *table, const struct printer *p)
{
    struct tmpl_dict *row = tmpl_section_add(table, "PRINTER");
    char iso[21];

    if (row == NULL)
        return;
    tmpl_set(row, "NAME", p->name);
    tmpl_set(row, "MODEL", p->model);
    tmpl_set(row, "SERIAL", p->serial);
    set_status(row, p->status);
    if (p->status_detail != NULL && *p->status_detail) {
        struct tmpl_dict *detail = tmpl_section_add(row, "DETAIL");

        tmpl_set(detail, "STATUS_DETAIL", p->status_detail);
    }
    tmpl_set(row, "ONLINE", p->online ? "Online" : "Offline");
    tmpl_set(row, "ONLINE_TONE", p->online ? "ok" : "muted");
    set_measure(r, row, "PROGRESS", p->progress_percent, " %");
    set_remaining(r, row, p->remaining_minutes);
    set_measure(r, row, "NOZZLE", p->nozzle_temp, DEGREES_C);
    set_measure(r, row, "BED", p->bed_temp, DEGREES_C);
    if (p->last_seen_at == DB_NULL) {
        tmpl_section_add(row, "NEVER_SEEN");
    } else {
        struct tmpl_dict *seen = tmpl_section_add(row, "SEEN");

        clock_format(p->last_seen_at, iso);
        tmpl_set(seen, "SEEN_ISO", iso);
        /* "2026-01-31 14:05 UTC": the ISO form minus seconds, readable */
        tmpl_set(seen, "SEEN_TEXT",
                 arena_printf(r->c->arena, "%.10s %.5s UTC", iso, iso + 11));
    }
}

static int
printers(struct req *r)
{
    struct ctx *c = r->c;
    struct tmpl_dict *d, *table;
    struct printer *list;
    struct user u;
    int n;

    if (c->user_id == 0)
        return page_redirect(r, "/login");
    if (user_get(c, c->user_id, &u) < 0 ||
        printer_list(c, PAGE_PRINTERS_MAX, 0, &list, &n) < 0)
        return -1;
    d = page_dict(r);
    tmpl_set(d, "TITLE", "Printers");
    tmpl_set(d, "USER_EMAIL", u.email);
    tmpl_show(d, "USER");
    tmpl_set_int(d, "COUNT", n);
    tmpl_show(d, n == 1 ? "ONE" : "MANY");
    if (n == 0) {
        tmpl_show(d, "EMPTY");
    } else {
        table = tmpl_section_add(d, "TABLE");
        for (int i = 0; i < n && table != NULL; i++)
            printer_row(r, table, &list[i]);
    }
    return page_render(r, 200, "printers.tpl", d);
}

int
page_printers(struct req *r)
{
    return page_finish(r, printers(r));
}
