/*
 * test_secret — libsodium wrappers: the key file (created 0600, reloaded,
 * a wrong-size file, a directory, or one open to group or others refused),
 * sealing round trips, tamper detection and the binding to a place (the
 * associated data), the v1 form re-sealed, password hashing, token shape
 * and hash stability, secret_equal.
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
#include <sodium.h>

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
    snprintf(p, sizeof(p), "%s/open", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/sub", dir);
    rmdir(p);
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
    assert_null(secret_seal(ar, "x", "t.c:1")); /* before init */
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

/* A key its group or others may read (or write) is refused, whatever its
 * size; so is a directory. 0600 and 0400 are fine. */
static void
test_key_file_mode(void **state)
{
    static const mode_t refused[] = {0644, 0640, 0604, 0660, 0602, 0620,
                                     0601, 0610, 0666};
    unsigned char key[32];
    char p[160];
    FILE *f;

    (void)state;
    snprintf(p, sizeof(p), "%s/open", dir);
    f = fopen(p, "w");
    assert_non_null(f);
    randombytes_buf(key, sizeof(key));
    assert_int_equal(fwrite(key, 1, sizeof(key), f), sizeof(key));
    fclose(f);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_int_equal(chmod(p, refused[i]), 0);
        assert_int_equal(secret_init(p, 0), -1);
        assert_int_equal(secret_init(p, 1), -1); /* exists: not made anew */
    }
    assert_int_equal(chmod(p, 0600), 0);
    assert_int_equal(secret_init(p, 0), 0);
    assert_int_equal(chmod(p, 0400), 0);
    assert_int_equal(secret_init(p, 0), 0);
    snprintf(p, sizeof(p), "%s/sub", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(secret_init(p, 0), -1);
    assert_int_equal(secret_init(keypath, 0), 0);
}

