#include "notify/deliver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "store/db.h"
#include "base/log.h"
#include "notify/mail.h"
#include "domain/event.h"
#include "domain/notifypref.h"
#include "base/webhook_sign.h"
#include "notify/webhook_send.h"
#include "notify/webhook_text.h"

#include "base/banned.h"

/* The longest one request may take: its timeout. */
#define REQUEST_MAX_S                                                          \
    (WEBHOOK_TIMEOUT_S > MAIL_TIMEOUT_S ? WEBHOOK_TIMEOUT_S : MAIL_TIMEOUT_S)
/* What a batch's lease keeps for recording its results. */
#define RECORD_S 30

/* A batch holds its rows from its claim until its last result is
 * recorded: no request starts after DELIVER_SEND_S, the last one runs to
 * its timeout, then the results are written. The lease must outlast all
 * of it, or another deliverer could claim a row still being sent. (The
 * result updates check the lease anyway: one that ran out is lost, not
 * written over another's.) */
_Static_assert(DELIVER_LEASE_S >= DELIVER_SEND_S + REQUEST_MAX_S + RECORD_S,
               "DELIVER_LEASE_S must outlast the longest batch");

/* Delay after failed attempt n (index n - 1). */
static const int64_t schedule[DELIVER_MAX_ATTEMPTS - 1] = {
    5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400,
};

enum outcome {
    OUT_NONE,    /* not sent yet */
    OUT_OK,      /* delivered */
    OUT_RETRY,   /* failed, try again */
    OUT_GONE,    /* 410: disable the webhook */
    OUT_FAIL,    /* never deliverable */
    OUT_RELEASE, /* not attempted (deadline, stop): back as it was */
    OUT_DEFER,   /* its target failed this pass: not before its next try */
};

/* A target (a webhook URL, or the SMTP server for every email) that did
 * not answer in this pass: its other rows wait until the failed row's
 * next attempt rather than cost a timeout each. */
struct dead {
    struct dead *next;
    const char *key;
    int64_t until; /* the failed row's next attempt; DB_NULL until known */
};

/* One run of deliver_run. */
struct pass {
    int64_t deadline_ms; /* clock_mono_ms(): no claim, no send after it */
    volatile int *stop;
    struct arena *arena; /* lives as long as the pass */
    struct dead *dead;
};

struct row {
    int64_t id, user_id, printer_id, attempts, created_at, expires_at;
    int64_t next_at, turn;
    const char *event, *channel, *target, *payload, *delivery_id;
    int64_t lease;
    enum outcome outcome;
    long code;
    int64_t retry_after;
    const char *error;
    /* a webhook's request, when one is sent */
    struct webhook_req *req;
    struct dead *dead; /* its target, when it failed this pass */
};

#ifdef FARM_TEST_HOOKS
void (*deliver_test_after_send)(struct ctx *c, const int64_t *ids, int n);
#endif

int64_t
deliver_next_attempt(int64_t now, int64_t attempts, int64_t retry_after,
                     double u)
{
    int64_t delay, floor_;

    if (attempts >= DELIVER_MAX_ATTEMPTS)
        return -1;
    if (attempts < 1)
        attempts = 1;
    if (u < 0 || u >= 1)
        u = 0.5;
    delay = (int64_t)((double)schedule[attempts - 1] * (0.9 + 0.2 * u));
    if (delay < 1)
        delay = 1;
    if (retry_after >= 0) {
        floor_ = retry_after > DELIVER_TTL_S ? DELIVER_TTL_S : retry_after;
        if (delay < floor_)
            delay = floor_;
    }
    return now + delay;
}

static double
random_unit(void)
{
    uint32_t r = 0;

    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint32_t)rand();
    return (double)r / 4294967296.0;
}

/* "msg_" + 32 hex characters. Arena. */
static char *
new_delivery_id(struct arena *a)
{
    unsigned char raw[16];
    char *s = arena_alloc(a, 4 + 2 * sizeof(raw) + 1);
    static const char hex[] = "0123456789abcdef";
    size_t got = 0;

    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

        if (n < 0)
            abort();
        got += (size_t)n;
    }
    memcpy(s, "msg_", 4);
    for (size_t i = 0; i < sizeof(raw); i++) {
        s[4 + 2 * i] = hex[raw[i] >> 4];
        s[5 + 2 * i] = hex[raw[i] & 15];
    }
    s[4 + 2 * sizeof(raw)] = '\0';
    return s;
}

/* ---- targets that failed this pass ---------------------------------- */

