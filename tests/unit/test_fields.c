/*
 * test_fields — one rule, one place (issue 12): each domain type's field
 * table is owned by its module and applied by the module itself
 * (bind_check), so a domain call refuses what the API refuses, naming the
 * same field with the same message as bind_json gives for the same table.
 * Covers the limits one copy lacked before: a print's and a product's file
 * length, every product field, and the material messages.
 */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/bind.h"
#include "base/jsonio.h"
#include "store/db.h"
#include "domain/job.h"
#include "domain/material.h"
#include "domain/product.h"
#include "fixture.h"

#include "base/banned.h"

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL || fixture_user(f, "fields@example.test") <= 0)
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

static const char *
field_msg(struct ctx *c, const char *name)
{
    for (int i = 0; i < c->err.nfields; i++)
        if (strcmp(c->err.fields[i].name, name) == 0)
            return c->err.fields[i].msg;
    return NULL;
}

/* The message bind_json gives for key in json (a partial body), kept
 * outside the arena so the next unit of work cannot free it. */
static const char *
api_msg(struct fixture *f, const struct field *fields, void *out,
        const char *json, const char *key)
{
    static char kept[4][128];
    static int next;
    struct json_object *o;
    struct bound b;
    const char *m;
    char *dst = kept[next++ % 4];

    fixture_next(f);
    o = jsonio_parse(&f->c, json, strlen(json));
    assert_non_null(o);
    assert_int_equal(bind_json(&f->c, o, fields, out, &b, 1), -1);
    m = field_msg(&f->c, key);
    assert_non_null(m);
    snprintf(dst, sizeof(kept[0]), "%s", m);
    return dst;
}

static char *
repeat(struct fixture *f, char ch, size_t n, const char *tail)
{
    char *s = arena_alloc(f->c.arena, n + strlen(tail) + 1);

    memset(s, ch, n);
    memcpy(s + n, tail, strlen(tail) + 1);
    return s;
}

static void
test_print_file_length(void **state)
{
    struct fixture *f = *state;
    struct job j;
    const char *api;
    char json[300];

    job_init(&j);
    snprintf(json, sizeof(json), "{\"file\":\"%s\"}", repeat(f, 'x', 129, ""));
    api = api_msg(f, job_fields, &j, json, "file");
    assert_string_equal(api, "must be 1 to 128 characters long");

    fixture_next(f);
    job_init(&j);
    j.name = "bracket";
    j.file = repeat(f, 'x', 125, ".3mf");
    j.estimated_minutes = 60;
    assert_int_equal(job_create(&f->c, &j), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_string_equal(field_msg(&f->c, "file"), api);
}

static void
test_product_fields_checked_in_the_domain(void **state)
{
    struct fixture *f = *state;
    struct product p;
    const char *api;

    product_init(&p);
    api = api_msg(f, product_fields, &p, "{\"speed_level\":5}", "speed_level");
    assert_string_equal(api, "must be between 1 and 4");

    /* before, product.c checked nothing but the file's existence */
    fixture_next(f);
    product_init(&p);
    p.name = repeat(f, 'n', JOB_NAME_MAX + 1, "");
    p.file = repeat(f, 'x', 125, ".3mf");
    p.sku = "";
    p.estimated_minutes = 48;
    p.speed_level = 5;
    p.color = "#00ff7f";
    assert_int_equal(product_create(&f->c, &p), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    assert_string_equal(field_msg(&f->c, "speed_level"), api);
    assert_string_equal(field_msg(&f->c, "name"),
                        "must be 1 to 200 characters long");
    assert_string_equal(field_msg(&f->c, "file"),
                        "must be 1 to 128 characters long");
    assert_string_equal(field_msg(&f->c, "sku"),
                        "must be 1 to 64 characters long");
    assert_null(field_msg(&f->c, "color"));
    assert_string_equal(p.color, "#00FF7F"); /* normalised as the API does */

    fixture_next(f);
    product_init(&p);
    p.name = "Hook";
    p.file = NULL;
    assert_int_equal(product_create(&f->c, &p), -1);
    assert_string_equal(field_msg(&f->c, "file"), "is required");
    assert_string_equal(field_msg(&f->c, "estimated_minutes"), "is required");
}

static void
test_material_messages_are_the_apis(void **state)
{
    struct fixture *f = *state;
    int64_t printer = fixture_printer(f, "FIELDS01");
    struct material m;
    const char *api_vendor, *api_cost;

    assert_true(printer > 0);
    material_init(&m);
    api_vendor = api_msg(f, material_fields, &m,
                         "{\"vendor\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
                         "vendor");
    api_cost =
        api_msg(f, material_fields, &m, "{\"cost_per_kg\":100000.01}",
                "cost_per_kg");

    fixture_next(f);
    material_init(&m);
    m.printer_id = printer;
    m.slot = 0;
    m.material_type = "PLA";
    m.vendor = repeat(f, 'x', MATERIAL_VENDOR_MAX + 1, "");
    m.cost_per_kg = MATERIAL_COST_MAX + 1;
    assert_int_equal(material_create(&f->c, &m), -1);
    assert_string_equal(field_msg(&f->c, "vendor"), api_vendor);
    assert_string_equal(field_msg(&f->c, "cost_per_kg"), api_cost);
    assert_string_equal(api_vendor, "must be 0 to 64 characters long");
    assert_string_equal(api_cost, "is too large");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_print_file_length, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_product_fields_checked_in_the_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_material_messages_are_the_apis,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
