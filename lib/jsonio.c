#include "jsonio.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "clock.h"
#include "ctx.h"
#include "db.h"

#include "banned.h"

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

struct json_object *
jsonio_parse(struct ctx *c, const char *body, size_t len)
{
    struct json_tokener *tok;
    struct json_object *o;
    enum json_tokener_error jerr;

    if (len == 0)
        return err_set(&c->err, ERR_BAD_JSON, "request body is empty"), NULL;
    tok = json_tokener_new_ex(JSONIO_MAX_DEPTH);
    if (tok == NULL)
        return err_internal(&c->err, "json_tokener_new_ex failed"), NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
                                    JSON_TOKENER_VALIDATE_UTF8);
    o = json_tokener_parse_ex(tok, body, (int)len);
    jerr = json_tokener_get_error(tok);
    if (o != NULL && jerr == json_tokener_success &&
        json_tokener_get_parse_end(tok) < len) {
        /* trailing bytes after the value: only white space is allowed */
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
            if (!strchr(" \t\r\n", body[i])) {
                jerr = json_tokener_error_parse_unexpected;
                break;
            }
    }
    json_tokener_free(tok);
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
