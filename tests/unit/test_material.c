/*
 * test_material — the material module on a fresh migrated database: cost
 * arithmetic (rounding half up, unknown inputs, overflow), defaults,
 * validation and colour normalisation, slot conflicts on create and on
 * update, remaining grams, and isolation between two users; and what the
 * dispatcher reads across users: every printer's materials, the
 * material_low rows (which spool is loaded) and their marks.
 */
#include "domain/material.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"
#include "fixture.h"
#include "domain/printer.h"

#include "base/banned.h"

static int64_t
make_printer(struct fixture *f, const char *serial)
{
    int64_t id = fixture_printer(f, serial);

    assert_true(id > 0);
    return id;
}

static int64_t
make_material(struct fixture *f, int64_t printer, int64_t slot, int64_t cost)
{
    struct material m;
    int64_t id;

    material_init(&m);
    m.printer_id = printer;
    m.slot = slot;
    m.material_type = "PLA";
    m.cost_per_kg = cost;
    id = material_create(&f->c, &m);
    assert_true(id > 0);
    fixture_next(f);
    return id;
}

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL || fixture_user(f, "mat-a@example.test") <= 0)
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

static void
test_cost_arithmetic(void **state)
{
    (void)state;
    assert_int_equal(material_cost_of(1000, 2499), 2499);
    assert_int_equal(material_cost_of(250, 2499), 625); /* 624.75 */
    assert_int_equal(material_cost_of(1, 1500), 2);     /* 1.5 up */
    assert_int_equal(material_cost_of(1, 1499), 1);     /* 1.499 down */
    assert_int_equal(material_cost_of(1, 499), 0);      /* 0.499 down */
    assert_int_equal(material_cost_of(1, 500), 1);      /* 0.5 up */
    assert_int_equal(material_cost_of(0, 2499), 0);
    assert_int_equal(material_cost_of(123, 0), 0);
    assert_true(material_cost_of(DB_NULL, 2499) == DB_NULL);
    assert_true(material_cost_of(100, DB_NULL) == DB_NULL);
    assert_true(material_cost_of(-1, 2499) == DB_NULL);
    assert_true(material_cost_of(INT64_MAX / 2, MATERIAL_COST_MAX) == DB_NULL);
    /* the largest product that fits is still exact */
    assert_int_equal(material_cost_of(1000000000, MATERIAL_COST_MAX),
                     10000000000000LL);
}

static void
test_cost_from_slot(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "COST1"), cents = 0;

    make_material(f, p, 1, 2499);
    make_material(f, p, 3, DB_NULL);

    assert_int_equal(material_cost_cents(&f->c, p, 1, 250, &cents), 0);
    assert_int_equal(cents, 625);
    assert_int_equal(material_cost_cents(&f->c, p, 1, 1000, &cents), 0);
    assert_int_equal(cents, 2499);
    /* empty slot, unknown cost, unknown grams, unknown slot */
    assert_int_equal(material_cost_cents(&f->c, p, 2, 100, &cents), 0);
    assert_true(cents == DB_NULL);
    cents = 0;
    assert_int_equal(material_cost_cents(&f->c, p, 3, 100, &cents), 0);
    assert_true(cents == DB_NULL);
    cents = 0;
    assert_int_equal(material_cost_cents(&f->c, p, 1, DB_NULL, &cents), 0);
    assert_true(cents == DB_NULL);
    cents = 0;
    assert_int_equal(material_cost_cents(&f->c, p, DB_NULL, 100, &cents), 0);
    assert_true(cents == DB_NULL);
    assert_false(err_is_set(&f->c.err));
}

static void
test_defaults_and_normalising(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "DEF1"), id;
    struct material m;

    material_init(&m);
    m.printer_id = p;
    m.slot = 7;
    m.material_type = "PETG";
    m.color = "#ff00aa";
    id = material_create(&f->c, &m);
    assert_true(id > 0);
    fixture_next(f);
    assert_int_equal(material_get(&f->c, id, &m), 0);
    assert_string_equal(m.color, "#FF00AA");
    assert_int_equal(m.weight_grams, 1000);
    assert_int_equal(m.remaining_percent, 100);
    assert_int_equal(material_remaining_grams(&m), 1000);
    assert_string_equal(m.source, "manual");
    assert_null(m.vendor);
    assert_true(m.cost_per_kg == DB_NULL);
    assert_true(m.synced_at == DB_NULL);

    m.weight_grams = 750;
    m.remaining_percent = 33;
    assert_int_equal(material_remaining_grams(&m), 247); /* 247.5 down */
    m.remaining_percent = DB_NULL;
    assert_true(material_remaining_grams(&m) == DB_NULL);
}

