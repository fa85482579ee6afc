/*
 * secret — everything libsodium does for us: the sealing key file, sealing
 * secrets at rest (printer access codes, webhook URLs and secrets, Etsy
 * tokens), argon2id password hashes, and random tokens that are stored only
 * as hashes. The key is loaded once per process and wiped at release.
 *
 * Invariants: the key file is a regular file of 32 bytes that neither its
 * group nor others may read or write (created 0600); anything looser is
 * refused at init. A sealed value is bound to its place: it is sealed with
 * associated data naming the column and the row ("printers.
 * access_code_sealed:12", built by the table's owner module), and opens
 * only with the same associated data, so a value copied into another row
 * does not open there. Sealed text carries its form: "v2:" + base64 of
 * nonce || ciphertext (XChaCha20-Poly1305, IETF, under a subkey derived
 * from the key file). The earlier form, v1 (base64 of a secretbox, no
 * prefix, bound to nothing), is never accepted by secret_open; only
 * secret_reseal reads it, to turn it into v2 (see domain/reseal.h).
 */
#ifndef SECRET_H
#define SECRET_H

#include <stddef.h>

struct arena;

#define SECRET_TOKEN_LEN 43 /* base64url of 32 random bytes, no padding */
#define SECRET_HASH_LEN 64  /* hex of a 32-byte BLAKE2b hash */
#define SECRET_PWHASH_MAX 128

/* Loads the 32-byte key at path; with create, makes it (mode 0600) when
 * missing. 0, or -1 with a message logged (also when the file is not a
 * regular file or its group or others have any permission on it). */
int secret_init(const char *path, int create);
void secret_release(void);

#define SECRET_PREFIX "v2:" /* the current form of sealed text */

/* plain sealed for the place ad names (any string; its owner's
 * "<table>.<column>:<row id>"), in the current form, from the arena. NULL
 * only before init. */
char *secret_seal(struct arena *a, const char *plain, const char *ad);
/* The plain text, from the arena; NULL when tampered, sealed with another
 * key, sealed for another ad, or not in the current form. */
char *secret_open(struct arena *a, const char *sealed, const char *ad);
/* 1 when sealed is in the current form (its prefix says so; whether it
 * opens is another matter), else 0. */
int secret_is_current(const char *sealed);
/* A value sealed in the earlier form (v1: no prefix, no associated data),
 * sealed again in the current form for ad, from the arena; the plain text
 * is wiped on the way. NULL when old is not a v1 value that opens with
 * this key (tampered, another key, garbage, or already current). */
char *secret_reseal(struct arena *a, const char *old, const char *ad);

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
