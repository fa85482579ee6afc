/*
 * dispatch_etsy — stage 10: each connected Etsy shop whose poll is due.
 * A pending shop's authorization code is exchanged here (web workers never
 * talk to Etsy); access tokens are refreshed before expiry, and a rotated
 * refresh token is committed before it is used; then paid, unshipped
 * receipts are imported page by page (keyset on min_created, one day of
 * overlap), each receipt in its own transaction and upserted by receipt
 * and transaction id, so an overlap, a 429 or a 5xx in the middle of the
 * paging neither doubles nor loses an order: the cursor only moves past
 * receipts that were written. A shop with auto_schedule on schedules each
 * new order right after the order's own transaction (order_schedule, the
 * same all-or-nothing operation as the API): an order with an unmatched
 * item is refused whole, stays open and the refusal is logged. Cancels
 * and refunds older than the overlap are caught by recheck: each run then
 * reads a bounded batch of the shop's open orders' receipts again, each
 * order at most once per poll interval.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "base/jsonio.h"
#include "base/log.h"
#include "base/null.h"
#include "dispatch/dispatch_int.h"
#include "domain/etsy_shop.h"
#include "domain/event.h"
#include "domain/lease.h"
#include "domain/order.h"
#include "domain/variation.h"
#include "net/etsy_http.h"
#include "store/app.h"
#include "store/db.h"

#include "base/banned.h"

#define PAGE_LIMIT 100
#define OVERLAP_S 86400
#define FIRST_MIN_CREATED 946684800 /* Etsy's lowest accepted value */
#define REFRESH_EARLY_S 120
#define RETRY_LATER_S 60
#define RETRY_AFTER_MAX_S 60
#define TRIES_429 3
#define PAGES_MAX 1000 /* one pass: 100 000 receipts */
/* Open orders whose receipt one run reads again (recheck); each at most
 * once per poll interval. */
#define RECHECK_MAX 25
/* x-remaining-today under this (5 % of Etsy's default 100 000 calls a day)
 * slows the shop's poll SLOW_FACTOR times until the next UTC day. */
#define LOW_REMAINING 5000
#define SLOW_FACTOR 4

struct run {
    struct ctx *c;
    const struct etsy_conf *e;
    struct etsy_shop *s;
    const char *api_key;
    int64_t remaining; /* the lowest x-remaining-today seen, -1: none */
};

static void
pause_s(int64_t s)
{
    struct timespec ts = {(time_t)s, 0};

    if (s > RETRY_AFTER_MAX_S)
        ts.tv_sec = RETRY_AFTER_MAX_S;
    nanosleep(&ts, NULL);
}

/* The JSON object of an answer, or NULL. */
static struct json_object *
answer_json(struct run *r, const struct etsy_resp *resp)
{
    struct json_object *o = jsonio_parse(r->c, resp->body, resp->len);

    if (o == NULL)
        err_clear(&r->c->err);
    return o;
}

static const char *
str_of(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
        json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

static int64_t
int_of(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
        json_object_is_type(v, json_type_null))
        return DB_NULL;
    return json_object_get_int64(v);
}

/* What went wrong with an answer, for last_error (arena). */
static const char *
why(struct run *r, const char *what, const struct etsy_resp *resp)
{
    struct json_object *o;
    const char *msg;

    if (resp->status == 0)
        return arena_printf(r->c->arena, "%s: %s", what, resp->error);
    o = answer_json(r, resp);
    msg = str_of(o, "error_description");
    if (msg == NULL)
        msg = str_of(o, "error");
    return arena_printf(r->c->arena, "%s: HTTP %ld%s%s", what, resp->status,
                        msg ? ": " : "", msg ? msg : "");
}

static int
invalid_grant(struct run *r, const struct etsy_resp *resp)
{
    const char *e;

    if (resp->status != 400 && resp->status != 401)
        return 0;
    e = str_of(answer_json(r, resp), "error");
    return e != NULL && strcmp(e, "invalid_grant") == 0;
}

/* The grant is gone: the shop becomes reconnect_needed and, when it was
 * connected until now (once, not on every later run), its owner is told. */
