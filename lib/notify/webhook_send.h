/*
 * webhook_send — the webhook POSTs themselves, in parallel with libcurl
 * multi. Only a 2xx answer is a success; redirects are not followed and no
 * proxy is used. Every address connected to passes the outbound policy
 * (base/outbound.h) first, checked on the resolved address.
 *
 * A failure's error, which users see, is one of a fixed set, never
 * libcurl's text: "HTTP <status>", "refused by the outbound policy",
 * "name not found", "connect failed", "timeout", "TLS failed",
 * "connection lost", "bad answer", "bad URL", "no answer", "delivery
 * failed" (and "not sent" for a request never attempted). The detail goes to
 * the log (standard error) with the webhook-id.
 */
#ifndef WEBHOOK_SEND_H
#define WEBHOOK_SEND_H

#include <stddef.h>
#include <stdint.h>

/* A whole request, connecting included; connecting alone at most
 * WEBHOOK_CONNECT_TIMEOUT_S. So a receiver that never answers costs at
 * most WEBHOOK_TIMEOUT_S, and one that never accepts the connection
 * WEBHOOK_CONNECT_TIMEOUT_S. */
#define WEBHOOK_TIMEOUT_S 15
#define WEBHOOK_CONNECT_TIMEOUT_S 5
/* Requests under way at once: in all, and to one host (scheme, host and
 * port of the URL), so that a host that hangs holds at most this many
 * while the others' requests go on. */
#define WEBHOOK_CONNECTIONS 16
#define WEBHOOK_HOST_CONNECTIONS 4
#define WEBHOOK_USER_AGENT "PrintFarm-Webhooks/1"

/* One POST. The caller fills the inputs; webhook_post_all the outputs. */
struct webhook_req {
    const char *url;
    const char *id;        /* webhook-id */
    int64_t timestamp;     /* webhook-timestamp */
    const char *signature; /* webhook-signature, or NULL: not signed */
    const char *body;
    long status;         /* HTTP status; 0: no answer (see error) */
    int64_t retry_after; /* seconds from a Retry-After header, or -1 */
    int abandoned;       /* 1: not attempted (see webhook_post_all) */
    char error[160];     /* why it failed (the set above); "" on 2xx */
};

/* Sends the requests in parallel, started in the order given (at most
 * WEBHOOK_CONNECTIONS at once, WEBHOOK_HOST_CONNECTIONS to one host), each
 * with a timeout_s total timeout (connecting at most
 * WEBHOOK_CONNECT_TIMEOUT_S of it), redirects not followed. Fills status,
 * retry_after, abandoned and error of each. No request is started once
 * clock_mono_ms() reaches start_by_ms (0: no such bound), and when stop is
 * not NULL and *stop becomes non-zero every request under way is cut
 * short within a second: such requests have abandoned 1, status 0 and
 * error "not sent" (one cut short may have reached its receiver). A
 * request started before start_by_ms runs to its own timeout, so the call
 * ends by start_by_ms + timeout_s. Returns the number that got a 2xx;
 * never fails as a whole (a request that could not even start has status
 * 0 and an error). */
int webhook_post_all(struct webhook_req *reqs, size_t n, long timeout_s,
                     int64_t start_by_ms, volatile int *stop);

#endif
