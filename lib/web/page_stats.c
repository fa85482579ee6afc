/*
 * The history and analytics pages (PAGEFMT_NONEBOARD.md): the ended prints in a
 * filtered, paged table with a CSV of the same rows, and server-rendered
 * SVG charts of a range of UTC days. The numbers come from domain/job_stats
 * and the geometry from web/chart; this file turns them into text and
 * template values, and every value reaches the page through the
 * dictionary, so names and reasons are auto-escaped.
 */
#include "web/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "domain/job.h"
#include "domain/job_stats.h"
#include "domain/order.h"
#include "domain/printer.h"
#include "domain/user.h"
#include "store/db.h"
#include "web/badge.h"
#include "web/chart.h"
#include "web/http.h"
#include "web/page.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define HISTORY_PAGE 50        /* rows per page */
#define HISTORY_PAGE_MAX 20000 /* page numbers past this are refused */
#define HISTORY_CSV_MAX 10000  /* the newest rows a CSV carries */
#define PRINTERS_MAX 1000
#define LABEL_MAX 40 /* bytes of a name drawn inside a chart */

/* --- shared text ------------------------------------------------------- */

/* What the selection holds: the user's printers, for names and the filter. */
struct printers {
    struct printer *list;
    int n;
};

static const struct printer *
printer_find(const struct printers *p, int64_t id)
{
    for (int i = 0; id != DB_NULL && i < p->n; i++)
        if (p->list[i].id == id)
            return &p->list[i];
    return NULL;
}

/* A print outlives its printer (printer_id becomes null on delete). */
static const char *
printer_name(const struct printers *p, int64_t id)
{
    const struct printer *found = printer_find(p, id);

    return found ? found->name : "(deleted printer)";
}

/* "2.40 USD" for cents (pagefmt's form and the farm's currency); a dash
 * when unknown, or "" for a CSV cell. */
static const char *
money_text(struct ctx *c, int64_t cents, int with_currency)
{
    if (cents == DB_NULL)
        return with_currency ? PAGEFMT_NONE : "";
    if (!with_currency)
        return pagefmt_money(c->arena, cents);
    return arena_printf(c->arena, "%s %s", pagefmt_money(c->arena, cents),
                        c->conf->currency);
}

/* 1500 -> "1.50" (hundredths, rounded half up). */
static const char *
ratio_text(struct arena *a, int64_t permille)
{
    int64_t h = (permille + 5) / 10;

    return arena_printf(a, "%lld.%02lld", (long long)(h / 100),
                        (long long)(h % 100));
}

static const char *
day_text(struct arena *a, int64_t t)
{
    char iso[21];

    clock_format(t, iso);
    return arena_printf(a, "%.10s", iso);
}

/* A name cut to LABEL_MAX bytes on a character boundary, with an ellipsis. */
static const char *
short_label(struct arena *a, const char *s)
{
    size_t max = LABEL_MAX;

    if (strlen(s) <= max)
        return s;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return arena_printf(a, "%.*s\xe2\x80\xa6", (int)max, s);
}

/* A whole-number query value in [min, max] into *out, which keeps its
 * default when the key is absent or empty; 422 naming key otherwise. */
static int
query_int(struct req *r, const char *key, int64_t min, int64_t max,
          int64_t *out)
{
    const char *s = http_query(r, key);
    char *end;
    long long v;

    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || v < min || v > max)
        return err_field(&r->c->err, key,
                         "must be a whole number from %lld "
                         "to %lld",
                         (long long)min, (long long)max);
    *out = v;
    return 0;
}

/* Signs the page as the user: TITLE, USER_EMAIL, and nav marks the page
 * in the navigation. */
static int
page_user(struct req *r, struct tmpl_dict *d, const char *title,
          const char *nav)
{
    struct user u;

    if (user_get(r->c, r->c->user_id, &u) < 0)
        return -1;
    tmpl_set(d, "TITLE", title);
    tmpl_set(d, "USER_EMAIL", u.email);
    tmpl_show(d, "USER");
    tmpl_show(d, nav);
    return 0;
}

/* --- /history and /history.csv ----------------------------------------- */

