/*
 * dispatch_start — sends the prints dispatch_plan.c marked started: all
 * uploads in parallel (lib/ftps), then project_file to each printer whose
 * upload was confirmed, waiting (bounded) for the echoes. A refused start
 * (upload failed, command refused) goes back to the queue with the reason
 * (job_requeue: failed after JOB_START_ATTEMPTS_MAX); a start whose
 * echo never came stays started and is confirmed, or returned, by the
 * report (dispatch_rules.c). A refusal for authorization firmware marks the
 * printer needs_developer_mode and does not count as an attempt.
 */
#include "base/clock.h"
#include "dispatch/dispatch_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/job.h"
#include "domain/printer.h"
#include "net/ftps.h"
#include "base/log.h"

#include "base/banned.h"

#define START_ACK_MS 10000 /* wait for the project_file echo */

static void
upload_all(struct dispatcher *d, struct ctx *c, struct dstart *s, int n)
{
    struct ftps_job *jobs = arena_alloc(c->arena, sizeof(*jobs) * (size_t)n);
    int *map = arena_alloc(c->arena, sizeof(*map) * (size_t)n), m = 0;

    for (int i = 0; i < n; i++) {
        struct dprinter *p = s[i].p;

        if (s[i].path == NULL) {
            s[i].refused = "the print's file name is not valid";
            continue;
        }
        jobs[m].host = p->host;
        jobs[m].port = (int)p->ftp_port;
        jobs[m].serial = p->serial;
        jobs[m].access_code = p->code;
        jobs[m].cafile = d->o.cafile;
        jobs[m].pin = d->o.cafile == NULL && p->pin[0] ? p->pin : NULL;
        jobs[m].local_path = s[i].path;
        jobs[m].remote_name = s[i].file;
        map[m++] = i;
    }
    if (m > 0)
        ftps_upload_all(jobs, m);
    for (int k = 0; k < m; k++) {
        struct dstart *t = &s[map[k]];

        if (jobs[k].result == FTPS_OK)
            continue;
        t->refused =
            arena_printf(c->arena, "upload failed (%s): %s",
                         ftps_result_name(jobs[k].result), jobs[k].error);
        if (jobs[k].result == FTPS_UNTRUSTED)
            t->untrusted = 1;
    }
}

static void
command_all(struct dispatcher *d, struct ctx *c, struct dstart *s, int n)
{
    int64_t deadline = clock_mono_ms() + START_ACK_MS + 500;
    int waiting = 0;

    for (int i = 0; i < n; i++) {
        struct dprinter *p = s[i].p;
        struct bambu_job job = {0};
        int map[1];
        char *json;

        if (s[i].refused != NULL)
            continue;
        if (p->conn == NULL || mqtt_conn_state(p->conn) != MQTT_CONNECTED) {
            s[i].refused = "the printer disconnected before the start";
            continue;
        }
        job.file = s[i].file;
        job.plate = s[i].plate > 0 ? (int)s[i].plate : 1;
        job.subtask_name = s[i].name;
        job.task_id = s[i].id % 2147483647;
        job.bed_leveling = 1;
        if (s[i].slot >= 0) {
            map[0] = s[i].slot;
            job.use_ams = 1;
            job.ams_mapping = map;
            job.n_ams_mapping = 1;
        }
        dispatch_next_seq(d, p->start_seq);
        json = bambu_cmd_project_file(c->arena, p->start_seq, &job, NULL);
        p->start_ack = DSTART_WAITING;
        p->start_reason[0] = '\0';
        if (json == NULL ||
            mqtt_command(p->conn, "print", "project_file", p->start_seq, json,
                         START_ACK_MS) < 0) {
            p->start_ack = DSTART_NONE;
            s[i].refused = "the start command could not be sent";
            continue;
        }
        waiting++;
    }
    while (waiting > 0 && clock_mono_ms() < deadline) {
        waiting = 0;
        for (int i = 0; i < n; i++)
            waiting +=
                s[i].refused == NULL && s[i].p->start_ack == DSTART_WAITING;
        if (waiting > 0 && mqtt_poll(d->conns, d->n, 100) < 0)
            break;
    }
    for (int i = 0; i < n; i++) {
        struct dprinter *p = s[i].p;

        if (s[i].refused != NULL || p->start_ack != DSTART_REFUSED)
            continue;
        s[i].devmode =
            p->verify_failed || bambu_reason_verify_failed(p->start_reason);
        s[i].refused =
            arena_printf(c->arena, "the printer refused the start%s%s",
                         p->start_reason[0] ? ": " : "", p->start_reason);
    }
}

/* The printer's status after a refusal that is its own fault. */
static int
printer_blocked(struct ctx *c, struct dprinter *p, const char *status,
                const char *kind, const char *detail)
{
    if (strcmp(p->status, status) == 0)
        return 0;
    if (printer_set_blocked(c, p->id, status, detail, p->devmode_at) < 0)
        return -1;
    snprintf(p->status, sizeof p->status, "%s", status);
    return dispatch_event(c, p, kind, detail);
}

/* A start that did not happen: the print back to the queue (or failed,
 * by the job module's rule), the printer blocked when it was its fault. */
static int
refused(struct ctx *c, struct dstart *s)
{
    struct dprinter *p = s->p;

    c->user_id = s->user_id;
    log_info("print %" PRId64 " on %s: %s", s->id, p->serial, s->refused);
    if (job_requeue(c, s->id, s->refused, !s->devmode) < 0 ||
        printer_clear_current(c, p->id, s->id) < 0)
        return -1;
    if (s->devmode) {
        p->devmode_at = c->now;
        return printer_blocked(
            c, p, "needs_developer_mode", "printer_needs_developer_mode",
            "the printer's firmware rejects commands from bambufarm "
            "(authorization control): on the printer enable LAN-only mode "
            "and then Developer Mode; prints wait until then");
    }
    if (s->untrusted)
        return printer_blocked(c, p, "untrusted_certificate",
                               "printer_untrusted", s->refused);
    return 0;
}

int
dispatch_start_all(struct dispatcher *d, struct ctx *c, struct dstart *s, int n)
{
    int bad = 0;

    upload_all(d, c, s, n);
    command_all(d, c, s, n);
    /* one transaction per refused start: one printer's failure leaves the
     * others' written */
    for (int i = 0; i < n; i++) {
        if (s[i].refused == NULL)
            continue;
        if (db_begin(c->db) < 0 || db_end(c->db, refused(c, &s[i])) < 0) {
            log_error("dispatch: print %" PRId64 ": %s", s[i].id, c->err.msg);
            err_clear(&c->err);
            bad++;
        }
    }
    return bad ? -1 : 0;
}
