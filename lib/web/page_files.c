/*
 * The file library page (/files): the user's sliced files with size and
 * upload time, an upload form and a delete with confirmation. The upload
 * is multipart/form-data streamed to disk through the same printfile
 * functions, name rules and size limit as PUT /api/files/<name>; the form
 * sends its csrf field first, so a forged upload is refused before a byte
 * of the file is written.
 */
#include "web/api.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "base/secret.h"
#include "domain/printfile.h"
#include "web/http.h"
#include "web/multipart.h"
#include "web/page.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define FILES_MAX 1000
#define CHUNK (64 * 1024)
/* Room for the form's other parts and the part headers around the file. */
#define UPLOAD_SLACK (64 * 1024)
#define TEXT_MAX 160 /* bytes of a text part (csrf, name) */
#define NAME_RULE                                                              \
    "must be 1 to 128 characters of A-Z a-z 0-9 . _ -, not starting with a "  \
    "dot, ending in .3mf or .gcode"

/* "812 bytes", "1.4 MB": sizes as a person reads them. */
static const char *
size_text(struct arena *a, int64_t n)
{
    if (n < 1024)
        return arena_printf(a, "%lld bytes", (long long)n);
    if (n < 1024 * 1024)
        return arena_printf(a, "%.1f KB", (double)n / 1024);
    return arena_printf(a, "%.1f MB", (double)n / (1024 * 1024));
}

/* The page, with status, the kept name input and c->err shown when set. */
static int
files_render(struct req *r, int status, const char *name_kept)
{
    struct ctx *c = r->c;
    struct tmpl_dict *d = page_start(r, "Files", "FILES"), *table;
    struct printfile *list;
    int n;

    if (d == NULL || printfile_list(c, FILES_MAX, 0, &list, &n) < 0)
        return -1;
    tmpl_set(d, "NAME_KEPT", name_kept ? name_kept : "");
    tmpl_set_int(d, "LIMIT_MB", (int)(c->conf->file_limit >> 20));
    for (int i = 0; i < c->err.nfields; i++)
        tmpl_set(tmpl_section_add(d, strcmp(c->err.fields[i].name, "name") == 0
                                         ? "NAME_ERROR"
                                         : "FILE_ERROR"),
                 "msg", c->err.fields[i].msg);
    if (c->err.kind != ERR_NONE && c->err.nfields == 0)
        tmpl_set(tmpl_section_add(d, "ALERT"), "MESSAGE", c->err.msg);
    if (n == 0)
        tmpl_show(d, "EMPTY");
    table = n > 0 ? tmpl_section_add(d, "TABLE") : NULL;
    for (int i = 0; i < n; i++) {
        struct tmpl_dict *row = tmpl_section_add(table, "FILE");

        tmpl_set(row, "NAME", list[i].name);
        tmpl_set(row, "SIZE", size_text(c->arena, list[i].size));
        tmpl_set_int(row, "N", i);
        pagefmt_time(c->arena, row, "UPLOADED", list[i].updated_at);
    }
    return page_render(r, status, "files.tpl", d);
}

int
page_files(struct req *r)
{
    if (r->c->user_id == 0)
        return page_redirect(r, "/login");
    return page_finish(r, files_render(r, 200, NULL));
}

/* --- the upload -------------------------------------------------------- */

enum part { P_NONE, P_CSRF, P_NAME, P_FILE, P_SKIP };

struct upload {
    struct req *r;
    enum part part;
    char csrf[TEXT_MAX + 1], name[TEXT_MAX + 1];
    size_t csrf_len, name_len;
    int csrf_ok, have_file;
    struct printfile_upload *u;
};

/* The last path segment of a browser's filename (old browsers send a
 * whole Windows path). */
static const char *
base_name(const char *s)
{
    const char *slash = strrchr(s, '/'), *back = strrchr(s, '\\');

    if (back != NULL && (slash == NULL || back > slash))
        slash = back;
    return slash ? slash + 1 : s;
}

static int
file_begin(struct upload *up, const struct multipart_part *p)
{
    struct ctx *c = up->r->c;
    const char *name = up->name_len ? up->name : NULL;

    if (!up->csrf_ok) /* refused before anything reaches the disk */
        return err_set(&c->err, ERR_CSRF,
                       "This form has expired or did not come from this "
                       "site. Go back, reload the page and try again.");
    if (name == NULL && p->filename != NULL && *p->filename)
        name = base_name(p->filename);
    if (name == NULL || *name == '\0') {
        if (p->filename == NULL || *p->filename == '\0')
            return err_field(&c->err, "file", "choose a file to upload");
        return err_field(&c->err, "name", NAME_RULE);
    }
    if (!printfile_name_ok(name))
        return err_field(&c->err, "name", "%s " NAME_RULE, name);
    if (name != up->name) { /* the filename's: kept for the notice */
        snprintf(up->name, sizeof up->name, "%s", name);
        up->name_len = strlen(up->name);
    }
    up->u = printfile_begin(c, up->name);
    up->have_file = up->u != NULL;
    return up->u ? 0 : -1;
}

