/*
 * mqtt — see mqtt.h. One struct mosquitto per connection attempt: a
 * reconnect destroys it and makes a new one, so nothing (client id, queued
 * packets, TLS state) survives from the failed session. Sockets are driven
 * with mosquitto_loop_read/write/misc only (no select(), so no FD_SETSIZE
 * limit); in libmosquitto 2.0 loop_read also advances a TLS handshake.
 */
#include "net/mqtt.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>
#include <mosquitto.h>
#include <openssl/ssl.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/outbound.h"

#include "base/banned.h"

#define PENDING_MAX 32
#define BACKOFF_MAX_S 30
#define DROP_NOTE_MS 60000 /* one log line a minute per connection */

struct pending {
    int used;
    char cls[24], command[48], seq[48];
    int64_t deadline;
};

struct mqtt_conn {
    struct mqtt_opts o;      /* strings below are our copies */
    char *host, *serial, *code, *cafile;
    char topic_report[160], topic_request[160];
    char client_id[160];
    char detail[256];
    char last_log[200];
    char pin[TLSPIN_MAX];    /* expected pin ("" = first contact) */
    struct tlspin_check check;

    struct mosquitto *mosq;
    SSL_CTX *ctx;
    enum mqtt_state state;
    int dead;                /* mosq must be destroyed after this loop */
    int stopping;            /* we asked for the disconnect */
    int64_t connect_deadline, retry_at;
    int backoff_s;
    struct pending pend[PENDING_MAX];
    int npend;

    /* oversized reports dropped (MQTT_PAYLOAD_MAX), for the log */
    long dropped, dropped_noted;
    size_t dropped_largest;
    int64_t drop_noted_ms; /* 0: never logged */
};

static const char *const state_names[MQTT_STATE__MAX] = {
    "idle", "connecting", "connected", "disconnected", "auth_failed",
    "untrusted",
};

static unsigned long attempt_counter;

const char *
mqtt_state_name(enum mqtt_state st)
{
    return st >= 0 && st < MQTT_STATE__MAX ? state_names[st] : "unknown";
}

static char *
xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");

    if (!d)
        abort();
    return d;
}

static void
lib_init(void)
{
    static int done;

    if (!done) {
        mosquitto_lib_init();
        done = 1;
    }
}

static void
set_state(struct mqtt_conn *c, enum mqtt_state st, const char *detail)
{
    snprintf(c->detail, sizeof c->detail, "%s", detail ? detail : "");
    if (c->state == st && st != MQTT_DISCONNECTED)
        return;
    c->state = st;
    if (c->o.on_state)
        c->o.on_state(c, st, c->detail, c->o.arg);
}

/* The attempt ended (from a callback or after a loop call): choose the
 * resulting state and schedule a retry. The struct mosquitto itself is
 * destroyed later by drop_mosq(), outside libmosquitto's call stack. */
static void
conn_lost(struct mqtt_conn *c, const char *why)
{
    char buf[256];

    if (c->dead)
        return;
    c->dead = 1;
    if (c->stopping)
        return;
    if (c->state == MQTT_AUTH_FAILED || c->state == MQTT_UNTRUSTED)
        return;
    if (c->check.refused) {
        set_state(c, MQTT_UNTRUSTED, c->check.detail);
        return;
    }
    if (c->last_log[0] && (!why || !why[0] ||
                           strstr(why, "error") || strstr(why, "TLS"))) {
        snprintf(buf, sizeof buf, "%s%s%s", why && why[0] ? why : "",
                 why && why[0] ? ": " : "", c->last_log);
        why = buf;
    }
    if (c->o.reconnect) {
        c->retry_at = clock_mono_ms() + (int64_t)c->backoff_s * 1000;
        c->backoff_s = c->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S
                                                        : c->backoff_s * 2;
    }
    set_state(c, MQTT_DISCONNECTED, why && why[0] ? why : "disconnected");
}

static void
drop_mosq(struct mqtt_conn *c)
{
    if (c->mosq) {
        mosquitto_destroy(c->mosq);
        c->mosq = NULL;
    }
    if (c->ctx) {
        SSL_CTX_free(c->ctx);
        c->ctx = NULL;
    }
    c->dead = 0;
}

static void
on_log(struct mosquitto *m, void *arg, int level, const char *msg)
{
    struct mqtt_conn *c = arg;

    (void)m;
    if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
        snprintf(c->last_log, sizeof c->last_log, "%s", msg);
}

