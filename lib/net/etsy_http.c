#include "net/etsy_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"

#include "base/banned.h"

static void
global_init(void)
{
    static int done;

    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

struct sink {
    char *p;
    size_t len, cap;
    int too_long;
};

static size_t
on_body(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t len = size * n;

    if (s->len + len > ETSY_HTTP_BODY_MAX) {
        s->too_long = 1;
        return 0;
    }
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 8192;
        char *q;

        while (cap < s->len + len + 1)
            cap *= 2;
        if ((q = realloc(s->p, cap)) == NULL)
            abort();
        s->p = q;
        s->cap = cap;
    }
    memcpy(s->p + s->len, p, len);
    s->len += len;
    return len;
}

/* The value of header name in the line p[0..len), as a number, or -1. */
static int64_t
header_num(const char *p, size_t len, const char *name)
{
    size_t nl = strlen(name), i = nl, k = 0;
    char tmp[32], *end;
    long long v;

    if (len <= nl || strncasecmp(p, name, nl) != 0)
        return -1;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    while (i < len && k < sizeof(tmp) - 1 && p[i] != '\r' && p[i] != '\n')
        tmp[k++] = p[i++];
    tmp[k] = '\0';
    v = strtoll(tmp, &end, 10);
    return k > 0 && *end == '\0' && v >= 0 ? (int64_t)v : -1;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ud)
{
    struct etsy_resp *r = ud;
    size_t len = size * n;
    int64_t v;

    if ((v = header_num(p, len, "retry-after:")) >= 0)
        r->retry_after = v;
    if ((v = header_num(p, len, "x-remaining-today:")) >= 0)
        r->remaining_today = v;
    return len;
}

static int
perform(struct arena *a, const char *url, const char *api_key,
        const char *bearer, const char *form, struct etsy_resp *r)
{
    struct curl_slist *h = NULL;
    struct sink s;
    char line[4096];
    CURL *e;
    CURLcode rc;
    char errbuf[CURL_ERROR_SIZE];

    global_init();
    memset(r, 0, sizeof(*r));
    memset(&s, 0, sizeof(s));
    r->retry_after = r->remaining_today = -1;
    if ((e = curl_easy_init()) == NULL)
        abort();
    errbuf[0] = '\0';
    snprintf(line, sizeof(line), "x-api-key: %s", api_key);
    h = curl_slist_append(h, line);
    if (bearer != NULL) {
        snprintf(line, sizeof(line), "Authorization: Bearer %s", bearer);
        h = curl_slist_append(h, line);
    }
    h = curl_slist_append(h, "Accept: application/json");
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)ETSY_HTTP_TIMEOUT_S);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    if (form != NULL)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, form);
    rc = curl_easy_perform(e);
    if (rc == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    else
        snprintf(r->error, sizeof(r->error), "%s",
                 s.too_long  ? "answer too long"
                 : errbuf[0] ? errbuf
                             : curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    r->len = s.len;
    r->body = arena_strndup(a, s.p ? s.p : "", s.len);
    free(s.p);
    return rc == CURLE_OK ? 0 : -1;
}

int
etsy_http_get(struct arena *a, const char *url, const char *api_key,
              const char *bearer, struct etsy_resp *resp)
{
    return perform(a, url, api_key, bearer, NULL, resp);
}

int
etsy_http_post_form(struct arena *a, const char *url, const char *api_key,
                    const char *form, struct etsy_resp *resp)
{
    return perform(a, url, api_key, NULL, form, resp);
}

char *
etsy_http_escape(struct arena *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *p = arena_alloc(a, strlen(s) * 3 + 1), *q = p;

    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
            (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
            *q++ = (char)ch;
        } else {
            *q++ = '%';
            *q++ = hex[ch >> 4];
            *q++ = hex[ch & 15];
        }
    }
    *q = '\0';
    return p;
}