static int
on_begin(void *ud, const struct multipart_part *p)
{
    struct upload *up = ud;

    up->part = P_SKIP;
    if (strcmp(p->name, PAGE_CSRF_FIELD) == 0)
        up->part = P_CSRF;
    else if (strcmp(p->name, "name") == 0)
        up->part = P_NAME;
    else if (strcmp(p->name, "file") == 0) {
        up->part = P_FILE;
        if (up->have_file)
            return err_field(&up->r->c->err, "file", "send one file at a time");
        return file_begin(up, p);
    }
    return 0;
}

static int
text_add(struct upload *up, char *dst, size_t *len, const char *p, size_t n)
{
    if (*len + n > TEXT_MAX)
        return err_field(&up->r->c->err, up->part == P_NAME ? "name" : "csrf",
                         "is too long");
    memcpy(dst + *len, p, n);
    *len += n;
    dst[*len] = '\0';
    return 0;
}

static int
on_data(void *ud, const char *p, size_t n)
{
    struct upload *up = ud;

    switch (up->part) {
    case P_CSRF:
        return text_add(up, up->csrf, &up->csrf_len, p, n);
    case P_NAME:
        return text_add(up, up->name, &up->name_len, p, n);
    case P_FILE:
        return printfile_write(up->u, p, n);
    default:
        return 0;
    }
}

static int
on_end(void *ud)
{
    struct upload *up = ud;
    struct req *r = up->r;

    if (up->part == P_CSRF)
        up->csrf_ok = r->csrf != NULL && up->csrf_len > 0 &&
                      secret_equal(up->csrf, r->csrf);
    up->part = P_NONE;
    return 0;
}

static const struct multipart_cb upload_cb = {on_begin, on_data, on_end};

/* Feeds the body to the parser; 0, or -1 with c->err set. */
static int
upload_stream(struct req *r, struct upload *up, const char *boundary)
{
    struct ctx *c = r->c;
    struct multipart *m = multipart_new(c->arena, boundary, &upload_cb, up);
    char *chunk = arena_alloc(c->arena, CHUNK);
    long got;

    while ((got = http_read(r, chunk, CHUNK)) > 0)
        if (multipart_feed(m, chunk, (size_t)got) < 0)
            break;
    if (err_is_set(&c->err))
        return -1;
    if (got < 0 || multipart_finish(m) < 0)
        return err_set(&c->err, ERR_BAD_JSON,
                       "The upload was cut short or malformed; try again.");
    if (!up->csrf_ok)
        return err_set(&c->err, ERR_CSRF,
                       "This form has expired or did not come from this "
                       "site. Go back, reload the page and try again.");
    if (!up->have_file)
        return err_field(&c->err, "file", "choose a file to upload");
    return 0;
}

static int
upload(struct req *r, struct upload *up)
{
    struct ctx *c = r->c;
    const char *boundary = multipart_boundary(c->arena, r->content_type);
    int created = 0;

    if (c->user_id == 0)
        return err_set(&c->err, ERR_CSRF, "Sign in first.");
    if (boundary == NULL)
        return err_set(&c->err, ERR_MEDIA_TYPE,
                       "The upload must be sent as multipart/form-data.");
    if (r->content_length > c->conf->file_limit + UPLOAD_SLACK)
        return err_set(&c->err, ERR_TOO_LARGE, "file is larger than %lld bytes",
                       (long long)c->conf->file_limit);
    if (upload_stream(r, up, boundary) < 0) {
        if (up->u != NULL)
            printfile_abort(up->u);
        return -1;
    }
    if (printfile_commit(up->u, &created) < 0)
        return -1;
    return page_redirect_notice(
        r, "/files",
        arena_printf(c->arena, "%s %s", up->name,
                     created ? "uploaded" : "replaced"));
}

int
page_files_upload(struct req *r)
{
    struct ctx *c = r->c;
    struct upload up;
    int kind;

    memset(&up, 0, sizeof up);
    up.r = r;
    if (upload(r, &up) == 0)
        return 0;
    kind = c->err.kind;
    /* the reasons a person can fix are shown on the page itself */
    if (kind == ERR_VALIDATION || kind == ERR_TOO_LARGE)
        return page_finish(r, files_render(r, err_http_status(kind),
                                           up.name_len ? up.name : NULL));
    return page_finish(r, -1);
}

int
page_files_delete(struct req *r)
{
    struct ctx *c = r->c;
    struct page_form f;
    const char *name = r->params[0];

    if (page_session_form(r, &f) < 0)
        return page_finish(r, -1);
    if (printfile_delete(c, name) < 0)
        return page_finish(r, c->err.kind == ERR_CONFLICT
                                  ? files_render(r, 409, NULL)
                                  : -1);
    return page_redirect_notice(r, "/files",
                                arena_printf(c->arena, "%s deleted", name));
}
