/*
 * test_secret — libsodium wrappers: the key file (created 0600, reloaded,
 * a wrong-size file refused), sealing round trips and tamper detection,
 * password hashing, token shape and hash stability, secret_equal.
 */
#include "base/secret.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"

#include "base/banned.h"

static char dir[] = "/tmp/test_secret.XXXXXX";
static char keypath[128];
static struct arena *ar;

static int
group_setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(keypath, sizeof(keypath), "%s/key", dir);
    ar = arena_new();
    return 0;
}

static int
group_teardown(void **state)
{
    char p[160];

    (void)state;
    secret_release();
    arena_free(ar);
    unlink(keypath);
    snprintf(p, sizeof(p), "%s/short", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

static void
test_key_file(void **state)
{
    struct stat st;
    char p[160];
    FILE *f;

    (void)state;
    assert_null(secret_seal(ar, "x")); /* before init */
    assert_int_equal(secret_init(keypath, 0), -1); /* missing, no create */
    assert_int_equal(secret_init(keypath, 1), 0);
    assert_int_equal(stat(keypath, &st), 0);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(p, sizeof(p), "%s/short", dir);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs("short", f);
    fclose(f);
    assert_int_equal(secret_init(p, 0), -1);
    assert_int_equal(secret_init(keypath, 0), 0);
}

static void
test_seal_open(void **state)
{
    const char *plain[] = {"", "12345678", "access code \xc3\xa9 with spaces",
                           NULL};
    char *s1, *s2, *t;
    char longtext[5000];

    (void)state;
    assert_int_equal(secret_init(keypath, 0), 0);
    for (int i = 0; plain[i] != NULL; i++) {
        s1 = secret_seal(ar, plain[i]);
        assert_non_null(s1);
        assert_null(strstr(s1, plain[i][0] ? plain[i] : "\x01"));
        t = secret_open(ar, s1);
        assert_non_null(t);
        assert_string_equal(t, plain[i]);
    }
    /* a fresh nonce each time */
    s1 = secret_seal(ar, "same");
    s2 = secret_seal(ar, "same");
    assert_string_not_equal(s1, s2);
    assert_string_equal(secret_open(ar, s2), "same");
    memset(longtext, 'k', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    assert_string_equal(secret_open(ar, secret_seal(ar, longtext)), longtext);

    /* tampering anywhere fails */
    s1 = secret_seal(ar, "the secret");
    for (size_t i = 0; i < strlen(s1); i++) {
        char *m = arena_strdup(ar, s1);

        if (m[i] == '=')
            continue;
        m[i] = m[i] == 'A' ? 'B' : 'A';
        if (secret_open(ar, m) != NULL && strcmp(m, s1) != 0) {
            /* base64 slack bits in the last char can decode the same */
            assert_true(i >= strlen(s1) - 3);
        }
    }
    assert_null(secret_open(ar, ""));
    assert_null(secret_open(ar, "not base64 !!!"));
    assert_null(secret_open(ar, "AAAA"));
    s1[0] = '\0';
    assert_null(secret_open(ar, s1));
}

static void
test_other_key(void **state)
{
    char other[160];
    char *sealed;

    (void)state;
    assert_int_equal(secret_init(keypath, 0), 0);
    sealed = secret_seal(ar, "mine");
    snprintf(other, sizeof(other), "%s/other", dir);
    assert_int_equal(secret_init(other, 1), 0);
    assert_null(secret_open(ar, sealed));
    assert_int_equal(secret_init(keypath, 0), 0);
    assert_string_equal(secret_open(ar, sealed), "mine");
    unlink(other);
}

static void
test_passwords(void **state)
{
    char h1[SECRET_PWHASH_MAX], h2[SECRET_PWHASH_MAX];

    (void)state;
    assert_int_equal(secret_password_hash("correct horse", h1), 0);
    assert_int_equal(secret_password_hash("correct horse", h2), 0);
    assert_string_not_equal(h1, h2); /* salted */
    assert_non_null(strstr(h1, "$argon2id$"));
    assert_true(secret_password_check(h1, "correct horse"));
    assert_true(secret_password_check(h2, "correct horse"));
    assert_false(secret_password_check(h1, "correct horsE"));
    assert_false(secret_password_check(h1, ""));
    assert_false(secret_password_check("garbage", "correct horse"));
    assert_false(secret_password_check("", ""));
}

static void
test_tokens(void **state)
{
    char t1[SECRET_TOKEN_LEN + 1], t2[SECRET_TOKEN_LEN + 1];
    char h1[SECRET_HASH_LEN + 1], h2[SECRET_HASH_LEN + 1];

    (void)state;
    secret_token(t1);
    secret_token(t2);
    assert_int_equal(strlen(t1), SECRET_TOKEN_LEN);
    assert_int_equal(strlen(t2), SECRET_TOKEN_LEN);
    assert_string_not_equal(t1, t2);
    for (int i = 0; i < SECRET_TOKEN_LEN; i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz0123456789-_",
                               t1[i]));
    secret_token_hash(t1, h1);
    secret_token_hash(t1, h2);
    assert_int_equal(strlen(h1), SECRET_HASH_LEN);
    assert_string_equal(h1, h2);
    for (int i = 0; i < SECRET_HASH_LEN; i++)
        assert_non_null(strchr("0123456789abcdef", h1[i]));
    secret_token_hash(t2, h2);
    assert_string_not_equal(h1, h2);
    /* the hash is a fixed function of the text (BLAKE2b-256 of "abc") */
    secret_token_hash("abc", h1);
    assert_string_equal(h1, "bddd813c634239723171ef3fee98579b"
                            "94964e3bb1cb3e427262c8c068d52319");
}

static void
test_equal(void **state)
{
    (void)state;
    assert_true(secret_equal("abc", "abc"));
    assert_true(secret_equal("", ""));
    assert_false(secret_equal("abc", "abd"));
    assert_false(secret_equal("abc", "ab"));
    assert_false(secret_equal("ab", "abc"));
    assert_false(secret_equal("", "a"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_file),  cmocka_unit_test(test_seal_open),
        cmocka_unit_test(test_other_key), cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_tokens),    cmocka_unit_test(test_equal),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
