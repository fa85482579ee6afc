/*
 * The queue timeline: what runs when over the next 24 hours, as an SVG
 * drawn through the template. The plan (what starts when) is the job
 * module's (domain/job_timeline); this file only maps times to viewBox
 * units with web/chart's scale and picks the words: a lane per printer, a
 * tick every two hours labelled in UTC, a "now" line, a bar per print (the
 * started one filled to its progress, estimated starts dashed and
 * hatched), elbow connectors from a chain parent's end to its child.
 */
#include "web/page_queue.h"

#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "base/null.h"
#include "domain/job_timeline.h"
#include "domain/printer.h"
#include "web/chart.h"
#include "web/http.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define TL_SPAN (24 * 3600) /* seconds shown */
#define TL_TICK (2 * 3600)
#define TL_PLOT_X 150 /* lane labels to the left of it */
#define TL_PLOT_W 800
#define TL_TOP 30 /* tick labels above it */
#define TL_LANE 34
#define TL_BAR 22
#define TL_CHAR 7   /* viewBox units per character of a bar label */
#define TL_NAME_MAX 20

/* s cut to max characters (UTF-8 aware) with an ellipsis, or s. */
static const char *
cut(struct arena *a, const char *s, int max)
{
    int chars = 0;
    size_t i = 0;

    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars > max)
            break;
    if (s[i] == '\0')
        return s;
    return arena_printf(a, "%.*s\xe2\x80\xa6", (int)i, s);
}

static int
tl_x(int64_t t, int64_t from)
{
    return TL_PLOT_X + chart_scale(t - from, TL_SPAN, TL_PLOT_W);
}

/* The lane of a print: its printer's index, the shared lane after them. */
static int
lane_of(const struct queue_view *v, int64_t printer_id)
{
    if (printer_id == DB_NULL)
        return v->nprinters;
    for (int i = 0; i < v->nprinters; i++)
        if (v->printers[i].id == printer_id)
            return i;
    return -1;
}

static int
lane_y(int lane)
{
    return TL_TOP + lane * TL_LANE;
}

static void
axis(struct queue_view *v, struct tmpl_dict *t, int64_t from, int height)
{
    struct arena *a = v->r->c->arena;

    for (int64_t at = (from + TL_TICK - 1) / TL_TICK * TL_TICK;
         at <= from + TL_SPAN; at += TL_TICK) {
        struct tmpl_dict *k = tmpl_section_add(t, "TICK");
        char iso[21];

        clock_format(at, iso);
        tmpl_set_int(k, "X", tl_x(at, from));
        tmpl_set(k, "LABEL", arena_printf(a, "%.5s", iso + 11));
    }
    tmpl_set_int(t, "NOW_X", TL_PLOT_X);
    tmpl_set_int(t, "BOTTOM", height - 4);
}

static void
lanes(struct queue_view *v, struct tmpl_dict *t, int shared)
{
    struct arena *a = v->r->c->arena;

    for (int i = 0; i < v->nprinters + shared; i++) {
        struct tmpl_dict *l = tmpl_section_add(t, "LANE");
        const char *name =
            i < v->nprinters ? v->printers[i].name : "Any printer";

        tmpl_set(l, "NAME", cut(a, name, TL_NAME_MAX));
        tmpl_set(l, "FULL_NAME", name);
        tmpl_set_int(l, "Y", lane_y(i));
        tmpl_set_int(l, "LABEL_Y", lane_y(i) + TL_LANE / 2 + 4);
        tmpl_set_int(l, "LINE_Y", lane_y(i) + TL_LANE);
    }
}

/* What a bar's <title> says: name, status, when, and that it is a guess. */
static const char *
bar_title(struct arena *a, const struct job_plan *p)
{
    char s[21], e[21];

    clock_format(p->start, s);
    clock_format(p->end, e);
    return arena_printf(a, "%s (%s): %.16s to %.16s UTC%s", p->name,
                        p->status, s, e,
                        p->estimated ? ", start estimated" : "");
}

