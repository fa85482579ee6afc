#include "web/page_upload.h"

#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/secret.h"
#include "web/http.h"
#include "web/multipart.h"
#include "web/page.h"

#include "base/banned.h"

#define CHUNK (64 * 1024)
#define SLACK (64 * 1024) /* the text parts and the part headers */

enum part { P_NONE, P_CSRF, P_TEXT, P_FILE, P_SKIP };

static int
expired(struct ctx *c)
{
    return err_set(&c->err, ERR_CSRF,
                   "This form has expired or did not come from this "
                   "site. Go back, reload the page and try again.");
}

static int
file_begin(struct page_upload *u, const struct multipart_part *p)
{
    int rc;

    if (!u->csrf_ok) /* refused before a byte is read */
        return expired(u->r->c);
    if (u->have_file)
        return err_field(&u->r->c->err, "file", "send one file at a time");
    rc = u->cb->begin(u, p->filename ? p->filename : "");
    if (rc < 0)
        return -1;
    u->have_file = rc == 0;
    u->part = rc == 0 ? P_FILE : P_SKIP;
    return 0;
}

static int
on_begin(void *ud, const struct multipart_part *p)
{
    struct page_upload *u = ud;

    u->part = P_SKIP;
    if (strcmp(p->name, PAGE_CSRF_FIELD) == 0)
        u->part = P_CSRF;
    else if (u->text_field && strcmp(p->name, u->text_field) == 0)
        u->part = P_TEXT;
    else if (strcmp(p->name, "file") == 0)
        return file_begin(u, p);
    return 0;
}

static int
text_add(struct page_upload *u, const char *key, char *dst, size_t *len,
         const char *p, size_t n)
{
    if (*len + n > PAGE_UPLOAD_TEXT_MAX)
        return err_field(&u->r->c->err, key, "is too long");
    memcpy(dst + *len, p, n);
    *len += n;
    dst[*len] = '\0';
    return 0;
}

static int
on_data(void *ud, const char *p, size_t n)
{
    struct page_upload *u = ud;

    switch (u->part) {
    case P_CSRF:
        return text_add(u, PAGE_CSRF_FIELD, u->csrf, &u->csrf_len, p, n);
    case P_TEXT:
        return text_add(u, u->text_field, u->text, &u->text_len, p, n);
    case P_FILE:
        return u->cb->data(u, p, n);
    default:
        return 0;
    }
}

static int
on_end(void *ud)
{
    struct page_upload *u = ud;
    struct req *r = u->r;

    if (u->part == P_CSRF)
        u->csrf_ok = r->csrf != NULL && u->csrf_len > 0 &&
                     secret_equal(u->csrf, r->csrf);
    u->part = P_NONE;
    return 0;
}

static const struct multipart_cb upload_cb = {on_begin, on_data, on_end};

int
page_upload_read(struct page_upload *u, int64_t max_file, const char *missing)
{
    struct req *r = u->r;
    struct ctx *c = r->c;
    const char *boundary = multipart_boundary(c->arena, r->content_type);
    struct multipart *m;
    char *chunk;
    long got;

    if (c->user_id == 0)
        return err_set(&c->err, ERR_CSRF, "Sign in first.");
    if (boundary == NULL)
        return err_set(&c->err, ERR_MEDIA_TYPE,
                       "The upload must be sent as multipart/form-data.");
    if (r->content_length > max_file + SLACK)
        return err_set(&c->err, ERR_TOO_LARGE,
                       "The file is larger than %lld bytes.",
                       (long long)max_file);
    m = multipart_new(c->arena, boundary, &upload_cb, u);
    chunk = arena_alloc(c->arena, CHUNK);
    while ((got = http_read(r, chunk, CHUNK)) > 0)
        if (multipart_feed(m, chunk, (size_t)got) < 0)
            break;
    if (err_is_set(&c->err))
        return -1;
    if (got < 0 || multipart_finish(m) < 0)
        return err_set(&c->err, ERR_BAD_JSON,
                       "The upload was cut short or malformed; try again.");
    if (!u->csrf_ok)
        return expired(c);
    if (!u->have_file)
        return err_field(&c->err, "file", "%s", missing);
    return 0;
}
