"""Etsy shops (issue 13 items 1-3): connect with OAuth 2 + PKCE against the
fake Etsy of fake_etsy.py, the shops API, and the import that farm-dispatch
runs: paging with an overlap, idempotence, cancellation, token rotation, a
revoked grant, 429 and a 500 in the middle of paging; item 4: auto
scheduling on import and colour / material variations on the prints;
listing + variant mappings; a receipt's discount and currency in revenue,
profit and /analytics; the pass that reads open orders' receipts again to
find cancels older than the overlap (bounded per run and per interval)."""

import html
import os
import re
import subprocess
from urllib.parse import parse_qs, urlparse

import pytest

from fake_etsy import FakeEtsy, KEYSTRING, SHARED_SECRET, receipt
from helpers import new_file, new_printer, new_product
from printers import bin_dir
from stack import need_bin, need_own_stack
from test_orders_import import HEADER, api_import, row
from test_pages import get, sign_in

# One fake per test process; the workers read these settings at start, so
# they are in the environment before any stack starts.
FAKE = FakeEtsy()
os.environ.update({
    "FARM_ETSY_KEYSTRING": KEYSTRING,
    "FARM_ETSY_SECRET": SHARED_SECRET,
    "FARM_PUBLIC_URL": "http://127.0.0.1",
    "FARM_ETSY_API": FAKE.url,
    "FARM_ETSY_CONNECT": FAKE.url + "/oauth/connect",
})

T0 = 1795269909


@pytest.fixture
def fake():
    FAKE.reset()
    yield FAKE


def dispatch(stack, **env):
    need_own_stack(stack, "farm-dispatch")
    e = stack.env()
    e.pop("FARM_PRINTER_CA", None)
    e.update({"FARM_ETSY_POLL": "0", **{k: str(v) for k, v in env.items()}})
    p = subprocess.run([str(need_bin(bin_dir() / "farm-dispatch")), "--once",
                        "--budget-ms", "300"],
                       capture_output=True, text=True, env=e, timeout=120)
    assert "AddressSanitizer" not in p.stderr, p.stderr
    assert "runtime error:" not in p.stderr, p.stderr
    assert p.returncode == 0, p.stderr
    return p


def connect(stack, api, fake):
    """The consent round trip: our authorize URL, the fake's redirect, the
    callback; then the dispatcher's code exchange. -> the shop's JSON."""
    r = api.post("/api/etsy/shops")
    assert r.status_code == 201, r.text
    shop = r.json()
    assert shop["status"] == "pending"
    url = urlparse(shop["authorize_url"])
    q = parse_qs(url.query)
    assert q["code_challenge_method"] == ["S256"]
    assert q["client_id"] == [KEYSTRING]
    assert q["redirect_uri"] == ["http://127.0.0.1/etsy/callback"]
    back = api.get(shop["authorize_url"], allow_redirects=False)
    assert back.status_code == 302, back.text
    cb = urlparse(back.headers["Location"])
    assert cb.path == "/etsy/callback"
    r = api.get(stack.url + "/etsy/callback?" + cb.query,
                allow_redirects=False)
    assert r.status_code in (302, 303), r.text
    # the same state twice is refused
    again = api.get(stack.url + "/etsy/callback?" + cb.query,
                    allow_redirects=False)
    assert again.status_code == 404
    dispatch(stack)
    r = api.get(f"/api/etsy/shops/{shop['id']}")
    assert r.status_code == 200
    return r.json()


def notified(stack, kind):
    """The user-level events of kind and their outbox rows (channel,
    target), from the database."""
    db = stack.db()
    ev = db.tuples("SELECT id, printer_id, order_id FROM events "
                   "WHERE kind = ? ORDER BY id", (kind,))
    out = db.tuples("SELECT channel, target FROM outbox WHERE event = ? "
                    "ORDER BY id", (kind,))
    return ev, out


def with_email(api, address="seller@example.com"):
    """Two printers sending email to the same address: a shop-level event
    reaches that address once."""
    for name in ("P1S-01", "P1S-02"):
        p = new_printer(api, name=name)
        r = api.put(f"/api/bambu/notifications/{p['id']}",
                    json={"email_enabled": True, "email_address": address})
        assert r.status_code == 200, r.text


