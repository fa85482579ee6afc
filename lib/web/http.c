#include "web/http.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "base/jsonio.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/outbound.h"
#include "base/str.h"

#include "base/banned.h"

/* The reason phrase of status, so the status line never contradicts its
 * code (RFC 9110; 413 and 422 keep their older, better known names); a
 * code without one is named by its class. */
static const char *
reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Entity";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 507: return "Insufficient Storage";
    }
    switch (status / 100) {
    case 1: return "Informational";
    case 2: return "Success";
    case 3: return "Redirection";
    case 4: return "Client Error";
    default: return "Server Error";
    }
}

char *
http_url_decode(struct arena *a, const char *s, size_t n, int plus)
{
    char *out = arena_alloc(a, n + 1), *o = out;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi, lo;

            if (i + 2 >= n)
                return NULL;
            hi = str_hexval((unsigned char)s[i + 1]);
            lo = str_hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return NULL;
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else if (plus && s[i] == '+') {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

const char *
http_param(struct req *r, const char *name)
{
    return r->io->param(r->io->h, name);
}

static const char *
param_copy(struct req *r, const char *name)
{
    const char *v = http_param(r, name);

    return v == NULL ? NULL : arena_strdup(r->c->arena, v);
}

/* The client's address: the peer's, unless the peer is a trusted proxy
 * (FARM_TRUSTED_PROXIES), in which case the right-most address of
 * X-Forwarded-For that is not itself a trusted proxy (what a client writes
 * there itself is further left and never believed). */
static const char *
client_addr(struct req *r, const char *peer)
{
    static struct outbound_net nets[OUTBOUND_ALLOW_MAX];
    static const struct conf *parsed;
    static int n;
    const char *xff = http_param(r, "HTTP_X_FORWARDED_FOR");
    unsigned char a[16];
    char why[160];
    size_t len;

    if (peer == NULL || r->c->conf == NULL ||
        r->c->conf->trusted_proxies[0] == '\0')
        return peer;
    if (parsed != r->c->conf) {
        n = outbound_parse_nets(r->c->conf->trusted_proxies, nets,
                                OUTBOUND_ALLOW_MAX, why, sizeof why);
        parsed = r->c->conf;
    }
    if (n <= 0 || xff == NULL || !outbound_literal(peer, a) ||
        !outbound_in_nets(nets, n, a))
        return peer;
    len = strlen(xff);
    while (len > 0) {
        size_t comma = len, start, end = len;
        char *item;

        while (comma > 0 && xff[comma - 1] != ',')
            comma--;
        start = comma;
        while (start < end && isspace((unsigned char)xff[start]))
            start++;
        while (end > start && isspace((unsigned char)xff[end - 1]))
            end--;
        item = arena_strndup(r->c->arena, xff + start, end - start);
        if (!outbound_literal(item, a))
            return peer; /* not an address: believe nothing */
        if (!outbound_in_nets(nets, n, a))
            return item;
        len = comma > 0 ? comma - 1 : 0;
    }
    return peer;
}

void
http_req_init(struct req *r, struct ctx *c, const struct http_io *io)
{
    const char *m, *uri, *q, *len;

    memset(r, 0, sizeof(*r));
    r->c = c;
    r->io = io;
    r->status = 200;
    buf_init(&r->headers, 0);
    buf_init(&r->out, 0);
    m = http_param(r, "REQUEST_METHOD");
    r->method_name = arena_strdup(c->arena, m ? m : "GET");
    r->method = strcmp(r->method_name, "GET") == 0      ? M_GET
                : strcmp(r->method_name, "HEAD") == 0   ? M_GET
                : strcmp(r->method_name, "POST") == 0   ? M_POST
                : strcmp(r->method_name, "PUT") == 0    ? M_PUT
                : strcmp(r->method_name, "DELETE") == 0 ? M_DELETE
                                                        : M_OTHER;
    /* nginx passes the decoded, normalised path as DOCUMENT_URI; a plain
     * CGI call may only have REQUEST_URI. */
    uri = http_param(r, "DOCUMENT_URI");
    if (uri != NULL && *uri) {
        r->path = arena_strdup(c->arena, uri);
    } else {
        uri = http_param(r, "REQUEST_URI");
        if (uri == NULL || *uri == '\0')
            uri = "/";
        q = strchr(uri, '?');
        r->path = http_url_decode(c->arena, uri, q ? (size_t)(q - uri) : strlen(uri),
                             0);
        if (r->path == NULL)
            r->path = "/\x01invalid"; /* matches no route: 404 */
    }
    q = param_copy(r, "QUERY_STRING");
    r->query = q ? q : "";
    r->content_type = param_copy(r, "CONTENT_TYPE");
    len = http_param(r, "CONTENT_LENGTH");
    r->content_length = -1;
    if (len != NULL && *len) {
        char *end;

        errno = 0;
        r->content_length = strtoll(len, &end, 10);
        if (errno || *end || r->content_length < 0)
            r->content_length = -1;
    }
    r->remote_addr = client_addr(r, param_copy(r, "REMOTE_ADDR"));
    if (r->remote_addr == NULL)
        r->remote_addr = "local";
}

void
http_req_release(struct req *r)
{
    buf_release(&r->headers);
    buf_release(&r->out);
}

const char *
http_query(struct req *r, const char *key)
{
    size_t klen = strlen(key);
    const char *p = r->query;

    while (*p) {
        const char *amp = strchr(p, '&');
        const char *end = amp ? amp : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));

        if ((size_t)((eq ? eq : end) - p) == klen &&
            memcmp(p, key, klen) == 0) {
            if (eq == NULL)
                return "";
            return http_url_decode(r->c->arena, eq + 1, (size_t)(end - eq - 1), 1);
        }
        p = amp ? amp + 1 : end;
    }
    return NULL;
}

