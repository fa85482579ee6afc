#include "base/bind.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "base/null.h"
#include "base/jsonio.h"

#include "base/banned.h"

#define MEMBER(out, f, type) ((type *)((char *)(out) + (f)->off))

static const char *const type_names[] = {
    [F_INT] = "an integer",   [F_ID] = "an integer id",
    [F_TIME] = "a timestamp", [F_MONEY] = "a number",
    [F_BOOL] = "a boolean",   [F_STR] = "a string",
    [F_COLOR] = "a string",   [F_EMAIL] = "a string",
    [F_URL] = "a string",     [F_ENUM] = "a string",
};

size_t
bind_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int
bind_name_mask(const char *list, const char *const *names, unsigned *mask)
{
    const char *p = list;

    *mask = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        int found = -1;

        for (int i = 0; names[i] != NULL; i++)
            if (strlen(names[i]) == len && memcmp(names[i], p, len) == 0)
                found = i;
        if (found < 0)
            return -1;
        *mask |= 1u << found;
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

int
bind_valid_email(const char *s)
{
    const char *at = strchr(s, '@'), *dot;
    size_t len = strlen(s);

    if (at == NULL || at == s || len > 254 || strchr(at + 1, '@'))
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',' ||
            *p == ';' || *p == '"' || *p == '\\' || (unsigned char)*p >= 0x7f)
            return 0;
    dot = strrchr(at + 1, '.');
    return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

int
bind_valid_url(const char *s)
{
    const char *host;

    if (strncmp(s, "http://", 7) == 0)
        host = s + 7;
    else if (strncmp(s, "https://", 8) == 0)
        host = s + 8;
    else
        return 0;
    if (*host == '\0' || *host == '/' || *host == ':' || *host == '?' ||
        *host == '#')
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return 0;
    return strlen(s) <= 2048;
}

/* The range rule of F_INT and F_ID, whichever way the value came. */
static int
check_int(struct ctx *c, const struct field *f, int64_t n)
{
    int64_t min = f->min, max = f->max;

    if (f->type == F_ID && min == 0 && max == 0) {
        min = 1;
        max = INT64_MAX;
    }
    if (f->type == F_INT && min == 0 && max == 0) {
        min = -2147483647;
        max = 2147483647;
    }
    if (n < min || n > max)
        return err_field(&c->err, f->key, "must be between %lld and %lld",
                         (long long)min, (long long)max);
    return 0;
}

static int
bind_int(struct ctx *c, const struct field *f, struct json_object *v,
         int64_t *dst)
{
    int64_t n;

    if (!json_object_is_type(v, json_type_int))
        return err_field(&c->err, f->key, "must be %s", type_names[f->type]);
    n = json_object_get_int64(v);
    /* json-c clamps numbers past int64 (below to INT64_MIN, which is also
     * DB_NULL) and keeps uint64 apart */
    if (n == INT64_MIN || (n == INT64_MAX && json_object_get_uint64(v) !=
                                                 (uint64_t)INT64_MAX))
        return err_field(&c->err, f->key, "is out of range");
    if (check_int(c, f, n) < 0)
        return -1;
    *dst = n;
    return 0;
}

static int
money_bad(struct ctx *c, const struct field *f)
{
    return err_field(&c->err, f->key,
                     "must be a non-negative amount with at most two "
                     "decimals");
}

/* The range rule of F_MONEY (cents), whichever way the value came. */
static int
check_money(struct ctx *c, const struct field *f, int64_t cents)
{
    if (cents < 0)
        return money_bad(c, f);
    if (f->max && cents > f->max)
        return err_field(&c->err, f->key, "is too large");
    return 0;
}

static int
bind_money(struct ctx *c, const struct field *f, struct json_object *v,
           int64_t *dst)
{
    int64_t cents;

    if (!json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double))
        return err_field(&c->err, f->key, "must be a number");
    if (jsonio_parse_money(json_object_to_json_string(v), &cents) < 0)
        return money_bad(c, f);
    if (check_money(c, f, cents) < 0)
        return -1;
    *dst = cents;
    return 0;
}

/* The rules of the text types, whichever way s came: checks s and stores
 * it (normalised, an arena copy) in *dst. */
