-- Cancellations outside the import's overlap (issue 13): an order imported
-- through the Etsy API remembers the Etsy shop it came from (Etsy's shop
-- id, not a row of etsy_shops, which a disconnect deletes) and when its
-- receipt was last read, so the dispatcher can re-read the open ones, the
-- least recently read first, at most once per poll interval, and cancel
-- those Etsy cancelled or refunded. NULL etsy_shop_id: imported from a CSV
-- file or before this migration; the user's shops may re-read those.
ALTER TABLE orders ADD COLUMN etsy_shop_id INTEGER;
ALTER TABLE orders ADD COLUMN etsy_checked_at INTEGER;
CREATE INDEX orders_etsy_recheck ON orders(user_id, etsy_checked_at)
    WHERE source = 'etsy';
