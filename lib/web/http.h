/*
 * http — one request and its response, independent of how they travel
 * (FastCGI, plain CGI, or a test). The transport fills the request through
 * struct http_io; handlers read parameters and the body through the
 * functions here and build a buffered response, which the transport writes
 * with http_write_response(). Domain code never includes this header.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct arena;
struct ctx;
struct json_object;
struct jsonw;

enum http_method {
    M_GET = 1,
    M_POST = 2,
    M_PUT = 4,
    M_DELETE = 8,
    M_OTHER = 16,
};

/* How a transport reads the request and writes the response. */
struct http_io {
    void *h;
    const char *(*param)(void *h, const char *name); /* CGI variable */
    long (*read)(void *h, char *p, size_t n);        /* body; 0 at end */
    int (*write)(void *h, const char *p, size_t n);  /* 0 or -1 */
};

#define HTTP_MAX_PARAMS 4

struct req {
    struct ctx *c;
    const struct http_io *io;
    enum http_method method;
    const char *method_name;
    const char *path;  /* decoded, without the query */
    const char *query; /* raw, "" when none */
    const char *content_type;
    int64_t content_length; /* -1 when not given */
    const char *remote_addr;
    const char *params[HTTP_MAX_PARAMS]; /* :id / :name segments */
    int nparams;
    int html;             /* answering a page, not the API */
    const char *csrf;     /* the cookie session's CSRF token, if any */
    int cache_page;       /* page_render keeps the answer (pagecache) */
    int64_t cache_version; /* the data version it was read at */
    int64_t body_read;    /* bytes consumed from io->read */

    int status;
    struct buf headers; /* "Name: value\r\n" lines */
    struct buf out;
};

/* Fills r from the transport's CGI variables; the arena holds the copies. */
void http_req_init(struct req *r, struct ctx *c, const struct http_io *io);
void http_req_release(struct req *r);

/* A request header by its CGI name ("HTTP_AUTHORIZATION"), or NULL. */
const char *http_param(struct req *r, const char *name);

/* Percent-decodes s[0..n) into the arena; '+' is a space when plus. A NUL
 * byte or a bad escape makes the whole value invalid (NULL). */
char *http_url_decode(struct arena *a, const char *s, size_t n, int plus);

/* A decoded query-string value (arena copy), or NULL when absent. */
const char *http_query(struct req *r, const char *key);

/* 1 when the request's Content-Type is type (any case), bare or with
 * parameters ("application/json; charset=utf-8"). */
int http_content_type_is(const struct req *r, const char *type);

/* The path parameter i as a positive id, or 0 when it is not one. */
int64_t http_param_id(struct req *r, int i);

/* limit (default 100, 1..1000) and offset (>= 0) from the query; -1 with a
 * 422 naming the parameter. */
int http_list_params(struct req *r, int64_t *limit, int64_t *offset);

/* Reads the JSON body: 415 for another content type, 413 past the body
 * limit, 400 for bad JSON. The object lives until the arena resets. */
struct json_object *http_body_json(struct req *r);
/* The same, but an absent body reads as {}. */
struct json_object *http_body_json_opt(struct req *r);

/* Reads up to n body bytes (never past Content-Length); 0 at the end, -1 on
 * a transport error. For streaming uploads. */
long http_read(struct req *r, char *p, size_t n);

void http_header(struct req *r, const char *name, const char *value);

/* Sets a JSON response (serialises o, which the caller still owns). */
int http_json(struct req *r, int status, struct json_object *o);
/* Takes ownership of o and answers it. */
int http_json_put(struct req *r, int status, struct json_object *o);
int http_no_content(struct req *r);
/* Streaming JSON: http_json_begin points w at an empty response body;
 * http_json_end sets the status and content type. */
void http_json_begin(struct req *r, struct jsonw *w);
int http_json_end(struct req *r, int status);
int http_html(struct req *r, int status, const char *body, size_t len);
int http_redirect(struct req *r, const char *location);

/* Renders c->err as the contract's error body (or a page for HTML). */
void http_fail(struct req *r);

/* Writes status, headers and body through the transport. */
int http_write_response(struct req *r);

#endif
