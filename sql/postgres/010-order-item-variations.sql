-- An Etsy item's variations (issue 13 item 4): the text as imported
-- ("Primary color: Red; Size: L", personalization included) and the
-- colour (#RRGGBB) and material type a colour or material variation asked
-- for. color and material_type, when set, win over the product's for the
-- prints made for the item; NULL keeps the product's.
ALTER TABLE order_items ADD COLUMN variations TEXT;
ALTER TABLE order_items ADD COLUMN color TEXT;
ALTER TABLE order_items ADD COLUMN material_type TEXT;
