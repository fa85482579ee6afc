/*
 * mqtt — the MQTT transport to Bambu printers (libmosquitto): one
 * connection object per printer, any number of them driven by ONE thread
 * through mqtt_poll(), which waits in poll() on every connection's socket.
 *
 * Each connection speaks MQTT 3.1.1 with a clean session over TLS 1.2,
 * logs in as "bblp" with the access code, uses a fresh client id
 * "bambufarm-<serial>-<pid>-<n>" on every (re)connect (so a broker never
 * replays a stale QoS 1 command), subscribes to device/<SERIAL>/report at
 * QoS 0 only and publishes commands at QoS 1 to device/<SERIAL>/request.
 *
 * Trust (checked inside the TLS handshake, before the access code is
 * sent): with a CA file the chain must verify and the certificate name must
 * equal the serial; without one any chain is accepted, the peer's key pin
 * (tlspin.h) is reported and, when an expected pin is given, must match.
 * A refusal ends in MQTT_UNTRUSTED, a CONNACK "bad credentials"/"not
 * authorized" in MQTT_AUTH_FAILED; both are final (no reconnect) until the
 * caller starts the connection again. Other failures end in
 * MQTT_DISCONNECTED and, with opts.reconnect, are retried after 1, 2, 4 ..
 * 30 s. Every wait is bounded: a connect that has not reached MQTT_CONNECTED
 * within opts.connect_timeout_ms is abandoned.
 *
 * Callbacks run inside mqtt_poll() (or mqtt_conn_start); they may publish
 * on any connection but must not free one.
 */
#ifndef MQTT_H
#define MQTT_H

#include <stddef.h>
#include <stdint.h>

#include "net/tlspin.h"

struct mqtt_conn;

/* A report payload longer than this is dropped on receipt, before anything
 * parses it: real full reports are a few KB, and bambu.h refuses frames
 * over the same size (BAMBU_FRAME_MAX). Drops are counted per connection
 * and logged at most once a minute each (the first at once). */
#define MQTT_PAYLOAD_MAX (256 * 1024)

enum mqtt_state {
    MQTT_IDLE,         /* never started or stopped */
    MQTT_CONNECTING,   /* TCP/TLS/CONNECT/SUBSCRIBE under way */
    MQTT_CONNECTED,    /* subscribed to the report topic */
    MQTT_DISCONNECTED, /* lost or failed; retried when reconnect is on */
    MQTT_AUTH_FAILED,  /* CONNACK 4/5: wrong access code; final */
    MQTT_UNTRUSTED,    /* certificate refused; final */
    MQTT_STATE__MAX
};

enum mqtt_ack {
    MQTT_ACK_OK,      /* echo with result "success" (or no result) */
    MQTT_ACK_FAILED,  /* echo with result "failed" (reason given) */
    MQTT_ACK_TIMEOUT  /* no echo before the deadline */
};

struct mqtt_opts {
    const char *host;        /* name or address (copied): resolved on
                              * each start; only an address the outbound
                              * policy allows is connected to, else the
                              * start fails with detail OUTBOUND_REFUSED */
    int port;
    const char *serial;      /* topic key and certificate name (copied) */
    const char *access_code; /* password (copied) */
    const char *cafile;      /* CA bundle: CA mode; NULL: pin mode */
    const char *pin;         /* pin mode: expected pin, NULL = first contact */
    int reconnect;           /* 1: retry with backoff (long-running mode) */
    int keepalive_s;         /* 0: 30 */
    int connect_timeout_ms;  /* 0: 10000 */

    /* A report frame of at most MQTT_PAYLOAD_MAX bytes; payload is valid
     * only during the call. */
    void (*on_message)(struct mqtt_conn *c, const char *payload, size_t len,
                       void *arg);
    /* Every state change, with a human-readable detail ("" if none). */
    void (*on_state)(struct mqtt_conn *c, enum mqtt_state st,
                     const char *detail, void *arg);
    /* A command registered with mqtt_command() was answered or timed out;
     * reason is "" unless the printer gave one. */
    void (*on_ack)(struct mqtt_conn *c, const char *cls, const char *command,
                   const char *sequence_id, enum mqtt_ack result,
                   const char *reason, void *arg);
    void *arg;
};

/* The state's name: "idle", "connecting", "connected", "disconnected",
 * "auth_failed", "untrusted". */
const char *mqtt_state_name(enum mqtt_state st);

/* A new, idle connection with copies of o's strings. Aborts on out of
 * memory; the caller frees it with mqtt_conn_free(). */
struct mqtt_conn *mqtt_conn_new(const struct mqtt_opts *o);

/* Closes the connection (if any) and frees c. NULL is a no-op. */
void mqtt_conn_free(struct mqtt_conn *c);

/* Starts connecting without waiting (the handshake is driven by
 * mqtt_poll). Also restarts a connection that ended untrusted or
 * auth_failed. 0, or -1 when the attempt failed at once (the state is then
 * disconnected/untrusted with a detail, and a retry is scheduled when
 * reconnect is on). */
int mqtt_conn_start(struct mqtt_conn *c);

/* Disconnects cleanly and goes idle (no reconnect). */
void mqtt_conn_stop(struct mqtt_conn *c);

enum mqtt_state mqtt_conn_state(const struct mqtt_conn *c);
/* The detail of the last state change ("" if none); owned by c. */
const char *mqtt_conn_detail(const struct mqtt_conn *c);
/* The pin of the key the peer presented on the last handshake, "" before
 * one. In pin mode with no expected pin, the caller stores it; the
 * connection then expects it on its own reconnects. Owned by c. */
const char *mqtt_conn_pin(const struct mqtt_conn *c);
const char *mqtt_conn_serial(const struct mqtt_conn *c);

/* Publishes json at QoS 1 to device/<SERIAL>/request. 0, or -1 when not
 * connected or the library refused it. */
int mqtt_publish(struct mqtt_conn *c, const char *json);

/* Publishes json like mqtt_publish and waits (through mqtt_poll) for the
 * printer's echo on the report topic with the same class (top-level key),
 * command and sequence_id; on_ack reports the outcome once. timeout_ms 0
 * means 10 s. 0, or -1 when not published (nothing is then pending) or
 * when the pending table (32 entries) is full. */
int mqtt_command(struct mqtt_conn *c, const char *cls, const char *command,
                 const char *sequence_id, const char *json, int timeout_ms);

/* Waits up to timeout_ms (0: don't wait) for any of the n connections to
 * have work, then does it: TLS and MQTT I/O, callbacks, keepalives,
 * connect deadlines, scheduled reconnects, command deadlines. NULL entries
 * are skipped. Returns the number of connections that had socket activity,
 * or -1 on a poll() failure other than EINTR. */
int mqtt_poll(struct mqtt_conn **conns, int n, int timeout_ms);


#endif
