#include "web/router.h"

#include <ctype.h>
#include <string.h>

#include "base/arena.h"
#include "web/auth.h"
#include "base/buf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "web/http.h"
#include "base/log.h"
#include "web/page.h"

#include "base/banned.h"

static const char *const method_names[] = {"GET", "POST", "PUT", "DELETE"};

/* Matches path against pattern; with a, copies the captured parameters
 * into params (room for HTTP_MAX_PARAMS) and their count into *nparams. */
static int
route_match(const char *pattern, const char *path, struct arena *a,
            const char **params, int *nparams)
{
    const char *p = pattern, *s = path;
    int n = 0;

    while (*p && *s) {
        if (*p == ':') {
            const char *pe = strchr(p, '/'), *se = strchr(s, '/');
            size_t plen = pe ? (size_t)(pe - p) : strlen(p);
            size_t slen = se ? (size_t)(se - s) : strlen(s);
            /* ":id" and ":<name>_id" take digits only */
            int digits = (plen == 3 && strncmp(p, ":id", 3) == 0) ||
                         (plen > 4 && strncmp(p + plen - 3, "_id", 3) == 0);

            if (slen == 0 || n == HTTP_MAX_PARAMS)
                return 0;
            for (size_t i = 0; digits && i < slen; i++)
                if (!isdigit((unsigned char)s[i]))
                    return 0;
            if (a != NULL)
                params[n] = s; /* terminated below */
            n++;
            p += plen;
            s += slen;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    if (*p || *s)
        return 0;
    if (a != NULL) {
        /* copy the captured segments out as separate strings */
        *nparams = n;
        for (int i = 0; i < n; i++) {
            const char *e = strchr(params[i], '/');
            size_t len = e ? (size_t)(e - params[i]) : strlen(params[i]);

            params[i] = arena_strndup(a, params[i], len);
        }
    }
    return 1;
}

const struct route *
router_match(struct arena *a, unsigned method, const char *path,
             const char **params, int *nparams, unsigned *allowed)
{
    const struct route *found = NULL;

    *allowed = 0;
    *nparams = 0;
    for (const struct route *rt = routes; rt->pattern != NULL; rt++) {
        if (!route_match(rt->pattern, path, NULL, NULL, NULL))
            continue;
        *allowed |= rt->methods;
        if (found == NULL && (rt->methods & method))
            found = rt;
    }
    if (found != NULL)
        route_match(found->pattern, path, a, params, nparams);
    return found;
}

static void
allow_header(struct req *r, unsigned methods)
{
    struct buf b;

    buf_init(&b, 256);
    for (int i = 0; i < 4; i++)
        if (methods & (1u << i))
            buf_printf(&b, "%s%s", b.len ? ", " : "", method_names[i]);
    http_header(r, "Allow", b.data);
    buf_release(&b);
}

/* Pages answer HTML error pages, the API the contract's JSON body. */
static void
fail(struct req *r)
{
    if (r->html)
        page_error(r);
    else
        http_fail(r);
}

void
router_dispatch(struct req *r)
{
    struct ctx *c = r->c;
    unsigned allowed;
    const struct route *found = router_match(c->arena, r->method, r->path,
                                             r->params, &r->nparams, &allowed);

    r->html = strncmp(r->path, "/api/", 5) != 0;
    if (found == NULL) {
        if (allowed) {
            allow_header(r, allowed);
            err_set(&c->err, ERR_METHOD, "%s is not allowed on %s",
                    r->method_name, r->path);
        } else {
            err_set(&c->err, ERR_NOT_FOUND, "no such resource");
        }
        fail(r);
        return;
    }
    /* GET handlers only read: one snapshot for the whole request */
    if (r->method == M_GET && db_begin_read(c->db) < 0) {
        err_internal(&c->err, "router: cannot begin a read transaction");
        fail(r);
        return;
    }
    if (auth_request(r, found->auth) < 0 || found->fn(r) < 0) {
        if (db_in_transaction(c->db))
            db_rollback(c->db);
        fail(r);
    }
    if (r->method == M_GET && db_in_transaction(c->db)) {
        db_commit(c->db);
    } else if (db_in_transaction(c->db)) {
        log_error("router: %s %s left a transaction open", r->method_name,
                  found->pattern);
        db_rollback(c->db);
    }
}

void
router_print(FILE *f)
{
    for (const struct route *rt = routes; rt->pattern != NULL; rt++) {
        if (strncmp(rt->pattern, "/api/", 5) != 0)
            continue;
        for (int i = 0; i < 4; i++)
            if (rt->methods & (1u << i))
                fprintf(f, "%s %s\n", method_names[i], rt->pattern);
    }
}
