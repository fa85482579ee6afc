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
};

struct row {
    int64_t id, user_id, printer_id, attempts, created_at, expires_at;
    const char *event, *channel, *target, *payload, *delivery_id;
    int64_t lease;
    enum outcome outcome;
    long code;
    int64_t retry_after;
    const char *error;
    /* a webhook's request, when one is sent */
    struct webhook_req *req;
};

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

/* ---- claiming ------------------------------------------------------ */

static int
read_rows(struct ctx *c, struct row *rows, int max)
{
    struct db_stmt *st;
    int n = 0, rc;

    /* several dispatchers or deliverers on PostgreSQL claim different
     * rows: each skips the rows another is claiming */
    st = db_query(c->db,
                  arena_printf(c->arena,
                               "SELECT id, user_id, printer_id, event, "
                               "channel, target, payload, attempts, "
                               "delivery_id, created_at, expires_at "
                               "FROM outbox WHERE status = 'pending' AND "
                               "delivered_at IS NULL AND next_attempt_at <= ? "
                               "AND (claimed_until IS NULL OR "
                               "claimed_until <= ?) "
                               "ORDER BY next_attempt_at, id LIMIT ?%s",
                               db_for_update(c->db, 1)),
                  "iii", c->now, c->now, (int64_t)max);
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
        if (r->expires_at == DB_NULL)
            r->expires_at = r->created_at + DELIVER_TTL_S;
    }
    return rc == DB_DONE ? n : -1;
}

/* Claims up to max due rows; rows past their time are expired on the way.
 * The number claimed (compacted to the front of rows), or -1. */
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
                         "'expired before it could be sent') WHERE id = ?",
                         "ii", r->expires_at, r->id);
            st->expired++;
        } else {
            if (r->delivery_id == NULL)
                r->delivery_id = new_delivery_id(c->arena);
            r->lease = c->now + DELIVER_LEASE_S;
            rc = db_exec(c->db,
                         "UPDATE outbox SET claimed_until = ?, "
                         "delivery_id = ?, expires_at = ? WHERE id = ?",
                         "itii", r->lease, r->delivery_id, r->expires_at,
                         r->id);
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

static void
send_webhooks(struct ctx *c, struct row *rows, int n)
{
    struct webhook_req *reqs;
    int k = 0;

    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].channel, "webhook") == 0) {
            prepare_webhook(c, &rows[i]);
            k += rows[i].req != NULL;
        }
    if (k == 0)
        return;
    /* webhook_post_all wants them side by side. */
    reqs = arena_alloc(c->arena, sizeof(*reqs) * (size_t)k);
    k = 0;
    for (int i = 0; i < n; i++)
        if (rows[i].req != NULL)
            reqs[k++] = *rows[i].req;
    webhook_post_all(reqs, (size_t)k, WEBHOOK_TIMEOUT_S);
    k = 0;
    for (int i = 0; i < n; i++) {
        struct row *r = &rows[i];
        struct webhook_req *q;

        if (r->req == NULL)
            continue;
        q = &reqs[k++];
        r->code = q->status;
        r->retry_after = q->retry_after;
        if (q->status >= 200 && q->status < 300)
            r->outcome = OUT_OK;
        else if (q->status == 410)
            r->outcome = OUT_GONE;
        else
            r->outcome = OUT_RETRY;
        r->error = q->status >= 200 && q->status < 300
                       ? NULL
                       : arena_strdup(c->arena, q->error);
    }
}

static void
send_email(struct ctx *c, const struct mail_conf *m, struct row *r)
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
    if (mail_send(m, r->target, msg, MAIL_TIMEOUT_S, &r->code, err,
                  sizeof(err)) == 0) {
        r->outcome = OUT_OK;
        return;
    }
    r->outcome = OUT_RETRY;
    r->error = arena_strdup(c->arena, err);
}

/* ---- recording ----------------------------------------------------- */

static int
record(struct ctx *c, struct row *r, struct deliver_stats *st)
{
    int64_t code = r->code > 0 ? (int64_t)r->code : DB_NULL;
    int64_t next, attempts = r->attempts + 1;
    int rc, expired;