/* The key of a row's target: every email goes through the one SMTP
 * server; a webhook is its URL. Pass arena. */
static const char *
target_key(struct pass *p, const struct row *r)
{
    if (strcmp(r->channel, "email") == 0)
        return "email";
    return arena_printf(p->arena, "webhook %s",
                        r->req != NULL ? r->req->url : r->target);
}

/* The target's entry when it failed in this pass and its wait is not
 * over, else NULL. */
static struct dead *
dead_find(struct pass *p, const char *key, int64_t now)
{
    for (struct dead *d = p->dead; d != NULL; d = d->next)
        if (strcmp(d->key, key) == 0)
            return d->until == DB_NULL || d->until > now ? d : NULL;
    return NULL;
}

static struct dead *
dead_add(struct pass *p, const char *key)
{
    struct dead *d;

    for (d = p->dead; d != NULL; d = d->next)
        if (strcmp(d->key, key) == 0) {
            d->until = DB_NULL; /* failed again: its new wait comes */
            return d;
        }
    d = arena_alloc(p->arena, sizeof(*d));
    d->key = arena_strdup(p->arena, key);
    d->until = DB_NULL;
    d->next = p->dead;
    p->dead = d;
    return d;
}

/* ---- claiming ------------------------------------------------------ */

/* Each user's turn first, then the oldest due: user A's 500 due rows
 * and user B's one share the first batch. */
