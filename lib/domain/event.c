#include "domain/event.h"

#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "base/jsonio.h"
#include "base/secret.h"
#include "domain/notifypref.h"
#include "domain/printer.h"
#include "domain/reseal.h"
#include "store/db.h"

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

/* A webhook's target is its URL, a credential: sealed for its outbox row
 * (secret.h), which the insert makes, so it is written right after. */
#define TARGET_AD "outbox.target:"

static const char *
target_ad(struct ctx *c, int64_t outbox_id)
{
    return arena_printf(c->arena, TARGET_AD "%lld", (long long)outbox_id);
}

static int
sealed_target(const char *channel)
{
    return strcmp(channel, "webhook") == 0;
}

/* *room: how many more rows c->user_id may queue before it holds
 * FARM_OUTBOX_MAX_PENDING pending ones (0 or less: none). Counts at most
 * that many (the outbox_user_pending index), so a user far over the cap
 * costs no more to check than one at it. 0, or -1 (c->err set). */
static int
outbox_room(struct ctx *c, int64_t *room)
{
    int64_t cap = c->conf->outbox_max_pending, n = 0;

    if (db_get_int(c->db, &n,
                   "SELECT COUNT(*) FROM (SELECT 1 FROM outbox "
                   "WHERE user_id = ? AND status = 'pending' LIMIT ?) AS p",
                   "ii", c->user_id, cap) != DB_ROW)
        return err_internal(&c->err, "event: outbox count failed");
    *room = cap - n;
    return 0;
}

/* One outbox row, pending while *room is above 0 (and *room one less),
 * else written as failed, saying why: over the cap nothing is queued, and
 * nothing is lost without a trace either. 0 or -1. */
static int
outbox_add(struct ctx *c, int64_t *room, int64_t printer_id, int64_t event_id,
           const char *kind, const char *channel, const char *target,
           const char *payload)
{
    int full = *room <= 0, seal = sealed_target(channel);
    const char *sealed;
    int64_t id = 0;

    if (db_get_int(c->db, &id,
                   "INSERT INTO outbox (user_id, printer_id, event_id, event, "
                   "channel, target, payload, next_attempt_at, created_at, "
                   "status, last_error) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   "iiittttiitt", c->user_id, printer_id, event_id, kind,
                   channel, seal ? "" : target, payload, c->now, c->now,
                   full ? "failed" : "pending",
                   full ? arena_printf(c->arena, EVENT_OUTBOX_FULL " (%lld)",
                                       (long long)c->conf->outbox_max_pending)
                        : NULL) != DB_ROW)
        return err_internal(&c->err, "event: outbox insert failed");
    if (!full)
        (*room)--;
    if (!seal)
        return 0;
    sealed = secret_seal(c->arena, target, target_ad(c, id));
    if (sealed == NULL ||
        db_exec(c->db, "UPDATE outbox SET target = ? WHERE id = ?", "ti",
                sealed, id) != DB_DONE)
        return err_internal(&c->err, "event: outbox target not sealed");
    return 0;
}

const char *
event_target(struct ctx *c, int64_t outbox_id, const char *channel,
             const char *stored)
{
    if (stored == NULL || !sealed_target(channel))
        return stored;
    return secret_open(c->arena, stored, target_ad(c, outbox_id));
}

int
event_reseal(struct ctx *c, struct reseal_stats *st)
{
    /* webhook targets were stored plain before they were sealed */
    return reseal_column(c,
                         "SELECT id, target FROM outbox WHERE id > ? AND "
                         "channel = 'webhook' AND "
                         "substr(target, 1, 3) <> 'v2:' ORDER BY id LIMIT ?",
                         "UPDATE outbox SET target = ? WHERE id = ? AND "
                         "target = ?",
                         TARGET_AD, 1, st);
}

