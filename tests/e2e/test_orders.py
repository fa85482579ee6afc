"""Orders: create with item matching (product_id, then SKU, then listing
id), duplicates, validation with indexed field names, list and read, and
scheduling an order into one chain of prints, all or nothing."""

import pytest

from helpers import error_of, new_file, new_order, new_printer, new_product

PRINT_FIELDS = {"id", "printer_id", "name", "file", "plate", "status",
                "priority", "scheduled_at", "estimated_minutes",
                "chain_after_id", "chain_offset_minutes", "order_id",
                "order_item_id", "nozzle_temp", "bed_temp", "speed_level",
                "material_slot", "material_type", "color", "grams",
                "material_cost", "energy_cost", "machine_cost",
                "total_cost", "currency",
                "started_at", "completed_at", "failure_reason",
                "progress_percent", "created_at", "updated_at"}


@pytest.fixture
def api(user):
    new_file(user.api, "part.3mf")
    return user.api


def schedule(api, order_id, body=None):
    return api.post(f"/api/orders/{order_id}/schedule-prints",
                    json=body if body is not None else {})


def test_create_defaults_and_shape(api):
    r = api.post("/api/orders", json={"items": [{"title": "Hook",
                                                 "quantity": 2}]})
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["source"] == "manual" and o["status"] == "open"
    assert o["external_id"] is None and o["buyer"] is None
    assert o["created_at"].endswith("Z")
    assert o["print_ids"] == []
    [it] = o["items"]
    assert set(it) == {"id", "title", "sku", "etsy_listing_id", "quantity",
                       "product_id", "price", "currency", "variations",
                       "color", "material_type"}
    assert it["currency"] == "USD"         # typed in: the farm's currency
    assert (o["currency"], o["discount"], o["revenue"], o["cost"],
            o["cost_currency"], o["profit"]) == ("USD", None, None, 0,
                                                 "USD", None)
    assert it["title"] == "Hook" and it["quantity"] == 2
    assert it["product_id"] is None
    assert api.get(f"/api/orders/{o['id']}").json() == o


def test_matching_order_product_id_then_sku_then_listing(api):
    by_sku = new_product(api, sku="SKU-1", etsy_listing_id=111)
    by_listing = new_product(api, sku="SKU-2", etsy_listing_id=222)
    direct = new_product(api, sku=None)
    o = new_order(api, [
        # product_id wins over a SKU and listing of other products
        {"title": "a", "quantity": 1, "product_id": direct["id"],
         "sku": "SKU-1", "etsy_listing_id": 222},
        # SKU wins over listing id
        {"title": "b", "quantity": 1, "sku": "SKU-1",
         "etsy_listing_id": 222},
        # unknown SKU falls back to the listing id
        {"title": "c", "quantity": 1, "sku": "NOPE",
         "etsy_listing_id": 222},
        {"title": "d", "quantity": 1, "etsy_listing_id": 111},
        {"title": "e", "quantity": 1, "sku": "NOPE", "etsy_listing_id": 9},
    ], source="etsy", external_id="R-1", buyer="Ada L.")
    got = [it["product_id"] for it in o["items"]]
    assert got == [direct["id"], by_sku["id"], by_listing["id"],
                   by_sku["id"], None]
    assert o["source"] == "etsy" and o["buyer"] == "Ada L."


def test_lowest_id_wins_on_shared_sku(api):
    first = new_product(api, sku="SAME")
    new_product(api, sku="SAME")
    o = new_order(api, [{"title": "a", "quantity": 1, "sku": "SAME"}])
    assert o["items"][0]["product_id"] == first["id"]


def test_duplicate_source_external_id_is_409(api):
    new_order(api, [{"title": "a", "quantity": 1}], source="etsy",
              external_id="X-1")
    r = api.post("/api/orders", json={"source": "etsy", "external_id": "X-1",
                                      "items": [{"title": "a",
                                                 "quantity": 1}]})
    error_of(r, 409, "conflict")
    # another source, or no external id at all, is fine
    new_order(api, [{"title": "a", "quantity": 1}], source="manual",
              external_id="X-1")
    new_order(api, [{"title": "a", "quantity": 1}])
    new_order(api, [{"title": "a", "quantity": 1}])


def test_same_external_id_for_two_users_is_fine(stack, api):
    new_order(api, [{"title": "a", "quantity": 1}], external_id="SHARED")
    other = stack.make_user()
    try:
        new_order(other.api, [{"title": "a", "quantity": 1}],
                  external_id="SHARED")
    finally:
        other.api.close()


