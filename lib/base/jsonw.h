/*
 * jsonw — a streaming JSON writer into a struct buf, for responses on hot
 * paths (print lists and queues, orders, notification deliveries) where
 * building a json-c tree per row costs more than the query. It tracks
 * commas itself; the caller writes keys and values in order. Same
 * conventions as jsonio: DB_NULL and NULL become null, times ISO 8601 "Z",
 * cents a number with two decimals.
 * Strings must be valid UTF-8 (everything stored came through the strict
 * JSON parser or our own code).
 */
#ifndef JSONW_H
#define JSONW_H

#include <stdint.h>

struct buf;

#define JSONW_DEPTH 16

struct jsonw {
    struct buf *b;
    int depth;
    int count[JSONW_DEPTH]; /* values written at each depth */
    int after_key;
};

void jsonw_init(struct jsonw *w, struct buf *b);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);

/* Writes "key": (with the comma before it when needed). Keys are the
 * caller's literals and are not escaped. */
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_str(struct jsonw *w, const char *s);
void jsonw_bool(struct jsonw *w, int v);
void jsonw_time(struct jsonw *w, int64_t t);
void jsonw_money(struct jsonw *w, int64_t cents);

/* key + value in one call, for the common case. */
void jsonw_kint(struct jsonw *w, const char *key, int64_t v);
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_kbool(struct jsonw *w, const char *key, int v);
void jsonw_ktime(struct jsonw *w, const char *key, int64_t t);
void jsonw_kmoney(struct jsonw *w, const char *key, int64_t cents);

#endif
