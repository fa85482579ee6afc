#include "notify/webhook_text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"

#include "base/banned.h"

#define DISCORD_MAX 1900 /* content limit is 2000 characters */

/* ---- events -------------------------------------------------------- */

static const char *
jstr(struct arena *a, struct json_object *o, const char *key)
{
    struct json_object *v;

    if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return arena_strdup(a, json_object_get_string(v));
}

static int64_t
jint(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_int))
        return -1;
    return json_object_get_int64(v);
}

static struct json_object *
jobj(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_object))
        return NULL;
    return v;
}

int
webhook_event_parse(struct arena *a, const char *payload,
                    struct webhook_event *ev)
{
    struct json_object *o, *p, *j;

    memset(ev, 0, sizeof(*ev));
    ev->printer_id = ev->print_id = ev->order_id = -1;
    if (payload == NULL)
        return -1;
    o = json_tokener_parse(payload);
    if (o == NULL || !json_object_is_type(o, json_type_object) ||
        (ev->kind = jstr(a, o, "event")) == NULL) {
        json_object_put(o);
        return -1;
    }
    p = jobj(o, "printer");
    ev->printer_id = jint(p, "id");
    ev->printer_name = jstr(a, p, "name");
    ev->printer_serial = jstr(a, p, "serial");
    ev->printer_model = jstr(a, p, "model");
    j = jobj(o, "print");
    if (j != NULL) {
        ev->print_id = jint(j, "id");
        ev->print_name = jstr(a, j, "name");
        ev->print_status = jstr(a, j, "status");
        ev->print_file = jstr(a, j, "file");
        ev->order_id = jint(j, "order_id");
    }
    ev->detail = jstr(a, o, "detail");
    ev->occurred_at = jstr(a, o, "occurred_at");
    json_object_put(o);
    return 0;
}

char *
webhook_event_type(struct arena *a, const struct webhook_event *ev)
{
    char *t = arena_strdup(a, ev->kind ? ev->kind : "event");
    char *u = strchr(t, '_');

    if (u != NULL)
        *u = '.';
    return t;
}

/* Titles by kind; %s is the printer's name. */
static const struct {
    const char *kind, *fmt;
} titles[] = {
    {"print_started", "Print started on %s"},
    {"print_completed", "Print completed on %s"},
    {"print_failed", "Print failed on %s"},
    {"print_cancelled", "Print cancelled on %s"},
    {"print_start_refused", "Print could not start on %s"},
    {"material_changed", "Material changed on %s"},
    {"material_low", "Material low on %s"},
    {"maintenance_due", "Maintenance due on %s"},
    {"printer_offline", "%s is offline"},
    {"printer_online", "%s is back online"},
    {"printer_untrusted", "%s presented an untrusted certificate"},
    {"printer_auth_failed", "%s refused our access code"},
    {"printer_needs_developer_mode", "%s needs Developer Mode"},
    {"test", "Test notification for %s"},
};

/* s with control characters (CR, LF, tabs, DEL) as spaces. Arena. */
static char *
one_line(struct arena *a, const char *s)
{
    char *t = arena_strdup(a, s ? s : "");

    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return t;
}

char *
webhook_event_title(struct arena *a, const struct webhook_event *ev)
{
    const char *name = ev->printer_name;
    const char *kind = ev->kind ? ev->kind : "event";
    char *t, *p;

    if (name == NULL || *name == '\0')
        name = ev->printer_serial ? ev->printer_serial : "a printer";
    name = one_line(a, name);
    for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
        if (strcmp(titles[i].kind, kind) == 0) {
            /* The format strings are ours; the name is only an argument. */
            if (strncmp(titles[i].fmt, "%s", 2) == 0)
                return arena_printf(a, "%s%s", name, titles[i].fmt + 2);
            return arena_printf(a, "%.*s%s",
                                (int)(strlen(titles[i].fmt) - 2),
                                titles[i].fmt, name);
        }
    /* An unknown kind: "some_kind" -> "Some kind on P1S-02". */
    t = one_line(a, kind);
    for (p = t; *p; p++)
        if (*p == '_')
            *p = ' ';
    if (t[0] >= 'a' && t[0] <= 'z')
        t[0] = (char)(t[0] - 'a' + 'A');
    return arena_printf(a, "%s on %s", t, name);
}

char *
webhook_event_subject(struct arena *a, const struct webhook_event *ev)
{
    char *title = webhook_event_title(a, ev);

    if (ev->detail == NULL || ev->detail[0] == '\0')
        return title;
    return arena_printf(a, "%s: %s", title, one_line(a, ev->detail));
}

