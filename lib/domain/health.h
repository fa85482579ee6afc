/*
 * health — whether the service can do its work, for GET /api/health and
 * monitors. A check reports; it never fails the request, so nothing here
 * sets c->err. It is a domain module so that web/ holds no SQL at all.
 */
#ifndef HEALTH_H
#define HEALTH_H

struct ctx;

/* 1 when the database answers a trivial query, 0 when it does not. */
int health_db_ok(struct ctx *c);

#endif