struct history {
    struct job_stats_filter f;
    const char *status; /* the filter as given: "" for all */
    int64_t page;
    struct printers printers;
    const char *query; /* "status=…&printer_id=…" for links, maybe "" */
};

/* The history filter values a form offers, in its order. */
static const char *const status_options[][2] = {
    {"", "All outcomes"},
    {"completed", "Completed"},
    {"failed", "Failed"},
    {"cancelled", "Cancelled"},
};

static int
history_read(struct req *r, struct history *h)
{
    struct ctx *c = r->c;
    const char *s = http_query(r, "status");

    memset(h, 0, sizeof(*h));
    h->page = 1;
    h->status = s != NULL ? s : "";
    if (printer_list(c, PRINTERS_MAX, 0, &h->printers.list, &h->printers.n) < 0)
        return -1;
    if (*h->status && job_status_mask(h->status, &h->f.statuses) < 0)
        return err_field(&c->err, "status",
                         "must be completed, failed or cancelled");
    if (query_int(r, "printer_id", 1, INT64_MAX, &h->f.printer_id) < 0 ||
        query_int(r, "page", 1, HISTORY_PAGE_MAX, &h->page) < 0)
        return -1;
    if (h->f.printer_id != 0 &&
        printer_find(&h->printers, h->f.printer_id) == NULL)
        return err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    /* status names are letters and commas, ids digits: nothing to escape */
    h->query = *h->status ? arena_printf(c->arena, "status=%s", h->status) : "";
    if (h->f.printer_id != 0)
        h->query =
            arena_printf(c->arena, "%s%sprinter_id=%lld", h->query,
                         *h->query ? "&" : "", (long long)h->f.printer_id);
    return 0;
}

static const char *
history_url(struct arena *a, const char *path, const struct history *h,
            int64_t page)
{
    const char *sep = *h->query ? "&" : "";

    if (page > 1)
        return arena_printf(a, "%s?%s%spage=%lld", path, h->query, sep,
                            (long long)page);
    return *h->query ? arena_printf(a, "%s?%s", path, h->query) : path;
}

static void
history_form(struct tmpl_dict *d, const struct history *h)
{
    for (size_t i = 0; i < sizeof(status_options) / sizeof(status_options[0]);
         i++) {
        struct tmpl_dict *o = tmpl_section_add(d, "STATUS_OPTION");

        tmpl_set(o, "VALUE", status_options[i][0]);
        tmpl_set(o, "LABEL", status_options[i][1]);
        if (strcmp(h->status, status_options[i][0]) == 0)
            tmpl_show(o, "SELECTED");
    }
    for (int i = 0; i < h->printers.n; i++) {
        struct tmpl_dict *o = tmpl_section_add(d, "PRINTER_OPTION");

        tmpl_set_int(o, "VALUE", h->printers.list[i].id);
        tmpl_set(o, "LABEL", h->printers.list[i].name);
        if (h->printers.list[i].id == h->f.printer_id)
            tmpl_show(o, "SELECTED");
    }
}

/* Actual minutes, rounded, or DB_NULL when the print never ran. */
static int64_t
actual_minutes(const struct job_stats_print *p)
{
    if (p->started_at == DB_NULL || p->ended_at < p->started_at)
        return DB_NULL;
    return (p->ended_at - p->started_at + 30) / 60;
}

/* actual / estimated in thousandths, or DB_NULL. */
static int64_t
actual_permille(const struct job_stats_print *p)
{
    int64_t est = p->estimated_minutes * 60;

    if (p->started_at == DB_NULL || est <= 0 || p->ended_at < p->started_at)
        return DB_NULL;
    return ((p->ended_at - p->started_at) * 1000 + est / 2) / est;
}

