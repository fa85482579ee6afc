#include "base/jsonw.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/null.h"
#include "base/jsonio.h"

#include "base/banned.h"

void
jsonw_init(struct jsonw *w, struct buf *b)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
}

/* Before any value: a comma in an array after the first element. */
static void
value_prefix(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->count[w->depth]++ > 0)
        buf_putc(w->b, ',');
}

static void
open_level(struct jsonw *w, char ch)
{
    value_prefix(w);
    buf_putc(w->b, ch);
    if (w->depth < JSONW_DEPTH - 1)
        w->depth++;
    w->count[w->depth] = 0;
}

static void
close_level(struct jsonw *w, char ch)
{
    buf_putc(w->b, ch);
    if (w->depth > 0)
        w->depth--;
}

void
jsonw_obj_begin(struct jsonw *w)
{
    open_level(w, '{');
}

void
jsonw_obj_end(struct jsonw *w)
{
    close_level(w, '}');
}

void
jsonw_arr_begin(struct jsonw *w)
{
    open_level(w, '[');
}

void
jsonw_arr_end(struct jsonw *w)
{
    close_level(w, ']');
}

/* Bytes that need escaping inside a JSON string. */
static int
needs_escape(unsigned char ch)
{
    return ch < 0x20 || ch == '"' || ch == '\\';
}

static void
put_string(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;

    buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        char esc[7];

        if (!needs_escape(ch))
            continue;
        buf_append(b, run, (size_t)(s - run));
        run = s + 1;
        switch (ch) {
        case '"': buf_append(b, "\\\"", 2); break;
        case '\\': buf_append(b, "\\\\", 2); break;
        case '\n': buf_append(b, "\\n", 2); break;
        case '\r': buf_append(b, "\\r", 2); break;
        case '\t': buf_append(b, "\\t", 2); break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
            buf_append(b, esc, 6);
        }
    }
    buf_append(b, run, (size_t)(s - run));
    buf_putc(b, '"');
}

void
jsonw_key(struct jsonw *w, const char *key)
{
    size_t n = strlen(key);

    /* keys are our own literals: nothing to escape */
    if (w->count[w->depth]++ > 0)
        buf_putc(w->b, ',');
    buf_putc(w->b, '"');
    buf_append(w->b, key, n);
    buf_append(w->b, "\":", 2);
    w->after_key = 1;
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
    char s[24], *p = s + sizeof(s);
    uint64_t u;

    value_prefix(w);
    if (v == DB_NULL) {
        buf_append(w->b, "null", 4);
        return;
    }
    u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        *--p = '-';
    buf_append(w->b, p, (size_t)(s + sizeof(s) - p));
}

void
jsonw_str(struct jsonw *w, const char *s)
{
    value_prefix(w);
    if (s == NULL)
        buf_append(w->b, "null", 4);
    else
        put_string(w->b, s);
}

void
jsonw_bool(struct jsonw *w, int v)
{
    value_prefix(w);
    buf_puts(w->b, v ? "true" : "false");
}

void
jsonw_time(struct jsonw *w, int64_t t)
{
    char s[21];

    value_prefix(w);
    if (t == DB_NULL) {
        buf_append(w->b, "null", 4);
        return;
    }
    clock_format(t, s);
    buf_putc(w->b, '"');
    buf_append(w->b, s, 20);
    buf_putc(w->b, '"');
}

void
jsonw_money(struct jsonw *w, int64_t cents)
{
    char s[24];

    value_prefix(w);
    if (cents == DB_NULL) {
        buf_append(w->b, "null", 4);
        return;
    }
    jsonio_format_money(cents, s);
    buf_puts(w->b, s);
}

void
jsonw_kint(struct jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    jsonw_int(w, v);
}

void
jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_str(w, s);
}

void
jsonw_kbool(struct jsonw *w, const char *key, int v)
{
    jsonw_key(w, key);
    jsonw_bool(w, v);
}

void
jsonw_ktime(struct jsonw *w, const char *key, int64_t t)
{
    jsonw_key(w, key);
    jsonw_time(w, t);
}

void
jsonw_kmoney(struct jsonw *w, const char *key, int64_t cents)
{
    jsonw_key(w, key);
    jsonw_money(w, cents);
}
