/*
 * webhook_text — what a notification says: an outbox payload read back,
 * its Standard Webhooks type, a readable title, subject and text (also
 * used for email), and the request body per webhook format.
 *
 * Invariant: the body of a delivery depends only on the outbox payload and
 * the format, so every retry sends the same bytes under the same
 * webhook-id. Nothing here touches the database or the network.
 */
#ifndef WEBHOOK_TEXT_H
#define WEBHOOK_TEXT_H

#include <stdint.h>

#include "base/webhook_sign.h"

struct arena;

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

#endif
