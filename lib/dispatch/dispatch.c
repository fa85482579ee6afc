/*
 * dispatch — the engine's life cycle (one --once run, the --watch loop)
 * and the step, which reads as a pipeline; each stage is its own file and
 * calls only the stages below it (dispatch_int.h lists them):
 *
 *   1. collect   dispatch_poll.c      connect, pushall, merge the reports
 *   2. load      dispatch_printers.c  the printers list, reloaded
 *   per printer, in its own transaction (one bad printer rolls back only
 *   its own writes):
 *   3. save      dispatch_save.c      decide its status, write its row
 *   4. trays     dispatch_ams.c       its AMS trays into materials
 *   5. jobs      dispatch_jobs.c      its started prints vs its report
 *                                     (status moves and their events:
 *                                     lib/domain/job.c)
 *   6. notify    dispatch_notify.c    offline/online, material low,
 *                                     maintenance due
 *   then:
 *   7. plan      dispatch_plan.c      which prints start; marked started
 *                                     and committed before anything is sent
 *   8. start     dispatch_start.c     uploads and start commands; refusals
 *   9. deliver   lib/notify/deliver.c the outbox: webhooks and email
 *                                     (--once only: --watch delivers in a
 *                                     process of its own, see
 *                                     dispatcher/dispatch.c)
 *  10. etsy      dispatch_etsy.c      connect pending shops, refresh
 *                                     tokens, import due shops' receipts
 *
 * Printer events and failure text: dispatch_events.c; the pure decisions:
 * dispatch_rules.c.
 */
#include "base/clock.h"
#include "dispatch/dispatch.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/app.h"
#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "notify/deliver.h"
#include "dispatch/dispatch_int.h"
#include "base/log.h"
#include "domain/lease.h"
#include "domain/token.h"
#include "domain/user.h"

#include "base/banned.h"

struct dispatcher *
dispatch_new(struct app *app, const struct dispatch_opts *o)
{
    struct dispatcher *d = calloc(1, sizeof(*d));

    if (d == NULL)
        abort();
    d->app = app;
    d->o = *o;
    d->leased = strcmp(db_backend_name(app->db), "postgresql") == 0;
    if (d->leased) {
        char host[64] = "";
        unsigned char nonce[4];

        gethostname(host, sizeof host - 1);
        randombytes_buf(nonce, sizeof nonce);
        snprintf(d->holder, sizeof d->holder, "%s:%ld:%02x%02x%02x%02x", host,
                 (long)getpid(), nonce[0], nonce[1], nonce[2], nonce[3]);
    }
    if (d->o.budget_ms <= 0)
        d->o.budget_ms = 4000;
    if (d->o.interval_s <= 0)
        d->o.interval_s = 5;
    return d;
}

void
dispatch_free(struct dispatcher *d)
{
    if (d == NULL)
        return;
    dispatch_printers_free(d);
    free(d);
}

long
dispatch_frames(const struct dispatcher *d)
{
    return d->frames;
}

void
dispatch_stats(const struct dispatcher *d, struct dispatch_stats *out)
{
    out->steps = d->steps;
    out->step_ms = d->step_ms;
    out->step_ms_max = d->step_ms_max;
    out->printers = d->n;
}

/* Steps 5-7 and the watch events for one printer. 0 or -1. */
static int
printer_step(struct dispatcher *d, struct ctx *c, struct dprinter *p)
{
    struct bambu_report r;

    bambu_state_report(p->state, &r);
    if (d->leased) {
        /* locks the lease row: nobody takes the printer before we commit */
        int held = lease_check(c, d->holder, p->id);

        if (held <= 0)
            return held < 0 ? err_internal(&c->err, "lease check failed")
                            : 0; /* another dispatcher's now: leave it */
    }
    if (dispatch_save_printer(d, c, p) < 0 ||
        (dispatch_fresh(d, p) && dispatch_sync_trays(c, p, &r) < 0) ||
        dispatch_reconcile_printer(d, c, p, &r) < 0 ||
        dispatch_notify_printer(d, c, p) < 0)
        return -1;
    return 0;
}

/* Each printer in its own transaction, so one printer's failure rolls
 * back only its own writes; then the starts. 0, or -1 when the step as a
 * whole failed (the printers list or the starts); a printer that failed
 * alone sets *printer_failed and the rest still ran. */
static int
step_run(struct dispatcher *d, int *printer_failed)
{
    struct ctx c;
    int failed = 0;

    app_begin(d->app, &c);
    if (dispatch_load(d, &c) < 0) {
        log_error("dispatch: cannot load printers");
        return -1;
    }
    for (int i = 0; i < d->n; i++) {
        struct dprinter *p = d->p[i];

        c.user_id = p->user_id;
        /* the lease row printer_step locks first keeps the printer ours:
         * no farm-wide lock, so several dispatchers step at once */
        p->step_failed = db_begin_rows(c.db) < 0 ||
                         db_end(c.db, printer_step(d, &c, p)) < 0;
        p->gs_changed = 0;
        if (p->step_failed) {
            log_error("dispatch: printer %s: step failed: %s", p->serial,
                      c.err.msg[0] ? c.err.msg : "commit failed");
            err_clear(&c.err);
            failed = 1;
        }
    }
    c.user_id = 0;
    if (dispatch_plan_starts(d, &c) < 0) {
        log_error("dispatch: starting prints failed: %s", c.err.msg);
        return -1;
    }
    *printer_failed = failed;
    return 0;
}

