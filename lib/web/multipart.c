#include "web/multipart.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"

#include "base/banned.h"

/* The window holds unparsed bytes: a whole header line must fit, and in a
 * body everything but a possible delimiter prefix is passed on at once. */
#define WINDOW (MULTIPART_HEADER_MAX + 4096)

enum state { S_PREAMBLE, S_AFTER_DELIM, S_HEADERS, S_BODY, S_DONE, S_FAILED };

struct multipart {
    struct arena *arena;
    const struct multipart_cb *cb;
    void *ud;
    char *delim; /* "\r\n--" + boundary */
    size_t dlen;
    enum state state;
    enum multipart_error err;
    int parts;
    size_t header_bytes; /* of the current part's header block */
    struct multipart_part part;
    size_t len;
    char win[WINDOW];
};

static int
fail(struct multipart *m, enum multipart_error e)
{
    if (m->state != S_FAILED) {
        m->state = S_FAILED;
        m->err = e;
    }
    return -1;
}

/* The first occurrence of needle (nlen > 0) in hay, or NULL. */
static const char *
find(const char *hay, size_t len, const char *needle, size_t nlen)
{
    const char *p = hay, *end = hay + len;

    while ((size_t)(end - p) >= nlen &&
           (p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1)) != NULL) {
        if (memcmp(p, needle, nlen) == 0)
            return p;
        p++;
    }
    return NULL;
}

static void
consume(struct multipart *m, size_t n)
{
    memmove(m->win, m->win + n, m->len - n);
    m->len -= n;
}

static int
is_token_char(int ch)
{
    return ch > ' ' && ch < 127 && ch != '"' && ch != ';' && ch != '=';
}

const char *
multipart_boundary(struct arena *a, const char *ct)
{
    const char *p, *start;
    size_t n;

    if (ct == NULL || strncasecmp(ct, "multipart/form-data", 19) != 0)
        return NULL;
    for (p = ct + 19; (p = strchr(p, ';')) != NULL;) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) != 0)
            continue;
        p += 9;
        if (*p == '"') {
            start = ++p;
            while (*p && *p != '"')
                p++;
            if (*p != '"')
                return NULL;
        } else {
            start = p;
            while (is_token_char((unsigned char)*p))
                p++;
        }
        n = (size_t)(p - start);
        if (n == 0 || n > MULTIPART_BOUNDARY_MAX)
            return NULL;
        return arena_strndup(a, start, n);
    }
    return NULL;
}

struct multipart *
multipart_new(struct arena *a, const char *boundary,
              const struct multipart_cb *cb, void *ud)
{
    struct multipart *m = arena_alloc(a, sizeof *m);

    memset(m, 0, offsetof(struct multipart, win));
    m->arena = a;
    m->cb = cb;
    m->ud = ud;
    m->delim = arena_printf(a, "\r\n--%s", boundary);
    m->dlen = strlen(m->delim);
    /* The body's first delimiter has no CRLF before it: supply one. */
    memcpy(m->win, "\r\n", 2);
    m->len = 2;
    return m;
}

/* The value of parameter key in a Content-Disposition value (quoted or
 * token), in the arena; NULL when absent. */
static const char *
disposition_param(struct arena *a, const char *v, const char *key)
{
    size_t klen = strlen(key);
    const char *p = v;

    while ((p = strchr(p, ';')) != NULL) {
        char *out;
        size_t n = 0;

        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, key, klen) != 0 || p[klen] != '=')
            continue;
        p += klen + 1;
        out = arena_alloc(a, strlen(p) + 1);
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                out[n++] = *p;
            }
        } else {
            while (is_token_char((unsigned char)*p))
                out[n++] = *p++;
        }
        out[n] = '\0';
        return out;
    }
    return NULL;
}

static int
header_line(struct multipart *m, const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n), *v;
    char *copy;

    if (colon == NULL || colon == line || memchr(line, '\0', n) != NULL)
        return fail(m, MULTIPART_MALFORMED);
    copy = arena_strndup(m->arena, line, n);
    v = copy + (colon - line) + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strncasecmp(copy, "content-disposition:", 20) == 0) {
        if (strncasecmp(v, "form-data", 9) != 0)
            return fail(m, MULTIPART_MALFORMED);
        m->part.name = disposition_param(m->arena, v, "name");
        m->part.filename = disposition_param(m->arena, v, "filename");
    } else if (strncasecmp(copy, "content-type:", 13) == 0) {
        m->part.content_type = v;
    }
    return 0;
}

