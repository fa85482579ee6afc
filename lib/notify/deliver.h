/*
 * deliver — drains the outbox: the step of the dispatcher that makes
 * notifications arrive. Rows are claimed with a lease in a short
 * transaction, delivered outside any transaction (webhooks in parallel,
 * email one message per row), and each result is recorded in its own short
 * transaction.
 *
 * Invariants:
 * - At least once, never falsely: a row becomes 'delivered' only after the
 *   receiver answered 2xx (SMTP 250). A process that dies between sending
 *   and recording leaves its lease (DELIVER_LEASE_S) to run out, and the
 *   row is sent again by a later run under the same delivery_id.
 * - One delivery_id ("msg_" + 32 hex) per row, set when it is first claimed
 *   and reused on every retry: the webhook-id header and the email's
 *   Message-ID. The body of a retry is byte-identical.
 * - Failures are retried on the Standard Webhooks schedule (5 s, 5 min,
 *   30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after attempts 1..9) with
 *   +-10 % jitter, never sooner than a Retry-After asks; after attempt
 *   DELIVER_MAX_ATTEMPTS or past expires_at (default created_at +
 *   DELIVER_TTL_S) the row is 'expired'. A webhook answering 410 Gone is
 *   disabled on the printer's preferences and its row 'failed'; rows for a
 *   disabled webhook or a deleted printer fail without being sent.
 * - Webhooks are signed with the printer's current secret (notifypref);
 *   a webhook without any stored secret (not possible through the API) is
 *   sent without webhook-signature.
 * - Only this module sends anything; web requests only write rows.
 */
#ifndef DELIVER_H
#define DELIVER_H

#include <stdint.h>

struct ctx;

#define DELIVER_LEASE_S 60
#define DELIVER_TTL_S (3 * 86400)
#define DELIVER_MAX_ATTEMPTS 10
#define DELIVER_BATCH 100

struct deliver_stats {
    int64_t claimed;   /* rows sent (or found undeliverable) */
    int64_t delivered; /* 2xx / 250 */
    int64_t retried;   /* failed, next attempt scheduled */
    int64_t failed;    /* 410, disabled webhook, deleted printer */
    int64_t expired;   /* out of attempts or time */
};

/* Delivers due rows (status pending, next_attempt_at <= now, lease free)
 * of every user, in batches of DELIVER_BATCH, until none is due or
 * budget_s seconds have passed (a batch under way finishes; at least one
 * batch runs). c supplies the database and the configuration; each batch
 * uses its own arena and reads the clock again. Adds to *st
 * when st is not NULL. The number of rows delivered, or -1 with c->err set
 * when the database failed (rows already recorded stay recorded).
 *
 * Test hook (test build only, FARM_TEST_HOOKS): FARM_DELIVER_CRASH=after-send
 * makes the process _exit(75) after a batch was sent and before any result
 * is recorded. */
int64_t deliver_run(struct ctx *c, int budget_s, struct deliver_stats *st);

/* The next attempt time after a failure that made it attempt number
 * attempts (1-based): now + the schedule's delay scaled by 0.9 + 0.2 * u
 * (u in [0, 1)), and at least now + retry_after when retry_after >= 0.
 * -1 when attempts reached DELIVER_MAX_ATTEMPTS (no retry left). */
int64_t deliver_next_attempt(int64_t now, int64_t attempts,
                             int64_t retry_after, double u);

#endif