static void
history_row(struct req *r, struct tmpl_dict *table, const struct history *h,
            const struct job_stats_print *p)
{
    struct ctx *c = r->c;
    struct tmpl_dict *row = tmpl_section_add(table, "ROW");
    int64_t actual = actual_minutes(p), ratio = actual_permille(p);

    tmpl_set(row, "NAME", p->name);
    tmpl_set_int(row, "ID", p->id);
    tmpl_set(row, "PRINTER", printer_name(&h->printers, p->printer_id));
    badge_set(row, "STATUS", BADGE_PRINT, p->status);
    if (p->failure_reason != NULL && *p->failure_reason)
        tmpl_set(tmpl_section_add(row, "REASON"), "TEXT", p->failure_reason);
    pagefmt_time(c->arena, row, "STARTED", p->started_at);
    pagefmt_time(c->arena, row, "ENDED", p->ended_at);
    tmpl_set(row, "ACTUAL",
             actual == DB_NULL
                 ? PAGEFMT_NONE
                 : arena_printf(c->arena, "%lld", (long long)actual));
    tmpl_set_int(row, "ESTIMATED", p->estimated_minutes);
    tmpl_set(row, "RATIO",
             ratio == DB_NULL
                 ? PAGEFMT_NONE
                 : arena_printf(c->arena, "%s\xc3\x97 the estimate", /* × */
                                ratio_text(c->arena, ratio)));
    tmpl_set(row, "GRAMS", pagefmt_grams(c->arena, p->grams));
    tmpl_set(row, "COST", money_text(c, p->material_cost, 1));
}

static int
history(struct req *r)
{
    struct ctx *c = r->c;
    struct job_stats_print *rows;
    struct tmpl_dict *d, *table;
    struct history h;
    int n;

    if (c->user_id == 0)
        return page_redirect(r, "/login");
    if (history_read(r, &h) < 0 ||
        /* one row more than a page tells whether an older page exists */
        job_stats_history(c, &h.f, HISTORY_PAGE + 1,
                          (h.page - 1) * HISTORY_PAGE, &rows, &n) < 0)
        return -1;
    d = page_dict(r);
    if (page_user(r, d, "History", "NAV_HISTORY") < 0)
        return -1;
    history_form(d, &h);
    tmpl_set(d, "CSV_URL", history_url(c->arena, "/history.csv", &h, 1));
    tmpl_set_int(d, "PAGE", h.page);
    if (n == 0) {
        tmpl_show(d, "EMPTY");
    } else {
        table = tmpl_section_add(d, "TABLE");
        for (int i = 0; i < n && i < HISTORY_PAGE; i++)
            history_row(r, table, &h, &rows[i]);
    }
    if (h.page > 1) {
        struct tmpl_dict *s = tmpl_section_add(d, "NEWER");

        tmpl_set(s, "URL", history_url(c->arena, "/history", &h, h.page - 1));
    }
    if (n > HISTORY_PAGE) {
        struct tmpl_dict *s = tmpl_section_add(d, "OLDER");

        tmpl_set(s, "URL", history_url(c->arena, "/history", &h, h.page + 1));
    }
    return page_render(r, 200, "history.tpl", d);
}

int
page_history(struct req *r)
{
    return page_finish(r, history(r));
}

/* One CSV cell (RFC 4180). A cell a spreadsheet would read as a formula
 * (= + - @, or a tab or CR that some strip first) gets a leading quote
 * mark, so opening the file never runs what a print's name carries. */
static void
csv_cell(struct buf *b, const char *s, int last)
{
    int guard = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                s[0] == '\t' || s[0] == '\r';
    int quote = guard || strpbrk(s, ",\"\r\n") != NULL;

    if (quote)
        buf_putc(b, '"');
    if (guard)
        buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    if (quote)
        buf_putc(b, '"');
    buf_puts(b, last ? "\r\n" : ",");
}

static const char *
csv_time(struct arena *a, int64_t t)
{
    char iso[21];

    if (t == DB_NULL)
        return "";
    clock_format(t, iso);
    return arena_strdup(a, iso);
}

static const char *
csv_int(struct arena *a, int64_t v)
{
    return v == DB_NULL ? "" : arena_printf(a, "%lld", (long long)v);
}

