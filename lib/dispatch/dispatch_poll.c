/*
 * dispatch_poll — collecting the reports: one MQTT connection per printer
 * (pinned or CA-verified), pushall when due, frames merged into each
 * printer's cached state, start acknowledgements noted for
 * dispatch_start. Writes nothing to the database.
 */
#include "dispatch/dispatch_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "store/db.h"
#include "base/log.h"

#include "base/banned.h"

static void
on_message(struct mqtt_conn *conn, const char *payload, size_t len, void *arg)
{
    struct dprinter *p = arg;
    struct bambu_frame f;
    struct bambu_report r;
    struct err e = {0};

    (void)conn;
    if (bambu_state_merge(p->state, payload, len, &f, &e) < 0)
        return;
    if (f.firmware[0])
        snprintf(p->firmware, sizeof p->firmware, "%s", f.firmware);
    if (bambu_frame_verify_failed(&f))
        p->verify_failed = 1;
    if (f.kind != BAMBU_FRAME_STATUS)
        return;
    p->frames++;
    (*p->frames_total)++;
    p->had_cache = 1;
    p->last_frame_ms = clock_mono_ms();
    if ((p->pushall_sent || p->nudged) && f.full)
        p->full_after_pushall = 1;
    bambu_state_report(p->state, &r);
    if (r.gcode_state != p->gs) {
        p->gs_changed = p->gs != BAMBU_GS_UNKNOWN || p->frames > 1;
        p->gs = r.gcode_state;
    }
}

static void
on_state(struct mqtt_conn *conn, enum mqtt_state st, const char *detail,
         void *arg)
{
    struct dprinter *p = arg;

    (void)conn;
    (void)detail;
    if (st == MQTT_CONNECTED) {
        p->frames = 0;
        p->pushall_sent = 0;
        p->full_after_pushall = 0;
        p->nudged = 0;
        p->connected_ms = clock_mono_ms();
    }
}

static void
on_ack(struct mqtt_conn *conn, const char *cls, const char *command,
       const char *seq, enum mqtt_ack result, const char *reason, void *arg)
{
    struct dprinter *p = arg;

    (void)conn;
    (void)cls;
    if (strcmp(command, "project_file") != 0 || strcmp(seq, p->start_seq) != 0)
        return;
    p->start_ack = result == MQTT_ACK_OK       ? DSTART_OK
                   : result == MQTT_ACK_FAILED ? DSTART_REFUSED
                                               : DSTART_TIMEOUT;
    snprintf(p->start_reason, sizeof p->start_reason, "%s", reason);
    if (bambu_reason_verify_failed(reason))
        p->verify_failed = 1;
}

/* 1 when a pushall is due for p on this connection. */
static int
pushall_due(const struct dispatcher *d, const struct dprinter *p, int64_t now)
{
    if (d->o.watch || !p->had_cache || p->last_pushall_at == DB_NULL)
        return 1;
    return now - p->last_pushall_at >= dispatch_pushall_interval(p->model);
}

/* The watchdog's nudge (§1.7): {"pushing":{"command":"start"}}, sent once
 * per connection instead of a pushall that is not due yet: it resumes
 * pushes a printer may have stopped, and firmware that answers it with a
 * full frame refreshes a cache that missed deltas between runs. */
static void
nudge(struct dispatcher *d, struct dprinter *p)
{
    struct arena *a = arena_new();
    char seq[24], *json;

    dispatch_next_seq(d, seq);
    json = bambu_cmd_pushing_start(a, seq, NULL);
    if (json != NULL)
        mqtt_publish(p->conn, json);
    p->nudged = 1;
    arena_free(a);
}

void
dispatch_pushall(struct dispatcher *d, struct dprinter *p)
{
    struct arena *a = arena_new();
    char seq[24], *json;

    dispatch_next_seq(d, seq);
    json = bambu_cmd_pushall(a, seq, NULL);
    if (json != NULL && mqtt_publish(p->conn, json) == 0) {
        p->pushall_sent = 1;
        p->frames_at_pushall = p->frames;
        p->last_pushall_at = clock_now();
    }
    arena_free(a);
}

void
dispatch_connect_all(struct dispatcher *d)
{
    for (int i = 0; i < d->n; i++) {
        struct dprinter *p = d->p[i];
        struct mqtt_opts o = {0};

        if (p->conn != NULL || p->code[0] == '\0')
            continue;
        o.host = p->host;
        o.port = (int)p->port;
        o.serial = p->serial;
        o.access_code = p->code;
        o.cafile = d->o.cafile;
        o.pin = d->o.cafile == NULL && p->pin[0] ? p->pin : NULL;
        o.reconnect = d->o.watch;
        o.connect_timeout_ms = d->o.watch ? 10000 : d->o.budget_ms;
        o.on_message = on_message;
        o.on_state = on_state;
        o.on_ack = on_ack;
        o.arg = p;
        p->conn = mqtt_conn_new(&o);
        p->frames = 0;
        d->conns[i] = p->conn;
        mqtt_conn_start(p->conn);
    }
}

void
dispatch_disconnect_all(struct dispatcher *d)
{
    for (int i = 0; i < d->n; i++) {
        if (d->p[i]->conn != NULL)
            mqtt_conn_stop(d->p[i]->conn);
        mqtt_conn_free(d->p[i]->conn);
        d->p[i]->conn = NULL;
        d->conns[i] = NULL;
    }
}

/* Sends due pushalls; 1 when every printer is connected and has reported
 * since (or can no longer connect in this run). */
int
dispatch_settled(struct dispatcher *d)
{
    int64_t now = clock_now();
    int late = clock_mono_ms() - d->collect_ms >= d->o.budget_ms / 2;
    int all = 1;

    for (int i = 0; i < d->n; i++) {
        struct dprinter *p = d->p[i];
        enum mqtt_state st = p->conn ? mqtt_conn_state(p->conn) : MQTT_IDLE;

        if (st == MQTT_CONNECTING)
            all = 0;
        if (st != MQTT_CONNECTED)
            continue;
        if (!p->pushall_sent && !p->nudged) {
            if (pushall_due(d, p, now))
                dispatch_pushall(d, p);
            else
                nudge(d, p);
        }
        /* a pushall is answered by the next frame; after a nudge wait for
         * a full frame, taking deltas only in the second half */
        if (p->pushall_sent
                ? !p->full_after_pushall && p->frames <= p->frames_at_pushall
                : !p->full_after_pushall && (p->frames == 0 || !late))
            all = 0;
    }
    return all;
}

