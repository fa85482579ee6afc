/*
 * test_user — accounts and credentials on a migrated database: creation
 * (duplicate 409, short password and bad email 422), sign-in, failed-login
 * rate limiting per email and per address with retry_after, the reset on
 * success, and bearer tokens / cookie sessions: issue, lookup, revoke,
 * expiry against c->now.
 */
#include "domain/user.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "store/db.h"
#include "fixture.h"
#include "domain/token.h"

#include "base/banned.h"

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL)
        return -1;
    /* small limits keep the argon2 checks few */
    f->app.conf.login_max_per_email = 3;
    f->app.conf.login_max_per_addr = 5;
    f->app.conf.login_window = 600;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

static void
test_create(void **state)
{
    struct fixture *f = *state;
    struct ctx *c = &f->c;
    struct user u;
    int64_t id, id2;

    app_begin(&f->app, c);
    assert_int_equal(user_none_yet(c), 1);
    id = user_create(c, "Ann@Example.com", "password-123");
    assert_true(id > 0);
    assert_false(err_is_set(&c->err));
    assert_int_equal(user_none_yet(c), 0);
    assert_int_equal(user_get(c, id, &u), 0);
    assert_string_equal(u.email, "ann@example.com");
    assert_int_equal(u.id, id);
    assert_int_equal(u.created_at, c->now);
    assert_int_equal(user_find(c, "ANN@example.COM"), id);
    assert_int_equal(user_find(c, "nobody@example.com"), 0);

    /* duplicate, in any case */
    app_begin(&f->app, c);
    assert_int_equal(user_create(c, "ann@EXAMPLE.com", "other-password"), -1);
    assert_int_equal(c->err.kind, ERR_CONFLICT);
    assert_int_equal(err_http_status(c->err.kind), 409);

    app_begin(&f->app, c);
    assert_int_equal(user_create(c, "bob@example.com", "short"), -1);
    assert_int_equal(c->err.kind, ERR_VALIDATION);
    assert_int_equal(c->err.nfields, 1);
    assert_string_equal(c->err.fields[0].name, "password");

    app_begin(&f->app, c);
    assert_int_equal(user_create(c, "not-an-email", "password-123"), -1);
    assert_int_equal(c->err.kind, ERR_VALIDATION);
    assert_string_equal(c->err.fields[0].name, "email");

    /* both wrong: both reported */
    app_begin(&f->app, c);
    assert_int_equal(user_create(c, "bad", "x"), -1);
    assert_int_equal(c->err.nfields, 2);

    app_begin(&f->app, c);
    assert_int_equal(user_create(c, NULL, NULL), -1);
    assert_int_equal(c->err.kind, ERR_VALIDATION);

    app_begin(&f->app, c);
    assert_int_equal(user_get(c, id + 1000, &u), -1);
    assert_int_equal(c->err.kind, ERR_NOT_FOUND);

    /* exactly the minimum length is fine */
    app_begin(&f->app, c);
    id2 = user_create(c, "bob@example.com", "12345678");
    assert_true(id2 > id);
}

/* One login attempt in a fresh unit of work at time now. */
static int64_t
login(struct fixture *f, int64_t now, const char *email, const char *pw,
      const char *addr, int64_t *retry)
{
    app_begin(&f->app, &f->c);
    f->c.now = now;
    *retry = -1;
    return user_login(&f->c, email, pw, addr, retry);
}

