/*
 * test_deliver — the outbox step on a fresh migrated database, with
 * receivers that cannot be reached (the end-to-end tests bring real ones):
 * the retry schedule with jitter and Retry-After, a failed attempt
 * recorded with a stable delivery id and the next time, leases that keep a
 * row from being claimed twice, expiry by time and by attempts, rows of a
 * deleted printer or a disabled webhook failed unsent; and the webhook
 * side of notifypref (whsec_ secrets, keys, disable / re-enable, format).
 * With a small receiver in a thread (it answers 200 after a delay): a
 * result is recorded only while the lease is still the batch's, rows not
 * started by the pass's deadline are given back, a stop gives back the
 * rows under way; and the fair claim: one user's 500 due rows and another
 * user's one share the first batch, and the rows of a URL that did not
 * answer wait for its next attempt instead of being sent.
 */
#include "notify/deliver.h"

#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/clock.h"
#include "store/db.h"
#include "domain/event.h"
#include "fixture.h"
#include "domain/notifypref.h"
#include "domain/printer.h"
#include "base/webhook_sign.h"
#include "notify/webhook_send.h"
#include "notify/webhook_text.h"

#include "base/banned.h"

#define T0 1763932800
#define DEAD_URL "http://127.0.0.1:1/hook"

static void
set_now(int64_t t)
{
    char s[32];

    snprintf(s, sizeof(s), "%lld", (long long)t);
    setenv("FARM_NOW", s, 1);
}

static int64_t
make_printer(struct fixture *f, const char *serial)
{
    int64_t id = fixture_printer_as(f, serial, "P1S-02", "P1S");

    assert_true(id > 0);
    return id;
}

static void
set_webhook(struct fixture *f, int64_t printer, const char *url,
            const char *secret)
{
    struct notifypref n;
    const char *gen;

    assert_int_equal(notifypref_get(&f->c, printer, &n), 0);
    n.webhook_url = url;
    n.webhook_secret = secret;
    n.webhook_reenable = 1;
    assert_int_equal(notifypref_save(&f->c, &n, &gen), 0);
    fixture_next(f);
}

static int64_t
emit(struct fixture *f, int64_t printer, const char *kind)
{
    struct event_printer p = {printer, "P1S-02", "SER", "P1S"};
    int64_t id;

    f->c.now = clock_now();
    id = event_emit(&f->c, kind, &p, NULL, "AMS can't feed filament");
    assert_true(id > 0);
    fixture_next(f);
    return id;
}

static int64_t
row_int(struct fixture *f, const char *col, int64_t event_id)
{
    int64_t v = DB_NULL;
    char *sql = arena_printf(f->c.arena,
                             "SELECT %s FROM outbox WHERE event_id = ?", col);
    int rc = db_get_int(f->c.db, &v, sql, "i", event_id);

    assert_int_equal(rc, DB_ROW);
    return v;
}

static char *
row_text(struct fixture *f, const char *col, int64_t event_id)
{
    struct db_stmt *st;
    char *sql = arena_printf(f->c.arena,
                             "SELECT %s FROM outbox WHERE event_id = ?", col);
    char *out;

    st = db_query(f->c.db, sql, "i", event_id);
    assert_non_null(st);
    assert_int_equal(db_step(st), DB_ROW);
    out = arena_strdup(f->c.arena, db_text(st, 0));
    db_done(st);
    return out;
}

static struct deliver_stats
run(struct fixture *f)
{
    struct deliver_stats st = {0};

    fixture_next(f);
    assert_true(deliver_run(&f->c, 5, NULL, &st) >= 0);
    fixture_next(f);
    return st;
}

static int
setup(void **state)
{
    struct fixture *f = fixture_open();

    if (f == NULL)
        return -1;
    unsetenv("FARM_SMTP_URL");
    set_now(T0);
    if (fixture_user(f, "deliver@example.com") <= 0)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    unsetenv("FARM_NOW");
    fixture_close(*state);
    return 0;
}

