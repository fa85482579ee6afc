/*
 * buf — a growable byte buffer with a size cap and a sticky error. Append
 * freely and check buf_failed() once at the end. data is never NULL and is
 * always NUL-terminated.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
    char *data;
    size_t len, cap, max;
    int failed; /* set when an append would pass max */
};

/* max 0 means no cap. */
void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_clear(struct buf *b);

void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The slow path of buf_append: growth, the cap, the sticky error. */
void buf_append_slow(struct buf *b, const void *p, size_t n);

/* Appends n bytes. Inline because responses are built a few bytes at a
 * time: the common case (it fits, no cap in the way) is one memcpy. */
static inline void
buf_append(struct buf *b, const void *p, size_t n)
{
    if (b->len + n < b->cap && !b->failed &&
        (b->max == 0 || b->len + n <= b->max)) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    buf_append_slow(b, p, n);
}

static inline void
buf_putc(struct buf *b, char c)
{
    buf_append(b, &c, 1);
}
int buf_failed(const struct buf *b);

#endif