static void
test_login_and_email_limit(void **state)
{
    struct fixture *f = *state;
    struct ctx *c = &f->c;
    int64_t id, retry, t0 = 1800000000;

    app_begin(&f->app, c);
    id = user_create(c, "carol@example.com", "password-123");
    assert_true(id > 0);

    assert_int_equal(login(f, t0, "Carol@Example.com", "password-123",
                           "1.1.1.1", &retry),
                     id);
    assert_false(err_is_set(&c->err));

    assert_int_equal(login(f, t0, "carol@example.com", "wrong-pass", "1.1.1.1",
                           &retry),
                     -1);
    assert_int_equal(c->err.kind, ERR_UNAUTHORIZED);
    assert_int_equal(login(f, t0, "nobody@example.com", "password-123",
                           "2.2.2.2", &retry),
                     -1);
    assert_int_equal(c->err.kind, ERR_UNAUTHORIZED);

    /* two more failures reach login_max_per_email (3) */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(login(f, t0 + 10 + i, "carol@example.com", "nope-nope",
                               "1.1.1.1", &retry),
                         -1);
        assert_int_equal(c->err.kind, ERR_UNAUTHORIZED);
    }
    /* now even the right password is refused, from any address */
    assert_int_equal(login(f, t0 + 100, "carol@example.com", "password-123",
                           "9.9.9.9", &retry),
                     -1);
    assert_int_equal(c->err.kind, ERR_RATE_LIMITED);
    assert_int_equal(err_http_status(c->err.kind), 429);
    assert_true(retry > 0);
    assert_true(retry <= 600);
    assert_int_equal(retry, t0 + 600 - (t0 + 100));
    /* another account is not affected */
    app_begin(&f->app, c);
    assert_true(user_create(c, "dave@example.com", "password-123") > 0);
    assert_true(login(f, t0 + 100, "dave@example.com", "password-123",
                      "9.9.9.9", &retry) > 0);
    /* after the window it works again */
    assert_int_equal(login(f, t0 + 601, "carol@example.com", "password-123",
                           "9.9.9.9", &retry),
                     id);
}

static void
test_success_resets_email_counter(void **state)
{
    struct fixture *f = *state;
    struct ctx *c = &f->c;
    int64_t id, retry, t0 = 1800000000;

    app_begin(&f->app, c);
    id = user_create(c, "erin@example.com", "password-123");
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 2; i++)
            assert_int_equal(login(f, t0, "erin@example.com", "bad-password",
                                   round ? "3.3.3.3" : "4.4.4.4", &retry),
                             -1);
        assert_int_equal(c->err.kind, ERR_UNAUTHORIZED);
        /* success resets: 2 + 2 failures never reach 3 */
        assert_int_equal(login(f, t0, "erin@example.com", "password-123",
                               "5.5.5.5", &retry),
                         id);
    }
}

static void
test_address_limit(void **state)
{
    struct fixture *f = *state;
    struct ctx *c = &f->c;
    int64_t retry, t0 = 1800000000, id;

    app_begin(&f->app, c);
    id = user_create(c, "frank@example.com", "password-123");
    /* 5 failures from one address, each for another (unknown) email */
    for (int i = 0; i < 5; i++) {
        char email[64];

        snprintf(email, sizeof(email), "ghost%d@example.com", i);
        assert_int_equal(login(f, t0 + i, email, "whatever-1", "6.6.6.6",
                               &retry),
                         -1);
        assert_int_equal(c->err.kind, ERR_UNAUTHORIZED);
    }
    assert_int_equal(login(f, t0 + 10, "frank@example.com", "password-123",
                           "6.6.6.6", &retry),
                     -1);
    assert_int_equal(c->err.kind, ERR_RATE_LIMITED);
    assert_true(retry > 0);
    assert_int_equal(retry, t0 + 600 - (t0 + 10));
    /* the same account from elsewhere is fine */
    assert_int_equal(login(f, t0 + 10, "frank@example.com", "password-123",
                           "7.7.7.7", &retry),
                     id);
}

/* The count of key in login_failures, 0 when it has no row. */
static int64_t
failure_count(struct fixture *f, const char *key)
{
    int64_t n = 0;

    app_begin(&f->app, &f->c);
    db_get_int(f->c.db, &n, "SELECT count FROM login_failures WHERE key = ?",
               "t", key);
    return n;
}

/* An attempt is counted before its password is checked and given back
 * when the password was right; a refused (429) attempt is not counted. */