static void
revoked(struct run *r, const char *msg)
{
    struct ctx *c = r->c;
    int rc = etsy_shop_revoked(c, r->s->id, msg);

    if (rc == 1) {
        log_error("etsy: shop %lld: grant revoked, reconnect needed",
                  (long long)r->s->id);
        if (event_emit_user(
                c, "etsy_reconnect_needed", DB_NULL,
                arena_printf(c->arena,
                             "Etsy shop %s needs to be connected again: %s",
                             r->s->shop_name ? r->s->shop_name : "(unnamed)",
                             msg)) < 0)
            rc = -1;
    }
    if (rc < 0) {
        log_error("etsy: shop %lld: %s", (long long)r->s->id, c->err.msg);
        err_clear(&c->err);
    }
}

/* Posts a token request; on success saves the pair (committed) into the
 * row and r->s. 0, 1 when the grant is gone (the shop is marked), -1 with
 * *err on any other failure. */
static int
token_request(struct run *r, const char *form, const char **err)
{
    struct ctx *c = r->c;
    struct etsy_resp resp;
    struct json_object *o;
    const char *access, *refresh;
    int64_t expires;
    const char *url =
        arena_printf(c->arena, "%s/v3/public/oauth/token", r->e->api);

    etsy_http_post_form(c->arena, url, r->api_key, form, &resp);
    if (invalid_grant(r, &resp)) {
        const char *msg = why(r, "token", &resp);

        revoked(r, msg);
        return 1;
    }
    if (resp.status != 200) {
        *err = why(r, "token", &resp);
        return -1;
    }
    o = answer_json(r, &resp);
    access = str_of(o, "access_token");
    refresh = str_of(o, "refresh_token");
    expires = int_of(o, "expires_in");
    if (access == NULL || refresh == NULL || expires == DB_NULL) {
        *err = "token: the answer lacks access_token, refresh_token or "
               "expires_in";
        return -1;
    }
    if (etsy_shop_save_tokens(c, r->s->id, access, refresh, c->now + expires,
                              DB_NULL, NULL) < 0) {
        *err = "token: saving failed";
        return -1;
    }
    r->s->access_token = arena_strdup(c->arena, access);
    r->s->refresh_token = arena_strdup(c->arena, refresh);
    r->s->token_expires_at = c->now + expires;
    return 0;
}

static int
exchange_code(struct run *r, const char **err)
{
    struct ctx *c = r->c;
    const char *form = arena_printf(
        c->arena,
        "grant_type=authorization_code&client_id=%s&redirect_uri=%s"
        "&code=%s&code_verifier=%s",
        etsy_http_escape(c->arena, r->e->keystring),
        etsy_http_escape(c->arena, arena_printf(c->arena, "%s/etsy/callback",
                                                r->e->public_url)),
        etsy_http_escape(c->arena, r->s->code ? r->s->code : ""),
        etsy_http_escape(c->arena, r->s->verifier ? r->s->verifier : ""));

    return token_request(r, form, err);
}

static int
refresh(struct run *r, const char **err)
{
    struct ctx *c = r->c;

    if (r->s->refresh_token == NULL) {
        revoked(r, "no refresh token: reconnect");
        return 1;
    }
    return token_request(
        r,
        arena_printf(c->arena,
                     "grant_type=refresh_token&client_id=%s&refresh_token=%s",
                     etsy_http_escape(c->arena, r->e->keystring),
                     etsy_http_escape(c->arena, r->s->refresh_token)),
        err);
}

/* GET path with the shop's token; a 401 refreshes once and retries, a 429
 * waits as told (else 1 s, 2 s, 4 s) up to TRIES_429 times. 0 with *resp
 * holding a 200, 1 when the grant is gone, -1 with *err. */
static int
get(struct run *r, const char *path, struct etsy_resp *resp, const char **err)
{
    struct ctx *c = r->c;
    const char *url = arena_printf(c->arena, "%s%s", r->e->api, path);
    int refreshed = 0, rc;

    for (int tries = 0;;) {
        etsy_http_get(c->arena, url, r->api_key, r->s->access_token, resp);
        if (resp->remaining_today >= 0 &&
            (r->remaining < 0 || resp->remaining_today < r->remaining))
            r->remaining = resp->remaining_today;
        if (resp->status == 200)
            return 0;
        if (resp->status == 401 && !refreshed) {
            refreshed = 1;
            if ((rc = refresh(r, err)) != 0)
                return rc;
            continue;
        }
        if (resp->status == 429 && ++tries < TRIES_429) {
            pause_s(resp->retry_after >= 0 ? resp->retry_after
                                           : (int64_t)1 << (tries - 1));
            continue;
        }
        *err = why(r, path, resp);
        return -1;
    }
}