static void
on_connect(struct mosquitto *m, void *arg, int rc)
{
    struct mqtt_conn *c = arg;
    char buf[200];

    if (c->check.seen[0] && !c->cafile[0] && !c->pin[0])
        memcpy(c->pin, c->check.seen, sizeof c->pin);
    if (rc == 0) {
        if (mosquitto_subscribe(m, NULL, c->topic_report, 0) != MOSQ_ERR_SUCCESS)
            conn_lost(c, "cannot subscribe to the report topic");
        return;
    }
    snprintf(buf, sizeof buf, "broker refused the login (CONNACK %d: %s)",
             rc, mosquitto_connack_string(rc));
    if (rc == 4 || rc == 5) {
        set_state(c, MQTT_AUTH_FAILED, buf);
        c->dead = 1;
    } else {
        conn_lost(c, buf);
    }
    mosquitto_disconnect(m);
}

static void
on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *qos)
{
    struct mqtt_conn *c = arg;

    (void)m;
    (void)mid;
    if (n < 1 || qos[0] > 2) {
        conn_lost(c, "broker refused the report subscription");
        return;
    }
    c->backoff_s = 1;
    set_state(c, MQTT_CONNECTED, "");
}

static void
on_disconnect(struct mosquitto *m, void *arg, int rc)
{
    struct mqtt_conn *c = arg;

    (void)m;
    conn_lost(c, rc ? mosquitto_strerror(rc) : "disconnected");
}

static const char *
jstr(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

/* Matches a report frame against the pending commands. */
static void
match_ack(struct mqtt_conn *c, const char *payload, size_t len)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *root, *body;
    const char *command, *seq, *result, *reason;
    int i;

    if (!tok)
        abort();
    root = json_tokener_parse_ex(tok, payload, (int)len);
    json_tokener_free(tok);
    if (!root)
        return;
    if (!json_object_is_type(root, json_type_object))
        goto out;
    json_object_object_foreach(root, cls, val)
    {
        body = val;
        if (!json_object_is_type(body, json_type_object))
            continue;
        command = jstr(body, "command");
        seq = jstr(body, "sequence_id");
        if (!command || !seq)
            continue;
        for (i = 0; i < PENDING_MAX; i++) {
            struct pending *p = &c->pend[i];
            enum mqtt_ack res;
            char pc[24], pcmd[48], ps[48];

            if (!p->used || strcmp(p->cls, cls) != 0 ||
                strcmp(p->command, command) != 0 || strcmp(p->seq, seq) != 0)
                continue;
            result = jstr(body, "result");
            reason = jstr(body, "reason");
            res = result && strcasecmp(result, "failed") == 0
                      ? MQTT_ACK_FAILED
                      : MQTT_ACK_OK;
            memcpy(pc, p->cls, sizeof pc);
            memcpy(pcmd, p->command, sizeof pcmd);
            memcpy(ps, p->seq, sizeof ps);
            p->used = 0;
            c->npend--;
            if (c->o.on_ack)
                c->o.on_ack(c, pc, pcmd, ps, res, reason ? reason : "",
                            c->o.arg);
        }
    }
out:
    json_object_put(root);
}

/* Counts a report dropped for its size; logs the first such drop, and
 * then at most one line a minute, for this printer. libmosquitto has read
 * the whole packet by now: the cap keeps it from being parsed and merged,
 * and the log line tells the operator which printer misbehaves. */
static void
drop_oversized(struct mqtt_conn *c, size_t len)
{
    int64_t now = clock_mono_ms();

    c->dropped++;
    if (len > c->dropped_largest)
        c->dropped_largest = len;
    if (c->drop_noted_ms != 0 && now - c->drop_noted_ms < DROP_NOTE_MS)
        return;
    log_error("mqtt: printer %s: dropped %ld report(s) over %d bytes since "
              "the last note (%ld in all, the largest %zu bytes)",
              c->serial, c->dropped - c->dropped_noted, MQTT_PAYLOAD_MAX,
              c->dropped, c->dropped_largest);
    c->dropped_noted = c->dropped;
    c->drop_noted_ms = now;
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
    struct mqtt_conn *c = arg;

    (void)m;
    if (!msg->topic || strcmp(msg->topic, c->topic_report) != 0)
        return;
    if (msg->payloadlen > MQTT_PAYLOAD_MAX) {
        drop_oversized(c, (size_t)msg->payloadlen);
        return;
    }
    if (c->o.on_message)
        c->o.on_message(c, msg->payload ? msg->payload : "",
                        (size_t)(msg->payloadlen > 0 ? msg->payloadlen : 0),
                        c->o.arg);
    if (c->npend > 0 && msg->payloadlen > 0)
        match_ack(c, msg->payload, (size_t)msg->payloadlen);
}