static void
test_attempts_counted_before_the_check(void **state)
{
    struct fixture *f = *state;
    struct ctx *c = &f->c;
    int64_t id, retry, t0 = 1800000000;

    app_begin(&f->app, c);
    id = user_create(c, "gina@example.com", "password-123");
    /* many right ones from one address take nothing of its limit (5) */
    for (int i = 0; i < 8; i++)
        assert_int_equal(login(f, t0 + i, "gina@example.com", "password-123",
                               "8.8.8.8", &retry),
                         id);
    assert_int_equal(failure_count(f, "ip:8.8.8.8"), 0);
    assert_int_equal(failure_count(f, "email:gina@example.com"), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(login(f, t0 + 10, "gina@example.com", "wrong-one",
                               "8.8.8.8", &retry),
                         -1);
    assert_int_equal(failure_count(f, "ip:8.8.8.8"), 3);
    assert_int_equal(failure_count(f, "email:gina@example.com"), 3);
    /* refused: not counted, and the address's count stays */
    assert_int_equal(login(f, t0 + 20, "gina@example.com", "password-123",
                           "8.8.8.8", &retry),
                     -1);
    assert_int_equal(c->err.kind, ERR_RATE_LIMITED);
    assert_int_equal(failure_count(f, "email:gina@example.com"), 3);
    assert_int_equal(failure_count(f, "ip:8.8.8.8"), 3);
    /* after the window: signed in, and the email's count starts over */
    assert_int_equal(login(f, t0 + 700, "gina@example.com", "password-123",
                           "8.8.8.8", &retry),
                     id);
    assert_int_equal(failure_count(f, "email:gina@example.com"), 0);
    assert_false(db_in_transaction(c->db));
}

static void
test_tokens(void **state)
{
    struct fixture *f = *state;
    struct ctx *c = &f->c;
    int64_t uid, who = -1, t0 = 1800000000;
    char *tok, *forever, *s, *csrf, *csrf2;

    uid = fixture_user(f, "gina@example.com");
    assert_true(uid > 0);
    fixture_next(f);
    c->now = t0;
    tok = token_issue(c, uid, "cli", t0 + 60);
    forever = token_issue(c, uid, "forever", DB_NULL);
    assert_non_null(tok);
    assert_non_null(forever);
    assert_int_equal(strlen(tok), 43);
    assert_string_not_equal(tok, forever);
    tok = arena_strdup(c->arena, tok);

    assert_int_equal(token_lookup(c, tok, &who), 0);
    assert_int_equal(who, uid);
    /* the token is stored only as a hash */
    {
        int64_t n = -1;

        assert_int_equal(db_get_int(c->db, &n,
                                    "SELECT count(*) FROM api_tokens WHERE "
                                    "token_hash = ?",
                                    "t", tok),
                         DB_ROW);
        assert_int_equal(n, 0);
    }
    /* expiry against c->now */
    c->now = t0 + 59;
    assert_int_equal(token_lookup(c, tok, &who), 0);
    assert_int_equal(who, uid);
    c->now = t0 + 60;
    assert_int_equal(token_lookup(c, tok, &who), 0);
    assert_int_equal(who, 0);
    c->now = t0 + 100000000;
    assert_int_equal(token_lookup(c, forever, &who), 0);
    assert_int_equal(who, uid);
    /* unknown, malformed */
    assert_int_equal(token_lookup(c, "short", &who), 0);
    assert_int_equal(who, 0);
    tok[0] = tok[0] == 'A' ? 'B' : 'A';
    c->now = t0;
    assert_int_equal(token_lookup(c, tok, &who), 0);
    assert_int_equal(who, 0);
    /* revoke */
    assert_int_equal(token_revoke(c, forever), 0);
    assert_int_equal(token_lookup(c, forever, &who), 0);
    assert_int_equal(who, 0);
    assert_int_equal(token_revoke(c, "never-issued"), 0);

    /* cookie sessions */
    assert_int_equal(session_create(c, uid, &s, &csrf), 0);
    assert_int_equal(strlen(s), 43);
    assert_int_equal(strlen(csrf), 43);
    assert_int_equal(session_lookup(c, s, &who, &csrf2), 0);
    assert_int_equal(who, uid);
    assert_string_equal(csrf2, csrf);
    c->now = t0 + f->app.conf.session_seconds;
    assert_int_equal(session_lookup(c, s, &who, &csrf2), 0);
    assert_int_equal(who, 0);
    assert_null(csrf2);
    c->now = t0;
    assert_int_equal(token_revoke(c, s), 0);
    assert_int_equal(session_lookup(c, s, &who, &csrf2), 0);
    assert_int_equal(who, 0);
}

/* The field named name in c->err, or NULL. */
static const char *
field_msg(struct ctx *c, const char *name)
{
    for (int i = 0; i < c->err.nfields; i++)
        if (strcmp(c->err.fields[i].name, name) == 0)
            return c->err.fields[i].msg;
    return NULL;
}

static void
test_password_change(void **state)
{
    struct fixture *f = *state;
    struct ctx *c = &f->c;
    int64_t uid = fixture_user(f, "hal@example.com"), retry = 0;

    assert_true(uid > 0);
    /* a wrong current password and a short new one: both named at once */
    assert_int_equal(user_password_change(c, "wrong-password", "short"), -1);
    assert_int_equal(c->err.kind, ERR_VALIDATION);
    assert_non_null(field_msg(c, "current_password"));
    assert_string_equal(field_msg(c, "password"),
                        "must be at least 8 characters");
    fixture_next(f);
    assert_int_equal(user_password_change(c, "", "long-enough-1"), -1);
    assert_non_null(field_msg(c, "current_password"));
    fixture_next(f);
    /* nothing changed by the failures */
    assert_int_equal(user_login(c, "hal@example.com", "password-123", "a",
                                &retry),
                     uid);
    fixture_next(f);
    assert_int_equal(user_password_change(c, "password-123", "new-secret-9"),
                     0);
    fixture_next(f);
    assert_int_equal(user_login(c, "hal@example.com", "new-secret-9", "a",
                                &retry),
                     uid);
    fixture_next(f);
    assert_int_equal(user_login(c, "hal@example.com", "password-123", "a",
                                &retry),
                     -1);
    assert_int_equal(c->err.kind, ERR_UNAUTHORIZED);
}

static void
test_token_list_revoke(void **state)
{
    struct fixture *f = *state;
    struct ctx *c = &f->c;
    struct token_in in = {"laptop"}, bad = {""};
    struct token_info *list;
    int64_t other, uid, who = -1, id;
    char *tok, *s, *s2, *csrf, s1[64];
    int n;

    other = fixture_user(f, "ivy@example.com");
    assert_non_null(token_issue(c, other, "ivy's", DB_NULL));
    assert_int_equal(session_create(c, other, &s, &csrf), 0);
    /* outlives the units of work below */
    snprintf(s1, sizeof s1, "%s", s);
    uid = fixture_user(f, "jo@example.com");
    /* a name is checked by the table */
    assert_null(token_create(c, &bad));
    assert_int_equal(c->err.kind, ERR_VALIDATION);
    assert_non_null(field_msg(c, "name"));
    fixture_next(f);
    tok = token_create(c, &in);
    assert_non_null(tok);
    tok = arena_strdup(c->arena, tok);
    assert_int_equal(token_lookup(c, tok, &who), 0);
    assert_int_equal(who, uid);
    /* only the user's own, unexpired tokens, never the token itself */
    assert_non_null(token_issue(c, uid, "expired", c->now - 1));
    assert_int_equal(token_list(c, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].name, "laptop");
    assert_int_equal(list[0].expires_at, DB_NULL);
    assert_int_equal(list[0].created_at, c->now);
    id = list[0].id;
    /* another user's id is not found */
    assert_int_equal(token_revoke_id(c, id - 1), -1);
    assert_int_equal(c->err.kind, ERR_NOT_FOUND);
    err_clear(&c->err);
    assert_int_equal(token_revoke_id(c, id), 0);
    assert_int_equal(token_lookup(c, tok, &who), 0);
    assert_int_equal(who, 0);
    assert_int_equal(token_revoke_id(c, id), -1);
    assert_int_equal(c->err.kind, ERR_NOT_FOUND);
    fixture_next(f);

    /* sign out everywhere: this user's sessions only, tokens stay */
    assert_int_equal(session_create(c, uid, &s2, &csrf), 0);
    s2 = arena_strdup(c->arena, s2);
    tok = arena_strdup(c->arena, token_create(c, &in));
    assert_int_equal(session_revoke_all(c), 0);
    assert_int_equal(session_lookup(c, s2, &who, &csrf), 0);
    assert_int_equal(who, 0);
    assert_int_equal(token_lookup(c, tok, &who), 0);
    assert_int_equal(who, uid);
    assert_int_equal(session_lookup(c, s1, &who, &csrf), 0);
    assert_int_equal(who, other);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_and_email_limit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_success_resets_email_counter,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attempts_counted_before_the_check,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_password_change, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_token_list_revoke, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
