/*
 * token — bearer tokens (from login or farmctl) and cookie sessions. A
 * token is shown once and stored only as its hash; a session also has a
 * CSRF token the browser must echo on every non-GET request.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stdint.h>

#include "base/bind.h"

struct ctx;

#define TOKEN_NAME_MAX 100 /* characters */

/* One of a user's bearer tokens as a list shows it (never the token). */
struct token_info {
    int64_t id;
    const char *name;
    int64_t created_at, expires_at; /* expires_at DB_NULL: never */
};

/* What creating a named token takes, and its rule (the name). */
struct token_in {
    const char *name;
};
extern const struct field token_fields[];

/* Issues a bearer token for user_id named name, expiring at expires_at
 * (DB_NULL: never). Returns the token (arena) or NULL with c->err set. */
char *token_issue(struct ctx *c, int64_t user_id, const char *name,
                  int64_t expires_at);

/* Sets *user_id to the token's owner, or 0 when it is unknown or expired.
 * -1 only on a database error. */
int token_lookup(struct ctx *c, const char *token, int64_t *user_id);

/* Revokes the token (bearer or session) if it exists. 0 or -1. */
int token_revoke(struct ctx *c, const char *token);

/* Checks in (token_fields) and issues a token for c->user_id that never
 * expires. The token (arena; shown once, stored only as its hash), or
 * NULL with c->err set (422 naming "name"). */
char *token_create(struct ctx *c, struct token_in *in);

/* The signed-in user's bearer tokens that have not expired, newest first,
 * from the arena. 0 or -1. */
int token_list(struct ctx *c, struct token_info **out, int *n);

/* Revokes the user's bearer token id: 0, or -1 with 404 when it is not
 * one of theirs. */
int token_revoke_id(struct ctx *c, int64_t id);

/* Ends every cookie session of the signed-in user (every browser, this
 * one too); bearer tokens stay. 0 or -1. */
int session_revoke_all(struct ctx *c);

/* Creates a cookie session; *token and *csrf come from the arena. */
int session_create(struct ctx *c, int64_t user_id, char **token,
                   char **csrf);

/* Sets *user_id (0 when unknown or expired) and *csrf (arena). -1 only on a
 * database error. */
int session_lookup(struct ctx *c, const char *token, int64_t *user_id,
                   char **csrf);

/* Deletes every expired session and API token (of all users). The rows
 * deleted, or -1. */
int64_t token_purge(struct ctx *c);

#endif