struct mqtt_conn *
mqtt_conn_new(const struct mqtt_opts *o)
{
    struct mqtt_conn *c = calloc(1, sizeof *c);

    if (!c)
        abort();
    lib_init();
    c->o = *o;
    c->host = xstrdup(o->host);
    c->serial = xstrdup(o->serial);
    c->code = xstrdup(o->access_code);
    c->cafile = xstrdup(o->cafile);
    c->o.host = c->host;
    c->o.serial = c->serial;
    c->o.access_code = c->code;
    c->o.cafile = c->cafile[0] ? c->cafile : NULL;
    c->o.pin = NULL;
    if (o->pin)
        snprintf(c->pin, sizeof c->pin, "%s", o->pin);
    if (c->o.keepalive_s <= 0)
        c->o.keepalive_s = 30;
    if (c->o.connect_timeout_ms <= 0)
        c->o.connect_timeout_ms = 10000;
    snprintf(c->topic_report, sizeof c->topic_report, "device/%s/report",
             c->serial);
    snprintf(c->topic_request, sizeof c->topic_request, "device/%s/request",
             c->serial);
    c->backoff_s = 1;
    c->state = MQTT_IDLE;
    return c;
}

void
mqtt_conn_free(struct mqtt_conn *c)
{
    if (!c)
        return;
    c->stopping = 1;
    if (c->mosq && c->state == MQTT_CONNECTED)
        mosquitto_disconnect(c->mosq);
    drop_mosq(c);
    free(c->host);
    free(c->serial);
    free(c->code);
    free(c->cafile);
    free(c);
}

static int
start_fail(struct mqtt_conn *c, const char *why)
{
    conn_lost(c, why);
    drop_mosq(c);
    return -1;
}