int64_t
http_param_id(struct req *r, int i)
{
    const char *s;
    char *end;
    long long v;

    if (i >= r->nparams)
        return 0;
    s = r->params[i];
    if (!isdigit((unsigned char)*s))
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    return errno || *end || v <= 0 ? 0 : v;
}

static int
query_int(struct req *r, const char *key, int64_t def, int64_t min,
          int64_t max, int64_t *out)
{
    const char *v = http_query(r, key);
    char *end;
    long long n;

    *out = def;
    if (v == NULL)
        return 0;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (*v == '\0' || errno || *end || n < min || n > max)
        return err_field(&r->c->err, key,
                         "must be a whole number between %lld and %lld",
                         (long long)min, (long long)max);
    *out = n;
    return 0;
}

int
http_list_params(struct req *r, int64_t *limit, int64_t *offset)
{
    int rc = query_int(r, "limit", 100, 1, 1000, limit);

    rc |= query_int(r, "offset", 0, 0, INT32_MAX, offset);
    return rc < 0 ? -1 : 0;
}

long
http_read(struct req *r, char *p, size_t n)
{
    long got;

    if (r->content_length >= 0) {
        int64_t left = r->content_length - r->body_read;

        if (left <= 0)
            return 0;
        if ((int64_t)n > left)
            n = (size_t)left;
    }
    got = r->io->read(r->io->h, p, n);
    if (got > 0)
        r->body_read += got;
    return got;
}

