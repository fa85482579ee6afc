/*
 * router — maps a request to its handler through the one route table in
 * routes.c. It derives 404 (no pattern matches) versus 405 with an Allow
 * header (a pattern matches, the method does not), authenticates as the
 * route says, rolls back a transaction a failed handler left open, and
 * renders the error.
 */
#ifndef ROUTER_H
#define ROUTER_H

#include <stdio.h>

#include "web/auth.h"

struct arena;
struct req;

struct route {
    unsigned methods; /* M_GET | ... */
    const char *pattern; /* segments; ":id" and ":<x>_id" digits, ":name" any */
    int (*fn)(struct req *r);
    enum route_auth auth;
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
