#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char buf_empty[1];

void
buf_init(struct buf *b, size_t max)
{
    b->data = buf_empty;
    b->len = b->cap = 0;
    b->max = max;
    b->failed = 0;
}

void
buf_release(struct buf *b)
{
    if (b->data != buf_empty)
        free(b->data);
    buf_init(b, b->max);
}

void
buf_clear(struct buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data != buf_empty)
        b->data[0] = '\0';
}

static int
buf_grow(struct buf *b, size_t extra)
{
    size_t want = b->len + extra + 1, cap;
    char *p;

    if (b->failed)
        return -1;
    if (extra > (size_t)-1 / 2 || (b->max && b->len + extra > b->max)) {
        b->failed = 1;
        return -1;
    }
    if (want <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap *= 2;
    p = b->data == buf_empty ? malloc(cap) : realloc(b->data, cap);
    if (p == NULL)
        abort();
    if (b->data == buf_empty)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return 0;
}

void
buf_append_slow(struct buf *b, const void *p, size_t n)
{
    if (buf_grow(b, n) < 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_grow(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int
buf_failed(const struct buf *b)
{
    return b->failed;
}