static void
csv_row(struct ctx *c, struct buf *b, const struct history *h,
        const struct job_stats_print *p)
{
    struct arena *a = c->arena;
    int64_t ratio = actual_permille(p);

    csv_cell(b, csv_int(a, p->id), 0);
    csv_cell(b, p->name, 0);
    csv_cell(b, printer_name(&h->printers, p->printer_id), 0);
    csv_cell(b, p->status, 0);
    csv_cell(b, p->failure_reason ? p->failure_reason : "", 0);
    csv_cell(b, csv_time(a, p->started_at), 0);
    csv_cell(b, csv_time(a, p->ended_at), 0);
    csv_cell(b, csv_int(a, p->estimated_minutes), 0);
    csv_cell(b, csv_int(a, actual_minutes(p)), 0);
    csv_cell(b, ratio == DB_NULL ? "" : ratio_text(a, ratio), 0);
    csv_cell(b, csv_int(a, p->grams), 0);
    csv_cell(b, money_text(c, p->material_cost, 0), 0);
    csv_cell(b, p->material_cost == DB_NULL ? "" : c->conf->currency, 1);
}

static int
history_csv(struct req *r)
{
    struct ctx *c = r->c;
    struct job_stats_print *rows;
    struct history h;
    int n;

    if (c->user_id == 0)
        return page_redirect(r, "/login");
    if (history_read(r, &h) < 0 ||
        job_stats_history(c, &h.f, HISTORY_CSV_MAX, 0, &rows, &n) < 0)
        return -1;
    buf_clear(&r->out);
    buf_puts(&r->out, "id,name,printer,status,failure_reason,started_at,"
                      "ended_at,estimated_minutes,actual_minutes,"
                      "actual_to_estimated,grams,material_cost,currency\r\n");
    for (int i = 0; i < n; i++)
        csv_row(c, &r->out, &h, &rows[i]);
    if (buf_failed(&r->out))
        return err_internal(&c->err, "history: CSV too large");
    r->status = 200;
    http_header(r, "Content-Type", "text/csv; charset=utf-8");
    http_header(r, "Content-Disposition",
                "attachment; filename=\"bambufarm-history.csv\"");
    http_header(r, "X-Content-Type-Options", "nosniff");
    http_header(r, "Cache-Control", "no-store");
    return 0;
}

int
page_history_csv(struct req *r)
{
    return page_finish(r, history_csv(r));
}

/* --- /analytics -------------------------------------------------------- */

static const int range_days[] = {7, 30, 90, 365};

#define CHART_W 480

/* The prints-per-day and cost charts share this frame. */
struct frame {
    int left, top, width, height; /* the plot inside the viewBox */
};

static void
axis_ticks(struct ctx *c, struct tmpl_dict *chart, const struct frame *f,
           int64_t max, int money)
{
    int64_t step = chart_tick_step(max);

    for (int64_t v = 0; v <= max; v += step) {
        struct tmpl_dict *t = tmpl_section_add(chart, "TICK");
        int y = f->top + f->height - chart_scale(v, max, f->height);

        tmpl_set_int(t, "Y", y);
        tmpl_set_int(t, "LABEL_Y", y + 4);
        tmpl_set(t, "LABEL",
                 money ? money_text(c, v, 0)
                       : arena_printf(c->arena, "%lld", (long long)v));
    }
}

/* Date labels under about six of the days, so they never collide. */
static void
day_labels(struct ctx *c, struct tmpl_dict *chart, const struct frame *f,
           const struct job_stats *s)
{
    int every = (s->ndays + 5) / 6;
    struct chart_slot slot;

    for (int i = 0; i < s->ndays; i += every) {
        struct tmpl_dict *l = tmpl_section_add(chart, "XLABEL");
        char iso[21];

        chart_slot(i, s->ndays, f->left, f->width, &slot);
        clock_format(s->days[i].day, iso);
        tmpl_set_int(l, "X", slot.x + slot.w / 2);
        tmpl_set_int(l, "Y", f->top + f->height + 16);
        tmpl_set(l, "TEXT", arena_printf(c->arena, "%.5s", iso + 5));
    }
}

static void
stack_segment(struct ctx *c, struct tmpl_dict *chart, const struct frame *f,
              const struct chart_slot *slot, int64_t below, int v, int64_t max,
              const char *outcome, int64_t day)
{
    struct chart_segment seg;
    struct tmpl_dict *b;

    if (v <= 0)
        return;
    chart_stack(below, v, max, f->top + f->height, f->height, &seg);
    b = tmpl_section_add(chart, "SEG");
    tmpl_set_int(b, "X", slot->bar_x);
    tmpl_set_int(b, "W", slot->bar_w);
    tmpl_set_int(b, "Y", seg.y);
    tmpl_set_int(b, "H", seg.h);
    tmpl_set(b, "OUTCOME", outcome);
    tmpl_set(b, "TITLE",
             arena_printf(c->arena, "%s: %d %s", day_text(c->arena, day), v,
                          outcome));
}

