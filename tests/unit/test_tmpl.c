/*
 * test_tmpl — the ctemplate shim, driven from C against real template files
 * written into a fresh temporary directory: auto-escaping in body text and
 * URL attributes, section repetition, and the failures that must surface at
 * startup (missing file, unquoted attribute, bad pragma).
 */
#include "web/tmpl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/banned.h"

struct tfile {
    const char *name;
    const char *text;
};

static const struct tfile tfiles[] = {
    { "page.html", "{{%AUTOESCAPE context=\"HTML\"}}\n"
                   "<p>{{BODY}}</p>\n"
                   "\n"
                   "<a href=\"{{URL}}\">go</a>\n"
                   "<ul>{{#ROW}}<li>{{NAME}}</li>{{/ROW}}</ul>\n"
                   "{{#EMPTY}}<i>none</i>{{/EMPTY}}\n"
                   "<b>{{COUNT}}</b>\n" },
    { "plain.txt", "Hello {{WHO}}, order {{ID}}.\n" },
    { "unquoted.html", "{{%AUTOESCAPE context=\"HTML\"}}\n"
                       "<a href={{URL}}>go</a>\n" },
    { "badpragma.html", "{{%AUTOESCAPE context=\"NOPE\"}}\n"
                        "<p>{{BODY}}</p>\n" },
};

#define NTFILES (sizeof(tfiles) / sizeof(tfiles[0]))

static char tdir[] = "/tmp/test_tmpl.XXXXXX";