def orders(api):
    r = api.get("/api/orders?limit=500")
    assert r.status_code == 200, r.text
    return [o for o in r.json()["orders"] if o["source"] == "etsy"]


def item(tid, qty=1, price=1200, sku=None, listing=1500000000,
         title="Articulated dragon", variations=None, variant=None):
    return (tid, sku, listing, title, qty, price, variations, variant)


@pytest.mark.own_stack
def test_connect_and_shops_api(stack, user, fake):
    api = user.api
    shop = connect(stack, api, fake)
    assert shop["status"] == "connected", shop
    assert shop["shop_id"] == fake.shop_id
    assert shop["shop_name"] == fake.shop_name
    assert shop["auto_schedule"] is False
    listed = api.get("/api/etsy/shops").json()["shops"]
    assert [s["id"] for s in listed] == [shop["id"]]

    # tokens are sealed at rest, never stored in the clear
    row, = stack.db().tuples("SELECT access_token, refresh_token, "
                             "oauth_state FROM etsy_shops WHERE id = ?",
                             (shop["id"],))
    assert row[0] and row[1] and row[2] is None
    for tok in list(fake.access) + list(fake.refresh):
        assert tok not in row[0] and tok not in row[1]

    r = api.put(f"/api/etsy/shops/{shop['id']}",
                json={"auto_schedule": True})
    assert r.status_code == 200 and r.json()["auto_schedule"] is True
    r = api.put(f"/api/etsy/shops/{shop['id']}", json={"enabled": "no"})
    assert r.status_code == 422
    r = api.post(f"/api/etsy/shops/{shop['id']}/sync")
    assert r.status_code == 202, r.text

    other = stack.make_user()
    assert other.api.get("/api/etsy/shops").json()["shops"] == []
    assert other.api.get(f"/api/etsy/shops/{shop['id']}").status_code == 404
    assert other.api.delete(
        f"/api/etsy/shops/{shop['id']}").status_code == 404
    assert api.delete(f"/api/etsy/shops/{shop['id']}").status_code == 204
    assert api.get(f"/api/etsy/shops/{shop['id']}").status_code == 404


@pytest.mark.own_stack
def test_import_pages_overlap_and_cancel(stack, user, fake):
    api = user.api
    with_email(api)
    # 230 receipts over three pages, some sharing a created second
    fake.receipts = [receipt(3000000000 + i, T0 + i // 3,
                             [item(4000000000 + 2 * i, qty=1 + i % 2),
                              item(4000000001 + 2 * i, sku="KEY-NAME",
                                   price=950)])
                     for i in range(230)]
    fake.receipts.append(receipt(3999999999, T0, [item(4999999999)],
                                 status="open"))  # not paid: not imported
    shop = connect(stack, api, fake)
    assert shop["imported_orders"] == 230, shop
    got = orders(api)
    assert len(got) == 230
    assert len({o["external_id"] for o in got}) == 230
    one = api.get(f"/api/orders/{got[0]['id']}").json()
    assert len(one["items"]) == 2

    # a second run: the overlap re-reads receipts, nothing is new
    dispatch(stack)
    assert len(orders(api)) == 230
    assert api.get(f"/api/etsy/shops/{shop['id']}").json()[
        "imported_orders"] == 230

    # a new receipt and a cancelled one
    fake.receipts.append(receipt(3100000000, T0 + 500, [item(4100000000)]))
    fake.receipts[5]["status"] = "canceled"
    dispatch(stack)
    got = {o["external_id"]: o for o in orders(api)}
    assert len(got) == 231
    assert got[str(fake.receipts[5]["receipt_id"])]["status"] == "cancelled"
    assert got["3100000000"]["status"] == "open"
    # order_cancelled once, to the user's one email address
    cancelled = got[str(fake.receipts[5]["receipt_id"])]
    ev, out = notified(stack, "order_cancelled")
    assert [(e[1], e[2]) for e in ev] == [(None, cancelled["id"])]
    assert out == [("email", "seller@example.com")]
    dispatch(stack)                        # seen again: not told twice
    assert notified(stack, "order_cancelled") == (ev, out)


