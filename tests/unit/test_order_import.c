/*
 * test_order_import — Etsy's "Sold Order Items" CSV on a fresh migrated
 * database: quoted commas and a multi-line personalization are fields,
 * unknown columns are ignored, rows group into orders by Order ID, items
 * match products by SKU, a second import changes nothing, a changed price
 * is "updated", a bad row refuses its whole order (the others still
 * import), and missing required columns are one 422 naming them. The
 * Variations column becomes the item's variations text, colour and
 * material, which the item's prints carry over the product's.
 */
#include "domain/order_import.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/job.h"
#include "domain/order.h"
#include "domain/printfile.h"
#include "domain/product.h"
#include "fixture.h"
#include "store/db.h"

#include "base/banned.h"

#define HEADER                                                                 \
    "Sale Date,Item Name,Buyer,Quantity,Price,Coupon Code,Currency,"           \
    "Transaction ID,Listing ID,Order ID,Variations,Favourite Colour,SKU\r\n"

static const char good[] = HEADER
    "12/01/26,\"Vase, tall\",Ann Lee,2,12.5,,USD,9001,555,7001,,blue,VASE\r\n"
    "12/01/26,Dragon,Ann Lee,1,30.00,,USD,9002,556,7001,"
    "\"Personalization:Line one\nLine two\",red,\r\n"
    "12/02/26,Cube,Bob,3,4,,USD,9003,,7002,,,CUBE\r\n";

static int64_t
count(struct fixture *f, const char *sql)
{
    int64_t n = -1;

    assert_int_equal(db_get_int(f->c.db, &n, sql, "i", f->c.user_id), DB_ROW);
    return n;
}

/* Imports csv in chunks of step bytes; the finish's return value. */
static int
import(struct fixture *f, const char *csv, size_t step,
       struct order_import_report *rep)
{
    struct order_import *im;
    size_t len = strlen(csv);
    int rc;

    fixture_next(f);
    im = order_import_new(&f->c);
    for (size_t i = 0; i < len; i += step)
        assert_int_equal(
            order_import_feed(im, csv + i, len - i < step ? len - i : step), 0);
    rc = order_import_finish(im, rep);
    return rc;
}

static int
setup(void **state)
{
    struct fixture *f = fixture_open();
    struct printfile_upload *u;
    struct product p;
    int created;

    if (f == NULL || fixture_user(f, "imp-a@example.test") <= 0)
        return -1;
    u = printfile_begin(&f->c, "vase.3mf");
    if (u == NULL || printfile_write(u, "PK", 2) < 0 ||
        printfile_commit(u, &created) < 0)
        return -1;
    fixture_next(f);
    product_init(&p);
    p.name = "Vase";
    p.sku = "VASE";
    p.file = "vase.3mf";
    p.estimated_minutes = 30;
    if (product_create(&f->c, &p) <= 0)
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
test_import_then_again_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct order_import_report rep;
    struct order o;
    int64_t id;

    assert_int_equal(import(f, good, 3, &rep), 0);
    assert_int_equal(rep.counts[ORDER_IMPORT_IMPORTED], 3);
    assert_int_equal(rep.counts[ORDER_IMPORT_REFUSED], 0);
    assert_int_equal(rep.nrows, 3);
    assert_int_equal(rep.rows[0].line, 2);
    assert_int_equal(rep.rows[1].line, 3);
    assert_int_equal(rep.rows[2].line, 5); /* past the two-line field */
    assert_string_equal(rep.rows[1].transaction_id, "9002");
    assert_string_equal(rep.rows[1].order_id, "7001");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM orders WHERE user_id = ? "
                              "AND source = 'etsy'"),
                     2);
    assert_int_equal(count(f, "SELECT price FROM order_items WHERE user_id = ? "
                              "AND etsy_transaction_id = '9001'"),
                     1250);

    id = count(f, "SELECT id FROM orders WHERE user_id = ? "
                  "AND external_id = '7001'");
    fixture_next(f);
    assert_int_equal(order_get(&f->c, id, &o), 0);
    assert_string_equal(o.buyer, "Ann Lee");
    assert_int_equal(o.nitems, 2);
    assert_string_equal(o.items[0].title, "Vase, tall");
    assert_int_equal(o.items[0].quantity, 2);
    assert_true(o.items[0].product_id > 0); /* matched by SKU */
    assert_int_equal(o.items[0].etsy_listing_id, 555);
    assert_null(o.items[0].variations);
    assert_int_equal(o.items[1].product_id, DB_NULL);
    assert_string_equal(o.items[1].variations,
                        "Personalization: Line one\nLine two");
    assert_null(o.items[1].color);

    assert_int_equal(import(f, good, 4096, &rep), 0);
    assert_int_equal(rep.counts[ORDER_IMPORT_UNCHANGED], 3);
    assert_int_equal(rep.counts[ORDER_IMPORT_IMPORTED], 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM order_items "
                              "WHERE user_id = ?"),
                     3);
}

