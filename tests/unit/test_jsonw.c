/* jsonw: commas, nesting, escaping and the project's value conventions,
 * checked by parsing the output back with json-c. */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "store/db.h"
#include "base/jsonw.h"

static void
test_object_and_array(void **state)
{
    struct buf b;
    struct jsonw w;

    (void)state;
    buf_init(&b, 0);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "a", 1);
    jsonw_kint(&w, "neg", -42);
    jsonw_kint(&w, "min", INT64_MIN + 1);
    jsonw_kint(&w, "null", DB_NULL);
    jsonw_key(&w, "list");
    jsonw_arr_begin(&w);
    jsonw_int(&w, 0);
    jsonw_str(&w, "x");
    jsonw_obj_begin(&w);
    jsonw_kbool(&w, "t", 1);
    jsonw_obj_end(&w);
    jsonw_arr_begin(&w);
    jsonw_arr_end(&w);
    jsonw_arr_end(&w);
    jsonw_kmoney(&w, "price", 2499);
    jsonw_kmoney(&w, "none", DB_NULL);
    jsonw_ktime(&w, "at", 1795461028);
    jsonw_obj_end(&w);
    assert_string_equal(
        b.data, "{\"a\":1,\"neg\":-42,\"min\":-9223372036854775807,"
                "\"null\":null,\"list\":[0,\"x\",{\"t\":true},[]],"
                "\"price\":24.99,\"none\":null,"
                "\"at\":\"2026-11-23T19:10:28Z\"}");
    buf_release(&b);
}

static void
test_escaping_round_trips(void **state)
{
    const char *nasty = "q\"b\\s/\n\r\t\x01\x1f<script>&é💡";
    struct buf b;
    struct jsonw w;
    struct json_object *o, *v;

    (void)state;
    buf_init(&b, 0);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "s", nasty);
    jsonw_kstr(&w, "n", NULL);
    jsonw_obj_end(&w);
    o = json_tokener_parse(b.data);
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "s", &v));
    assert_string_equal(json_object_get_string(v), nasty);
    assert_true(json_object_object_get_ex(o, "n", &v));
    assert_null(v);
    json_object_put(o);
    buf_release(&b);
}

static void
test_times_and_money_edges(void **state)
{
    struct buf b;
    struct jsonw w;

    (void)state;
    buf_init(&b, 0);
    jsonw_init(&w, &b);
    jsonw_arr_begin(&w);
    jsonw_time(&w, 0);
    jsonw_time(&w, 951782400); /* 2000-02-29 */
    jsonw_time(&w, 4102444799); /* 2099-12-31T23:59:59Z */
    jsonw_money(&w, 0);
    jsonw_money(&w, 5);
    jsonw_money(&w, 100);
    jsonw_arr_end(&w);
    assert_string_equal(b.data, "[\"1970-01-01T00:00:00Z\","
                                "\"2000-02-29T00:00:00Z\","
                                "\"2099-12-31T23:59:59Z\",0.00,0.05,1.00]");
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_and_array),
        cmocka_unit_test(test_escaping_round_trips),
        cmocka_unit_test(test_times_and_money_edges),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