/* step_run, its wall time counted for dispatch_stats. */
static int
dispatch_step(struct dispatcher *d, int *printer_failed)
{
    int64_t t0 = clock_mono_ms(), ms;
    int rc = step_run(d, printer_failed);

    ms = clock_mono_ms() - t0;
    d->steps++;
    d->step_ms += ms;
    if (ms > d->step_ms_max)
        d->step_ms_max = ms;
    return rc;
}

/* Loads, connects and collects frames until every printer has answered
 * (or cannot) or the budget ends. 0 or -1. */
static int
collect(struct dispatcher *d, volatile int *stop)
{
    struct ctx c;
    int64_t deadline;

    app_begin(d->app, &c);
    if (dispatch_load(d, &c) < 0) {
        log_error("dispatch: cannot load printers");
        return -1;
    }
    dispatch_connect_all(d);
    d->collect_ms = clock_mono_ms();
    deadline = d->collect_ms + d->o.budget_ms;
    while (stop == NULL || !*stop) {
        int64_t left = deadline - clock_mono_ms();

        if (left <= 0 || dispatch_settled(d))
            break;
        if (mqtt_poll(d->conns, d->n, left > 50 ? 50 : (int)left) < 0)
            break;
    }
    return 0;
}

/* Delivers what the outbox holds (webhooks, email) for at most budget_s:
 * the last step of a --once run, after the printers' own work. */
static int
deliver(struct dispatcher *d, int budget_s)
{
    struct deliver_stats st;
    struct ctx c;

    memset(&st, 0, sizeof(st));
    app_begin(d->app, &c);
    if (deliver_run(&c, budget_s, NULL, &st) < 0) {
        log_error("dispatch: delivery failed: %s", c.err.msg);
        return -1;
    }
    return 0;
}

/* Deletes expired sessions, API tokens and sign-in failure counts, at most
 * every DISPATCH_PURGE_S (every --once run). A failure is logged only:
 * nothing waits on it. */
#define DISPATCH_PURGE_S 600
static void
housekeeping(struct dispatcher *d)
{
    struct ctx c;
    int64_t n, m;

    app_begin(d->app, &c);
    if (d->purged_at != 0 && c.now - d->purged_at < DISPATCH_PURGE_S)
        return;
    d->purged_at = c.now;
    n = token_purge(&c);
    m = n < 0 ? -1 : user_purge(&c);
    if (m < 0)
        log_error("dispatch: purging expired sign-ins failed: %s", c.err.msg);
    else if (n + m > 0)
        log_info("dispatch: purged %lld expired sessions, tokens and sign-in "
                 "failure counts",
                 (long long)(n + m));
}

/* A clean stop gives the printers back at once, so the other dispatchers
 * need not wait for the leases to run out. */
static void
dispatch_release(struct dispatcher *d)
{
    struct ctx c;

    if (!d->leased)
        return;
    app_begin(d->app, &c);
    lease_release_all(&c, d->holder);
}

int
dispatch_once(struct dispatcher *d)
{
    int rc, printer_failed = 0;

    if (collect(d, NULL) < 0)
        return -1;
    rc = dispatch_step(d, &printer_failed);
    if (printer_failed)
        rc = -1; /* exit 1 says so; the other printers' work stands */
    dispatch_disconnect_all(d);
    if (deliver(d, DISPATCH_DELIVER_ONCE_S) < 0)
        rc = -1;
    if (dispatch_etsy(d) < 0)
        rc = -1;
    housekeeping(d);
    dispatch_release(d);
    return rc;
}

int
dispatch_watch(struct dispatcher *d, volatile int *stop)
{
    int64_t next = 0;
    int failures = 0, printer_failed = 0;

    if (collect(d, stop) < 0)
        return -1;
    while (!*stop) {
        int changed = 0;

        if (mqtt_poll(d->conns, d->n, 200) < 0)
            break;
        if (d->o.tick != NULL)
            d->o.tick(d->o.tick_arg);
        dispatch_settled(d); /* pushall on every (re)connect */
        for (int i = 0; i < d->n; i++)
            changed |= d->p[i]->gs_changed;
        if (clock_mono_ms() < next && !changed)
            continue;
        if (clock_mono_ms() >= next) {
            struct ctx c;

            /* printers added or changed since the last step: connect them
             * now, so the steps after this one see them */
            app_begin(d->app, &c);
            if (dispatch_load(d, &c) == 0)
                dispatch_connect_all(d);
        }
        next = clock_mono_ms() + (int64_t)d->o.interval_s * 1000;
        /* one misbehaving printer never stops the loop: only a step that
         * failed as a whole (database gone) counts towards giving up */
        if (dispatch_step(d, &printer_failed) < 0 || dispatch_etsy(d) < 0) {
            if (++failures >= 10)
                return -1;
        } else {
            failures = 0;
        }
        housekeeping(d);
    }
    dispatch_disconnect_all(d);
    dispatch_release(d);
    return 0;
}
