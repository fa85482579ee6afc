/*
 * user — accounts: creation with an argon2id password hash, sign-in with
 * failed-login rate limiting (per email and per client address, in the
 * database so every worker sees the same counts), and lookup.
 */
#ifndef USER_H
#define USER_H

#include <stdint.h>

struct ctx;

#define USER_PASSWORD_MIN 8
#define USER_PASSWORD_MAX 1024

struct user {
    int64_t id;
    const char *email;
    int64_t created_at;
};

/* Creates a user; email is normalised to lower case. 409 on a duplicate,
 * 422 on a bad email or short password. Returns the id or -1. */
int64_t user_create(struct ctx *c, const char *email, const char *password);

/* 1 when user id is an admin (may add users), 0 when not, -1 on error. */
int user_is_admin(struct ctx *c, int64_t id);

/* Makes user id an admin. 0 or -1. */
int user_make_admin(struct ctx *c, int64_t id);

/* Deletes what has expired for everyone: sign-in failure counts older
 * than the window (sessions and tokens: token_purge). The rows deleted,
 * or -1. */
int64_t user_purge(struct ctx *c);

/* Loads a user by id (0 on success, -1 with 404). */
int user_get(struct ctx *c, int64_t id, struct user *u);

/* Finds a user id by email: the id, 0 when unknown, -1 on error. */
int64_t user_find(struct ctx *c, const char *email);

/* Checks credentials from addr, counting failures: the user id, or -1 with
 * 401 (bad credentials) or 429 (too many failures; *retry_after set).
 * Takes its own short write transactions (never call it inside one): the
 * attempt is counted before the password is checked, so parallel
 * attempts cannot pass a limit together, and given back when it was
 * right. */
int64_t user_login(struct ctx *c, const char *email, const char *password,
                   const char *addr, int64_t *retry_after);

/* Changes the signed-in user's (c->user_id) password to fresh after
 * checking current: 422 naming "current_password" when it is wrong,
 * "password" when fresh breaks the rules of user_create, 409 when the
 * password changed between the check and the write. Sessions and tokens
 * stay valid. 0 or -1. */
int user_password_change(struct ctx *c, const char *current,
                         const char *fresh);

/* 1 when no user exists yet (the first-account page is open), 0, or -1. */
int user_none_yet(struct ctx *c);

#endif
