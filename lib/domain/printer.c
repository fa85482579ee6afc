#include "domain/printer.h"

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "base/outbound.h"
#include "store/db.h"
#include "domain/job.h"
#include "domain/reseal.h"
#include "base/secret.h"

#include "base/banned.h"

#define IN struct printer
const struct field printer_fields[] = {
    {"name", F_STR, offsetof(IN, name), F_REQ, 1, PRINTER_NAME_MAX, 0},
    {"model", F_ENUM, offsetof(IN, model), F_REQ, 0, 0, printer_models},
    {"serial", F_STR, offsetof(IN, serial), F_REQ, 1, PRINTER_SERIAL_MAX, 0},
    {"host", F_STR, offsetof(IN, host), F_REQ, 1, PRINTER_HOST_MAX, 0},
    {"port", F_INT, offsetof(IN, port), 0, 1, 65535, 0},
    {"ftp_port", F_INT, offsetof(IN, ftp_port), 0, 1, 65535, 0},
    {"access_code", F_STR, offsetof(IN, access_code), F_REQ | F_KEEP, 1,
     PRINTER_CODE_MAX, 0},
    {"power_watts", F_INT, offsetof(IN, power_watts), F_NULL, 1,
     PRINTER_WATTS_MAX, 0},
    {"machine_rate", F_MONEY, offsetof(IN, machine_rate), 0, 0,
     PRINTER_RATE_MAX, 0},
    {0},
};
#undef IN

const char *const printer_models[] = {"X1C", "X1E", "X1",  "P1S",   "P1P",
                                      "A1",  "A1M", "H2D", "other", NULL};

#define PRINTER_COLS                                                           \
    "id, name, model, serial, host, port, ftp_port, status, status_detail, "  \
    "online, progress_percent, remaining_minutes, current_print_id, "         \
    "nozzle_temp, bed_temp, last_seen_at, created_at, updated_at, "         \
    "power_watts, machine_rate"

void
printer_init(struct printer *p)
{
    memset(p, 0, sizeof(*p));
    p->port = 8883;
    p->ftp_port = 990;
    p->power_watts = DB_NULL;
}

int64_t
printer_default_watts(const char *model)
{
    static const struct {
        const char *model;
        int64_t watts;
    } typical[] = {{"X1C", 150}, {"X1E", 150}, {"X1", 150}, {"P1S", 130},
                   {"P1P", 130}, {"A1", 95},   {"A1M", 80}, {"H2D", 200}};

    for (size_t i = 0; model != NULL && i < sizeof(typical) / sizeof(typical[0]);
         i++)
        if (strcmp(typical[i].model, model) == 0)
            return typical[i].watts;
    return 120;
}

int
printer_cost_params(struct ctx *c, int64_t id, int64_t *watts, int64_t *rate)
{
    struct db_stmt *st;
    int rc;

    *watts = printer_default_watts(NULL);
    *rate = 0;
    if (id == DB_NULL)
        return 0;
    st = db_query(c->db,
                  "SELECT model, power_watts, machine_rate FROM printers "
                  "WHERE id = ? AND user_id = ?",
                  "ii", id, c->user_id);
    if (st == NULL)
        return err_internal(&c->err, "printer: cost select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "printer: cost select failed");
    *watts = db_int(st, 1) != DB_NULL ? db_int(st, 1)
                                       : printer_default_watts(db_text(st, 0));
    *rate = db_int(st, 2);
    db_done(st);
    return 1;
}

static void
printer_row(struct ctx *c, struct db_stmt *st, struct printer *p)
{
    struct arena *a = c->arena;

    p->id = db_int(st, 0);
    p->name = arena_strdup(a, db_text(st, 1));
    p->model = arena_strdup(a, db_text(st, 2));
    p->serial = arena_strdup(a, db_text(st, 3));
    p->host = arena_strdup(a, db_text(st, 4));
    p->port = db_int(st, 5);
    p->ftp_port = db_int(st, 6);
    p->status = arena_strdup(a, db_text(st, 7));
    p->status_detail = arena_strdup(a, db_text(st, 8));
    p->online = db_int(st, 9);
    p->progress_percent = db_int(st, 10);
    p->remaining_minutes = db_int(st, 11);
    p->current_print_id = db_int(st, 12);
    p->nozzle_temp = db_int(st, 13);
    p->bed_temp = db_int(st, 14);
    p->last_seen_at = db_int(st, 15);
    p->created_at = db_int(st, 16);
    p->updated_at = db_int(st, 17);
    p->power_watts = db_int(st, 18);
    p->machine_rate = db_int(st, 19);
    p->access_code = NULL;
}

int
printer_list(struct ctx *c, int64_t limit, int64_t offset,
             struct printer **out, int *n)
{
    struct db_stmt *st = db_query(c->db,
                                  "SELECT " PRINTER_COLS " FROM printers "
                                  "WHERE user_id = ? ORDER BY id "
                                  "LIMIT ? OFFSET ?",
                                  "iii", c->user_id, limit, offset);
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)limit);
    if (st == NULL)
        return err_internal(&c->err, "printer: list failed");
    while ((rc = db_step(st)) == DB_ROW)
        printer_row(c, st, &(*out)[(*n)++]);
    return rc == DB_DONE ? 0 : err_internal(&c->err, "printer: list failed");
}

