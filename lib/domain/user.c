#include "domain/user.h"

#include <ctype.h>
#include <string.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "base/secret.h"

#include "base/banned.h"

static char *
lower(struct ctx *c, const char *s)
{
    char *l = arena_strdup(c->arena, s);

    for (char *p = l; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return l;
}

/* The password rules, one place for sign-up and a change: adds a 422
 * field to c->err when password breaks them. */
static void
password_rules(struct ctx *c, const char *password)
{
    if (password == NULL || strlen(password) < USER_PASSWORD_MIN)
        err_field(&c->err, "password", "must be at least %d characters",
                  USER_PASSWORD_MIN);
    else if (strlen(password) > USER_PASSWORD_MAX)
        err_field(&c->err, "password", "must be at most %d characters",
                  USER_PASSWORD_MAX);
}

int64_t
user_create(struct ctx *c, const char *email, const char *password)
{
    char hash[SECRET_PWHASH_MAX];
    int64_t id = 0;
    int rc;

    if (email == NULL || !bind_valid_email(email))
        err_field(&c->err, "email", "must be an email address");
    password_rules(c, password);
    if (err_is_set(&c->err))
        return -1;
    /* a taken email is refused before the (deliberately slow) hashing, so
     * repeated attempts cost the server nothing; the unique index below
     * still decides a race */
    rc = db_get_int(c->db, &id, "SELECT id FROM users WHERE email = ?", "t",
                    lower(c, email));
    if (rc == DB_ROW)
        return err_set(&c->err, ERR_CONFLICT,
                       "a user with that email already exists");
    if (rc != DB_DONE)
        return err_internal(&c->err, "user: select failed");
    if (secret_password_hash(password, hash) < 0)
        return err_internal(&c->err, "user: password hashing failed");
    /* the first account of an install is its admin */
    rc = db_get_int(c->db, &id,
                    "INSERT INTO users (email, password_hash, created_at, "
                    "is_admin) VALUES (?, ?, ?, CASE WHEN EXISTS (SELECT 1 "
                    "FROM users) THEN 0 ELSE 1 END) RETURNING id",
                    "tti", lower(c, email), hash, c->now);
    if (rc == DB_CONSTRAINT)
        return err_set(&c->err, ERR_CONFLICT,
                       "a user with that email already exists");
    if (rc != DB_ROW)
        return err_internal(&c->err, "user: insert failed");
    return id;
}

int
user_is_admin(struct ctx *c, int64_t id)
{
    int64_t admin = 0;
    int rc = db_get_int(c->db, &admin,
                        "SELECT is_admin FROM users WHERE id = ?", "i", id);

    if (rc == DB_ERROR || rc == DB_CONSTRAINT)
        return err_internal(&c->err, "user: select failed");
    return rc == DB_ROW && admin == 1;
}

int
user_make_admin(struct ctx *c, int64_t id)
{
    if (db_exec(c->db, "UPDATE users SET is_admin = 1 WHERE id = ?", "i",
                id) != DB_DONE)
        return err_internal(&c->err, "user: update failed");
    return 0;
}

int64_t
user_purge(struct ctx *c)
{
    if (db_exec(c->db, "DELETE FROM login_failures WHERE window_start <= ?",
                "i", c->now - c->conf->login_window) != DB_DONE)
        return err_internal(&c->err, "user: purge failed");
    return db_changes(c->db);
}

int
user_get(struct ctx *c, int64_t id, struct user *u)
{
    struct db_stmt *st = db_query(
        c->db, "SELECT id, email, created_at FROM users WHERE id = ?", "i", id);
    int rc;

    if (st == NULL)
        return err_internal(&c->err, "user: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "no such user");
    if (rc != DB_ROW)
        return err_internal(&c->err, "user: select failed");
    u->id = db_int(st, 0);
    u->email = arena_strdup(c->arena, db_text(st, 1));
    u->created_at = db_int(st, 2);
    db_done(st);
    return 0;
}

int64_t
user_find(struct ctx *c, const char *email)
{
    int64_t id = 0;

    if (db_get_int(c->db, &id, "SELECT id FROM users WHERE email = ?", "t",
                   lower(c, email)) == DB_ERROR)
        return err_internal(&c->err, "user: select failed");
    return id;
}

/* Failures under key within the current window; a stale window reads 0. */
static int
failures(struct ctx *c, const char *key, int64_t *count, int64_t *since)
{
    struct db_stmt *st = db_query(
        c->db, "SELECT count, window_start FROM login_failures WHERE key = ?",
        "t", key);
    int rc;

    *count = 0;
    *since = c->now;
    if (st == NULL)
        return -1;
    rc = db_step(st);
    if (rc == DB_ROW) {
        if (db_int(st, 1) > c->now - c->conf->login_window) {
            *count = db_int(st, 0);
            *since = db_int(st, 1);
        }
        db_done(st);
        return 0;
    }
    return rc == DB_DONE ? 0 : -1;
}

/* One atomic upsert, so workers failing at the same moment all count. */
static int
record_failure(struct ctx *c, const char *key)
{
    int64_t fresh = c->now - c->conf->login_window;

    return db_exec(c->db,
                   "INSERT INTO login_failures (key, count, window_start) "
                   "VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE SET "
                   "count = CASE WHEN login_failures.window_start > ? "
                   "THEN login_failures.count + 1 ELSE 1 END, "
                   "window_start = CASE WHEN login_failures.window_start > ? "
                   "THEN login_failures.window_start ELSE ? END",
                   "tiiii", key, c->now, fresh, fresh, c->now) == DB_DONE
               ? 0
               : -1;
}

/* A hash to check against when the email is unknown, so an unknown account
 * costs the same time as a wrong password. */
static const char *
decoy_hash(void)
{
    static char hash[SECRET_PWHASH_MAX];

    if (hash[0] == '\0' &&
        secret_password_hash("decoy-password-never-used", hash) < 0)
        hash[0] = '\0';
    return hash;
}

/* Takes this attempt's place in both counts, unless one is full: 0, -1
 * with 429 (and *retry_after) or an internal error. One write
 * transaction, so attempts racing each other are counted one at a time
 * and never pass a limit together; the slow password check runs after it,
 * outside the lock. */
static int
charge_attempt(struct ctx *c, const char *ekey, const char *akey,
               int64_t *retry_after)
{
    int64_t ecount, esince, acount, asince;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "user: begin failed");
    if (failures(c, ekey, &ecount, &esince) < 0 ||
        failures(c, akey, &acount, &asince) < 0) {
        db_rollback(c->db);
        return err_internal(&c->err, "user: login_failures read failed");
    }
    if (ecount >= c->conf->login_max_per_email ||
        acount >= c->conf->login_max_per_addr) {
        int64_t since = ecount >= c->conf->login_max_per_email ? esince
                                                                : asince;

        db_rollback(c->db);
        *retry_after = since + c->conf->login_window - c->now;
        if (*retry_after < 1)
            *retry_after = 1;
        return err_set(&c->err, ERR_RATE_LIMITED,
                       "too many failed sign-ins; try again later");
    }
    if (record_failure(c, ekey) < 0 || record_failure(c, akey) < 0) {
        db_rollback(c->db);
        return err_internal(&c->err, "user: login_failures write failed");
    }
    if (db_commit(c->db) < 0)
        return err_internal(&c->err, "user: login_failures commit failed");
    return 0;
}

/* After the right password: the email's count starts over and the
 * address gets back the place this attempt took. */
static int
refund_attempt(struct ctx *c, const char *ekey, const char *akey)
{
    int rc;

    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "user: begin failed");
    rc = db_exec(c->db, "DELETE FROM login_failures WHERE key = ?", "t",
                 ekey) == DB_DONE &&
                 db_exec(c->db,
                         "UPDATE login_failures SET count = count - 1 "
                         "WHERE key = ? AND count > 0",
                         "t", akey) == DB_DONE
             ? 0
             : -1;
    if (db_end(c->db, rc) < 0)
        return err_internal(&c->err, "user: login_failures reset failed");
    return 0;
}