static void
test_schedule(void **state)
{
    static const int64_t want[] = {5,     300,   1800,  7200, 18000,
                                   36000, 50400, 72000, 86400};

    (void)state;
    for (int k = 1; k < DELIVER_MAX_ATTEMPTS; k++) {
        int64_t d = want[k - 1];
        int64_t lo = deliver_next_attempt(1000, k, -1, 0.0) - 1000;
        int64_t mid = deliver_next_attempt(1000, k, -1, 0.5) - 1000;
        int64_t hi = deliver_next_attempt(1000, k, -1, 0.999999) - 1000;

        assert_true(lo >= d * 9 / 10 - 1 && lo <= d);
        assert_int_equal(mid, d);
        assert_true(hi >= d && hi <= d * 11 / 10);
    }
    assert_int_equal(deliver_next_attempt(1000, DELIVER_MAX_ATTEMPTS, -1, 0.5),
                     -1);
    /* Retry-After is a floor, never a way to retry sooner */
    assert_int_equal(deliver_next_attempt(1000, 1, 600, 0.5), 1600);
    assert_int_equal(deliver_next_attempt(1000, 3, 10, 0.5), 2800);
    assert_int_equal(deliver_next_attempt(1000, 1, (int64_t)1 << 40, 0.5),
                     1000 + DELIVER_TTL_S);
}

static void
test_failed_attempt_is_rescheduled(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SERDLV00001");
    struct deliver_stats st;
    int64_t ev, next;
    char *id;

    set_webhook(f, p, DEAD_URL, NULL);
    ev = emit(f, p, "print_failed");
    assert_int_equal(row_int(f, "attempts", ev), 0);
    assert_true(row_int(f, "delivery_id IS NULL", ev));

    st = run(f);
    assert_int_equal(st.claimed, 1);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(st.retried, 1);
    assert_int_equal(row_int(f, "attempts", ev), 1);
    assert_string_equal(row_text(f, "status", ev), "pending");
    assert_true(row_int(f, "claimed_until IS NULL", ev));
    assert_true(row_int(f, "delivered_at IS NULL", ev));
    assert_true(row_int(f, "last_code IS NULL", ev));
    assert_non_null(row_text(f, "last_error", ev));
    assert_int_equal(row_int(f, "expires_at", ev), T0 + DELIVER_TTL_S);
    next = row_int(f, "next_attempt_at", ev);
    assert_true(next >= T0 + 4 && next <= T0 + 6);
    id = row_text(f, "delivery_id", ev);
    assert_int_equal(strlen(id), 36);
    assert_memory_equal(id, "msg_", 4);
    assert_int_equal(strspn(id + 4, "0123456789abcdef"), 32);

    /* not due yet: nothing happens */
    st = run(f);
    assert_int_equal(st.claimed, 0);
    assert_int_equal(row_int(f, "attempts", ev), 1);

    /* due: tried again under the same id */
    set_now(T0 + 10);
    st = run(f);
    assert_int_equal(st.claimed, 1);
    assert_int_equal(row_int(f, "attempts", ev), 2);
    assert_string_equal(row_text(f, "delivery_id", ev), id);
    next = row_int(f, "next_attempt_at", ev);
    assert_true(next >= T0 + 10 + 270 && next <= T0 + 10 + 330);
}

static void
test_lease_blocks_a_second_claim(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SERDLV00002");
    struct deliver_stats st;
    int64_t ev;

    set_webhook(f, p, DEAD_URL, NULL);
    ev = emit(f, p, "print_failed");
    /* another deliverer holds it */
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE outbox SET claimed_until = ? "
                             "WHERE event_id = ?",
                             "ii", (int64_t)T0 + 60, ev),
                     DB_DONE);
    st = run(f);
    assert_int_equal(st.claimed, 0);
    assert_int_equal(row_int(f, "attempts", ev), 0);
    /* its lease runs out (it crashed): the row is ours */
    set_now(T0 + 60);
    st = run(f);
    assert_int_equal(st.claimed, 1);
    assert_int_equal(row_int(f, "attempts", ev), 1);
}