int
printer_get(struct ctx *c, int64_t id, struct printer *p)
{
    struct db_stmt *st = db_query(c->db,
                                  "SELECT " PRINTER_COLS " FROM printers "
                                  "WHERE id = ? AND user_id = ?",
                                  "ii", id, c->user_id);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "printer: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    if (rc != DB_ROW)
        return err_internal(&c->err, "printer: select failed");
    printer_row(c, st, p);
    db_done(st);
    return 0;
}

int
printer_owned(struct ctx *c, int64_t id)
{
    int64_t one = 0;
    int rc = db_get_int(c->db, &one,
                        "SELECT 1 FROM printers WHERE id = ? AND user_id = ?",
                        "ii", id, c->user_id);

    if (rc == DB_ERROR)
        return err_internal(&c->err, "printer: select failed");
    return rc == DB_ROW;
}

int
printer_maintenance_get(struct ctx *c, int64_t id, int64_t *interval_hours,
                        int64_t *notified_at)
{
    struct db_stmt *st = db_query(c->db,
                                  "SELECT maintenance_interval_hours, "
                                  "maintenance_notified_at FROM printers "
                                  "WHERE id = ? AND user_id = ?",
                                  "ii", id, c->user_id);
    int rc;

    *interval_hours = *notified_at = DB_NULL;
    if (st == NULL)
        return err_internal(&c->err, "printer: maintenance select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "printer: maintenance select failed");
    *interval_hours = db_int(st, 0);
    *notified_at = db_int(st, 1);
    db_done(st);
    return 1;
}

int
printer_maintenance_set_interval(struct ctx *c, int64_t id, int64_t hours)
{
    /* the right-hand sides see the old row: only a change re-arms */
    if (db_exec(c->db,
                "UPDATE printers SET maintenance_notified_at = CASE "
                "WHEN maintenance_interval_hours = ? "
                "THEN maintenance_notified_at ELSE NULL END, "
                "maintenance_interval_hours = ? WHERE id = ? AND user_id = ?",
                "iiii", hours, hours, id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "printer: maintenance update failed");
    return db_changes(c->db) > 0;
}

int
printer_maintenance_notified(struct ctx *c, int64_t id, int64_t at)
{
    if (db_exec(c->db,
                "UPDATE printers SET maintenance_notified_at = ? "
                "WHERE id = ? AND user_id = ?",
                "iii", at, id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "printer: maintenance update failed");
    return 0;
}

static int
printer_check(struct ctx *c, struct printer *p)
{
    const char *refused;
    int host_ok = 1;

    bind_check(c, printer_fields, p); /* collects; the rules below add */
    for (const char *s = p->serial ? p->serial : ""; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= 'a' && *s <= 'z'))) {
            err_field(&c->err, "serial", "must be letters and digits only");
            break;
        }
    for (const char *s = p->host ? p->host : ""; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= 'a' && *s <= 'z') || *s == '.' || *s == '-' ||
              *s == ':' || *s == '_')) {
            err_field(&c->err, "host", "must be a host name or IP address");
            host_ok = 0;
            break;
        }
    /* an address in a refused range, however it is spelt; a name is
     * checked on the address the dispatcher connects to */
    if (host_ok && p->host != NULL &&
        (refused = outbound_check_host(OUTBOUND_PRINTER, p->host)) != NULL)
        err_field(&c->err, "host", "is %s, which the outbound policy refuses",
                  refused);
    return err_is_set(&c->err) ? -1 : 0;
}

/* The place a printer's access code is sealed for (secret.h): its row. */
static const char *
code_ad(struct ctx *c, int64_t id)
{
    return arena_printf(c->arena, "printers.access_code_sealed:%lld",
                        (long long)id);
}

