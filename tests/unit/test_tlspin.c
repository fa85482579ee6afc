/*
 * test_tlspin — key pins and the trust check, with real TLS 1.2 handshakes
 * in memory (a BIO pair) against a fixed self-signed certificate for serial
 * 01P00A000000001: the pin format and value (computed independently with
 * `openssl x509 -pubkey | openssl pkey -pubin -outform DER | openssl dgst
 * -sha256 -binary | base64`), pin mode accepting any key on first contact
 * and refusing a different expected pin inside the handshake, CA mode
 * accepting the right name and refusing another name or an unrelated CA,
 * CA files that cannot be loaded.
 */
#include "net/tlspin.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "base/banned.h"

#define SERIAL "01P00A000000001"
#define PIN "sha256//OFv8mEV+ExRwXIpfQBSoO3x/JDi3gu5lQkIp4f1IlqU="
#define OTHER_PIN "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

/* Self-signed, CN and DNS SAN = SERIAL, valid until 2126. */
static const char cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBpjCCAU2gAwIBAgIUbf9KxoYp3lmt7UW165OJm5+Ou1UwCgYIKoZIzj0EAwIw\n"
    "GjEYMBYGA1UEAwwPMDFQMDBBMDAwMDAwMDAxMCAXDTI2MTEyNTA0MDUyNFoYDzIx\n"
    "MjYxMTAxMDQwNTI0WjAaMRgwFgYDVQQDDA8wMVAwMEEwMDAwMDAwMDEwWTATBgcq\n"
    "hkjOPQIBBggqhkjOPQMBBwNCAARfi0C77JOBcrM6YuJUoxi2nIH34z78ZGuJVRuf\n"
    "14pL0iErF3z7+c2604V/bIWOkFpvUmszRejP0fT4IdCIuASzo28wbTAdBgNVHQ4E\n"
    "FgQU4wJetx9ozjX1VPeyIe8yVuT7a4YwHwYDVR0jBBgwFoAU4wJetx9ozjX1VPey\n"
    "Ie8yVuT7a4YwDwYDVR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgg8wMVAwMEEwMDAw\n"
    "MDAwMDEwCgYIKoZIzj0EAwIDRwAwRAIgU+g9ybqXOZUnY+jLUF6whHPpuYDHE7zo\n"
    "WMSy1lohgdkCIFchFcVovxDMIARtjYrcdupCGiVL4jQssNcJXyqVm5CT\n"
    "-----END CERTIFICATE-----\n";

static const char key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQglE9RcKHxF/XlZnCV\n"
    "Yzcj0YJ/Bhb/MUevsEoNLM/zpwehRANCAARfi0C77JOBcrM6YuJUoxi2nIH34z78\n"
    "ZGuJVRuf14pL0iErF3z7+c2604V/bIWOkFpvUmszRejP0fT4IdCIuASz\n"
    "-----END PRIVATE KEY-----\n";

/* An unrelated self-signed certificate (a CA bundle that does not vouch
 * for the printer). */
static const char other_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBhTCCASugAwIBAgIUT/dklcc9t35TnQA1rwWQMUVh/6UwCgYIKoZIzj0EAwIw\n"
    "FzEVMBMGA1UEAwwMdW5yZWxhdGVkLWNhMCAXDTI2MTEyNTA0MDYwM1oYDzIxMjYx\n"
    "MTAxMDQwNjAzWjAXMRUwEwYDVQQDDAx1bnJlbGF0ZWQtY2EwWTATBgcqhkjOPQIB\n"
    "BggqhkjOPQMBBwNCAAQn8M85OYJ+cWvRGAtNcz/8XRpmcQnsIynUCShSzNwvO2Ml\n"
    "u56lykEEfoSsQPKt+EezQzyPrn8toxPiuG/LIFBQo1MwUTAdBgNVHQ4EFgQUQ5hT\n"
    "k6yB4QCMbG2Bhl3dbJrjWXUwHwYDVR0jBBgwFoAUQ5hTk6yB4QCMbG2Bhl3dbJrj\n"
    "WXUwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAqDNI+wVhkyhYd\n"
    "OyLQdnTMhVsNyDAXKW9WHXS0iE4bfgIhAPOEtGlnqJEzNLndJrdvKrWHi7z+rLTo\n"
    "vHDgJtQADe4O\n"
    "-----END CERTIFICATE-----\n";