static void
chart_days(struct ctx *c, struct tmpl_dict *d, const struct job_stats *s)
{
    static const struct frame f = {36, 10, CHART_W - 36 - 8, 170};
    struct tmpl_dict *chart = tmpl_section_add(d, "DAYS_CHART");
    int64_t top = 0, max;

    for (int i = 0; i < s->ndays; i++) {
        const struct job_stats_day *day = &s->days[i];
        int64_t total = (int64_t)day->completed + day->failed + day->cancelled;

        top = total > top ? total : top;
    }
    max = chart_nice_max(top);
    axis_ticks(c, chart, &f, max, 0);
    day_labels(c, chart, &f, s);
    for (int i = 0; i < s->ndays; i++) {
        const struct job_stats_day *day = &s->days[i];
        struct chart_slot slot;

        chart_slot(i, s->ndays, f.left, f.width, &slot);
        stack_segment(c, chart, &f, &slot, 0, day->completed, max, "completed",
                      day->day);
        stack_segment(c, chart, &f, &slot, day->completed, day->failed, max,
                      "failed", day->day);
        stack_segment(c, chart, &f, &slot,
                      (int64_t)day->completed + day->failed, day->cancelled,
                      max, "cancelled", day->day);
        if (day->completed + day->failed + day->cancelled > 0) {
            struct tmpl_dict *row = tmpl_section_add(chart, "DAY_ROW");

            tmpl_set(row, "DATE", day_text(c->arena, day->day));
            tmpl_set_int(row, "COMPLETED", day->completed);
            tmpl_set_int(row, "FAILED", day->failed);
            tmpl_set_int(row, "CANCELLED", day->cancelled);
            tmpl_set_int(row, "GRAMS", day->grams);
            tmpl_set(row, "COST", money_text(c, day->cost, 1));
        }
    }
    tmpl_set_int(chart, "BASE_Y", f.top + f.height);
    tmpl_set_int(chart, "LEFT", f.left);
    tmpl_set_int(chart, "RIGHT", f.left + f.width);
}

/* Horizontal bars: LANE_W long at 100 %, their value written after them. */
#define LANE_X 8
#define LANE_W 300
#define LANE_TEXT_X (LANE_X + LANE_W + 8)

static void
printer_bar(struct tmpl_dict *lane, const char *key, int y, int percent,
            const char *text)
{
    struct tmpl_dict *b = tmpl_section_add(lane, key);

    tmpl_set_int(b, "Y", y);
    tmpl_set_int(b, "TEXT_Y", y + 9);
    tmpl_set_int(b, "W", chart_scale(percent < 0 ? 0 : percent, 100, LANE_W));
    tmpl_set(b, "TEXT", text);
}

static void
chart_printers(struct ctx *c, struct tmpl_dict *d, const struct job_stats *s)
{
    struct tmpl_dict *chart = tmpl_section_add(d, "PRINTERS_CHART");
    int64_t span = s->to - s->from;
    int y = 4;

    for (int i = 0; i < s->nprinters; i++, y += 46) {
        const struct job_stats_printer *p = &s->printers[i];
        struct tmpl_dict *lane = tmpl_section_add(chart, "LANE");
        int ok = job_stats_success_percent(p);
        int busy = job_stats_busy_percent(p, span);

        tmpl_set(lane, "NAME", short_label(c->arena, p->name));
        tmpl_set(lane, "FULL_NAME", p->name);
        tmpl_set_int(lane, "NAME_Y", y + 12);
        printer_bar(lane, "SUCCESS", y + 18, ok,
                    ok < 0
                        ? "no runs"
                        : arena_printf(c->arena, "%d %% ok (%d of %d)", ok,
                                       p->completed, p->completed + p->failed));
        printer_bar(lane, "BUSY", y + 31, busy,
                    arena_printf(c->arena, "%d %% busy (%lld h)", busy,
                                 (long long)((p->busy_seconds + 1800) / 3600)));
    }
    tmpl_set_int(chart, "HEIGHT", y + 4);
    tmpl_set_int(chart, "X", LANE_X);
    tmpl_set_int(chart, "TEXT_X", LANE_TEXT_X);
    tmpl_set_int(chart, "TRACK_W", LANE_W);
}

