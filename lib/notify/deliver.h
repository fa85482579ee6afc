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
 * - claimed_until is the lease and its token: a claim sets it to the claim
 *   time + DELIVER_LEASE_S (always later than any lease it replaces, which
 *   must have run out), and every later update of the row says
 *   "AND claimed_until = <ours>", so a deliverer that was stuck past its
 *   lease cannot write over the result of the one that took the row.
 * - Delivery never waits on a receiver for long: every request has a
 *   timeout (webhook_send.h, mail.h), a pass has a deadline, and the
 *   dispatcher runs delivery in a process of its own (farm-dispatch
 *   --watch), so nothing here can hold up a printer.
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

/* A batch's hold on its rows (claimed_until = claim time + this). Longer
 * than the longest batch: no request starts after DELIVER_SEND_S, the
 * last runs to its timeout (at most MAIL_TIMEOUT_S), and the results are
 * recorded after (deliver.c asserts it at compile time). */
#define DELIVER_LEASE_S 120
#define DELIVER_SEND_S 20
#define DELIVER_TTL_S (3 * 86400)
#define DELIVER_MAX_ATTEMPTS 10
#define DELIVER_BATCH 100

struct deliver_stats {
    int64_t claimed;   /* rows claimed (expired ones not counted) */
    int64_t delivered; /* 2xx / 250 */
    int64_t retried;   /* failed, next attempt scheduled */
    int64_t failed;    /* 410, disabled webhook, deleted printer */
    int64_t expired;   /* out of attempts or time */
    int64_t released;  /* not attempted before the deadline or a stop:
                          given back as they were */
    int64_t deferred;  /* not attempted: their target failed to answer
                          earlier in the pass; moved to its next attempt */
    int64_t lost;      /* results not recorded: the lease had run out (the
                          row is another deliverer's now); also counted
                          above */
    int64_t cut;       /* passes ended by the deadline or a stop while
                          rows were still coming: more may be due */
};

/* Delivers due rows (status pending, next_attempt_at <= now, lease free)
 * of every user until none is due, budget_s seconds have passed (at least
 * 1) or stop (when not NULL) becomes non-zero: the pass.
 *
 * Each batch claims up to DELIVER_BATCH rows round-robin across users
 * (every user's oldest due row, then every user's second, ...; so one
 * user's backlog never holds back another's rows), in one short write
 * transaction (FOR UPDATE SKIP LOCKED on PostgreSQL): every deliverer
 * claims through here. It sends them in that order (webhooks in parallel,
 * then email one at a time), starting none after DELIVER_SEND_S from its
 * claim or after the pass's deadline: rows not attempted by then are
 * released (claimed_until cleared) for the next pass, not held. A target
 * that does not answer at all (a webhook URL, or the SMTP server for all
 * email) is not tried again in the pass: its other rows are deferred to
 * the failed row's next attempt. Each result is recorded only while the
 * row's lease is still the batch's (see deliver_stats.lost).
 *
 * c supplies the database and the configuration, and its arena holds what
 * the pass keeps between batches; each batch uses its own arena and reads
 * the clock again. Adds to *st when st is not NULL. The number of rows
 * delivered, or -1 with c->err set when the database failed (rows already
 * recorded stay recorded).
 *
 * The pass ends by its deadline + the longest request's timeout (a
 * request started just before the deadline runs to its end); a stop cuts
 * requests under way short within a second and gives their rows back.
 *
 * Test hooks (test build only, FARM_TEST_HOOKS): FARM_DELIVER_CRASH=after-
 * send makes the process _exit(75) after a batch was sent and before any
 * result is recorded; deliver_test_after_send, when set, is called at the
 * same point with the batch's row ids in the order they were sent. */
int64_t deliver_run(struct ctx *c, int budget_s, volatile int *stop,
                    struct deliver_stats *st);

#ifdef FARM_TEST_HOOKS
extern void (*deliver_test_after_send)(struct ctx *c, const int64_t *ids,
                                       int n);
#endif

/* The next attempt time after a failure that made it attempt number
 * attempts (1-based): now + the schedule's delay scaled by 0.9 + 0.2 * u
 * (u in [0, 1)), and at least now + retry_after when retry_after >= 0.
 * -1 when attempts reached DELIVER_MAX_ATTEMPTS (no retry left). */
int64_t deliver_next_attempt(int64_t now, int64_t attempts,
                             int64_t retry_after, double u);

#endif