char *
webhook_event_text(struct arena *a, const struct webhook_event *ev)
{
    struct buf b;
    char *out;

    buf_init(&b, 0);
    buf_printf(&b, "%s\n\n", webhook_event_subject(a, ev));
    buf_printf(&b, "Printer: %s", one_line(a, ev->printer_name));
    if (ev->printer_model != NULL || ev->printer_serial != NULL)
        buf_printf(&b, " (%s%s%s)", one_line(a, ev->printer_model),
                   ev->printer_model && ev->printer_serial ? ", " : "",
                   one_line(a, ev->printer_serial));
    buf_puts(&b, "\n");
    if (ev->print_id >= 0) {
        buf_printf(&b, "Print: #%lld", (long long)ev->print_id);
        if (ev->print_name != NULL)
            buf_printf(&b, " %s", one_line(a, ev->print_name));
        if (ev->print_file != NULL)
            buf_printf(&b, " (file %s)", one_line(a, ev->print_file));
        if (ev->print_status != NULL)
            buf_printf(&b, ", %s", one_line(a, ev->print_status));
        buf_puts(&b, "\n");
    }
    if (ev->order_id >= 0)
        buf_printf(&b, "Order: #%lld\n", (long long)ev->order_id);
    if (ev->occurred_at != NULL)
        buf_printf(&b, "When: %s\n", one_line(a, ev->occurred_at));
    out = arena_strdup(a, b.data);
    buf_release(&b);
    return out;
}

/* ---- bodies -------------------------------------------------------- */

static void
add(struct json_object *to, const char *key, struct json_object *from)
{
    struct json_object *v = NULL;

    if (from != NULL && json_object_object_get_ex(from, key, &v))
        json_object_get(v);
    json_object_object_add(to, key, v);
}

static char *
to_text(struct arena *a, struct json_object *o)
{
    char *s = arena_strdup(
        a, json_object_to_json_string_ext(
               o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));

    json_object_put(o);
    return s;
}

static char *
body_standard(struct arena *a, const struct webhook_event *ev,
              const char *payload)
{
    struct json_object *in = json_tokener_parse(payload);
    struct json_object *o = json_object_new_object();
    struct json_object *d = json_object_new_object();
    struct json_object *order = NULL;

    json_object_object_add(o, "type", json_object_new_string(
                                          webhook_event_type(a, ev)));
    json_object_object_add(
        o, "timestamp",
        ev->occurred_at ? json_object_new_string(ev->occurred_at) : NULL);
    add(d, "event", in);
    add(d, "printer", in);
    add(d, "print", in);
    if (ev->order_id >= 0) {
        order = json_object_new_object();
        json_object_object_add(order, "id",
                               json_object_new_int64(ev->order_id));
    }
    json_object_object_add(d, "order", order);
    add(d, "detail", in);
    add(d, "occurred_at", in);
    json_object_object_add(o, "data", d);
    json_object_put(in);
    return to_text(a, o);
}

/* Slack's mrkdwn needs &, < and > escaped. */
static char *
slack_escape(struct arena *a, const char *s)
{
    struct buf b;
    char *out;

    buf_init(&b, 0);
    for (; *s; s++) {
        if (*s == '&')
            buf_puts(&b, "&amp;");
        else if (*s == '<')
            buf_puts(&b, "&lt;");
        else if (*s == '>')
            buf_puts(&b, "&gt;");
        else
            buf_putc(&b, *s);
    }
    out = arena_strdup(a, b.data);
    buf_release(&b);
    return out;
}

/* s cut to at most max bytes on a UTF-8 character boundary. */
static char *
cut_utf8(struct arena *a, const char *s, size_t max)
{
    size_t n = strlen(s);

    if (n <= max)
        return arena_strdup(a, s);
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return arena_printf(a, "%.*s…", (int)max, s);
}

/* The text after the subject line of webhook_event_text. */
static const char *
text_rest(const char *text)
{
    const char *p = strstr(text, "\n\n");

    return p ? p + 2 : "";
}

char *
webhook_body(struct arena *a, enum webhook_format f, const char *payload)
{
    struct webhook_event ev;
    struct json_object *o;
    const char *text;

    if (webhook_event_parse(a, payload, &ev) < 0)
        return NULL;
    if (f == WEBHOOK_STANDARD)
        return body_standard(a, &ev, payload);
    text = text_rest(webhook_event_text(a, &ev));
    o = json_object_new_object();
    if (f == WEBHOOK_DISCORD) {
        struct json_object *am = json_object_new_object();
        char *s = arena_printf(a, "**%s**\n%s",
                               webhook_event_subject(a, &ev), text);

        json_object_object_add(o, "content", json_object_new_string(
                                                 cut_utf8(a, s, DISCORD_MAX)));
        /* A printer named "@everyone" must not ping a whole server. */
        json_object_object_add(am, "parse", json_object_new_array());
        json_object_object_add(o, "allowed_mentions", am);
    } else {
        char *s = arena_printf(
            a, "*%s*\n%s", slack_escape(a, webhook_event_subject(a, &ev)),
            slack_escape(a, text));

        json_object_object_add(o, "text", json_object_new_string(s));
    }
    return to_text(a, o);
}
