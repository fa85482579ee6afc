/*
 * fixture — what domain unit tests share: a fresh data directory with the
 * real migrations applied, a ctx signed in as a new user, and cleanup.
 * Header-only because each test program is built from one file.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/app.h"
#include "store/db.h"
#include "base/ctx.h"
#include "domain/printer.h"
#include "domain/user.h"

struct fixture {
    struct app app;
    struct ctx c;
    char dir[64];
};

/* With FARM_DATABASE naming a PostgreSQL database (make unit-pg), every
 * fixture starts from an empty schema there, as a new SQLite file would. */
static inline int
fixture_empty_database(void)
{
    const char *url = getenv("FARM_DATABASE");
    struct db *db;
    int rc;

    if (url == NULL || !db_url_is_postgres(url))
        return 0;
    db = db_open(url);
    if (db == NULL)
        return -1;
    rc = db_script(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    db_close(db);
    return rc;
}

/* Opens a new app on a temp DATA_DIR; NULL on failure. */
static inline struct fixture *
fixture_open(void)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL || fixture_empty_database() < 0) {
        free(f);
        return NULL;
    }
    snprintf(f->dir, sizeof(f->dir), "/tmp/farm-unit-XXXXXX");
    /* the tests' printers and webhooks are on loopback, which the
     * outbound policy refuses unless allowed (as the e2e stack does) */
    if (mkdtemp(f->dir) == NULL || setenv("DATA_DIR", f->dir, 1) != 0 ||
        setenv("FARM_OUTBOUND_ALLOW", "127.0.0.0/8, ::1/128", 0) != 0 ||
        app_open(&f->app, APP_CREATE | APP_MIGRATE) < 0) {
        free(f);
        return NULL;
    }
    app_begin(&f->app, &f->c);
    return f;
}

/* Creates a user and signs the fixture's ctx in as it; the id or -1. */
static inline int64_t
fixture_user(struct fixture *f, const char *email)
{
    int64_t id;

    app_begin(&f->app, &f->c);
    id = user_create(&f->c, email, "password-123");
    app_begin(&f->app, &f->c);
    f->c.user_id = id;
    return id;
}

/* Starts a new unit of work as the same user. */
static inline void
fixture_next(struct fixture *f)
{
    int64_t uid = f->c.user_id;

    app_begin(&f->app, &f->c);
    f->c.user_id = uid;
}

/* Creates one of the signed-in user's printers named name, of model, and
 * starts a new unit of work; the id or -1. */
static inline int64_t
fixture_printer_as(struct fixture *f, const char *serial, const char *name,
                   const char *model)
{
    struct printer p;
    int64_t id;

    printer_init(&p);
    p.name = name;
    p.model = model;
    p.serial = serial;
    p.host = "127.0.0.1";
    p.access_code = "12345678";
    id = printer_create(&f->c, &p);
    fixture_next(f);
    return id;
}

/* fixture_printer_as with a name of "p" and an X1C. */
static inline int64_t
fixture_printer(struct fixture *f, const char *serial)
{
    return fixture_printer_as(f, serial, "p", "X1C");
}

static inline void
fixture_close(struct fixture *f)
{
    char cmd[128];

    if (f == NULL)
        return;
    app_close(&f->app);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fixture: could not remove %s\n", f->dir);
    free(f);
}

#endif
