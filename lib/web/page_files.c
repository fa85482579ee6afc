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
#include "domain/printfile.h"
#include "web/http.h"
#include "web/page.h"
#include "web/page_upload.h"
#include "web/pagefmt.h"
#include "web/tmpl.h"

#include "base/banned.h"

#define FILES_MAX 1000
#define NAME_RULE                                                              \
    "must be 1 to 128 characters of A-Z a-z 0-9 . _ -, not starting with a "  \
    "dot, ending in .3mf or .gcode"

/* "812 bytes", "1.4 MB", "10.0 GB": sizes as a person reads them. */
static const char *
size_text(struct arena *a, int64_t n)
{
    if (n < 1024)
        return arena_printf(a, "%lld bytes", (long long)n);
    if (n < 1024 * 1024)
        return arena_printf(a, "%.1f KB", (double)n / 1024);
    if (n < 1024 * 1024 * 1024)
        return arena_printf(a, "%.1f MB", (double)n / (1024 * 1024));
    return arena_printf(a, "%.1f GB", (double)n / (1024 * 1024 * 1024));
}

/* The page, with status, the kept name input and c->err shown when set. */
static int
files_render(struct req *r, int status, const char *name_kept)
{
    struct ctx *c = r->c;
    struct tmpl_dict *d = page_start(r, "Files", "FILES"), *table, *usage;
    struct printfile *list;
    int64_t used = 0;
    int n;

    if (d == NULL || printfile_list(c, FILES_MAX, 0, &list, &n) < 0 ||
        printfile_usage(c, NULL, &used) < 0)
        return -1;
    tmpl_set(d, "NAME_KEPT", name_kept ? name_kept : "");
    tmpl_set_int(d, "LIMIT_MB", (int)(c->conf->file_limit >> 20));
    usage = tmpl_section_add(d, "USAGE");
    tmpl_set(usage, "USED", size_text(c->arena, used));
    if (c->conf->file_quota > 0)
        tmpl_set(tmpl_section_add(usage, "QUOTA"), "QUOTA_TEXT",
                 size_text(c->arena, c->conf->file_quota));
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

/* What the upload writes to: the library file being written, and its
 * name (the "name" field, else the browser's filename) for the notice. */
struct upload {
    struct page_upload form;
    struct printfile_upload *u;
    const char *name;
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
file_begin(struct page_upload *form, const char *filename)
{
    struct upload *up = form->ud;
    struct ctx *c = form->r->c;
    const char *name = form->text_len ? form->text : NULL;

    if (name == NULL && *filename)
        name = base_name(filename);
    if (name == NULL || *name == '\0') {
        if (*filename == '\0')
            return err_field(&c->err, "file", "choose a file to upload");
        return err_field(&c->err, "name", NAME_RULE);
    }
    if (!printfile_name_ok(name))
        return err_field(&c->err, "name", "%s " NAME_RULE, name);
    up->name = arena_strdup(c->arena, name);
    up->u = printfile_begin(c, up->name);
    return up->u ? 0 : -1;
}

static int
file_data(struct page_upload *form, const char *p, size_t n)
{
    struct upload *up = form->ud;

    return printfile_write(up->u, p, n);
}

static const struct page_upload_cb upload_cb = {file_begin, file_data};

static int
upload(struct req *r, struct upload *up)
{
    struct ctx *c = r->c;
    int created = 0;

    if (page_upload_read(&up->form, c->conf->file_limit,
                         "choose a file to upload") < 0) {
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
    up.form.r = r;
    up.form.cb = &upload_cb;
    up.form.ud = &up;
    up.form.text_field = "name";
    if (upload(r, &up) == 0)
        return 0;
    kind = c->err.kind;
    /* the reasons a person can fix (or wait out) are shown on the page
     * itself */
    if (kind == ERR_VALIDATION || kind == ERR_TOO_LARGE || kind == ERR_QUOTA ||
        kind == ERR_STORAGE_FULL)
        return page_finish(r, files_render(r, err_http_status(kind),
                                           up.name ? up.name
                                           : up.form.text_len ? up.form.text
                                                              : NULL));
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
