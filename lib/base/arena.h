/*
 * arena — per-unit-of-work memory. Everything allocated from an arena lives
 * until arena_reset() or arena_free(); nothing is freed by hand. Resources
 * that are not memory (open files, statements) register a cleanup that runs,
 * newest first, on reset. Allocation failure aborts: the pool manager
 * restarts the worker.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);

/* Runs cleanups and releases every block but the first. */
void arena_reset(struct arena *a);

/* Zeroed memory, aligned for any type. Never NULL. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs fn(p) at the next reset or free. */
void arena_on_reset(struct arena *a, void (*fn)(void *), void *p);

#endif
