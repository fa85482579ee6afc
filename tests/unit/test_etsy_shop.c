/*
 * test_etsy_shop — the Etsy shops of lib/domain/etsy_shop.c on a fresh
 * migrated database: a connect needs the install's Etsy settings (409
 * without), begin -> callback -> the dispatcher's token save walks a shop
 * from pending to connected, a revoked grant makes it reconnect_needed
 * (once: the second revoke does not ask to tell the owner again), a sync
 * request needs a connected shop; another user's shop is a 404 everywhere
 * and their state is not accepted; every secret is sealed at rest and
 * opens to what was saved; disabling a shop takes it off the dispatcher's
 * list and deleting it keeps the orders it imported.
 */
#include "domain/etsy_shop.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/null.h"
#include "domain/order.h"
#include "fixture.h"
#include "store/db.h"

#include "base/banned.h"

static int64_t user_a, user_b;

static void
as_user(struct fixture *f, int64_t uid)
{
    app_begin(&f->app, &f->c);
    f->c.user_id = uid;
}

static void
configure(struct fixture *f)
{
    struct etsy_conf *e = &f->app.conf.etsy;

    snprintf(e->keystring, sizeof e->keystring, "%s", "unitkeystring");
    snprintf(e->secret, sizeof e->secret, "%s", "unitsecret");
    snprintf(e->public_url, sizeof e->public_url, "%s", "http://127.0.0.1");
}

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL || (user_b = fixture_user(f, "shop-b@example.test")) <= 0 ||
        (user_a = fixture_user(f, "shop-a@example.test")) <= 0)
        return -1;
    configure(f);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

/* A raw column of shop id, as stored (arena). */
static const char *
raw(struct fixture *f, const char *col, int64_t id)
{
    struct db_stmt *st = db_query(
        f->c.db,
        arena_printf(f->c.arena, "SELECT %s FROM etsy_shops WHERE id = ?", col),
        "i", id);
    const char *v;

    assert_non_null(st);
    assert_int_equal(db_step(st), DB_ROW);
    v = db_is_null(st, 0) ? NULL : arena_strdup(f->c.arena, db_text(st, 0));
    db_done(st);
    return v;
}

/* The due shop with row id (secrets opened), or NULL. */
static const struct etsy_shop *
due(struct fixture *f, int64_t id)
{
    struct etsy_shop *list;
    int n;

    assert_int_equal(etsy_shop_due(&f->c, &list, &n), 0);
    for (int i = 0; i < n; i++)
        if (list[i].id == id)
            return &list[i];
    return NULL;
}

/* begin + callback as user_a: the pending shop's id. */
static int64_t
pending_with_code(struct fixture *f, const char *code)
{
    const char *state = NULL, *challenge = NULL;
    int64_t id;

    char kept[128];

    as_user(f, user_a);
    id = etsy_shop_begin(&f->c, &state, &challenge);
    assert_true(id > 0);
    assert_non_null(state);
    assert_int_equal(strlen(challenge), 43);  /* SHA-256, base64url */
    snprintf(kept, sizeof kept, "%s", state); /* the arena is reset next */
    as_user(f, user_a);
    assert_int_equal(etsy_shop_callback(&f->c, kept, code), id);
    return id;
}