int
mqtt_conn_start(struct mqtt_conn *c)
{
    struct mosquitto *m;
    char addr[64];
    const char *why;
    int rc;

    drop_mosq(c);
    c->stopping = 0;
    c->retry_at = 0;
    c->last_log[0] = '\0';
    if (c->state == MQTT_AUTH_FAILED || c->state == MQTT_UNTRUSTED)
        c->state = MQTT_IDLE;
    snprintf(c->client_id, sizeof c->client_id, "bambufarm-%s-%ld-%lu",
             c->serial, (long)getpid(), ++attempt_counter);

    memset(&c->check, 0, sizeof c->check);
    c->check.ca = c->cafile[0] != '\0';
    c->check.name = c->serial;
    memcpy(c->check.expect, c->pin, sizeof c->check.expect);
    c->ctx = tlspin_client_ctx(&c->check, c->check.ca ? c->cafile : NULL);
    if (!c->ctx)
        return start_fail(c, c->check.detail);

    m = mosquitto_new(c->client_id, true, c);
    if (!m)
        return start_fail(c, "cannot create the MQTT client");
    c->mosq = m;
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    /* libmosquitto takes its own reference; with defaults off it applies
     * none of its settings (no hostname check against the IP). */
    mosquitto_void_option(m, MOSQ_OPT_SSL_CTX, c->ctx);
    mosquitto_int_option(m, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    /* Bambu's broker matches PUBACKs poorly; never stall on the window. */
    mosquitto_max_inflight_messages_set(m, 1000);
    mosquitto_username_pw_set(m, "bblp", c->code);
    mosquitto_log_callback_set(m, on_log);
    mosquitto_connect_callback_set(m, on_connect);
    mosquitto_disconnect_callback_set(m, on_disconnect);
    mosquitto_subscribe_callback_set(m, on_subscribe);
    mosquitto_message_callback_set(m, on_message);

    /* The name is resolved here and libmosquitto handed the address the
     * outbound policy allowed, so what is checked is what is connected to
     * (libmosquitto would resolve again). Trust does not depend on the
     * name: the certificate is checked against the serial or the pin. */
    if (outbound_resolve(OUTBOUND_PRINTER, c->host, addr, sizeof addr,
                         &why) < 0)
        return start_fail(c, why);
    set_state(c, MQTT_CONNECTING, "");
    c->connect_deadline = clock_mono_ms() + c->o.connect_timeout_ms;
    rc = mosquitto_connect_async(m, addr, c->o.port, c->o.keepalive_s);
    if (rc != MOSQ_ERR_SUCCESS) {
        char buf[200];

        snprintf(buf, sizeof buf, "cannot connect to %s:%d: %s", c->host,
                 c->o.port,
                 rc == MOSQ_ERR_ERRNO ? strerror(errno)
                                      : mosquitto_strerror(rc));
        return start_fail(c, buf);
    }
    return 0;
}

void
mqtt_conn_stop(struct mqtt_conn *c)
{
    c->stopping = 1;
    if (c->mosq) {
        mosquitto_disconnect(c->mosq);
        drop_mosq(c);
    }
    c->retry_at = 0;
    set_state(c, MQTT_IDLE, "stopped");
}

enum mqtt_state
mqtt_conn_state(const struct mqtt_conn *c)
{
    return c->state;
}

const char *
mqtt_conn_detail(const struct mqtt_conn *c)
{
    return c->detail;
}

const char *
mqtt_conn_pin(const struct mqtt_conn *c)
{
    return c->check.seen;
}

const char *
mqtt_conn_serial(const struct mqtt_conn *c)
{
    return c->serial;
}

int
mqtt_publish(struct mqtt_conn *c, const char *json)
{
    size_t len = strlen(json);

    if (c->state != MQTT_CONNECTED || !c->mosq || c->dead || len > 1 << 20)
        return -1;
    if (mosquitto_publish(c->mosq, NULL, c->topic_request, (int)len, json, 1,
                          false) != MOSQ_ERR_SUCCESS)
        return -1;
    return 0;
}

int
mqtt_command(struct mqtt_conn *c, const char *cls, const char *command,
             const char *sequence_id, const char *json, int timeout_ms)
{
    int i;

    if (strlen(cls) >= sizeof c->pend[0].cls ||
        strlen(command) >= sizeof c->pend[0].command ||
        strlen(sequence_id) >= sizeof c->pend[0].seq)
        return -1;
    for (i = 0; i < PENDING_MAX && c->pend[i].used; i++)
        ;
    if (i == PENDING_MAX)
        return -1;
    if (mqtt_publish(c, json) < 0)
        return -1;
    c->pend[i].used = 1;
    snprintf(c->pend[i].cls, sizeof c->pend[i].cls, "%s", cls);
    snprintf(c->pend[i].command, sizeof c->pend[i].command, "%s", command);
    snprintf(c->pend[i].seq, sizeof c->pend[i].seq, "%s", sequence_id);
    c->pend[i].deadline =
        clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 10000);
    c->npend++;
    return 0;
}

static void
expire_pending(struct mqtt_conn *c, int64_t now)
{
    int i;

    for (i = 0; i < PENDING_MAX && c->npend > 0; i++) {
        struct pending p = c->pend[i];

        if (!p.used || p.deadline > now)
            continue;
        c->pend[i].used = 0;
        c->npend--;
        if (c->o.on_ack)
            c->o.on_ack(c, p.cls, p.command, p.seq, MQTT_ACK_TIMEOUT, "",
                        c->o.arg);
    }
}

static int64_t
min_wait(int64_t wait, int64_t at, int64_t now)
{
    if (at <= 0)
        return wait;
    if (at - now < wait)
        return at - now > 0 ? at - now : 0;
    return wait;
}

/* Timers: retries, connect deadlines, command deadlines. Returns how long
 * the poll may sleep. */