static int
by_turn(const void *a, const void *b)
{
    const struct row *x = a, *y = b;

    if (x->turn != y->turn)
        return x->turn < y->turn ? -1 : 1;
    if (x->next_at != y->next_at)
        return x->next_at < y->next_at ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int
read_rows(struct ctx *c, struct row *rows, int max)
{
    struct db_stmt *st;
    int n = 0, rc;

    /* Round robin across users: the ranked subquery numbers each user's
     * due rows by age (its turn) and keeps the max with the lowest turns;
     * the outer SELECT locks those (PostgreSQL allows no FOR UPDATE beside
     * a window function), skipping rows another deliverer is claiming,
     * and sees each row again as it is once locked. */
    st = db_query(
        c->db,
        arena_printf(c->arena,
                     "SELECT id, user_id, printer_id, event, channel, target, "
                     "payload, attempts, delivery_id, created_at, "
                     "expires_at, next_attempt_at FROM outbox "
                     "WHERE id IN (SELECT id FROM (SELECT id, "
                     "next_attempt_at, ROW_NUMBER() OVER (PARTITION BY "
                     "user_id ORDER BY next_attempt_at, id) AS turn "
                     "FROM outbox WHERE status = 'pending' AND "
                     "delivered_at IS NULL AND next_attempt_at <= ? AND "
                     "(claimed_until IS NULL OR claimed_until <= ?)) "
                     "AS ranked ORDER BY turn, next_attempt_at, id LIMIT ?) "
                     "AND status = 'pending' AND next_attempt_at <= ? AND "
                     "(claimed_until IS NULL OR claimed_until <= ?) "
                     "ORDER BY user_id, next_attempt_at, id%s",
                     db_for_update(c->db, 1)),
        "iiiii", c->now, c->now, (int64_t)max, c->now, c->now);
    if (st == NULL)
        return -1;
    while ((rc = db_step(st)) == DB_ROW) {
        struct row *r = &rows[n++];

        memset(r, 0, sizeof(*r));
        r->id = db_int(st, 0);
        r->user_id = db_int(st, 1);
        r->printer_id = db_int(st, 2);
        r->event = arena_strdup(c->arena, db_text(st, 3));
        r->channel = arena_strdup(c->arena, db_text(st, 4));
        r->target = arena_strdup(c->arena, db_text(st, 5));
        r->payload = arena_strdup(c->arena, db_text(st, 6));
        r->attempts = db_int(st, 7);
        r->delivery_id = arena_strdup(c->arena, db_text(st, 8));
        r->created_at = db_int(st, 9);
        r->expires_at = db_int(st, 10);
        r->next_at = db_int(st, 11);
        if (r->expires_at == DB_NULL)
            r->expires_at = r->created_at + DELIVER_TTL_S;
        r->turn = n > 1 && rows[n - 2].user_id == r->user_id
                      ? rows[n - 2].turn + 1
                      : 1;
    }
    if (rc != DB_DONE)
        return -1;
    qsort(rows, (size_t)n, sizeof(*rows), by_turn);
    return n;
}

/* Claims up to max due rows, fairly (read_rows), each with the lease
 * c->now + DELIVER_LEASE_S; rows past their time are expired on the way.
 * The number claimed (compacted to the front of rows, in turn order), or
 * -1. */
static int
claim(struct ctx *c, struct row *rows, int max, struct deliver_stats *st)
{
    int n, kept = 0;

    if (db_begin(c->db) < 0)
        return -1;
    n = read_rows(c, rows, max);
    for (int i = 0; i < n; i++) {
        struct row *r = &rows[i];
        int rc;

        if (c->now >= r->expires_at || r->attempts >= DELIVER_MAX_ATTEMPTS) {
            rc = db_exec(c->db,
                         "UPDATE outbox SET status = 'expired', "
                         "expires_at = ?, claimed_until = NULL, "
                         "last_error = COALESCE(last_error, "
                         "'expired before it could be sent') "
                         "WHERE id = ? AND status = 'pending'",
                         "ii", r->expires_at, r->id);
            st->expired++;
        } else {
            if (r->delivery_id == NULL)
                r->delivery_id = new_delivery_id(c->arena);
            r->lease = c->now + DELIVER_LEASE_S;
            rc = db_exec(c->db,
                         "UPDATE outbox SET claimed_until = ?, "
                         "delivery_id = ?, expires_at = ? WHERE id = ? AND "
                         "status = 'pending' AND (claimed_until IS NULL OR "
                         "claimed_until <= ?)",
                         "itiii", r->lease, r->delivery_id, r->expires_at,
                         r->id, c->now);
            /* the row is locked (or the database is ours): always 1 */
            if (rc == DB_DONE && db_changes(c->db) == 1)
                rows[kept++] = *r;
        }
        if (rc != DB_DONE) {
            n = -1;
            break;
        }
    }
    if (n < 0 || db_commit(c->db) < 0) {
        db_rollback(c->db);
        return -1;
    }
    return kept;
}

/* ---- sending ------------------------------------------------------- */

/* Fills r->req for a webhook row, or sets a final outcome. */
static void
prepare_webhook(struct ctx *c, struct row *r)
{
    unsigned char key[NOTIFYPREF_KEY_MAX];
    struct notifypref n;
    struct webhook_req *q;
    size_t keylen = 0;
    char *body, *sig;
    int have;

    c->user_id = r->user_id;
    err_clear(&c->err);
    /* the URL is stored sealed for its row */
    if ((r->target = event_target(c, r->id, r->channel, r->target)) == NULL) {
        r->outcome = OUT_FAIL;
        r->error = "the webhook URL cannot be opened (sealed for another "
                   "row, or with another key)";
        return;
    }
    if (notifypref_get(c, r->printer_id, &n) < 0) {
        r->outcome = c->err.kind == ERR_NOT_FOUND ? OUT_FAIL : OUT_RETRY;
        r->error = c->err.kind == ERR_NOT_FOUND
                       ? "the printer no longer exists"
                       : "could not read the notification preferences";
        return;
    }
    if (n.webhook_disabled_at != DB_NULL && n.webhook_url != NULL &&
        strcmp(n.webhook_url, r->target) == 0) {
        r->outcome = OUT_FAIL;
        r->error = arena_printf(c->arena, "webhook disabled: %s",
                                n.webhook_disabled_reason
                                    ? n.webhook_disabled_reason
                                    : "by the receiver");
        return;
    }
    have = notifypref_webhook_key(c, r->printer_id, key, &keylen);
    if (have < 0) {
        r->outcome = OUT_RETRY;
        r->error = "could not read the webhook secret";
        return;
    }
    body = webhook_body(c->arena,
                        (enum webhook_format)webhook_format_parse(
                            notifypref_format(&n, r->target)),
                        r->payload);
    if (body == NULL) {
        r->outcome = OUT_FAIL;
        r->error = "the stored payload is not valid";
        memset(key, 0, sizeof(key));
        return;
    }
    q = arena_alloc(c->arena, sizeof(*q));
    memset(q, 0, sizeof(*q));
    q->url = r->target;
    q->id = r->delivery_id;
    q->timestamp = clock_now();
    q->body = body;
    if (have > 0) {
        sig = arena_alloc(c->arena, WEBHOOK_SIG_LEN);
        webhook_sign(key, keylen, q->id, q->timestamp, body, strlen(body),
                     sig);
        q->signature = sig;
    }
    memset(key, 0, sizeof(key));
    r->req = q;
}

/* Sends the batch's webhooks in parallel, in turn order; none starts at
 * or after send_by (clock_mono_ms), and none to a target that failed
 * earlier in this pass. */
static void
send_webhooks(struct ctx *c, struct pass *p, struct row *rows, int n,
              int64_t send_by)
{
    struct webhook_req *reqs;
    int k = 0;

    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].channel, "webhook") == 0) {
            struct row *r = &rows[i];

            prepare_webhook(c, r);
            if (r->req != NULL && (r->dead = dead_find(p, target_key(p, r),
                                                       clock_now())) != NULL) {
                r->outcome = OUT_DEFER;
                r->req = NULL;
            }
            k += r->req != NULL;
        }
    if (k == 0)
        return;
    /* webhook_post_all wants them side by side. */
    reqs = arena_alloc(c->arena, sizeof(*reqs) * (size_t)k);
    k = 0;
    for (int i = 0; i < n; i++)
        if (rows[i].req != NULL)
            reqs[k++] = *rows[i].req;
    webhook_post_all(reqs, (size_t)k, WEBHOOK_TIMEOUT_S, send_by, p->stop);
    k = 0;
    for (int i = 0; i < n; i++) {
        struct row *r = &rows[i];
        struct webhook_req *q;

        if (r->req == NULL)
            continue;
        q = &reqs[k++];
        r->req->abandoned = q->abandoned;
        r->code = q->status;
        r->retry_after = q->retry_after;
        if (q->abandoned)
            r->outcome = OUT_RELEASE;
        else if (q->status >= 200 && q->status < 300)
            r->outcome = OUT_OK;
        else if (q->status == 410)
            r->outcome = OUT_GONE;
        else
            r->outcome = OUT_RETRY;
        r->error = q->status >= 200 && q->status < 300
                       ? NULL
                       : arena_strdup(c->arena, q->error);
        /* no answer at all (timeout, connect failed, ...): the URL's
         * other rows wait for this one's next attempt */
        if (r->outcome == OUT_RETRY && q->status == 0)
            r->dead = dead_add(p, target_key(p, r));
    }
    /* rows not started while their URL failed wait with it */
    for (int i = 0; i < n; i++) {
        struct row *r = &rows[i];

        if (r->outcome == OUT_RELEASE && r->req != NULL && r->dead == NULL &&
            (r->dead = dead_find(p, target_key(p, r), clock_now())) != NULL)
            r->outcome = OUT_DEFER;
    }
}