static void
test_expiry(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SERDLV00003");
    struct deliver_stats st;
    int64_t old, tired, late;

    set_webhook(f, p, DEAD_URL, NULL);
    old = emit(f, p, "print_failed");
    tired = emit(f, p, "print_completed");
    late = emit(f, p, "print_cancelled");
    /* old: created more than three days ago; tired: out of attempts;
     * late: its next attempt would fall after expires_at */
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE outbox SET created_at = ? "
                             "WHERE event_id = ?",
                             "ii", (int64_t)T0 - DELIVER_TTL_S, old),
                     DB_DONE);
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE outbox SET attempts = ? "
                             "WHERE event_id = ?",
                             "ii", (int64_t)DELIVER_MAX_ATTEMPTS, tired),
                     DB_DONE);
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE outbox SET expires_at = ? "
                             "WHERE event_id = ?",
                             "ii", (int64_t)T0 + 2, late),
                     DB_DONE);
    st = run(f);
    assert_int_equal(st.expired, 3);
    assert_int_equal(st.claimed, 1); /* only late was sent */
    assert_string_equal(row_text(f, "status", old), "expired");
    assert_string_equal(row_text(f, "status", tired), "expired");
    assert_string_equal(row_text(f, "status", late), "expired");
    assert_int_equal(row_int(f, "attempts", old), 0);
    assert_int_equal(row_int(f, "attempts", late), 1);
    /* expired rows are never claimed again */
    set_now(T0 + 10 * 86400);
    st = run(f);
    assert_int_equal(st.claimed + st.expired, 0);
}

static void
test_deleted_printer_and_disabled_webhook(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SERDLV00004");
    int64_t q = make_printer(f, "SERDLV00005");
    struct deliver_stats st;
    struct notifypref n;
    int64_t ev_p, ev_q;

    set_webhook(f, p, DEAD_URL, NULL);
    set_webhook(f, q, DEAD_URL, NULL);
    ev_p = emit(f, p, "print_failed");
    ev_q = emit(f, q, "print_failed");
    assert_int_equal(printer_delete(&f->c, p), 0);
    fixture_next(f);
    assert_int_equal(
        notifypref_webhook_disable(&f->c, q, DEAD_URL, "test said so"), 1);
    fixture_next(f);
    st = run(f);
    assert_int_equal(st.failed, 2);
    assert_int_equal(st.retried, 0);
    assert_string_equal(row_text(f, "status", ev_p), "failed");
    assert_non_null(strstr(row_text(f, "last_error", ev_p), "printer"));
    assert_string_equal(row_text(f, "status", ev_q), "failed");
    assert_non_null(strstr(row_text(f, "last_error", ev_q), "test said so"));
    /* saving the URL again re-enables it */
    assert_int_equal(notifypref_get(&f->c, q, &n), 0);
    assert_true(n.webhook_disabled_at != DB_NULL);
    fixture_next(f);
    set_webhook(f, q, DEAD_URL, NULL);
    assert_int_equal(notifypref_get(&f->c, q, &n), 0);
    assert_true(n.webhook_disabled_at == DB_NULL);
    assert_null(n.webhook_disabled_reason);
}

static void
test_email_without_smtp_is_retried(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SERDLV00006");
    struct deliver_stats st;
    struct notifypref n;
    const char *gen;
    int64_t ev;

    assert_int_equal(notifypref_get(&f->c, p, &n), 0);
    n.email_enabled = 1;
    n.email_address = "owner@example.com";
    assert_int_equal(notifypref_save(&f->c, &n, &gen), 0);
    fixture_next(f);
    ev = emit(f, p, "print_failed");
    assert_string_equal(row_text(f, "channel", ev), "email");
    st = run(f);
    assert_int_equal(st.retried, 1);
    assert_non_null(strstr(row_text(f, "last_error", ev), "not configured"));
}

