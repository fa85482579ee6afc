/*
 * test_notifypref — the notification preferences module on a fresh
 * migrated database, as the dispatcher reads them for any user's printer:
 * the material_low threshold, its default when nothing was saved, and 0
 * (never) kept as 0.
 */
#include "domain/notifypref.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"
#include "fixture.h"

#include "base/banned.h"

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL || fixture_user(f, "pref-a@example.test") <= 0)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_close(*state);
    return 0;
}

/* The dispatcher's unit of work: no user. */
static void
as_dispatcher(struct fixture *f)
{
    app_begin(&f->app, &f->c);
    f->c.user_id = 0;
}

static void
test_low_percent(void **state)
{
    struct fixture *f = *state;
    int64_t p = fixture_printer(f, "T001"), uid = f->c.user_id, pct = -1;
    struct notifypref n;
    const char *generated;

    assert_true(p > 0);

    as_dispatcher(f);
    assert_int_equal(notifypref_material_low_percent(&f->c, p, &pct), 0);
    assert_int_equal(pct, NOTIFYPREF_MATERIAL_LOW_DEFAULT);

    f->c.user_id = uid;
    assert_int_equal(notifypref_get(&f->c, p, &n), 0);
    n.material_low_percent = 25;
    assert_int_equal(notifypref_save(&f->c, &n, &generated), 0);
    as_dispatcher(f);
    assert_int_equal(notifypref_material_low_percent(&f->c, p, &pct), 0);
    assert_int_equal(pct, 25);

    f->c.user_id = uid;
    assert_int_equal(notifypref_get(&f->c, p, &n), 0);
    n.material_low_percent = 0; /* never */
    assert_int_equal(notifypref_save(&f->c, &n, &generated), 0);
    as_dispatcher(f);
    assert_int_equal(notifypref_material_low_percent(&f->c, p, &pct), 0);
    assert_int_equal(pct, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_low_percent, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
