#include "domain/notifypref.h"

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/ctx.h"
#include "base/log.h"
#include "base/outbound.h"
#include "store/db.h"
#include "domain/printer.h"
#include "domain/reseal.h"
#include "base/secret.h"
#include "base/webhook_sign.h"

#include "base/banned.h"

const char *const notifypref_formats[] = {"standard", "discord", "slack",
                                          NULL};

#define IN struct notifypref
const struct field notifypref_fields[] = {
    {"on_print_start", F_BOOL, offsetof(IN, on_print_start), 0, 0, 0, 0},
    {"on_print_complete", F_BOOL, offsetof(IN, on_print_complete), 0, 0, 0, 0},
    {"on_print_failed", F_BOOL, offsetof(IN, on_print_failed), 0, 0, 0, 0},
    {"on_maintenance", F_BOOL, offsetof(IN, on_maintenance), 0, 0, 0, 0},
    {"on_material_change", F_BOOL, offsetof(IN, on_material_change), 0, 0, 0,
     0},
    {"material_low_percent", F_INT, offsetof(IN, material_low_percent), 0, 0,
     100, 0},
    {"email_enabled", F_BOOL, offsetof(IN, email_enabled), 0, 0, 0, 0},
    {"email_address", F_EMAIL, offsetof(IN, email_address), F_NULL, 0, 0, 0},
    {"webhook_url", F_URL, offsetof(IN, webhook_url), F_NULL, 0, 0, 0},
    /* F_KEEP: no secret given keeps the stored one */
    {"webhook_secret", F_STR, offsetof(IN, webhook_secret), F_KEEP,
     NOTIFYPREF_SECRET_MIN, NOTIFYPREF_SECRET_MAX, 0},
    {"webhook_format", F_ENUM, offsetof(IN, webhook_format), F_NULL, 0, 0,
     notifypref_formats},
    {0},
};
#undef IN

void
notifypref_init(struct notifypref *n, int64_t printer_id)
{
    memset(n, 0, sizeof(*n));
    n->printer_id = printer_id;
    n->on_print_complete = 1;
    n->on_print_failed = 1;
    n->material_low_percent = NOTIFYPREF_MATERIAL_LOW_DEFAULT;
    n->updated_at = DB_NULL;
    n->webhook_disabled_at = DB_NULL;
}

static int
not_found(struct ctx *c)
{
    return err_set(&c->err, ERR_NOT_FOUND, "no such printer");
}

/* The places the webhook's URL and secret are sealed for (secret.h): the
 * printer's row of notification_settings. */
#define URL_AD "notification_settings.webhook_url:"
#define SECRET_AD "notification_settings.webhook_secret_sealed:"

static const char *
place(struct ctx *c, const char *ad, int64_t printer_id)
{
    return arena_printf(c->arena, "%s%lld", ad, (long long)printer_id);
}

/* The stored (sealed) webhook URL of printer_id opened, NULL when none; a
 * URL that cannot be opened is logged and taken as none. */
static const char *
url_open(struct ctx *c, int64_t printer_id, const char *sealed)
{
    char *url;

    if (sealed == NULL)
        return NULL;
    url = secret_open(c->arena, sealed, place(c, URL_AD, printer_id));
    if (url == NULL)
        log_error("notifypref: the webhook URL of printer %lld cannot be "
                  "opened (tampered, another row's, or sealed with another "
                  "key); taken as no webhook until it is saved again",
                  (long long)printer_id);
    return url;
}

