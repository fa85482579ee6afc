/*
 * test_order — orders, products and the print-file library on a fresh
 * migrated database: item matching (product_id, then SKU, then listing
 * id; another user's product is a 422), duplicate external ids, all-or-
 * nothing scheduling (an item without a product leaves no prints), a
 * second schedule is a 409, the chain the prints form, and the streaming
 * upload (name rules, size limit, abort and replace).
 */
#include "domain/order.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/conf.h"
#include "store/db.h"
#include "fixture.h"
#include "domain/job.h"
#include "domain/printfile.h"
#include "domain/product.h"

#include "base/banned.h"

static int64_t user_a;

static void
as_user(struct fixture *f, int64_t uid)
{
    app_begin(&f->app, &f->c);
    f->c.user_id = uid;
}

static void
upload(struct fixture *f, const char *name, const char *data, int want_new)
{
    struct printfile_upload *u = printfile_begin(&f->c, name);
    int created = -1;

    assert_non_null(u);
    assert_int_equal(printfile_write(u, data, strlen(data)), 0);
    assert_int_equal(printfile_commit(u, &created), 0);
    assert_int_equal(created, want_new);
    fixture_next(f);
}

static int64_t
make_product(struct fixture *f, const char *name, const char *sku,
             int64_t listing)
{
    struct product p;
    int64_t id;

    product_init(&p);
    p.name = name;
    p.sku = sku;
    p.etsy_listing_id = listing;
    p.file = "part.3mf";
    p.estimated_minutes = 60;
    id = product_create(&f->c, &p);
    assert_true(id > 0);
    fixture_next(f);
    return id;
}

static int64_t
count(struct fixture *f, const char *sql)
{
    int64_t n = -1;

    assert_int_equal(db_get_int(f->c.db, &n, sql, "i", f->c.user_id), DB_ROW);
    return n;
}

static int
has_field(const struct err *e, const char *name)
{
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return 1;
    return 0;
}

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL || (user_a = fixture_user(f, "ord-a@example.test")) <= 0)
        return -1;
    upload(f, "part.3mf", "PK sliced", 1);
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
item(struct order_item *it, const char *title, int64_t qty, int64_t product,
     const char *sku, int64_t listing)
{
    memset(it, 0, sizeof(*it));
    it->title = title;
    it->quantity = qty;
    it->product_id = product;
    it->sku = sku;
    it->etsy_listing_id = listing;
}

static void
test_matching_priority(void **state)
{
    struct fixture *f = *state;
    int64_t by_sku = make_product(f, "s", "SKU-1", 111);
    int64_t by_listing = make_product(f, "l", "SKU-2", 222);
    int64_t direct = make_product(f, "d", NULL, DB_NULL);
    struct order_item items[5];
    struct order o, got;

    item(&items[0], "a", 1, direct, "SKU-1", 222);
    item(&items[1], "b", 1, DB_NULL, "SKU-1", 222);
    item(&items[2], "c", 1, DB_NULL, "NOPE", 222);
    item(&items[3], "d", 1, DB_NULL, NULL, 111);
    item(&items[4], "e", 1, DB_NULL, "NOPE", 9);
    order_init(&o);
    o.items = items;
    o.nitems = 5;
    assert_true(order_create(&f->c, &o) > 0);
    fixture_next(f);
    assert_int_equal(order_get(&f->c, o.id, &got), 0);
    assert_int_equal(got.nitems, 5);
    assert_true(got.items[0].product_id == direct);
    assert_true(got.items[1].product_id == by_sku);
    assert_true(got.items[2].product_id == by_listing);
    assert_true(got.items[3].product_id == by_sku);
    assert_true(got.items[4].product_id == DB_NULL);
    assert_string_equal(got.status, "open");
    assert_int_equal(got.nprints, 0);
}