int
http_content_type_is(const struct req *r, const char *type)
{
    const char *ct = r->content_type;
    size_t n = strlen(type);

    if (ct == NULL || strncasecmp(ct, type, n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static struct json_object *
body_json(struct req *r, int optional)
{
    struct ctx *c = r->c;
    int64_t limit = c->conf->body_limit;
    char *body;
    size_t len = 0;
    long got;

    if (r->content_length <= 0) {
        if (optional)
            return jsonio_own(c, json_object_new_object());
        return err_set(&c->err, ERR_BAD_JSON, "request body is empty"), NULL;
    }
    if (!http_content_type_is(r, "application/json"))
        return err_set(&c->err, ERR_MEDIA_TYPE,
                       "request body must be application/json"),
               NULL;
    if (r->content_length > limit)
        return err_set(&c->err, ERR_TOO_LARGE,
                       "request body is larger than %lld bytes",
                       (long long)limit),
               NULL;
    body = arena_alloc(c->arena, (size_t)r->content_length + 1);
    while (len < (size_t)r->content_length &&
           (got = http_read(r, body + len,
                            (size_t)r->content_length - len)) > 0)
        len += (size_t)got;
    if ((int64_t)len < r->content_length)
        return err_set(&c->err, ERR_BAD_JSON, "request body was cut short"),
               NULL;
    return jsonio_parse(c, body, len);
}

struct json_object *
http_body_json(struct req *r)
{
    return body_json(r, 0);
}

struct json_object *
http_body_json_opt(struct req *r)
{
    return body_json(r, 1);
}

void
http_header(struct req *r, const char *name, const char *value)
{
    /* a CR or LF in a name or value would end the header early and let
     * whatever follows become headers or body (response splitting): such
     * a header is never written, and the answer says so in the log */
    if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL) {
        log_error("http: header %.40s refused: CR or LF in it", name);
        return;
    }
    buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

int
http_json(struct req *r, int status, struct json_object *o)
{
    r->status = status;
    buf_clear(&r->out);
    buf_puts(&r->out, json_object_to_json_string_ext(
                          o, JSON_C_TO_STRING_PLAIN |
                                 JSON_C_TO_STRING_NOSLASHESCAPE));
    buf_putc(&r->out, '\n');
    http_header(r, "Content-Type", "application/json; charset=utf-8");
    http_header(r, "X-Content-Type-Options", "nosniff");
    return 0;
}

int
http_json_put(struct req *r, int status, struct json_object *o)
{
    http_json(r, status, o);
    json_object_put(o);
    return 0;
}

void
http_json_begin(struct req *r, struct jsonw *w)
{
    buf_clear(&r->out);
    jsonw_init(w, &r->out);
}

int
http_json_end(struct req *r, int status)
{
    r->status = status;
    buf_putc(&r->out, '\n');
    http_header(r, "Content-Type", "application/json; charset=utf-8");
    http_header(r, "X-Content-Type-Options", "nosniff");
    return 0;
}

int
http_no_content(struct req *r)
{
    r->status = 204;
    buf_clear(&r->out);
    return 0;
}

int
http_html(struct req *r, int status, const char *body, size_t len)
{
    r->status = status;
    buf_clear(&r->out);
    buf_append(&r->out, body, len);
    http_header(r, "Content-Type", "text/html; charset=utf-8");
    return 0;
}

int
http_redirect(struct req *r, const char *location)
{
    r->status = 303;
    buf_clear(&r->out);
    http_header(r, "Location", location);
    return 0;
}

void
http_fail(struct req *r)
{
    struct err *e = &r->c->err;
    struct json_object *o, *inner, *fields;

    if (e->kind == ERR_NONE)
        err_internal(e, "handler failed without saying why");
    o = json_object_new_object();
    inner = json_object_new_object();
    json_object_object_add(inner, "code",
                           json_object_new_string(err_code(e->kind)));
    json_object_object_add(inner, "message", json_object_new_string(e->msg));
    if (e->nfields > 0) {
        fields = json_object_new_object();
        for (int i = 0; i < e->nfields; i++)
            json_object_object_add(fields, e->fields[i].name,
                                   json_object_new_string(e->fields[i].msg));
        json_object_object_add(inner, "fields", fields);
    }
    json_object_object_add(o, "error", inner);
    http_json_put(r, err_http_status(e->kind), o);
}

int
http_write_response(struct req *r)
{
    struct buf head;
    int rc;

    buf_init(&head, 0);
    buf_printf(&head, "Status: %d %s\r\n", r->status, reason(r->status));
    buf_append(&head, r->headers.data, r->headers.len);
    if (r->status != 204)
        buf_printf(&head, "Content-Length: %zu\r\n", r->out.len);
    buf_puts(&head, "\r\n");
    rc = r->io->write(r->io->h, head.data, head.len);
    if (rc == 0 && r->status != 204 && r->out.len > 0 &&
        strcmp(r->method_name, "HEAD") != 0)
        rc = r->io->write(r->io->h, r->out.data, r->out.len);
    buf_release(&head);
    if (rc < 0)
        log_info("http: client went away during the response");
    return rc;
}
