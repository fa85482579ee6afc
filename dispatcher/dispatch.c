/*
 * farm-dispatch — talks to the printers: reads their state, keeps the
 * printers, their materials and their prints in line with it, and starts the
 * prints that are due (lib/dispatch.h); and delivers the notifications the
 * outbox holds (lib/notify/deliver.h).
 *
 *   farm-dispatch --once [--budget-ms N]     one run (cron, every minute)
 *   farm-dispatch --watch [--interval-s N]   a service: stays connected
 *   farm-dispatch --deliver                  only the outbox, in a loop
 *
 * Processes. --once does everything in one process, one step after the
 * other: collect, the printers' step and the starts, then one delivery
 * pass that starts no request after DISPATCH_DELIVER_ONCE_S (20 s) and so
 * ends within that + the longest request's timeout (30 s), then Etsy.
 * --watch never delivers in its own loop, so a receiver that hangs cannot
 * hold up a print start: once it holds the lock it starts a delivery
 * process (fork, then exec of this same program as --deliver --parent
 * PID, so the child shares no database connection, MQTT socket or library
 * state with the loop: it opens its own app and connection). The child
 * runs delivery passes of DELIVER_PASS_S each (a pass cut by its deadline
 * is followed at once by the next; else one every DELIVER_IDLE_MS), and
 * ends on SIGTERM/SIGINT (giving back the rows under way) or when the
 * parent is gone (PR_SET_PDEATHSIG, and getppid() checked every pass and
 * every idle tick). The parent reaps it on every turn of its loop and,
 * when it died, starts another (at most one start every
 * DELIVERER_RESTART_MS); at its own exit it sends SIGTERM and waits
 * DELIVERER_STOP_MS, then SIGKILL. --deliver alone is that loop as a
 * service of its own (beside cron's --once runs, for instance): every
 * deliverer claims through the same code (notify/deliver.c), so any
 * number may run at once.
 *
 * Environment: DATA_DIR and the rest of lib/conf.h; FARM_PRINTER_CA = a CA
 * bundle to verify printer certificates with (unset: pin each printer's
 * key on first contact). On SQLite only one run at a time: a run that
 * finds $DATA_DIR/dispatch.lock held says so and exits 0 (--deliver takes
 * no lock). On PostgreSQL
 * (FARM_DATABASE) any number run at once, on any hosts: each drives the
 * printers it holds a lease on (FARM_LEASE_SECONDS, lib/domain/lease.h). Exit 1
 * on configuration or database errors. At exit the number of report frames
 * merged, the steps run (mean and longest wall time) and the printers
 * driven at the end are printed to stderr (the benchmark reads them).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/ctx.h"
#include "base/log.h"
#include "dispatch/dispatch.h"
#include "notify/deliver.h"
#include "store/app.h"
#include "store/db.h"
#include "domain/reseal.h"

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
                    "       farm-dispatch --watch [--interval-s N]\n"
                    "       farm-dispatch --deliver\n");
    return 2;
}

/* ---- the delivery process ------------------------------------------ */

#define DELIVER_PASS_S 10    /* a pass's deadline (notify/deliver.h) */
#define DELIVER_IDLE_MS 1000 /* between passes that found all done */
#define DELIVERER_RESTART_MS 5000
#define DELIVERER_STOP_MS 10000

/* Sleeps ms, waking every 100 ms to see a stop or the parent gone. */
static void
idle(int ms, pid_t parent)
{
    for (int t = 0; t < ms && !stop_flag; t += 100) {
        if (parent > 0 && getppid() != parent)
            return;
        poll(NULL, 0, 100);
    }
}

/* --deliver: delivery passes until a stop, or until parent (when not 0)
 * is gone. 0, or -1 when the database kept failing (the parent starts
 * another deliverer). */
static int
deliver_loop(struct app *a, pid_t parent)
{
    int failures = 0;

    while (!stop_flag && (parent == 0 || getppid() == parent)) {
        struct deliver_stats st;
        struct ctx c;

        memset(&st, 0, sizeof st);
        app_begin(a, &c);
        if (deliver_run(&c, DELIVER_PASS_S, &stop_flag, &st) < 0) {
            log_error("delivery failed: %s", c.err.msg);
            if (++failures >= 10)
                return -1;
        } else {
            failures = 0;
        }
        if (st.cut == 0 || failures > 0)
            idle(DELIVER_IDLE_MS * (failures + 1), parent);
    }
    return 0;
}

/* The --watch loop's delivery child. */
struct deliverer {
    pid_t pid;             /* 0: none running */
    int64_t next_start_ms; /* clock_mono_ms(): not started again before */
};