@pytest.mark.own_stack
def test_refresh_rotates_and_revoked_grant(stack, user, fake):
    api = user.api
    with_email(api)
    fake.receipts = [receipt(3200000000, T0, [item(4200000000)])]
    shop = connect(stack, api, fake)
    assert shop["status"] == "connected"
    old = set(fake.refresh)
    # the access token is gone (expired): a 401 refreshes once, rotating
    fake.expire_access()
    fake.receipts.append(receipt(3200000001, T0 + 5, [item(4200000001)]))
    dispatch(stack)
    assert fake.refreshes == 1
    assert not (old & fake.refresh)        # the old one stopped working
    assert len(orders(api)) == 2
    fake.expire_access()
    dispatch(stack)                        # the rotated token was saved
    assert fake.refreshes == 2
    s = api.get(f"/api/etsy/shops/{shop['id']}").json()
    assert s["status"] == "connected" and s["last_error"] is None

    fake.expire_access()
    fake.revoke()
    dispatch(stack)
    s = api.get(f"/api/etsy/shops/{shop['id']}").json()
    assert s["status"] == "reconnect_needed", s
    assert "revoked" in s["last_error"]
    ev, out = notified(stack, "etsy_reconnect_needed")
    assert len(ev) == 1 and ev[0][1] is None, ev
    assert out == [("email", "seller@example.com")]
    calls = len(fake.log)
    dispatch(stack)                        # a dead grant is not retried
    assert len(fake.log) == calls
    assert notified(stack, "etsy_reconnect_needed") == (ev, out)  # once


@pytest.mark.own_stack
def test_429_retry_after_and_500_mid_paging(stack, user, fake):
    api = user.api
    fake.receipts = [receipt(3300000000 + i, T0 + i, [item(4300000000 + i)])
                     for i in range(250)]
    fake.fail_429 = 1
    fake.retry_after = "1"
    fake.fail_500_on = 3        # call 1: 429, call 2: page 1, call 3: 500
    shop = connect(stack, api, fake)
    assert [c[2] for c in fake.log if "/receipts" in c[1]] == [429, 200, 500]
    s = api.get(f"/api/etsy/shops/{shop['id']}").json()
    assert s["imported_orders"] == 100
    assert "500" in s["last_error"]
    assert len(orders(api)) == 100
    # the next run picks up where it stopped: nothing lost, nothing twice
    fake.fail_500_on = None
    stack.db_write("UPDATE etsy_shops SET next_sync_at = 0")
    dispatch(stack)
    got = orders(api)
    assert len(got) == 250
    assert len({o["external_id"] for o in got}) == 250
    s = api.get(f"/api/etsy/shops/{shop['id']}").json()
    assert s["imported_orders"] == 250 and s["last_error"] is None


def prints_of(stack, order_id):
    return stack.db().tuples("SELECT color, material_type, order_item_id "
                             "FROM scheduled_prints WHERE order_id = ? "
                             "ORDER BY id", (order_id,))


@pytest.mark.own_stack
def test_auto_schedule_fully_matched_only(stack, user, fake):
    api = user.api
    new_file(api)
    new_product(api, sku="AUTO-DRAGON", grams=30)
    new_product(api, sku="AUTO-KEY", etsy_listing_id=1609988776)
    shop = connect(stack, api, fake)
    r = api.put(f"/api/etsy/shops/{shop['id']}",
                json={"auto_schedule": True})
    assert r.status_code == 200, r.text
    fake.receipts = [
        # every item matches (by SKU, and by listing id): scheduled
        receipt(3400000000, T0, [item(4400000000, qty=2, sku="AUTO-DRAGON"),
                                 item(4400000001, listing=1609988776)]),
        # one item matches nothing: no prints at all, the order stays open
        receipt(3400000001, T0 + 1, [item(4400000002, sku="AUTO-DRAGON"),
                                     item(4400000003, sku="NOPE")]),
    ]
    p = dispatch(stack)
    got = {o["external_id"]: o for o in orders(api)}
    full, part = got["3400000000"], got["3400000001"]
    assert full["status"] == "scheduled", (full, p.stderr)
    assert len(full["print_ids"]) == 3
    assert len(prints_of(stack, full["id"])) == 3
    assert part["status"] == "open" and part["print_ids"] == []
    assert prints_of(stack, part["id"]) == []
    assert "not scheduled" in p.stderr and "items[1].product_id" in p.stderr
    # a second run neither schedules twice nor retries the refused one
    dispatch(stack)
    got = {o["external_id"]: o for o in orders(api)}
    assert len(got["3400000000"]["print_ids"]) == 3
    assert got["3400000001"]["print_ids"] == []