static void
test_foreign_product_is_422(void **state)
{
    struct fixture *f = *state;
    int64_t theirs;
    struct order_item it;
    struct order o;

    assert_true(fixture_user(f, "ord-b@example.test") > 0);
    upload(f, "part.3mf", "theirs", 1);
    theirs = make_product(f, "b's", "B-SKU", DB_NULL);
    as_user(f, user_a);
    item(&it, "x", 1, theirs, NULL, DB_NULL);
    order_init(&o);
    o.items = &it;
    o.nitems = 1;
    assert_int_equal(order_create(&f->c, &o), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_true(has_field(&f->c.err, "items[0].product_id"));
    /* a SKU never matches another user's product */
    as_user(f, user_a);
    item(&it, "x", 1, DB_NULL, "B-SKU", DB_NULL);
    assert_true(order_create(&f->c, &o) > 0);
    assert_true(it.product_id == DB_NULL);
    as_user(f, user_a);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM orders WHERE "
                              "user_id = ?"),
                     1);
}

static void
test_duplicate_external_id_is_409(void **state)
{
    struct fixture *f = *state;
    struct order_item it;
    struct order o;

    item(&it, "x", 1, DB_NULL, NULL, DB_NULL);
    order_init(&o);
    o.source = "etsy";
    o.external_id = "R-1";
    o.items = &it;
    o.nitems = 1;
    assert_true(order_create(&f->c, &o) > 0);
    fixture_next(f);
    /* the check normalised the strings into the last unit's arena */
    o.source = "etsy";
    o.external_id = "R-1";
    it.title = "x";
    assert_int_equal(order_create(&f->c, &o), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    fixture_next(f);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM order_items WHERE "
                              "order_id IN (SELECT id FROM orders WHERE "
                              "user_id = ?)"),
                     1);
}

static void
test_schedule_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    int64_t prod = make_product(f, "Hook", "HOOK", DB_NULL), *ids;
    struct order_item items[3];
    struct order o, got;
    int n = -1;

    item(&items[0], "ok", 3, prod, NULL, DB_NULL);
    item(&items[1], "lost", 1, DB_NULL, "NONE", DB_NULL);
    item(&items[2], "ok too", 1, DB_NULL, "HOOK", DB_NULL);
    order_init(&o);
    o.items = items;
    o.nitems = 3;
    assert_true(order_create(&f->c, &o) > 0);
    fixture_next(f);
    assert_int_equal(order_schedule(&f->c, o.id, DB_NULL, DB_NULL, 0, &ids, &n),
                     -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_int_equal(f->c.err.nfields, 1);
    assert_true(has_field(&f->c.err, "items[1].product_id"));
    assert_int_equal(n, 0);
    fixture_next(f);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM scheduled_prints "
                              "WHERE user_id = ?"),
                     0);
    assert_int_equal(order_get(&f->c, o.id, &got), 0);
    assert_string_equal(got.status, "open");
    assert_int_equal(got.nprints, 0);
}

static void
test_schedule_chain_then_409(void **state)
{
    struct fixture *f = *state;
    int64_t prod = make_product(f, "Hook", NULL, DB_NULL), *ids;
    struct order_item items[2];
    struct order o, got;
    struct job j;
    int n = 0;

    item(&items[0], "a", 2, prod, NULL, DB_NULL);
    item(&items[1], "b", 1, prod, NULL, DB_NULL);
    order_init(&o);
    o.items = items;
    o.nitems = 2;
    assert_true(order_create(&f->c, &o) > 0);
    fixture_next(f);
    assert_int_equal(
        order_schedule(&f->c, o.id, DB_NULL, 1800000000, 5, &ids, &n), 0);
    assert_int_equal(n, 3);
    fixture_next(f);
    assert_int_equal(job_get(&f->c, ids[0], &j), 0);
    assert_string_equal(j.name, "Hook #1");
    assert_true(j.scheduled_at == 1800000000);
    assert_true(j.chain_after_id == DB_NULL);
    assert_true(j.order_item_id == items[0].id);
    assert_int_equal(job_get(&f->c, ids[1], &j), 0);
    assert_string_equal(j.name, "Hook #2");
    assert_true(j.chain_after_id == ids[0]);
    assert_true(j.scheduled_at == 1800000000 + (60 + 5) * 60);
    assert_int_equal(job_get(&f->c, ids[2], &j), 0);
    assert_string_equal(j.name, "Hook");
    assert_true(j.chain_after_id == ids[1]);
    assert_true(j.order_item_id == items[1].id);
    assert_int_equal(order_get(&f->c, o.id, &got), 0);
    assert_string_equal(got.status, "scheduled");
    assert_int_equal(got.nprints, 3);
    assert_true(got.print_ids[0] == ids[0] && got.print_ids[2] == ids[2]);

    fixture_next(f);
    assert_int_equal(order_schedule(&f->c, o.id, DB_NULL, DB_NULL, 0, &ids, &n),
                     -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    fixture_next(f);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM scheduled_prints "
                              "WHERE user_id = ?"),
                     3);
}

