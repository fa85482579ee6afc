#include "base/webhook_sign.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/banned.h"

#define SECRET_PREFIX "whsec_"
#define SECRET_PREFIX_LEN 6
#define SECRET_RAW 32

static const char *const format_names[WEBHOOK__MAX] = {
    [WEBHOOK_STANDARD] = "standard",
    [WEBHOOK_DISCORD] = "discord",
    [WEBHOOK_SLACK] = "slack",
};

const char *
webhook_format_name(enum webhook_format f)
{
    return f >= 0 && f < WEBHOOK__MAX ? format_names[f] : "standard";
}

int
webhook_format_parse(const char *s)
{
    if (s == NULL)
        return -1;
    for (int i = 0; i < WEBHOOK__MAX; i++)
        if (strcmp(s, format_names[i]) == 0)
            return i;
    return -1;
}

/* 1 when url's host is host (case-insensitively) and its path starts with
 * path. */
static int
url_is(const char *url, const char *host, const char *path)
{
    size_t hl = strlen(host);
    const char *p;

    if (strncmp(url, "https://", 8) == 0)
        p = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        p = url + 7;
    else
        return 0;
    if (strncasecmp(p, host, hl) != 0)
        return 0;
    p += hl;
    if (*p == ':') /* a port */
        while (*++p && *p != '/')
            ;
    return strncmp(p, path, strlen(path)) == 0;
}

enum webhook_format
webhook_format_detect(const char *url)
{
    if (url == NULL)
        return WEBHOOK_STANDARD;
    if (url_is(url, "discord.com", "/api/webhooks/") ||
        url_is(url, "discordapp.com", "/api/webhooks/") ||
        url_is(url, "ptb.discord.com", "/api/webhooks/") ||
        url_is(url, "canary.discord.com", "/api/webhooks/"))
        return WEBHOOK_DISCORD;
    if (url_is(url, "hooks.slack.com", "/"))
        return WEBHOOK_SLACK;
    return WEBHOOK_STANDARD;
}

/* ---- secrets and signatures ---------------------------------------- */

void
webhook_secret_new(char out[WEBHOOK_SECRET_LEN + 1])
{
    unsigned char raw[SECRET_RAW];
    size_t got = 0;

    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

        if (n < 0)
            abort(); /* no randomness: nothing safe to do */
        got += (size_t)n;
    }
    memcpy(out, SECRET_PREFIX, SECRET_PREFIX_LEN);
    EVP_EncodeBlock((unsigned char *)out + SECRET_PREFIX_LEN, raw,
                    sizeof(raw));
    out[WEBHOOK_SECRET_LEN] = '\0';
    OPENSSL_cleanse(raw, sizeof(raw));
}

static int
b64_char(int ch)
{
    return isalnum(ch) || ch == '+' || ch == '/';
}

/* Decodes standard base64 (padding optional) into out (cap bytes). The
 * length, or -1 when malformed or too long. */
static long
b64_decode(const char *s, unsigned char *out, size_t cap)
{
    size_t n = strlen(s), chars = 0, pad = 0;
    unsigned char *tmp;
    char *in;
    int got;

    while (chars < n && b64_char((unsigned char)s[chars]))
        chars++;
    while (chars + pad < n && s[chars + pad] == '=')
        pad++;
    if (chars + pad != n || chars == 0 || chars % 4 == 1 || pad > 2 ||
        (pad > 0 && (chars + pad) % 4 != 0))
        return -1;
    pad = (4 - chars % 4) % 4;
    in = malloc(chars + pad + 1);
    tmp = malloc((chars + pad) / 4 * 3 + 1);
    if (in == NULL || tmp == NULL) {
        free(in);
        free(tmp);
        return -1;
    }
    memcpy(in, s, chars);
    memset(in + chars, '=', pad);
    in[chars + pad] = '\0';
    got = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)(chars + pad));
    free(in);
    if (got < 0 || (size_t)got < pad || (size_t)got - pad > cap) {
        OPENSSL_cleanse(tmp, (chars + pad) / 4 * 3 + 1);
        free(tmp);
        return -1;
    }
    got -= (int)pad;
    memcpy(out, tmp, (size_t)got);
    OPENSSL_cleanse(tmp, (chars + pad) / 4 * 3 + 1);
    free(tmp);
    return got;
}

int
webhook_secret_key(const char *secret, unsigned char *key, size_t *len)
{
    long n;

    if (strncmp(secret, SECRET_PREFIX, SECRET_PREFIX_LEN) == 0) {
        n = b64_decode(secret + SECRET_PREFIX_LEN, key, WEBHOOK_KEY_MAX);
        if (n <= 0)
            return -1;
        *len = (size_t)n;
        return 0;
    }
    n = (long)strlen(secret);
    if (n > WEBHOOK_KEY_MAX)
        return -1;
    memcpy(key, secret, (size_t)n);
    *len = (size_t)n;
    return 0;
}

int
webhook_secret_valid(const char *secret)
{
    unsigned char key[WEBHOOK_KEY_MAX];
    size_t len = 0;
    int ok;

    if (strncmp(secret, SECRET_PREFIX, SECRET_PREFIX_LEN) != 0)
        return strlen(secret) <= WEBHOOK_KEY_MAX;
    ok = webhook_secret_key(secret, key, &len) == 0 && len >= 24 && len <= 64;
    OPENSSL_cleanse(key, sizeof(key));
    return ok;
}

/* The raw 32-byte MAC of id.timestamp.body. */
static void
mac(const unsigned char *key, size_t keylen, const char *id,
    int64_t timestamp, const char *body, size_t bodylen,
    unsigned char md[32])
{
    static const unsigned char nokey[1];
    char head[96];
    size_t hl, idl = strlen(id);
    unsigned char *msg;
    unsigned int mdlen = 32;

    hl = (size_t)snprintf(head, sizeof(head), ".%lld.", (long long)timestamp);
    msg = malloc(idl + hl + bodylen + 1);
    if (msg == NULL)
        abort();
    memcpy(msg, id, idl);
    memcpy(msg + idl, head, hl);
    memcpy(msg + idl + hl, body, bodylen);
    if (HMAC(EVP_sha256(), keylen ? key : nokey, (int)keylen, msg,
             idl + hl + bodylen, md, &mdlen) == NULL)
        abort();
    free(msg);
}

void
webhook_sign(const unsigned char *key, size_t keylen, const char *id,
             int64_t timestamp, const char *body, size_t bodylen,
             char out[WEBHOOK_SIG_LEN])
{
    unsigned char md[32];

    mac(key, keylen, id, timestamp, body, bodylen, md);
    memcpy(out, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, md, sizeof(md));
    out[WEBHOOK_SIG_LEN - 1] = '\0';
}

int
webhook_verify(const unsigned char *key, size_t keylen, const char *id,
               int64_t timestamp, const char *body, size_t bodylen,
               const char *header)
{
    char want[WEBHOOK_SIG_LEN];
    const char *p = header;
    int ok = 0;

    if (header == NULL)
        return 0;
    webhook_sign(key, keylen, id, timestamp, body, bodylen, want);
    while (*p) {
        size_t n;

        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n == WEBHOOK_SIG_LEN - 1 &&
            CRYPTO_memcmp(p, want, WEBHOOK_SIG_LEN - 1) == 0)
            ok = 1;
        p += n;
    }
    return ok;
}
