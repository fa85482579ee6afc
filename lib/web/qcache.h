/*
 * qcache — answers a worker keeps in memory until the data behind them
 * changes. Each entry carries the version it was rendered at (a counter the
 * database bumps when what the answer reads changes, e.g.
 * printers.queue_version, sql/sqlite/005-queue-version.sql); a lookup with
 * another version misses. Bounded: QCACHE_SLOTS entries of at most
 * QCACHE_MAX_BODY bytes, so a worker's memory stays small. Per process,
 * never shared, so no locking.
 */
#ifndef QCACHE_H
#define QCACHE_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define QCACHE_SLOTS 64
#define QCACHE_MAX_BODY (64 * 1024)

/* On a hit (same key and version) appends the body to out and returns 1;
 * otherwise 0. */
int qcache_get(const char *key, int64_t version, struct buf *out);

/* Stores a copy of body under key at version (bodies past
 * QCACHE_MAX_BODY are not kept). */
void qcache_put(const char *key, int64_t version, const char *body,
                size_t len);

/* Frees every entry (at exit, so leak checkers stay quiet). */
void qcache_release(void);

#endif