static char cafile[64];

static X509 *
load_cert(void)
{
    BIO *b = BIO_new_mem_buf(cert_pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

    BIO_free(b);
    assert_non_null(x);
    return x;
}

/* Runs a handshake between a server presenting the certificate and a
 * client on cctx; 1 when the client completed it. */
static int
handshake(SSL_CTX *cctx)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    BIO *kb = BIO_new_mem_buf(key_pem, -1);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    X509 *cert = load_cert();
    SSL *s, *c;
    BIO *b1, *b2;
    int i, rc = 0, rs = 0, ok;

    BIO_free(kb);
    assert_non_null(key);
    assert_int_equal(SSL_CTX_use_certificate(sctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(sctx, key), 1);
    s = SSL_new(sctx);
    c = SSL_new(cctx);
    assert_int_equal(BIO_new_bio_pair(&b1, 0, &b2, 0), 1);
    SSL_set_bio(c, b1, b1);
    SSL_set_bio(s, b2, b2);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    for (i = 0; i < 50; i++) {
        int ec, es;

        rc = SSL_do_handshake(c);
        rs = SSL_do_handshake(s);
        if (rc == 1 && rs == 1)
            break;
        ec = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(c, rc);
        es = rs == 1 ? SSL_ERROR_NONE : SSL_get_error(s, rs);
        if ((ec != SSL_ERROR_NONE && ec != SSL_ERROR_WANT_READ &&
             ec != SSL_ERROR_WANT_WRITE) ||
            (es != SSL_ERROR_NONE && es != SSL_ERROR_WANT_READ &&
             es != SSL_ERROR_WANT_WRITE))
            break;
    }
    ok = rc == 1;
    if (ok)
        assert_int_equal(SSL_version(c), TLS1_2_VERSION);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(sctx);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ok;
}

static int
setup(void **state)
{
    int fd;
    FILE *f;

    (void)state;
    snprintf(cafile, sizeof cafile, "/tmp/test_tlspin_XXXXXX");
    fd = mkstemp(cafile);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs(cert_pem, f);
    fclose(f);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    unlink(cafile);
    return 0;
}

static void
test_pin_value(void **state)
{
    char pin[TLSPIN_MAX];
    X509 *x = load_cert();

    (void)state;
    assert_int_equal(tlspin_of_cert(x, pin), 0);
    assert_string_equal(pin, PIN);
    X509_free(x);
    assert_int_equal(tlspin_of_pem_file(cafile, pin), 0);
    assert_string_equal(pin, PIN);
    assert_int_equal(tlspin_of_pem_file("/nonexistent/x.pem", pin), -1);
    assert_string_equal(pin, "");
}

static void
test_valid(void **state)
{
    (void)state;
    assert_true(tlspin_valid(PIN));
    assert_true(tlspin_valid(OTHER_PIN));
    assert_false(tlspin_valid(NULL));
    assert_false(tlspin_valid(""));
    assert_false(tlspin_valid("sha256//"));
    assert_false(tlspin_valid("sha1//OFv8mEV+ExRwXIpfQBSoO3x/JDi3gu5lQkIp4f1IlqU="));
    assert_false(tlspin_valid("sha256//OFv8mEV+ExRwXIpfQBSoO3x/JDi3gu5lQkIp4f1IlqU"));
    assert_false(tlspin_valid("sha256//OFv8mEV+ExRwXIpfQBSoO3x/JDi3gu5lQkIp4f1Ilq!="));
    assert_false(tlspin_valid(PIN "A"));
}

static void
test_first_contact_records_pin(void **state)
{
    struct tlspin_check ck;
    SSL_CTX *ctx;

    (void)state;
    memset(&ck, 0, sizeof ck);
    ck.name = SERIAL;
    ctx = tlspin_client_ctx(&ck, NULL);
    assert_non_null(ctx);
    assert_true(handshake(ctx));
    assert_false(ck.refused);
    assert_string_equal(ck.seen, PIN);
    SSL_CTX_free(ctx);
}

static void
test_expected_pin(void **state)
{
    struct tlspin_check ck;
    SSL_CTX *ctx;

    (void)state;
    memset(&ck, 0, sizeof ck);
    ck.name = SERIAL;
    snprintf(ck.expect, sizeof ck.expect, "%s", PIN);
    ctx = tlspin_client_ctx(&ck, NULL);
    assert_true(handshake(ctx));
    assert_false(ck.refused);
    SSL_CTX_free(ctx);

    snprintf(ck.expect, sizeof ck.expect, "%s", OTHER_PIN);
    ctx = tlspin_client_ctx(&ck, NULL);
    assert_false(handshake(ctx));
    assert_true(ck.refused);
    assert_string_equal(ck.seen, PIN);
    assert_non_null(strstr(ck.detail, "key changed"));
    SSL_CTX_free(ctx);
}

static void
test_ca_mode(void **state)
{
    struct tlspin_check ck;
    SSL_CTX *ctx;

    (void)state;
    memset(&ck, 0, sizeof ck);
    ck.ca = 1;
    ck.name = SERIAL;
    ctx = tlspin_client_ctx(&ck, cafile);
    assert_non_null(ctx);
    assert_true(handshake(ctx));
    assert_false(ck.refused);
    SSL_CTX_free(ctx);

    memset(&ck, 0, sizeof ck);
    ck.ca = 1;
    ck.name = "01P00A000000002";
    ctx = tlspin_client_ctx(&ck, cafile);
    assert_false(handshake(ctx));
    assert_true(ck.refused);
    assert_non_null(strstr(ck.detail, "01P00A000000002"));
    SSL_CTX_free(ctx);
}

static void
write_file(char *path, size_t size, const char *text)
{
    int fd;
    FILE *f;

    snprintf(path, size, "/tmp/test_tlspin_XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
test_ca_mode_unrelated_ca(void **state)
{
    struct tlspin_check ck;
    SSL_CTX *ctx;
    char other[64];

    (void)state;
    write_file(other, sizeof other, other_pem);
    memset(&ck, 0, sizeof ck);
    ck.ca = 1;
    ck.name = SERIAL;
    ctx = tlspin_client_ctx(&ck, other);
    assert_non_null(ctx);
    assert_false(handshake(ctx));
    assert_true(ck.refused);
    assert_non_null(strstr(ck.detail, "not trusted"));
    SSL_CTX_free(ctx);
    unlink(other);
}

static void
test_ca_file_errors(void **state)
{
    struct tlspin_check ck;
    char empty[64];

    (void)state;
    write_file(empty, sizeof empty, "");
    memset(&ck, 0, sizeof ck);
    ck.ca = 1;
    ck.name = SERIAL;
    assert_null(tlspin_client_ctx(&ck, empty));
    assert_non_null(strstr(ck.detail, "cannot load CA file"));
    unlink(empty);
    assert_null(tlspin_client_ctx(&ck, "/nonexistent/ca.pem"));
    assert_non_null(strstr(ck.detail, "/nonexistent/ca.pem"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pin_value),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_first_contact_records_pin),
        cmocka_unit_test(test_expected_pin),
        cmocka_unit_test(test_ca_mode),
        cmocka_unit_test(test_ca_mode_unrelated_ca),
        cmocka_unit_test(test_ca_file_errors),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