    switch (r->outcome) {
    case OUT_OK:
        rc = db_exec(c->db,
                     "UPDATE outbox SET status = 'delivered', "
                     "delivered_at = ?, attempts = ?, last_code = ?, "
                     "last_error = NULL, claimed_until = NULL "
                     "WHERE id = ? AND status = 'pending'",
                     "iiii", c->now, attempts, code, r->id);
        st->delivered++;
        return rc == DB_DONE ? 0 : -1;
    case OUT_GONE:
        if (db_begin(c->db) < 0)
            return -1;
        c->user_id = r->user_id;
        rc = db_exec(c->db,
                     "UPDATE outbox SET status = 'failed', attempts = ?, "
                     "last_code = ?, last_error = ?, claimed_until = NULL "
                     "WHERE id = ? AND status = 'pending'",
                     "iiti", attempts, code,
                     "410 Gone: the receiver asked us to stop; the webhook "
                     "is disabled",
                     r->id);
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
        rc = db_exec(c->db,
                     "UPDATE outbox SET status = 'failed', last_code = ?, "
                     "last_error = ?, claimed_until = NULL "
                     "WHERE id = ? AND status = 'pending'",
                     "iti", code, r->error, r->id);
        st->failed++;
        return rc == DB_DONE ? 0 : -1;
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
    rc = db_exec(c->db,
                 "UPDATE outbox SET attempts = ?, last_code = ?, "
                 "last_error = ?, next_attempt_at = ?, claimed_until = NULL, "
                 "status = ? WHERE id = ? AND status = 'pending' AND "
                 "claimed_until = ?",
                 "iititii", attempts, code,
                 r->error ? r->error : "failed", expired ? c->now : next,
                 expired ? "expired" : "pending", r->id, r->lease);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- the run ------------------------------------------------------- */

/* Tests kill the deliverer between sending and recording to show a crash
 * sends again rather than loses; a release build has no such point. */
static void
crash_after_send(void)
{
#ifdef FARM_TEST_HOOKS
    const char *v = getenv("FARM_DELIVER_CRASH");

    if (v != NULL && strcmp(v, "after-send") == 0) {
        fprintf(stderr, "deliver: FARM_DELIVER_CRASH=after-send\n");
        _exit(75);
    }
#endif
}

/* One batch on b (its own arena). Rows claimed, or -1. */
static int
batch(struct ctx *b, const struct mail_conf *m, struct deliver_stats *st)
{
    struct row *rows = arena_alloc(b->arena, sizeof(*rows) * DELIVER_BATCH);
    int n = claim(b, rows, DELIVER_BATCH, st);

    if (n <= 0)
        return n;
    st->claimed += n;
    send_webhooks(b, rows, n);
    for (int i = 0; i < n; i++)
        if (strcmp(rows[i].channel, "email") == 0)
            send_email(b, m, &rows[i]);
        else if (rows[i].outcome == OUT_NONE) {
            rows[i].outcome = OUT_FAIL;
            rows[i].error = "unknown channel";
        }
    crash_after_send();
    /* Sending may have taken a while: schedule retries from now. */
    b->now = clock_now();
    for (int i = 0; i < n; i++)
        if (record(b, &rows[i], st) < 0)
            return -1;
    return n;
}

int64_t
deliver_run(struct ctx *c, int budget_s, struct deliver_stats *out)
{
    struct deliver_stats st = {0};
    int64_t start = clock_mono_ms();
    int ran = 0, rc = 0;

    while (!ran || clock_mono_ms() - start < (int64_t)budget_s * 1000) {
        struct ctx b = *c;

        b.arena = arena_new();
        b.now = clock_now();
        b.user_id = 0;
        err_clear(&b.err);
        rc = batch(&b, &c->conf->mail, &st);
        if (rc < 0 && !err_is_set(&b.err))
            err_internal(&b.err, "deliver: database error");
        if (rc < 0)
            c->err = b.err;
        arena_free(b.arena);
        ran = 1;
        if (rc <= 0)
            break;
    }
    if (out != NULL) {
        out->claimed += st.claimed;
        out->delivered += st.delivered;
        out->retried += st.retried;
        out->failed += st.failed;
        out->expired += st.expired;
    }
    return rc < 0 ? -1 : st.delivered;
}
