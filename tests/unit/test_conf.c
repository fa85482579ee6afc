/*
 * test_conf — every setting reaches its field from the environment, and
 * from farm.conf unless the environment has it; each kind of check refuses
 * a bad value with the key's name; defaults without either; unknown keys
 * in the file are left to other programs.
 */
#include "base/conf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"

#include "base/banned.h"

static const char *const keys[] = {
    "FARM_DATABASE",       "FARM_TEMPLATES",          "FARM_CURRENCY",
    "FARM_BODY_LIMIT", "FARM_FILE_LIMIT",         "FARM_SESSION_SECONDS",
    "FARM_LOGIN_MAX_PER_EMAIL", "FARM_LOGIN_MAX_PER_ADDR",
    "FARM_LOGIN_WINDOW", "FARM_OFFLINE_GRACE",    "FARM_SMTP_URL",
    "FARM_SMTP_USER",  "FARM_SMTP_PASSWORD",      "FARM_SMTP_STARTTLS",
    "FARM_SMTP_CA",    "FARM_MAIL_FROM",          "FARM_FILE_QUOTA",
    NULL,
};

struct env {
    char dir[32], path[64];
};

static int
setup(void **state)
{
    struct env *v = calloc(1, sizeof(*v));

    if (v == NULL)
        return -1;
    snprintf(v->dir, sizeof(v->dir), "/tmp/farm-conf-XXXXXX");
    if (mkdtemp(v->dir) == NULL)
        return -1;
    snprintf(v->path, sizeof(v->path), "%s/farm.conf", v->dir);
    for (int i = 0; keys[i] != NULL; i++)
        unsetenv(keys[i]);
    setenv("DATA_DIR", v->dir, 1);
    *state = v;
    return 0;
}

static int
teardown(void **state)
{
    struct env *v = *state;

    for (int i = 0; keys[i] != NULL; i++)
        unsetenv(keys[i]);
    unsetenv("DATA_DIR");
    unlink(v->path);
    rmdir(v->dir);
    free(v);
    return 0;
}

static void
test_defaults(void **state)
{
    struct env *v = *state;
    struct conf c;
    struct err e;

    err_clear(&e);
    assert_int_equal(conf_load(&c, &e), 0);
    assert_string_equal(c.data_dir, v->dir);
    assert_string_equal(c.currency, "USD");
    assert_int_equal(c.body_limit, 1 << 20);
    assert_int_equal(c.file_quota, (int64_t)10 << 30);
    assert_int_equal(c.session_seconds, 30 * 86400);
    assert_int_equal(c.offline_grace, 300);
    assert_false(c.mail.configured);
    assert_non_null(strstr(c.db_url, "farm.db"));
}

/* Every key through the environment lands in its own field. */
static void
test_every_key(void **state)
{
    struct conf c;
    struct err e;

    (void)state;
    setenv("FARM_DATABASE", "sqlite:/x.db", 1);
    setenv("FARM_TEMPLATES", "/t", 1);
    setenv("FARM_CURRENCY", "EUR", 1);
    setenv("FARM_BODY_LIMIT", "2048", 1);
    setenv("FARM_FILE_LIMIT", "4096", 1);
    setenv("FARM_FILE_QUOTA", "0", 1);
    setenv("FARM_SESSION_SECONDS", "61", 1);
    setenv("FARM_LOGIN_MAX_PER_EMAIL", "2", 1);
    setenv("FARM_LOGIN_MAX_PER_ADDR", "3", 1);
    setenv("FARM_LOGIN_WINDOW", "4", 1);
    setenv("FARM_OFFLINE_GRACE", "0", 1);
    setenv("FARM_SMTP_URL", "smtp://m:587", 1);
    setenv("FARM_SMTP_USER", "u", 1);
    setenv("FARM_SMTP_PASSWORD", "p", 1);
    setenv("FARM_SMTP_STARTTLS", "1", 1);
    setenv("FARM_SMTP_CA", "/ca", 1);
    setenv("FARM_MAIL_FROM", "f@x", 1);
    err_clear(&e);
    assert_int_equal(conf_load(&c, &e), 0);
    assert_string_equal(c.db_url, "sqlite:/x.db");
    assert_string_equal(c.templates, "/t");
    assert_string_equal(c.currency, "EUR");
    assert_int_equal(c.body_limit, 2048);
    assert_int_equal(c.file_limit, 4096);
    assert_int_equal(c.file_quota, 0);
    assert_int_equal(c.session_seconds, 61);
    assert_int_equal(c.login_max_per_email, 2);
    assert_int_equal(c.login_max_per_addr, 3);
    assert_int_equal(c.login_window, 4);
    assert_int_equal(c.offline_grace, 0);
    assert_string_equal(c.mail.url, "smtp://m:587");
    assert_string_equal(c.mail.user, "u");
    assert_string_equal(c.mail.password, "p");
    assert_true(c.mail.starttls);
    assert_string_equal(c.mail.ca, "/ca");
    assert_string_equal(c.mail.from, "f@x");
    assert_true(c.mail.configured);
}

/* The file fills what the environment leaves; the environment wins. */
static void
test_file(void **state)
{
    struct env *v = *state;
    struct conf c;
    struct err e;
    FILE *f = fopen(v->path, "w");

    assert_non_null(f);
    fputs("FARM_CURRENCY=GBP\nFARM_LOGIN_WINDOW=77\nNOT_OURS=x\n", f);
    fclose(f);
    setenv("FARM_LOGIN_WINDOW", "88", 1);
    err_clear(&e);
    assert_int_equal(conf_load(&c, &e), 0);
    assert_string_equal(c.currency, "GBP");
    assert_int_equal(c.login_window, 88);
}

static void
refused(const char *key, const char *val, const char *says)
{
    struct conf c;
    struct err e;

    setenv(key, val, 1);
    err_clear(&e);
    assert_int_equal(conf_load(&c, &e), -1);
    assert_non_null(strstr(e.msg, key));
    assert_non_null(strstr(e.msg, says));
    unsetenv(key);
}

static void
test_bad_values(void **state)
{
    char longer[700];

    (void)state;
    refused("FARM_CURRENCY", "usd", "three capital letters");
    refused("FARM_BODY_LIMIT", "1023", "at least 1024");
    refused("FARM_SESSION_SECONDS", "12x", "whole number");
    refused("FARM_FILE_QUOTA", "-1", "at least 0");
    refused("FARM_SMTP_STARTTLS", "yes", "0 or 1");
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    refused("FARM_TEMPLATES", longer, "too long");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