static void
test_webhook_secrets(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SERDLV00007");
    unsigned char key[NOTIFYPREF_KEY_MAX];
    struct notifypref n;
    const char *gen = NULL;
    unsigned char want[WEBHOOK_KEY_MAX];
    size_t len = 0, wlen = 0;

    /* none yet */
    assert_int_equal(notifypref_webhook_key(&f->c, p, key, &len), 0);
    /* generated: whsec_ + base64 of 32 bytes; the key is the bytes */
    assert_int_equal(notifypref_get(&f->c, p, &n), 0);
    n.webhook_url = "https://hooks.slack.com/services/T/B/X";
    assert_int_equal(notifypref_save(&f->c, &n, &gen), 0);
    assert_non_null(gen);
    assert_int_equal(strlen(gen), WEBHOOK_SECRET_LEN);
    assert_memory_equal(gen, "whsec_", 6);
    assert_int_equal(webhook_secret_key(gen, want, &wlen), 0);
    fixture_next(f);
    assert_int_equal(notifypref_webhook_key(&f->c, p, key, &len), 1);
    assert_int_equal(len, 32);
    assert_memory_equal(key, want, 32);
    /* the format follows the URL until one is chosen */
    assert_int_equal(notifypref_get(&f->c, p, &n), 0);
    assert_null(n.webhook_format);
    assert_string_equal(notifypref_format(&n, NULL), "slack");
    n.webhook_format = "standard";
    assert_int_equal(notifypref_save(&f->c, &n, &gen), 0);
    fixture_next(f);
    assert_int_equal(notifypref_get(&f->c, p, &n), 0);
    assert_string_equal(notifypref_format(&n, NULL), "standard");
    /* a bad format or whsec_ secret is a 422 */
    n.webhook_format = "teams";
    assert_int_equal(notifypref_save(&f->c, &n, &gen), -1);
    assert_int_equal(f->c.err.kind, ERR_VALIDATION);
    fixture_next(f);
    assert_int_equal(notifypref_get(&f->c, p, &n), 0);
    n.webhook_secret = "whsec_AQID";
    assert_int_equal(notifypref_save(&f->c, &n, &gen), -1);
    assert_string_equal(f->c.err.fields[0].name, "webhook_secret");
    fixture_next(f);
    /* a user's raw secret is its bytes */
    assert_int_equal(notifypref_get(&f->c, p, &n), 0);
    n.webhook_secret = "my-own-signing-secret";
    assert_int_equal(notifypref_save(&f->c, &n, &gen), 0);
    fixture_next(f);
    assert_int_equal(notifypref_webhook_key(&f->c, p, key, &len), 1);
    assert_int_equal(len, strlen("my-own-signing-secret"));
    assert_memory_equal(key, "my-own-signing-secret", len);
    /* disabling needs the URL still to be the one that answered 410 */
    assert_int_equal(notifypref_webhook_disable(&f->c, p, "https://old/x",
                                                "gone"),
                     0);
    assert_int_equal(
        notifypref_webhook_disable(
            &f->c, p, "https://hooks.slack.com/services/T/B/X", "gone"),
        1);
    assert_int_equal(
        notifypref_webhook_disable(
            &f->c, p, "https://hooks.slack.com/services/T/B/X", "again"),
        0);
    /* another user's printer is not found */
    fixture_user(f, "other-deliver@example.com");
    assert_int_equal(notifypref_webhook_key(&f->c, p, key, &len), -1);
    assert_int_equal(f->c.err.kind, ERR_NOT_FOUND);
}

/* ---- a receiver that answers 200 after delay_ms ------------------- */

struct receiver {
    int fd, port;
    int delay_ms;
    pthread_t thread;
};

struct conn {
    int fd, delay_ms;
};

static void *
serve_one(void *arg)
{
    struct conn *k = arg;
    char buf[4096];
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                             "Connection: close\r\n\r\n";

    if (recv(k->fd, buf, sizeof(buf), 0) > 0) {
        usleep((useconds_t)k->delay_ms * 1000);
        if (send(k->fd, ok, sizeof(ok) - 1, MSG_NOSIGNAL) < 0)
            perror("receiver send");
    }
    close(k->fd);
    free(k);
    return NULL;
}