/* Reads the user's shop (users/me, then the shop) and marks the row
 * connected. 0, 1 (grant gone), -1 with *err. */
static int
identify(struct run *r, const char **err)
{
    struct ctx *c = r->c;
    struct etsy_resp resp;
    int64_t shop_id;
    const char *name;
    int rc;

    if ((rc = get(r, "/v3/application/users/me", &resp, err)) != 0)
        return rc;
    shop_id = int_of(answer_json(r, &resp), "shop_id");
    if (shop_id == DB_NULL || shop_id <= 0) {
        *err = "users/me: this Etsy account has no shop";
        return -1;
    }
    if ((rc = get(r,
                  arena_printf(c->arena, "/v3/application/shops/%lld",
                               (long long)shop_id),
                  &resp, err)) != 0)
        return rc;
    name = str_of(answer_json(r, &resp), "shop_name");
    if (etsy_shop_save_tokens(c, r->s->id, r->s->access_token,
                              r->s->refresh_token, r->s->token_expires_at,
                              shop_id, name ? name : "") < 0) {
        *err = "saving the shop failed";
        return -1;
    }
    r->s->shop_id = shop_id;
    return 0;
}

static int
cancelled_status(const char *st)
{
    return st != NULL &&
           (strcmp(st, "canceled") == 0 || strcmp(st, "cancelled") == 0 ||
            strcmp(st, "fully refunded") == 0);
}

/* Money object's amount (minor units) and currency. */
static int64_t
money(struct json_object *m, const char **currency)
{
    *currency = str_of(m, "currency_code");
    return int_of(m, "amount");
}

/* The receipt's Money field key: its amount (DB_NULL when absent) and
 * currency. */
static int64_t
money_of(struct json_object *rec, const char *key, const char **currency)
{
    struct json_object *m = NULL;

    *currency = NULL;
    if (!json_object_object_get_ex(rec, key, &m) ||
        !json_object_is_type(m, json_type_object))
        return DB_NULL;
    return money(m, currency);
}

/* What the receipt took off its items (discount_amt; else total_price -
 * subtotal, which Etsy defines as less coupons) and its currency
 * (total_price's, else discount_amt's). A discount that is negative or in
 * another currency is not one: DB_NULL. */
static void
receipt_money(struct json_object *rec, struct order_receipt *rc)
{
    const char *cur = NULL, *dcur = NULL, *scur = NULL;
    int64_t total = money_of(rec, "total_price", &cur);
    int64_t discount = money_of(rec, "discount_amt", &dcur);
    int64_t subtotal;

    if (cur == NULL)
        cur = dcur;
    if (discount == DB_NULL) {
        subtotal = money_of(rec, "subtotal", &scur);
        if (total != DB_NULL && subtotal != DB_NULL && scur != NULL &&
            cur != NULL && strcmp(scur, cur) == 0)
            discount = total - subtotal;
        dcur = scur;
    }
    rc->currency = cur;
    rc->discount = discount;
    if (discount != DB_NULL &&
        (discount < 0 || dcur == NULL || cur == NULL || strcmp(dcur, cur) != 0))
        rc->discount = DB_NULL;
}

/* The transaction's variations (variation_add: the text, and the colour
 * and material a colour or material variation asks for). */
static void
variations(struct run *r, struct json_object *t, struct order_item *it)
{
    struct variation_set vs = {NULL, NULL, NULL};
    struct json_object *list;

    if (!json_object_object_get_ex(t, "variations", &list) ||
        !json_object_is_type(list, json_type_array))
        return;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *v = json_object_array_get_idx(list, i);

        variation_add(r->c->arena, &vs, str_of(v, "formatted_name"),
                      str_of(v, "formatted_value"));
    }
    it->variations = vs.text;
    it->color = vs.color;
    it->material_type = vs.material_type;
}

/* A receipt (ext) of order order_id whose status says cancelled or
 * refunded cancels the order and its prints that have not started, and
 * tells the owner once (order_cancelled): the order cancelled already
 * changes nothing. Inside the caller's transaction. 0 or -1. */
