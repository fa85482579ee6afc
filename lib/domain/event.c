#include "domain/event.h"

#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "base/jsonio.h"
#include "domain/notifypref.h"

#include "base/banned.h"

enum event_pref
event_pref_of(const char *kind)
{
    static const struct {
        const char *kind;
        enum event_pref pref;
    } map[] = {
        {"print_started", EVENT_PREF_START},
        {"print_completed", EVENT_PREF_COMPLETE},
        {"print_failed", EVENT_PREF_FAILED},
        {"print_cancelled", EVENT_PREF_FAILED},
        {"print_start_refused", EVENT_PREF_FAILED},
        {"material_changed", EVENT_PREF_MATERIAL},
        {"material_low", EVENT_PREF_MATERIAL},
        {"maintenance_due", EVENT_PREF_MAINTENANCE},
        {"test", EVENT_PREF_ALWAYS},
    };

    if (kind == NULL)
        return EVENT_PREF_NONE;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].kind, kind) == 0)
            return map[i].pref;
    if (strncmp(kind, "printer_", 8) == 0 && kind[8] != '\0')
        return EVENT_PREF_MAINTENANCE;
    return EVENT_PREF_NONE;
}

int
event_wanted(const struct notifypref *n, const char *kind)
{
    switch (event_pref_of(kind)) {
    case EVENT_PREF_START:
        return n->on_print_start != 0;
    case EVENT_PREF_COMPLETE:
        return n->on_print_complete != 0;
    case EVENT_PREF_FAILED:
        return n->on_print_failed != 0;
    case EVENT_PREF_MAINTENANCE:
        return n->on_maintenance != 0;
    case EVENT_PREF_MATERIAL:
        return n->on_material_change != 0;
    case EVENT_PREF_ALWAYS:
        return 1;
    default:
        return 0;
    }
}

/* The payload text, from the arena. */
static const char *
event_payload(struct ctx *c, const char *kind, const struct event_printer *p,
              const struct event_print *j, const char *detail)
{
    struct json_object *o = jsonio_own(c, json_object_new_object());
    struct json_object *po = json_object_new_object();

    jsonio_add_str(o, "event", kind);
    jsonio_add_int(po, "id", p->id);
    jsonio_add_str(po, "name", p->name);
    jsonio_add_str(po, "serial", p->serial);
    jsonio_add_str(po, "model", p->model);
    json_object_object_add(o, "printer", po);
    if (j != NULL) {
        struct json_object *jo = json_object_new_object();

        jsonio_add_int(jo, "id", j->id);
        jsonio_add_str(jo, "name", j->name);
        jsonio_add_str(jo, "status", j->status);
        jsonio_add_str(jo, "file", j->file);
        jsonio_add_int(jo, "order_id", j->order_id);
        json_object_object_add(o, "print", jo);
    } else {
        json_object_object_add(o, "print", NULL);
    }
    jsonio_add_str(o, "detail", detail);
    jsonio_add_time(o, "occurred_at", c->now);
    return arena_strdup(c->arena, json_object_to_json_string_ext(
                                      o, JSON_C_TO_STRING_PLAIN |
                                             JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int
outbox_add(struct ctx *c, int64_t printer_id, int64_t event_id,
           const char *kind, const char *channel, const char *target,
           const char *payload)
{
    if (db_exec(c->db,
                "INSERT INTO outbox (user_id, printer_id, event_id, event, "
                "channel, target, payload, next_attempt_at, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "iiittttii", c->user_id, printer_id, event_id, kind, channel,
                target, payload, c->now, c->now) != DB_DONE)
        return err_internal(&c->err, "event: outbox insert failed");
    return 0;
}

static int64_t
event_write(struct ctx *c, const char *kind, const struct event_printer *p,
            const struct event_print *j, const char *detail)
{
    struct notifypref n;
    const char *payload;
    int64_t id = 0;

    if (notifypref_get(c, p->id, &n) < 0)
        return -1;
    payload = event_payload(c, kind, p, j, detail);
    if (db_get_int(c->db, &id,
                   "INSERT INTO events (user_id, printer_id, print_id, "
                   "order_id, kind, detail, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   "iiiitti", c->user_id, p->id, j ? j->id : DB_NULL,
                   j ? j->order_id : DB_NULL, kind, payload, c->now) != DB_ROW)
        return err_internal(&c->err, "event: insert failed");
    if (!event_wanted(&n, kind))
        return id;
    if (n.email_enabled && n.email_address != NULL &&
        outbox_add(c, p->id, id, kind, "email", n.email_address, payload) < 0)
        return -1;
    if (n.webhook_url != NULL && n.webhook_url[0] != '\0' &&
        n.webhook_disabled_at == DB_NULL &&
        outbox_add(c, p->id, id, kind, "webhook", n.webhook_url, payload) < 0)
        return -1;
    return id;
}

int64_t
event_emit(struct ctx *c, const char *kind, const struct event_printer *p,
           const struct event_print *j, const char *detail)
{
    int64_t id;

    /* a savepoint inside the caller's transaction, so the event and its
     * outbox rows are written together or not at all */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "event: begin failed");
    id = event_write(c, kind, p, j, detail);
    if (db_end(c->db, id < 0 ? -1 : 0) < 0)
        return id < 0 ? -1 : err_internal(&c->err, "event: commit failed");
    return id;
}