static void
send_email(struct ctx *c, const struct mail_conf *m, struct row *r,
           volatile int *stop)
{
    struct webhook_event ev;
    char err[256];
    const char *msg, *text;

    if (webhook_event_parse(c->arena, r->payload, &ev) < 0) {
        r->outcome = OUT_FAIL;
        r->error = "the stored payload is not valid";
        return;
    }
    text = arena_printf(c->arena,
                        "%s\n-- \nSent by bambufarm for the notification "
                        "settings of this printer.\nDelivery %s\n",
                        webhook_event_text(c->arena, &ev), r->delivery_id);
    msg = mail_compose(c->arena, m->from, r->target,
                       webhook_event_subject(c->arena, &ev), text,
                       clock_now(), r->delivery_id);
    if (mail_send(m, r->target, msg, MAIL_TIMEOUT_S, stop, &r->code, err,
                  sizeof(err)) == 0) {
        r->outcome = OUT_OK;
        return;
    }
    r->outcome = stop != NULL && *stop ? OUT_RELEASE : OUT_RETRY;
    r->error = arena_strdup(c->arena, err);
}

/* 1 when a failed send says the SMTP server itself did not answer, so
 * every other email would fail the same way (mail.h's coarse reasons). */
static int
smtp_down(const struct row *r)
{
    return r->outcome == OUT_RETRY && r->code == 0 && r->error != NULL &&
           (strcmp(r->error, "timeout") == 0 ||
            strcmp(r->error, "connect failed") == 0 ||
            strcmp(r->error, "TLS failed") == 0);
}

/* The batch's emails, one at a time in turn order, until send_by. */
static void
send_emails(struct ctx *c, struct pass *p, const struct mail_conf *m,
            struct row *rows, int n, int64_t send_by)
{
    for (int i = 0; i < n; i++) {
        struct row *r = &rows[i];

        if (strcmp(r->channel, "email") != 0 || r->outcome != OUT_NONE)
            continue;
        if ((r->dead = dead_find(p, "email", clock_now())) != NULL)
            r->outcome = OUT_DEFER;
        else if ((p->stop != NULL && *p->stop) || clock_mono_ms() >= send_by)
            r->outcome = OUT_RELEASE;
        else {
            send_email(c, m, r, p->stop);
            if (smtp_down(r))
                r->dead = dead_add(p, "email");
        }
    }
}

