/*
 * etsy_shop — the Etsy shops a user connected and their OAuth state. Web
 * requests start a connect (a pending row with a state nonce and a PKCE
 * verifier) and store the code the callback brings; the dispatcher
 * exchanges it, keeps the tokens fresh and records each import.
 *
 * Invariants: every secret (verifier, code, tokens) is sealed at rest for
 * its column of its row ("etsy_shops.access_token:" and the shop id,
 * base/secret.h) and opened only into the arena; the state nonce is
 * stored only as a hash. Every user query filters on c->user_id, so
 * another user's shop is a 404. A rotated refresh token is saved
 * (committed) before it is used.
 */
#ifndef ETSY_SHOP_H
#define ETSY_SHOP_H

#include <stdint.h>

struct ctx;
struct reseal_stats;

/* Scopes the import needs (space separated, as Etsy takes them). */
#define ETSY_SHOP_SCOPES "transactions_r shops_r"

struct etsy_shop {
    int64_t id, user_id;
    int64_t shop_id;        /* DB_NULL until the dispatcher read it */
    const char *shop_name;  /* NULL until then */
    const char *status;     /* pending connected reconnect_needed disabled */
    int64_t last_sync_at;   /* DB_NULL: never */
    const char *last_error; /* NULL: none */
    int64_t auto_schedule, imported_orders, enabled;
    /* For the dispatcher only (etsy_shop_due): opened secrets or NULL. */
    const char *verifier, *code, *access_token, *refresh_token;
    int64_t token_expires_at, cursor; /* DB_NULL when none */
};

/* Starts a connect for c's user: a pending row whose state and PKCE
 * challenge are written to *state and *challenge (arena). The row id, or
 * -1 (409 when Etsy is not configured). */
int64_t etsy_shop_begin(struct ctx *c, const char **state,
                        const char **challenge);

/* The consent page's answer: the user's pending row with this state gets
 * the sealed code. Its id, or -1 (404: no such pending connect). */
int64_t etsy_shop_callback(struct ctx *c, const char *state, const char *code);

/* The user's shops, oldest first (arena). 0 or -1. */
int etsy_shop_list(struct ctx *c, struct etsy_shop **out, int *n);

/* One of the user's shops: 0, or -1 with 404. */
int etsy_shop_get(struct ctx *c, int64_t id, struct etsy_shop *s);

/* Sets auto_schedule and enabled (each when >= 0). 0 or -1 (404). */
int etsy_shop_update(struct ctx *c, int64_t id, int auto_schedule, int enabled);

/* Disconnects (deletes the row; imported orders stay). 0 or -1 (404). */
int etsy_shop_delete(struct ctx *c, int64_t id);

/* Makes the next dispatcher run import the shop. 0 or -1 (404; 409 when
 * the shop is not connected). */
int etsy_shop_request_sync(struct ctx *c, int64_t id);

/* --- the dispatcher (every user's shops) -------------------------------- */

/* Shops with work at c->now: a pending row with a code, or an enabled
 * connected shop whose next sync has come. Secrets opened (arena). */
int etsy_shop_due(struct ctx *c, struct etsy_shop **out, int *n);

/* Saves a token pair (sealed) and its expiry; a pending row becomes
 * connected with shop_id and shop_name when those are given (not
 * DB_NULL/NULL). Commits on its own. 0 or -1. */
int etsy_shop_save_tokens(struct ctx *c, int64_t id, const char *access,
                          const char *refresh, int64_t expires_at,
                          int64_t shop_id, const char *shop_name);

/* Records an import pass: the new cursor (DB_NULL keeps it), orders added,
 * the error (NULL: none) and when to come back. 0 or -1. */
int etsy_shop_synced(struct ctx *c, int64_t id, int64_t cursor, int64_t added,
                     const char *error, int64_t next_at);

/* The grant is gone: status reconnect_needed with the error. 1 when the
 * shop was connected before (the owner is to be told), 0, or -1. */
int etsy_shop_revoked(struct ctx *c, int64_t id, const char *error);

/* Re-seals the secrets not yet sealed for their rows (reseal.h). 0, or -1
 * with c->err set. */
int etsy_shop_reseal(struct ctx *c, struct reseal_stats *st);

#endif