@pytest.mark.own_stack
def test_colour_and_material_variations_reach_the_prints(stack, user, fake):
    api = user.api
    new_file(api)
    new_product(api, sku="VAR-DRAGON", material_type="PLA", color="#123456")
    shop = connect(stack, api, fake)
    r = api.put(f"/api/etsy/shops/{shop['id']}",
                json={"auto_schedule": True})
    assert r.status_code == 200, r.text
    fake.receipts = [receipt(3500000000, T0, [
        item(4500000000, sku="VAR-DRAGON", variations=[
            {"property_id": 200, "value_id": 1213,
             "formatted_name": "Primary color", "formatted_value": "Red",
             "question_id": None},
            {"property_id": 507, "value_id": 77,
             "formatted_name": "Material", "formatted_value": "PETG",
             "question_id": None},
            {"property_id": 54, "value_id": None,
             "formatted_name": "Personalization", "formatted_value": "MAYA",
             "question_id": 7001}]),
        # a colour name we do not know: text only, the product's colour
        item(4500000001, sku="VAR-DRAGON", variations=[
            {"property_id": 200, "value_id": 1214,
             "formatted_name": "Color", "formatted_value": "Galaxy Black",
             "question_id": None}]),
    ])]
    dispatch(stack)
    [o] = orders(api)
    assert o["status"] == "scheduled", o
    a, b = o["items"]
    assert a["variations"] == ("Primary color: Red; Material: PETG; "
                               "Personalization: MAYA")
    assert a["color"] == "#FF0000" and a["material_type"] == "PETG"
    assert b["variations"] == "Color: Galaxy Black"
    assert b["color"] is None and b["material_type"] is None
    got = {row[2]: row[:2] for row in prints_of(stack, o["id"])}
    assert got[a["id"]] == ("#FF0000", "PETG")
    assert got[b["id"]] == ("#123456", "PLA")


@pytest.mark.own_stack
def test_low_remaining_today_slows_the_poll(stack, user, fake):
    api = user.api
    connect(stack, api, fake)

    def gap():
        (last, nxt), = stack.db().tuples("SELECT last_sync_at, "
                                         "next_sync_at FROM etsy_shops")
        stack.db_write("UPDATE etsy_shops SET next_sync_at = 0")
        return last, nxt - last

    fake.remaining_today = "5000"          # not low: the usual interval
    dispatch(stack, FARM_ETSY_POLL=60)
    assert gap()[1] == 60
    fake.remaining_today = "4999"          # low: four times, until UTC 0:00
    dispatch(stack, FARM_ETSY_POLL=60)
    last, g = gap()
    assert g == max(60, min(240, 86400 - last % 86400)), (last, g)


