-- Etsy shops a user connected (issue 13). A row starts "pending" when the
-- user opens the consent page: oauth_state is the hash of the state nonce,
-- code_verifier the sealed PKCE verifier. The callback stores the sealed
-- authorization code; the dispatcher exchanges it (web workers never talk
-- to Etsy), reads the shop and marks the row "connected". Tokens are
-- sealed (lib/base/secret.h). cursor is the newest created_timestamp
-- imported: the next import pages from it less an overlap.
CREATE TABLE etsy_shops (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    shop_id          INTEGER,
    shop_name        TEXT,
    status           TEXT NOT NULL DEFAULT 'pending',
    enabled          INTEGER NOT NULL DEFAULT 1,
    oauth_state      TEXT,
    code_verifier    TEXT,
    auth_code        TEXT,
    access_token     TEXT,
    refresh_token    TEXT,
    token_expires_at INTEGER,
    cursor           INTEGER,
    next_sync_at     INTEGER NOT NULL DEFAULT 0,
    last_sync_at     INTEGER,
    last_error       TEXT,
    auto_schedule    INTEGER NOT NULL DEFAULT 0,
    imported_orders  INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX etsy_shops_state ON etsy_shops(oauth_state)
    WHERE oauth_state IS NOT NULL;
CREATE INDEX etsy_shops_user ON etsy_shops(user_id);