int64_t
printer_create(struct ctx *c, struct printer *p)
{
    int64_t id = 0;
    char *sealed;
    int rc;

    if (p->access_code == NULL)
        err_field(&c->err, "access_code", "is required");
    if (printer_check(c, p) < 0)
        return -1;
    /* the code is sealed for the row's id, which the insert makes: both
     * in one transaction, so no row is ever seen without its code */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "printer: begin failed");
    rc = db_get_int(c->db, &id,
                    "INSERT INTO printers (user_id, name, model, serial, "
                    "host, port, ftp_port, access_code_sealed, created_at, "
                    "updated_at, power_watts, machine_rate) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?) "
                    "RETURNING id",
                    "ittttiiiiii", c->user_id, p->name, p->model, p->serial,
                    p->host, p->port, p->ftp_port, c->now, c->now,
                    p->power_watts, p->machine_rate);
    if (rc == DB_CONSTRAINT) {
        db_rollback(c->db);
        return err_set(&c->err, ERR_CONFLICT,
                       "you already have a printer with serial %s",
                       p->serial);
    }
    if (rc != DB_ROW) {
        db_rollback(c->db);
        return err_internal(&c->err, "printer: insert failed");
    }
    sealed = secret_seal(c->arena, p->access_code, code_ad(c, id));
    if (sealed == NULL) {
        db_rollback(c->db);
        return err_internal(&c->err, "printer: sealing failed");
    }
    rc = db_exec(c->db,
                 "UPDATE printers SET access_code_sealed = ? WHERE id = ?",
                 "ti", sealed, id);
    if (db_end(c->db, rc == DB_DONE ? 0 : -1) < 0)
        return err_internal(&c->err, "printer: insert failed");
    return id;
}

int
printer_update(struct ctx *c, struct printer *p)
{
    char *sealed = NULL;
    int rc;

    if (printer_check(c, p) < 0)
        return -1;
    if (p->access_code != NULL &&
        (sealed = secret_seal(c->arena, p->access_code,
                              code_ad(c, p->id))) == NULL)
        return err_internal(&c->err, "printer: sealing failed");
    rc = db_exec(c->db,
                 "UPDATE printers SET name = ?, model = ?, serial = ?, "
                 "host = ?, port = ?, ftp_port = ?, "
                 "cert_fingerprint = CASE WHEN host = ? AND port = ? AND "
                 "ftp_port = ? AND ? IS NULL THEN cert_fingerprint "
                 "ELSE NULL END, "
                 "access_code_sealed = COALESCE(?, access_code_sealed), "
                 "power_watts = ?, machine_rate = ?, "
                 "updated_at = ? WHERE id = ? AND user_id = ?",
                 "ttttiitiittiiiii", p->name, p->model, p->serial, p->host,
                 p->port, p->ftp_port, p->host, p->port, p->ftp_port, sealed,
                 sealed, p->power_watts, p->machine_rate, c->now, p->id,
                 c->user_id);
    if (rc == DB_CONSTRAINT)
        return err_set(&c->err, ERR_CONFLICT,
                       "you already have a printer with serial %s",
                       p->serial);
    if (rc != DB_DONE)
        return err_internal(&c->err, "printer: update failed");
    return 0;
}

int
printer_delete(struct ctx *c, int64_t id)
{
    int64_t busy = 0;
    int rc;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "printer: begin failed");
    rc = printer_owned(c, id);
    if (rc <= 0) {
        db_rollback(c->db);
        return rc < 0 ? -1 : err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    }
    rc = job_started_on(c, id, &busy);
    if (rc == 1) {
        db_rollback(c->db);
        return err_set(&c->err, ERR_CONFLICT,
                       "print %lld is running on this printer; wait for it "
                       "to end first",
                       (long long)busy);
    }
    if (rc < 0 || job_cancel_on_printer(c, id) < 0 ||
        db_exec(c->db, "DELETE FROM printers WHERE id = ? AND user_id = ?",
                "ii", id, c->user_id) != DB_DONE ||
        db_commit(c->db) < 0) {
        db_rollback(c->db);
        return err_internal(&c->err, "printer: delete failed");
    }
    return 0;
}

int64_t
printer_queue_version(struct ctx *c, int64_t id)
{
    int64_t v = 0;
    int rc = db_get_int(c->db, &v,
                        "SELECT queue_version FROM printers "
                        "WHERE id = ? AND user_id = ?",
                        "ii", id, c->user_id);

    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    if (rc != DB_ROW)
        return err_internal(&c->err, "printer: queue_version failed");
    return v;
}

/* ---- for the dispatcher ---- */

int
printer_set_current(struct ctx *c, int64_t id, int64_t print_id)
{
    if (db_exec(c->db, "UPDATE printers SET current_print_id = ? WHERE id = ?",
                "ii", print_id, id) != DB_DONE)
        return err_internal(&c->err, "printer: current print failed");
    return 0;
}

int
printer_clear_current(struct ctx *c, int64_t id, int64_t print_id)
{
    if (db_exec(c->db,
                "UPDATE printers SET current_print_id = NULL WHERE id = ? "
                "AND current_print_id = ?",
                "ii", id, print_id) != DB_DONE)
        return err_internal(&c->err, "printer: current print failed");
    return 0;
}

