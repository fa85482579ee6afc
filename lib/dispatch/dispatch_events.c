/*
 * dispatch_events — the printer events of a step (status changes, material
 * changes) through lib/domain/event, and a report's failure as text. A
 * print's own events are the job module's (lib/domain/job.c), emitted with
 * each status move. Calls nothing else of the dispatcher's.
 */
#include "dispatch/dispatch_int.h"

#include "base/arena.h"
#include "base/ctx.h"
#include "domain/event.h"

#include "base/banned.h"

int
dispatch_event(struct ctx *c, const struct dprinter *p, const char *kind,
               const char *detail)
{
    struct event_printer ep = {p->id, p->name, p->serial, p->model};

    return event_emit(c, kind, &ep, NULL, detail) < 0 ? -1 : 0;
}

const char *
dispatch_failure_text(struct ctx *c, const struct bambu_report *r)
{
    char buf[200];
    const char *s = "";

    if (r->print_error != 0)
        s = arena_strdup(c->arena,
                         bambu_error_describe(r->print_error, buf, sizeof buf));
    for (int i = 0; i < r->nhms; i++)
        s = arena_printf(c->arena, "%s%s%s", s, s[0] ? "; " : "",
                         bambu_hms_describe(r->hms[i].attr, r->hms[i].code, buf,
                                            sizeof buf));
    return s[0] ? s : NULL;
}
