#include "store/app.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "store/db.h"
#include "base/err.h"
#include "base/log.h"
#include "store/migrate.h"
#include "base/secret.h"

#include "base/banned.h"

static int
make_dir(const char *path)
{
    if (mkdir(path, 0750) == 0 || errno == EEXIST)
        return 0;
    log_error("cannot create %s: %s", path, strerror(errno));
    return -1;
}

int
app_open(struct app *a, int flags)
{
    struct err e = {0};

    memset(a, 0, sizeof(*a));
    if (conf_load(&a->conf, &e) < 0) {
        log_error("configuration: %s", e.msg);
        return -1;
    }
    if ((flags & APP_CREATE) &&
        (make_dir(a->conf.data_dir) < 0 || make_dir(a->conf.files_dir) < 0))
        return -1;
    if (secret_init(a->conf.secret_key, flags & APP_CREATE) < 0)
        return -1;
    a->db = db_open(a->conf.db_url);
    if (a->db == NULL)
        return -1;
    if ((flags & APP_MIGRATE) && migrate_apply(a->db) < 0) {
        log_error("database migration failed");
        return -1;
    }
    a->arena = arena_new();
    return 0;
}

void
app_close(struct app *a)
{
    arena_free(a->arena);
    a->arena = NULL;
    db_close(a->db);
    a->db = NULL;
    secret_release();
}

void
app_begin(struct app *a, struct ctx *c)
{
    arena_reset(a->arena);
    db_reset_all(a->db);
    memset(c, 0, sizeof(*c));
    c->arena = a->arena;
    c->db = a->db;
    c->conf = &a->conf;
    c->now = clock_now();
}
