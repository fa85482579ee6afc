/*
 * secret — everything libsodium does for us: the sealing key file, sealing
 * secrets at rest (printer access codes, webhook secrets, Etsy tokens),
 * argon2id password hashes, and random tokens that are stored only as
 * hashes. The key is loaded once per process and wiped at release.
 */
#ifndef SECRET_H
#define SECRET_H

#include <stddef.h>

struct arena;

#define SECRET_TOKEN_LEN 43 /* base64url of 32 random bytes, no padding */
#define SECRET_HASH_LEN 64  /* hex of a 32-byte BLAKE2b hash */
#define SECRET_PWHASH_MAX 128

/* Loads the 32-byte key at path; with create, makes it (mode 0600) when
 * missing. 0, or -1 with a message logged. */
int secret_init(const char *path, int create);
void secret_release(void);

/* base64 of nonce || ciphertext, from the arena. NULL only before init. */
char *secret_seal(struct arena *a, const char *plain);
/* The plain text, from the arena; NULL when tampered or sealed with another
 * key. */
char *secret_open(struct arena *a, const char *sealed);

/* argon2id; out holds at least SECRET_PWHASH_MAX bytes. 0 or -1. */
int secret_password_hash(const char *password, char *out);
/* 1 when password matches the stored hash, else 0. */
int secret_password_check(const char *hash, const char *password);

/* A new random token (SECRET_TOKEN_LEN chars + NUL). */
void secret_token(char out[SECRET_TOKEN_LEN + 1]);
/* The hex hash under which a token is stored. */
void secret_token_hash(const char *token, char out[SECRET_HASH_LEN + 1]);

/* base64url (no padding) of the SHA-256 of s: the PKCE S256 challenge. */
void secret_sha256_b64url(const char *s, char out[44]);

/* Constant-time string comparison: 1 when equal. */
int secret_equal(const char *a, const char *b);

#endif