/* ---- recording ----------------------------------------------------- */

/* After an update that had to change the row: 0, or -1 on a database
 * error. No row changed means the lease ran out and the row is another
 * deliverer's now (or it was settled): its result is not ours to write. */
static int
checked(struct ctx *c, int rc, const struct row *r, struct deliver_stats *st)
{
    if (rc != DB_DONE)
        return -1;
    if (db_changes(c->db) == 0) {
        st->lost++;
        log_error("deliver: outbox row %lld: the lease ran out before the "
                  "result was recorded; the row is left to whoever holds "
                  "it now",
                  (long long)r->id);
    }
    return 0;
}

/* Records r's outcome. Every update is made only while the row is still
 * ours: status pending and claimed_until still our lease. */
static int
record(struct ctx *c, struct row *r, struct deliver_stats *st)
{
    int64_t code = r->code > 0 ? (int64_t)r->code : DB_NULL;
    int64_t next, attempts = r->attempts + 1;
    int rc, expired;

    switch (r->outcome) {
    case OUT_OK:
        st->delivered++;
        rc = db_exec(c->db,
                     "UPDATE outbox SET status = 'delivered', "
                     "delivered_at = ?, attempts = ?, last_code = ?, "
                     "last_error = NULL, claimed_until = NULL "
                     "WHERE id = ? AND status = 'pending' AND "
                     "claimed_until = ?",
                     "iiiii", c->now, attempts, code, r->id, r->lease);
        return checked(c, rc, r, st);
    case OUT_GONE:
        if (db_begin(c->db) < 0)
            return -1;
        c->user_id = r->user_id;
        rc = db_exec(c->db,
                     "UPDATE outbox SET status = 'failed', attempts = ?, "
                     "last_code = ?, last_error = ?, claimed_until = NULL "
                     "WHERE id = ? AND status = 'pending' AND "
                     "claimed_until = ?",
                     "iitii", attempts, code,
                     "410 Gone: the receiver asked us to stop; the webhook "
                     "is disabled",
                     r->id, r->lease);
        if (rc == DB_DONE && db_changes(c->db) == 0) {
            /* not ours any more: whoever holds it decides */
            db_rollback(c->db);
            st->lost++;
            log_error("deliver: outbox row %lld: the lease ran out before "
                      "the 410 was recorded",
                      (long long)r->id);
            return 0;
        }
        if (rc != DB_DONE ||
            notifypref_webhook_disable(
                c, r->printer_id, r->target,
                arena_printf(c->arena,
                             "the receiver answered 410 Gone to delivery %s",
                             r->delivery_id)) < 0 ||
            db_commit(c->db) < 0) {
            db_rollback(c->db);
            return -1;
        }
        st->failed++;
        return 0;
    case OUT_FAIL:
        st->failed++;
        rc = db_exec(c->db,
                     "UPDATE outbox SET status = 'failed', last_code = ?, "
                     "last_error = ?, claimed_until = NULL "
                     "WHERE id = ? AND status = 'pending' AND "
                     "claimed_until = ?",
                     "itii", code, r->error, r->id, r->lease);
        return checked(c, rc, r, st);
    case OUT_RELEASE:
        st->released++;
        rc = db_exec(c->db,
                     "UPDATE outbox SET claimed_until = NULL "
                     "WHERE id = ? AND status = 'pending' AND "
                     "claimed_until = ?",
                     "ii", r->id, r->lease);
        return checked(c, rc, r, st);
    case OUT_DEFER:
        st->deferred++;
        next = r->dead != NULL && r->dead->until != DB_NULL
                   ? r->dead->until
                   : c->now + schedule[0];
        rc = db_exec(c->db,
                     "UPDATE outbox SET claimed_until = NULL, "
                     "next_attempt_at = ? WHERE id = ? AND "
                     "status = 'pending' AND claimed_until = ?",
                     "iii", next > r->next_at ? next : r->next_at, r->id,
                     r->lease);
        return checked(c, rc, r, st);
    default:
        break;
    }
    next = deliver_next_attempt(c->now, attempts, r->retry_after,
                                random_unit());
    expired = next < 0 || next > r->expires_at;
    if (expired)
        st->expired++;
    else
        st->retried++;
    /* the target's other rows wait as long as this one */
    if (r->dead != NULL && r->dead->until == DB_NULL)
        r->dead->until = expired ? c->now + schedule[0] : next;
    rc = db_exec(c->db,
                 "UPDATE outbox SET attempts = ?, last_code = ?, "
                 "last_error = ?, next_attempt_at = ?, claimed_until = NULL, "
                 "status = ? WHERE id = ? AND status = 'pending' AND "
                 "claimed_until = ?",
                 "iititii", attempts, code,
                 r->error ? r->error : "failed", expired ? c->now : next,
                 expired ? "expired" : "pending", r->id, r->lease);
    return checked(c, rc, r, st);
}