static void *
accept_loop(void *arg)
{
    struct receiver *r = arg;

    for (;;) {
        int fd = accept(r->fd, NULL, NULL);
        struct conn *k;
        pthread_t t;

        if (fd < 0)
            return NULL;
        k = malloc(sizeof(*k));
        k->fd = fd;
        k->delay_ms = r->delay_ms;
        if (pthread_create(&t, NULL, serve_one, k) == 0)
            pthread_detach(t);
    }
}

static void
receiver_start(struct receiver *r, int delay_ms)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->delay_ms = delay_ms;
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->fd >= 0);
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(r->fd, 64), 0);
    assert_int_equal(getsockname(r->fd, (struct sockaddr *)&a, &len), 0);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, accept_loop, r), 0);
}

static void
receiver_stop(struct receiver *r)
{
    shutdown(r->fd, SHUT_RDWR);
    close(r->fd);
    pthread_join(r->thread, NULL);
}

static char *
receiver_url(struct fixture *f, const struct receiver *r)
{
    return arena_printf(f->c.arena, "http://127.0.0.1:%d/hook", r->port);
}

/* What the after-send hook saw and does. */
static struct {
    int calls;
    int64_t first[DELIVER_BATCH];
    int nfirst;
    int steal; /* move every lease on, as a deliverer that took over */
} hook;

static void
after_send(struct ctx *c, const int64_t *ids, int n)
{
    if (hook.calls++ == 0) {
        memcpy(hook.first, ids, sizeof(*ids) * (size_t)n);
        hook.nfirst = n;
    }
    for (int i = 0; hook.steal && i < n; i++)
        assert_int_equal(db_exec(c->db,
                                 "UPDATE outbox SET claimed_until = "
                                 "claimed_until + 1000 WHERE id = ?",
                                 "i", ids[i]),
                         DB_DONE);
}

static void
hook_on(int steal)
{
    memset(&hook, 0, sizeof(hook));
    hook.steal = steal;
    deliver_test_after_send = after_send;
}

static int
hook_teardown(void **state)
{
    deliver_test_after_send = NULL;
    return teardown(state);
}

static int64_t
count_rows(struct fixture *f, const char *where)
{
    int64_t n = -1;

    assert_int_equal(db_get_int(f->c.db, &n,
                                arena_printf(f->c.arena,
                                             "SELECT COUNT(*) FROM outbox "
                                             "WHERE %s",
                                             where),
                                "", 0),
                     DB_ROW);
    return n;
}

/* A deliverer whose lease ran out while it sent (another took the rows
 * over: their claimed_until moved on) records nothing: neither a success
 * nor a failure overwrites the new holder's row. */
static void
test_result_needs_the_lease(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SERDLV00010");
    struct receiver rcv;
    struct deliver_stats st;
    int64_t ok, bad, lease;

    receiver_start(&rcv, 0);
    set_webhook(f, p, receiver_url(f, &rcv), NULL);
    ok = emit(f, p, "print_failed");
    set_webhook(f, p, DEAD_URL, NULL);
    bad = emit(f, p, "print_completed");
    hook_on(1);
    st = run(f);
    assert_int_equal(hook.calls, 1);
    assert_int_equal(st.claimed, 2);
    assert_int_equal(st.lost, 2);
    lease = T0 + DELIVER_LEASE_S + 1000;
    /* the receiver got it, but the row stays the new holder's */
    assert_string_equal(row_text(f, "status", ok), "pending");
    assert_true(row_int(f, "delivered_at IS NULL", ok));
    assert_int_equal(row_int(f, "attempts", ok), 0);
    assert_int_equal(row_int(f, "claimed_until", ok), lease);
    /* nor is a failure written over it */
    assert_int_equal(row_int(f, "attempts", bad), 0);
    assert_true(row_int(f, "last_error IS NULL", bad));
    assert_int_equal(row_int(f, "next_attempt_at", bad), T0);
    assert_int_equal(row_int(f, "claimed_until", bad), lease);

    /* with the lease kept, the same rows are recorded */
    set_now(lease);
    hook_on(0);
    st = run(f);
    assert_int_equal(st.lost, 0);
    assert_int_equal(st.delivered, 1);
    assert_int_equal(st.retried, 1);
    assert_string_equal(row_text(f, "status", ok), "delivered");
    assert_int_equal(row_int(f, "attempts", bad), 1);
    assert_true(row_int(f, "claimed_until IS NULL", bad));
    receiver_stop(&rcv);
}

