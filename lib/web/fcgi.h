/*
 * fcgi — the web worker's transports: the FastCGI accept loop (the only
 * includer of fcgiapp.h) and the plain-CGI fallback that answers one
 * request from the environment and standard input. Both hand each request
 * to the router through struct http_io.
 */
#ifndef FCGI_H
#define FCGI_H

struct app;

/* 1 when started as plain CGI (fd 0 is not a listening socket). */
int fcgi_is_cgi(void);

/* Serves FastCGI requests on fd 0 until told to stop (SIGTERM/SIGUSR1) or
 * after max_requests (0: no limit). 0, or -1 when accepting fails. */
int fcgi_run(struct app *a, long max_requests);

/* Answers the one CGI request. 0, or -1 when the response could not be
 * written. */
int fcgi_run_cgi(struct app *a);

#endif
