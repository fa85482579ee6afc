"""Mapping an unmatched order item to a product in headless Chromium
(issue 13 item 4): the order page lists the item of an unknown Etsy
listing as unmatched with a "Map to product" form; choosing the product
and clicking maps it, and the next order of that listing shows the product
by itself. Screenshots: build/screenshots/map-product*."""

import uuid

from test_pages_shop import listing_order, product_api, upload_api


def test_map_an_item_and_the_next_order_matches(signed):
    c, user = signed
    upload_api(user.api)
    pid = product_api(user.api, "Lamp shade")
    listing = 700000 + int(uuid.uuid4().int % 99999)
    o = listing_order(user.api, listing, title="Shade, large")
    item = o["items"][0]["id"]

    c.page(f"/orders/{o['id']}")
    assert "unmatched" in c.text("table.items")
    c.shot("map-product")
    c.fill({"product_id": "Lamp shade"})
    c.submit(f"form[action='/orders/{o['id']}/items/{item}/map'] "
             "button[type=submit]")
    c.wait(lambda: "Mapped" in c.d.page_source, what="the mapped notice")
    c.check_console("the mapped order")
    assert c.text("table.items a") == "Lamp shade"

    nxt = listing_order(user.api, listing, title="Shade, again")
    c.page(f"/orders/{nxt['id']}")
    link = c.find("table.items a")
    assert link.text == "Lamp shade"
    assert link.get_attribute("href").endswith(f"/products/{pid}")
    assert "unmatched" not in c.text("table.items")
    c.shot("map-product-next")
