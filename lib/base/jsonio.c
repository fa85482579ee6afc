#include "base/jsonio.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "base/null.h"

#include "base/banned.h"

static void
put_json(void *p)
{
    json_object_put(p);
}

struct json_object *
jsonio_own(struct ctx *c, struct json_object *o)
{
    if (o != NULL)
        arena_on_reset(c->arena, put_json, o);
    return o;
}

/* Length of the UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or 0 when it is invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t left)
{
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4;
    else
        return 0;
    if (left < n)
        return 0;
    if (p[0] == 0xE0)
        lo = 0xA0;
    else if (p[0] == 0xED)
        hi = 0x9F;
    else if (p[0] == 0xF0)
        lo = 0x90;
    else if (p[0] == 0xF4)
        hi = 0x8F;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

/* What json-c lets through although RFC 8259 does not: invalid UTF-8
 * (json-c only checks lead bytes), raw control characters in strings,
 * single-quoted strings, NaN/Infinity, comments, NUL bytes. 0 or -1. */
static int
prescan(const char *body, size_t len)
{
    const unsigned char *p = (const unsigned char *)body;
    int in_str = 0;

    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(p + i, len - i);

        if (n == 0)
            return -1;
        if (in_str) {
            if (p[i] < 0x20)
                return -1;
            if (p[i] == '\\') {
                if (i + 1 >= len)
                    return -1;
                n = 2; /* the escaped character is ASCII or rejected */
                if (p[i + 1] < 0x20 || p[i + 1] >= 0x80)
                    return -1;
            } else if (p[i] == '"') {
                in_str = 0;
            }
        } else if (p[i] == '"') {
            in_str = 1;
        } else if (p[i] >= 0x80 || !strchr("{}[]:, \t\r\n0123456789+-.eE"
                                            "truefalsn",
                                            p[i]) ||
                   p[i] == '\0') {
            return -1;
        }
        i += n;
    }
    return 0;
}

/* 1 when text is a JSON number:
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
json_number_text(const char *t)
{
    if (*t == '-')
        t++;
    if (*t == '0')
        t++;
    else if (*t >= '1' && *t <= '9')
        while (*t >= '0' && *t <= '9')
            t++;
    else
        return 0;
    if (*t == '.') {
        t++;
        if (!(*t >= '0' && *t <= '9'))
            return 0;
        while (*t >= '0' && *t <= '9')
            t++;
    }
    if (*t == 'e' || *t == 'E') {
        t++;
        if (*t == '+' || *t == '-')
            t++;
        if (!(*t >= '0' && *t <= '9'))
            return 0;
        while (*t >= '0' && *t <= '9')
            t++;
    }
    return *t == '\0';
}

/* Container nesting of o (an object or array counts 1, a scalar 0), or -1
 * when a number's text is not JSON (json-c takes "1." and NaN). */
static int
json_depth(struct json_object *o)
{
    int d = 0, sub;

    switch (json_object_get_type(o)) {
    case json_type_double:
        return json_number_text(json_object_to_json_string(o)) ? 0 : -1;
    case json_type_object: {
        json_object_object_foreach(o, key, v) {
            (void)key;
            if ((sub = json_depth(v)) < 0)
                return -1;
            if (sub > d)
                d = sub;
        }
        return d + 1;
    }
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            if ((sub = json_depth(json_object_array_get_idx(o, i))) < 0)
                return -1;
            if (sub > d)
                d = sub;
        }
        return d + 1;
    default:
        return 0;
    }
}

