#include "notify/webhook_send.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "base/log.h"
#include "base/outbound.h"
#include "base/webhook_sign.h"

#include "base/banned.h"

#define MAX_CONNECTIONS 16

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
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeout_s);
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

int
webhook_post_all(struct webhook_req *reqs, size_t n, long timeout_s)
{
    struct transfer *ts;
    CURLM *m;
    int running = 0, ok = 0;
    size_t i;

    if (n == 0)
        return 0;
    global_init();
    ts = calloc(n, sizeof(*ts));
    m = curl_multi_init();
    if (ts == NULL || m == NULL)
        abort();
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      (long)MAX_CONNECTIONS);
    for (i = 0; i < n; i++) {
        reqs[i].status = 0;
        reqs[i].retry_after = -1;
        snprintf(reqs[i].error, sizeof(reqs[i].error), "no answer");
        if (transfer_init(&ts[i], &reqs[i], timeout_s) < 0 ||
            curl_multi_add_handle(m, ts[i].easy) != CURLM_OK) {
            snprintf(reqs[i].error, sizeof(reqs[i].error),
                     "delivery failed");
            if (ts[i].easy != NULL)
                curl_easy_cleanup(ts[i].easy);
            ts[i].easy = NULL;
        }
    }
    do {
        CURLMsg *msg;
        int left;

        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            struct transfer *t = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
            ok += transfer_done(t, msg->data.result);
        }
        if (running > 0 &&
            curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
            break;
    } while (running > 0);
    for (i = 0; i < n; i++) {
        if (ts[i].easy != NULL) {
            curl_multi_remove_handle(m, ts[i].easy);
            curl_easy_cleanup(ts[i].easy);
        }
        curl_slist_free_all(ts[i].headers);
    }
    curl_multi_cleanup(m);
    free(ts);
    return ok;
}
