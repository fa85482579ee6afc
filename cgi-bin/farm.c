/*
 * farm.fcgi — the web worker. Under spawn-fcgi (fd 0 a listening socket) it
 * serves FastCGI requests one at a time until SIGTERM; started per request
 * by a web server as plain CGI it answers that one request and exits.
 * `farm.fcgi --routes` prints the API route table.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "domain/printfile.h"
#include "domain/reseal.h"
#include "store/app.h"
#include "web/fcgi.h"
#include "base/log.h"
#include "web/pagecache.h"
#include "web/qcache.h"
#include "web/router.h"
#include "web/tmpl.h"

#include "base/banned.h"

/* 1 when name ends in ".tpl". */
static int
is_template(const char *name)
{
    size_t n = strlen(name);

    return n > 4 && strcmp(name + n - 4, ".tpl") == 0;
}

/* Every template of the directory, loaded (and its auto-escaping checked)
 * before serving, so a broken one stops the worker at start rather than
 * failing a page later. */
static int
load_templates(const struct app *a)
{
    DIR *dir;
    struct dirent *e;
    int rc = 0;

    if (tmpl_init(a->conf.templates) < 0 ||
        (dir = opendir(a->conf.templates)) == NULL) {
        log_error("templates %s: cannot open", a->conf.templates);
        return -1;
    }
    while (rc == 0 && (e = readdir(dir)) != NULL)
        if (is_template(e->d_name) && tmpl_preload(e->d_name) < 0) {
            log_error("template %s/%s: %s", a->conf.templates, e->d_name,
                      tmpl_last_error());
            rc = -1;
        }
    closedir(dir);
    return rc;
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
    if (app_open(&a, APP_CREATE | APP_MIGRATE) < 0 || reseal_start(&a) < 0 ||
        load_templates(&a) < 0) {
        if (fcgi_is_cgi()) {
            /* say so to the client rather than leave the server guessing */
            printf("Status: 500 Internal Server Error\r\n"
                   "Content-Type: application/json; charset=utf-8\r\n\r\n"
                   "{\"error\":{\"code\":\"internal\","
                   "\"message\":\"internal error\"}}\n");
        }
        return 1;
    }
    if (!fcgi_is_cgi()) {
        struct ctx c;

        /* what a worker killed in the middle of an upload left behind
         * (a plain CGI run per request leaves this to farmctl migrate) */
        app_begin(&a, &c);
        printfile_sweep(&c, PRINTFILE_STALE_S);
    }
    rc = fcgi_is_cgi() ? fcgi_run_cgi(&a) : fcgi_run(&a, 0);
    app_close(&a);
    qcache_release();
    pagecache_release();
    tmpl_shutdown();
    return rc < 0 ? 1 : 0;
}
