/*
 * webhook_sign — what a webhook is, before anything is sent: its formats
 * (standard JSON, Discord, Slack, told from the URL), its secret ("whsec_"
 * + base64 of the key bytes) and its Standard Webhooks v1 signature
 * (HMAC-SHA256 over "<id>.<timestamp>.<body>", base64, "v1," prefix).
 * Pure: no I/O but getrandom for a new secret. The preferences (domain)
 * validate secrets with it; delivery (notify) signs with it.
 */
#ifndef WEBHOOK_SIGN_H
#define WEBHOOK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_KEY_MAX 1024    /* HMAC key bytes */
#define WEBHOOK_SECRET_LEN 50   /* "whsec_" + base64 of 32 bytes */
#define WEBHOOK_SIG_LEN 48      /* "v1," + 44 base64 + NUL */

enum webhook_format {
    WEBHOOK_STANDARD,
    WEBHOOK_DISCORD,
    WEBHOOK_SLACK,
    WEBHOOK__MAX
};

/* "standard", "discord", "slack". */
const char *webhook_format_name(enum webhook_format f);
/* The format named s, or -1. */
int webhook_format_parse(const char *s);
/* The format a URL asks for: Discord for discord.com / discordapp.com
 * /api/webhooks/..., Slack for hooks.slack.com, else standard. */
enum webhook_format webhook_format_detect(const char *url);

/* A new secret: "whsec_" + base64 of 32 random bytes (getrandom). */
void webhook_secret_new(char out[WEBHOOK_SECRET_LEN + 1]);
/* The HMAC key of a secret: the base64-decoded bytes after "whsec_", else
 * the secret's own bytes. 0, or -1 when a whsec_ secret does not decode
 * or the key would pass WEBHOOK_KEY_MAX bytes. */
int webhook_secret_key(const char *secret, unsigned char *key, size_t *len);
/* 1 when a secret may be stored: any text without "whsec_", or "whsec_" +
 * base64 of 24 to 64 bytes (Standard Webhooks). */
int webhook_secret_valid(const char *secret);

/* out = "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>". */
void webhook_sign(const unsigned char *key, size_t keylen, const char *id,
                  int64_t timestamp, const char *body, size_t bodylen,
                  char out[WEBHOOK_SIG_LEN]);
/* 1 when one of the space-separated "v1,<sig>" entries of header matches
 * (constant-time), else 0. For tests and inbound webhooks. */
int webhook_verify(const unsigned char *key, size_t keylen, const char *id,
                   int64_t timestamp, const char *body, size_t bodylen,
                   const char *header);

#endif