static void
test_changed_price_is_updated(void **state)
{
    struct fixture *f = *state;
    struct order_import_report rep;
    static const char again[] =
        HEADER "12/02/26,Cube,Bob,3,4.25,,USD,9003,,7002,,,CUBE\n";

    assert_int_equal(import(f, good, 64, &rep), 0);
    assert_int_equal(import(f, again, 7, &rep), 0);
    assert_int_equal(rep.counts[ORDER_IMPORT_UPDATED], 1);
    assert_string_equal(order_import_results[rep.rows[0].result], "updated");
    assert_int_equal(count(f, "SELECT price FROM order_items WHERE user_id = ? "
                              "AND etsy_transaction_id = '9003'"),
                     425);
}

static void
test_bad_row_refuses_its_order(void **state)
{
    struct fixture *f = *state;
    struct order_import_report rep;
    static const char bad[] =
        HEADER "12/01/26,Vase,Ann,1,12.00,,USD,8001,,6001,,,\n"
               "12/01/26,Cup,Ann,two,5.00,,USD,8002,,6001,,,\n"
               "12/01/26,Cup,Cy,1,5.999,,USD,8003,,6002,,,\n"
               "12/01/26,Cup,Di,1,5,,USD,8004,,6003,,,\n";

    assert_int_equal(import(f, bad, 5, &rep), 0);
    assert_int_equal(rep.counts[ORDER_IMPORT_IMPORTED], 1);
    assert_int_equal(rep.counts[ORDER_IMPORT_REFUSED], 3);
    assert_int_equal(rep.rows[1].result, ORDER_IMPORT_REFUSED);
    assert_non_null(strstr(rep.rows[1].reason, "Quantity \"two\""));
    assert_int_equal(rep.rows[0].result, ORDER_IMPORT_REFUSED);
    assert_non_null(strstr(rep.rows[0].reason, "line 3"));
    assert_non_null(strstr(rep.rows[2].reason, "Price \"5.999\""));
    assert_int_equal(rep.rows[3].result, ORDER_IMPORT_IMPORTED);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM orders WHERE user_id = ?"),
                     1);
}

static void
test_missing_columns_are_named(void **state)
{
    struct fixture *f = *state;
    struct order_import_report rep;
    static const char csv[] = "Order ID,Transaction ID,Item Name,Quantity\n"
                              "1,2,Cup,1\n";

    assert_int_equal(import(f, csv, 100, &rep), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_non_null(strstr(f->c.err.msg, "Price, Currency"));
    assert_int_equal(f->c.err.nfields, 2);
    assert_int_equal(import(f, "", 100, &rep), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
}

static void
test_one_order_one_currency(void **state)
{
    struct fixture *f = *state;
    struct order_import_report rep;
    struct order o;
    int64_t id;
    static const char csv[] =
        HEADER "12/04/26,Vase,Eve,1,10,,USD,9201,,7201,,,VASE\n"
               "12/04/26,Vase,Eve,1,9,,EUR,9202,,7201,,,VASE\n"
               "12/04/26,Vase,Fay,2,8.25,,EUR,9203,,7202,,,VASE\n";

    assert_int_equal(import(f, csv, 9, &rep), 0);
    assert_int_equal(rep.counts[ORDER_IMPORT_REFUSED], 2);
    assert_int_equal(rep.counts[ORDER_IMPORT_IMPORTED], 1);
    assert_string_equal(rep.rows[0].reason,
                        "order 7201 has rows in USD (line 2) and EUR (line "
                        "3); an order is in one currency");
    assert_string_equal(rep.rows[1].reason, rep.rows[0].reason);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM orders WHERE user_id = ? "
                              "AND external_id = '7201'"),
                     0);
    /* a later file cannot add another currency to a stored order, nor
     * change a stored transaction's */
    assert_int_equal(
        import(f,
               HEADER "12/04/26,Vase,Fay,1,3,,USD,9204,,7202,,,VASE\n"
                      "12/04/26,Vase,Gus,1,3,,USD,9205,,7203,,,VASE\n",
               64, &rep),
        0);
    assert_int_equal(rep.counts[ORDER_IMPORT_REFUSED], 1);
    assert_string_equal(rep.rows[0].reason,
                        "order 7202 is in EUR; line 2 says USD (an order is "
                        "in one currency)");
    assert_int_equal(rep.rows[1].result, ORDER_IMPORT_IMPORTED);
    assert_int_equal(
        import(f, HEADER "12/04/26,Vase,Fay,2,8.25,,USD,9203,,7202,,,VASE\n",
               64, &rep),
        0);
    assert_int_equal(rep.counts[ORDER_IMPORT_REFUSED], 1);
    /* the other order is in EUR: revenue in EUR, no profit (costs are in
     * the farm's USD) */
    id = count(f, "SELECT id FROM orders WHERE user_id = ? "
                  "AND external_id = '7202'");
    fixture_next(f);
    assert_int_equal(order_get(&f->c, id, &o), 0);
    assert_int_equal(order_money(&f->c, &o), 0);
    assert_string_equal(o.currency, "EUR");
    assert_int_equal(o.revenue, 1650);
    assert_string_equal(o.cost_currency, "USD");
    assert_int_equal(o.cost, 0);
    assert_int_equal(o.profit, DB_NULL);
}