/* Passes body bytes on (or drops preamble bytes). */
static int
emit(struct multipart *m, size_t n)
{
    if (m->state == S_BODY && n > 0 && m->cb->part_data &&
        m->cb->part_data(m->ud, m->win, n) < 0)
        return fail(m, MULTIPART_ABORTED);
    consume(m, n);
    return 0;
}

/* Body or preamble: up to the next delimiter. 1 when it was found. */
static int
step_body(struct multipart *m)
{
    const char *hit = find(m->win, m->len, m->delim, m->dlen);
    size_t keep;

    if (hit == NULL) {
        keep = m->len < m->dlen - 1 ? m->len : m->dlen - 1;
        return emit(m, m->len - keep) < 0 ? -1 : 0;
    }
    if (emit(m, (size_t)(hit - m->win)) < 0)
        return -1;
    consume(m, m->dlen);
    if (m->state == S_BODY && m->cb->part_end && m->cb->part_end(m->ud) < 0)
        return fail(m, MULTIPART_ABORTED);
    m->state = S_AFTER_DELIM;
    return 1;
}

/* After a delimiter: "--" closes the body, CRLF opens a part. */
static int
step_after_delim(struct multipart *m)
{
    size_t i = 0;

    while (i < m->len && (m->win[i] == ' ' || m->win[i] == '\t'))
        i++;
    consume(m, i);
    if (m->len < 2)
        return 0;
    if (memcmp(m->win, "--", 2) == 0) {
        m->state = S_DONE;
        m->len = 0;
        return 0;
    }
    if (memcmp(m->win, "\r\n", 2) != 0 || ++m->parts > MULTIPART_PARTS_MAX)
        return fail(m, MULTIPART_MALFORMED);
    consume(m, 2);
    memset(&m->part, 0, sizeof m->part);
    m->header_bytes = 0;
    m->state = S_HEADERS;
    return 1;
}

/* One header line, or the blank line that ends the block. */
static int
step_headers(struct multipart *m)
{
    const char *eol = find(m->win, m->len, "\r\n", 2);
    size_t n;

    if (eol == NULL)
        return m->header_bytes + m->len > MULTIPART_HEADER_MAX
                   ? fail(m, MULTIPART_MALFORMED)
                   : 0;
    n = (size_t)(eol - m->win);
    m->header_bytes += n + 2;
    if (m->header_bytes > MULTIPART_HEADER_MAX)
        return fail(m, MULTIPART_MALFORMED);
    if (n > 0) {
        if (header_line(m, m->win, n) < 0)
            return -1;
        consume(m, n + 2);
        return 1;
    }
    consume(m, 2);
    if (m->part.name == NULL || m->part.name[0] == '\0')
        return fail(m, MULTIPART_MALFORMED);
    if (m->cb->part_begin && m->cb->part_begin(m->ud, &m->part) < 0)
        return fail(m, MULTIPART_ABORTED);
    m->state = S_BODY;
    return 1;
}

/* Parses what the window holds until it needs more bytes. */
static int
step(struct multipart *m)
{
    int rc;

    do {
        switch (m->state) {
        case S_PREAMBLE:
        case S_BODY:
            rc = step_body(m);
            break;
        case S_AFTER_DELIM:
            rc = step_after_delim(m);
            break;
        case S_HEADERS:
            rc = step_headers(m);
            break;
        case S_DONE:
            m->len = 0; /* the epilogue is ignored */
            return 0;
        default:
            return -1;
        }
    } while (rc > 0);
    return rc;
}

int
multipart_feed(struct multipart *m, const char *p, size_t n)
{
    if (m->state == S_FAILED)
        return -1;
    while (n > 0) {
        size_t k = sizeof m->win - m->len;

        if (k > n)
            k = n;
        memcpy(m->win + m->len, p, k);
        m->len += k;
        p += k;
        n -= k;
        if (step(m) < 0)
            return -1;
        if (m->len == sizeof m->win) /* no progress possible */
            return fail(m, MULTIPART_MALFORMED);
    }
    return 0;
}

int
multipart_finish(struct multipart *m)
{
    if (m->state == S_FAILED)
        return -1;
    return m->state == S_DONE ? 0 : fail(m, MULTIPART_MALFORMED);
}

enum multipart_error
multipart_error(const struct multipart *m)
{
    return m->err;
}