static int
cancel_if(struct run *r, int64_t order_id, const char *ext,
          const char *status)
{
    struct ctx *c = r->c;
    int rc;

    if (!cancelled_status(status) || (rc = order_etsy_cancel(c, order_id)) == 0)
        return 0;
    if (rc < 0 ||
        event_emit_user(c, "order_cancelled", order_id,
                        arena_printf(c->arena,
                                     "Etsy order %s was %s: the order and "
                                     "its prints that had not started are "
                                     "cancelled.",
                                     ext, status)) < 0)
        return -1;
    return 0;
}

/* Writes one receipt in its own transaction. 1 when an order was added
 * (its id in *added_id), 0 when nothing new, -1 on error. */
static int
import_receipt(struct run *r, struct json_object *rec, int64_t *added_id)
{
    struct ctx *c = r->c;
    struct json_object *txns, *t;
    const char *status = str_of(rec, "status"), *ost = NULL;
    const char *ext = str_of(rec, "receipt_id");
    int64_t order_id;
    int nprints = 0, added = 0, rc;

    if (ext == NULL)
        return 0;
    if (db_begin(c->db) < 0)
        return err_internal(&c->err, "etsy: begin failed");
    order_id = order_etsy_find(c, ext, &ost, &nprints, NULL);
    if (order_id < 0)
        goto fail;
    /* read now: the re-reading pass (recheck) need not ask for it soon */
    if (order_id > 0 && order_etsy_read(c, order_id, r->s->shop_id, 1) < 0)
        goto fail;
    if (cancelled_status(status)) {
        if (order_id > 0 && cancel_if(r, order_id, ext, status) < 0)
            goto fail;
        return db_end(c->db, 0) < 0 ? -1 : 0;
    }
    if (order_id == 0) {
        struct order_receipt or = {ext, str_of(rec, "name"), DB_NULL, NULL,
                                   r->s->shop_id};

        receipt_money(rec, &or);
        if ((order_id = order_etsy_insert(c, &or)) < 0)
            goto fail;
        added = 1;
        *added_id = order_id;
    }
    if (!json_object_object_get_ex(rec, "transactions", &txns) ||
        !json_object_is_type(txns, json_type_array))
        return db_end(c->db, 0) < 0 ? -1 : added;
    for (size_t i = 0; i < json_object_array_length(txns); i++) {
        struct order_item it;
        struct order_txn old;
        struct json_object *price = NULL;
        const char *txn, *currency = NULL;
        int64_t amount;

        t = json_object_array_get_idx(txns, i);
        txn = str_of(t, "transaction_id");
        if (txn == NULL)
            continue;
        memset(&old, 0, sizeof(old));
        if ((rc = order_txn_find(c, txn, &old)) < 0)
            goto fail;
        if (rc == 1) /* imported before: the overlap, or a second run */
            continue;
        memset(&it, 0, sizeof(it));
        it.title = str_of(t, "title");
        it.sku = str_of(t, "sku");
        if (it.sku != NULL && it.sku[0] == '\0')
            it.sku = NULL;
        it.etsy_listing_id = int_of(t, "listing_id");
        it.etsy_variant_id = int_of(t, "product_id");
        it.quantity = int_of(t, "quantity");
        variations(r, t, &it);
        if (it.title == NULL)
            it.title = "(untitled)";
        if (it.quantity == DB_NULL || it.quantity < 1)
            it.quantity = 1;
        json_object_object_get_ex(t, "price", &price);
        amount = money(price, &currency);
        if (order_txn_insert(c, order_id, &it, txn, amount, currency) < 0)
            goto fail;
    }
    return db_end(c->db, 0) < 0 ? -1 : added;
fail:
    db_rollback(c->db);
    return -1;
}

/* auto_schedule: the new order becomes prints, all of them or none (the
 * refusal is logged and the order stays open for the seller). */
static void
auto_schedule(struct run *r, int64_t order_id)
{
    struct ctx *c = r->c;
    int64_t *ids;
    int n;

    if (order_schedule(c, order_id, DB_NULL, DB_NULL, 0, &ids, &n) == 0) {
        log_info("etsy: shop %lld: order %lld scheduled: %d prints",
                 (long long)r->s->id, (long long)order_id, n);
        return;
    }
    if (c->err.kind == ERR_VALIDATION && c->err.nfields > 0)
        log_info("etsy: shop %lld: order %lld not scheduled: %s %s",
                 (long long)r->s->id, (long long)order_id,
                 c->err.fields[0].name, c->err.fields[0].msg);
    else
        log_info("etsy: shop %lld: order %lld not scheduled: %s",
                 (long long)r->s->id, (long long)order_id, c->err.msg);
    err_clear(&c->err);
}

