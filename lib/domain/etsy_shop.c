#include "domain/etsy_shop.h"

#include <string.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "base/null.h"
#include "base/secret.h"
#include "domain/reseal.h"
#include "store/db.h"

#include "base/banned.h"

#define COLS                                                                   \
    "id, user_id, shop_id, shop_name, status, last_sync_at, last_error, "      \
    "auto_schedule, imported_orders, enabled, code_verifier, auth_code, "      \
    "access_token, refresh_token, token_expires_at, cursor "

static const char *
dup_or_null(struct ctx *c, struct db_stmt *st, int col)
{
    return db_is_null(st, col) ? NULL
                               : arena_strdup(c->arena, db_text(st, col));
}

/* The place a secret of shop id is sealed for (secret.h): its column of
 * the shop's row. */
static const char *
place(struct ctx *c, const char *column, int64_t id)
{
    return arena_printf(c->arena, "etsy_shops.%s:%lld", column, (long long)id);
}

static char *
seal(struct ctx *c, const char *plain, const char *column, int64_t id)
{
    return secret_seal(c->arena, plain, place(c, column, id));
}

static const char *
opened(struct ctx *c, struct db_stmt *st, int col, const char *column,
       int64_t id)
{
    return db_is_null(st, col)
               ? NULL
               : secret_open(c->arena, db_text(st, col), place(c, column, id));
}

static void
row(struct ctx *c, struct db_stmt *st, struct etsy_shop *s, int secrets)
{
    memset(s, 0, sizeof(*s));
    s->id = db_int(st, 0);
    s->user_id = db_int(st, 1);
    s->shop_id = db_int(st, 2);
    s->shop_name = dup_or_null(c, st, 3);
    s->status = dup_or_null(c, st, 4);
    s->last_sync_at = db_int(st, 5);
    s->last_error = dup_or_null(c, st, 6);
    s->auto_schedule = db_int(st, 7);
    s->imported_orders = db_int(st, 8);
    s->enabled = db_int(st, 9);
    s->token_expires_at = db_int(st, 14);
    s->cursor = db_int(st, 15);
    if (!secrets)
        return;
    s->verifier = opened(c, st, 10, "code_verifier", s->id);
    s->code = opened(c, st, 11, "auth_code", s->id);
    s->access_token = opened(c, st, 12, "access_token", s->id);
    s->refresh_token = opened(c, st, 13, "refresh_token", s->id);
}

int64_t
etsy_shop_begin(struct ctx *c, const char **state, const char **challenge)
{
    char st[SECRET_TOKEN_LEN + 1], ver[2 * SECRET_TOKEN_LEN + 2];
    char hash[SECRET_HASH_LEN + 1], ch[44];
    int64_t id = 0;
    int rc;

    if (c->conf == NULL || c->conf->etsy.keystring[0] == '\0' ||
        c->conf->etsy.public_url[0] == '\0')
        return err_set(&c->err, ERR_CONFLICT,
                       "Etsy is not configured: set FARM_ETSY_KEYSTRING, "
                       "FARM_ETSY_SECRET and FARM_PUBLIC_URL");
    secret_token(st);
    /* Two tokens: an 86-character verifier, inside PKCE's 43..128. */
    secret_token(ver);
    secret_token(ver + SECRET_TOKEN_LEN);
    secret_token_hash(st, hash);
    secret_sha256_b64url(ver, ch);
    /* the verifier is sealed for the row the insert makes */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "etsy: begin failed");
    rc = db_get_int(c->db, &id,
                    "INSERT INTO etsy_shops (user_id, status, oauth_state, "
                    "created_at, updated_at) "
                    "VALUES (?, 'pending', ?, ?, ?) RETURNING id",
                    "itii", c->user_id, hash, c->now, c->now);
    if (rc == DB_ROW)
        rc = db_exec(c->db,
                     "UPDATE etsy_shops SET code_verifier = ? WHERE id = ?",
                     "ti", seal(c, ver, "code_verifier", id), id);
    if (db_end(c->db, rc == DB_DONE ? 0 : -1) < 0)
        return err_internal(&c->err, "etsy: insert failed");
    *state = arena_strdup(c->arena, st);
    *challenge = arena_strdup(c->arena, ch);
    return id;
}

