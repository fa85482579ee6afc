#include "base/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (16 * 1024)

struct block {
    struct block *next;
    size_t size, used;
    max_align_t data[];
};

struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *p;
};

struct arena {
    struct block *head;
    struct cleanup *cleanups;
};

static struct block *
block_new(size_t size)
{
    struct block *b = malloc(sizeof(*b) + size);

    if (b == NULL)
        abort();
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

struct arena *
arena_new(void)
{
    struct arena *a = calloc(1, sizeof(*a));

    if (a == NULL)
        abort();
    a->head = block_new(ARENA_BLOCK);
    return a;
}

static void
arena_run_cleanups(struct arena *a)
{
    while (a->cleanups != NULL) {
        struct cleanup *c = a->cleanups;

        a->cleanups = c->next;
        c->fn(c->p);
    }
}

void
arena_reset(struct arena *a)
{
    struct block *b;

    arena_run_cleanups(a);
    /* Keep the oldest block (the last in the list), free the rest. */
    while (a->head->next != NULL) {
        b = a->head;
        a->head = b->next;
        free(b);
    }
    a->head->used = 0;
}

void
arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    arena_reset(a);
    free(a->head);
    free(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    struct block *b = a->head;
    void *p;

    if (n > SIZE_MAX / 2)
        abort(); /* a wrapped size: never hand out a short block */
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    if (b->size - b->used < n) {
        b = block_new(n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK);
        b->next = a->head;
        a->head = b;
    }
    p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
    return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void
arena_on_reset(struct arena *a, void (*fn)(void *), void *p)
{
    struct cleanup *c = arena_alloc(a, sizeof(*c));

    c->fn = fn;
    c->p = p;
    c->next = a->cleanups;
    a->cleanups = c;
}
