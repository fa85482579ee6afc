/*
 * etsy_http — one HTTP exchange with the Etsy API (libcurl): a GET with the
 * x-api-key and Bearer headers, or a form POST to the token endpoint. It
 * knows nothing of receipts or tokens; dispatch_etsy.c decides what the
 * answer means. Bodies are capped at ETSY_HTTP_BODY_MAX; a longer one is a
 * transport failure.
 */
#ifndef ETSY_HTTP_H
#define ETSY_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct arena;

#define ETSY_HTTP_BODY_MAX (16 * 1024 * 1024)
#define ETSY_HTTP_TIMEOUT_S 30

struct etsy_resp {
    long status; /* 0 when no answer came */
    char *body;  /* NUL-terminated, in the arena */
    size_t len;
    int64_t retry_after;     /* seconds, -1 when not sent */
    int64_t remaining_today; /* x-remaining-today, -1 when not sent */
    char error[256];         /* the transport's failure, else empty */
};

/* GET url with x-api-key api_key and, when bearer is not NULL, an
 * Authorization: Bearer header. 0 when an answer came (any status), -1
 * when none did (resp->error says why). */
int etsy_http_get(struct arena *a, const char *url, const char *api_key,
                  const char *bearer, struct etsy_resp *resp);

/* POST form (already encoded) as application/x-www-form-urlencoded. As
 * etsy_http_get. */
int etsy_http_post_form(struct arena *a, const char *url, const char *api_key,
                        const char *form, struct etsy_resp *resp);

/* s percent-encoded for a form or query value (arena). */
char *etsy_http_escape(struct arena *a, const char *s);

#endif
