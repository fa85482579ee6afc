-- Remembered mappings (issue 13 item 4): when the owner maps an unmatched
-- item to a product, its Etsy listing (and variant, Etsy's product_id of
-- the transaction, when known) is remembered, so later items of that
-- listing match by themselves. etsy_variant_id 0 means "any variant":
-- the mapping of an item that carried none. Items match by SKU, then
-- listing id plus variant, then listing id (a variant-less mapping), then
-- a product's own etsy_listing_id.
ALTER TABLE order_items ADD COLUMN etsy_variant_id BIGINT;
CREATE TABLE listing_maps (
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    etsy_listing_id BIGINT NOT NULL,
    etsy_variant_id BIGINT NOT NULL DEFAULT 0,
    product_id      BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, etsy_listing_id, etsy_variant_id)
);
CREATE INDEX listing_maps_product ON listing_maps(product_id);
