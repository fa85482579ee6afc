#include "web/page_form.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "base/null.h"
#include "web/http.h"
#include "web/page.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define F_STR_MAX_DEFAULT 1000 /* bind.c's limit when a table gives none */

static int
parse_int(const char *s, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* 1 when s is a decimal number ("12", "12.5", "-3"): what bind_money
 * should judge as a number rather than as text. */
static int
is_decimal(const char *s)
{
    int digits = 0, dot = 0;

    if (*s == '-' || *s == '+')
        s++;
    for (; *s; s++) {
        if (*s == '.' && !dot)
            dot = 1;
        else if (*s >= '0' && *s <= '9')
            digits++;
        else
            return 0;
    }
    return digits > 0;
}

/* The JSON the API would get for one form value of field f. */
static struct json_object *
form_value(struct arena *a, const struct field *fd, const char *v)
{
    int64_t n;

    switch (fd->type) {
    case F_INT:
    case F_ID:
        return parse_int(v, &n) == 0 ? json_object_new_int64(n)
                                     : json_object_new_string(v);
    case F_MONEY:
        return is_decimal(v) ? json_object_new_double_s(strtod(v, NULL), v)
                             : json_object_new_string(v);
    case F_TIME:
        /* datetime-local has no zone (and maybe no seconds): UTC */
        if (strlen(v) == 16)
            return json_object_new_string(arena_printf(a, "%s:00Z", v));
        if (strlen(v) == 19)
            return json_object_new_string(arena_printf(a, "%sZ", v));
        return json_object_new_string(v);
    default:
        return json_object_new_string(v);
    }
}

static int
form_truthy(const char *v)
{
    return v != NULL && (strcmp(v, "on") == 0 || strcmp(v, "1") == 0 ||
                         strcmp(v, "true") == 0);
}

int
page_form_bind(struct req *r, const struct page_form *f,
               const struct field *fields, void *out, struct bound *b,
               int partial)
{
    struct json_object *o = json_object_new_object();
    int rc;

    for (const struct field *fd = fields; fd->key != NULL; fd++) {
        const char *v = page_form_get(f, fd->key);

        if (fd->type == F_BOOL) {
            /* an unticked box is not sent: off, unless the edit left it out */
            if (v != NULL || !partial)
                json_object_object_add(o, fd->key,
                                       json_object_new_boolean(form_truthy(v)));
            continue;
        }
        if (v == NULL)
            continue;
        if (*v == '\0') {
            if (fd->flags & F_NULL)
                json_object_object_add(o, fd->key, NULL);
            continue;
        }
        json_object_object_add(o, fd->key, form_value(r->c->arena, fd, v));
    }
    rc = bind_json(r->c, o, fields, out, b, partial);
    json_object_put(o);
    return rc;
}

/* The stored value of fd in in, as a form control shows it. */
static const char *
stored_text(struct arena *a, const struct field *fd, const void *in)
{
    const char *p = (const char *)in + fd->off;
    int64_t n;
    char iso[21];

    switch (fd->type) {
    case F_STR:
    case F_COLOR:
    case F_EMAIL:
    case F_URL:
    case F_ENUM: {
        const char *s;

        memcpy(&s, p, sizeof s);
        return s ? s : "";
    }
    default:
        break;
    }
    memcpy(&n, p, sizeof n);
    if (n == DB_NULL)
        return "";
    switch (fd->type) {
    case F_MONEY:
        return arena_printf(a, "%lld.%02lld", (long long)(n / 100),
                            (long long)(n % 100));
    case F_TIME:
        clock_format(n, iso);
        return arena_printf(a, "%.16s", iso); /* datetime-local */
    case F_BOOL:
        return n ? "on" : "";
    default:
        return arena_printf(a, "%lld", (long long)n);
    }
}

static void
set_key(struct tmpl_dict *d, const char *key, const char *suffix,
        const char *v)
{
    char name[96];

    snprintf(name, sizeof name, "%s%s", key, suffix);
    tmpl_set(d, name, v);
}

static void
fill_one(struct req *r, struct tmpl_dict *d, const struct field *fd,
         const void *in, const struct page_form *f)
{
    struct arena *a = r->c->arena;
    const char *v = NULL;
    char name[96];

    if (f != NULL)
        v = page_form_get(f, fd->key);
    if (fd->type == F_BOOL && f != NULL)
        v = form_truthy(v) ? "on" : "";
    if (v == NULL)
        v = in ? stored_text(a, fd, in) : "";
    tmpl_set(d, fd->key, v);
    set_key(d, fd->key, "_min", arena_printf(a, "%lld", (long long)fd->min));
    set_key(d, fd->key, "_max",
            arena_printf(a, "%lld",
                         (long long)(fd->type == F_STR && fd->max == 0
                                         ? F_STR_MAX_DEFAULT
                                         : fd->max)));
    if (fd->type == F_BOOL && *v) {
        snprintf(name, sizeof name, "%s_checked", fd->key);
        tmpl_show(d, name);
    }
    if (fd->type == F_ENUM && fd->choices != NULL) {
        snprintf(name, sizeof name, "%s_opt", fd->key);
        for (const char *const *ch = fd->choices; *ch != NULL; ch++) {
            struct tmpl_dict *o = tmpl_section_add(d, name);

            tmpl_set(o, "value", *ch);
            if (strcmp(*ch, v) == 0)
                tmpl_show(o, "selected");
        }
    }
}

void
page_form_fill(struct req *r, struct tmpl_dict *d, const struct field *fields,
               const void *in, const struct page_form *f)
{
    const struct err *e = &r->c->err;
    struct tmpl_dict *sum = NULL;
    char name[96];

    for (const struct field *fd = fields; fd->key != NULL; fd++)
        fill_one(r, d, fd, in, f);
    for (int i = 0; i < e->nfields; i++) {
        struct tmpl_dict *item;

        snprintf(name, sizeof name, "%s_error", e->fields[i].name);
        tmpl_set(tmpl_section_add(d, name), "msg", e->fields[i].msg);
        set_key(d, e->fields[i].name, "_error_msg", e->fields[i].msg);
        if (sum == NULL)
            sum = tmpl_section_add(d, "ERRORS");
        item = tmpl_section_add(sum, "ERROR");
        tmpl_set(item, "field", e->fields[i].name);
        tmpl_set(item, "message", e->fields[i].msg);
    }
    if (sum == NULL && e->kind != ERR_NONE) {
        sum = tmpl_section_add(d, "ERRORS");
        tmpl_set(tmpl_section_add(sum, "ERROR"), "message", e->msg);
    }
}