int64_t
etsy_shop_callback(struct ctx *c, const char *state, const char *code)
{
    char hash[SECRET_HASH_LEN + 1];
    int64_t id = 0;
    int rc;

    secret_token_hash(state, hash);
    /* the code is sealed for the row the state names: found first, in the
     * same transaction */
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "etsy: begin failed");
    rc = db_get_int(c->db, &id,
                    "SELECT id FROM etsy_shops WHERE oauth_state = ? "
                    "AND status = 'pending' AND (? = 0 OR user_id = ?)",
                    "tii", hash, c->user_id, c->user_id);
    if (rc == DB_ROW &&
        db_exec(c->db,
                "UPDATE etsy_shops SET auth_code = ?, oauth_state = NULL, "
                "updated_at = ? WHERE id = ?",
                "tii", seal(c, code, "auth_code", id), c->now,
                id) != DB_DONE)
        rc = DB_ERROR;
    if (db_end(c->db, rc == DB_ERROR ? -1 : 0) < 0)
        return err_internal(&c->err, "etsy: callback failed");
    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND,
                       "no Etsy connect is waiting for this state");
    if (rc != DB_ROW)
        return err_internal(&c->err, "etsy: callback failed");
    return id;
}

static int
select_rows(struct ctx *c, struct db_stmt *st, struct etsy_shop **out, int *n,
            int secrets)
{
    int cap = 8, rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * (size_t)cap);
    if (st == NULL)
        return err_internal(&c->err, "etsy: list failed");
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            struct etsy_shop *m =
                arena_alloc(c->arena, sizeof(*m) * (size_t)cap * 2);
            memcpy(m, *out, sizeof(*m) * (size_t)cap);
            *out = m;
            cap *= 2;
        }
        row(c, st, &(*out)[(*n)++], secrets);
    }
    if (rc != DB_DONE)
        return err_internal(&c->err, "etsy: list failed");
    return 0;
}

int
etsy_shop_list(struct ctx *c, struct etsy_shop **out, int *n)
{
    return select_rows(c,
                       db_query(c->db,
                                "SELECT " COLS "FROM etsy_shops "
                                "WHERE user_id = ? ORDER BY id",
                                "i", c->user_id),
                       out, n, 0);
}

int
etsy_shop_get(struct ctx *c, int64_t id, struct etsy_shop *s)
{
    struct db_stmt *st = db_query(c->db,
                                  "SELECT " COLS "FROM etsy_shops "
                                  "WHERE id = ? AND user_id = ?",
                                  "ii", id, c->user_id);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "etsy: lookup failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "Etsy shop %lld not found",
                       (long long)id);
    if (rc != DB_ROW)
        return err_internal(&c->err, "etsy: lookup failed");
    row(c, st, s, 0);
    db_done(st);
    return 0;
}

int
etsy_shop_update(struct ctx *c, int64_t id, int auto_schedule, int enabled)
{
    struct etsy_shop s;

    if (etsy_shop_get(c, id, &s) < 0)
        return -1;
    if (db_exec(c->db,
                "UPDATE etsy_shops SET auto_schedule = ?, enabled = ?, "
                "updated_at = ? WHERE id = ? AND user_id = ?",
                "iiiii",
                (int64_t)(auto_schedule >= 0 ? auto_schedule
                                             : (int)s.auto_schedule),
                (int64_t)(enabled >= 0 ? enabled : (int)s.enabled), c->now, id,
                c->user_id) != DB_DONE)
        return err_internal(&c->err, "etsy: update failed");
    return 0;
}

