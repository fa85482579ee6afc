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

struct req;

struct route {
    unsigned methods; /* M_GET | ... */
    const char *pattern; /* segments; ":id" and ":<x>_id" digits, ":name" any */
    int (*fn)(struct req *r);
    enum route_auth auth;
};

extern const struct route routes[];

/* Answers r: finds the route, authenticates, runs the handler and renders
 * any error into r. Never fails. */
void router_dispatch(struct req *r);

/* Prints "METHOD PATTERN" per API route (for the OpenAPI check). */
void router_print(FILE *f);

#endif