@pytest.mark.own_stack
def test_listing_and_variant_mapping_beats_listing_only(stack, user, fake):
    """A remembered mapping of listing + variant (the transaction's
    product_id) wins over one of the listing alone for that variant; an
    item of another variant of the same listing falls back to the
    listing's mapping (migration 011, listing_maps)."""
    api = user.api
    new_file(api)
    black = new_product(api, name="Dragon, black")
    anyv = new_product(api, name="Dragon, any colour")
    listing, v_black, v_white = 1523344556, 18800112233, 18800112234
    fake.receipts = [receipt(3600000000, T0, [
        item(4600000000, listing=listing, variant=v_black)])]
    connect(stack, api, fake)
    [o] = orders(api)
    it = o["items"][0]
    assert it["product_id"] is None            # nothing to match yet
    # mapped: remembered for the listing + this variant
    r = api.put(f"/api/orders/{o['id']}/items/{it['id']}",
                json={"product_id": black["id"]})
    assert r.status_code == 200, r.text
    # an order of the listing without a variant, mapped to another
    # product: remembered for the listing alone
    r = api.post("/api/orders", json={"items": [
        {"title": "Dragon", "quantity": 1, "etsy_listing_id": listing}]})
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["items"][0]["product_id"] is None  # the variant's map is not it
    r = api.put(f"/api/orders/{m['id']}/items/{m['items'][0]['id']}",
                json={"product_id": anyv["id"]})
    assert r.status_code == 200, r.text

    fake.receipts.append(receipt(3600000001, T0 + 5, [
        item(4600000001, listing=listing, variant=v_black),
        item(4600000002, listing=listing, variant=v_white),
        item(4600000003, listing=listing + 7, variant=v_black)]))
    dispatch(stack)
    got = {x["external_id"]: x for x in orders(api)}["3600000001"]
    assert [x["product_id"] for x in got["items"]] == \
        [black["id"], anyv["id"], None]
    db = stack.db()
    rows = db.tuples("SELECT etsy_transaction_id, etsy_variant_id "
                     "FROM order_items WHERE order_id = ? ORDER BY id",
                     (got["id"],))
    maps = db.tuples("SELECT etsy_listing_id, etsy_variant_id, product_id "
                     "FROM listing_maps ORDER BY etsy_variant_id")
    assert rows == [("4600000001", v_black), ("4600000002", v_white),
                    ("4600000003", v_black)]
    assert maps == [(listing, 0, anyv["id"]), (listing, v_black, black["id"])]