@pytest.mark.parametrize("body,field", [
    ({}, "items"),
    ({"items": []}, "items"),
    ({"items": {"title": "a"}}, "items"),
    ({"items": [{"title": "a", "quantity": 1}] * 101}, "items"),
    ({"items": [{"title": "a", "quantity": 1}, 5]}, "items[1]"),
    ({"items": [{"title": "a", "quantity": 1},
                {"title": "b", "quantity": 1},
                {"title": "c", "quantity": "3"}]}, "items[2].quantity"),
    ({"items": [{"quantity": 1}]}, "items[0].title"),
    ({"items": [{"title": "", "quantity": 1}]}, "items[0].title"),
    ({"items": [{"title": "a"}]}, "items[0].quantity"),
    ({"items": [{"title": "a", "quantity": 0}]}, "items[0].quantity"),
    ({"items": [{"title": "a", "quantity": 1001}]}, "items[0].quantity"),
    ({"items": [{"title": "a", "quantity": 1, "sku": "x" * 65}]},
     "items[0].sku"),
    ({"items": [{"title": "a", "quantity": 1, "product_id": "1"}]},
     "items[0].product_id"),
    ({"items": [{"title": "a", "quantity": 1, "etsy_listing_id": -4}]},
     "items[0].etsy_listing_id"),
    ({"items": [{"title": "a", "quantity": 1, "product_id": 99999}]},
     "items[0].product_id"),
    ({"source": "ebay", "items": [{"title": "a", "quantity": 1}]},
     "source"),
    ({"external_id": "x" * 65, "items": [{"title": "a", "quantity": 1}]},
     "external_id"),
    ({"buyer": 5, "items": [{"title": "a", "quantity": 1}]}, "buyer"),
])
def test_bad_orders_are_422(api, body, field):
    err = error_of(api.post("/api/orders", json=body), 422,
                   "validation_failed")
    assert field in err["fields"], err
    assert api.get("/api/orders").json()["orders"] == []


def test_all_bad_fields_reported_together(api):
    err = error_of(api.post("/api/orders", json={
        "source": "ebay",
        "items": [{"title": "", "quantity": 1},
                  {"title": "ok", "quantity": 0}]}), 422,
        "validation_failed")
    assert {"source", "items[0].title", "items[1].quantity"} <= \
        set(err["fields"])


def test_list_newest_first_and_paging(api):
    ids = [new_order(api, [{"title": str(i), "quantity": 1}])["id"]
           for i in range(3)]
    got = [o["id"] for o in api.get("/api/orders").json()["orders"]]
    assert got == ids[::-1]
    got = api.get("/api/orders?limit=1&offset=1").json()["orders"]
    assert [o["id"] for o in got] == [ids[1]]
    assert "items" in got[0] and "print_ids" in got[0]


def test_unknown_and_other_users_order_is_404(stack, api):
    o = new_order(api, [{"title": "a", "quantity": 1}])
    error_of(api.get("/api/orders/99999"), 404, "not_found")
    error_of(schedule(api, 99999), 404, "not_found")
    other = stack.make_user()
    try:
        r1 = other.api.get(f"/api/orders/{o['id']}")
        error_of(r1, 404, "not_found")
        assert r1.json() == other.api.get("/api/orders/99999").json()
        error_of(schedule(other.api, o["id"]), 404, "not_found")
    finally:
        other.api.close()
    assert api.get(f"/api/orders/{o['id']}").json()["print_ids"] == []


def test_schedule_chain_with_start_and_gap(api):
    printer = new_printer(api)
    hook = new_product(api, name="Hook", estimated_minutes=48, grams=22,
                       material_type="PETG", color="#112233", plate=2,
                       nozzle_temp=240, bed_temp=70, speed_level=3,
                       material_slot=4)
    vase = new_product(api, name="Vase", estimated_minutes=30)
    o = new_order(api, [
        {"title": "Desk hook", "quantity": 2, "product_id": hook["id"]},
        {"title": "Vase", "quantity": 1, "product_id": vase["id"]}])
    r = schedule(api, o["id"], {"printer_id": printer["id"],
                                "start_at": "2026-12-01T08:00:00+01:00",
                                "gap_minutes": 5})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["order_id"] == o["id"]
    prints = body["prints"]
    assert len(prints) == 3
    for p in prints:
        assert set(p) == PRINT_FIELDS
        assert p["order_id"] == o["id"]
        assert p["printer_id"] == printer["id"]
        assert p["status"] == "scheduled"
    a, b, c = prints
    assert [p["name"] for p in prints] == ["Hook #1", "Hook #2", "Vase"]
    assert a["order_item_id"] == b["order_item_id"] == o["items"][0]["id"]
    assert c["order_item_id"] == o["items"][1]["id"]
    assert a["scheduled_at"] == "2026-12-01T07:00:00Z"
    assert a["chain_after_id"] is None
    assert b["chain_after_id"] == a["id"] and b["chain_offset_minutes"] == 5
    assert b["scheduled_at"] == "2026-12-01T07:53:00Z"
    assert c["chain_after_id"] == b["id"]
    assert c["scheduled_at"] == "2026-12-01T08:46:00Z"
    for k in ("file", "plate", "estimated_minutes", "grams", "nozzle_temp",
              "bed_temp", "speed_level", "material_slot"):
        assert a[k] == hook[k], k
    assert c["estimated_minutes"] == 30
    o2 = api.get(f"/api/orders/{o['id']}").json()
    assert o2["status"] == "scheduled"
    assert o2["print_ids"] == [a["id"], b["id"], c["id"]]
    listed = api.get(f"/api/bambu/scheduled-prints?order_id={o['id']}")
    assert sorted(p["id"] for p in listed.json()["prints"]) == \
        sorted(o2["print_ids"])


