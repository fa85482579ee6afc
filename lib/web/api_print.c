/* /api/bambu/scheduled-prints: create, list (all, per printer), update,
 * cancel, and a printer's queue. The rules live in job.c. */
#include "web/api.h"

#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "web/api_render.h"
#include "base/arena.h"
#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "web/http.h"
#include "domain/job.h"
#include "base/jsonio.h"
#include "base/jsonw.h"
#include "domain/printer.h"
#include "web/qcache.h"

#include "base/banned.h"

/* job_fields: job.h */

static int
answer(struct req *r, int status, int64_t id)
{
    struct jsonw w;
    struct job j;

    if (job_get(r->c, id, &j) < 0 || job_costs(r->c, &j, 1) < 0)
        return -1;
    http_json_begin(r, &w);
    render_print(&w, &j, r->c->conf->currency, 0);
    return http_json_end(r, status);
}

static int
answer_list(struct req *r, const char *key, struct job *list, int n,
            int64_t first_position)
{
    struct jsonw w;

    if (job_costs(r->c, list, n) < 0)
        return -1;
    http_json_begin(r, &w);
    jsonw_obj_begin(&w);
    jsonw_key(&w, key);
    jsonw_arr_begin(&w);
    for (int i = 0; i < n; i++)
        render_print(&w, &list[i], r->c->conf->currency,
                     first_position > 0 ? first_position + i : 0);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    return http_json_end(r, 200);
}

/* ?status=a,b into f->statuses: 0, or -1 with a 422 naming status. */
static int
status_param(struct req *r, struct job_filter *f)
{
    const char *s = http_query(r, "status");

    if (s == NULL)
        return 0;
    if (job_status_mask(s, &f->statuses) < 0)
        return err_field(&r->c->err, "status",
                         "must be a comma-separated list of queued, "
                         "scheduled, started, completed, failed, cancelled");
    return 0;
}

static int
positive_param(struct req *r, const char *key, int64_t *out)
{
    const char *s = http_query(r, key);
    int64_t v = 0;

    *out = 0;
    if (s == NULL)
        return 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return err_field(&r->c->err, key, "must be a positive integer");
        v = v * 10 + (*p - '0');
    }
    if (v <= 0)
        return err_field(&r->c->err, key, "must be a positive integer");
    *out = v;
    return 0;
}

int
api_print_create(struct req *r)
{
    struct json_object *body = http_body_json(r);
    struct job j;
    struct bound b;
    int64_t id;

    job_init(&j);
    if (body == NULL || bind_json(r->c, body, job_fields, &j, &b, 0) < 0)
        return -1;
    id = job_create(r->c, &j);
    return id < 0 ? -1 : answer(r, 201, id);
}

int
api_print_list(struct req *r)
{
    struct job_filter f;
    const char *un = http_query(r, "unassigned");
    struct job *list;
    int64_t limit, offset;
    int n, rc;

    memset(&f, 0, sizeof(f));
    rc = http_list_params(r, &limit, &offset);
    rc |= status_param(r, &f);
    rc |= positive_param(r, "order_id", &f.order_id);
    if (un != NULL) {
        if (strcmp(un, "1") == 0 || strcmp(un, "true") == 0)
            f.unassigned = 1;
        else if (strcmp(un, "0") != 0 && strcmp(un, "false") != 0)
            rc = err_field(&r->c->err, "unassigned", "must be 1 or 0");
    }
    if (rc < 0 || job_list(r->c, &f, limit, offset, &list, &n) < 0)
        return -1;
    return answer_list(r, "prints", list, n, 0);
}

int
api_print_list_printer(struct req *r)
{
    struct job_filter f;
    struct job *list;
    int64_t limit, offset;
    int n, rc;

    memset(&f, 0, sizeof(f));
    f.printer_id = http_param_id(r, 0);
    if (f.printer_id == 0)
        return err_set(&r->c->err, ERR_NOT_FOUND, "no such printer");
    rc = http_list_params(r, &limit, &offset);
    rc |= status_param(r, &f);
    if (rc < 0 || job_list(r->c, &f, limit, offset, &list, &n) < 0)
        return -1;
    return answer_list(r, "prints", list, n, 0);
}

int
api_print_update(struct req *r)
{
    struct json_object *body;
    struct job j;
    struct bound b;
    int64_t id = http_param_id(r, 0);

    if (job_get(r->c, id, &j) < 0 || (body = http_body_json(r)) == NULL ||
        bind_json(r->c, body, job_fields, &j, &b, 1) < 0 ||
        job_update(r->c, &j) < 0)
        return -1;
    return answer(r, 200, id);
}

int
api_print_cancel(struct req *r)
{
    int64_t id = http_param_id(r, 0);

    if (job_cancel(r->c, id) < 0)
        return -1;
    return answer(r, 200, id);
}

/* The queue is read far more often than it changes (dashboards poll it),
 * so each worker keeps the rendered answer until the printer's
 * queue_version moves; the version and the rows come from the same read
 * transaction. */
int
api_print_queue(struct req *r)
{
    struct ctx *c = r->c;
    int64_t limit, offset, version, printer_id = http_param_id(r, 0);
    struct job *list;
    const char *key;
    int n;

    if (http_list_params(r, &limit, &offset) < 0 ||
        (version = printer_queue_version(c, printer_id)) < 0)
        return -1;
    key = arena_printf(c->arena, "queue:%lld:%lld:%lld:%lld",
                       (long long)c->user_id, (long long)printer_id,
                       (long long)limit, (long long)offset);
    buf_clear(&r->out);
    if (qcache_get(key, version, &r->out))
        return http_json_end(r, 200);
    if (job_queue(c, printer_id, limit, offset, &list, &n) < 0)
        return -1;
    if (answer_list(r, "queue", list, n, offset + 1) < 0)
        return -1;
    /* keep the body without the newline http_json_end added */
    qcache_put(key, version, r->out.data, r->out.len - 1);
    return 0;
}
