"""Etsy's "Sold Order Items" CSV import, through POST /api/orders/import
and the "Import Etsy CSV" form on /orders: a file in Etsy's column layout
with a quoted comma, a multi-line personalization and an unknown column
imports once (the second import changes nothing), a bad row is refused
with its reason and refuses its order, a changed price is "updated", and
a missing required column is a 422 naming it."""

import html
import re

from helpers import new_file, new_product
from test_pages import assert_html, get, hidden_csrf, sign_in

HEADER = ("Sale Date,Item Name,Buyer,Quantity,Price,Coupon Code,"
          "Coupon Details,Discount Amount,Delivery Discount,Order Shipping,"
          "Order Sales Tax,Item Total,Currency,Transaction ID,Listing ID,"
          "Date Paid,Date Shipped,Ship Name,Ship Address1,Ship City,"
          "Ship State,Ship Zipcode,Ship Country,Order ID,Variations,"
          "Order Type,Listings Type,Payment Type,InPerson Discount,"
          "InPerson Location,VAT Paid by Buyer,SKU,Gift Wrap Colour")


def row(name, buyer, qty, price, txn, listing, order, variations="",
        sku=""):
    def q(v):
        v = str(v)
        if any(ch in v for ch in ',"\n'):
            return '"' + v.replace('"', '""') + '"'
        return v
    cells = ["12/01/2026", name, buyer, qty, price, "", "", "0", "0",
             "4.50", "0", price, "USD", txn, listing, "12/01/2026", "",
             buyer, "1 Main St", "Springfield", "IL", "62701",
             "United States", order, variations, "online", "listing",
             "online_cc", "", "", "0", sku, "gold"]
    return ",".join(q(c) for c in cells)


def etsy_csv():
    return "\r\n".join([
        HEADER,
        row("Planter, small", "Ann Lee", 2, "12.50", "4001", "111", "3001",
            sku="POT-S"),
        row("Name sign", "Ann Lee", 1, "30.00", "4002", "112", "3001",
            variations="Personalization:Happy birthday\nLove, Mum"),
        row("Cube", "Bob Roe", 3, "4", "4003", "", "3002"),
        row("Hook", "Cy Poe", "two", "5.00", "4004", "", "3003"),
        row("Hook", "Cy Poe", 1, "5.00", "4005", "", "3003"),
    ]) + "\r\n"


def api_import(api, body, ctype="text/csv"):
    return api.post("/api/orders/import", data=body.encode(),
                    headers={"Content-Type": ctype})


def etsy_orders(api):
    return {o["external_id"]: o for o in api.get("/api/orders").json()["orders"]
            if o["source"] == "etsy"}


def test_import_report_and_idempotent(user):
    api = user.api
    new_file(api, "pot.3mf")
    pot = new_product(api, sku="POT-S", file="pot.3mf")
    r = api_import(api, etsy_csv())
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["imported"], rep["updated"], rep["unchanged"],
            rep["refused"]) == (3, 0, 0, 2)
    lines = [x["line"] for x in rep["rows"]]
    assert lines == [2, 3, 5, 6, 7]  # the personalization spans 3-4
    bad, other = rep["rows"][3], rep["rows"][4]
    assert bad["result"] == "refused" and bad["transaction_id"] == "4004"
    assert 'Quantity "two"' in bad["reason"]
    assert other["result"] == "refused" and "line 6" in other["reason"]
    assert rep["rows"][0] == {"line": 2, "transaction_id": "4001",
                              "order_id": "3001", "result": "imported",
                              "reason": None}

    orders = etsy_orders(api)
    assert set(orders) == {"3001", "3002"}
    o = orders["3001"]
    assert o["buyer"] == "Ann Lee" and o["status"] == "open"
    titles = [it["title"] for it in o["items"]]
    assert titles == ["Planter, small", "Name sign"]
    assert o["items"][0]["product_id"] == pot["id"]
    assert o["items"][0]["quantity"] == 2
    assert o["items"][1]["etsy_listing_id"] == 112

    again = api_import(api, etsy_csv()).json()
    assert (again["imported"], again["updated"], again["unchanged"],
            again["refused"]) == (0, 0, 3, 2)
    assert etsy_orders(api) == orders


