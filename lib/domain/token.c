#include "domain/token.h"

#include <string.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "base/secret.h"

#include "base/banned.h"

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
