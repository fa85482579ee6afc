/*
 * buf — a growable byte buffer with a size cap and a sticky error. Append
 * freely and check buf_failed() once at the end. data is never NULL and is
 * always NUL-terminated.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len, cap, max;
    int failed; /* set when an append would pass max */
};

/* max 0 means no cap. */
void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_clear(struct buf *b);

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);

/* The slow path of buf_putc/buf_append, for the inline fast paths below. */
void buf_append_slow(struct buf *b, const void *p, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int buf_failed(const struct buf *b);

#endif