int
notifypref_get(struct ctx *c, int64_t printer_id, struct notifypref *n)
{
    struct db_stmt *st;
    int rc = printer_owned(c, printer_id);

    if (rc <= 0)
        return rc < 0 ? -1 : not_found(c);
    notifypref_init(n, printer_id);
    st = db_query(c->db,
                  "SELECT on_print_start, on_print_complete, on_print_failed, "
                  "on_maintenance, on_material_change, email_enabled, "
                  "email_address, webhook_url, "
                  "CASE WHEN webhook_secret_sealed IS NULL THEN 0 ELSE 1 END, "
                  "updated_at, webhook_format, webhook_disabled_at, "
                  "webhook_disabled_reason, material_low_percent "
                  "FROM notification_settings WHERE printer_id = ?",
                  "i", printer_id);
    if (st == NULL)
        return err_internal(&c->err, "notifypref: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "notifypref: select failed");
    n->on_print_start = db_int(st, 0) != 0;
    n->on_print_complete = db_int(st, 1) != 0;
    n->on_print_failed = db_int(st, 2) != 0;
    n->on_maintenance = db_int(st, 3) != 0;
    n->on_material_change = db_int(st, 4) != 0;
    n->email_enabled = db_int(st, 5) != 0;
    n->email_address = arena_strdup(c->arena, db_text(st, 6));
    n->webhook_url = url_open(c, printer_id, db_text(st, 7));
    n->webhook_secret_set = db_int(st, 8) != 0;
    n->updated_at = db_int(st, 9);
    n->webhook_format = arena_strdup(c->arena, db_text(st, 10));
    n->webhook_disabled_at = db_int(st, 11);
    n->webhook_disabled_reason = arena_strdup(c->arena, db_text(st, 12));
    n->material_low_percent = db_int(st, 13);
    db_done(st);
    return 0;
}

static int
notifypref_check(struct ctx *c, struct notifypref *n)
{
    /* the table's rules first, then what spans fields or needs decoding */
    bind_check(c, notifypref_fields, n);
    /* (bind_check has refused a URL that is not even http or https) */
    if (n->webhook_url != NULL && bind_valid_url(n->webhook_url)) {
        int unparsable;
        const char *refused = outbound_check_url(n->webhook_url, &unparsable);

        /* the host judged is the one libcurl will connect to; a name is
         * checked on the address it resolves to when sending */
        if (unparsable)
            err_field(&c->err, "webhook_url",
                      "must be an absolute http or https URL");
        else if (refused != NULL)
            err_field(&c->err, "webhook_url",
                      "points at %s, which the outbound policy refuses",
                      refused);
    }
    if (n->email_enabled && n->email_address == NULL)
        err_field(&c->err, "email_enabled",
                  "needs an email_address to send to");
    if (n->webhook_secret != NULL &&
        bind_chars(n->webhook_secret) >= NOTIFYPREF_SECRET_MIN &&
        bind_chars(n->webhook_secret) <= NOTIFYPREF_SECRET_MAX &&
        !webhook_secret_valid(n->webhook_secret))
        err_field(&c->err, "webhook_secret",
                  "a secret starting with whsec_ must be base64 of 24 "
                  "to 64 bytes");
    return err_is_set(&c->err) ? -1 : 0;
}

/* Inside the transaction: seals the secret to store (or NULL to keep the
 * stored one), generating one when a webhook needs it. */
static int
secret_to_store(struct ctx *c, const struct notifypref *n, char **sealed,
                const char **generated)
{
    char token[WEBHOOK_SECRET_LEN + 1];
    int64_t have = 0;
    int rc;

    *sealed = NULL;
    if (n->webhook_secret != NULL) {
        *sealed = secret_seal(c->arena, n->webhook_secret,
                              place(c, SECRET_AD, n->printer_id));
        return *sealed == NULL ? -1 : 0;
    }
    if (n->webhook_url == NULL)
        return 0;
    rc = db_get_int(c->db, &have,
                    "SELECT 1 FROM notification_settings WHERE printer_id = ? "
                    "AND webhook_secret_sealed IS NOT NULL",
                    "i", n->printer_id);
    if (rc == DB_ROW)
        return 0;
    if (rc != DB_DONE)
        return -1;
    webhook_secret_new(token);
    *sealed = secret_seal(c->arena, token, place(c, SECRET_AD, n->printer_id));
    *generated = arena_strdup(c->arena, token);
    memset(token, 0, sizeof(token));
    return *sealed == NULL ? -1 : 0;
}

static int64_t
flag(int64_t v)
{
    return v != 0;
}

int
notifypref_save(struct ctx *c, struct notifypref *n, const char **generated)
{
    char *sealed, *url = NULL;
    int rc;

    *generated = NULL;
    if (notifypref_check(c, n) < 0)
        return -1;
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "notifypref: begin failed");
    rc = printer_owned(c, n->printer_id);
    if (rc <= 0) {
        db_rollback(c->db);
        return rc < 0 ? -1 : not_found(c);
    }
    if (secret_to_store(c, n, &sealed, generated) < 0 ||
        (n->webhook_url != NULL &&
         (url = secret_seal(c->arena, n->webhook_url,
                            place(c, URL_AD, n->printer_id))) == NULL)) {
        db_rollback(c->db);
        *generated = NULL;
        return err_internal(&c->err, "notifypref: secret failed");
    }
    rc = db_exec(c->db,
                 "INSERT INTO notification_settings (printer_id, "
                 "on_print_start, on_print_complete, on_print_failed, "
                 "on_maintenance, on_material_change, email_enabled, "
                 "email_address, webhook_url, webhook_secret_sealed, "
                 "webhook_format, material_low_percent, updated_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (printer_id) DO UPDATE SET "
                 "on_print_start = excluded.on_print_start, "
                 "on_print_complete = excluded.on_print_complete, "
                 "on_print_failed = excluded.on_print_failed, "
                 "on_maintenance = excluded.on_maintenance, "
                 "on_material_change = excluded.on_material_change, "
                 "email_enabled = excluded.email_enabled, "
                 "email_address = excluded.email_address, "
                 "webhook_url = excluded.webhook_url, "
                 "webhook_secret_sealed = COALESCE("
                 "excluded.webhook_secret_sealed, "
                 "notification_settings.webhook_secret_sealed), "
                 "webhook_format = excluded.webhook_format, "
                 "material_low_percent = excluded.material_low_percent, "
                 "updated_at = excluded.updated_at",
                 "iiiiiiittttii", n->printer_id, flag(n->on_print_start),
                 flag(n->on_print_complete), flag(n->on_print_failed),
                 flag(n->on_maintenance), flag(n->on_material_change),
                 flag(n->email_enabled), n->email_address, url, sealed,
                 n->webhook_format, n->material_low_percent, c->now);
    if (rc == DB_DONE && n->webhook_reenable)
        rc = db_exec(c->db,
                     "UPDATE notification_settings SET "
                     "webhook_disabled_at = NULL, "
                     "webhook_disabled_reason = NULL WHERE printer_id = ?",
                     "i", n->printer_id);
    if (rc != DB_DONE || db_commit(c->db) < 0) {
        db_rollback(c->db);
        *generated = NULL;
        return err_internal(&c->err, "notifypref: save failed");
    }
    return 0;
}