static void
bar(struct queue_view *v, struct tmpl_dict *t, const struct job_plan *p,
    int64_t from)
{
    struct arena *a = v->r->c->arena;
    struct tmpl_dict *b;
    int lane = lane_of(v, p->printer_id);
    int x1, x2, chars;

    if (lane < 0 || p->end <= from || p->start >= from + TL_SPAN)
        return;
    x1 = tl_x(p->start, from);
    x2 = tl_x(p->end, from);
    if (x2 - x1 < 3)
        x2 = x1 + 3; /* a short print stays visible */
    b = tmpl_section_add(t, "BAR");
    tmpl_set_int(b, "ID", p->id);
    tmpl_set_int(b, "X", x1);
    tmpl_set_int(b, "Y", lane_y(lane) + (TL_LANE - TL_BAR) / 2);
    tmpl_set_int(b, "W", x2 - x1);
    tmpl_set_int(b, "H", TL_BAR);
    tmpl_set(b, "STATUS", p->status);
    tmpl_set(b, "KIND", p->estimated ? "est" : "firm");
    tmpl_set(b, "TITLE", bar_title(a, p));
    if (strcmp(p->status, "started") == 0 && p->progress_percent != DB_NULL) {
        int64_t done = p->start + (p->end - p->start) * p->progress_percent / 100;
        struct tmpl_dict *f = tmpl_section_add(b, "DONE");

        tmpl_set_int(f, "X", x1);
        tmpl_set_int(f, "Y", lane_y(lane) + (TL_LANE - TL_BAR) / 2);
        tmpl_set_int(f, "W", tl_x(done, from) - x1);
        tmpl_set_int(f, "H", TL_BAR);
    }
    /* a label only where it fits; the <title> always says it */
    chars = (x2 - x1 - 8) / TL_CHAR;
    if (chars >= 4) {
        struct tmpl_dict *l = tmpl_section_add(b, "LABEL");

        tmpl_set(l, "TEXT", cut(a, p->name, chars));
        tmpl_set_int(l, "X", x1 + 4);
        tmpl_set_int(l, "Y", lane_y(lane) + TL_LANE / 2 + 4);
    }
}

/* An elbow from the parent's end down (or up) to the child's start. */
static void
link(struct queue_view *v, struct tmpl_dict *t, const struct job_plan *p,
     int64_t from)
{
    const struct job_plan *parent;
    int lp, lc, y1, y2, ymid;

    if (p->chain_after_id == DB_NULL ||
        (parent = job_timeline_find(v->plan, v->nplan, p->chain_after_id)) ==
            NULL ||
        p->start >= from + TL_SPAN || parent->end <= from)
        return;
    lp = lane_of(v, parent->printer_id);
    lc = lane_of(v, p->printer_id);
    if (lp < 0 || lc < 0)
        return;
    y1 = lane_y(lp) + TL_LANE / 2;
    y2 = lane_y(lc) + TL_LANE / 2;
    /* same lane: under the bars; else halfway between the lanes */
    ymid = lp == lc ? lane_y(lp) + TL_LANE - 3 : (y1 + y2) / 2;
    tmpl_set(tmpl_section_add(t, "LINK"), "POINTS",
             arena_printf(v->r->c->arena, "%d,%d %d,%d %d,%d %d,%d",
                          tl_x(parent->end, from), y1, tl_x(parent->end, from),
                          ymid, tl_x(p->start, from), ymid,
                          tl_x(p->start, from), y2));
}

void
page_timeline_fill(struct queue_view *v)
{
    struct ctx *c = v->r->c;
    struct tmpl_dict *t = tmpl_section_add(v->d, "TIMELINE");
    int64_t from = c->now;
    int shared = 0, height, shown = 0;
    char iso[21];

    for (int i = 0; i < v->nplan; i++)
        shared |= v->plan[i].printer_id == DB_NULL;
    if (v->nprinters + shared == 0) {
        tmpl_show(t, "NO_LANES");
        return;
    }
    tmpl_show(t, "CHART");
    height = TL_TOP + (v->nprinters + shared) * TL_LANE + 6;
    tmpl_set_int(t, "HEIGHT", height);
    tmpl_set_int(t, "PLOT_X", TL_PLOT_X);
    tmpl_set_int(t, "PLOT_END", TL_PLOT_X + TL_PLOT_W);
    clock_format(from, iso);
    tmpl_set(t, "FROM", arena_printf(c->arena, "%.16s", iso));
    clock_format(from + TL_SPAN, iso);
    tmpl_set(t, "TO", arena_printf(c->arena, "%.16s", iso));
    axis(v, t, from, height);
    lanes(v, t, shared);
    for (int i = 0; i < v->nplan; i++)
        link(v, t, &v->plan[i], from);
    for (int i = 0; i < v->nplan; i++) {
        bar(v, t, &v->plan[i], from);
        shown += v->plan[i].end > from && v->plan[i].start < from + TL_SPAN;
    }
    tmpl_set_int(t, "SHOWN", shown);
    if (shown == 0)
        tmpl_show(t, "NOTHING");
}