/* ---- the run ------------------------------------------------------- */

/* Tests kill the deliverer between sending and recording to show a crash
 * sends again rather than loses; a release build has no such point. */
static void
crash_after_send(struct ctx *c, const struct row *rows, int n)
{
#ifdef FARM_TEST_HOOKS
    const char *v = getenv("FARM_DELIVER_CRASH");

    if (v != NULL && strcmp(v, "after-send") == 0) {
        fprintf(stderr, "deliver: FARM_DELIVER_CRASH=after-send\n");
        _exit(75);
    }
    if (deliver_test_after_send != NULL) {
        int64_t *ids = arena_alloc(c->arena, sizeof(*ids) * (size_t)n + 1);

        for (int i = 0; i < n; i++)
            ids[i] = rows[i].id;
        deliver_test_after_send(c, ids, n);
    }
#else
    (void)c;
    (void)rows;
    (void)n;
#endif
}

/* One batch on b (its own arena). Rows claimed, or -1. */
static int
batch(struct ctx *b, struct pass *p, const struct mail_conf *m,
      struct deliver_stats *st)
{
    struct row *rows = arena_alloc(b->arena, sizeof(*rows) * DELIVER_BATCH);
    int n = claim(b, rows, DELIVER_BATCH, st);
    int64_t send_by = clock_mono_ms() + (int64_t)DELIVER_SEND_S * 1000;

    if (n <= 0)
        return n;
    if (send_by > p->deadline_ms)
        send_by = p->deadline_ms;
    st->claimed += n;
    send_webhooks(b, p, rows, n, send_by);
    send_emails(b, p, m, rows, n, send_by);
    for (int i = 0; i < n; i++)
        if (rows[i].outcome == OUT_NONE) {
            rows[i].outcome = OUT_FAIL;
            rows[i].error = "unknown channel";
        }
    crash_after_send(b, rows, n);
    /* Sending may have taken a while: schedule retries from now. The
     * deferred rows last: they wait for their target's failed row. */
    b->now = clock_now();
    for (int i = 0; i < n; i++)
        if (rows[i].outcome != OUT_DEFER && record(b, &rows[i], st) < 0)
            return -1;
    for (int i = 0; i < n; i++)
        if (rows[i].outcome == OUT_DEFER && record(b, &rows[i], st) < 0)
            return -1;
    return n;
}

int64_t
deliver_run(struct ctx *c, int budget_s, volatile int *stop,
            struct deliver_stats *out)
{
    struct deliver_stats st = {0};
    struct pass p;
    int ran = 0, rc = 0;

    memset(&p, 0, sizeof(p));
    p.deadline_ms =
        clock_mono_ms() + (int64_t)(budget_s > 0 ? budget_s : 1) * 1000;
    p.stop = stop;
    p.arena = c->arena;
    while (!ran || (clock_mono_ms() < p.deadline_ms && !(stop && *stop))) {
        struct ctx b = *c;

        b.arena = arena_new();
        b.now = clock_now();
        b.user_id = 0;
        err_clear(&b.err);
        rc = batch(&b, &p, &c->conf->mail, &st);
        if (rc < 0 && !err_is_set(&b.err))
            err_internal(&b.err, "deliver: database error");
        if (rc < 0)
            c->err = b.err;
        arena_free(b.arena);
        ran = 1;
        if (rc <= 0)
            break;
    }
    /* ended by the deadline or a stop with rows still coming */
    if (rc > 0)
        st.cut++;
    if (out != NULL) {
        out->claimed += st.claimed;
        out->delivered += st.delivered;
        out->retried += st.retried;
        out->failed += st.failed;
        out->expired += st.expired;
        out->released += st.released;
        out->deferred += st.deferred;
        out->lost += st.lost;
        out->cut += st.cut;
    }
    return rc < 0 ? -1 : st.delivered;
}
