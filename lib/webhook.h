/*
 * webhook — the webhooks we send: Standard Webhooks v1 signing (HMAC-SHA256
 * over "<id>.<timestamp>.<body>", base64, "v1," prefix), the secret format
 * ("whsec_" + base64 of the key bytes), the request body per format
 * (standard JSON, Discord, Slack) built from an outbox payload, a readable
 * title and text of an event (also used for email), and the POSTs
 * themselves, in parallel with libcurl multi.
 *
 * Invariants: the body of a delivery depends only on the outbox payload and
 * the format, so every retry sends the same bytes under the same webhook-id;
 * only webhook-timestamp and the signature change. Only a 2xx answer is a
 * success. Nothing here touches the database.
 */
#ifndef WEBHOOK_H
#define WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

struct arena;

#define WEBHOOK_KEY_MAX 1024    /* HMAC key bytes */
#define WEBHOOK_SECRET_LEN 50   /* "whsec_" + base64 of 32 bytes */
#define WEBHOOK_SIG_LEN 48      /* "v1," + 44 base64 + NUL */
#define WEBHOOK_TIMEOUT_S 15
#define WEBHOOK_USER_AGENT "PrintFarm-Webhooks/1"

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

/* An outbox payload, read back: every string is from the arena or NULL,
 * ids are -1 when absent. */
struct webhook_event {
    const char *kind; /* "print_failed" */
    int64_t printer_id;
    const char *printer_name, *printer_serial, *printer_model;
    int64_t print_id; /* -1: no print */
    const char *print_name, *print_status, *print_file;
    int64_t order_id; /* -1: none */
    const char *detail;
    const char *occurred_at; /* ISO 8601 "Z" */
};

/* Parses an outbox payload (event.h's JSON shape). 0, or -1 when it is not
 * a JSON object with a string "event". */
int webhook_event_parse(struct arena *a, const char *payload,
                        struct webhook_event *ev);
/* The Standard Webhooks type: "print_failed" -> "print.failed" (the first
 * '_' becomes '.'; a kind without one stays as it is). Arena. */
char *webhook_event_type(struct arena *a, const struct webhook_event *ev);
/* "Print failed on P1S-02". Arena; never NULL. */
char *webhook_event_title(struct arena *a, const struct webhook_event *ev);
/* The title, then ": <detail>" when there is one — an email subject.
 * Control characters become spaces. Arena; never NULL. */
char *webhook_event_subject(struct arena *a, const struct webhook_event *ev);
/* A few lines of plain text (LF line ends): the subject, then printer,
 * print, order and time lines. Arena; never NULL. */
char *webhook_event_text(struct arena *a, const struct webhook_event *ev);

/* The request body for format f from an outbox payload. Standard:
 * {"type","timestamp","data":{"event","printer","print","order","detail",
 * "occurred_at"}}; Discord: {"content","allowed_mentions":{"parse":[]}};
 * Slack: {"text"}. Arena; NULL when the payload does not parse. */
char *webhook_body(struct arena *a, enum webhook_format f,
                   const char *payload);

/* One POST. The caller fills the inputs; webhook_post_all the outputs. */
struct webhook_req {
    const char *url;
    const char *id;        /* webhook-id */
    int64_t timestamp;     /* webhook-timestamp */
    const char *signature; /* webhook-signature, or NULL: not signed */
    const char *body;
    long status;         /* HTTP status; 0: no answer (see error) */
    int64_t retry_after; /* seconds from a Retry-After header, or -1 */
    char error[160];     /* why it failed; "" on 2xx */
};

/* Sends every request in parallel (at most 16 connections), each with a
 * timeout_s total timeout, redirects not followed. Fills status,
 * retry_after and error of each. Returns the number that got a 2xx;
 * never fails as a whole (a request that could not even start has
 * status 0 and an error). */
int webhook_post_all(struct webhook_req *reqs, size_t n, long timeout_s);

#endif
