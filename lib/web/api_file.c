/* /api/files: the print-file library (streamed upload, list, read, delete). */
#include "web/api.h"

#include <json-c/json.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "web/http.h"
#include "base/jsonio.h"
#include "base/null.h"
#include "domain/printfile.h"

#include "base/banned.h"

#define CHUNK (64 * 1024)

static struct json_object *
file_json(const struct printfile *f)
{
    struct json_object *o = json_object_new_object();

    jsonio_add_str(o, "name", f->name);
    jsonio_add_int(o, "size", f->size);
    jsonio_add_str(o, "sha256", f->sha256);
    jsonio_add_int(o, "plates", f->plates);
    jsonio_add_int(o, "estimated_minutes", f->estimated_minutes);
    jsonio_add_int(o, "grams", f->grams);
    jsonio_add_time(o, "created_at", f->created_at);
    jsonio_add_time(o, "updated_at", f->updated_at);
    return o;
}

int
api_file_list(struct req *r)
{
    struct printfile *list;
    struct json_object *o, *arr, *st;
    int64_t limit, offset, used = 0;
    int n;

    if (http_list_params(r, &limit, &offset) < 0 ||
        printfile_list(r->c, limit, offset, &list, &n) < 0 ||
        printfile_usage(r->c, NULL, &used) < 0)
        return -1;
    o = json_object_new_object();
    arr = json_object_new_array();
    for (int i = 0; i < n; i++)
        json_object_array_add(arr, file_json(&list[i]));
    json_object_object_add(o, "files", arr);
    /* all of the user's files, whatever page this is */
    st = json_object_new_object();
    jsonio_add_int(st, "used_bytes", used);
    jsonio_add_int(st, "quota_bytes",
                   r->c->conf->file_quota > 0 ? r->c->conf->file_quota
                                              : DB_NULL);
    json_object_object_add(o, "storage", st);
    return http_json_put(r, 200, o);
}

static int
answer(struct req *r, int status, const char *name)
{
    struct printfile f;

    if (printfile_get(r->c, name, &f) < 0)
        return -1;
    return http_json_put(r, status, file_json(&f));
}

int
api_file_get(struct req *r)
{
    return answer(r, 200, r->params[0]);
}

static int
is_octet_stream(const char *ct)
{
    size_t n = strlen("application/octet-stream");

    if (ct == NULL || strncasecmp(ct, "application/octet-stream", n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

int
api_file_put(struct req *r)
{
    struct ctx *c = r->c;
    const char *name = r->params[0];
    struct printfile_upload *u;
    char *chunk;
    long got;
    int created = 0;

    if (!printfile_name_ok(name))
        return err_field(&c->err, "name",
                         "must be 1 to 128 characters of A-Z a-z 0-9 . _ -, "
                         "not starting with a dot, ending in .3mf or .gcode");
    if (!is_octet_stream(r->content_type))
        return err_set(&c->err, ERR_MEDIA_TYPE,
                       "the file must be sent as application/octet-stream");
    if (r->content_length > c->conf->file_limit)
        return err_set(&c->err, ERR_TOO_LARGE, "file is larger than %lld bytes",
                       (long long)c->conf->file_limit);
    if (r->content_length == 0)
        return err_field(&c->err, "body", "must not be empty");
    if ((u = printfile_begin(c, name)) == NULL ||
        (r->content_length > 0 && printfile_expect(u, r->content_length) < 0))
        return -1;
    chunk = arena_alloc(c->arena, CHUNK);
    while ((got = http_read(r, chunk, CHUNK)) > 0)
        if (printfile_write(u, chunk, (size_t)got) < 0) {
            printfile_abort(u);
            return -1;
        }
    if (got < 0 ||
        (r->content_length >= 0 && r->body_read < r->content_length)) {
        printfile_abort(u);
        return err_set(&c->err, ERR_BAD_JSON, "request body was cut short");
    }
    if (r->body_read == 0) {
        printfile_abort(u);
        return err_field(&c->err, "body", "must not be empty");
    }
    if (printfile_commit(u, &created) < 0)
        return -1;
    return answer(r, created ? 201 : 200, name);
}

int
api_file_delete(struct req *r)
{
    if (printfile_delete(r->c, r->params[0]) < 0)
        return -1;
    return http_no_content(r);
}
