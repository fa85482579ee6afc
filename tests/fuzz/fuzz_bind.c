/*
 * fuzz_bind — libFuzzer target for the JSON binder (lib/base/bind) behind
 * the app's own body reader (jsonio_parse: strict UTF-8 JSON, objects
 * only, nesting at most JSONIO_MAX_DEPTH). The first byte picks one of the
 * domain modules' real field tables; the rest is the request body. It is
 * bound as a create (F_REQ enforced) and as a partial PUT, each in a fresh
 * unit of work set up like a request's (an arena, a clear err); 'A'
 * picks printer_fields, 'B' job_fields and so on (fuzz_tables.h). Must never
 * crash or leak, and what it accepts must hold the table's rules:
 *   - a refused body is one 422 naming only the table's keys;
 *   - a bound value is in range and normalised (a colour is "#RRGGBB" upper
 *     case, an email lower case, an enum value the table's own string, a
 *     time one that formats and parses back to itself);
 *   - an absent key leaves the member alone, a null one only where F_NULL;
 *   - bind_check agrees with bind_json on every value the body gave;
 *   - what binds as a create binds as a partial PUT too.
 */
#include "base/bind.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "base/jsonio.h"
#include "base/null.h"
#include "fuzz_tables.h"

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a crash, so libFuzzer keeps the input. */
#define CHECK(cond, t, f)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_bind: %s.%s: %s\n", (t)->name,               \
                    (f) ? ((const struct field *)(f))->key : "-", #cond);      \
            abort();                                                           \
        }                                                                      \
    } while (0)

static int64_t
num(const void *out, const struct field *f)
{
    int64_t n;

    memcpy(&n, (const char *)out + f->off, sizeof n);
    return n;
}

static const char *
str(const void *out, const struct field *f)
{
    const char *s;

    memcpy(&s, (const char *)out + f->off, sizeof s);
    return s;
}

static int
field_of(const struct field *fields, const char *key)
{
    for (int i = 0; fields[i].key != NULL; i++)
        if (strcmp(fields[i].key, key) == 0)
            return i;
    return -1;
}

/* The value bind_json stored for f (present, not null) keeps f's rules. */
static void
check_value(const struct fuzz_table *t, const struct field *f, const void *out)
{
    int64_t n = num(out, f), min = f->min, max = f->max;
    const char *s = str(out, f);
    char iso[21];
    int64_t back;
    size_t chars;

    switch (f->type) {
    case F_INT:
    case F_ID:
        if (min == 0 && max == 0) {
            min = f->type == F_ID ? 1 : -2147483647;
            max = f->type == F_ID ? INT64_MAX : 2147483647;
        }
        CHECK(n != DB_NULL && n >= min && n <= max, t, f);
        return;
    case F_MONEY:
        CHECK(n >= 0 && (f->max == 0 || n <= f->max), t, f);
        return;
    case F_BOOL:
        CHECK(n == 0 || n == 1, t, f);
        return;
    case F_TIME:
        /* what the API accepts it can show again */
        clock_format(n, iso);
        CHECK(clock_parse(iso, &back) == 0 && back == n, t, f);
        return;
    default:
        break;
    }
    CHECK(s != NULL, t, f);
    switch (f->type) {
    case F_STR:
        chars = bind_chars(s);
        CHECK((int64_t)chars >= f->min &&
                  (int64_t)chars <= (f->max ? f->max : 1000),
              t, f);
        return;
    case F_COLOR:
        CHECK(strlen(s) == 7 && s[0] == '#', t, f);
        for (int i = 1; i < 7; i++)
            CHECK((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F'),
                  t, f);
        return;
    case F_EMAIL:
        CHECK(bind_valid_email(s), t, f);
        for (const char *p = s; *p; p++)
            CHECK(!(*p >= 'A' && *p <= 'Z'), t, f);
        return;
    case F_URL:
        CHECK(bind_valid_url(s), t, f);
        return;
    case F_ENUM: {
        int found = 0;

        for (const char *const *ch = f->choices; *ch != NULL; ch++)
            found |= s == *ch;
        CHECK(found, t, f);
        return;
    }
    default:
        CHECK(!"a known field type", t, f);
    }
}

/* Binds o into a fresh zeroed struct; checks what came out. Returns the
 * present mask on success, or -1. */
static int64_t
bind_one(const struct fuzz_table *t, struct json_object *o, int partial)
{
    struct arena *a = arena_new();
    struct ctx c;
    struct bound b;
    void *out = calloc(1, t->size); /* exactly sized: ASan sees overruns */
    int64_t rc;

    if (out == NULL)
        abort();
    memset(&c, 0, sizeof c);
    c.arena = a;
    err_clear(&c.err);
    if (bind_json(&c, o, t->fields, out, &b, partial) < 0) {
        CHECK(c.err.kind == ERR_VALIDATION && c.err.nfields > 0, t, NULL);
        for (int i = 0; i < c.err.nfields; i++)
            CHECK(field_of(t->fields, c.err.fields[i].name) >= 0, t, NULL);
        rc = -1;
        goto done;
    }
    CHECK(!err_is_set(&c.err), t, NULL);
    CHECK(b.fields == t->fields && (b.null & ~b.present) == 0, t, NULL);
    for (int i = 0; t->fields[i].key != NULL; i++) {
        const struct field *f = &t->fields[i];
        int present = (int)(b.present >> i & 1), null = (int)(b.null >> i & 1);

        CHECK(bind_has(&b, f->key) == present, t, f);
        CHECK(bind_is_null(&b, f->key) == null, t, f);
        if (!present) {
            CHECK((f->flags & F_REQ) == 0 || partial, t, f);
            CHECK(f->type <= F_BOOL ? num(out, f) == 0 : str(out, f) == NULL, t,
                  f);
        } else if (null) {
            CHECK(f->flags & F_NULL, t, f);
            CHECK(f->type <= F_BOOL ? num(out, f) == DB_NULL
                                    : str(out, f) == NULL,
                  t, f);
        } else {
            check_value(t, f, out);
        }
    }
    /* the same table applied by code: no complaint about a given value */
    err_clear(&c.err);
    bind_check(&c, t->fields, out);
    for (int i = 0; i < c.err.nfields; i++) {
        int k = field_of(t->fields, c.err.fields[i].name);

        CHECK(k >= 0, t, NULL);
        CHECK(!(b.present >> k & 1), t, &t->fields[k]);
    }
    rc = (int64_t)b.present;
done:
    free(out);
    arena_free(a);
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct fuzz_table *t;
    struct arena *a;
    struct ctx c;
    struct json_object *o;
    int64_t create, partial;

    if (size == 0)
        return 0;
    t = &FUZZ_TABLES[data[0] % FUZZ_NTABLES];
    a = arena_new();
    memset(&c, 0, sizeof c);
    c.arena = a;
    err_clear(&c.err);
    o = jsonio_parse(&c, (const char *)data + 1, size - 1);
    if (o == NULL) {
        CHECK(c.err.kind == ERR_BAD_JSON || c.err.kind == ERR_TOO_LARGE, t,
              NULL);
    } else {
        CHECK(!err_is_set(&c.err), t, NULL);
        create = bind_one(t, o, 0);
        partial = bind_one(t, o, 1);
        CHECK(create < 0 || partial == create, t, NULL);
    }
    arena_free(a); /* releases o */
    return 0;
}
