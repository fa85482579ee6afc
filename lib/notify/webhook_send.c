#include "notify/webhook_send.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/outbound.h"
#include "base/webhook_sign.h"

#include "base/banned.h"

/* ---- sending ------------------------------------------------------- */

static void
global_init(void)
{
    static int done;

    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

struct transfer {
    struct webhook_req *req;
    CURL *easy;
    struct curl_slist *headers;
    const char *refused; /* why the policy refused an address, or NULL */
    size_t hostlen;      /* the URL's "scheme://host:port" is its first
                            hostlen bytes: requests to one host share it */
    enum { T_WAITING, T_RUNNING, T_DONE } state;
    char errbuf[CURL_ERROR_SIZE];
};

/* Every socket libcurl opens for a webhook goes through here, after the
 * name was resolved: the address judged is the one connected to, so a
 * name that resolves (or re-resolves) to a refused address gets nowhere.
 * Refusing one address lets libcurl try the next. */
static curl_socket_t
open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct transfer *t = ud;
    const char *why;

    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    why = outbound_check_sockaddr(OUTBOUND_WEBHOOK, &addr->addr);
    if (why != NULL) {
        char text[64];

        outbound_sockaddr_text(&addr->addr, text, sizeof(text));
        log_error("webhook %s: %s is %s: %s", t->req->id, text, why,
                  OUTBOUND_REFUSED);
        t->refused = why;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* What a user is shown of a failed request: one of a fixed set, never
 * libcurl's own text (which names addresses and ports). */
static const char *
coarse(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return "name not found";
    case CURLE_COULDNT_CONNECT:
        return "connect failed";
    case CURLE_OPERATION_TIMEDOUT:
        return "timeout";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_USE_SSL_FAILED:
        return "TLS failed";
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
        return "connection lost";
    case CURLE_WEIRD_SERVER_REPLY:
        return "bad answer";
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return "bad URL";
    default:
        return "delivery failed";
    }
}

static size_t
discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ud)
{
    struct webhook_req *r = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";

    if (len > sizeof(name) - 1 &&
        strncasecmp(p, name, sizeof(name) - 1) == 0) {
        char tmp[32];
        size_t i = sizeof(name) - 1, k = 0;
        char *end;
        long long v;

        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (i < len && k < sizeof(tmp) - 1 && p[i] != '\r' && p[i] != '\n')
            tmp[k++] = p[i++];
        tmp[k] = '\0';
        v = strtoll(tmp, &end, 10);
        /* Only delta-seconds; an HTTP-date is left to the schedule. */
        if (k > 0 && *end == '\0' && v >= 0)
            r->retry_after = v;
    }
    return len;
}

static int
transfer_init(struct transfer *t, struct webhook_req *r, long timeout_s)
{
    char line[256];
    CURL *e = curl_easy_init();

    t->req = r;
    t->easy = e;
    t->headers = NULL;
    t->refused = NULL;
    t->errbuf[0] = '\0';
    if (e == NULL)
        return -1;
    t->headers = curl_slist_append(t->headers,
                                   "Content-Type: application/json");
    snprintf(line, sizeof(line), "webhook-id: %s", r->id);
    t->headers = curl_slist_append(t->headers, line);
    snprintf(line, sizeof(line), "webhook-timestamp: %lld",
             (long long)r->timestamp);
    t->headers = curl_slist_append(t->headers, line);
    if (r->signature != NULL) {
        snprintf(line, sizeof(line), "webhook-signature: %s", r->signature);
        t->headers = curl_slist_append(t->headers, line);
    }
    t->headers = curl_slist_append(t->headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)strlen(r->body));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, WEBHOOK_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
                     timeout_s < WEBHOOK_CONNECT_TIMEOUT_S
                         ? timeout_s
                         : (long)WEBHOOK_CONNECT_TIMEOUT_S);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    /* Straight to the receiver, never through a proxy from the
     * environment: the policy must see the address connected to. */
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    return 0;
}