static int64_t
run_timers(struct mqtt_conn **conns, int n, int64_t wait)
{
    int64_t now = clock_mono_ms();
    int i, j;

    for (i = 0; i < n; i++) {
        struct mqtt_conn *c = conns[i];

        if (!c)
            continue;
        if (c->dead)
            drop_mosq(c);
        if (c->state == MQTT_DISCONNECTED && c->retry_at > 0 &&
            now >= c->retry_at)
            mqtt_conn_start(c);
        if (c->state == MQTT_CONNECTING && c->mosq &&
            now >= c->connect_deadline) {
            conn_lost(c, "timed out connecting");
            drop_mosq(c);
        }
        if (c->npend > 0)
            expire_pending(c, now);

        if (c->state == MQTT_DISCONNECTED)
            wait = min_wait(wait, c->retry_at, now);
        if (c->state == MQTT_CONNECTING)
            wait = min_wait(wait, c->connect_deadline, now);
        if (c->state == MQTT_CONNECTED && wait > 1000)
            wait = 1000; /* keepalive bookkeeping */
        for (j = 0; j < PENDING_MAX && c->npend > 0; j++)
            if (c->pend[j].used)
                wait = min_wait(wait, c->pend[j].deadline, now);
    }
    return wait;
}

/* 1 with *err set when a connecting socket's TCP connect failed: poll
 * reports POLLERR or POLLHUP and the socket never got a peer (libmosquitto
 * would call it pending until the connect deadline). The kernel may have
 * handed the error out already, so a missing peer counts as refused. */
static int
connect_failed(int fd, short revents, int *err)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof *err, plen = sizeof peer;

    *err = 0;
    if (!(revents & (POLLERR | POLLHUP)))
        return 0;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) < 0)
        *err = errno;
    if (*err == 0 && getpeername(fd, (struct sockaddr *)&peer, &plen) < 0 &&
        errno == ENOTCONN)
        *err = ECONNREFUSED;
    return *err != 0;
}

int
mqtt_poll(struct mqtt_conn **conns, int n, int timeout_ms)
{
    struct pollfd *pfd;
    int *idx;
    int i, k = 0, rc, active = 0;
    int64_t wait;

    if (n <= 0) {
        if (timeout_ms > 0)
            poll(NULL, 0, timeout_ms);
        return 0;
    }
    pfd = calloc((size_t)n, sizeof *pfd);
    idx = calloc((size_t)n, sizeof *idx);
    if (!pfd || !idx)
        abort();

    wait = run_timers(conns, n, timeout_ms > 0 ? timeout_ms : 0);
    for (i = 0; i < n; i++) {
        struct mqtt_conn *c = conns[i];
        int fd;

        if (!c || !c->mosq || c->dead)
            continue;
        fd = mosquitto_socket(c->mosq);
        if (fd < 0)
            continue;
        pfd[k].fd = fd;
        pfd[k].events = POLLIN;
        if (mosquitto_want_write(c->mosq))
            pfd[k].events |= POLLOUT;
        idx[k++] = i;
    }
    rc = poll(pfd, (nfds_t)k, (int)wait);
    if (rc < 0 && errno != EINTR) {
        free(pfd);
        free(idx);
        return -1;
    }
    for (i = 0; rc > 0 && i < k; i++) {
        struct mqtt_conn *c = conns[idx[i]];
        int r = MOSQ_ERR_SUCCESS;

        if (!pfd[i].revents)
            continue;
        active++;
        if (c->state == MQTT_CONNECTING && connect_failed(pfd[i].fd, pfd[i].revents, &r)) {
            /* refused or unreachable: say so now, not at the deadline */
            conn_lost(c, strerror(r));
            continue;
        }
        /* loop_read also advances the TLS handshake, whichever way the
         * socket became ready. */
        if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP | POLLOUT))
            r = mosquitto_loop_read(c->mosq, 1);
        if (r == MOSQ_ERR_SUCCESS && !c->dead && c->mosq &&
            (pfd[i].revents & POLLOUT) && mosquitto_want_write(c->mosq))
            r = mosquitto_loop_write(c->mosq, 1);
        if (r != MOSQ_ERR_SUCCESS && r != MOSQ_ERR_CONN_PENDING && !c->dead)
            conn_lost(c, r == MOSQ_ERR_ERRNO ? strerror(errno)
                                             : mosquitto_strerror(r));
    }
    /* Keepalives, and writes queued from inside callbacks. */
    for (i = 0; i < n; i++) {
        struct mqtt_conn *c = conns[i];

        if (!c || !c->mosq || c->dead)
            continue;
        if (c->state == MQTT_CONNECTED) {
            rc = mosquitto_loop_misc(c->mosq);
            if (rc != MOSQ_ERR_SUCCESS && !c->dead)
                conn_lost(c, mosquitto_strerror(rc));
        }
        if (c->dead)
            drop_mosq(c);
    }
    free(pfd);
    free(idx);
    return active;
}