def test_schedule_without_start_queues_first(api):
    prod = new_product(api, name="Solo")
    o = new_order(api, [{"title": "x", "quantity": 1,
                         "product_id": prod["id"]}])
    r = api.post(f"/api/orders/{o['id']}/schedule-prints")  # no body
    assert r.status_code == 201, r.text
    [p] = r.json()["prints"]
    assert p["status"] == "queued" and p["scheduled_at"] is None
    assert p["printer_id"] is None and p["name"] == "Solo"


def test_second_schedule_is_409(api):
    prod = new_product(api)
    o = new_order(api, [{"title": "x", "quantity": 2,
                         "product_id": prod["id"]}])
    assert schedule(api, o["id"]).status_code == 201
    error_of(schedule(api, o["id"]), 409, "conflict")
    assert len(api.get(f"/api/orders/{o['id']}").json()["print_ids"]) == 2


def test_item_without_product_creates_nothing(api):
    prod = new_product(api, sku="HAS")
    o = new_order(api, [{"title": "ok", "quantity": 2, "sku": "HAS"},
                        {"title": "lost", "quantity": 1, "sku": "NONE"},
                        {"title": "lost2", "quantity": 1}])
    err = error_of(schedule(api, o["id"]), 422, "validation_failed")
    assert set(err["fields"]) == {"items[1].product_id",
                                  "items[2].product_id"}
    assert api.get("/api/bambu/scheduled-prints").json()["prints"] == []
    o2 = api.get(f"/api/orders/{o['id']}").json()
    assert o2["status"] == "open" and o2["print_ids"] == []
    assert o2["items"][0]["product_id"] == prod["id"]


def test_product_created_later_is_matched_at_schedule(api):
    o = new_order(api, [{"title": "late", "quantity": 1, "sku": "LATE"}])
    assert o["items"][0]["product_id"] is None
    prod = new_product(api, sku="LATE")
    r = schedule(api, o["id"])
    assert r.status_code == 201, r.text
    o2 = api.get(f"/api/orders/{o['id']}").json()
    assert o2["items"][0]["product_id"] == prod["id"]


@pytest.mark.parametrize("body,field", [
    ({"printer_id": 99999}, "printer_id"),
    ({"printer_id": "1"}, "printer_id"),
    ({"start_at": "tomorrow"}, "start_at"),
    ({"gap_minutes": -1}, "gap_minutes"),
    ({"gap_minutes": 10081}, "gap_minutes"),
])
def test_schedule_bad_body_is_422(api, body, field):
    prod = new_product(api)
    o = new_order(api, [{"title": "x", "quantity": 1,
                         "product_id": prod["id"]}])
    err = error_of(schedule(api, o["id"], body), 422, "validation_failed")
    assert field in err["fields"]
    assert api.get(f"/api/orders/{o['id']}").json()["print_ids"] == []


def test_schedule_onto_other_users_printer_is_422(stack, api):
    prod = new_product(api)
    o = new_order(api, [{"title": "x", "quantity": 1,
                         "product_id": prod["id"]}])
    other = stack.make_user()
    try:
        theirs = new_printer(other.api)
    finally:
        other.api.close()
    err = error_of(schedule(api, o["id"], {"printer_id": theirs["id"]}),
                   422, "validation_failed")
    assert "printer_id" in err["fields"]


def test_schedule_when_products_file_was_deleted_is_422(api):
    new_file(api, "temp.3mf")
    prod = new_product(api, file="temp.3mf")
    o = new_order(api, [{"title": "x", "quantity": 1,
                         "product_id": prod["id"]}])
    assert api.delete("/api/files/temp.3mf").status_code == 204
    err = error_of(schedule(api, o["id"]), 422, "validation_failed")
    assert "items[0].product_id" in err["fields"]
    assert api.get("/api/bambu/scheduled-prints").json()["prints"] == []