def test_changed_price_is_updated(user):
    api = user.api
    assert api_import(api, etsy_csv()).status_code == 200
    changed = HEADER + "\n" + row("Cube", "Bob Roe", 3, "4.25", "4003", "",
                                  "3002") + "\n"
    rep = api_import(api, changed).json()
    assert rep["updated"] == 1 and rep["imported"] == 0
    assert rep["rows"][0]["result"] == "updated"
    assert "425" in rep["rows"][0]["reason"]


def test_missing_required_column_is_422(user):
    body = etsy_csv().replace("Transaction ID", "Txn", 1)
    r = api_import(user.api, body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert "Transaction ID" in err["message"]
    assert etsy_orders(user.api) == {}


def test_other_type_is_415(user):
    r = api_import(user.api, etsy_csv(), ctype="application/json")
    assert r.status_code == 415, r.text


def test_upload_form_shows_the_report(stack, user):
    b = sign_in(stack, user)
    page = get(b, "/orders")
    assert_html(page, 200)
    assert "Import Etsy CSV" in page.text
    token = hidden_csrf(page.text)

    def upload(body, tok=token):
        parts = []
        if tok is not None:
            parts.append(("csrf", (None, tok)))
        parts.append(("file", ("EtsySoldOrderItems.csv", body.encode(),
                               "text/csv")))
        return b.post("/orders/import", files=parts, allow_redirects=False)

    r = upload(etsy_csv())
    assert_html(r, 200)
    text = html.unescape(r.text)
    assert "3 imported, 0 updated, 0 unchanged, 2 refused." in text
    assert 'Quantity "two" is not a whole number' in text
    assert re.search(r'<tr class="refused">\s*<td class="num">6</td>', r.text)

    r = upload(etsy_csv())
    assert_html(r, 200)
    assert "0 imported, 0 updated, 3 unchanged, 2 refused." in r.text
    assert set(etsy_orders(user.api)) == {"3001", "3002"}

    r = upload(etsy_csv().replace("Price", "Cost", 1))
    assert_html(r, 422)
    assert "missing required column: Price" in r.text

    assert upload(etsy_csv(), tok=None).status_code == 403


def test_variations_column_reaches_items_and_prints(user):
    """Etsy's Variations cell ("Name:Value,Name:Value") becomes the item's
    variations text, and a colour / material variation overrides the
    product's on the item's prints, exactly as the API import does."""
    api = user.api
    new_file(api, "dragon.3mf")
    dragon = new_product(api, sku="DRG-V", file="dragon.3mf",
                         material_type="PLA", color="#123456")
    body = "\r\n".join([
        HEADER,
        row("Dragon", "Eve Sun", 1, "20.00", "4101", "211", "3101",
            variations="Color:Red,Size:Large", sku="DRG-V"),
        row("Dragon", "Eve Sun", 1, "20.00", "4102", "211", "3101",
            variations="Primary color:Galaxy Black,Material:PETG",
            sku="DRG-V"),
        row("Dragon", "Eve Sun", 1, "20.00", "4103", "211", "3101",
            variations="Personalization:Hi, Eve", sku="DRG-V"),
    ]) + "\r\n"
    rep = api_import(api, body).json()
    assert rep["imported"] == 3 and rep["refused"] == 0, rep
    o = etsy_orders(api)["3101"]
    got = [(it["variations"], it["color"], it["material_type"])
           for it in o["items"]]
    assert got == [("Color: Red; Size: Large", "#FF0000", None),
                   ("Primary color: Galaxy Black; Material: PETG", None,
                    "PETG"),
                   ("Personalization: Hi, Eve", None, None)]
    assert all(it["product_id"] == dragon["id"] for it in o["items"])
    r = api.post(f"/api/orders/{o['id']}/schedule-prints", json={})
    assert r.status_code == 201, r.text
    prints = {p["order_item_id"]: (p["color"], p["material_type"])
              for p in r.json()["prints"]}
    a, b, c = (it["id"] for it in o["items"])
    assert prints == {a: ("#FF0000", "PLA"), b: ("#123456", "PETG"),
                      c: ("#123456", "PLA")}