int64_t
user_login(struct ctx *c, const char *email, const char *password,
           const char *addr, int64_t *retry_after)
{
    const char *ekey = arena_printf(c->arena, "email:%s", lower(c, email));
    const char *akey = arena_printf(c->arena, "ip:%s", addr);
    int64_t id = 0;
    struct db_stmt *st;
    int ok = 0, rc;

    /* counted as a failure until the password proves right */
    if (charge_attempt(c, ekey, akey, retry_after) < 0)
        return -1;
    st = db_query(c->db, "SELECT id, password_hash FROM users WHERE email = ?",
                  "t", lower(c, email));
    if (st == NULL)
        return err_internal(&c->err, "user: select failed");
    rc = db_step(st);
    if (rc == DB_ROW) {
        id = db_int(st, 0);
        ok = secret_password_check(db_text(st, 1), password);
        db_done(st);
    } else if (rc != DB_DONE) {
        return err_internal(&c->err, "user: select failed");
    } else if (decoy_hash()[0] != '\0') {
        secret_password_check(decoy_hash(), password);
    }
    if (!ok)
        return err_set(&c->err, ERR_UNAUTHORIZED, "wrong email or password");
    if (refund_attempt(c, ekey, akey) < 0)
        return -1;
    return id;
}

int
user_none_yet(struct ctx *c)
{
    int64_t one = 0;
    int rc = db_get_int(c->db, &one, "SELECT 1 FROM users LIMIT 1", "");

    if (rc == DB_ERROR)
        return err_internal(&c->err, "user: count failed");
    return rc == DB_DONE;
}

