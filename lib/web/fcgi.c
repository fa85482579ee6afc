#include "web/fcgi.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/app.h"
#include "base/ctx.h"
#include "web/http.h"
#include "base/log.h"
#include "web/router.h"

#include "base/banned.h"

static const char *
fcgx_param(void *h, const char *name)
{
    return FCGX_GetParam(name, ((FCGX_Request *)h)->envp);
}

static long
fcgx_read(void *h, char *p, size_t n)
{
    int chunk = n > 65536 ? 65536 : (int)n;

    return FCGX_GetStr(p, chunk, ((FCGX_Request *)h)->in);
}

static int
fcgx_write(void *h, const char *p, size_t n)
{
    FCGX_Stream *out = ((FCGX_Request *)h)->out;

    while (n > 0) {
        int chunk = n > 65536 ? 65536 : (int)n;

        if (FCGX_PutStr(p, chunk, out) != chunk)
            return -1;
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

static const char *
cgi_param(void *h, const char *name)
{
    (void)h;
    return getenv(name);
}

static long
cgi_read(void *h, char *p, size_t n)
{
    size_t got = fread(p, 1, n, stdin);

    (void)h;
    return got == 0 && ferror(stdin) ? -1 : (long)got;
}

static int
cgi_write(void *h, const char *p, size_t n)
{
    (void)h;
    return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

static int
serve(struct app *a, const struct http_io *io)
{
    struct ctx c;
    struct req r;
    int rc;

    app_begin(a, &c);
    http_req_init(&r, &c, io);
    router_dispatch(&r);
    rc = http_write_response(&r);
    http_req_release(&r);
    app_begin(a, &c); /* release the request's memory now, not later */
    return rc;
}

int
fcgi_is_cgi(void)
{
    return FCGX_IsCGI();
}

int
fcgi_run(struct app *a, long max_requests)
{
    FCGX_Request req;
    struct http_io io = {&req, fcgx_param, fcgx_read, fcgx_write};
    long served = 0;
    int rc;

    if (FCGX_Init() != 0) {
        log_error("fcgi: FCGX_Init failed");
        return -1;
    }
    FCGX_InitRequest(&req, 0, FCGI_FAIL_ACCEPT_ON_INTR);
    while ((rc = FCGX_Accept_r(&req)) >= 0) {
        serve(a, &io);
        FCGX_Finish_r(&req);
        if (max_requests > 0 && ++served >= max_requests)
            break;
    }
    FCGX_Free(&req, 1);
    if (rc < 0 && rc != -4 /* EINTR at shutdown */ && !FCGX_IsCGI())
        log_info("fcgi: accept returned %d, stopping", rc);
    return 0;
}

int
fcgi_run_cgi(struct app *a)
{
    struct http_io io = {NULL, cgi_param, cgi_read, cgi_write};
    int rc = serve(a, &io);

    fflush(stdout);
    return rc;
}
