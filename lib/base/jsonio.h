/*
 * jsonio — json-c helpers at the edges: parsing a request body with the
 * contract's limits, and adding typed values to a response object with the
 * project's conventions (DB_NULL and NULL become JSON null, times become
 * ISO 8601 "Z" strings, cents become a number with two decimals).
 */
#ifndef JSONIO_H
#define JSONIO_H

#include <stddef.h>
#include <stdint.h>

struct ctx;
struct json_object;

#define JSONIO_MAX_DEPTH 32

/* Parses a request body. On success the object is released with the ctx's
 * arena. Fails with ERR_BAD_JSON when the body is not valid UTF-8 JSON, is
 * not an object, or nests deeper than JSONIO_MAX_DEPTH. */
struct json_object *jsonio_parse(struct ctx *c, const char *body, size_t len);

/* Releases o when the ctx's arena is reset; returns o. */
struct json_object *jsonio_own(struct ctx *c, struct json_object *o);

void jsonio_add_int(struct json_object *o, const char *key, int64_t v);
void jsonio_add_str(struct json_object *o, const char *key, const char *s);
void jsonio_add_bool(struct json_object *o, const char *key, int v);
void jsonio_add_time(struct json_object *o, const char *key, int64_t t);
void jsonio_add_money(struct json_object *o, const char *key, int64_t cents);

/* Cents as "12.34" (exactly), into out of at least 24 bytes. */
void jsonio_format_money(int64_t cents, char out[24]);

/* Parses a JSON number's text ("24.99", "3", "1e2" refused) as cents.
 * 0 or -1 when it is negative, has more than two decimals or is too big. */
int jsonio_parse_money(const char *text, int64_t *cents);

#endif