const char *
notifypref_format(const struct notifypref *n, const char *url)
{
    int f = webhook_format_parse(n->webhook_format);

    if (f < 0)
        f = (int)webhook_format_detect(url ? url : n->webhook_url);
    return webhook_format_name((enum webhook_format)f);
}

int
notifypref_webhook_key(struct ctx *c, int64_t printer_id, unsigned char *key,
                       size_t *len)
{
    struct db_stmt *st;
    char *plain;
    int rc = printer_owned(c, printer_id);

    *len = 0;
    if (rc <= 0)
        return rc < 0 ? -1 : not_found(c);
    st = db_query(c->db,
                  "SELECT webhook_secret_sealed FROM notification_settings "
                  "WHERE printer_id = ? AND webhook_secret_sealed IS NOT NULL",
                  "i", printer_id);
    if (st == NULL)
        return err_internal(&c->err, "notifypref: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "notifypref: select failed");
    plain = secret_open(c->arena, db_text(st, 0),
                        place(c, SECRET_AD, printer_id));
    db_done(st);
    if (plain == NULL)
        return err_internal(&c->err,
                            "notifypref: webhook secret of "
                            "printer %lld cannot be opened",
                            (long long)printer_id);
    rc = webhook_secret_key(plain, key, len);
    memset(plain, 0, strlen(plain));
    if (rc < 0)
        return err_internal(&c->err,
                            "notifypref: webhook secret of "
                            "printer %lld is malformed",
                            (long long)printer_id);
    return 1;
}

int
notifypref_webhook_disable(struct ctx *c, int64_t printer_id, const char *url,
                           const char *reason)
{
    struct db_stmt *st;
    const char *sealed, *now;
    int rc = printer_owned(c, printer_id);

    if (rc <= 0)
        return rc;
    /* the URL is sealed with a fresh nonce each time: compared opened, and
     * the row updated only while it still holds what was compared */
    st = db_query(c->db,
                  "SELECT webhook_url FROM notification_settings "
                  "WHERE printer_id = ? AND webhook_url IS NOT NULL "
                  "AND webhook_disabled_at IS NULL",
                  "i", printer_id);
    if (st == NULL)
        return err_internal(&c->err, "notifypref: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return err_internal(&c->err, "notifypref: select failed");
    sealed = arena_strdup(c->arena, db_text(st, 0));
    db_done(st);
    now = url_open(c, printer_id, sealed);
    if (now == NULL || strcmp(now, url) != 0)
        return 0;
    if (db_exec(c->db,
                "UPDATE notification_settings SET webhook_disabled_at = ?, "
                "webhook_disabled_reason = ? WHERE printer_id = ? AND "
                "webhook_url = ? AND webhook_disabled_at IS NULL",
                "itit", c->now, reason, printer_id, sealed) != DB_DONE)
        return err_internal(&c->err, "notifypref: disable failed");
    return db_changes(c->db) > 0;
}

int
notifypref_channels(const struct notifypref *n)
{
    int k = 0;

    if (n->email_enabled && n->email_address != NULL)
        k++;
    if (n->webhook_url != NULL && n->webhook_url[0] != '\0' &&
        n->webhook_disabled_at == DB_NULL)
        k++;
    return k;
}

/* ---- for the dispatcher ---- */

int
notifypref_material_low_percent(struct ctx *c, int64_t printer_id,
                                int64_t *percent)
{
    *percent = NOTIFYPREF_MATERIAL_LOW_DEFAULT;
    if (db_get_int(c->db, percent,
                   "SELECT material_low_percent FROM notification_settings "
                   "WHERE printer_id = ?",
                   "i", printer_id) == DB_ERROR)
        return err_internal(&c->err, "notifypref: threshold select failed");
    return 0;
}

int
notifypref_reseal(struct ctx *c, struct reseal_stats *st)
{
    /* URLs were stored plain before they were sealed; secrets sealed
     * without a place */
    if (reseal_column(c,
                      "SELECT printer_id, webhook_url FROM "
                      "notification_settings WHERE printer_id > ? AND "
                      "webhook_url IS NOT NULL AND "
                      "substr(webhook_url, 1, 3) <> 'v2:' "
                      "ORDER BY printer_id LIMIT ?",
                      "UPDATE notification_settings SET webhook_url = ? "
                      "WHERE printer_id = ? AND webhook_url = ?",
                      URL_AD, 1, st) < 0)
        return -1;
    return reseal_column(c,
                         "SELECT printer_id, webhook_secret_sealed FROM "
                         "notification_settings WHERE printer_id > ? AND "
                         "webhook_secret_sealed IS NOT NULL AND "
                         "substr(webhook_secret_sealed, 1, 3) <> 'v2:' "
                         "ORDER BY printer_id LIMIT ?",
                         "UPDATE notification_settings SET "
                         "webhook_secret_sealed = ? WHERE printer_id = ? AND "
                         "webhook_secret_sealed = ?",
                         SECRET_AD, 0, st);
}