int
etsy_shop_delete(struct ctx *c, int64_t id)
{
    if (db_exec(c->db, "DELETE FROM etsy_shops WHERE id = ? AND user_id = ?",
                "ii", id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "etsy: delete failed");
    if (db_changes(c->db) == 0)
        return err_set(&c->err, ERR_NOT_FOUND, "Etsy shop %lld not found",
                       (long long)id);
    return 0;
}

int
etsy_shop_request_sync(struct ctx *c, int64_t id)
{
    struct etsy_shop s;

    if (etsy_shop_get(c, id, &s) < 0)
        return -1;
    if (strcmp(s.status, "connected") != 0)
        return err_set(&c->err, ERR_CONFLICT, "Etsy shop %lld is %s",
                       (long long)id, s.status);
    if (db_exec(c->db,
                "UPDATE etsy_shops SET next_sync_at = 0, updated_at = ? "
                "WHERE id = ? AND user_id = ?",
                "iii", c->now, id, c->user_id) != DB_DONE)
        return err_internal(&c->err, "etsy: sync request failed");
    return 0;
}

int
etsy_shop_due(struct ctx *c, struct etsy_shop **out, int *n)
{
    return select_rows(
        c,
        db_query(c->db,
                 "SELECT " COLS "FROM etsy_shops "
                 "WHERE (status = 'pending' AND (auth_code IS NOT NULL "
                 "OR access_token IS NOT NULL) AND next_sync_at <= ?) "
                 "OR (status = 'connected' AND enabled = 1 "
                 "AND next_sync_at <= ?) ORDER BY id",
                 "ii", c->now, c->now),
        out, n, 1);
}

int
etsy_shop_save_tokens(struct ctx *c, int64_t id, const char *access,
                      const char *refresh, int64_t expires_at, int64_t shop_id,
                      const char *shop_name)
{
    int rc = db_exec(
        c->db,
        "UPDATE etsy_shops SET access_token = ?, refresh_token = ?, "
        "token_expires_at = ?, auth_code = NULL, code_verifier = NULL, "
        "shop_id = coalesce(?, shop_id), shop_name = coalesce(?, shop_name), "
        "status = CASE WHEN ? IS NULL THEN status ELSE 'connected' END, "
        "last_error = NULL, updated_at = ? WHERE id = ?",
        "ttiitiii", seal(c, access, "access_token", id),
        seal(c, refresh, "refresh_token", id), expires_at, shop_id, shop_name,
        shop_id, c->now, id);

    if (rc != DB_DONE)
        return err_internal(&c->err, "etsy: saving tokens failed");
    return 0;
}

int
etsy_shop_synced(struct ctx *c, int64_t id, int64_t cursor, int64_t added,
                 const char *error, int64_t next_at)
{
    if (db_exec(c->db,
                "UPDATE etsy_shops SET cursor = coalesce(?, cursor), "
                "imported_orders = imported_orders + ?, last_error = ?, "
                "last_sync_at = CASE WHEN ? IS NULL THEN ? "
                "ELSE last_sync_at END, next_sync_at = ?, updated_at = ? "
                "WHERE id = ?",
                "iittiiii", cursor, added, error, error, c->now, next_at,
                c->now, id) != DB_DONE)
        return err_internal(&c->err, "etsy: sync record failed");
    return 0;
}

int
etsy_shop_revoked(struct ctx *c, int64_t id, const char *error)
{
    int64_t was = 0;
    int rc = db_get_int(c->db, &was,
                        "SELECT status = 'connected' FROM etsy_shops "
                        "WHERE id = ?",
                        "i", id);

    if (rc != DB_ROW)
        return err_internal(&c->err, "etsy: lookup failed");
    if (db_exec(c->db,
                "UPDATE etsy_shops SET status = 'reconnect_needed', "
                "last_error = ?, access_token = NULL, refresh_token = NULL, "
                "auth_code = NULL, updated_at = ? WHERE id = ?",
                "tii", error, c->now, id) != DB_DONE)
        return err_internal(&c->err, "etsy: status update failed");
    return was ? 1 : 0;
}

int
etsy_shop_reseal(struct ctx *c, struct reseal_stats *st)
{
    if (reseal_column(c,
                      "SELECT id, code_verifier FROM etsy_shops WHERE id > ? "
                      "AND code_verifier IS NOT NULL AND "
                      "substr(code_verifier, 1, 3) <> 'v2:' ORDER BY id "
                      "LIMIT ?",
                      "UPDATE etsy_shops SET code_verifier = ? WHERE id = ? "
                      "AND code_verifier = ?",
                      "etsy_shops.code_verifier:", 0, st) < 0 ||
        reseal_column(c,
                      "SELECT id, auth_code FROM etsy_shops WHERE id > ? "
                      "AND auth_code IS NOT NULL AND "
                      "substr(auth_code, 1, 3) <> 'v2:' ORDER BY id LIMIT ?",
                      "UPDATE etsy_shops SET auth_code = ? WHERE id = ? "
                      "AND auth_code = ?",
                      "etsy_shops.auth_code:", 0, st) < 0 ||
        reseal_column(c,
                      "SELECT id, access_token FROM etsy_shops WHERE id > ? "
                      "AND access_token IS NOT NULL AND "
                      "substr(access_token, 1, 3) <> 'v2:' ORDER BY id "
                      "LIMIT ?",
                      "UPDATE etsy_shops SET access_token = ? WHERE id = ? "
                      "AND access_token = ?",
                      "etsy_shops.access_token:", 0, st) < 0)
        return -1;
    return reseal_column(c,
                         "SELECT id, refresh_token FROM etsy_shops WHERE "
                         "id > ? AND refresh_token IS NOT NULL AND "
                         "substr(refresh_token, 1, 3) <> 'v2:' ORDER BY id "
                         "LIMIT ?",
                         "UPDATE etsy_shops SET refresh_token = ? WHERE "
                         "id = ? AND refresh_token = ?",
                         "etsy_shops.refresh_token:", 0, st);
}