struct json_object *
jsonio_parse(struct ctx *c, const char *body, size_t len)
{
    struct json_tokener *tok;
    struct json_object *o;
    enum json_tokener_error jerr;
    int depth;

    if (len == 0)
        return err_set(&c->err, ERR_BAD_JSON, "request body is empty"), NULL;
    if (len > INT32_MAX)
        return err_set(&c->err, ERR_TOO_LARGE, "request body is too large"),
               NULL;
    if (prescan(body, len) < 0)
        return err_set(&c->err, ERR_BAD_JSON,
                       "request body is not valid UTF-8 JSON"),
               NULL;
    /* json-c counts every value, scalars included, as a level: a scalar
     * inside 32 nested containers sits at its level 33. Let it parse two
     * more and count containers ourselves below. */
    tok = json_tokener_new_ex(JSONIO_MAX_DEPTH + 2);
    if (tok == NULL)
        return err_internal(&c->err, "json_tokener_new_ex failed"), NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                                    JSON_TOKENER_VALIDATE_UTF8);
    o = json_tokener_parse_ex(tok, body, (int)len);
    jerr = json_tokener_get_error(tok);
    if (o == NULL && jerr == json_tokener_continue) {
        /* a top-level scalar ("42", "null") ends only at a delimiter */
        o = json_tokener_parse_ex(tok, " ", 1);
        jerr = json_tokener_get_error(tok);
    } else if (o != NULL && jerr == json_tokener_success &&
               json_tokener_get_parse_end(tok) < len) {
        /* trailing bytes after the value: only white space is allowed */
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
            if (body[i] == '\0' || !strchr(" \t\r\n", body[i])) {
                jerr = json_tokener_error_parse_unexpected;
                break;
            }
    }
    json_tokener_free(tok);
    if (o == NULL && jerr == json_tokener_success) /* the body is null */
        return err_set(&c->err, ERR_BAD_JSON,
                       "request body must be a JSON object"),
               NULL;
    if (o == NULL || jerr != json_tokener_success) {
        json_object_put(o);
        if (jerr == json_tokener_error_depth)
            return err_set(&c->err, ERR_BAD_JSON,
                           "request body nests deeper than %d",
                           JSONIO_MAX_DEPTH),
                   NULL;
        if (jerr == json_tokener_continue)
            return err_set(&c->err, ERR_BAD_JSON,
                           "request body is truncated JSON"),
                   NULL;
        return err_set(&c->err, ERR_BAD_JSON, "request body is not JSON: %s",
                       json_tokener_error_desc(jerr)),
               NULL;
    }
    jsonio_own(c, o);
    depth = json_depth(o);
    if (depth < 0)
        return err_set(&c->err, ERR_BAD_JSON,
                       "request body is not JSON: bad number"),
               NULL;
    if (depth > JSONIO_MAX_DEPTH)
        return err_set(&c->err, ERR_BAD_JSON,
                       "request body nests deeper than %d", JSONIO_MAX_DEPTH),
               NULL;
    if (!json_object_is_type(o, json_type_object))
        return err_set(&c->err, ERR_BAD_JSON,
                       "request body must be a JSON object"),
               NULL;
    return o;
}

void
jsonio_add_int(struct json_object *o, const char *key, int64_t v)
{
    json_object_object_add(o, key,
                           v == DB_NULL ? NULL : json_object_new_int64(v));
}

void
jsonio_add_str(struct json_object *o, const char *key, const char *s)
{
    json_object_object_add(o, key, s == NULL ? NULL : json_object_new_string(s));
}

void
jsonio_add_bool(struct json_object *o, const char *key, int v)
{
    json_object_object_add(o, key, json_object_new_boolean(v != 0));
}

void
jsonio_add_time(struct json_object *o, const char *key, int64_t t)
{
    char s[21];

    if (t == DB_NULL) {
        json_object_object_add(o, key, NULL);
        return;
    }
    clock_format(t, s);
    json_object_object_add(o, key, json_object_new_string(s));
}

void
jsonio_format_money(int64_t cents, char out[24])
{
    uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

    snprintf(out, 24, "%s%llu.%02llu", cents < 0 ? "-" : "",
             (unsigned long long)(a / 100), (unsigned long long)(a % 100));
}

void
jsonio_add_money(struct json_object *o, const char *key, int64_t cents)
{
    char s[24];

    if (cents == DB_NULL) {
        json_object_object_add(o, key, NULL);
        return;
    }
    jsonio_format_money(cents, s);
    /* the number is written with our exact text, never via a double */
    json_object_object_add(o, key,
                           json_object_new_double_s((double)cents / 100, s));
}

int
jsonio_parse_money(const char *text, int64_t *cents)
{
    const char *p = text;
    int64_t units = 0, frac = 0;
    int nfrac = 0, ndig = 0;

    if (*p == '-')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++, ndig++) {
        if (units > (INT64_MAX / 100 - 9) / 10)
            return -1;
        units = units * 10 + (*p - '0');
    }
    if (ndig == 0)
        return -1;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (nfrac == 2) {
                if (*p != '0')
                    return -1; /* 1.230 is fine, 1.234 is not */
                continue;
            }
            frac = frac * 10 + (*p - '0');
            nfrac++;
        }
        if (nfrac == 0)
            return -1;
    }
    if (*p != '\0')
        return -1;
    if (nfrac == 1)
        frac *= 10;
    *cents = units * 100 + frac;
    return 0;
}
