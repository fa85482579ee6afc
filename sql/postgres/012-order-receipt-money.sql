-- Receipt money (issue 13): what an Etsy receipt took off its items' total
-- (discount_amt: coupons and sales, integer minor units; NULL when the
-- receipt said nothing) and the receipt's currency (ISO 4217; NULL for
-- orders typed in by hand, which are in the farm's currency). An order's
-- revenue is its items' price x quantity less this discount, never below
-- 0 (docs/API.md, "The order object").
ALTER TABLE orders ADD COLUMN discount BIGINT;
ALTER TABLE orders ADD COLUMN currency TEXT;