static void
test_begin_needs_configuration(void **state)
{
    struct fixture *f = *state;
    const char *st = NULL, *ch = NULL;

    f->app.conf.etsy.keystring[0] = '\0';
    as_user(f, user_a);
    assert_int_equal(etsy_shop_begin(&f->c, &st, &ch), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    assert_non_null(strstr(f->c.err.msg, "FARM_ETSY_KEYSTRING"));
    as_user(f, user_a);
    assert_int_equal(
        db_get_int(f->c.db, &(int64_t){0}, "SELECT 1 FROM etsy_shops", ""),
        DB_DONE); /* nothing written */
}

static void
test_pending_to_connected_to_reconnect(void **state)
{
    struct fixture *f = *state;
    const struct etsy_shop *d;
    struct etsy_shop s;
    const char *st = NULL, *ch = NULL;
    char kept[128];
    int64_t id;

    as_user(f, user_a);
    id = etsy_shop_begin(&f->c, &st, &ch);
    assert_true(id > 0);
    snprintf(kept, sizeof kept, "%s", st); /* the arena is reset next */
    st = kept;
    as_user(f, user_a);
    assert_int_equal(etsy_shop_get(&f->c, id, &s), 0);
    assert_string_equal(s.status, "pending");
    assert_int_equal(s.shop_id, DB_NULL);
    assert_int_equal(s.enabled, 1);
    assert_int_equal(s.auto_schedule, 0);
    /* pending without a code: nothing for the dispatcher yet */
    assert_null(due(f, id));
    as_user(f, user_a);
    assert_int_equal(etsy_shop_request_sync(&f->c, id), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);

    as_user(f, user_a);
    assert_int_equal(etsy_shop_callback(&f->c, st, "the-code"), id);
    /* the state is used up */
    as_user(f, user_a);
    assert_int_equal(etsy_shop_callback(&f->c, st, "again"), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);

    app_begin(&f->app, &f->c); /* the dispatcher: no user */
    d = due(f, id);
    assert_non_null(d);
    assert_string_equal(d->code, "the-code");
    assert_non_null(d->verifier);
    assert_true(strlen(d->verifier) >= 43 && strlen(d->verifier) <= 128);
    assert_int_equal(etsy_shop_save_tokens(&f->c, id, "acc-1", "ref-1",
                                           f->c.now + 3600, 55501234,
                                           "LayerLab"),
                     0);
    as_user(f, user_a);
    assert_int_equal(etsy_shop_get(&f->c, id, &s), 0);
    assert_string_equal(s.status, "connected");
    assert_int_equal(s.shop_id, 55501234);
    assert_string_equal(s.shop_name, "LayerLab");
    /* the code and verifier are spent */
    assert_null(raw(f, "auth_code", id));
    assert_null(raw(f, "code_verifier", id));

    /* synced: the cursor and count move, the next sync waits */
    app_begin(&f->app, &f->c);
    assert_int_equal(
        etsy_shop_synced(&f->c, id, 1795269909, 3, NULL, f->c.now + 300), 0);
    assert_null(due(f, id));
    as_user(f, user_a);
    assert_int_equal(etsy_shop_request_sync(&f->c, id), 0);
    app_begin(&f->app, &f->c);
    d = due(f, id);
    assert_non_null(d);
    assert_int_equal(d->cursor, 1795269909);
    assert_int_equal(d->imported_orders, 3);
    assert_null(d->last_error);

    /* a failed pass keeps the cursor and records why */
    assert_int_equal(
        etsy_shop_synced(&f->c, id, DB_NULL, 0, "HTTP 500", f->c.now), 0);
    as_user(f, user_a);
    assert_int_equal(etsy_shop_get(&f->c, id, &s), 0);
    assert_int_equal(s.cursor, 1795269909);
    assert_string_equal(s.last_error, "HTTP 500");

    /* revoked: reconnect_needed, tokens gone; told once */
    app_begin(&f->app, &f->c);
    assert_int_equal(etsy_shop_revoked(&f->c, id, "refresh_token is revoked"),
                     1);
    assert_int_equal(etsy_shop_revoked(&f->c, id, "again"), 0);
    as_user(f, user_a);
    assert_int_equal(etsy_shop_get(&f->c, id, &s), 0);
    assert_string_equal(s.status, "reconnect_needed");
    assert_null(raw(f, "access_token", id));
    assert_null(raw(f, "refresh_token", id));
    assert_null(due(f, id));
    as_user(f, user_a);
    assert_int_equal(etsy_shop_request_sync(&f->c, id), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
}

static void
test_tokens_sealed_round_trip(void **state)
{
    struct fixture *f = *state;
    int64_t id = pending_with_code(f, "code-xyz");
    const struct etsy_shop *d;
    const char *sealed;

    /* the code is sealed, the state kept only as a hash (gone now) */
    as_user(f, user_a);
    sealed = raw(f, "auth_code", id);
    assert_non_null(sealed);
    assert_null(strstr(sealed, "code-xyz"));
    assert_null(raw(f, "oauth_state", id));

    app_begin(&f->app, &f->c);
    assert_int_equal(etsy_shop_save_tokens(&f->c, id, "81234567.access-AAA",
                                           "81234567.refresh-BBB",
                                           f->c.now + 3600, 777, "Shop"),
                     0);
    sealed = raw(f, "access_token", id);
    assert_non_null(sealed);
    assert_null(strstr(sealed, "access-AAA"));
    assert_null(strstr(raw(f, "refresh_token", id), "refresh-BBB"));
    d = due(f, id);
    assert_non_null(d);
    assert_string_equal(d->access_token, "81234567.access-AAA");
    assert_string_equal(d->refresh_token, "81234567.refresh-BBB");
    assert_int_equal(d->token_expires_at, f->c.now + 3600);

    /* a rotated pair replaces the old one; shop id and name stay */
    app_begin(&f->app, &f->c);
    assert_int_equal(etsy_shop_save_tokens(&f->c, id, "81234567.access-CCC",
                                           "81234567.refresh-DDD",
                                           f->c.now + 7200, DB_NULL, NULL),
                     0);
    d = due(f, id);
    assert_non_null(d);
    assert_string_equal(d->access_token, "81234567.access-CCC");
    assert_string_equal(d->refresh_token, "81234567.refresh-DDD");
    assert_int_equal(d->shop_id, 777);
    assert_string_equal(d->shop_name, "Shop");
    assert_string_equal(d->status, "connected");

    /* the user's own reads never carry secrets */
    {
        struct etsy_shop s;

        as_user(f, user_a);
        assert_int_equal(etsy_shop_get(&f->c, id, &s), 0);
        assert_null(s.access_token);
        assert_null(s.refresh_token);
        assert_null(s.code);
        assert_null(s.verifier);
    }
}

static void
test_per_user_isolation(void **state)
{
    struct fixture *f = *state;
    struct etsy_shop s, *list;
    const char *st = NULL, *ch = NULL;
    int64_t mine = pending_with_code(f, "code-a"), theirs;
    int n;

    /* user_b's pending connect: user_a cannot answer its state */
    char kept[128];

    as_user(f, user_b);
    theirs = etsy_shop_begin(&f->c, &st, &ch);
    assert_true(theirs > 0);
    snprintf(kept, sizeof kept, "%s", st); /* the arena is reset next */
    st = kept;
    as_user(f, user_a);
    assert_int_equal(etsy_shop_callback(&f->c, st, "stolen"), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    as_user(f, user_b);
    assert_null(raw(f, "auth_code", theirs));

    as_user(f, user_b);
    assert_int_equal(etsy_shop_list(&f->c, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, theirs);
    as_user(f, user_b);
    assert_int_equal(etsy_shop_get(&f->c, mine, &s), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    as_user(f, user_b);
    assert_int_equal(etsy_shop_update(&f->c, mine, 1, 0), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    as_user(f, user_b);
    assert_int_equal(etsy_shop_request_sync(&f->c, mine), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    as_user(f, user_b);
    assert_int_equal(etsy_shop_delete(&f->c, mine), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);

    as_user(f, user_a);
    assert_int_equal(etsy_shop_get(&f->c, mine, &s), 0);
    assert_int_equal(s.auto_schedule, 0);
    assert_int_equal(s.enabled, 1);
    as_user(f, user_a);
    assert_int_equal(etsy_shop_list(&f->c, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, mine);
}

static void
test_disable_and_delete_keep_orders(void **state)
{
    struct fixture *f = *state;
    struct etsy_shop s;
    struct order *os;
    int64_t id = pending_with_code(f, "code-k"), order;
    int n;

    app_begin(&f->app, &f->c);
    assert_int_equal(
        etsy_shop_save_tokens(&f->c, id, "a", "r", f->c.now + 3600, 4242, "K"),
        0);
    as_user(f, user_a);
    order = order_etsy_insert(
        &f->c,
        &(struct order_receipt){"3456789012", "Maya", DB_NULL, "USD", 4242});
    assert_true(order > 0);

    /* auto_schedule alone; enabled alone (-1 keeps a value) */
    as_user(f, user_a);
    assert_int_equal(etsy_shop_update(&f->c, id, 1, -1), 0);
    as_user(f, user_a);
    assert_int_equal(etsy_shop_get(&f->c, id, &s), 0);
    assert_int_equal(s.auto_schedule, 1);
    assert_int_equal(s.enabled, 1);
    app_begin(&f->app, &f->c);
    assert_non_null(due(f, id));
    as_user(f, user_a);
    assert_int_equal(etsy_shop_update(&f->c, id, -1, 0), 0);
    as_user(f, user_a);
    assert_int_equal(etsy_shop_get(&f->c, id, &s), 0);
    assert_int_equal(s.auto_schedule, 1);
    assert_int_equal(s.enabled, 0);
    app_begin(&f->app, &f->c);
    assert_null(due(f, id)); /* disabled: not imported */
    as_user(f, user_a);
    assert_int_equal(order_list(&f->c, 10, 0, &os, &n), 0);
    assert_int_equal(n, 1);

    as_user(f, user_a);
    assert_int_equal(etsy_shop_delete(&f->c, id), 0);
    as_user(f, user_a);
    assert_int_equal(etsy_shop_get(&f->c, id, &s), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    as_user(f, user_a);
    assert_int_equal(etsy_shop_delete(&f->c, id), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    as_user(f, user_a);
    assert_int_equal(order_list(&f->c, 10, 0, &os, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(os[0].id, order);
    assert_string_equal(os[0].external_id, "3456789012");
    assert_string_equal(os[0].source, "etsy");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_begin_needs_configuration, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pending_to_connected_to_reconnect,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_sealed_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_per_user_isolation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_disable_and_delete_keep_orders,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
