/*
 * dispatch_int — the engine's shared state, private to lib/dispatch*.c:
 * one struct dprinter per printers row (connection, merged report, what
 * this run saw) and the struct dispatcher that owns them. Memory here is
 * malloc'd (it outlives a unit of work in --watch); ctx arenas hold only
 * per-step data.
 */
#ifndef DISPATCH_INT_H
#define DISPATCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "bambu/bambu.h"
#include "dispatch/dispatch.h"
#include "net/mqtt.h"
#include "net/tlspin.h"

struct ctx;

enum dstart_ack {
    DSTART_NONE,    /* nothing sent */
    DSTART_WAITING, /* project_file sent, no echo yet */
    DSTART_OK,
    DSTART_REFUSED,
    DSTART_TIMEOUT
};

struct dprinter {
    /* from the printers row */
    int64_t id, user_id;
    char name[128], model[16], serial[64], host[256];
    int64_t port, ftp_port;
    char sealed[512];     /* access_code_sealed, to notice a change */
    char code[128];       /* the opened access code; "" when unreadable */
    char pin[TLSPIN_MAX]; /* cert_fingerprint; "" none (pin on contact) */
    char status[32];      /* status before this step */
    int64_t online, current_print_id, last_seen_at, last_pushall_at;
    int64_t devmode_at; /* devmode_refused_at; DB_NULL none */
    int64_t silent_runs;
    int64_t offline_since;    /* first offline run of this outage; DB_NULL */
    int64_t offline_notified; /* 0/1: printer_offline went out */
    char detail[256];         /* status_detail as last saved */
    int step_failed;          /* this step's writes were rolled back */
    int had_cache;      /* state_json was restored or a frame merged */
    int listed;         /* still a row (reload bookkeeping) */
    long *frames_total; /* the dispatcher's frame counter */

    struct mqtt_conn *conn;
    struct bambu_state *state;

    /* since the connection (re)started / this step */
    long frames; /* status frames merged */
    int64_t last_frame_ms, connected_ms;
    int pushall_sent, full_after_pushall; /* full: after pushall/nudge */
    int nudged; /* "pushing start" sent on this connection */
    long frames_at_pushall;
    int verify_failed; /* an ack said "mqtt message verify failed" */
    char firmware[32];
    enum bambu_gcode_state gs; /* last merged gcode_state */
    int gs_changed;

    /* the start in flight */
    int64_t start_id;
    char start_seq[24];
    enum dstart_ack start_ack;
    char start_reason[128];
};

struct dispatcher {
    struct app *app;
    struct dispatch_opts o;
    struct dprinter **p;
    int n, cap;
    struct mqtt_conn **conns; /* parallel to p, for mqtt_poll */
    long frames;              /* status frames merged, all printers */
    int64_t collect_ms;       /* when the collection phase began */
    long steps;               /* dispatch_step runs (dispatch_stats) */
    int64_t step_ms;          /* their total wall time */
    int64_t step_ms_max;      /* and the longest */
    unsigned seq;             /* our sequence ids: "7<pid%1000><n>" */
    /* On PostgreSQL several dispatchers share the printers by leases
     * (domain/lease.h): holder names this one; leased says we use them. */
    int leased;
    char holder[96];
    int64_t purged_at; /* last purge of expired sign-ins (housekeeping) */
};

/* The stages of a step, each file calling only the ones below it:
 *
 *   dispatch.c           the pipeline: collect, then per printer (one
 *                        transaction each) save, trays, jobs, notify; then
 *                        plan; then deliver
 *   dispatch_plan.c      which prints start now; marks them -> start
 *   dispatch_start.c     uploads and start commands; refusals
 *   dispatch_jobs.c      a printer's started prints vs its report
 *   dispatch_save.c      a printer's status into its row
 *   dispatch_ams.c       a printer's AMS trays into its materials
 *   dispatch_notify.c    events that come from watching over time
 *   dispatch_poll.c      MQTT connections and the reports they bring
 *   dispatch_events.c    printer events, failure text
 *   dispatch_printers.c  the printers list (bookkeeping)
 *   dispatch_rules.c     the pure decisions (dispatch.h)
 */

int dispatch_load(struct dispatcher *d, struct ctx *c);
void dispatch_printers_free(struct dispatcher *d);
struct dprinter *dispatch_find(struct dispatcher *d, int64_t id);
void dispatch_next_seq(struct dispatcher *d, char out[24]);
/* 1 when p's report is fresh: connected and reported (this run, or
 * lately in --watch). */
int dispatch_fresh(const struct dispatcher *d, const struct dprinter *p);

/* dispatch_events.c: printer event kind with detail (NULL: none); 0 or
 * -1 with c->err set. */
int dispatch_event(struct ctx *c, const struct dprinter *p, const char *kind,
                   const char *detail);
/* print_error and HMS alerts as text (arena), NULL when none. */
const char *dispatch_failure_text(struct ctx *c, const struct bambu_report *r);

/* dispatch_poll.c */
void dispatch_connect_all(struct dispatcher *d);
void dispatch_disconnect_all(struct dispatcher *d);
int dispatch_settled(struct dispatcher *d);
void dispatch_pushall(struct dispatcher *d, struct dprinter *p);

/* dispatch_save.c: step 5 for one printer. 0 or -1. */
int dispatch_save_printer(struct dispatcher *d, struct ctx *c,
                          struct dprinter *p);

/* dispatch_ams.c: step 6 for one printer. 0 or -1. */
int dispatch_sync_trays(struct ctx *c, struct dprinter *p,
                        const struct bambu_report *r);

/* dispatch_jobs.c: step 7 for one printer. 0 or -1. */
int dispatch_reconcile_printer(struct dispatcher *d, struct ctx *c,
                               struct dprinter *p,
                               const struct bambu_report *r);

/* dispatch_notify.c: material low, maintenance due, offline after the
 * grace period and online again, for one printer. 0 or -1. */
int dispatch_notify_printer(struct dispatcher *d, struct ctx *c,
                            struct dprinter *p);

/* dispatch_plan.c: step 8, then dispatch_start_all for what it marked. 0
 * or -1. */
int dispatch_plan_starts(struct dispatcher *d, struct ctx *c);

/* One print marked started this step, on its way to the printer. */
struct dstart {
    int64_t id, user_id, plate;
    struct dprinter *p;
    int slot;                /* DISPATCH_SLOT_NONE or 0-7 */
    const char *name, *file; /* arena */
    const char *path;        /* local file (arena) */
    const char *refused;     /* why it did not start; NULL: sent */
    int devmode;             /* refused for Developer Mode */
    int untrusted;           /* the FTPS certificate was refused */
};

/* dispatch_start.c */
int dispatch_start_all(struct dispatcher *d, struct ctx *c, struct dstart *s,
                       int n);

/* dispatch_etsy.c: stage 10, the Etsy shops whose import is due. 0 or
 * -1 (each shop's own failure is recorded on its row, not returned). */
int dispatch_etsy(struct dispatcher *d);

#endif
