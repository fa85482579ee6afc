/*
 * dispatch — the engine's life cycle: the printers list (reloaded from the
 * database every step, connections restarted when what they connect to
 * changed), one --once run, the --watch loop, and the step that turns the
 * merged reports into rows (steps 5-10 of the dispatcher, docs/OPERATIONS.md).
 */
#include "dispatch/dispatch.h"

#include <inttypes.h>
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
#include "base/secret.h"

#include "base/banned.h"

struct dispatcher *
dispatch_new(struct app *app, const struct dispatch_opts *o)
{
    struct dispatcher *d = calloc(1, sizeof(*d));

    if (d == NULL)
        abort();
    d->app = app;
    d->o = *o;
    if (d->o.budget_ms <= 0)
        d->o.budget_ms = 4000;
    if (d->o.interval_s <= 0)
        d->o.interval_s = 5;
    return d;
}

static void
dprinter_free(struct dprinter *p)
{
    mqtt_conn_free(p->conn);
    bambu_state_free(p->state);
    free(p);
}

void
dispatch_free(struct dispatcher *d)
{
    if (d == NULL)
        return;
    for (int i = 0; i < d->n; i++)
        dprinter_free(d->p[i]);
    free(d->p);
    free(d->conns);
    free(d);
}

long
dispatch_frames(const struct dispatcher *d)
{
    return d->frames;
}

void
dispatch_next_seq(struct dispatcher *d, char out[24])
{
    snprintf(out, 24, "7%03ld%u", (long)getpid() % 1000, ++d->seq);
}

struct dprinter *
dispatch_find(struct dispatcher *d, int64_t id)
{
    for (int i = 0; i < d->n; i++)
        if (d->p[i]->id == id)
            return d->p[i];
    return NULL;
}

static void
copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static struct dprinter *
dprinter_add(struct dispatcher *d, int64_t id)
{
    struct dprinter *p = calloc(1, sizeof(*p));

    if (p == NULL)
        abort();
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 64;
        d->p = realloc(d->p, sizeof(*d->p) * (size_t)d->cap);
        d->conns = realloc(d->conns, sizeof(*d->conns) * (size_t)d->cap);
        if (d->p == NULL || d->conns == NULL)
            abort();
    }
    p->id = id;
    p->frames_total = &d->frames;
    p->state = bambu_state_new();
    p->start_id = DB_NULL;
    d->p[d->n++] = p;
    return p;
}

/* Fills p from the current row of st; restarts its connection when what
 * it connects to changed. */
static void
dprinter_fill(struct ctx *c, struct dprinter *p, struct db_stmt *st, int fresh)
{
    const char *serial = db_text(st, 4), *host = db_text(st, 5);
    const char *sealed = db_text(st, 8), *pin = db_text(st, 17);
    int changed =
        !fresh && (strcmp(p->serial, serial ? serial : "") != 0 ||
                   strcmp(p->host, host ? host : "") != 0 ||
                   p->port != db_int(st, 6) || p->ftp_port != db_int(st, 7) ||
                   strcmp(p->sealed, sealed ? sealed : "") != 0 ||
                   (p->pin[0] && (pin == NULL || !pin[0])));
    char *code;

    if (changed) {
        if (strcmp(p->serial, serial ? serial : "") != 0)
            bambu_state_clear(p->state);
        mqtt_conn_free(p->conn);
        p->conn = NULL;
    }
    p->user_id = db_int(st, 1);
    copy(p->name, sizeof p->name, db_text(st, 2));
    copy(p->model, sizeof p->model, db_text(st, 3));
    copy(p->serial, sizeof p->serial, serial);
    copy(p->host, sizeof p->host, host);
    p->port = db_int(st, 6);
    p->ftp_port = db_int(st, 7);
    copy(p->sealed, sizeof p->sealed, sealed);
    code = sealed ? secret_open(c->arena, sealed) : NULL;
    copy(p->code, sizeof p->code, code);
    copy(p->status, sizeof p->status, db_text(st, 9));
    p->online = db_int(st, 10);
    p->current_print_id = db_int(st, 11);
    if (fresh) { /* after that, this process keeps them up to date */
        p->last_seen_at = db_int(st, 12);
        p->last_pushall_at = db_int(st, 13);
        p->devmode_at = db_int(st, 14);
        p->silent_runs = db_int(st, 15);
    }
    p->offline_since = db_int(st, 18);
    p->offline_notified = db_int(st, 19);
    copy(p->pin, sizeof p->pin, pin);
    if (fresh && db_text(st, 16) != NULL) {
        const char *js = db_text(st, 16);
        char *frame = arena_printf(c->arena, "{\"print\":%s}", js);

        if (bambu_state_merge(p->state, frame, strlen(frame), NULL, NULL) == 0)
            p->had_cache = 1;
    }
    p->listed = 1;
}

