/*
 * router — maps a request to its handler through the one route table in
 * routes.c. It derives 404 (no pattern matches) versus 405 with an Allow
 * header (a pattern matches, the method does not), authenticates as the
 * route says, runs the handler in the request's transaction (a read
 * snapshot for GET, one write transaction for anything else), commits it
 * or rolls it back, and renders the error: 503 when the database
 * connection was lost on the way.
 */
#ifndef ROUTER_H
#define ROUTER_H

#include <stdio.h>

#include "web/auth.h"

struct arena;
struct req;

/* Or'ed into a route's auth: the router opens no transaction for the
 * request; the handler opens its own short ones, because it hashes
 * passwords or streams a large body, which must not hold the write lock
 * (or, for the health check, must answer for itself when the database
 * does not). */
#define R_OWN_TX 0x100u
#define R_AUTH_MASK 0xffu

/* Seconds a 503 asks the client to wait before trying again. */
#define ROUTER_RETRY_AFTER "1"

struct route {
    unsigned methods; /* M_GET | ... */
    const char *pattern; /* segments; ":id" and ":<x>_id" digits, ":name" any */
    int (*fn)(struct req *r);
    unsigned auth; /* enum route_auth, | R_OWN_TX */
};

extern const struct route routes[];

/* The route for method (M_GET | ...) on path (decoded, without the
 * query): the first whose pattern matches path and which takes method,
 * its parameters copied into params (room for HTTP_MAX_PARAMS, strings
 * in a) and counted in *nparams. NULL when there is none; *allowed then
 * holds the methods of every pattern that matches path (0: 404, else 405
 * with Allow). Pure: runs no handler and touches no database. */
const struct route *router_match(struct arena *a, unsigned method,
                                 const char *path, const char **params,
                                 int *nparams, unsigned *allowed);

/* Answers r: finds the route, authenticates, runs the handler and renders
 * any error into r. Never fails. */
void router_dispatch(struct req *r);

/* Prints "METHOD PATTERN" per API route (for the OpenAPI check). */
void router_print(FILE *f);

#endif