static int64_t
event_write(struct ctx *c, const char *kind, const struct event_printer *p,
            const struct event_print *j, const char *detail)
{
    struct notifypref n;
    const char *payload;
    int64_t id = 0, room;

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
    if (!event_wanted(&n, kind) || notifypref_channels(&n) == 0)
        return id;
    if (outbox_room(c, &room) < 0)
        return -1;
    if (n.email_enabled && n.email_address != NULL &&
        outbox_add(c, &room, p->id, id, kind, "email", n.email_address,
                   payload) < 0)
        return -1;
    if (n.webhook_url != NULL && n.webhook_url[0] != '\0' &&
        n.webhook_disabled_at == DB_NULL &&
        outbox_add(c, &room, p->id, id, kind, "webhook", n.webhook_url,
                   payload) < 0)
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

static int64_t
event_write_user(struct ctx *c, const char *kind, int64_t order_id,
                 const char *detail)
{
    struct json_object *o = jsonio_own(c, json_object_new_object());
    struct printer *ps;
    const char **seen;
    const char *payload;
    int64_t id = 0, room = 0;
    int n, nseen = 0;

    jsonio_add_str(o, "event", kind);
    json_object_object_add(o, "printer", NULL);
    json_object_object_add(o, "print", NULL);
    jsonio_add_int(o, "order_id", order_id);
    jsonio_add_str(o, "detail", detail);
    jsonio_add_time(o, "occurred_at", c->now);
    payload = arena_strdup(c->arena, json_object_to_json_string_ext(
                                         o, JSON_C_TO_STRING_PLAIN |
                                                JSON_C_TO_STRING_NOSLASHESCAPE));
    if (db_get_int(c->db, &id,
                   "INSERT INTO events (user_id, printer_id, print_id, "
                   "order_id, kind, detail, created_at) "
                   "VALUES (?, NULL, NULL, ?, ?, ?, ?) RETURNING id",
                   "iitti", c->user_id, order_id, kind, payload,
                   c->now) != DB_ROW)
        return err_internal(&c->err, "event: insert failed");
    if (printer_list(c, 1000, 0, &ps, &n) < 0 ||
        (n > 0 && outbox_room(c, &room) < 0))
        return -1;
    /* every channel once: "email\0target" / "webhook\0target" pairs */
    seen = arena_alloc(c->arena, sizeof(*seen) * (size_t)(2 * n + 1));
    for (int i = 0; i < n; i++) {
        struct notifypref np;
        const char *ch[2] = {NULL, NULL}, *tg[2] = {NULL, NULL};

        if (notifypref_get(c, ps[i].id, &np) < 0)
            return -1;
        if (np.email_enabled && np.email_address != NULL) {
            ch[0] = "email";
            tg[0] = np.email_address;
        }
        if (np.webhook_url != NULL && np.webhook_url[0] != '\0' &&
            np.webhook_disabled_at == DB_NULL) {
            ch[1] = "webhook";
            tg[1] = np.webhook_url;
        }
        for (int k = 0; k < 2; k++) {
            const char *key;
            int dup = 0;

            if (ch[k] == NULL)
                continue;
            key = arena_printf(c->arena, "%s %s", ch[k], tg[k]);
            for (int s = 0; s < nseen && !dup; s++)
                dup = strcmp(seen[s], key) == 0;
            if (dup)
                continue;
            seen[nseen++] = key;
            if (outbox_add(c, &room, ps[i].id, id, kind, ch[k], tg[k],
                           payload) < 0)
                return -1;
        }
    }
    return id;
}

int64_t
event_emit_user(struct ctx *c, const char *kind, int64_t order_id,
                const char *detail)
{
    int64_t id;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "event: begin failed");
    id = event_write_user(c, kind, order_id, detail);
    if (db_end(c->db, id < 0 ? -1 : 0) < 0)
        return id < 0 ? -1 : err_internal(&c->err, "event: commit failed");
    return id;
}

/* Indexed by bit position; the outbox's status column (sql/sqlite/003). */
static const char *const delivery_states[] = {"pending", "delivered", "failed",
                                              "expired", NULL};

int
event_delivery_mask(const char *list, unsigned *mask)
{
    return bind_name_mask(list, delivery_states, mask);
}

int
event_deliveries(struct ctx *c, int64_t printer_id, int64_t event_id,
                 unsigned mask, int64_t limit, int64_t offset,
                      struct event_delivery **out, int *n)
{
    struct db_stmt *st;
    int rc = printer_owned(c, printer_id);

