/*
 * farm-dispatch — talks to the printers: reads their state, keeps the
 * printers, their materials and their prints in line with it, and starts the
 * prints that are due (lib/dispatch.h).
 *
 *   farm-dispatch --once [--budget-ms N]     one run (cron, every minute)
 *   farm-dispatch --watch [--interval-s N]   a service: stays connected
 *
 * Environment: DATA_DIR and the rest of lib/conf.h; FARM_PRINTER_CA = a CA
 * bundle to verify printer certificates with (unset: pin each printer's
 * key on first contact). On SQLite only one run at a time: a run that
 * finds $DATA_DIR/dispatch.lock held says so and exits 0. On PostgreSQL
 * (FARM_DATABASE) any number run at once, on any hosts: each drives the
 * printers it holds a lease on (FARM_LEASE_SECONDS, lib/domain/lease.h). Exit 1 on
 * configuration or database errors. At exit the number of report frames
 * merged, the steps run (mean and longest wall time) and the printers
 * driven at the end are printed to stderr (the benchmark reads them).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store/app.h"
#include "store/db.h"
#include "dispatch/dispatch.h"
#include "domain/reseal.h"
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
    fprintf(stderr, "usage: farm-dispatch --once [--budget-ms N]\n"
                    "       farm-dispatch --watch [--interval-s N]\n");
    return 2;
}

static int
number(const char *s, int min, int max, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* The lock fd, -2 when another run holds it, -1 on error. */
static int
take_lock(const char *data_dir)
{
    char path[600];
    int fd;

    snprintf(path, sizeof path, "%s/dispatch.lock", data_dir);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "farm-dispatch: cannot open %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        if (errno == EWOULDBLOCK)
            return -2;
        fprintf(stderr, "farm-dispatch: cannot lock %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    return fd;
}

int
main(int argc, char **argv)
{
    struct dispatch_opts o = {0};
    struct dispatch_stats st;
    struct dispatcher *d;
    struct sigaction sa;
    struct app a;
    int mode = 0, fd, rc = 0;
    const char *ca = getenv("FARM_PRINTER_CA");

    log_init("farm-dispatch");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0 || strcmp(argv[i], "--watch") == 0)
            mode = argv[i][2];
        else if (strcmp(argv[i], "--budget-ms") == 0 && i + 1 < argc)
            rc = number(argv[++i], 100, 600000, &o.budget_ms);
        else if (strcmp(argv[i], "--interval-s") == 0 && i + 1 < argc)
            rc = number(argv[++i], 1, 3600, &o.interval_s);
        else
            rc = -1;
        if (rc < 0)
            return usage();
    }
    if (mode == 0)
        return usage();
    o.watch = mode == 'w';
    o.cafile = ca != NULL && ca[0] ? ca : NULL;
    if (o.cafile != NULL && access(o.cafile, R_OK) != 0) {
        fprintf(stderr, "farm-dispatch: FARM_PRINTER_CA %s: %s\n", o.cafile,
                strerror(errno));
        return 1;
    }
    if (app_open(&a, APP_MIGRATE) < 0)
        return 1;
    if (reseal_start(&a) < 0) {
        app_close(&a);
        return 1;
    }
    /* SQLite: one run at a time, by DATA_DIR's lock file. PostgreSQL:
     * any number, sharing the printers by leases (domain/lease.h). */
    fd = strcmp(db_backend_name(a.db), "postgresql") == 0
             ? -3
             : take_lock(a.conf.data_dir);
    if (fd == -2) {
        fprintf(stderr, "farm-dispatch: another run holds the lock\n");
        app_close(&a);
        return 0;
    }
    if (fd == -1) {
        app_close(&a);
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    d = dispatch_new(&a, &o);
    rc = o.watch ? dispatch_watch(d, &stop_flag) : dispatch_once(d);
    fprintf(stderr, "farm-dispatch: merged %ld report frames\n",
            dispatch_frames(d));
    dispatch_stats(d, &st);
    fprintf(stderr,
            "farm-dispatch: %ld steps, mean %" PRId64 " ms, max %" PRId64
            " ms, %d printers held at the end\n",
            st.steps, st.steps > 0 ? st.step_ms / st.steps : 0, st.step_ms_max,
            st.printers);
    dispatch_free(d);
    if (fd >= 0)
        close(fd);
    app_close(&a);
    return rc < 0 ? 1 : 0;
}