static void
test_schedule_unknown_order_and_printer(void **state)
{
    struct fixture *f = *state;
    int64_t prod = make_product(f, "Hook", NULL, DB_NULL), *ids;
    struct order_item it;
    struct order o;
    int n;

    assert_int_equal(
        order_schedule(&f->c, 424242, DB_NULL, DB_NULL, 0, &ids, &n), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
    fixture_next(f);
    item(&it, "a", 1, prod, NULL, DB_NULL);
    order_init(&o);
    o.items = &it;
    o.nitems = 1;
    assert_true(order_create(&f->c, &o) > 0);
    fixture_next(f);
    assert_int_equal(order_schedule(&f->c, o.id, 424242, DB_NULL, 0, &ids, &n),
                     -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_true(has_field(&f->c.err, "printer_id"));
    fixture_next(f);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM scheduled_prints "
                              "WHERE user_id = ?"),
                     0);
}

static void
test_printfile_names(void **state)
{
    (void)state;
    assert_true(printfile_name_ok("a.3mf"));
    assert_true(printfile_name_ok("Plate_1-v2.gcode"));
    assert_false(printfile_name_ok(""));
    assert_false(printfile_name_ok(".3mf"));
    assert_false(printfile_name_ok("..3mf"));
    assert_false(printfile_name_ok(".."));
    assert_false(printfile_name_ok("a/b.3mf"));
    assert_false(printfile_name_ok("a.stl"));
    assert_false(printfile_name_ok("a.3mf.txt"));
    assert_false(printfile_name_ok("a b.3mf"));
}

static int
tmp_files_left(struct fixture *f)
{
    const char *dir = printfile_path(&f->c, "x.3mf");
    char cmd[700];

    /* the directory of x.3mf: cut the name off */
    snprintf(cmd, sizeof(cmd), "ls -A '%.*s' | grep -q '^\\.upload-'",
             (int)(strlen(dir) - strlen("/x.3mf")), dir);
    return system(cmd) == 0;
}

static void
test_upload_limit_abort_replace(void **state)
{
    struct fixture *f = *state;
    struct printfile_upload *u;
    struct printfile pf;

    f->app.conf.file_limit = 8;
    u = printfile_begin(&f->c, "big.3mf");
    assert_non_null(u);
    assert_int_equal(printfile_write(u, "12345", 5), 0);
    assert_int_equal(printfile_write(u, "6789", 4), -1);
    assert_int_equal(f->c.err.kind, ERR_TOO_LARGE);
    assert_true(tmp_files_left(f));
    fixture_next(f); /* the arena's reset removes the temporary file */
    assert_false(tmp_files_left(f));
    assert_int_equal(printfile_exists(&f->c, "big.3mf"), 0);
    f->app.conf.file_limit = (int64_t)512 << 20;

    assert_null(printfile_begin(&f->c, "../x.3mf"));
    assert_true(has_field(&f->c.err, "name"));
    fixture_next(f);

    upload(f, "part.3mf", "new bytes", 0);
    assert_int_equal(printfile_get(&f->c, "part.3mf", &pf), 0);
    assert_int_equal(pf.size, 9);
    assert_int_equal(strlen(pf.sha256), 64);
    u = printfile_begin(&f->c, "part.3mf");
    assert_non_null(u);
    assert_int_equal(printfile_write(u, "zz", 2), 0);
    printfile_abort(u);
    printfile_abort(u);
    fixture_next(f);
    assert_int_equal(printfile_get(&f->c, "part.3mf", &pf), 0);
    assert_int_equal(pf.size, 9);
    assert_false(tmp_files_left(f));
}