static int
transfer_done(struct transfer *t, CURLcode rc)
{
    struct webhook_req *r = t->req;
    long code = 0;

    if (rc == CURLE_OK) {
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        r->status = code;
        if (code >= 200 && code < 300) {
            r->error[0] = '\0';
            return 1;
        }
        snprintf(r->error, sizeof(r->error), "HTTP %ld", code);
        return 0;
    }
    r->status = 0;
    snprintf(r->error, sizeof(r->error), "%s",
             t->refused != NULL ? OUTBOUND_REFUSED : coarse(rc));
    /* the detail is for the operator's log only (a refusal was logged
     * with its address when it happened) */
    if (t->refused == NULL)
        log_error("webhook %s: %s: %s", r->id, r->error,
                  t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
    return 0;
}

/* The length of url's "scheme://authority" part. */
static size_t
host_part(const char *url)
{
    const char *p = strstr(url, "://");

    p = p != NULL ? p + 3 : url;
    return (size_t)(p - url) + strcspn(p, "/?#");
}

/* 1 when t may start now: its host has fewer than
 * WEBHOOK_HOST_CONNECTIONS requests under way. */
static int
host_free(const struct transfer *ts, size_t n, const struct transfer *t)
{
    int busy = 0;

    for (size_t i = 0; i < n; i++)
        if (ts[i].state == T_RUNNING && ts[i].hostlen == t->hostlen &&
            memcmp(ts[i].req->url, t->req->url, t->hostlen) == 0)
            busy++;
    return busy < WEBHOOK_HOST_CONNECTIONS;
}

/* Marks t as never attempted (or cut short); removes it from m. */
static void
abandon(CURLM *m, struct transfer *t)
{
    if (t->state == T_RUNNING)
        curl_multi_remove_handle(m, t->easy);
    t->state = T_DONE;
    t->req->status = 0;
    t->req->abandoned = 1;
    snprintf(t->req->error, sizeof(t->req->error), "not sent");
}

int
webhook_post_all(struct webhook_req *reqs, size_t n, long timeout_s,
                 int64_t start_by_ms, volatile int *stop)
{
    struct transfer *ts;
    CURLM *m;
    int running = 0, ok = 0;
    size_t i, waiting = 0;

    if (n == 0)
        return 0;
    global_init();
    ts = calloc(n, sizeof(*ts));
    m = curl_multi_init();
    if (ts == NULL || m == NULL)
        abort();
    /* We start each transfer ourselves when a place is free, so none
     * waits inside libcurl: one that is not started by start_by_ms was
     * never attempted, and one that is started is timed from its start. */
    for (i = 0; i < n; i++) {
        reqs[i].status = 0;
        reqs[i].retry_after = -1;
        reqs[i].abandoned = 0;
        snprintf(reqs[i].error, sizeof(reqs[i].error), "no answer");
        if (transfer_init(&ts[i], &reqs[i], timeout_s) < 0) {
            snprintf(reqs[i].error, sizeof(reqs[i].error),
                     "delivery failed");
            ts[i].state = T_DONE;
            continue;
        }
        ts[i].hostlen = host_part(reqs[i].url);
        ts[i].state = T_WAITING;
        waiting++;
    }
    for (;;) {
        CURLMsg *msg;
        int left, done;
        int late = start_by_ms > 0 && clock_mono_ms() >= start_by_ms;
        int stopped = stop != NULL && *stop;

        for (i = 0; i < n; i++) {
            struct transfer *t = &ts[i];

            if (t->state == T_RUNNING && stopped)
                abandon(m, t);
            if (t->state != T_WAITING)
                continue;
            if (late || stopped) {
                abandon(m, t);
                waiting--;
            } else if (running < WEBHOOK_CONNECTIONS && host_free(ts, n, t)) {
                if (curl_multi_add_handle(m, t->easy) != CURLM_OK) {
                    snprintf(t->req->error, sizeof(t->req->error),
                             "delivery failed");
                    t->state = T_DONE;
                } else {
                    t->state = T_RUNNING;
                    running++;
                }
                waiting--;
            }
        }
        if (stopped)
            break;
        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        done = 0;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            struct transfer *t = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
            t->state = T_DONE;
            ok += transfer_done(t, msg->data.result);
            done++;
        }
        if (running == 0 && waiting == 0)
            break;
        /* places came free: fill them before waiting */
        if (done > 0 && waiting > 0)
            continue;
        /* a second at most, so that stop and start_by are seen in time */
        if (curl_multi_poll(m, NULL, 0, running > 0 ? 1000 : 50, NULL) !=
            CURLM_OK)
            break;
    }
    for (i = 0; i < n; i++) {
        if (ts[i].state != T_DONE) /* libcurl failed as a whole */
            abandon(m, &ts[i]);
        if (ts[i].easy != NULL)
            curl_easy_cleanup(ts[i].easy);
        curl_slist_free_all(ts[i].headers);
    }
    curl_multi_cleanup(m);
    free(ts);
    return ok;
}
