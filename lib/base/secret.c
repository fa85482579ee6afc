#include "base/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/log.h"

#include "base/banned.h"

static unsigned char secret_key[crypto_secretbox_KEYBYTES];
/* The v2 key: a subkey of the file's key, so the two forms never share a
 * key between two constructions. */
static unsigned char seal_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static int secret_ready;

#define PREFIX_LEN (sizeof(SECRET_PREFIX) - 1)
#define SEAL_KDF_ID 2
#define SEAL_KDF_CONTEXT "farmseal" /* crypto_kdf_CONTEXTBYTES: 8 */

static int
read_full(int fd, unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int
write_full(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int
create_key(const char *path)
{
    unsigned char key[crypto_secretbox_KEYBYTES];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

    if (fd < 0)
        return errno == EEXIST ? 0 : -1; /* another process won the race */
    crypto_secretbox_keygen(key);
    if (write_full(fd, key, sizeof(key)) < 0 || fsync(fd) < 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    sodium_memzero(key, sizeof(key));
    return close(fd);
}

int
secret_init(const char *path, int create)
{
    int fd;
    struct stat st;

    if (sodium_init() < 0) {
        log_error("secret: libsodium failed to initialise");
        return -1;
    }
    if (create && create_key(path) < 0) {
        log_error("secret: cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        log_error("secret: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        log_error("secret: %s is not a regular file", path);
        close(fd);
        return -1;
    }
    /* whoever may read the key may open every sealed value */
    if ((st.st_mode & 077) != 0) {
        log_error("secret: %s is open to its group or others (mode %04o); "
                  "refusing to use it: chmod 600 %s, and keep it owned by "
                  "the user the programs run as",
                  path, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return -1;
    }
    if (st.st_size != sizeof(secret_key) ||
        read_full(fd, secret_key, sizeof(secret_key)) < 0) {
        log_error("secret: %s is not a %zu-byte key", path,
                  sizeof(secret_key));
        close(fd);
        return -1;
    }
    close(fd);
    _Static_assert(sizeof(seal_key) >= crypto_kdf_BYTES_MIN &&
                       sizeof(secret_key) == crypto_kdf_KEYBYTES &&
                       sizeof(SEAL_KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES,
                   "key sizes");
    crypto_kdf_derive_from_key(seal_key, sizeof(seal_key), SEAL_KDF_ID,
                               SEAL_KDF_CONTEXT, secret_key);
    secret_ready = 1;
    return 0;
}

void
secret_release(void)
{
    sodium_memzero(secret_key, sizeof(secret_key));
    sodium_memzero(seal_key, sizeof(seal_key));
    secret_ready = 0;
}

char *
secret_seal(struct arena *a, const char *plain, const char *ad)
{
    size_t n = strlen(plain);
    size_t nonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    size_t boxlen = nonce + n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *box;
    size_t b64len = sodium_base64_ENCODED_LEN(boxlen,
                                              sodium_base64_VARIANT_ORIGINAL);
    char *out;

    if (!secret_ready)
        return NULL;
    box = arena_alloc(a, boxlen);
    randombytes_buf(box, nonce);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        box + nonce, NULL, (const unsigned char *)plain, n,
        (const unsigned char *)ad, strlen(ad), NULL, box, seal_key);
    out = arena_alloc(a, PREFIX_LEN + b64len);
    memcpy(out, SECRET_PREFIX, PREFIX_LEN);
    sodium_bin2base64(out + PREFIX_LEN, b64len, box, boxlen,
                      sodium_base64_VARIANT_ORIGINAL);
    return out;
}

int
secret_is_current(const char *sealed)
{
    return sealed != NULL && strncmp(sealed, SECRET_PREFIX, PREFIX_LEN) == 0;
}

/* The bytes of base64 text s (arena), *len set; NULL when not base64. */
static unsigned char *
unbase64(struct arena *a, const char *s, size_t *len)
{
    size_t maxlen = strlen(s);
    unsigned char *bin = arena_alloc(a, maxlen + 1);

    if (sodium_base642bin(bin, maxlen, s, maxlen, NULL, len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return NULL;
    return bin;
}

char *
secret_open(struct arena *a, const char *sealed, const char *ad)
{
    size_t nonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, boxlen;
    unsigned long long plainlen;
    unsigned char *box;
    char *plain;

    if (!secret_ready || !secret_is_current(sealed) ||
        (box = unbase64(a, sealed + PREFIX_LEN, &boxlen)) == NULL ||
        boxlen < nonce + crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return NULL;
    plain = arena_alloc(a, boxlen + 1);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            (unsigned char *)plain, &plainlen, NULL, box + nonce,
            boxlen - nonce, (const unsigned char *)ad, strlen(ad), box,
            seal_key) != 0)
        return NULL;
    plain[plainlen] = '\0';
    return plain;
}

char *
secret_reseal(struct arena *a, const char *old, const char *ad)
{
    size_t boxlen, plainlen;
    unsigned char *box;
    char *plain, *out;

    if (!secret_ready || secret_is_current(old) ||
        (box = unbase64(a, old, &boxlen)) == NULL ||
        boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return NULL;
    plainlen = boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    plain = arena_alloc(a, plainlen + 1);
    if (crypto_secretbox_open_easy(
            (unsigned char *)plain, box + crypto_secretbox_NONCEBYTES,
            boxlen - crypto_secretbox_NONCEBYTES, box, secret_key) != 0)
        return NULL;
    plain[plainlen] = '\0';
    out = secret_seal(a, plain, ad);
    sodium_memzero(plain, plainlen);
    return out;
}

int
secret_password_hash(const char *password, char *out)
{
    _Static_assert(crypto_pwhash_STRBYTES <= SECRET_PWHASH_MAX,
                   "password hash buffer too small");
    return crypto_pwhash_str(out, password, strlen(password),
                             crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : -1;
}

int
secret_password_check(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void
secret_token(char out[SECRET_TOKEN_LEN + 1])
{
    unsigned char raw[32];

    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, SECRET_TOKEN_LEN + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
secret_sha256_b64url(const char *s, char out[44])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2base64(out, 44, h, sizeof(h),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
secret_token_hash(const char *token, char out[SECRET_HASH_LEN + 1])
{
    unsigned char h[32];

    crypto_generichash(h, sizeof(h), (const unsigned char *)token,
                       strlen(token), NULL, 0);
    sodium_bin2hex(out, SECRET_HASH_LEN + 1, h, sizeof(h));
}

int
secret_equal(const char *a, const char *b)
{
    size_t n = strlen(a);

    return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}