static int
tpath(char *dst, size_t n, const char *name)
{
    int w = snprintf(dst, n, "%s/%s", tdir, name);

    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int
group_setup(void **state)
{
    char path[256];
    size_t i;
    FILE *f;

    (void)state;
    if (mkdtemp(tdir) == NULL)
        return -1;
    for (i = 0; i < NTFILES; i++) {
        if (tpath(path, sizeof(path), tfiles[i].name) < 0)
            return -1;
        f = fopen(path, "w");
        if (f == NULL)
            return -1;
        if (fputs(tfiles[i].text, f) == EOF) {
            fclose(f);
            return -1;
        }
        if (fclose(f) != 0)
            return -1;
    }
    return tmpl_init(tdir);
}

static int
group_teardown(void **state)
{
    char path[256];
    size_t i;

    (void)state;
    tmpl_shutdown();
    for (i = 0; i < NTFILES; i++)
        if (tpath(path, sizeof(path), tfiles[i].name) == 0)
            unlink(path);
    return rmdir(tdir);
}

/* Renders page.html with the given body and URL, no rows. */
static char *
render_page(const char *body, const char *url)
{
    struct tmpl_dict *d = tmpl_dict_new("page");
    char *out = NULL;
    size_t len = 0;

    assert_non_null(d);
    assert_int_equal(tmpl_set(d, "BODY", body), 0);
    assert_int_equal(tmpl_set(d, "URL", url), 0);
    assert_int_equal(tmpl_render("page.html", d, &out, &len), 0);
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    tmpl_dict_free(d);
    return out;
}

static void
test_preload_valid(void **state)
{
    (void)state;
    assert_int_equal(tmpl_preload("page.html"), 0);
    assert_int_equal(tmpl_preload("plain.txt"), 0);
}

static void
test_body_is_html_escaped(void **state)
{
    char *out;

    (void)state;
    out = render_page("<script>&\"'", "/ok");
    assert_non_null(strstr(out, "<p>&lt;script&gt;&amp;&quot;&#39;</p>"));
    assert_null(strstr(out, "<script>"));
    free(out);
}

static void
test_url_attribute_neutralised(void **state)
{
    char *out;

    (void)state;
    out = render_page("x", "javascript:alert(1)");
    assert_non_null(strstr(out, "<a href=\"#\">go</a>"));
    assert_null(strstr(out, "javascript"));
    free(out);

    /* and a harmless relative URL passes, so the check above means something */
    out = render_page("x", "/printers?id=3");
    assert_non_null(strstr(out, "<a href=\"/printers?id=3\">go</a>"));
    free(out);
}

static void
test_section_repeats(void **state)
{
    static const char *const names[] = { "a<b", "c", "d" };
    struct tmpl_dict *d, *row;
    char *out = NULL;
    size_t len = 0, i;

    (void)state;
    d = tmpl_dict_new("rows");
    assert_non_null(d);
    for (i = 0; i < 3; i++) {
        row = tmpl_section_add(d, "ROW");
        assert_non_null(row);
        assert_int_equal(tmpl_set(row, "NAME", names[i]), 0);
    }
    assert_int_equal(tmpl_render("page.html", d, &out, &len), 0);
    assert_non_null(
        strstr(out, "<ul><li>a&lt;b</li><li>c</li><li>d</li></ul>"));
    assert_null(strstr(out, "none")); /* EMPTY stays hidden */
    free(out);
    tmpl_dict_free(d);
}

static void
test_section_hidden_then_shown(void **state)
{
    struct tmpl_dict *d;
    char *out = NULL;
    size_t len = 0;

    (void)state;
    d = tmpl_dict_new(NULL);
    assert_non_null(d);
    assert_int_equal(tmpl_render("page.html", d, &out, &len), 0);
    assert_non_null(strstr(out, "<ul></ul>"));
    assert_null(strstr(out, "<i>none</i>"));
    free(out);

    assert_int_equal(tmpl_show(d, "EMPTY"), 0);
    assert_int_equal(tmpl_render("page.html", d, &out, &len), 0);
    assert_non_null(strstr(out, "<i>none</i>"));
    free(out);
    tmpl_dict_free(d);
}

static void
test_set_int_and_null(void **state)
{
    struct tmpl_dict *d;
    char *out = NULL;
    size_t len = 0;

    (void)state;
    d = tmpl_dict_new("plain");
    assert_non_null(d);
    assert_int_equal(tmpl_set(d, "WHO", NULL), 0);
    assert_int_equal(tmpl_set_int(d, "ID", INT64_MIN), 0);
    assert_int_equal(tmpl_render("plain.txt", d, &out, &len), 0);
    assert_string_equal(out, "Hello , order -9223372036854775808.\n");
    assert_int_equal(len, strlen(out));
    free(out);

    /* a NULL dictionary renders every variable empty */
    assert_int_equal(tmpl_render("plain.txt", NULL, &out, &len), 0);
    assert_string_equal(out, "Hello , order .\n");
    free(out);
    tmpl_dict_free(d);
}

static void
test_missing_template_fails(void **state)
{
    char stale[] = "stale";
    char *out = stale;
    size_t len = 99;

    (void)state;
    assert_int_equal(tmpl_preload("nope.html"), -1);
    assert_string_not_equal(tmpl_last_error(), "");
    assert_int_equal(tmpl_render("nope.html", NULL, &out, &len), -1);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_non_null(strstr(tmpl_last_error(), "nope.html"));
}

static void
test_unquoted_attribute_fails_preload(void **state)
{
    char *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(tmpl_preload("unquoted.html"), -1);
    assert_non_null(strstr(tmpl_last_error(), "unquoted.html"));
    assert_int_equal(tmpl_render("unquoted.html", NULL, &out, &len), -1);
    assert_null(out);
}

static void
test_bad_pragma_fails_preload(void **state)
{
    (void)state;
    assert_int_equal(tmpl_preload("badpragma.html"), -1);
}

static void
test_bad_arguments(void **state)
{
    struct tmpl_dict *d;
    char *out = NULL;
    size_t len = 0;

    (void)state;
    d = tmpl_dict_new("args");
    assert_non_null(d);
    assert_int_equal(tmpl_init(NULL), -1);
    assert_int_equal(tmpl_init(""), -1);
    assert_int_equal(tmpl_preload(NULL), -1);
    assert_int_equal(tmpl_set(NULL, "K", "v"), -1);
    assert_int_equal(tmpl_set(d, NULL, "v"), -1);
    assert_int_equal(tmpl_set(d, "", "v"), -1);
    assert_int_equal(tmpl_set_int(d, NULL, 1), -1);
    assert_int_equal(tmpl_show(d, NULL), -1);
    assert_null(tmpl_section_add(d, ""));
    assert_null(tmpl_section_add(NULL, "ROW"));
    assert_int_equal(tmpl_render(NULL, d, &out, &len), -1);
    assert_int_equal(tmpl_render("page.html", d, NULL, &len), -1);
    assert_int_equal(tmpl_render("page.html", d, &out, NULL), -1);
    tmpl_dict_free(d);
    tmpl_dict_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preload_valid),
        cmocka_unit_test(test_body_is_html_escaped),
        cmocka_unit_test(test_url_attribute_neutralised),
        cmocka_unit_test(test_section_repeats),
        cmocka_unit_test(test_section_hidden_then_shown),
        cmocka_unit_test(test_set_int_and_null),
        cmocka_unit_test(test_missing_template_fails),
        cmocka_unit_test(test_unquoted_attribute_fails_preload),
        cmocka_unit_test(test_bad_pragma_fails_preload),
        cmocka_unit_test(test_bad_arguments),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
