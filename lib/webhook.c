#include "webhook.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "arena.h"
#include "buf.h"

#include "banned.h"

#define SECRET_PREFIX "whsec_"
#define SECRET_PREFIX_LEN 6
#define SECRET_RAW 32
#define MAX_CONNECTIONS 16
#define DISCORD_MAX 1900 /* content limit is 2000 characters */

static const char *const format_names[WEBHOOK__MAX] = {
    [WEBHOOK_STANDARD] = "standard",
    [WEBHOOK_DISCORD] = "discord",
    [WEBHOOK_SLACK] = "slack",
};

const char *
webhook_format_name(enum webhook_format f)
{
    return f >= 0 && f < WEBHOOK__MAX ? format_names[f] : "standard";
}

int
webhook_format_parse(const char *s)
{
    if (s == NULL)
        return -1;
    for (int i = 0; i < WEBHOOK__MAX; i++)
        if (strcmp(s, format_names[i]) == 0)
            return i;
    return -1;
}

/* 1 when url's host is host (case-insensitively) and its path starts with
 * path. */
static int
url_is(const char *url, const char *host, const char *path)
{
    size_t hl = strlen(host);
    const char *p;

    if (strncmp(url, "https://", 8) == 0)
        p = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        p = url + 7;
    else
        return 0;
    if (strncasecmp(p, host, hl) != 0)
        return 0;
    p += hl;
    if (*p == ':') /* a port */
        while (*++p && *p != '/')
            ;
    return strncmp(p, path, strlen(path)) == 0;
}

enum webhook_format
webhook_format_detect(const char *url)
{
    if (url == NULL)
        return WEBHOOK_STANDARD;
    if (url_is(url, "discord.com", "/api/webhooks/") ||
        url_is(url, "discordapp.com", "/api/webhooks/") ||
        url_is(url, "ptb.discord.com", "/api/webhooks/") ||
        url_is(url, "canary.discord.com", "/api/webhooks/"))
        return WEBHOOK_DISCORD;
    if (url_is(url, "hooks.slack.com", "/"))
        return WEBHOOK_SLACK;
    return WEBHOOK_STANDARD;
}

/* ---- secrets and signatures ---------------------------------------- */

void
webhook_secret_new(char out[WEBHOOK_SECRET_LEN + 1])
{
    unsigned char raw[SECRET_RAW];
    size_t got = 0;

    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

        if (n < 0)
            abort(); /* no randomness: nothing safe to do */
        got += (size_t)n;
    }
    memcpy(out, SECRET_PREFIX, SECRET_PREFIX_LEN);
    EVP_EncodeBlock((unsigned char *)out + SECRET_PREFIX_LEN, raw,
                    sizeof(raw));
    out[WEBHOOK_SECRET_LEN] = '\0';
    OPENSSL_cleanse(raw, sizeof(raw));
}

static int
b64_char(int ch)
{
    return isalnum(ch) || ch == '+' || ch == '/';
}

/* Decodes standard base64 (padding optional) into out (cap bytes). The
 * length, or -1 when malformed or too long. */
static long
b64_decode(const char *s, unsigned char *out, size_t cap)
{
    size_t n = strlen(s), chars = 0, pad = 0;
    unsigned char *tmp;
    char *in;
    int got;

    while (chars < n && b64_char((unsigned char)s[chars]))
        chars++;
    while (chars + pad < n && s[chars + pad] == '=')
        pad++;
    if (chars + pad != n || chars == 0 || chars % 4 == 1 || pad > 2 ||
        (pad > 0 && (chars + pad) % 4 != 0))
        return -1;
    pad = (4 - chars % 4) % 4;
    in = malloc(chars + pad + 1);
    tmp = malloc((chars + pad) / 4 * 3 + 1);
    if (in == NULL || tmp == NULL) {
        free(in);
        free(tmp);
        return -1;
    }
    memcpy(in, s, chars);
    memset(in + chars, '=', pad);
    in[chars + pad] = '\0';
    got = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)(chars + pad));
    free(in);
    if (got < 0 || (size_t)got < pad || (size_t)got - pad > cap) {
        OPENSSL_cleanse(tmp, (chars + pad) / 4 * 3 + 1);
        free(tmp);
        return -1;
    }
    got -= (int)pad;
    memcpy(out, tmp, (size_t)got);
    OPENSSL_cleanse(tmp, (chars + pad) / 4 * 3 + 1);
    free(tmp);
    return got;
}

int
webhook_secret_key(const char *secret, unsigned char *key, size_t *len)
{
    long n;

    if (strncmp(secret, SECRET_PREFIX, SECRET_PREFIX_LEN) == 0) {
        n = b64_decode(secret + SECRET_PREFIX_LEN, key, WEBHOOK_KEY_MAX);
        if (n <= 0)
            return -1;
        *len = (size_t)n;
        return 0;
    }
    n = (long)strlen(secret);
    if (n > WEBHOOK_KEY_MAX)
        return -1;
    memcpy(key, secret, (size_t)n);
    *len = (size_t)n;
    return 0;
}

int
webhook_secret_valid(const char *secret)
{
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t len = 0;
    int ok;

    if (strncmp(secret, SECRET_PREFIX, SECRET_PREFIX_LEN) != 0)
        return strlen(secret) <= WEBHOOK_KEY_MAX;
    ok = webhook_secret_key(secret, key, &len) == 0 && len >= 24 && len <= 64;
    OPENSSL_cleanse(key, sizeof(key));
    return ok;
}