int
dispatch_load(struct dispatcher *d, struct ctx *c)
{
    struct db_stmt *st;
    int rc, w = 0;

    for (int i = 0; i < d->n; i++)
        d->p[i]->listed = 0;
    st = db_query(c->db,
                  "SELECT id, user_id, name, model, serial, host, port, "
                  "ftp_port, access_code_sealed, status, online, "
                  "current_print_id, last_seen_at, last_pushall_at, "
                  "devmode_refused_at, silent_runs, state_json, "
                  "cert_fingerprint, offline_since, offline_notified "
                  "FROM printers ORDER BY id",
                  "");
    if (st == NULL)
        return -1;
    while ((rc = db_step(st)) == DB_ROW) {
        struct dprinter *p = dispatch_find(d, db_int(st, 0));
        int fresh = p == NULL;

        if (fresh)
            p = dprinter_add(d, db_int(st, 0));
        dprinter_fill(c, p, st, fresh);
    }
    if (rc != DB_DONE)
        return -1;
    for (int i = 0; i < d->n; i++) {
        if (d->p[i]->listed)
            d->p[w++] = d->p[i];
        else
            dprinter_free(d->p[i]);
    }
    d->n = w;
    for (int i = 0; i < d->n; i++)
        d->conns[i] = d->p[i]->conn;
    return 0;
}

/* Steps 5-7 for every printer in one transaction, then step 8. */
/* How long the outbox step may take: a cron run stays short, a --watch
 * loop comes back often. */
#define DISPATCH_DELIVER_ONCE_S 20
#define DISPATCH_DELIVER_WATCH_S 2

static int
dispatch_step(struct dispatcher *d)
{
    struct ctx c;
    int rc = 0;

    app_begin(d->app, &c);
    if (dispatch_load(d, &c) < 0) {
        log_error("dispatch: cannot load printers");
        return -1;
    }
    if (db_begin(c.db) < 0)
        return -1;
    for (int i = 0; i < d->n && rc == 0; i++) {
        struct dprinter *p = d->p[i];
        struct bambu_report r;

        c.user_id = p->user_id;
        bambu_state_report(p->state, &r);
        if (dispatch_save_printer(d, &c, p) < 0 ||
            (dispatch_fresh(d, p) && dispatch_sync_trays(&c, p, &r) < 0) ||
            dispatch_reconcile_printer(d, &c, p, &r) < 0 ||
            dispatch_notify_printer(d, &c, p) < 0)
            rc = -1;
        p->gs_changed = 0;
    }
    if (rc < 0 || db_commit(c.db) < 0) {
        db_rollback(c.db);
        log_error("dispatch: step failed: %s", c.err.msg);
        return -1;
    }
    c.user_id = 0;
    if (dispatch_plan_starts(d, &c) < 0) {
        log_error("dispatch: starting prints failed: %s", c.err.msg);
        return -1;
    }
    return 0;
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
    d->collect_ms = mqtt_now_ms();
    deadline = d->collect_ms + d->o.budget_ms;
    while (stop == NULL || !*stop) {
        int64_t left = deadline - mqtt_now_ms();

        if (left <= 0 || dispatch_settled(d))
            break;
        if (mqtt_poll(d->conns, d->n, left > 50 ? 50 : (int)left) < 0)
            break;
    }
    return 0;
}

/* Delivers what the outbox holds (webhooks, email) for at most budget_s:
 * a step of every run, after the printers' own work. */
static int
deliver(struct dispatcher *d, int budget_s)
{
    struct deliver_stats st;
    struct ctx c;

    memset(&st, 0, sizeof(st));
    app_begin(d->app, &c);
    if (deliver_run(&c, budget_s, &st) < 0) {
        log_error("dispatch: delivery failed: %s", c.err.msg);
        return -1;
    }
    return 0;
}

int
dispatch_once(struct dispatcher *d)
{
    int rc;

    if (collect(d, NULL) < 0)
        return -1;
    rc = dispatch_step(d);
    dispatch_disconnect_all(d);
    if (deliver(d, DISPATCH_DELIVER_ONCE_S) < 0)
        rc = -1;
    return rc;
}

int
dispatch_watch(struct dispatcher *d, volatile int *stop)
{
    int64_t next = 0;
    int failures = 0;

    if (collect(d, stop) < 0)
        return -1;
    while (!*stop) {
        int changed = 0;

        if (mqtt_poll(d->conns, d->n, 200) < 0)
            break;
        dispatch_settled(d); /* pushall on every (re)connect */
        for (int i = 0; i < d->n; i++)
            changed |= d->p[i]->gs_changed;
        if (mqtt_now_ms() < next && !changed)
            continue;
        if (mqtt_now_ms() >= next) {
            struct ctx c;

            /* printers added or changed since the last step: connect them
             * now, so the steps after this one see them */
            app_begin(d->app, &c);
            if (dispatch_load(d, &c) == 0)
                dispatch_connect_all(d);
        }
        next = mqtt_now_ms() + (int64_t)d->o.interval_s * 1000;
        if (dispatch_step(d) < 0 || deliver(d, DISPATCH_DELIVER_WATCH_S) < 0) {
            if (++failures >= 10)
                return -1;
        } else {
            failures = 0;
        }
    }
    dispatch_disconnect_all(d);
    return 0;
}