static void
test_validation(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "VAL1");
    struct material m;
    int64_t n = 0;

    material_init(&m);
    m.printer_id = p;
    m.slot = 8;
    m.material_type = "PLA";
    assert_true(material_create(&f->c, &m) < 0);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_string_equal(f->c.err.fields[0].name, "slot");

    fixture_next(f);
    m.slot = -1;
    assert_true(material_create(&f->c, &m) < 0);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);

    fixture_next(f);
    m.slot = 0;
    m.remaining_percent = 101;
    m.color = "#GG0000";
    m.material_type = "";
    assert_true(material_create(&f->c, &m) < 0);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_int_equal(f->c.err.nfields, 3);

    fixture_next(f);
    assert_int_equal(
        db_get_int(f->c.db, &n, "SELECT COUNT(*) FROM materials", ""), DB_ROW);
    assert_int_equal(n, 0); /* nothing half-written */
}

static void
test_slot_conflict(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SLOT1"), q = make_printer(f, "SLOT2");
    int64_t a = make_material(f, p, 0, DB_NULL);
    int64_t b = make_material(f, p, 1, DB_NULL);
    struct material m;

    /* the same slot on another printer is fine */
    make_material(f, q, 0, DB_NULL);

    material_init(&m);
    m.printer_id = p;
    m.slot = 0;
    m.material_type = "ABS";
    assert_true(material_create(&f->c, &m) < 0);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);

    /* moving b onto a's slot conflicts; onto a free one works */
    fixture_next(f);
    assert_int_equal(material_get(&f->c, b, &m), 0);
    m.slot = 0;
    assert_int_equal(material_update(&f->c, &m), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);

    fixture_next(f);
    assert_int_equal(material_get(&f->c, b, &m), 0);
    assert_int_equal(m.slot, 1);
    m.slot = 5;
    m.remaining_percent = 42;
    assert_int_equal(material_update(&f->c, &m), 0);
    fixture_next(f);
    assert_int_equal(material_get(&f->c, b, &m), 0);
    assert_int_equal(m.slot, 5);
    assert_int_equal(m.remaining_percent, 42);

    /* keeping its own slot is not a conflict */
    fixture_next(f);
    assert_int_equal(material_get(&f->c, a, &m), 0);
    assert_int_equal(material_update(&f->c, &m), 0);

    /* after a delete the slot is free again */
    fixture_next(f);
    assert_int_equal(material_delete(&f->c, a), 0);
    fixture_next(f);
    make_material(f, p, 0, DB_NULL);
}