/* 1 when password is the user's, 0 when not, -1 on error; the stored
 * hash it was checked against goes to *hash (arena). */
static int
password_is(struct ctx *c, int64_t id, const char *password,
            const char **hash)
{
    struct db_stmt *st = db_query(
        c->db, "SELECT password_hash FROM users WHERE id = ?", "i", id);
    int ok = 0, rc;

    if (st == NULL)
        return err_internal(&c->err, "user: select failed");
    rc = db_step(st);
    if (rc == DB_DONE)
        return err_set(&c->err, ERR_NOT_FOUND, "no such user");
    if (rc != DB_ROW)
        return err_internal(&c->err, "user: select failed");
    *hash = arena_strdup(c->arena, db_text(st, 0));
    db_done(st);
    ok = secret_password_check(*hash, password);
    return ok;
}

int
user_password_change(struct ctx *c, const char *current, const char *fresh)
{
    char hash[SECRET_PWHASH_MAX];
    const char *old = NULL;
    int ok;

    password_rules(c, fresh);
    if (current == NULL || *current == '\0') {
        err_field(&c->err, "current_password", "is required");
        return -1;
    }
    /* the hash is checked even when the new one is bad, so the form can
     * say both at once */
    ok = password_is(c, c->user_id, current, &old);
    if (ok < 0)
        return -1;
    if (ok == 0)
        err_field(&c->err, "current_password", "is not your password");
    if (err_is_set(&c->err))
        return -1;
    if (secret_password_hash(fresh, hash) < 0)
        return err_internal(&c->err, "user: password hashing failed");
    /* only over the hash that was checked: the hashing runs outside any
     * lock, so a change that won meanwhile must not be overwritten */
    if (db_exec(c->db,
                "UPDATE users SET password_hash = ? WHERE id = ? "
                "AND password_hash = ?",
                "tit", hash, c->user_id, old) != DB_DONE)
        return err_internal(&c->err, "user: password update failed");
    if (db_changes(c->db) != 1)
        return err_set(&c->err, ERR_CONFLICT,
                       "your password was changed meanwhile; sign in "
                       "with the new one and try again");
    return 0;
}