def analytics_rows(b, table):
    """The rows of /analytics' profit table (id table) as tuples of cell
    text."""
    r = get(b, "/analytics")
    assert r.status_code == 200, r.text[:500]
    body = re.search(r'<table class="figures" id="%s">(.*?)</table>' % table,
                     r.text, re.S).group(1)
    body = body.split("<tbody>", 1)[1]
    return [tuple(html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                  for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.mark.own_stack
def test_receipt_discount_and_currencies(stack, user, fake):
    """A receipt's discount_amt (else total_price - subtotal) comes off the
    order's revenue, never below 0; an order in another currency than the
    farm's (USD) has its revenue in that currency, its cost in USD and no
    profit; /analytics and the order page keep one row / figure per
    currency. Worked figures: R1 = 2 x 24.00 + 9.50 = 57.50 less 5.75 =
    51.75, shared 43.20 (dragon: 48.00 - 4800 x 575 / 5750 cents) and 8.55
    (key: the rest of the discount); R2 = 10.00 less 50.00 -> 0; R3 = 20.00
    EUR; R4 = 9.50 less (9.50 - 8.50 subtotal) = 8.50. Each print costs
    1.20 USD (60 min at 1.20/h; no energy price, no material cost)."""
    api = user.api
    new_file(api)
    pr = new_printer(api, model="A1")
    assert api.put(f"/api/printers/{pr['id']}",
                   json={"machine_rate": 1.20}).status_code == 200
    new_product(api, name="Dragon", sku="DSC-DRG", estimated_minutes=60)
    new_product(api, name="Key", sku="DSC-KEY", estimated_minutes=60)
    fake.receipts = [
        receipt(3700000001, T0, [item(4700000001, qty=2, price=2400,
                                      sku="DSC-DRG"),
                                 item(4700000002, price=950, sku="DSC-KEY")],
                discount=575),
        receipt(3700000002, T0 + 1, [item(4700000003, price=1000,
                                          sku="DSC-DRG")], discount=5000),
        receipt(3700000003, T0 + 2, [item(4700000004, price=2000,
                                          sku="DSC-DRG")], currency="EUR"),
        receipt(3700000004, T0 + 3, [item(4700000005, price=950,
                                          sku="DSC-KEY")],
                discount=100, discount_amt=False),
    ]
    connect(stack, api, fake)
    got = {o["external_id"]: o for o in orders(api)}
    money = {k: (o["currency"], o["discount"], o["revenue"], o["cost"],
                 o["cost_currency"], o["profit"]) for k, o in got.items()}
    assert money == {
        "3700000001": ("USD", 5.75, 51.75, 0, "USD", 51.75),
        "3700000002": ("USD", 50.00, 0, 0, "USD", 0),
        "3700000003": ("EUR", 0, 20.00, 0, "USD", None),
        "3700000004": ("USD", 1.00, 8.50, 0, "USD", 8.50),
    }
    assert [i["currency"] for i in got["3700000003"]["items"]] == ["EUR"]

    for k in ("3700000001", "3700000003"):
        r = api.post(f"/api/orders/{got[k]['id']}/schedule-prints",
                     json={"printer_id": pr["id"]})
        assert r.status_code == 201, r.text
    one = api.get(f"/api/orders/{got['3700000001']['id']}").json()
    assert (one["revenue"], one["cost"], one["profit"]) == (51.75, 3.60, 48.15)
    eur = api.get(f"/api/orders/{got['3700000003']['id']}").json()
    assert (eur["currency"], eur["revenue"], eur["cost"],
            eur["cost_currency"], eur["profit"]) == \
        ("EUR", 20.00, 1.20, "USD", None)

    b = sign_in(stack, user)
    page = get(b, f"/orders/{one['id']}").text
    assert '<dd data-field="discount">5.75 USD</dd>' in page
    assert '<dd data-field="revenue">51.75 USD' in page
    assert '<dd data-field="cost">3.60 USD</dd>' in page
    assert '<dd data-field="profit">48.15 USD</dd>' in page
    page = get(b, f"/orders/{eur['id']}").text
    assert '<dd data-field="revenue">20.00 EUR' in page
    assert '<dd data-field="cost">1.20 USD</dd>' in page
    assert ("(unavailable: the order is in EUR, costs are in USD)"
            in page), page
    assert "— EUR" not in page

    days = analytics_rows(b, "profit-days")
    assert [d[1:] for d in days] == [
        ("EUR", "20.00", "1.20", "—"),
        ("USD", "60.25", "3.60", "56.65"),
    ]
    assert days[0][0] == days[1][0]          # the same day, two currencies
    assert analytics_rows(b, "profit-products") == [
        ("Dragon", "EUR", "20.00", "1.20", "—"),
        ("Dragon", "USD", "43.20", "2.40", "40.80"),
        ("Key", "USD", "17.05", "1.20", "15.85"),
    ]


def receipt_reads(fake, since=0):
    """The receipt ids read one by one (getShopReceipt) after log entry
    since."""
    return [c[1].rsplit("/", 1)[1] for c in fake.log[since:]
            if c[0] == "GET" and "/receipts/" in c[1]]


@pytest.mark.own_stack
def test_cancel_older_than_the_overlap_is_found(stack, user, fake):
    """A receipt imported, then cancelled when it is older than the
    import's one-day overlap (the receipts list no longer returns it), is
    read again by id on a later run: its order is cancelled with the same
    order_cancelled notice, once, and a cancelled order is not read
    again."""
    api = user.api
    with_email(api)
    old = receipt(3800000000, T0, [item(4800000000)])
    fake.receipts = [old]
    shop = connect(stack, api, fake)
    assert shop["imported_orders"] == 1
    # a newer receipt moves the cursor three days on: the overlap (one
    # day) no longer reaches the old one
    fake.receipts.append(receipt(3800000001, T0 + 3 * 86400,
                                 [item(4800000001)]))
    dispatch(stack)
    assert len(orders(api)) == 2

    old["status"] = "canceled"
    mark = len(fake.log)
    dispatch(stack)
    lists = [c[1] for c in fake.log[mark:] if c[1].split("?")[0].endswith(
        "/receipts")]
    assert lists and all(f"min_created={T0 + 2 * 86400}" in u for u in lists)
    assert "3800000000" in receipt_reads(fake, mark)
    got = {o["external_id"]: o for o in orders(api)}
    assert got["3800000000"]["status"] == "cancelled"
    assert got["3800000001"]["status"] == "open"
    ev, out = notified(stack, "order_cancelled")
    assert [(e[1], e[2]) for e in ev] == [(None, got["3800000000"]["id"])]
    assert out == [("email", "seller@example.com")]

    mark = len(fake.log)
    dispatch(stack)                        # cancelled: not read, not told
    assert "3800000000" not in receipt_reads(fake, mark)
    assert "3800000001" in receipt_reads(fake, mark)
    assert notified(stack, "order_cancelled") == (ev, out)


@pytest.mark.own_stack
def test_rereading_is_bounded_per_run_and_per_poll(stack, user, fake):
    """At most 25 receipts are read again per run, the least recently read
    first, and an order at most once per FARM_ETSY_POLL seconds (the
    dispatcher's fake clock, FARM_NOW, moves; nothing sleeps)."""
    api = user.api
    fake.receipts = [receipt(3900000000 + i, T0, [item(4900000000 + i)])
                     for i in range(30)]
    connect(stack, api, fake)
    fake.receipts.append(receipt(3900000100, T0 + 3 * 86400,
                                 [item(4900000100)]))
    now = stack.db().scalar("SELECT max(etsy_checked_at) FROM orders")

    def run(at):
        stack.db_write("UPDATE etsy_shops SET next_sync_at = 0")
        mark = len(fake.log)
        dispatch(stack, FARM_ETSY_POLL=600, FARM_NOW=at)
        return receipt_reads(fake, mark)

    old = [str(3900000000 + i) for i in range(30)]
    # the list still returns the 30 (the cursor moves this run): read
    # there, none is due for reading again
    assert run(now + 600) == []
    # a poll interval on: all 30 are due, 25 are read, by order id
    assert run(now + 1200) == old[:25]
    # the same interval: the 5 left, not the 25 (nor the new receipt, which
    # the list returns each run)
    assert run(now + 1201) == old[25:]
    assert run(now + 1202) == []
    # the next interval: those read longest ago first
    assert run(now + 1800) == old[:25]
    assert run(now + 1801) == old[25:]


@pytest.mark.own_stack
def test_rereading_csv_orders_unknown_receipts_and_a_5xx(stack, user, fake):
    """Orders imported from Etsy's CSV name no shop: a connected shop reads
    their receipts too, and cancels the one Etsy cancelled; a receipt the
    shop does not know (404) is skipped until the next interval, not
    cancelled; a 5xx stops the pass and is the shop's last_error."""
    api = user.api
    csv = "\r\n".join([HEADER,
                       row("Hook", "Ann", 1, "5.00", "4950000000", "",
                           "3950000000"),
                       row("Hook", "Bob", 1, "5.00", "4950000001", "",
                           "3950000001")]) + "\r\n"
    assert api_import(api, csv).json()["imported"] == 2
    # the shop's first import moves the cursor past the CSV's receipts
    fake.receipts = [receipt(3950000100, T0 + 3 * 86400, [item(4950000100)])]
    fake.fail_receipt = 500
    shop = connect(stack, api, fake)
    s = api.get(f"/api/etsy/shops/{shop['id']}").json()
    assert s["last_error"].startswith("recheck: ") and "500" in \
        s["last_error"], s
    assert s["imported_orders"] == 1       # the import itself stands
    got = {o["external_id"]: o["status"] for o in orders(api)}
    assert got == {"3950000000": "open", "3950000001": "open",
                   "3950000100": "open"}

    # refunded on Etsy, and older than the overlap: only a read finds it
    fake.receipts.append(receipt(3950000000, T0, [item(4950000000)],
                                 status="fully refunded"))
    fake.fail_receipt = None
    stack.db_write("UPDATE etsy_shops SET next_sync_at = 0")
    mark = len(fake.log)
    dispatch(stack, FARM_ETSY_POLL=600)
    assert sorted(receipt_reads(fake, mark)) == ["3950000000", "3950000001"]
    got = {o["external_id"]: o["status"] for o in orders(api)}
    assert got == {"3950000000": "cancelled", "3950000001": "open",
                   "3950000100": "open"}
    s = api.get(f"/api/etsy/shops/{shop['id']}").json()
    assert s["last_error"] is None
    ev, _ = notified(stack, "order_cancelled")
    assert len(ev) == 1
    shops = dict(stack.db().tuples(
        "SELECT external_id, etsy_shop_id FROM orders WHERE user_id = "
        "(SELECT id FROM users WHERE email = ?)", (user.email,)))
    stack.db_write("UPDATE etsy_shops SET next_sync_at = 0")
    # found: the order is the shop's now; unknown: still no shop's
    assert shops == {"3950000000": fake.shop_id, "3950000001": None,
                     "3950000100": fake.shop_id}
    mark = len(fake.log)
    dispatch(stack, FARM_ETSY_POLL=600)    # read within the interval
    assert receipt_reads(fake, mark) == []
