/*
 * dispatch_printers — the dispatcher's bookkeeping of its printers: one
 * struct dprinter per printers row (read with the printer module's
 * printer_list_watched), reloaded every step (a connection is restarted
 * when what it connects to changed), looked up by id, and whether a
 * printer's report is fresh. Calls nothing else of the dispatcher's.
 */
#include "base/clock.h"
#include "dispatch/dispatch_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "base/str.h"
#include "store/db.h"
#include "domain/lease.h"
#include "domain/printer.h"

#include "base/banned.h"

static void
dprinter_free(struct dprinter *p)
{
    mqtt_conn_free(p->conn);
    bambu_state_free(p->state);
    free(p);
}

void
dispatch_printers_free(struct dispatcher *d)
{
    for (int i = 0; i < d->n; i++)
        dprinter_free(d->p[i]);
    free(d->p);
    free(d->conns);
    d->p = NULL;
    d->conns = NULL;
    d->n = d->cap = 0;
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

/* A NULL column as "". */
static const char *
str(const char *s)
{
    return s ? s : "";
}

/* Fills p from its printers row w; restarts its connection when what it
 * connects to changed. */
static void
dprinter_fill(struct ctx *c, struct dprinter *p,
              const struct printer_watched *w, int fresh)
{
    const char *sealed = w->access_code_sealed, *pin = w->cert_fingerprint;
    int changed =
        !fresh && (strcmp(p->serial, str(w->serial)) != 0 ||
                   strcmp(p->host, str(w->host)) != 0 ||
                   p->port != w->port || p->ftp_port != w->ftp_port ||
                   strcmp(p->sealed, str(sealed)) != 0 ||
                   (p->pin[0] && (pin == NULL || !pin[0])));
    char *code;

    if (changed) {
        if (strcmp(p->serial, str(w->serial)) != 0)
            bambu_state_clear(p->state);
        mqtt_conn_free(p->conn);
        p->conn = NULL;
    }
    p->user_id = w->user_id;
    str_copy(p->name, sizeof p->name, w->name);
    str_copy(p->model, sizeof p->model, w->model);
    str_copy(p->serial, sizeof p->serial, w->serial);
    str_copy(p->host, sizeof p->host, w->host);
    p->port = w->port;
    p->ftp_port = w->ftp_port;
    str_copy(p->sealed, sizeof p->sealed, sealed);
    code = printer_access_code(c, w);
    str_copy(p->code, sizeof p->code, code);
    str_copy(p->status, sizeof p->status, w->status);
    p->online = w->online;
    p->current_print_id = w->current_print_id;
    if (fresh) { /* after that, this process keeps them up to date */
        p->last_seen_at = w->last_seen_at;
        p->last_pushall_at = w->last_pushall_at;
        p->devmode_at = w->devmode_refused_at;
        p->silent_runs = w->silent_runs;
    }
    p->offline_since = w->offline_since;
    p->offline_notified = w->offline_notified;
    str_copy(p->pin, sizeof p->pin, pin);
    if (fresh && w->state_json != NULL) {
        char *frame = arena_printf(c->arena, "{\"print\":%s}", w->state_json);

        if (bambu_state_merge(p->state, frame, strlen(frame), NULL, NULL) == 0)
            p->had_cache = 1;
    }
    p->listed = 1;
}

/* With leases, keeps in rows (ascending ids) only the printers this
 * dispatcher drives after renewing and rebalancing its leases. */
static int
keep_leased(struct dispatcher *d, struct ctx *c, struct printer_watched *rows,
            int *nrows)
{
    int64_t *ids;
    char *mine;
    int w = 0;

    if (!d->leased)
        return 0;
    /* with no printers too: the heartbeat counts this dispatcher */
    ids = arena_alloc(c->arena, sizeof(*ids) * (size_t)(*nrows + 1));
    mine = arena_alloc(c->arena, (size_t)*nrows + 1);
    for (int k = 0; k < *nrows; k++)
        ids[k] = rows[k].id;
    if (lease_sync(c, d->holder, c->conf->lease_seconds, ids, *nrows, mine) <
        0)
        return -1;
    for (int k = 0; k < *nrows; k++)
        if (mine[k])
            rows[w++] = rows[k];
    *nrows = w;
    return 0;
}

int
dispatch_load(struct dispatcher *d, struct ctx *c)
{
    struct printer_watched *rows;
    int nrows, w = 0;

    if (printer_list_watched(c, &rows, &nrows) < 0 ||
        keep_leased(d, c, rows, &nrows) < 0)
        return -1;
    for (int i = 0; i < d->n; i++)
        d->p[i]->listed = 0;
    for (int k = 0; k < nrows; k++) {
        struct dprinter *p = dispatch_find(d, rows[k].id);
        int fresh = p == NULL;

        if (fresh)
            p = dprinter_add(d, rows[k].id);
        dprinter_fill(c, p, &rows[k], fresh);
    }
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

int
dispatch_fresh(const struct dispatcher *d, const struct dprinter *p)
{
    if (p->conn == NULL || mqtt_conn_state(p->conn) != MQTT_CONNECTED)
        return 0;
    if (!d->o.watch)
        return p->frames > 0;
    return p->last_frame_ms > 0 &&
           clock_mono_ms() - p->last_frame_ms < DISPATCH_SILENT_S * 1000;
}