static void
filament_lane(struct ctx *c, struct tmpl_dict *bars,
              const struct job_stats_material *m, int64_t max, int y)
{
    struct tmpl_dict *lane = tmpl_section_add(bars, "LANE");
    const char *type = *m->material_type ? m->material_type : "Unknown";
    const char *color = *m->color ? m->color : "(colour unknown)";
    int w = chart_scale(m->grams, max, LANE_W);

    tmpl_set(
        lane, "LABEL",
        short_label(c->arena, arena_printf(c->arena, "%s %s", type, color)));
    /* a grey bar when the colour is unknown; the label says so */
    tmpl_set(lane, "FILL", *m->color ? m->color : "#8A949B");
    tmpl_set_int(lane, "LABEL_Y", y + 12);
    tmpl_set_int(lane, "BAR_Y", y + 17);
    tmpl_set_int(lane, "TEXT_Y", y + 28);
    tmpl_set_int(lane, "W", w > 0 ? w : 1);
    tmpl_set(lane, "GRAMS", pagefmt_grams(c->arena, m->grams));
}

static void
chart_filament(struct ctx *c, struct tmpl_dict *d, const struct job_stats *s)
{
    struct tmpl_dict *chart = tmpl_section_add(d, "FILAMENT_CHART");
    struct tmpl_dict *bars;
    int64_t max;
    int y = 4;

    if (s->nmaterials == 0) {
        tmpl_show(chart, "NONE");
        return;
    }
    /* materials come heaviest first: the first sets the scale */
    max = chart_nice_max(s->materials[0].grams);
    bars = tmpl_section_add(chart, "BARS");
    for (int i = 0; i < s->nmaterials; i++, y += 36)
        filament_lane(c, bars, &s->materials[i], max, y);
    tmpl_set_int(bars, "HEIGHT", y + 4);
    tmpl_set_int(bars, "X", LANE_X);
    tmpl_set_int(bars, "TEXT_X", LANE_TEXT_X);
}

static void
chart_cost(struct ctx *c, struct tmpl_dict *d, const struct job_stats *s)
{
    static const struct frame f = {56, 10, CHART_W - 56 - 8, 150};
    struct tmpl_dict *chart = tmpl_section_add(d, "COST_CHART");
    int64_t top = 0, max;
    struct buf pts;

    for (int i = 0; i < s->ndays; i++)
        top = s->days[i].cost > top ? s->days[i].cost : top;
    max = chart_nice_max(top);
    axis_ticks(c, chart, &f, max, 1);
    day_labels(c, chart, &f, s);
    buf_init(&pts, 0);
    for (int i = 0; i < s->ndays; i++) {
        struct chart_slot slot;
        int x, y;

        chart_slot(i, s->ndays, f.left, f.width, &slot);
        x = slot.x + slot.w / 2;
        y = f.top + f.height - chart_scale(s->days[i].cost, max, f.height);
        buf_printf(&pts, "%s%d,%d", i ? " " : "", x, y);
        if (s->days[i].cost > 0) {
            struct tmpl_dict *p = tmpl_section_add(chart, "POINT");

            tmpl_set_int(p, "X", x);
            tmpl_set_int(p, "Y", y);
            tmpl_set(p, "DATE", day_text(c->arena, s->days[i].day));
            tmpl_set(p, "COST", money_text(c, s->days[i].cost, 1));
        }
    }
    tmpl_set(chart, "POINTS", pts.data);
    buf_release(&pts);
    tmpl_set_int(chart, "BASE_Y", f.top + f.height);
    tmpl_set_int(chart, "LEFT", f.left);
    tmpl_set_int(chart, "RIGHT", f.left + f.width);
    tmpl_set(chart, "TOTAL", money_text(c, s->cost, 1));
    tmpl_set(chart, "CURRENCY", c->conf->currency);
}