/* Pages through the shop's paid, unshipped receipts from its cursor (less
 * the overlap). *cursor: the newest created_timestamp written. 0, 1 (grant
 * gone), -1 with *err (what was written stays, and the cursor with it). */
static int
import(struct run *r, int64_t *cursor, int64_t *added, const char **err)
{
    struct ctx *c = r->c;
    int64_t min =
        r->s->cursor != DB_NULL && r->s->cursor - OVERLAP_S > FIRST_MIN_CREATED
            ? r->s->cursor - OVERLAP_S
            : FIRST_MIN_CREATED;
    int64_t offset = 0;

    *cursor = r->s->cursor;
    *added = 0;
    for (int page = 0; page < PAGES_MAX; page++) {
        struct etsy_resp resp;
        struct json_object *o, *results;
        int64_t last = DB_NULL;
        size_t n;
        int rc;

        rc = get(r,
                 arena_printf(c->arena,
                              "/v3/application/shops/%lld/receipts"
                              "?was_paid=true&was_shipped=false"
                              "&sort_on=created&sort_order=asc&limit=%d"
                              "&offset=%lld&min_created=%lld",
                              (long long)r->s->shop_id, PAGE_LIMIT,
                              (long long)offset, (long long)min),
                 &resp, err);
        if (rc != 0)
            return rc;
        o = answer_json(r, &resp);
        if (o == NULL || !json_object_object_get_ex(o, "results", &results) ||
            !json_object_is_type(results, json_type_array)) {
            *err = "receipts: the answer has no results";
            return -1;
        }
        n = json_object_array_length(results);
        for (size_t i = 0; i < n; i++) {
            struct json_object *rec = json_object_array_get_idx(results, i);
            int64_t new_id = 0;

            if ((rc = import_receipt(r, rec, &new_id)) < 0) {
                *err = arena_printf(c->arena, "receipt: %s", c->err.msg);
                err_clear(&c->err);
                return -1;
            }
            *added += rc;
            if (rc == 1 && r->s->auto_schedule)
                auto_schedule(r, new_id);
            last = int_of(rec, "created_timestamp");
            if (last != DB_NULL && (*cursor == DB_NULL || last > *cursor))
                *cursor = last;
        }
        if (n < PAGE_LIMIT || last == DB_NULL)
            return 0;
        /* Keyset: the next page starts at the last created time seen; a
         * full page all created in one second moves by offset instead. */
        if (last == min) {
            offset += PAGE_LIMIT;
        } else {
            min = last;
            offset = 0;
        }
    }
    return 0;
}

/* Re-reads (getShopReceipt) up to RECHECK_MAX of the shop's open orders
 * whose receipt was not read for a poll interval, the least recently read
 * first, so a cancel or refund older than the import's overlap is still
 * seen; each read is recorded in the same transaction as what it changed.
 * A receipt Etsy does not know (any 4xx but 401 and 429, or an order
 * number that is no receipt id) is recorded as read and skipped. 0, 1
 * (grant gone), -1 with *err (what was read stays). */