static int
check_text(struct ctx *c, const struct field *f, const char *s,
           const char **dst)
{
    size_t n;

    switch (f->type) {
    case F_STR:
        n = bind_chars(s);
        if ((int64_t)n < (f->min ? f->min : 0) ||
            (int64_t)n > (f->max ? f->max : 1000))
            return err_field(&c->err, f->key,
                             "must be %lld to %lld characters long",
                             (long long)(f->min ? f->min : 0),
                             (long long)(f->max ? f->max : 1000));
        *dst = arena_strdup(c->arena, s);
        return 0;
    case F_COLOR: {
        char *u;

        if (strlen(s) != 7 || s[0] != '#')
            return err_field(&c->err, f->key, "must be a color like #FF8800");
        u = arena_strdup(c->arena, s);
        for (int i = 1; i < 7; i++) {
            if (!isxdigit((unsigned char)u[i]))
                return err_field(&c->err, f->key,
                                 "must be a color like #FF8800");
            u[i] = (char)toupper((unsigned char)u[i]);
        }
        *dst = u;
        return 0;
    }
    case F_EMAIL: {
        char *l;

        if (!bind_valid_email(s))
            return err_field(&c->err, f->key, "must be an email address");
        l = arena_strdup(c->arena, s);
        for (char *p = l; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        *dst = l;
        return 0;
    }
    case F_URL:
        if (!bind_valid_url(s))
            return err_field(&c->err, f->key,
                             "must be an absolute http or https URL");
        *dst = arena_strdup(c->arena, s);
        return 0;
    case F_ENUM:
        for (const char *const *ch = f->choices; *ch != NULL; ch++)
            if (strcmp(*ch, s) == 0) {
                *dst = *ch;
                return 0;
            }
        {
            char list[96] = "";
            size_t used = 0;

            for (const char *const *ch = f->choices; *ch != NULL; ch++) {
                int w = snprintf(list + used, sizeof(list) - used, "%s%s",
                                 used ? ", " : "", *ch);

                if (w < 0 || (size_t)w >= sizeof(list) - used)
                    break;
                used += (size_t)w;
            }
            return err_field(&c->err, f->key, "must be one of %s", list);
        }
    default:
        return err_internal(&c->err, "bind: bad string type for %s", f->key);
    }
}

static int
bind_str(struct ctx *c, const struct field *f, struct json_object *v,
         const char **dst)
{
    const char *s;

    if (!json_object_is_type(v, json_type_string))
        return err_field(&c->err, f->key, "must be a string");
    s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v))
        return err_field(&c->err, f->key, "must not contain NUL characters");
    return check_text(c, f, s, dst);
}

static int
bind_one(struct ctx *c, const struct field *f, struct json_object *v,
         void *out)
{
    switch (f->type) {
    case F_INT:
    case F_ID:
        return bind_int(c, f, v, MEMBER(out, f, int64_t));
    case F_MONEY:
        return bind_money(c, f, v, MEMBER(out, f, int64_t));
    case F_BOOL:
        if (!json_object_is_type(v, json_type_boolean))
            return err_field(&c->err, f->key, "must be true or false");
        *MEMBER(out, f, int64_t) = json_object_get_boolean(v);
        return 0;
    case F_TIME: {
        int64_t t;

        if (!json_object_is_type(v, json_type_string) ||
            clock_parse(json_object_get_string(v), &t) < 0)
            return err_field(&c->err, f->key,
                             "must be an ISO 8601 time like "
                             "2026-11-23T19:27:08Z");
        *MEMBER(out, f, int64_t) = t;
        return 0;
    }
    default:
        return bind_str(c, f, v, MEMBER(out, f, const char *));
    }
}

int
bind_json(struct ctx *c, struct json_object *obj, const struct field *fields,
          void *out, struct bound *b, int ignore_required)
{
    int failed = 0;

    b->fields = fields;
    b->present = b->null = 0;
    for (int i = 0; i < BIND_MAX_FIELDS && fields[i].key != NULL; i++) {
        const struct field *f = &fields[i];
        struct json_object *v;

        if (!json_object_object_get_ex(obj, f->key, &v)) {
            if ((f->flags & F_REQ) && !ignore_required)
                failed = err_field(&c->err, f->key, "is required");
            continue;
        }
        b->present |= (uint64_t)1 << i;
        if (v == NULL) {
            b->null |= (uint64_t)1 << i;
            if (!(f->flags & F_NULL)) {
                failed = err_field(&c->err, f->key, "must not be null");
                continue;
            }
            if (f->type <= F_BOOL)
                *MEMBER(out, f, int64_t) = DB_NULL;
            else
                *MEMBER(out, f, const char *) = NULL;
            continue;
        }
        if (bind_one(c, f, v, out) < 0)
            failed = -1;
    }
    return failed < 0 || err_is_set(&c->err) ? -1 : 0;
}

/* One member of in against its field: the same rules as bind_one. */
static int
check_one(struct ctx *c, const struct field *f, void *in)
{
    int64_t *n = MEMBER(in, f, int64_t);
    const char **s = MEMBER(in, f, const char *);
    int missing = f->type <= F_BOOL ? *n == DB_NULL : *s == NULL;

    if (missing)
        return f->flags & (F_NULL | F_KEEP)
                   ? 0
                   : err_field(&c->err, f->key, "is required");
    switch (f->type) {
    case F_INT:
    case F_ID:
        return check_int(c, f, *n);
    case F_MONEY:
        return check_money(c, f, *n);
    case F_BOOL:
        return *n == 0 || *n == 1
                   ? 0
                   : err_field(&c->err, f->key, "must be true or false");
    case F_TIME:
        return 0;
    default:
        return check_text(c, f, *s, s);
    }
}

int
bind_check(struct ctx *c, const struct field *fields, void *in)
{
    for (int i = 0; i < BIND_MAX_FIELDS && fields[i].key != NULL; i++)
        check_one(c, &fields[i], in);
    return err_is_set(&c->err) ? -1 : 0;
}

static int
field_index(const struct bound *b, const char *key)
{
    for (int i = 0; i < BIND_MAX_FIELDS && b->fields[i].key != NULL; i++)
        if (strcmp(b->fields[i].key, key) == 0)
            return i;
    return -1;
}

int
bind_has(const struct bound *b, const char *key)
{
    int i = field_index(b, key);

    return i >= 0 && (b->present >> i & 1);
}

int
bind_is_null(const struct bound *b, const char *key)
{
    int i = field_index(b, key);

    return i >= 0 && (b->null >> i & 1);
}