static int
permille_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* Median and how many of the ratios are within 10 % of the estimate. */
static void
accuracy_summary(struct ctx *c, struct tmpl_dict *chart,
                 const struct job_stats *s)
{
    int64_t *v = arena_alloc(c->arena, sizeof(*v) * (size_t)s->nratios);
    int near = 0;

    for (int i = 0; i < s->nratios; i++) {
        v[i] = s->ratios[i].permille;
        near += v[i] >= 900 && v[i] <= 1100;
    }
    qsort(v, (size_t)s->nratios, sizeof(*v), permille_cmp);
    tmpl_set_int(chart, "COUNT", s->nratios);
    tmpl_set_int(chart, "NEAR", near);
    tmpl_set(chart, "MEDIAN",
             ratio_text(c->arena,
                        s->nratios % 2
                            ? v[s->nratios / 2]
                            : (v[s->nratios / 2 - 1] + v[s->nratios / 2]) / 2));
    tmpl_set(chart, "FASTEST", ratio_text(c->arena, v[0]));
    tmpl_set(chart, "SLOWEST", ratio_text(c->arena, v[s->nratios - 1]));
}

static void
accuracy_axis(struct ctx *c, struct tmpl_dict *chart, int64_t max, int x0,
              int w)
{
    int64_t step = chart_tick_step(max);

    for (int64_t v = 0; v <= max; v += step) {
        struct tmpl_dict *t = tmpl_section_add(chart, "TICK");

        tmpl_set_int(t, "X", x0 + chart_scale(v, max, w));
        tmpl_set(t, "LABEL", ratio_text(c->arena, v));
    }
    tmpl_set_int(chart, "ONE_X", x0 + chart_scale(1000, max, w));
}

static void
chart_accuracy(struct ctx *c, struct tmpl_dict *d, const struct job_stats *s)
{
    enum { X0 = 16, W = CHART_W - 32, ROWS = 10 };
    struct tmpl_dict *chart = tmpl_section_add(d, "ACCURACY_CHART");
    int64_t top = 2000, max;

    if (s->nratios == 0) {
        tmpl_show(chart, "NONE");
        return;
    }
    tmpl_show(chart, "SOME");
    for (int i = 0; i < s->nratios; i++)
        top = s->ratios[i].permille > top ? s->ratios[i].permille : top;
    max = chart_nice_max(top);
    accuracy_axis(c, chart, max, X0, W);
    accuracy_summary(c, chart, s);
    for (int i = 0; i < s->nratios; i++) {
        const struct job_stats_ratio *r = &s->ratios[i];
        struct tmpl_dict *dot = tmpl_section_add(chart, "DOT");
        const char *ratio = ratio_text(c->arena, r->permille);

        tmpl_set_int(dot, "X", X0 + chart_scale(r->permille, max, W));
        /* rows spread the dots so equal ratios stay visible */
        tmpl_set_int(dot, "Y", 16 + (i % ROWS) * 9);
        tmpl_set(dot, "BAND",
                 r->permille < 900    ? "early"
                 : r->permille > 1100 ? "late"
                                      : "near");
        tmpl_set(dot, "NAME", r->name);
        tmpl_set(dot, "RATIO", ratio);
        tmpl_set(dot, "DATE", day_text(c->arena, r->ended_at));
    }
}

static void
analytics_form(struct tmpl_dict *d, int64_t days)
{
    for (size_t i = 0; i < sizeof(range_days) / sizeof(range_days[0]); i++) {
        struct tmpl_dict *o = tmpl_section_add(d, "DAYS_OPTION");

        tmpl_set_int(o, "VALUE", range_days[i]);
        if (range_days[i] == days)
            tmpl_show(o, "SELECTED");
    }
}

static int
analytics_days(struct req *r, int64_t *days)
{
    *days = 30;
    if (query_int(r, "days", 1, JOB_STATS_DAYS_MAX, days) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(range_days) / sizeof(range_days[0]); i++)
        if (range_days[i] == *days)
            return 0;
    return err_field(&r->c->err, "days", "must be 7, 30, 90 or 365");
}