/* Rows not started by the pass's deadline are given back as they were
 * (not held under the lease, no attempt counted); the next pass sends
 * them. */
static void
test_deadline_releases_rows_not_started(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SERDLV00011");
    struct deliver_stats st = {0};
    struct receiver rcv;
    const int n = WEBHOOK_HOST_CONNECTIONS + 2;

    /* one host, answering after 1.5 s: four at a time, a 1 s pass */
    receiver_start(&rcv, 1500);
    set_webhook(f, p, receiver_url(f, &rcv), NULL);
    for (int i = 0; i < n; i++)
        emit(f, p, "print_failed");
    assert_true(deliver_run(&f->c, 1, NULL, &st) >= 0);
    fixture_next(f);
    assert_int_equal(st.claimed, n);
    assert_int_equal(st.delivered, WEBHOOK_HOST_CONNECTIONS);
    assert_int_equal(st.released, 2);
    assert_int_equal(st.cut, 1);
    assert_int_equal(count_rows(f, "status = 'delivered'"),
                     WEBHOOK_HOST_CONNECTIONS);
    assert_int_equal(count_rows(f, "status = 'pending' AND attempts = 0 AND "
                                   "claimed_until IS NULL AND "
                                   "delivery_id IS NOT NULL"),
                     2);
    /* the next pass takes them at once */
    rcv.delay_ms = 0;
    st = run(f);
    assert_int_equal(st.delivered, 2);
    assert_int_equal(count_rows(f, "status = 'delivered'"), n);
    receiver_stop(&rcv);
}

static volatile int stop_now;

/* A signal handler's stop, 300 ms in, from another thread. */
static void *
stop_later(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
    stop_now = 1;
    return NULL;
}

/* A stop cuts the requests under way short and gives their rows back;
 * no further batch is claimed. */
static void
test_stop_gives_rows_back(void **state)
{
    struct fixture *f = *state;
    int64_t p = make_printer(f, "SERDLV00012");
    struct deliver_stats st = {0};
    struct receiver rcv;
    pthread_t t;
    int64_t t0;

    receiver_start(&rcv, 10000);
    set_webhook(f, p, receiver_url(f, &rcv), NULL);
    emit(f, p, "print_failed");
    emit(f, p, "print_failed");
    stop_now = 0;
    t0 = clock_mono_ms();
    assert_int_equal(pthread_create(&t, NULL, stop_later, NULL), 0);
    assert_true(deliver_run(&f->c, 30, &stop_now, &st) >= 0);
    pthread_join(t, NULL);
    fixture_next(f);
    /* the receiver would answer after 10 s: cut short within a second */
    assert_true(clock_mono_ms() - t0 < 2500);
    assert_int_equal(st.claimed, 2);
    assert_int_equal(st.released, 2);
    assert_int_equal(count_rows(f, "status = 'pending' AND attempts = 0 AND "
                                   "claimed_until IS NULL"),
                     2);
    receiver_stop(&rcv);
}

/* Round robin across users: A's 500 due rows, all older than B's one, do
 * not keep B's out of the first batch; A's URL did not answer, so A's
 * rows in the later batches of the pass wait for its next attempt
 * without being sent. */