static void
test_seal_open(void **state)
{
    const char *plain[] = {"", "12345678", "access code \xc3\xa9 with spaces",
                           NULL};
    const char *ad = "printers.access_code_sealed:7";
    char *s1, *s2, *t;
    char longtext[5000];

    (void)state;
    assert_int_equal(secret_init(keypath, 0), 0);
    for (int i = 0; plain[i] != NULL; i++) {
        s1 = secret_seal(ar, plain[i], ad);
        assert_non_null(s1);
        assert_true(secret_is_current(s1));
        assert_int_equal(strncmp(s1, "v2:", 3), 0);
        assert_null(strstr(s1, plain[i][0] ? plain[i] : "\x01"));
        t = secret_open(ar, s1, ad);
        assert_non_null(t);
        assert_string_equal(t, plain[i]);
    }
    /* a fresh nonce each time */
    s1 = secret_seal(ar, "same", ad);
    s2 = secret_seal(ar, "same", ad);
    assert_string_not_equal(s1, s2);
    assert_string_equal(secret_open(ar, s2, ad), "same");
    memset(longtext, 'k', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    assert_string_equal(secret_open(ar, secret_seal(ar, longtext, ad), ad),
                        longtext);

    /* tampering anywhere fails */
    s1 = secret_seal(ar, "the secret", ad);
    for (size_t i = 0; i < strlen(s1); i++) {
        char *m = arena_strdup(ar, s1);

        if (m[i] == '=')
            continue;
        m[i] = m[i] == 'A' ? 'B' : 'A';
        if (secret_open(ar, m, ad) != NULL && strcmp(m, s1) != 0) {
            /* base64 slack bits in the last char can decode the same */
            assert_true(i >= strlen(s1) - 3);
        }
    }
    assert_null(secret_open(ar, "", ad));
    assert_null(secret_open(ar, "v2:", ad));
    assert_null(secret_open(ar, "v2:not base64 !!!", ad));
    assert_null(secret_open(ar, "v2:AAAA", ad));
    assert_null(secret_open(ar, s1 + 3, ad)); /* the prefix is required */
    s1[0] = '\0';
    assert_null(secret_open(ar, s1, ad));
}

/* A value opens only for the place it was sealed for: another row,
 * another column, the empty place, a longer or shorter name all fail. */
static void
test_bound_to_place(void **state)
{
    const char *other[] = {"printers.access_code_sealed:8",
                           "printers.access_code_sealed:70",
                           "printers.access_code_sealed:",
                           "printers.access_code_sealed:7 ",
                           "etsy_shops.access_token:7",
                           "",
                           NULL};
    char *s;

    (void)state;
    assert_int_equal(secret_init(keypath, 0), 0);
    s = secret_seal(ar, "1234abcd", "printers.access_code_sealed:7");
    assert_string_equal(secret_open(ar, s, "printers.access_code_sealed:7"),
                        "1234abcd");
    for (int i = 0; other[i] != NULL; i++)
        assert_null(secret_open(ar, s, other[i]));
    s = secret_seal(ar, "empty place", "");
    assert_string_equal(secret_open(ar, s, ""), "empty place");
    assert_null(secret_open(ar, s, "x"));
}

/* The v1 form: base64 of nonce || secretbox under the file's key, as
 * sealed before places existed. Made here the way the old code did. */
static char *
seal_v1(const char *path, const char *plain)
{
    unsigned char key[crypto_secretbox_KEYBYTES];
    size_t n = strlen(plain);
    size_t boxlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    unsigned char *box = arena_alloc(ar, boxlen);
    size_t b64 = sodium_base64_ENCODED_LEN(boxlen,
                                           sodium_base64_VARIANT_ORIGINAL);
    char *out = arena_alloc(ar, b64);
    FILE *f = fopen(path, "rb");

    assert_non_null(f);
    assert_int_equal(fread(key, 1, sizeof(key), f), sizeof(key));
    fclose(f);
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES,
                          (const unsigned char *)plain, n, box, key);
    sodium_bin2base64(out, b64, box, boxlen, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

static void
test_reseal_v1(void **state)
{
    const char *ad = "notification_settings.webhook_secret_sealed:3";
    char *v1, *v2, *again;

    (void)state;
    assert_int_equal(secret_init(keypath, 0), 0);
    v1 = seal_v1(keypath, "whsec_old-secret");
    assert_false(secret_is_current(v1));
    /* never opened as it is: only re-sealed */
    assert_null(secret_open(ar, v1, ad));
    assert_null(secret_open(ar, v1, ""));
    v2 = secret_reseal(ar, v1, ad);
    assert_non_null(v2);
    assert_true(secret_is_current(v2));
    assert_string_equal(secret_open(ar, v2, ad), "whsec_old-secret");
    assert_null(secret_open(ar, v2,
                            "notification_settings.webhook_secret_sealed:4"));
    /* a current value, garbage, a tampered v1 or one of another key: NULL */
    assert_null(secret_reseal(ar, v2, ad));
    assert_null(secret_reseal(ar, "", ad));
    assert_null(secret_reseal(ar, "not-a-sealed-box!!", ad));
    again = arena_strdup(ar, v1);
    again[10] = again[10] == 'A' ? 'B' : 'A';
    assert_null(secret_reseal(ar, again, ad));
    assert_string_equal(secret_open(ar, secret_reseal(ar, seal_v1(keypath, ""),
                                                      ad),
                                    ad),
                        "");
}

static void
test_other_key(void **state)
{
    char other[160];
    char *sealed, *v1;

    (void)state;
    assert_int_equal(secret_init(keypath, 0), 0);
    sealed = secret_seal(ar, "mine", "t.c:1");
    v1 = seal_v1(keypath, "mine too");
    snprintf(other, sizeof(other), "%s/other", dir);
    assert_int_equal(secret_init(other, 1), 0);
    assert_null(secret_open(ar, sealed, "t.c:1"));
    assert_null(secret_reseal(ar, v1, "t.c:1"));
    assert_int_equal(secret_init(keypath, 0), 0);
    assert_string_equal(secret_open(ar, sealed, "t.c:1"), "mine");
    assert_string_equal(secret_open(ar, secret_reseal(ar, v1, "t.c:1"),
                                    "t.c:1"),
                        "mine too");
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
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_key_file_mode),
        cmocka_unit_test(test_seal_open),
        cmocka_unit_test(test_bound_to_place),
        cmocka_unit_test(test_reseal_v1),
        cmocka_unit_test(test_other_key),
        cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_equal),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