/* Closes every descriptor but the standard three. Async-signal-safe. */
static void
close_inherited(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
        return;
#endif
    for (int fd = 3; fd < 65536; fd++)
        close(fd);
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void
deliverer_exec(pid_t parent, char *const argv[])
{
    /* SIGTERM when the parent goes; it may have gone already */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
        _exit(0);
    /* nothing of the parent's survives the exec: database, lock file,
     * MQTT sockets */
    close_inherited();
    execv("/proc/self/exe", argv);
    _exit(127);
}

static void
deliverer_start(struct deliverer *dv)
{
    pid_t parent = getpid(), pid;
    char ppid[24];
    char *argv[] = {"farm-dispatch", "--deliver", "--parent", ppid, NULL};

    snprintf(ppid, sizeof ppid, "%ld", (long)parent);
    dv->next_start_ms = clock_mono_ms() + DELIVERER_RESTART_MS;
    fflush(NULL);
    pid = fork();
    if (pid == 0)
        deliverer_exec(parent, argv);
    if (pid < 0) {
        log_error("cannot start the delivery process: %s", strerror(errno));
        return;
    }
    dv->pid = pid;
}

/* The --watch loop's tick: reaps the child when it ended and starts
 * another. */
static void
deliverer_tick(void *arg)
{
    struct deliverer *dv = arg;
    int status = 0;

    if (dv->pid > 0) {
        pid_t r = waitpid(dv->pid, &status, WNOHANG);

        if (r == 0)
            return;
        if (r == dv->pid && WIFSIGNALED(status))
            log_error("delivery process %ld killed by signal %d; starting "
                      "another",
                      (long)dv->pid, WTERMSIG(status));
        else
            log_error("delivery process %ld exited with status %d; "
                      "starting another",
                      (long)dv->pid,
                      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        dv->pid = 0;
    }
    if (clock_mono_ms() >= dv->next_start_ms)
        deliverer_start(dv);
}

/* SIGTERM, DELIVERER_STOP_MS to finish (requests under way are cut short
 * within a second), then SIGKILL. */
static void
deliverer_stop(struct deliverer *dv)
{
    int64_t deadline = clock_mono_ms() + DELIVERER_STOP_MS;
    int status;

    if (dv->pid <= 0)
        return;
    kill(dv->pid, SIGTERM);
    while (waitpid(dv->pid, &status, WNOHANG) == 0) {
        if (clock_mono_ms() >= deadline) {
            log_error("delivery process %ld did not stop; killing it",
                      (long)dv->pid);
            kill(dv->pid, SIGKILL);
            waitpid(dv->pid, &status, 0);
            break;
        }
        poll(NULL, 0, 20);
    }
    dv->pid = 0;
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
    struct deliverer dv = {0, 0};
    struct dispatch_stats st;
    struct dispatcher *d;
    struct sigaction sa;
    struct app a;
    int mode = 0, fd, rc = 0, parent = 0;
    const char *ca = getenv("FARM_PRINTER_CA");

    log_init("farm-dispatch");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0 || strcmp(argv[i], "--watch") == 0 ||
            strcmp(argv[i], "--deliver") == 0)
            mode = argv[i][2];
        else if (strcmp(argv[i], "--budget-ms") == 0 && i + 1 < argc)
            rc = number(argv[++i], 100, 600000, &o.budget_ms);
        else if (strcmp(argv[i], "--interval-s") == 0 && i + 1 < argc)
            rc = number(argv[++i], 1, 3600, &o.interval_s);
        else if (strcmp(argv[i], "--parent") == 0 && i + 1 < argc)
            rc = number(argv[++i], 1, INT_MAX, &parent);
        else
            rc = -1;
        if (rc < 0)
            return usage();
    }
    if (mode == 0 || (parent != 0 && mode != 'd'))
        return usage();
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    if (mode == 'd') {
        /* its own connection; the dispatcher that started it migrated */
        log_init("farm-dispatch --deliver");
        if (parent != 0 && getppid() != parent)
            return 0;
        if (app_open(&a, parent != 0 ? 0 : APP_MIGRATE) < 0)
            return 1;
        if (parent == 0 && reseal_start(&a) < 0) {
            app_close(&a);
            return 1;
        }
        rc = deliver_loop(&a, (pid_t)parent);
        app_close(&a);
        return rc < 0 ? 1 : 0;
    }
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
    if (o.watch) {
        o.tick = deliverer_tick;
        o.tick_arg = &dv;
        deliverer_start(&dv);
    }
    d = dispatch_new(&a, &o);
    rc = o.watch ? dispatch_watch(d, &stop_flag) : dispatch_once(d);
    deliverer_stop(&dv);
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
