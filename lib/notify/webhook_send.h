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
 * failed". The detail goes to the log (standard error) with the
 * webhook-id.
 */
#ifndef WEBHOOK_SEND_H
#define WEBHOOK_SEND_H

#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_TIMEOUT_S 15
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
    char error[160];     /* why it failed (the set above); "" on 2xx */
};

/* Sends every request in parallel (at most 16 connections), each with a
 * timeout_s total timeout, redirects not followed. Fills status,
 * retry_after and error of each. Returns the number that got a 2xx;
 * never fails as a whole (a request that could not even start has
 * status 0 and an error). */
int webhook_post_all(struct webhook_req *reqs, size_t n, long timeout_s);

#endif
