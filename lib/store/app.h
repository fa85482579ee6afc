/*
 * app — what every program of ours opens at start and closes at exit: the
 * configuration, the sealing key, the database (migrated), and the arena
 * that units of work reuse. Long-lived; one per process.
 */
#ifndef APP_H
#define APP_H

#include "base/conf.h"

struct arena;
struct ctx;
struct db;

struct app {
    struct conf conf;
    struct db *db;
    struct arena *arena;
};

enum {
    APP_CREATE = 1, /* create the data directory and the key if missing */
    APP_MIGRATE = 2, /* apply pending migrations */
};

/* 0, or -1 with the reason printed to stderr. */
int app_open(struct app *a, int flags);
void app_close(struct app *a);

/* Starts a unit of work on the app: a clean error, now, no user. The
 * previous unit's arena memory is released. */
void app_begin(struct app *a, struct ctx *c);

#endif
