-- Items imported from Etsy's "Sold Order Items" CSV carry their Etsy
-- transaction id, their unit price (integer minor units) and its currency.
-- user_id is set on those items only: it lets one unique index make the
-- import idempotent per user (a transaction is stored once per user, and
-- two users may import the same file). Items typed in by hand leave all
-- four NULL, which the partial index skips.
ALTER TABLE order_items ADD COLUMN etsy_transaction_id TEXT;
ALTER TABLE order_items ADD COLUMN price BIGINT;
ALTER TABLE order_items ADD COLUMN currency TEXT;
ALTER TABLE order_items ADD COLUMN user_id BIGINT
    REFERENCES users(id) ON DELETE CASCADE;
CREATE UNIQUE INDEX order_items_user_txn
    ON order_items(user_id, etsy_transaction_id)
    WHERE etsy_transaction_id IS NOT NULL;