int
printer_set_blocked(struct ctx *c, int64_t id, const char *status,
                    const char *detail, int64_t devmode_refused_at)
{
    if (db_exec(c->db,
                "UPDATE printers SET status = ?, status_detail = ?, "
                "devmode_refused_at = ? WHERE id = ?",
                "ttii", status, detail, devmode_refused_at, id) != DB_DONE)
        return err_internal(&c->err, "printer: status update failed");
    return 0;
}

#define PRINTER_WATCHED_COLS                                                   \
    "id, user_id, name, model, serial, host, port, ftp_port, "                \
    "access_code_sealed, status, online, current_print_id, last_seen_at, "    \
    "last_pushall_at, devmode_refused_at, silent_runs, state_json, "          \
    "cert_fingerprint, offline_since, offline_notified"

static void
printer_watched_row(struct ctx *c, struct db_stmt *st,
                    struct printer_watched *p)
{
    struct arena *a = c->arena;

    p->id = db_int(st, 0);
    p->user_id = db_int(st, 1);
    p->name = arena_strdup(a, db_text(st, 2));
    p->model = arena_strdup(a, db_text(st, 3));
    p->serial = arena_strdup(a, db_text(st, 4));
    p->host = arena_strdup(a, db_text(st, 5));
    p->port = db_int(st, 6);
    p->ftp_port = db_int(st, 7);
    p->access_code_sealed = arena_strdup(a, db_text(st, 8));
    p->status = arena_strdup(a, db_text(st, 9));
    p->online = db_int(st, 10);
    p->current_print_id = db_int(st, 11);
    p->last_seen_at = db_int(st, 12);
    p->last_pushall_at = db_int(st, 13);
    p->devmode_refused_at = db_int(st, 14);
    p->silent_runs = db_int(st, 15);
    p->state_json = arena_strdup(a, db_text(st, 16));
    p->cert_fingerprint = arena_strdup(a, db_text(st, 17));
    p->offline_since = db_int(st, 18);
    p->offline_notified = db_int(st, 19);
}

int
printer_list_watched(struct ctx *c, struct printer_watched **out, int *n)
{
    struct db_stmt *st;
    size_t cap = 64;
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * cap);
    st = db_query(c->db,
                  "SELECT " PRINTER_WATCHED_COLS " FROM printers ORDER BY id",
                  "");
    if (st == NULL)
        return err_internal(&c->err, "printer: list failed");
    while ((rc = db_step(st)) == DB_ROW) {
        if ((size_t)*n == cap) {
            struct printer_watched *more =
                arena_alloc(c->arena, sizeof(*more) * cap * 2);

            memcpy(more, *out, sizeof(*more) * cap);
            *out = more;
            cap *= 2;
        }
        printer_watched_row(c, st, &(*out)[(*n)++]);
    }
    return rc == DB_DONE ? 0 : err_internal(&c->err, "printer: list failed");
}

char *
printer_access_code(struct ctx *c, const struct printer_watched *w)
{
    if (w->access_code_sealed == NULL)
        return NULL;
    return secret_open(c->arena, w->access_code_sealed, code_ad(c, w->id));
}

int
printer_reseal(struct ctx *c, struct reseal_stats *st)
{
    return reseal_column(
        c,
        "SELECT id, access_code_sealed FROM printers WHERE id > ? AND "
        "access_code_sealed IS NOT NULL AND "
        "substr(access_code_sealed, 1, 3) <> 'v2:' ORDER BY id LIMIT ?",
        "UPDATE printers SET access_code_sealed = ? WHERE id = ? AND "
        "access_code_sealed = ?",
        "printers.access_code_sealed:", 0, st);
}

int
printer_save_seen(struct ctx *c, int64_t id, const struct printer_seen *s)
{
    int64_t report = s->report ? 1 : 0;
    int rc;

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
        s->status, s->status_detail, s->online, report, s->progress_percent,
        report, s->remaining_minutes, report, s->nozzle_temp, report,
        s->bed_temp, s->last_seen_at, s->state_json, s->cert_fingerprint,
        s->last_pushall_at, s->silent_runs, s->devmode_refused_at, s->firmware,
        id);
    if (rc != DB_DONE)
        return err_internal(&c->err, "printer: %lld: status update failed",
                            (long long)id);
    return 0;
}

int
printer_set_offline(struct ctx *c, int64_t id, int64_t since,
                    int64_t notified)
{
    if (db_exec(c->db,
                "UPDATE printers SET offline_since = ?, offline_notified = ? "
                "WHERE id = ?",
                "iii", since, notified, id) != DB_DONE)
        return err_internal(&c->err, "printer: offline update failed");
    return 0;
}