static void
test_delete_file_in_use_is_409(void **state)
{
    struct fixture *f = *state;
    int64_t prod = make_product(f, "Hook", NULL, DB_NULL), *ids;
    struct order_item it;
    struct order o;
    struct stat st;
    int n;

    item(&it, "a", 1, prod, NULL, DB_NULL);
    order_init(&o);
    o.items = &it;
    o.nitems = 1;
    assert_true(order_create(&f->c, &o) > 0);
    fixture_next(f);
    assert_int_equal(order_schedule(&f->c, o.id, DB_NULL, DB_NULL, 0, &ids, &n),
                     0);
    fixture_next(f);
    assert_int_equal(printfile_delete(&f->c, "part.3mf"), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    fixture_next(f);
    assert_int_equal(stat(printfile_path(&f->c, "part.3mf"), &st), 0);
    assert_int_equal(job_cancel(&f->c, ids[0]), 0);
    fixture_next(f);
    assert_int_equal(printfile_delete(&f->c, "part.3mf"), 0);
    fixture_next(f);
    assert_int_equal(stat(printfile_path(&f->c, "part.3mf"), &st), -1);
    assert_int_equal(printfile_exists(&f->c, "part.3mf"), 0);
}

/* The field tables check what code fills in: a bad item is named by its
 * index, as the API names it. */
static void
test_create_checks_fields(void **state)
{
    struct fixture *f = *state;
    struct order_item items[2];
    struct order o;

    item(&items[0], "", 0, DB_NULL, NULL, DB_NULL);
    item(&items[1], "ok", ORDER_QUANTITY_MAX + 1, DB_NULL, NULL, DB_NULL);
    order_init(&o);
    o.buyer = "";
    o.items = items;
    o.nitems = 2;
    assert_int_equal(order_create(&f->c, &o), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_true(has_field(&f->c.err, "items[0].title"));
    assert_true(has_field(&f->c.err, "items[0].quantity"));
    assert_true(has_field(&f->c.err, "items[1].quantity"));
    assert_true(has_field(&f->c.err, "buyer"));
    fixture_next(f);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM orders WHERE user_id = ?"),
                     0);
}

static void
test_update_replaces_items_until_scheduled(void **state)
{
    struct fixture *f = *state;
    int64_t prod = make_product(f, "Hook", "HK-1", DB_NULL), *ids;
    struct order_item items[1], two[2];
    struct order o, got;
    int n = 0;

    item(&items[0], "a", 1, DB_NULL, NULL, DB_NULL);
    order_init(&o);
    o.external_id = "E-1";
    o.items = items;
    o.nitems = 1;
    assert_true(order_create(&f->c, &o) > 0);
    fixture_next(f);

    assert_int_equal(order_get(&f->c, o.id, &got), 0);
    got.buyer = "Bea";
    item(&two[0], "hooks", 2, DB_NULL, "HK-1", DB_NULL);
    item(&two[1], "loose", 1, DB_NULL, NULL, DB_NULL);
    got.items = two;
    got.nitems = 2;
    assert_int_equal(order_update(&f->c, &got), 0);
    fixture_next(f);
    assert_int_equal(order_get(&f->c, o.id, &got), 0);
    assert_string_equal(got.buyer, "Bea");
    assert_string_equal(got.external_id, "E-1");
    assert_int_equal(got.nitems, 2);
    assert_true(got.items[0].product_id == prod); /* matched by SKU */
    assert_true(got.items[1].product_id == DB_NULL);

    /* a bad item: nothing changes */
    got.items[1].title = "";
    assert_int_equal(order_update(&f->c, &got), -1);
    assert_true(has_field(&f->c.err, "items[1].title"));
    fixture_next(f);
    assert_int_equal(order_get(&f->c, o.id, &got), 0);
    assert_string_equal(got.items[1].title, "loose");

    /* once scheduled, an edit is a 409 */
    got.nitems = 1;
    assert_int_equal(order_update(&f->c, &got), 0);
    fixture_next(f);
    assert_int_equal(order_schedule(&f->c, o.id, DB_NULL, DB_NULL, 0, &ids, &n),
                     0);
    fixture_next(f);
    assert_int_equal(order_get(&f->c, o.id, &got), 0);
    assert_int_equal(order_update(&f->c, &got), -1);
    assert_int_equal(f->c.err.kind, ERR_CONFLICT);
    fixture_next(f);
    /* another user's order is not found */
    as_user(f, fixture_user(f, "ord-b@example.test"));
    got.status = "open";
    assert_int_equal(order_update(&f->c, &got), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
}

/* The ids order_etsy_stale gives for shop, before, max, as "1,2,3". */
static const char *
stale(struct fixture *f, int64_t shop, int64_t before, int max)
{
    static char out[256];
    struct order_recheck *list;
    size_t k = 0;
    int n;

    assert_int_equal(order_etsy_stale(&f->c, shop, before, max, &list, &n), 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(out + k, sizeof out - k, "%s%s", i ? "," : "",
                              list[i].external_id);
    return out;
}

static void
test_etsy_stale_and_read(void **state)
{
    struct fixture *f = *state;
    struct order_receipt rs[] = {
        {"101", NULL, DB_NULL, "USD", 1}, /* shop 1, read at import */
        {"102", NULL, DB_NULL, "USD", 2}, /* another shop */
        {"103", NULL, DB_NULL, "USD", DB_NULL}, /* CSV: no shop, never read */
        {"104", NULL, DB_NULL, "USD", 1},
    };
    int64_t ids[4];

    f->c.now = 1000;
    for (int i = 0; i < 4; i++)
        assert_true((ids[i] = order_etsy_insert(&f->c, &rs[i])) > 0);
    /* never read first, then by id; the other shop's left out */
    assert_string_equal(stale(f, 1, 1000, 10), "103,101,104");
    assert_string_equal(stale(f, 1, 999, 10), "103"); /* read after 999 */
    assert_string_equal(stale(f, 1, 1000, 2), "103,101");
    assert_string_equal(stale(f, 2, 1000, 10), "103,102");

    /* read from shop 1 and found there: it is shop 1's now */
    f->c.now = 2000;
    assert_int_equal(order_etsy_read(&f->c, ids[2], 1, 1), 0);
    assert_string_equal(stale(f, 2, 2000, 10), "102");
    assert_string_equal(stale(f, 1, 1500, 10), "101,104");
    /* not found: the read is recorded, the shop not taken */
    assert_int_equal(order_etsy_read(&f->c, ids[0], 2, 0), 0);
    assert_string_equal(stale(f, 1, 1500, 10), "104");
    assert_string_equal(stale(f, 2, 2000, 10), "102"); /* still shop 1's */
    assert_string_equal(stale(f, 1, 2000, 10), "104,101,103");
    /* a cancelled order is not read again */
    assert_int_equal(order_etsy_cancel(&f->c, ids[3]), 1);
    assert_string_equal(stale(f, 1, 2000, 10), "101,103");
    /* another user's orders are not theirs to read */
    fixture_user(f, "ord-b@example.test");
    assert_string_equal(stale(f, 1, 2000, 10), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printfile_names),
        cmocka_unit_test_setup_teardown(test_matching_priority, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_foreign_product_is_422, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_external_id_is_409,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_all_or_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_schedule_chain_then_409, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_schedule_unknown_order_and_printer,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_limit_abort_replace, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_delete_file_in_use_is_409, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_create_checks_fields, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_update_replaces_items_until_scheduled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_etsy_stale_and_read, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
