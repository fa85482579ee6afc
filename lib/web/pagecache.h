/*
 * pagecache — the rendered HTML of the dashboard's busiest pages (the
 * overview, the queue), kept by each worker process for a few seconds
 * while nothing in the database changed. Every open dashboard asks for
 * them again and again (and scripts refresh them every few seconds), far
 * more often than the farm changes; an answer from here costs a lookup
 * instead of the reads and the rendering.
 *
 * Invariants:
 * - An entry answers only the same session (its CSRF token, which the page
 *   embeds, is part of the key, so one session never sees another's page)
 *   and the same path and query.
 * - It answers only while db_data_version() is what it was when the page
 *   was rendered (nothing written since, by any process), and for at most
 *   PAGECACHE_TTL_S seconds (the times a page shows relative to now stay
 *   as fresh as the live refresh).
 * - Memory is bounded: PAGECACHE_SLOTS entries of at most PAGECACHE_MAX
 *   bytes each, the oldest replaced first.
 */
#ifndef PAGECACHE_H
#define PAGECACHE_H

#include <stddef.h>
#include <stdint.h>

#define PAGECACHE_TTL_S 5
#define PAGECACHE_SLOTS 8
#define PAGECACHE_MAX (512 * 1024)

struct req;

/* The body kept for r (borrowed until the next put), or NULL. */
const char *pagecache_get(struct req *r, int64_t version, size_t *len);

/* Keeps body for r, rendered at data version version. */
void pagecache_put(struct req *r, int64_t version, const char *body,
                   size_t len);

/* Frees every entry (at exit, so the leak checker stays quiet). */
void pagecache_release(void);

#endif
