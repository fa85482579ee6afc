#include "domain/printer.h"

#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "domain/job.h"
#include "base/secret.h"

#include "base/banned.h"

const char *const printer_models[] = {"X1C", "X1E", "X1",  "P1S",   "P1P",
                                      "A1",  "A1M", "H2D", "other", NULL};

#define PRINTER_COLS                                                           \
    "id, name, model, serial, host, port, ftp_port, status, status_detail, "  \
    "online, progress_percent, remaining_minutes, current_print_id, "         \
    "nozzle_temp, bed_temp, last_seen_at, created_at, updated_at"

void
printer_init(struct printer *p)
{
    memset(p, 0, sizeof(*p));
    p->port = 8883;
    p->ftp_port = 990;
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

static int
printer_check(struct ctx *c, const struct printer *p)
{
    int ok = 0;

    for (const char *const *m = printer_models; *m; m++)
        if (strcmp(*m, p->model) == 0)
            ok = 1;
    if (!ok)
        err_field(&c->err, "model",
                  "must be one of X1C, X1E, X1, P1S, P1P, A1, A1M, H2D, "
                  "other");
    for (const char *s = p->serial; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= 'a' && *s <= 'z'))) {
            err_field(&c->err, "serial", "must be letters and digits only");
            break;
        }
    for (const char *s = p->host; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= 'a' && *s <= 'z') || *s == '.' || *s == '-' ||
              *s == ':' || *s == '_')) {
            err_field(&c->err, "host", "must be a host name or IP address");
            break;
        }
    return err_is_set(&c->err) ? -1 : 0;
}

int64_t
printer_create(struct ctx *c, struct printer *p)
{
    int64_t id = 0;
    char *sealed;
    int rc;

    if (printer_check(c, p) < 0)
        return -1;
    sealed = secret_seal(c->arena, p->access_code);
    if (sealed == NULL)
        return err_internal(&c->err, "printer: sealing failed");
    rc = db_get_int(c->db, &id,
                    "INSERT INTO printers (user_id, name, model, serial, "
                    "host, port, ftp_port, access_code_sealed, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING id",
                    "ittttiitii", c->user_id, p->name, p->model, p->serial,
                    p->host, p->port, p->ftp_port, sealed, c->now, c->now);
    if (rc == DB_CONSTRAINT)
        return err_set(&c->err, ERR_CONFLICT,
                       "you already have a printer with serial %s",
                       p->serial);
    if (rc != DB_ROW)
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
        (sealed = secret_seal(c->arena, p->access_code)) == NULL)
        return err_internal(&c->err, "printer: sealing failed");
    rc = db_exec(c->db,
                 "UPDATE printers SET name = ?, model = ?, serial = ?, "
                 "host = ?, port = ?, ftp_port = ?, "
                 "cert_fingerprint = CASE WHEN host = ? AND port = ? AND "
                 "ftp_port = ? AND ? IS NULL THEN cert_fingerprint "
                 "ELSE NULL END, "
                 "access_code_sealed = COALESCE(?, access_code_sealed), "
                 "updated_at = ? WHERE id = ? AND user_id = ?",
                 "ttttiitiittiii", p->name, p->model, p->serial, p->host,
                 p->port, p->ftp_port, p->host, p->port, p->ftp_port, sealed,
                 sealed, c->now, p->id, c->user_id);
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
