/*
 * dispatch_save — step 5: what a printer's merged report and connection
 * say, decided into the status the user sees and written into its printers
 * row, with an event when that status moves to untrusted, auth_failed or
 * needs_developer_mode (offline and back online are dispatch_notify's,
 * after a grace period).
 */
#include "dispatch/dispatch_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"

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
        int64_t up_ms = mqtt_now_ms() - p->connected_ms;
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
    const char *state_json = NULL, *pin = NULL, *ev;
    int rc;

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
    rc = db_exec(
        c->db,
        "UPDATE printers SET status = ?, status_detail = ?, online = ?, "
        "progress_percent = CASE WHEN ? = 1 THEN ? ELSE progress_percent END, "
        "remaining_minutes = CASE WHEN ? = 1 THEN ? ELSE remaining_minutes "
        "END, nozzle_temp = CASE WHEN ? = 1 THEN ? ELSE nozzle_temp END, "
        "bed_temp = CASE WHEN ? = 1 THEN ? ELSE bed_temp END, "
        "last_seen_at = ?, state_json = COALESCE(?, state_json), "
        "cert_fingerprint = COALESCE(cert_fingerprint, ?), "
        "last_pushall_at = ?, silent_runs = ?, devmode_refused_at = ?, "
        "firmware = COALESCE(?, firmware) WHERE id = ?",
        "tt"
        "iiiiiiiiii"
        "tt"
        "iii"
        "t"
        "i",
        s.status, s.detail, (int64_t)s.online, (int64_t)s.report,
        r.percent < 0 ? DB_NULL : (int64_t)r.percent, (int64_t)s.report,
        r.remaining_minutes < 0 ? DB_NULL : (int64_t)r.remaining_minutes,
        (int64_t)s.report, r.nozzle_temp < 0 ? DB_NULL : (int64_t)r.nozzle_temp,
        (int64_t)s.report, r.bed_temp < 0 ? DB_NULL : (int64_t)r.bed_temp,
        p->last_seen_at, state_json, pin, p->last_pushall_at, p->silent_runs,
        p->devmode_at, p->firmware[0] ? p->firmware : NULL, p->id);
    if (rc != DB_DONE)
        return err_internal(
            &c->err, "dispatch: printer %" PRId64 " update failed", p->id);
    ev = transition(p->status, &s);
    if (ev != NULL)
        dispatch_event(c, p, ev, s.detail);
    snprintf(p->status, sizeof p->status, "%s", s.status);
    snprintf(p->detail, sizeof p->detail, "%s", s.detail ? s.detail : "");
    p->online = s.online;
    p->verify_failed = 0;
    return err_is_set(&c->err) ? -1 : 0;
}
