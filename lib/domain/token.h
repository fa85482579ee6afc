/*
 * token — bearer tokens (from login or farmctl) and cookie sessions. A
 * token is shown once and stored only as its hash; a session also has a
 * CSRF token the browser must echo on every non-GET request.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stdint.h>

struct ctx;

/* Issues a bearer token for user_id named name, expiring at expires_at
 * (DB_NULL: never). Returns the token (arena) or NULL with c->err set. */
char *token_issue(struct ctx *c, int64_t user_id, const char *name,
                  int64_t expires_at);

/* Sets *user_id to the token's owner, or 0 when it is unknown or expired.
 * -1 only on a database error. */
int token_lookup(struct ctx *c, const char *token, int64_t *user_id);

/* Revokes the token (bearer or session) if it exists. 0 or -1. */
int token_revoke(struct ctx *c, const char *token);

/* Creates a cookie session; *token and *csrf come from the arena. */
int session_create(struct ctx *c, int64_t user_id, char **token,
                   char **csrf);

/* Sets *user_id (0 when unknown or expired) and *csrf (arena). -1 only on a
 * database error. */
int session_lookup(struct ctx *c, const char *token, int64_t *user_id,
                   char **csrf);

#endif
