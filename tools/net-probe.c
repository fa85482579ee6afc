/*
 * net-probe — drives net/mqtt and net/ftps from the command line so the
 * end-to-end tests can exercise the transports against a real broker and
 * FTPS server. Output is one line per event on stdout:
 *   state <name> <detail>      every MQTT state change
 *   pin <pin>                  the peer key pin seen (when one was seen)
 *   frame <payload>            a report frame
 *   ack <class> <command> <seq> <ok|failed|timeout> <reason>
 *   upload <remote> <result> size=<n> remote_size=<n> pin=<pin> <error>
 *   bench connected=<k>/<n> ms=<t>
 *
 *   net-probe mqtt --host H --port P --serial S --code C [--ca FILE |
 *       --pin PIN] [--publish JSON] [--command CLASS:COMMAND:SEQ]
 *       [--wait-topic-report N] [--timeout SECONDS] [--reconnect]
 *   net-probe mqtt-bench --host H --port P --code C [--ca FILE] --count N
 *       [--serial-prefix PFX] [--timeout SECONDS]
 *   net-probe ftps --host H --port P --serial S --code C [--ca FILE |
 *       --pin PIN] --put LOCAL REMOTE [--put LOCAL REMOTE ...]
 *
 * net-probe is the operator's tool: it connects wherever it is told (the
 * outbound policy, base/outbound.h, guards user input). --outbound-policy
 * applies the policy the environment sets (FARM_OUTBOUND_ALLOW,
 * FARM_OUTBOUND_PRIVATE_WEBHOOKS) as farm-dispatch would.
 *
 * Exit status: 0 success, 2 auth_failed, 3 untrusted, 4 timed out waiting,
 * 1 anything else (including usage errors).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/outbound.h"
#include "net/ftps.h"
#include "net/mqtt.h"

#include "base/banned.h"

#define MAX_PUTS 16

struct args {
    const char *host, *serial, *code, *ca, *pin, *publish, *command;
    const char *prefix;
    int port, wait_frames, timeout_s, count, reconnect, policy;
    const char *put_local[MAX_PUTS], *put_remote[MAX_PUTS];
    int nput;
};

struct probe {
    int frames;
    int acks;
    int saw_pin;
};

static int
usage(void)
{
    fprintf(stderr,
            "usage: net-probe mqtt|mqtt-bench|ftps --host H --port P "
            "[--serial S] --code C [--ca FILE | --pin PIN] ...\n");
    return 1;
}

static long
num(const char *s, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        return lo - 1;
    return v;
}

static int
parse(int argc, char **argv, struct args *a)
{
    int i;

    memset(a, 0, sizeof *a);
    a->host = "127.0.0.1";
    a->timeout_s = 20;
    a->prefix = "BENCH";
    for (i = 2; i < argc; i++) {
        const char *k = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(k, "--reconnect")) {
            a->reconnect = 1;
            continue;
        }
        if (!strcmp(k, "--outbound-policy")) {
            a->policy = 1;
            continue;
        }
        if (!v)
            return -1;
        i++;
        if (!strcmp(k, "--host"))
            a->host = v;
        else if (!strcmp(k, "--port"))
            a->port = (int)num(v, 1, 65535);
        else if (!strcmp(k, "--serial"))
            a->serial = v;
        else if (!strcmp(k, "--code"))
            a->code = v;
        else if (!strcmp(k, "--ca"))
            a->ca = v;
        else if (!strcmp(k, "--pin"))
            a->pin = v;
        else if (!strcmp(k, "--publish"))
            a->publish = v;
        else if (!strcmp(k, "--command"))
            a->command = v;
        else if (!strcmp(k, "--serial-prefix"))
            a->prefix = v;
        else if (!strcmp(k, "--wait-topic-report"))
            a->wait_frames = (int)num(v, 0, 1000000);
        else if (!strcmp(k, "--timeout"))
            a->timeout_s = (int)num(v, 1, 3600);
        else if (!strcmp(k, "--count"))
            a->count = (int)num(v, 1, 100000);
        else if (!strcmp(k, "--put")) {
            if (i + 1 >= argc || a->nput == MAX_PUTS)
                return -1;
            a->put_local[a->nput] = v;
            a->put_remote[a->nput++] = argv[++i];
        } else
            return -1;
        if (a->port < 0 || a->wait_frames < 0 || a->timeout_s < 0 ||
            a->count < 0)
            return -1;
    }
    if (a->port <= 0 || !a->code)
        return -1;
    return 0;
}

static void
on_state(struct mqtt_conn *c, enum mqtt_state st, const char *detail,
         void *arg)
{
    struct probe *p = arg;

    if (!p)
        return;
    printf("state %s %s\n", mqtt_state_name(st), detail);
    if (!p->saw_pin && mqtt_conn_pin(c)[0]) {
        printf("pin %s\n", mqtt_conn_pin(c));
        p->saw_pin = 1;
    }
    fflush(stdout);
}

static void
on_message(struct mqtt_conn *c, const char *payload, size_t len, void *arg)
{
    struct probe *p = arg;

    (void)c;
    p->frames++;
    printf("frame %.*s\n", (int)len, payload);
    fflush(stdout);
}

static void
on_ack(struct mqtt_conn *c, const char *cls, const char *command,
       const char *seq, enum mqtt_ack res, const char *reason, void *arg)
{
    struct probe *p = arg;
    static const char *const names[] = {"ok", "failed", "timeout"};

    (void)c;
    p->acks++;
    printf("ack %s %s %s %s %s\n", cls, command, seq, names[res], reason);
    fflush(stdout);
}

static int
exit_for(enum mqtt_state st)
{
    return st == MQTT_AUTH_FAILED ? 2 : st == MQTT_UNTRUSTED ? 3 : 1;
}

static int
run_mqtt(const struct args *a)
{
    struct probe p = {0, 0, 0};
    struct mqtt_opts o;
    struct mqtt_conn *c;
    int64_t deadline = clock_mono_ms() + (int64_t)a->timeout_s * 1000;
    int sent = 0, rc = 4;
    char cls[32], cmd[64], seq[64];

    if (!a->serial)
        return usage();
    cls[0] = cmd[0] = seq[0] = '\0';
    if (a->command && sscanf(a->command, "%31[^:]:%63[^:]:%63s", cls, cmd,
                             seq) != 3)
        return usage();
    memset(&o, 0, sizeof o);
    o.host = a->host;
    o.port = a->port;
    o.serial = a->serial;
    o.access_code = a->code;
    o.cafile = a->ca;
    o.pin = a->pin;
    o.reconnect = a->reconnect;
    o.on_state = on_state;
    o.on_message = on_message;
    o.on_ack = on_ack;
    o.arg = &p;
    c = mqtt_conn_new(&o);
    mqtt_conn_start(c);
    while (clock_mono_ms() < deadline) {
        enum mqtt_state st = mqtt_conn_state(c);

        if (st == MQTT_AUTH_FAILED || st == MQTT_UNTRUSTED ||
            (st == MQTT_DISCONNECTED && !a->reconnect)) {
            rc = exit_for(st);
            break;
        }
        if (st == MQTT_CONNECTED && !sent) {
            sent = 1;
            if (a->publish && a->command &&
                mqtt_command(c, cls, cmd, seq, a->publish, 5000) < 0) {
                rc = 1;
                break;
            }
            if (a->publish && !a->command && mqtt_publish(c, a->publish) < 0) {
                rc = 1;
                break;
            }
            printf("published\n");
            fflush(stdout);
        }
        if (sent && p.frames >= a->wait_frames &&
            (!a->command || p.acks > 0)) {
            rc = 0;
            break;
        }
        mqtt_poll(&c, 1, 200);
    }
    if (mqtt_conn_pin(c)[0] && !p.saw_pin)
        printf("pin %s\n", mqtt_conn_pin(c));
    mqtt_conn_free(c);
    return rc;
}

static int
run_bench(const struct args *a)
{
    struct mqtt_conn **cs;
    struct mqtt_opts o;
    char serial[64];
    int i, n = a->count > 0 ? a->count : 200, up = 0;
    int64_t t0, deadline;

    cs = calloc((size_t)n, sizeof *cs);
    if (!cs)
        return 1;
    memset(&o, 0, sizeof o);
    o.host = a->host;
    o.port = a->port;
    o.access_code = a->code;
    o.cafile = a->ca;
    t0 = clock_mono_ms();
    deadline = t0 + (int64_t)a->timeout_s * 1000;
    for (i = 0; i < n; i++) {
        snprintf(serial, sizeof serial, "%s%05d", a->prefix, i);
        o.serial = serial;
        cs[i] = mqtt_conn_new(&o);
        mqtt_conn_start(cs[i]);
    }
    while (clock_mono_ms() < deadline) {
        int pending = 0;

        up = 0;
        for (i = 0; i < n; i++) {
            enum mqtt_state st = mqtt_conn_state(cs[i]);

            up += st == MQTT_CONNECTED;
            pending += st == MQTT_CONNECTING;
        }
        if (!pending)
            break;
        mqtt_poll(cs, n, 100);
    }
    printf("bench connected=%d/%d ms=%lld\n", up, n,
           (long long)(clock_mono_ms() - t0));
    for (i = 0; i < n; i++) {
        if (mqtt_conn_state(cs[i]) != MQTT_CONNECTED)
            printf("state %s %s %s\n", mqtt_conn_serial(cs[i]),
                   mqtt_state_name(mqtt_conn_state(cs[i])),
                   mqtt_conn_detail(cs[i]));
        mqtt_conn_free(cs[i]);
    }
    free(cs);
    return up == n ? 0 : 1;
}

static int
run_ftps(const struct args *a)
{
    struct ftps_job jobs[MAX_PUTS];
    int i, ok, rc = 0;

    if (!a->serial || a->nput == 0)
        return usage();
    memset(jobs, 0, sizeof jobs);
    for (i = 0; i < a->nput; i++) {
        jobs[i].host = a->host;
        jobs[i].port = a->port;
        jobs[i].serial = a->serial;
        jobs[i].access_code = a->code;
        jobs[i].cafile = a->ca;
        jobs[i].pin = a->pin;
        jobs[i].local_path = a->put_local[i];
        jobs[i].remote_name = a->put_remote[i];
    }
    ok = ftps_upload_all(jobs, a->nput);
    for (i = 0; i < a->nput; i++) {
        struct ftps_job *j = &jobs[i];

        printf("upload %s %s size=%lld remote_size=%lld pin=%s %s\n",
               a->put_remote[i], ftps_result_name(j->result),
               (long long)j->size, (long long)j->remote_size,
               j->pin_seen[0] ? j->pin_seen : "-", j->error);
        if (j->result == FTPS_AUTH_FAILED && rc == 0)
            rc = 2;
        if (j->result == FTPS_UNTRUSTED && rc == 0)
            rc = 3;
    }
    if (ok != a->nput && rc == 0)
        rc = 1;
    return rc;
}

int
main(int argc, char **argv)
{
    struct args a;
    char why[160];

    if (argc < 2 || parse(argc, argv, &a) < 0)
        return usage();
    /* without --outbound-policy every address is allowed; with it the
     * environment's policy is read at the first connection */
    if (!a.policy &&
        outbound_configure("0.0.0.0/0, ::/0", 1, why, sizeof why) < 0)
        return 1;
    if (!strcmp(argv[1], "mqtt"))
        return run_mqtt(&a);
    if (!strcmp(argv[1], "mqtt-bench"))
        return run_bench(&a);
    if (!strcmp(argv[1], "ftps"))
        return run_ftps(&a);
    return usage();
}
