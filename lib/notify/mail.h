/*
 * mail — email notifications: composing one RFC 5322
 * message (plain text, UTF-8, CRLF line ends, RFC 2047 subject when it is
 * not ASCII) and sending it with libcurl's SMTP to one recipient.
 *
 * The settings (FARM_SMTP_*, FARM_MAIL_FROM) are struct mail_conf, read
 * with every other setting by base/conf.c.
 *
 * Invariants: header values never carry CR or LF (header injection);
 * credentials are never sent in clear text (smtp:// with a login always
 * uses CURLUSESSL_ALL); peer and host verification stay on.
 */
#ifndef MAIL_H
#define MAIL_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct mail_conf;

/* One message, connecting included; connecting alone at most
 * MAIL_CONNECT_TIMEOUT_S. A server that accepts the connection and never
 * answers costs MAIL_TIMEOUT_S. */
#define MAIL_TIMEOUT_S 30
#define MAIL_CONNECT_TIMEOUT_S 10

/* s with every CR, LF and other control character replaced by a space.
 * Arena. */
char *mail_header_clean(struct arena *a, const char *s);

/* A Subject value: s cleaned, as is when it is printable ASCII, else as
 * RFC 2047 "=?UTF-8?B?...?=" words of at most 75 characters (never
 * splitting a UTF-8 character), folded with CRLF SP. Arena. */
char *mail_encode_subject(struct arena *a, const char *s);

/* "Sun, 23 Nov 2025 21:20:00 +0000" for t (UTC seconds). */
void mail_date(int64_t t, char out[40]);

/* The whole message: Date, From, To, Subject, Message-ID (<msgid@host of
 * from>), MIME-Version, Content-Type text/plain UTF-8, 8bit, a blank line
 * and body with every line end as CRLF. Arena. */
char *mail_compose(struct arena *a, const char *from, const char *to,
                   const char *subject, const char *body, int64_t date,
                   const char *msgid);

/* Sends msg to one recipient within timeout_s (connecting at most
 * MAIL_CONNECT_TIMEOUT_S of it). 0 when the server accepted it (*code
 * 250), else -1 with *code the last SMTP reply (0 when none) and why in
 * err: what users see, so "SMTP <code>" or a coarse reason ("connect
 * failed", "timeout", "TLS failed", "login refused", "sending failed",
 * "stopped", or ours: not configured, bad recipient), never libcurl's text
 * (logged). When stop is not NULL and *stop becomes non-zero the send is
 * cut short within a second ("stopped"). */
int mail_send(const struct mail_conf *m, const char *to, const char *msg,
              long timeout_s, volatile int *stop, long *code, char *err,
              size_t errlen);

#endif