    *n = 0;
    *out = NULL;
    if (rc <= 0)
        return rc < 0 ? -1
                      : err_set(&c->err, ERR_NOT_FOUND, "no such printer");
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)limit);
    /* outbox_printer (printer_id, id) serves the order; the status test
     * maps each state to its bit of mask */
    st = db_query(c->db,
                  "SELECT id, delivery_id, event, channel, target, status, "
                  "attempts, last_code, last_error, next_attempt_at, "
                  "delivered_at, created_at FROM outbox "
                  "WHERE printer_id = ? AND user_id = ? "
                  "AND (? = 0 OR event_id = ?) "
                  "AND (? & CASE status WHEN 'pending' THEN 1 "
                  "WHEN 'delivered' THEN 2 WHEN 'failed' THEN 4 "
                  "WHEN 'expired' THEN 8 ELSE 0 END) <> 0 "
                  "ORDER BY id DESC LIMIT ? OFFSET ?",
                  "iiiiiii", printer_id, c->user_id, event_id, event_id,
                  (int64_t)mask, limit, offset);
    if (st == NULL)
        return err_internal(&c->err, "event: deliveries failed");
    while ((rc = db_step(st)) == DB_ROW && *n < limit) {
        struct event_delivery *d = &(*out)[(*n)++];

        d->id = db_int(st, 0);
        d->delivery_id = arena_strdup(c->arena, db_text(st, 1));
        d->event = arena_strdup(c->arena, db_text(st, 2));
        d->channel = arena_strdup(c->arena, db_text(st, 3));
        d->target = event_target(c, d->id, d->channel,
                                 arena_strdup(c->arena, db_text(st, 4)));
        d->status = arena_strdup(c->arena, db_text(st, 5));
        d->attempts = db_int(st, 6);
        d->last_code = db_int(st, 7);
        d->last_error = arena_strdup(c->arena, db_text(st, 8));
        d->next_attempt_at =
            strcmp(d->status, "pending") == 0 ? db_int(st, 9) : DB_NULL;
        d->delivered_at = db_int(st, 10);
        d->created_at = db_int(st, 11);
    }
    if (rc == DB_ROW) {
        db_done(st);
        rc = DB_DONE;
    }
    return rc == DB_DONE
               ? 0
               : err_internal(&c->err, "event: deliveries failed");
}

/* 0 when c->user_id may queue another test now: fewer than
 * FARM_NOTIFY_TESTS_PER_MINUTE test events in the last 60 s (events_test).
 * Else 429 with *retry_after the seconds until the oldest of them leaves
 * the window. -1 also on a database error (500). */
static int
event_test_allowed(struct ctx *c, int64_t *retry_after)
{
    int64_t max = c->conf->notify_tests_per_minute, oldest = c->now;
    struct db_stmt *st;
    int64_t n = 0;
    int rc;

    st = db_query(c->db,
                  "SELECT created_at FROM events WHERE user_id = ? AND "
                  "kind = 'test' AND created_at > ? "
                  "ORDER BY created_at DESC LIMIT ?",
                  "iii", c->user_id, c->now - EVENT_TEST_WINDOW_S, max);
    if (st == NULL)
        return err_internal(&c->err, "event: test count failed");
    while ((rc = db_step(st)) == DB_ROW) {
        oldest = db_int(st, 0);
        n++;
    }
    if (rc != DB_DONE)
        return err_internal(&c->err, "event: test count failed");
    if (n < max)
        return 0;
    *retry_after = oldest + EVENT_TEST_WINDOW_S - c->now;
    if (*retry_after < 1)
        *retry_after = 1;
    return err_set(&c->err, ERR_RATE_LIMITED,
                   "at most %lld test messages a minute; try again in "
                   "%lld s",
                   (long long)max, (long long)*retry_after);
}

static int64_t
event_write_test(struct ctx *c, int64_t printer_id, int64_t *retry_after)
{
    struct notifypref n;
    struct printer p;
    struct event_printer ep;

    if (printer_get(c, printer_id, &p) < 0 ||
        notifypref_get(c, p.id, &n) < 0)
        return -1;
    if (notifypref_channels(&n) == 0)
        return err_set(&c->err, ERR_CONFLICT,
                       n.webhook_url != NULL && n.webhook_disabled_at != DB_NULL
                           ? "the webhook is disabled (it answered 410 Gone) "
                             "and email is off: save webhook_url again or "
                             "enable email first"
                           : "no notification channel is enabled: enable "
                             "email or set a webhook first");
    if (event_test_allowed(c, retry_after) < 0)
        return -1;
    ep.id = p.id;
    ep.name = p.name;
    ep.serial = p.serial;
    ep.model = p.model;
    return event_emit(c, "test", &ep, NULL,
                      "This is a test message from bambufarm.");
}

int64_t
event_send_test(struct ctx *c, int64_t printer_id, int64_t *retry_after)
{
    int64_t id, unused = 0;

    /* the count and the new event in one write transaction, so two
     * requests at once cannot both take the last place in the window */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "event: begin failed");
    id = event_write_test(c, printer_id,
                          retry_after != NULL ? retry_after : &unused);
    if (db_end(c->db, id < 0 ? -1 : 0) < 0)
        return id < 0 ? -1 : err_internal(&c->err, "event: commit failed");
    return id;
}