static int
recheck(struct run *r, int *read, const char **err)
{
    struct ctx *c = r->c;
    struct order_recheck *list;
    int n, rc;

    *read = 0;
    if (order_etsy_stale(c, r->s->shop_id, c->now - r->e->poll, RECHECK_MAX,
                         &list, &n) < 0) {
        *err = arena_printf(c->arena, "recheck: %s", c->err.msg);
        err_clear(&c->err);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *ext = list[i].external_id, *status = NULL;
        struct etsy_resp resp;
        int found = 0;

        memset(&resp, 0, sizeof(resp));
        if (strspn(ext, "0123456789") == strlen(ext)) {
            rc = get(r,
                     arena_printf(c->arena,
                                  "/v3/application/shops/%lld/receipts/%s",
                                  (long long)r->s->shop_id, ext),
                     &resp, err);
            if (rc == 1)
                return 1;
            if (rc < 0 && (resp.status < 400 || resp.status >= 500 ||
                           resp.status == 401 || resp.status == 429)) {
                *err = arena_printf(c->arena, "recheck: %s", *err);
                return -1;
            }
            *err = NULL;
            found = rc == 0;
            if (found) {
                status = str_of(answer_json(r, &resp), "status");
                (*read)++;
            } else {
                log_info("etsy: shop %lld: receipt %s: HTTP %ld, skipped",
                         (long long)r->s->id, ext, resp.status);
            }
        }
        if (db_begin(c->db) < 0 ||
            cancel_if(r, list[i].id, ext, status) < 0 ||
            order_etsy_read(c, list[i].id, r->s->shop_id, found) < 0 ||
            db_commit(c->db) < 0) {
            db_rollback(c->db);
            *err = arena_printf(c->arena, "recheck: receipt %s: %s", ext,
                                c->err.msg[0] ? c->err.msg : "database");
            err_clear(&c->err);
            return -1;
        }
    }
    return 0;
}

/* When to poll again after a pass without error: poll seconds on, or, when
 * the day's calls run low, SLOW_FACTOR times that but not past the next
 * UTC midnight (the count is a day's) and never sooner than poll. */
static int64_t
next_poll(int64_t now, int64_t poll, int64_t remaining)
{
    int64_t slow, midnight;

    if (remaining < 0 || remaining >= LOW_REMAINING)
        return now + poll;
    slow = now + poll * SLOW_FACTOR;
    midnight = now - now % 86400 + 86400;
    if (slow > midnight)
        slow = midnight;
    return slow < now + poll ? now + poll : slow;
}

static void
run_shop(struct ctx *c, const struct etsy_conf *e, struct etsy_shop *s)
{
    struct run r = {c, e, s, NULL, -1};
    const char *err = NULL;
    int64_t cursor = DB_NULL, added = 0, next;
    int rc = 0, reread = 0;

    r.api_key = arena_printf(c->arena, "%s:%s", e->keystring, e->secret);
    if (strcmp(s->status, "pending") == 0 && s->access_token == NULL)
        rc = exchange_code(&r, &err);
    if (rc == 0 && s->token_expires_at != DB_NULL &&
        s->token_expires_at - REFRESH_EARLY_S <= c->now)
        rc = refresh(&r, &err);
    if (rc == 0 && s->shop_id == DB_NULL)
        rc = identify(&r, &err);
    if (rc == 0)
        rc = import(&r, &cursor, &added, &err);
    /* the re-reading pass spends calls the day may not have left */
    if (rc == 0 && (r.remaining < 0 || r.remaining >= LOW_REMAINING) &&
        (rc = recheck(&r, &reread, &err)) == 0 && reread > 0)
        log_info("etsy: shop %lld: %d open orders read again",
                 (long long)s->id, reread);
    if (rc == 1)
        return; /* reconnect_needed, recorded */
    next = err != NULL ? c->now + RETRY_LATER_S
                       : next_poll(c->now, e->poll, r.remaining);
    if (err == NULL && r.remaining >= 0 && r.remaining < LOW_REMAINING)
        log_info("etsy: shop %lld: %lld calls left today, polling slower",
                 (long long)s->id, (long long)r.remaining);
    if (err != NULL)
        log_error("etsy: shop %lld: %s", (long long)s->id, err);
    if (etsy_shop_synced(c, s->id, cursor, added, err, next) < 0) {
        log_error("etsy: shop %lld: %s", (long long)s->id, c->err.msg);
        err_clear(&c->err);
    }
}

int
dispatch_etsy(struct dispatcher *d)
{
    struct etsy_shop *list;
    struct ctx c;
    int n;

    app_begin(d->app, &c);
    if (c.conf == NULL || c.conf->etsy.keystring[0] == '\0')
        return 0;
    /* one dispatcher at a time imports: two would rotate the same refresh
     * token and revoke each other's grant */
    if (d->leased && lease_take(&c, "etsy", d->holder,
                                c.conf->lease_seconds) != 1)
        return 0;
    if (etsy_shop_due(&c, &list, &n) < 0) {
        log_error("etsy: %s", c.err.msg);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        c.user_id = list[i].user_id;
        run_shop(&c, &c.conf->etsy, &list[i]);
    }
    return 0;
}