static void
test_isolation(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "ISO1"), id = make_material(f, p, 2, 2000);
    int64_t cents = 0, owner = f->c.user_id;
    struct material m, *list;
    int n;

    /* a second user sees nothing of the first one's */
    assert_true(fixture_user(f, "mat-b@example.test") > 0);
    assert_int_equal(material_get(&f->c, id, &m), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    fixture_next(f);
    assert_int_equal(material_list(&f->c, p, 100, 0, &list, &n), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    fixture_next(f);
    material_init(&m);
    m.printer_id = p;
    m.slot = 3;
    m.material_type = "PLA";
    assert_true(material_create(&f->c, &m) < 0);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    fixture_next(f);
    m.id = id;
    m.slot = 2;
    assert_int_equal(material_update(&f->c, &m), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    fixture_next(f);
    assert_int_equal(material_delete(&f->c, id), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    fixture_next(f);
    assert_int_equal(material_cost_cents(&f->c, p, 2, 1000, &cents), 0);
    assert_true(cents == DB_NULL);

    /* and the owner still has it, unchanged */
    fixture_next(f);
    f->c.user_id = owner;
    assert_int_equal(material_list(&f->c, p, 100, 0, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, id);
    assert_int_equal(list[0].slot, 2);
    assert_string_equal(list[0].material_type, "PLA");
    assert_int_equal(material_cost_cents(&f->c, p, 2, 1000, &cents), 0);
    assert_int_equal(cents, 2000);
}

static void
test_list_ordered_by_slot(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "ORD1");
    struct material *list;
    int n;

    make_material(f, p, 6, DB_NULL);
    make_material(f, p, 0, DB_NULL);
    make_material(f, p, 3, DB_NULL);
    assert_int_equal(material_list(&f->c, p, 100, 0, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[0].slot, 0);
    assert_int_equal(list[1].slot, 3);
    assert_int_equal(list[2].slot, 6);
    fixture_next(f);
    assert_int_equal(material_list(&f->c, p, 1, 1, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].slot, 3);
}

/* ---- for the dispatcher ---- */

/* The dispatcher's unit of work: no user. */
static void
as_dispatcher(struct fixture *f)
{
    app_begin(&f->app, &f->c);
    f->c.user_id = 0;
}

static void
add_manual(struct fixture *f, int64_t printer, int64_t slot, const char *type,
           const char *color, int64_t remaining)
{
    struct material m;

    material_init(&m);
    m.printer_id = printer;
    m.slot = slot;
    m.material_type = type;
    m.color = color;
    m.weight_grams = 800;
    m.remaining_percent = remaining;
    assert_true(material_create(&f->c, &m) > 0);
    fixture_next(f);
}

static void
test_list_every(void **state)
{
    struct fixture *f = *state;
    int64_t a = make_printer(f, "EA01"), b;
    struct material *m;
    int n, seen_a = 0, seen_b = 0;

    add_manual(f, a, 1, "PLA", "#112233", 50);
    add_manual(f, a, 4, "PETG", NULL, DB_NULL);
    assert_true(fixture_user(f, "mat-b@example.test") > 0);
    b = make_printer(f, "EB01");
    add_manual(f, b, 7, "ABS", NULL, 25);
    as_dispatcher(f);
    assert_int_equal(material_list_every(&f->c, &m, &n), 0);
    assert_int_equal(n, 3);
    for (int i = 0; i < n; i++) {
        if (m[i].printer_id == a && m[i].slot == 1) {
            assert_string_equal(m[i].material_type, "PLA");
            assert_string_equal(m[i].color, "#112233");
            assert_int_equal(material_remaining_grams(&m[i]), 400);
            seen_a++;
        } else if (m[i].printer_id == a && m[i].slot == 4) {
            assert_null(m[i].color);
            assert_int_equal(material_remaining_grams(&m[i]), DB_NULL);
            seen_a++;
        } else if (m[i].printer_id == b && m[i].slot == 7) {
            assert_string_equal(m[i].material_type, "ABS");
            assert_int_equal(material_remaining_grams(&m[i]), 200);
            seen_b++;
        }
    }
    assert_int_equal(seen_a, 2);
    assert_int_equal(seen_b, 1);
}

static void
test_low_list_and_mark(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "L001"), other = make_printer(f, "L002");
    struct material_seen seen = {0};
    struct material_low rows[MATERIAL_SLOTS];
    int changed, n;

    add_manual(f, p, 5, "PETG", NULL, 8);
    add_manual(f, p, 0, "PLA", "#FF0000", 30);
    add_manual(f, other, 0, "ABS", NULL, 1);
    seen.present = 1;
    seen.material_type = "PLA";
    seen.color = "#00FF00";
    seen.remaining_percent = 9;
    seen.weight_grams = 1000;
    seen.tray_uuid = "0123456789ABCDEF0123456789ABCDEF";
    assert_int_equal(material_sync(&f->c, p, 2, &seen, &changed), 0);
    fixture_next(f);

    as_dispatcher(f);
    assert_int_equal(material_low_list(&f->c, p, rows, MATERIAL_SLOTS, &n), 0);
    assert_int_equal(n, 3);
    /* by slot; the spool is the tray's uuid, else type and colour */
    assert_int_equal(rows[0].slot, 0);
    assert_string_equal(rows[0].material_type, "PLA");
    assert_string_equal(rows[0].color, "#FF0000");
    assert_int_equal(rows[0].remaining_percent, 30);
    assert_int_equal(rows[0].weight_grams, 800);
    assert_string_equal(rows[0].spool, "PLA #FF0000");
    assert_int_equal(rows[0].low_notified_at, DB_NULL);
    assert_string_equal(rows[0].low_notified_spool, "");
    assert_int_equal(rows[1].slot, 2);
    assert_string_equal(rows[1].spool, "0123456789ABCDEF0123456789ABCDEF");
    assert_int_equal(rows[1].remaining_percent, 9);
    assert_int_equal(rows[2].slot, 5);
    assert_string_equal(rows[2].color, "");
    assert_string_equal(rows[2].spool, "PETG ");

    /* an empty uuid counts as none */
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE materials SET tray_uuid = '' WHERE id = ?",
                             "i", rows[1].id),
                     DB_DONE);
    assert_int_equal(material_low_list(&f->c, p, rows, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[1].spool, "PLA #00FF00");

    assert_int_equal(material_low_mark(&f->c, rows[1].id, 700, rows[1].spool),
                     0);
    assert_int_equal(material_low_list(&f->c, p, rows, MATERIAL_SLOTS, &n), 0);
    assert_int_equal(rows[1].low_notified_at, 700);
    assert_string_equal(rows[1].low_notified_spool, "PLA #00FF00");
    assert_int_equal(rows[0].low_notified_at, DB_NULL);
    assert_int_equal(material_low_mark(&f->c, rows[1].id, DB_NULL, NULL), 0);
    assert_int_equal(material_low_list(&f->c, p, rows, MATERIAL_SLOTS, &n), 0);
    assert_int_equal(rows[1].low_notified_at, DB_NULL);
    assert_string_equal(rows[1].low_notified_spool, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cost_arithmetic),
        cmocka_unit_test_setup_teardown(test_cost_from_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_and_normalising, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_ordered_by_slot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_every, setup, teardown),
        cmocka_unit_test_setup_teardown(test_low_list_and_mark, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
