#include "domain/token.h"

#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "base/secret.h"

#include "base/banned.h"

const struct field token_fields[] = {
    {"name", F_STR, offsetof(struct token_in, name), F_REQ, 1, TOKEN_NAME_MAX,
     0},
    {0},
};

#define TOKENS_MAX 1000 /* a list shows at most this many */

char *
token_issue(struct ctx *c, int64_t user_id, const char *name,
            int64_t expires_at)
{
    char token[SECRET_TOKEN_LEN + 1], hash[SECRET_HASH_LEN + 1];

    secret_token(token);
    secret_token_hash(token, hash);
    if (db_exec(c->db,
                "INSERT INTO api_tokens (user_id, token_hash, name, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                "ittii", user_id, hash, name, c->now,
                expires_at) != DB_DONE)
        return err_internal(&c->err, "token: insert failed"), NULL;
    return arena_strdup(c->arena, token);
}

int
token_lookup(struct ctx *c, const char *token, int64_t *user_id)
{
    char hash[SECRET_HASH_LEN + 1];
    int rc;

    *user_id = 0;
    if (strlen(token) != SECRET_TOKEN_LEN)
        return 0;
    secret_token_hash(token, hash);
    rc = db_get_int(c->db, user_id,
                    "SELECT user_id FROM api_tokens WHERE token_hash = ? "
                    "AND (expires_at IS NULL OR expires_at > ?)",
                    "ti", hash, c->now);
    if (rc == DB_ERROR)
        return err_internal(&c->err, "token: lookup failed");
    return 0;
}

int
token_revoke(struct ctx *c, const char *token)
{
    char hash[SECRET_HASH_LEN + 1];

    secret_token_hash(token, hash);
    if (db_exec(c->db, "DELETE FROM api_tokens WHERE token_hash = ?", "t",
                hash) != DB_DONE ||
        db_exec(c->db, "DELETE FROM sessions WHERE token_hash = ?", "t",
                hash) != DB_DONE)
        return err_internal(&c->err, "token: revoke failed");
    return 0;
}

int
session_create(struct ctx *c, int64_t user_id, char **token, char **csrf)
{
    char t[SECRET_TOKEN_LEN + 1], x[SECRET_TOKEN_LEN + 1];
    char hash[SECRET_HASH_LEN + 1];

    secret_token(t);
    secret_token(x);
    secret_token_hash(t, hash);
    if (db_exec(c->db,
                "INSERT INTO sessions (user_id, token_hash, csrf_token, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                "ittii", user_id, hash, x, c->now,
                c->now + c->conf->session_seconds) != DB_DONE)
        return err_internal(&c->err, "session: insert failed");
    *token = arena_strdup(c->arena, t);
    *csrf = arena_strdup(c->arena, x);
    return 0;
}

int
session_lookup(struct ctx *c, const char *token, int64_t *user_id,
               char **csrf)
{
    char hash[SECRET_HASH_LEN + 1];
    struct db_stmt *st;
    int rc;

    *user_id = 0;
    *csrf = NULL;
    if (strlen(token) != SECRET_TOKEN_LEN)
        return 0;
    secret_token_hash(token, hash);
    st = db_query(c->db,
                  "SELECT user_id, csrf_token FROM sessions "
                  "WHERE token_hash = ? AND expires_at > ?",
                  "ti", hash, c->now);
    if (st == NULL)
        return err_internal(&c->err, "session: lookup failed");
    rc = db_step(st);
    if (rc == DB_ROW) {
        *user_id = db_int(st, 0);
        *csrf = arena_strdup(c->arena, db_text(st, 1));
        db_done(st);
    } else if (rc != DB_DONE) {
        return err_internal(&c->err, "session: lookup failed");
    }
    return 0;
}

char *
token_create(struct ctx *c, struct token_in *in)
{
    if (bind_check(c, token_fields, in) < 0)
        return NULL;
    return token_issue(c, c->user_id, in->name, DB_NULL);
}

int
token_list(struct ctx *c, struct token_info **out, int *n)
{
    struct db_stmt *st = db_query(
        c->db,
        "SELECT id, name, created_at, expires_at FROM api_tokens "
        "WHERE user_id = ? AND (expires_at IS NULL OR expires_at > ?) "
        "ORDER BY id DESC LIMIT ?",
        "iii", c->user_id, c->now, (int64_t)TOKENS_MAX);
    int rc;

    *n = 0;
    *out = arena_alloc(c->arena, sizeof(**out) * TOKENS_MAX);
    if (st == NULL)
        return err_internal(&c->err, "token: list failed");
    while ((rc = db_step(st)) == DB_ROW) {
        struct token_info *t = &(*out)[(*n)++];

        t->id = db_int(st, 0);
        t->name = arena_strdup(c->arena, db_text(st, 1));
        t->created_at = db_int(st, 2);
        t->expires_at = db_int(st, 3);
    }
    if (rc != DB_DONE)
        return err_internal(&c->err, "token: list failed");
    return 0;
}

int
token_revoke_id(struct ctx *c, int64_t id)
{
    int64_t gone = 0;
    int rc = db_get_int(c->db, &gone,
                        "DELETE FROM api_tokens WHERE id = ? AND user_id = ? "
                        "RETURNING id",
                        "ii", id, c->user_id);

    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "no such token");
    if (rc != DB_ROW)
        return err_internal(&c->err, "token: revoke failed");
    return 0;
}

int
session_revoke_all(struct ctx *c)
{
    if (db_exec(c->db, "DELETE FROM sessions WHERE user_id = ?", "i",
                c->user_id) != DB_DONE)
        return err_internal(&c->err, "session: revoke all failed");
    return 0;
}

int64_t
token_purge(struct ctx *c)
{
    int64_t n;

    if (db_exec(c->db, "DELETE FROM sessions WHERE expires_at <= ?", "i",
                c->now) != DB_DONE)
        return err_internal(&c->err, "token: purge failed");
    n = db_changes(c->db);
    if (db_exec(c->db,
                "DELETE FROM api_tokens WHERE expires_at IS NOT NULL AND "
                "expires_at <= ?",
                "i", c->now) != DB_DONE)
        return err_internal(&c->err, "token: purge failed");
    return n + db_changes(c->db);
}