static void
test_variations_column(void **state)
{
    struct fixture *f = *state;
    struct order_import_report rep;
    struct order o;
    struct job j;
    static char csv[4096], big[ORDER_VARIATIONS_MAX + 2];
    int64_t id, *ids;
    int n;

    /* a cell one character over the limit refuses its row and order (the
     * file is built outside the arena, which each import resets) */
    memset(big, 'x', ORDER_VARIATIONS_MAX + 1);
    big[ORDER_VARIATIONS_MAX + 1] = '\0';
    snprintf(
        csv, sizeof csv,
        HEADER "12/03/26,Vase,Cy,2,10,,USD,9101,557,7101,"
               "\"Color:Red,Size:Large\",,VASE\r\n"
               "12/03/26,Vase,Cy,1,10,,USD,9102,557,7101,"
               "\"Primary colour:Galaxy Black, Material: PETG \",,VASE\r\n"
               "12/03/26,Vase,Cy,1,10,,USD,9103,557,7101,"
               "\"Personalization:Hi, Ann\",,VASE\r\n"
               "12/03/26,Vase,Di,1,10,,USD,9104,557,7102,%s,,VASE\r\n",
        big);
    assert_int_equal(import(f, csv, 11, &rep), 0);
    assert_int_equal(rep.counts[ORDER_IMPORT_IMPORTED], 3);
    assert_int_equal(rep.counts[ORDER_IMPORT_REFUSED], 1);
    assert_string_equal(rep.rows[3].reason,
                        "Variations is longer than 2000 characters");

    id = count(f, "SELECT id FROM orders WHERE user_id = ? "
                  "AND external_id = '7101'");
    fixture_next(f);
    assert_int_equal(order_get(&f->c, id, &o), 0);
    assert_int_equal(o.nitems, 3);
    assert_string_equal(o.items[0].variations, "Color: Red; Size: Large");
    assert_string_equal(o.items[0].color, "#FF0000");
    assert_null(o.items[0].material_type);
    assert_string_equal(o.items[1].variations,
                        "Primary colour: Galaxy Black; Material: PETG");
    assert_null(o.items[1].color); /* not a known colour: text only */
    assert_string_equal(o.items[1].material_type, "PETG");
    assert_string_equal(o.items[2].variations, "Personalization: Hi, Ann");
    assert_null(o.items[2].color);
    assert_null(o.items[2].material_type);

    /* the prints carry the item's colour / material over the product's */
    fixture_next(f);
    assert_int_equal(order_schedule(&f->c, id, DB_NULL, DB_NULL, 0, &ids, &n),
                     0);
    assert_int_equal(n, 4);
    fixture_next(f);
    assert_int_equal(order_get(&f->c, id, &o), 0);
    assert_int_equal(o.nprints, 4);
    for (int i = 0; i < 4; i++) {
        int64_t pid = o.print_ids[i];

        fixture_next(f);
        assert_int_equal(job_get(&f->c, pid, &j), 0);
        if (i < 2) { /* item 1, quantity 2 */
            assert_string_equal(j.color, "#FF0000");
        } else if (i == 2) {
            assert_string_equal(j.material_type, "PETG");
        } else {
            assert_true(j.material_type == NULL ||
                        strcmp(j.material_type, "PETG") != 0);
            assert_true(j.color == NULL || strcmp(j.color, "#FF0000") != 0);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_then_again_changes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_price_is_updated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_row_refuses_its_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_columns_are_named, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_variations_column, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_order_one_currency, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
