/*
 * dispatch_save — step 5: what a printer's merged report and connection
 * say, decided into the status the user sees and written into its printers
 * row (printer_save_seen), with an event when that status moves to
 * untrusted, auth_failed or needs_developer_mode (offline and back online
 * are dispatch_notify's, after a grace period).
 */
#include "base/clock.h"
#include "dispatch/dispatch_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/printer.h"

#include "base/banned.h"

#define DEVMODE_DETAIL                                                         \
    "the printer's firmware rejects commands from bambufarm (authorization "   \
    "control): on the printer enable LAN-only mode and then Developer Mode "   \
    "(Settings > Network / LAN only); prints wait until then"

struct pstatus {
    const char *status, *detail;
    int online, report; /* report: write the report's values */
};

static void
decide(const struct dispatcher *d, struct ctx *c, struct dprinter *p,
       const struct bambu_report *r, struct pstatus *s)
{
    enum mqtt_state st = p->conn ? mqtt_conn_state(p->conn) : MQTT_IDLE;
    const char *why = p->conn ? mqtt_conn_detail(p->conn) : "";

    memset(s, 0, sizeof(*s));
    if (p->code[0] == '\0') {
        s->status = "auth_failed";
        s->detail = "the stored access code cannot be read (was the sealing "
                    "key replaced?); save the printer again with its access "
                    "code";
        return;
    }
    if (st == MQTT_AUTH_FAILED) {
        s->status = "auth_failed";
        s->detail = arena_printf(c->arena,
                                 "wrong access code: the printer refused the "
                                 "login (%s); copy the access code from the "
                                 "printer's screen and save the printer",
                                 why);
        return;
    }
    if (st == MQTT_UNTRUSTED) {
        s->status = "untrusted_certificate";
        s->detail = arena_printf(
            c->arena,
            "the printer's certificate changed or fails verification (%s); "
            "if you replaced or reset the printer, accept its new "
            "certificate by saving the printer again with its access code",
            why);
        return;
    }
    if (st != MQTT_CONNECTED) {
        s->status = "offline";
        s->detail = arena_printf(c->arena, "cannot reach the printer: %s",
                                 why[0] ? why : "no connection");
        p->silent_runs = 0;
        return;
    }
    if (!dispatch_fresh(d, p)) {
        int64_t quiet =
            p->last_seen_at == DB_NULL ? 0 : c->now - p->last_seen_at;
        int64_t up_ms = clock_mono_ms() - p->connected_ms;
        int known = p->had_cache && strcmp(p->status, "offline") != 0;

        if (!d->o.watch)
            p->silent_runs++;
        if (d->o.watch ? up_ms >= DISPATCH_SILENT_S * 1000
                       : p->silent_runs >= 2 || quiet > DISPATCH_SILENT_S) {
            s->status = "offline";
            s->detail = "connected, but the printer sends no data";
            return;
        }
        s->online = 1;
        s->status = known ? p->status : "unknown";
        s->detail = known ? "connected, but the printer sent no data "
                            "lately; showing its last report"
                          : "connected; waiting for the first report";
        return;
    }
    p->silent_runs = 0;
    s->online = 1;
    s->report = 1;
    s->status = bambu_status_name(r->status);
    s->detail = NULL;
    if (r->status == BAMBU_FAILED)
        s->detail = r->cancelled ? "cancelled on the printer"
                                 : dispatch_failure_text(c, r);
    if (p->verify_failed)
        p->devmode_at = c->now;
    if (r->verify_failed_hms || r->signature_required == 1 ||
        (p->devmode_at != DB_NULL &&
         c->now - p->devmode_at < DISPATCH_DEVMODE_S)) {
        s->status = "needs_developer_mode";
        s->detail = DEVMODE_DETAIL;
    }
}

/* The transition event for old -> new status, or NULL. */
static const char *
transition(const char *old, const struct pstatus *s)
{
    if (strcmp(old, s->status) == 0)
        return NULL;
    if (strcmp(s->status, "untrusted_certificate") == 0)
        return "printer_untrusted";
    if (strcmp(s->status, "auth_failed") == 0)
        return "printer_auth_failed";
    if (strcmp(s->status, "needs_developer_mode") == 0)
        return "printer_needs_developer_mode";
    return NULL; /* offline and back: dispatch_notify, after a grace */
}

int
dispatch_save_printer(struct dispatcher *d, struct ctx *c, struct dprinter *p)
{
    struct bambu_report r;
    struct pstatus s;
    struct printer_seen seen;
    const char *state_json = NULL, *pin = NULL, *ev;

    bambu_state_report(p->state, &r);
    decide(d, c, p, &r, &s);
    if (p->conn && d->o.cafile == NULL && !p->pin[0] &&
        mqtt_conn_state(p->conn) == MQTT_CONNECTED &&
        mqtt_conn_pin(p->conn)[0]) {
        pin = mqtt_conn_pin(p->conn);
        snprintf(p->pin, sizeof p->pin, "%s", pin);
    }
    if (s.report) {
        state_json = arena_strdup(
            c->arena, json_object_to_json_string_ext(bambu_state_json(p->state),
                                                     JSON_C_TO_STRING_PLAIN));
        p->last_seen_at = c->now;
    }
    seen.status = s.status;
    seen.status_detail = s.detail;
    seen.online = s.online;
    seen.report = s.report;
    seen.progress_percent = r.percent < 0 ? DB_NULL : (int64_t)r.percent;
    seen.remaining_minutes =
        r.remaining_minutes < 0 ? DB_NULL : (int64_t)r.remaining_minutes;
    seen.nozzle_temp = r.nozzle_temp < 0 ? DB_NULL : (int64_t)r.nozzle_temp;
    seen.bed_temp = r.bed_temp < 0 ? DB_NULL : (int64_t)r.bed_temp;
    seen.last_seen_at = p->last_seen_at;
    seen.state_json = state_json;
    seen.cert_fingerprint = pin;
    seen.last_pushall_at = p->last_pushall_at;
    seen.silent_runs = p->silent_runs;
    seen.devmode_refused_at = p->devmode_at;
    seen.firmware = p->firmware[0] ? p->firmware : NULL;
    if (printer_save_seen(c, p->id, &seen) < 0)
        return -1;
    ev = transition(p->status, &s);
    if (ev != NULL)
        dispatch_event(c, p, ev, s.detail);
    snprintf(p->status, sizeof p->status, "%s", s.status);
    snprintf(p->detail, sizeof p->detail, "%s", s.detail ? s.detail : "");
    p->online = s.online;
    p->verify_failed = 0;
    return err_is_set(&c->err) ? -1 : 0;
}
