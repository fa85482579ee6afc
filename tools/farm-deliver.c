/*
 * farm-deliver — runs the outbox delivery step (notify/deliver) on its
 * own: farm-dispatch runs it (in a process of its own under --watch, at
 * the end of a --once run), this is for draining a backlog by hand, the
 * benchmark and tests. It claims through the same code as the dispatcher,
 * so it may run beside one. Also emits an event through
 * domain/event as the dispatcher would, so tests can drive the whole path.
 * Honours DATA_DIR and every setting of base/conf.h (mail included), and in
 * the test build FARM_NOW.
 *
 *   farm-deliver --once [--budget SECONDS]
 *       delivers what is due (one pass: no request starts after SECONDS,
 *       default 30); prints "claimed=N delivered=N retried=N failed=N
 *       expired=N released=N deferred=N lost=N". SIGTERM or SIGINT ends
 *       the pass early, giving the rows under way back.
 *   farm-deliver --emit KIND --printer ID [--detail TEXT] [--print ID]
 *       writes the event (and its outbox rows, per the printer's
 *       preferences) as the printer's owner; prints the event id
 *
 * Exit status: 0 success, 1 failure, 2 usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/app.h"
#include "domain/reseal.h"
#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "notify/deliver.h"
#include "domain/event.h"
#include "base/log.h"

#include "base/banned.h"

static volatile int stop_flag;

static void
on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int
usage(void)
{
    fprintf(stderr,
            "usage: farm-deliver --once [--budget SECONDS]\n"
            "       farm-deliver --emit KIND --printer ID [--detail TEXT] "
            "[--print ID]\n");
    return 2;
}

static int
fail(struct ctx *c)
{
    fprintf(stderr, "farm-deliver: %s\n",
            c->err.msg[0] ? c->err.msg : "failed");
    return 1;
}

static int64_t
num(const char *s)
{
    char *end;
    long long v;

    if (s == NULL || *s == '\0')
        return -1;
    v = strtoll(s, &end, 10);
    return *end == '\0' && v >= 0 ? (int64_t)v : -1;
}

static int
run_once(struct app *a, int budget)
{
    struct deliver_stats st = {0};
    struct sigaction sa;
    struct ctx c;
    int64_t n;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    app_begin(a, &c);
    n = deliver_run(&c, budget, &stop_flag, &st);
    printf("claimed=%lld delivered=%lld retried=%lld failed=%lld "
           "expired=%lld released=%lld deferred=%lld lost=%lld\n",
           (long long)st.claimed, (long long)st.delivered,
           (long long)st.retried, (long long)st.failed, (long long)st.expired,
           (long long)st.released, (long long)st.deferred, (long long)st.lost);
    return n < 0 ? fail(&c) : 0;
}

/* Loads the printer (and the print, when asked) as event_emit wants them. */
static int
emit(struct app *a, const char *kind, int64_t printer_id, int64_t print_id,
     const char *detail)
{
    struct event_printer p = {0};
    struct event_print j = {0};
    struct db_stmt *st;
    struct ctx c;
    int64_t id;

    app_begin(a, &c);
    st = db_query(c.db,
                  "SELECT user_id, name, serial, model FROM printers "
                  "WHERE id = ?",
                  "i", printer_id);
    if (st == NULL || db_step(st) != DB_ROW) {
        fprintf(stderr, "farm-deliver: no printer %lld\n",
                (long long)printer_id);
        return 1;
    }
    c.user_id = db_int(st, 0);
    p.id = printer_id;
    p.name = arena_strdup(c.arena, db_text(st, 1));
    p.serial = arena_strdup(c.arena, db_text(st, 2));
    p.model = arena_strdup(c.arena, db_text(st, 3));
    db_done(st);
    if (print_id > 0) {
        st = db_query(c.db,
                      "SELECT name, status, file, order_id FROM "
                      "scheduled_prints WHERE id = ? AND user_id = ?",
                      "ii", print_id, c.user_id);
        if (st == NULL || db_step(st) != DB_ROW) {
            fprintf(stderr, "farm-deliver: no print %lld\n",
                    (long long)print_id);
            return 1;
        }
        j.id = print_id;
        j.name = arena_strdup(c.arena, db_text(st, 0));
        j.status = arena_strdup(c.arena, db_text(st, 1));
        j.file = arena_strdup(c.arena, db_text(st, 2));
        j.order_id = db_int(st, 3);
        db_done(st);
    }
    id = event_emit(&c, kind, &p, print_id > 0 ? &j : NULL, detail);
    if (id < 0)
        return fail(&c);
    printf("%lld\n", (long long)id);
    return 0;
}

int
main(int argc, char **argv)
{
    const char *kind = NULL, *detail = NULL;
    int64_t printer = -1, print = -1, budget = 30;
    int once = 0, rc;
    struct app a;

    log_init("farm-deliver");
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(argv[i], "--once") == 0)
            once = 1;
        else if (strcmp(argv[i], "--budget") == 0 && (budget = num(v)) >= 0)
            i++;
        else if (strcmp(argv[i], "--emit") == 0 && v != NULL)
            kind = argv[++i];
        else if (strcmp(argv[i], "--printer") == 0 &&
                 (printer = num(v)) > 0)
            i++;
        else if (strcmp(argv[i], "--print") == 0 && (print = num(v)) > 0)
            i++;
        else if (strcmp(argv[i], "--detail") == 0 && v != NULL)
            detail = argv[++i];
        else
            return usage();
    }
    if (once == (kind != NULL) || (kind != NULL && printer <= 0) ||
        budget > 86400)
        return usage();
    if (app_open(&a, APP_MIGRATE) < 0)
        return 1;
    if (reseal_start(&a) < 0) {
        app_close(&a);
        return 1;
    }
    rc = once ? run_once(&a, (int)budget)
              : emit(&a, kind, printer, print, detail);
    app_close(&a);
    return rc;
}
