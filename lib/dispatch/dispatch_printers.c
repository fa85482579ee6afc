/*
 * dispatch_printers — the dispatcher's bookkeeping of its printers: one
 * struct dprinter per printers row, reloaded every step (a connection is
 * restarted when what it connects to changed), looked up by id, and
 * whether a printer's report is fresh. Calls nothing else of the
 * dispatcher's.
 */
#include "dispatch/dispatch_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/secret.h"
#include "store/db.h"

#include "base/banned.h"

void
dispatch_copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

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
    dispatch_copy(p->name, sizeof p->name, db_text(st, 2));
    dispatch_copy(p->model, sizeof p->model, db_text(st, 3));
    dispatch_copy(p->serial, sizeof p->serial, serial);
    dispatch_copy(p->host, sizeof p->host, host);
    p->port = db_int(st, 6);
    p->ftp_port = db_int(st, 7);
    dispatch_copy(p->sealed, sizeof p->sealed, sealed);
    code = sealed ? secret_open(c->arena, sealed) : NULL;
    dispatch_copy(p->code, sizeof p->code, code);
    dispatch_copy(p->status, sizeof p->status, db_text(st, 9));
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
    dispatch_copy(p->pin, sizeof p->pin, pin);
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

int
dispatch_fresh(const struct dispatcher *d, const struct dprinter *p)
{
    if (p->conn == NULL || mqtt_conn_state(p->conn) != MQTT_CONNECTED)
        return 0;
    if (!d->o.watch)
        return p->frames > 0;
    return p->last_frame_ms > 0 &&
           mqtt_now_ms() - p->last_frame_ms < DISPATCH_SILENT_S * 1000;
}

