/*
 * farm.fcgi — the web worker. Under spawn-fcgi (fd 0 a listening socket) it
 * serves FastCGI requests one at a time until SIGTERM; started per request
 * by a web server as plain CGI it answers that one request and exits.
 * `farm.fcgi --routes` prints the API route table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/app.h"
#include "web/fcgi.h"
#include "base/log.h"
#include "web/qcache.h"
#include "web/router.h"
#include "web/tmpl.h"

#include "base/banned.h"

/* Templates every page needs, loaded (and checked) before serving. */
static const char *const templates[] = {
    "layout_head.tpl", "layout_foot.tpl", "login.tpl", "setup.tpl",
    "printers.tpl",    "error.tpl",
    "history.tpl",     "analytics.tpl",   NULL,
};

static int
load_templates(const struct app *a)
{
    if (tmpl_init(a->conf.templates) < 0)
        return -1;
    for (const char *const *t = templates; *t; t++)
        if (tmpl_preload(*t) < 0) {
            log_error("template %s/%s: %s", a->conf.templates, *t,
                      tmpl_last_error());
            return -1;
        }
    return 0;
}

int
main(int argc, char **argv)
{
    struct app a;
    int rc;

    if (argc > 1 && strcmp(argv[1], "--routes") == 0) {
        router_print(stdout);
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: farm.fcgi [--routes]\n");
        return 2;
    }
    log_init("farm.fcgi");
    if (app_open(&a, APP_CREATE | APP_MIGRATE) < 0 || load_templates(&a) < 0) {
        if (fcgi_is_cgi()) {
            /* say so to the client rather than leave the server guessing */
            printf("Status: 500 Internal Server Error\r\n"
                   "Content-Type: application/json; charset=utf-8\r\n\r\n"
                   "{\"error\":{\"code\":\"internal\","
                   "\"message\":\"internal error\"}}\n");
        }
        return 1;
    }
    rc = fcgi_is_cgi() ? fcgi_run_cgi(&a) : fcgi_run(&a, 0);
    app_close(&a);
    qcache_release();
    tmpl_shutdown();
    return rc < 0 ? 1 : 0;
}
