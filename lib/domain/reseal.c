#include "domain/reseal.h"

#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/log.h"
#include "base/secret.h"
#include "domain/etsy_shop.h"
#include "domain/event.h"
#include "domain/notifypref.h"
#include "domain/printer.h"
#include "store/app.h"
#include "store/db.h"
#include "store/migrate.h"

#include "base/banned.h"

#define RESEAL_STEP "reseal-v2"
#define PAGE 256

struct value {
    int64_t id;
    const char *text;
};

/* One page of rows after *after into v; the number read, or -1. */
static int
read_page(struct ctx *c, const char *select, int64_t after, struct value *v)
{
    struct db_stmt *st = db_query(c->db, select, "ii", after, (int64_t)PAGE);
    int n = 0, rc;

    if (st == NULL)
        return -1;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == PAGE) { /* the query's LIMIT says this cannot happen */
            db_done(st);
            return -1;
        }
        v[n].id = db_int(st, 0);
        v[n].text = arena_strdup(c->arena, db_text(st, 1));
        n++;
    }
    return rc == DB_DONE ? n : -1;
}

int
reseal_column(struct ctx *c, const char *select, const char *update,
              const char *ad, int plain, struct reseal_stats *st)
{
    struct value v[PAGE];
    int64_t after = 0;
    int n;

    do {
        n = read_page(c, select, after, v);
        if (n < 0)
            return err_internal(&c->err, "reseal: select failed: %s", select);
        for (int i = 0; i < n; i++) {
            const char *place =
                arena_printf(c->arena, "%s%lld", ad, (long long)v[i].id);
            const char *now = v[i].text == NULL ? NULL
                              : plain
                                  ? secret_seal(c->arena, v[i].text, place)
                                  : secret_reseal(c->arena, v[i].text, place);

            after = v[i].id;
            if (v[i].text == NULL)
                continue;
            if (now == NULL) {
                /* the form it is in opens nowhere now: it was unusable
                 * before too (the owner reports it as it always did) */
                log_error("reseal: %s cannot be opened (tampered or sealed "
                          "with another key); left as it is",
                          place);
                st->unreadable++;
                continue;
            }
            if (db_exec(c->db, update, "tit", now, v[i].id, v[i].text) !=
                DB_DONE)
                return err_internal(&c->err, "reseal: update of %s failed",
                                    place);
            st->resealed += db_changes(c->db) > 0;
        }
    } while (n == PAGE);
    return 0;
}

struct run {
    struct ctx *c;
    struct reseal_stats st;
};

static int
reseal_all(void *arg)
{
    struct run *r = arg;
    struct ctx *c = r->c;

    if (printer_reseal(c, &r->st) < 0 || notifypref_reseal(c, &r->st) < 0 ||
        etsy_shop_reseal(c, &r->st) < 0 || event_reseal(c, &r->st) < 0)
        return -1;
    return 0;
}

int
reseal_run(struct ctx *c, int force, struct reseal_stats *st)
{
    struct run r;
    int rc;

    memset(&r, 0, sizeof(r));
    r.c = c;
    rc = migrate_code(c->db, RESEAL_STEP, force, reseal_all, &r);
    if (rc < 0)
        return err_is_set(&c->err)
                   ? -1
                   : err_internal(&c->err, "reseal: the database failed");
    if (rc > 0 && (r.st.resealed > 0 || r.st.unreadable > 0))
        log_info("reseal: %lld values sealed for their rows, %lld unreadable "
                 "left as they were",
                 (long long)r.st.resealed, (long long)r.st.unreadable);
    if (st != NULL) {
        st->resealed += r.st.resealed;
        st->unreadable += r.st.unreadable;
    }
    return rc;
}

int
reseal_start(struct app *a)
{
    struct ctx c;

    app_begin(a, &c);
    if (reseal_run(&c, 0, NULL) < 0) {
        log_error("sealed values could not be brought to the current form "
                  "(%s); see the error above",
                  c.err.msg);
        return -1;
    }
    return 0;
}
