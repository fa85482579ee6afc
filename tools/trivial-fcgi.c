/*
 * trivial-fcgi: the benchmark's ceiling. A FastCGI responder that answers
 * every request with 200, application/json and {"status":"ok"} without
 * reading anything but the request itself, so `make bench` can report "the
 * same figures for a trivial FastCGI responder on the same nginx" next to
 * farm.fcgi's. Run it like farm.fcgi, under spawn-fcgi (+ multiwatch) with
 * the listening socket on fd 0; started with fd 0 not a socket it answers
 * one request as plain CGI and exits, which the test harness uses to check
 * itself before the real worker exists.
 *
 * With a query "bytes=N" (N up to 1 MiB) it answers text/html of exactly N
 * bytes instead: the ceiling for a page of that size (the dashboard's
 * benchmark compares each page with a responder sending as many bytes).
 */
#include <fcgiapp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_MAX (1 << 20)

static const char trivial_reply[] = "Status: 200 OK\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Content-Length: 15\r\n"
                                    "\r\n"
                                    "{\"status\":\"ok\"}";

/* Reads and drops the request body so the server never sees a reset. */
static void
trivial_drain(FCGX_Stream *in)
{
    char scratch[4096];

    while (FCGX_GetStr(scratch, (int)sizeof scratch, in) > 0)
        ;
}

/* Plain CGI: reads at most CONTENT_LENGTH bytes (never waits on a terminal
 * for a body that was not announced), answers on stdout. */
static int
trivial_cgi(void)
{
    char scratch[4096];
    const char *cl = getenv("CONTENT_LENGTH");
    long left = cl ? strtol(cl, NULL, 10) : 0;

    while (left > 0) {
        size_t want = left < (long)sizeof scratch ? (size_t)left
                                                  : sizeof scratch;
        size_t got = fread(scratch, 1, want, stdin);

        if (got == 0)
            break;
        left -= (long)got;
    }
    if (fwrite(trivial_reply, 1, sizeof trivial_reply - 1, stdout) !=
        sizeof trivial_reply - 1)
        return 1;
    return fflush(stdout) == 0 ? 0 : 1;
}

/* The size a "bytes=N" query asks for, or -1. */
static long
wanted_bytes(const char *query)
{
    const char *p = query ? strstr(query, "bytes=") : NULL;
    char *end;
    long n;

    if (p == NULL)
        return -1;
    n = strtol(p + 6, &end, 10);
    return end != p + 6 && n >= 0 && n <= PAGE_MAX ? n : -1;
}

/* A text/html answer of exactly n bytes: the headers, then filler. */
static void
trivial_page(FCGX_Stream *out, long n)
{
    static char filler[PAGE_MAX];

    if (filler[0] == '\0')
        memset(filler, 'x', sizeof filler);
    FCGX_FPrintF(out,
                 "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                 "Content-Length: %ld\r\n\r\n",
                 n);
    FCGX_PutStr(filler, (int)n, out);
}

int
main(void)
{
    FCGX_Request req;

    if (FCGX_Init() != 0) {
        fprintf(stderr, "trivial-fcgi: FCGX_Init failed\n");
        return 1;
    }
    if (FCGX_IsCGI())
        return trivial_cgi();
    if (FCGX_InitRequest(&req, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        fprintf(stderr, "trivial-fcgi: FCGX_InitRequest failed\n");
        return 1;
    }
    while (FCGX_Accept_r(&req) >= 0) {
        long n = wanted_bytes(FCGX_GetParam("QUERY_STRING", req.envp));

        trivial_drain(req.in);
        if (n >= 0)
            trivial_page(req.out, n);
        else
            FCGX_PutStr(trivial_reply, (int)(sizeof trivial_reply - 1),
                        req.out);
        FCGX_Finish_r(&req);
    }
    FCGX_Free(&req, 1);
    return 0;
}