static void
test_fair_claim_and_dead_target(void **state)
{
    struct fixture *f = *state;
    int64_t pa, pb, a, b, first, evb, idb = 0;
    struct deliver_stats st;
    int seen = -1;

    a = f->c.user_id;
    pa = make_printer(f, "SERDLVFAIRA");
    set_webhook(f, pa, DEAD_URL, NULL);
    first = row_int(f, "id", emit(f, pa, "print_failed"));
    /* 499 more through the event module (each webhook target is sealed
     * for its own row, so rows cannot be copied in SQL), then due in
     * order */
    for (int i = 1; i < 500; i++)
        emit(f, pa, "print_failed");
    assert_int_equal(db_exec(f->c.db,
                             "UPDATE outbox SET next_attempt_at = ? - ? + id "
                             "WHERE user_id = ?",
                             "iii", (int64_t)T0 - 1000, first, a),
                     DB_DONE);
    b = fixture_user(f, "fair-b@example.com");
    pb = make_printer(f, "SERDLVFAIRB");
    set_webhook(f, pb, "http://127.0.0.1:2/hook", NULL);
    evb = emit(f, pb, "print_failed");
    assert_int_equal(db_get_int(f->c.db, &idb,
                                "SELECT id FROM outbox WHERE event_id = ?", "i",
                                evb),
                     DB_ROW);
    assert_true(a != b);

    hook_on(0);
    st = run(f);
    assert_true(hook.calls >= 1);
    assert_int_equal(hook.nfirst, DELIVER_BATCH);
    for (int i = 0; i < hook.nfirst; i++)
        if (hook.first[i] == idb)
            seen = i;
    /* B's row is in the first batch, sent right after A's oldest */
    assert_int_equal(seen, 1);
    assert_int_equal(row_int(f, "attempts", evb), 1);
    /* 99 of A's rows and B's one were tried; A's other 400 waited */
    assert_int_equal(st.retried, DELIVER_BATCH);
    assert_int_equal(st.deferred, 500 - (DELIVER_BATCH - 1));
    assert_int_equal(count_rows(f, "attempts = 1"), DELIVER_BATCH);
    /* they wait for the next attempt of A's first failed row, unsent */
    {
        int64_t lo = -1, hi = -1, until = -1;

        /* the first of A's rows to fail (its oldest) set the wait */
        assert_int_equal(db_get_int(f->c.db, &until,
                                    "SELECT next_attempt_at FROM outbox "
                                    "WHERE id = ? AND attempts = 1",
                                    "i", first),
                         DB_ROW);
        assert_int_equal(db_get_int(f->c.db, &lo,
                                    "SELECT MIN(next_attempt_at) FROM outbox "
                                    "WHERE user_id = ? AND attempts = 0",
                                    "i", a),
                         DB_ROW);
        assert_int_equal(db_get_int(f->c.db, &hi,
                                    "SELECT MAX(next_attempt_at) FROM outbox "
                                    "WHERE user_id = ? AND attempts = 0",
                                    "i", a),
                         DB_ROW);
        assert_true(until >= T0 + 4 && until <= T0 + 6);
        assert_int_equal(lo, until);
        assert_int_equal(hi, until);
    }
    assert_int_equal(count_rows(f, "attempts = 0 AND last_error IS NULL AND "
                                   "claimed_until IS NULL"),
                     500 - (DELIVER_BATCH - 1));
    /* nothing is due before then */
    st = run(f);
    assert_int_equal(st.claimed, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule),
        cmocka_unit_test_setup_teardown(test_failed_attempt_is_rescheduled,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_lease_blocks_a_second_claim, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_deleted_printer_and_disabled_webhook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_without_smtp_is_retried,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_needs_the_lease, setup,
                                        hook_teardown),
        cmocka_unit_test_setup_teardown(test_deadline_releases_rows_not_started,
                                        setup, hook_teardown),
        cmocka_unit_test_setup_teardown(test_stop_gives_rows_back, setup,
                                        hook_teardown),
        cmocka_unit_test_setup_teardown(test_fair_claim_and_dead_target, setup,
                                        hook_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