/* The raw 32-byte MAC of id.timestamp.body. */
static void
mac(const unsigned char *key, size_t keylen, const char *id,
    int64_t timestamp, const char *body, size_t bodylen,
    unsigned char md[32])
{
    static const unsigned char nokey[1];
    char head[96];
    size_t hl, idl = strlen(id);
    unsigned char *msg;
    unsigned int mdlen = 32;

    hl = (size_t)snprintf(head, sizeof(head), ".%lld.", (long long)timestamp);
    msg = malloc(idl + hl + bodylen + 1);
    if (msg == NULL)
        abort();
    memcpy(msg, id, idl);
    memcpy(msg + idl, head, hl);
    memcpy(msg + idl + hl, body, bodylen);
    if (HMAC(EVP_sha256(), keylen ? key : nokey, (int)keylen, msg,
             idl + hl + bodylen, md, &mdlen) == NULL)
        abort();
    free(msg);
}

void
webhook_sign(const unsigned char *key, size_t keylen, const char *id,
             int64_t timestamp, const char *body, size_t bodylen,
             char out[WEBHOOK_SIG_LEN])
{
    unsigned char md[32];

    mac(key, keylen, id, timestamp, body, bodylen, md);
    memcpy(out, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, md, sizeof(md));
    out[WEBHOOK_SIG_LEN - 1] = '\0';
}

int
webhook_verify(const unsigned char *key, size_t keylen, const char *id,
               int64_t timestamp, const char *body, size_t bodylen,
               const char *header)
{
    char want[WEBHOOK_SIG_LEN];
    const char *p = header;
    int ok = 0;

    if (header == NULL)
        return 0;
    webhook_sign(key, keylen, id, timestamp, body, bodylen, want);
    while (*p) {
        size_t n;

        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n == WEBHOOK_SIG_LEN - 1 &&
            CRYPTO_memcmp(p, want, WEBHOOK_SIG_LEN - 1) == 0)
            ok = 1;
        p += n;
    }
    return ok;
}

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

/* ---- sending ------------------------------------------------------- */

static void
global_init(void)
{
    static int done;

    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

struct transfer {
    struct webhook_req *req;
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
};

static size_t
discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ud)
{
    struct webhook_req *r = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";

    if (len > sizeof(name) - 1 &&
        strncasecmp(p, name, sizeof(name) - 1) == 0) {
        char tmp[32];
        size_t i = sizeof(name) - 1, k = 0;
        char *end;
        long long v;

        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (i < len && k < sizeof(tmp) - 1 && p[i] != '\r' && p[i] != '\n')
            tmp[k++] = p[i++];
        tmp[k] = '\0';
        v = strtoll(tmp, &end, 10);
        /* Only delta-seconds; an HTTP-date is left to the schedule. */
        if (k > 0 && *end == '\0' && v >= 0)
            r->retry_after = v;
    }
    return len;
}

static int
transfer_init(struct transfer *t, struct webhook_req *r, long timeout_s)
{
    char line[256];
    CURL *e = curl_easy_init();

    t->req = r;
    t->easy = e;
    t->headers = NULL;
    t->errbuf[0] = '\0';
    if (e == NULL)
        return -1;
    t->headers = curl_slist_append(t->headers,
                                   "Content-Type: application/json");
    snprintf(line, sizeof(line), "webhook-id: %s", r->id);
    t->headers = curl_slist_append(t->headers, line);
    snprintf(line, sizeof(line), "webhook-timestamp: %lld",
             (long long)r->timestamp);
    t->headers = curl_slist_append(t->headers, line);
    if (r->signature != NULL) {
        snprintf(line, sizeof(line), "webhook-signature: %s", r->signature);
        t->headers = curl_slist_append(t->headers, line);
    }
    t->headers = curl_slist_append(t->headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)strlen(r->body));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, WEBHOOK_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeout_s);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    return 0;
}

static int
transfer_done(struct transfer *t, CURLcode rc)
{
    struct webhook_req *r = t->req;
    long code = 0;

    if (rc == CURLE_OK) {
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        r->status = code;
        if (code >= 200 && code < 300) {
            r->error[0] = '\0';
            return 1;
        }
        snprintf(r->error, sizeof(r->error), "HTTP %ld", code);
        return 0;
    }
    r->status = 0;
    /* Truncating a long message is fine. */
    snprintf(r->error, sizeof(r->error), "%.*s", (int)sizeof(r->error) - 1,
             t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
    return 0;
}

int
webhook_post_all(struct webhook_req *reqs, size_t n, long timeout_s)
{
    struct transfer *ts;
    CURLM *m;
    int running = 0, ok = 0;
    size_t i;

    if (n == 0)
        return 0;
    global_init();
    ts = calloc(n, sizeof(*ts));
    m = curl_multi_init();
    if (ts == NULL || m == NULL)
        abort();
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      (long)MAX_CONNECTIONS);
    for (i = 0; i < n; i++) {
        reqs[i].status = 0;
        reqs[i].retry_after = -1;
        snprintf(reqs[i].error, sizeof(reqs[i].error), "no answer");
        if (transfer_init(&ts[i], &reqs[i], timeout_s) < 0 ||
            curl_multi_add_handle(m, ts[i].easy) != CURLM_OK) {
            snprintf(reqs[i].error, sizeof(reqs[i].error),
                     "could not start the request");
            if (ts[i].easy != NULL)
                curl_easy_cleanup(ts[i].easy);
            ts[i].easy = NULL;
        }
    }
    do {
        CURLMsg *msg;
        int left;

        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            struct transfer *t = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
            ok += transfer_done(t, msg->data.result);
        }
        if (running > 0 &&
            curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
            break;
    } while (running > 0);
    for (i = 0; i < n; i++) {
        if (ts[i].easy != NULL) {
            curl_multi_remove_handle(m, ts[i].easy);
            curl_easy_cleanup(ts[i].easy);
        }
        curl_slist_free_all(ts[i].headers);
    }
    curl_multi_cleanup(m);
    free(ts);
    return ok;
}
