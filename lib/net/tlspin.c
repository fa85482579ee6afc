/*
 * tlspin — see tlspin.h. OpenSSL only; no allocation survives a call.
 */
#include "net/tlspin.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/banned.h"

#define PIN_PREFIX "sha256//"

int
tlspin_of_cert(X509 *cert, char out[TLSPIN_MAX])
{
    unsigned char *der = NULL, md[SHA256_DIGEST_LENGTH];
    int len;

    out[0] = '\0';
    if (!cert)
        return -1;
    len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (len <= 0)
        return -1;
    SHA256(der, (size_t)len, md);
    OPENSSL_free(der);
    memcpy(out, PIN_PREFIX, sizeof PIN_PREFIX - 1);
    /* 32 bytes -> 44 base64 characters + NUL. */
    EVP_EncodeBlock((unsigned char *)out + sizeof PIN_PREFIX - 1, md,
                    (int)sizeof md);
    return 0;
}

int
tlspin_of_pem_file(const char *path, char out[TLSPIN_MAX])
{
    FILE *f = fopen(path, "r");
    X509 *cert;
    int rc;

    out[0] = '\0';
    if (!f)
        return -1;
    cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!cert)
        return -1;
    rc = tlspin_of_cert(cert, out);
    X509_free(cert);
    return rc;
}

int
tlspin_valid(const char *s)
{
    size_t i, n;

    if (!s || strncmp(s, PIN_PREFIX, sizeof PIN_PREFIX - 1) != 0)
        return 0;
    s += sizeof PIN_PREFIX - 1;
    n = strlen(s);
    if (n != 44 || s[43] != '=' || s[42] == '=')
        return 0;
    for (i = 0; i < 43; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
            return 0;
    }
    return 1;
}

/* Our own ex-data slot on SSL_CTX, so we never collide with the library
 * (libcurl, libmosquitto) that owns the SSL object. */
static int
check_index(void)
{
    static int idx = -1;

    /* The dispatcher is single-threaded; a race would only waste a slot. */
    if (idx < 0)
        idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    return idx;
}

static void refuse(struct tlspin_check *check, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
refuse(struct tlspin_check *check, const char *fmt, ...)
{
    va_list ap;

    if (check->refused)
        return;
    check->refused = 1;
    va_start(ap, fmt);
    vsnprintf(check->detail, sizeof check->detail, fmt, ap);
    va_end(ap);
}

/* The trust decision, inside the handshake (see tlspin.h). */
static int
verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(
        store, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tlspin_check *check;
    X509 *cert;
    int depth = X509_STORE_CTX_get_error_depth(store);

    if (!ssl)
        return 0;
    check = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), check_index());
    if (!check)
        return preverify_ok;
    cert = X509_STORE_CTX_get_current_cert(store);
    if (depth == 0 && cert)
        tlspin_of_cert(cert, check->seen);

    if (check->ca) {
        if (!preverify_ok) {
            refuse(check, "certificate not trusted: %s",
                   X509_verify_cert_error_string(
                       X509_STORE_CTX_get_error(store)));
            return 0;
        }
        if (depth == 0 &&
            X509_check_host(cert, check->name, 0, 0, NULL) != 1) {
            refuse(check, "certificate is not issued to %s", check->name);
            return 0;
        }
        return 1;
    }
    if (depth == 0 && check->expect[0] &&
        strcmp(check->expect, check->seen) != 0) {
        refuse(check, "certificate key changed: expected %s, got %s",
               check->expect, check->seen);
        return 0;
    }
    return 1;
}

void
tlspin_attach(SSL_CTX *ctx, struct tlspin_check *check)
{
    SSL_CTX_set_ex_data(ctx, check_index(), check);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
}

SSL_CTX *
tlspin_client_ctx(struct tlspin_check *check, const char *cafile)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    check->seen[0] = '\0';
    check->refused = 0;
    check->detail[0] = '\0';
    if (!ctx) {
        snprintf(check->detail, sizeof check->detail, "out of memory");
        return NULL;
    }
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION)) {
        snprintf(check->detail, sizeof check->detail, "TLS 1.2 unavailable");
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (check->ca &&
        SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
        snprintf(check->detail, sizeof check->detail,
                 "cannot load CA file %s", cafile ? cafile : "(none)");
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return NULL;
    }
    tlspin_attach(ctx, check);
    return ctx;
}