static void
analytics_summary(struct ctx *c, struct tmpl_dict *d, const struct job_stats *s)
{
    int64_t ran = (int64_t)s->completed + s->failed;

    tmpl_set_int(d, "COMPLETED", s->completed);
    tmpl_set_int(d, "FAILED", s->failed);
    tmpl_set_int(d, "CANCELLED", s->cancelled);
    tmpl_set(
        d, "SUCCESS",
        ran ? arena_printf(c->arena, "%lld %%",
                           (long long)((s->completed * 200 + ran) / (2 * ran)))
            : PAGEFMT_NONE);
    tmpl_set(d, "GRAMS", pagefmt_grams(c->arena, s->grams));
    tmpl_set(d, "COST", money_text(c, s->cost, 1));
}

/* PROFIT: the orders received in the range, per day (PDAY) and per
 * product (PPRODUCT), one row per currency of each (ROW_CURRENCY): REVENUE
 * in it, COST in the farm's CURRENCY, PROFIT (a dash in rows of another
 * currency); NO_ORDERS when there are none. */
static int
analytics_profit(struct ctx *c, struct tmpl_dict *d, int64_t from, int64_t to)
{
    struct order_profit_row *days, *prods;
    struct tmpl_dict *sec;
    int nd, np;

    if (order_profit(c, from, to, &days, &nd, &prods, &np) < 0)
        return -1;
    sec = tmpl_section_add(d, "PROFIT");
    tmpl_set(sec, "CURRENCY", c->conf->currency);
    if (nd == 0)
        tmpl_show(sec, "NO_ORDERS");
    for (int i = 0; i < nd + np; i++) {
        const struct order_profit_row *p = i < nd ? &days[i] : &prods[i - nd];
        struct tmpl_dict *row =
            tmpl_section_add(sec, i < nd ? "PDAY" : "PPRODUCT");

        if (i < nd)
            tmpl_set(row, "DATE", day_text(c->arena, p->key));
        else
            tmpl_set(row, "NAME",
                     p->key == 0      ? "(no product)"
                     : p->name != NULL ? p->name
                                       : "(deleted product)");
        tmpl_set(row, "ROW_CURRENCY", p->currency);
        tmpl_set(row, "REVENUE", money_text(c, p->revenue, 0));
        tmpl_set(row, "COST", money_text(c, p->cost, 0));
        tmpl_set(row, "PROFIT", p->profit == DB_NULL
                                    ? PAGEFMT_NONE
                                    : money_text(c, p->profit, 0));
    }
    return 0;
}

static int
analytics(struct req *r)
{
    struct ctx *c = r->c;
    struct tmpl_dict *d;
    struct job_stats s;
    int64_t days, to;

    if (c->user_id == 0)
        return page_redirect(r, "/login");
    if (analytics_days(r, &days) < 0)
        return -1;
    /* the last `days` UTC days, today included */
    to = job_stats_day_start(c->now) + JOB_STATS_DAY;
    if (job_stats_range(c, to - days * JOB_STATS_DAY, to, &s) < 0)
        return -1;
    d = page_dict(r);
    if (page_user(r, d, "Analytics", "NAV_ANALYTICS") < 0)
        return -1;
    analytics_form(d, days);
    tmpl_set_int(d, "DAYS", days);
    tmpl_set(d, "FROM", day_text(c->arena, s.from));
    tmpl_set(d, "TO", day_text(c->arena, s.to - JOB_STATS_DAY));
    if (analytics_profit(c, d, s.from, s.to) < 0)
        return -1;
    if (s.completed + s.failed + s.cancelled == 0) {
        tmpl_show(d, "EMPTY");
        return page_render(r, 200, "analytics.tpl", d);
    }
    tmpl_show(d, "CHARTS");
    analytics_summary(c, d, &s);
    chart_days(c, d, &s);
    chart_printers(c, d, &s);
    chart_filament(c, d, &s);
    chart_cost(c, d, &s);
    chart_accuracy(c, d, &s);
    return page_render(r, 200, "analytics.tpl", d);
}

int
page_analytics(struct req *r)
{
    return page_finish(r, analytics(r));
}
