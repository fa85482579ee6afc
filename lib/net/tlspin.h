/*
 * tlspin — public-key pins for printer certificates, shared by the MQTT and
 * FTPS transports. A pin is "sha256//" + base64(SHA-256(DER
 * SubjectPublicKeyInfo)), the format of libcurl's CURLOPT_PINNEDPUBLICKEY,
 * so the value stored in printers.cert_fingerprint can be handed to libcurl
 * unchanged. A pin identifies the key, not the certificate: a printer that
 * renews its certificate with the same key keeps its pin.
 *
 * The OpenSSL verify callback that tlspin_client_ctx and tlspin_attach
 * install implements the two trust modes of the dispatcher on one SSL_CTX,
 * reading the struct tlspin_check they store in the ctx's ex data:
 *   - CA mode (check->ca set): the chain must verify and the leaf's name
 *     (DNS SAN, else CN) must equal check->name;
 *   - pin mode: any chain is accepted; the leaf's pin is recorded and, when
 *     check->expect is non-empty, must equal it.
 * Refusal happens inside the handshake, before any byte of the application
 * protocol (and so the access code) is sent.
 */
#ifndef TLSPIN_H
#define TLSPIN_H

#include <stddef.h>

/* "sha256//" + 44 base64 characters + NUL. */
#define TLSPIN_MAX 56

struct x509_st;
struct ssl_ctx_st;

struct tlspin_check {
    int ca;                   /* 1: chain + name; 0: pin mode */
    const char *name;         /* expected certificate name (the serial) */
    char expect[TLSPIN_MAX];  /* pin mode: required pin, "" = accept any */
    char seen[TLSPIN_MAX];    /* out: the leaf's pin ("" before the leaf) */
    int refused;              /* out: 1 when the callback refused */
    char detail[200];         /* out: why it refused */
};

/* Writes the pin of cert's public key into out. 0, or -1 when the key
 * cannot be encoded (out is then ""). */
int tlspin_of_cert(struct x509_st *cert, char out[TLSPIN_MAX]);

/* The pin of the first certificate in a PEM file. 0 or -1. */
int tlspin_of_pem_file(const char *path, char out[TLSPIN_MAX]);

/* 1 when s looks like a pin ("sha256//" + 44 base64 characters). */
int tlspin_valid(const char *s);

/* Makes a client SSL_CTX speaking TLS 1.2 only whose verify callback is
 * the one described above, reading check (check must outlive the ctx).
 * In CA mode loads cafile. Returns the ctx (caller frees with
 * SSL_CTX_free), or NULL with check->detail set. */
struct ssl_ctx_st *tlspin_client_ctx(struct tlspin_check *check,
                                     const char *cafile);

/* Installs the verify callback and check on an existing ctx (for libcurl's
 * CURLOPT_SSL_CTX_FUNCTION) without loading anything. */
void tlspin_attach(struct ssl_ctx_st *ctx, struct tlspin_check *check);

#endif
