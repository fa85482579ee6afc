"""Products: create with defaults, read, list, partial update, delete, and
the validation of every field."""

import pytest

from helpers import error_of, new_file, new_order, new_product

FIELDS = {"id", "name", "sku", "etsy_listing_id", "file", "plate",
          "estimated_minutes", "grams", "material_type", "color",
          "nozzle_temp", "bed_temp", "speed_level", "material_slot",
          "created_at", "updated_at"}


@pytest.fixture
def api(user):
    new_file(user.api, "part.3mf")
    return user.api


def test_create_with_defaults(api):
    r = api.post("/api/products", json={"name": "Hook", "file": "part.3mf",
                                        "estimated_minutes": 48})
    assert r.status_code == 201, r.text
    p = r.json()
    assert set(p) == FIELDS
    assert p["plate"] == 1 and p["speed_level"] == 2
    for k in ("sku", "etsy_listing_id", "grams", "material_type", "color",
              "nozzle_temp", "bed_temp", "material_slot"):
        assert p[k] is None, k
    assert api.get(f"/api/products/{p['id']}").json() == p


def test_create_full_and_color_upper_cased(api):
    body = {"name": "Hook, black", "sku": "HOOK-BLK",
            "etsy_listing_id": 1234567890, "file": "part.3mf", "plate": 2,
            "estimated_minutes": 48, "grams": 22, "material_type": "PLA",
            "color": "#00ff7f", "nozzle_temp": 220, "bed_temp": 60,
            "speed_level": 3, "material_slot": 5}
    p = new_product(api, **body)
    for k, v in body.items():
        assert p[k] == (v.upper() if k == "color" else v), k


def test_list_by_id(api):
    ids = [new_product(api, name=f"p{i}")["id"] for i in range(3)]
    got = [p["id"] for p in api.get("/api/products").json()["products"]]
    assert got == sorted(ids)
    got = api.get("/api/products?limit=2&offset=1").json()["products"]
    assert [p["id"] for p in got] == sorted(ids)[1:3]


@pytest.mark.parametrize("field,value", [
    ("name", ""), ("name", "x" * 201), ("name", 5),
    ("sku", "x" * 65), ("etsy_listing_id", 0), ("etsy_listing_id", "12"),
    ("plate", 0), ("plate", 65), ("estimated_minutes", 0),
    ("estimated_minutes", 100001), ("grams", -1), ("grams", 100001),
    ("material_type", ""), ("material_type", "x" * 33),
    ("color", "red"), ("color", "#12345G"), ("nozzle_temp", 351),
    ("bed_temp", 131), ("speed_level", 0), ("speed_level", 5),
    ("material_slot", 8), ("material_slot", -1), ("file", 7),
    ("estimated_minutes", "48")])
def test_bad_values_are_422(api, field, value):
    body = {"name": "Hook", "file": "part.3mf", "estimated_minutes": 48,
            field: value}
    err = error_of(api.post("/api/products", json=body), 422,
                   "validation_failed")
    assert field in err["fields"], err


@pytest.mark.parametrize("field", ["name", "file", "estimated_minutes"])
def test_required_fields(api, field):
    body = {"name": "Hook", "file": "part.3mf", "estimated_minutes": 48}
    del body[field]
    err = error_of(api.post("/api/products", json=body), 422,
                   "validation_failed")
    assert field in err["fields"]


def test_unknown_file_is_422_naming_file(api):
    err = error_of(api.post("/api/products", json={
        "name": "Hook", "file": "nope.3mf", "estimated_minutes": 5}),
        422, "validation_failed")
    assert "file" in err["fields"]


def test_partial_update(api):
    p = new_product(api, sku="A-1", grams=30, color="#000000")
    r = api.put(f"/api/products/{p['id']}", json={"estimated_minutes": 45,
                                                    "color": None})
    assert r.status_code == 200, r.text
    q = r.json()
    assert q["estimated_minutes"] == 45 and q["color"] is None
    assert q["sku"] == "A-1" and q["grams"] == 30 and q["name"] == p["name"]
    assert api.get(f"/api/products/{p['id']}").json() == q


def test_update_validation_and_file(api):
    p = new_product(api)
    err = error_of(api.put(f"/api/products/{p['id']}",
                           json={"file": "nope.3mf"}), 422,
                   "validation_failed")
    assert "file" in err["fields"]
    err = error_of(api.put(f"/api/products/{p['id']}",
                           json={"speed_level": 9}), 422, "validation_failed")
    assert "speed_level" in err["fields"]
    err = error_of(api.put(f"/api/products/{p['id']}", json={"name": None}),
                   422, "validation_failed")
    assert "name" in err["fields"]
    assert api.get(f"/api/products/{p['id']}").json() == p
    new_file(api, "other.3mf")
    r = api.put(f"/api/products/{p['id']}", json={"file": "other.3mf"})
    assert r.status_code == 200 and r.json()["file"] == "other.3mf"


def test_delete_unlinks_order_items(api):
    p = new_product(api)
    o = new_order(api, [{"title": "x", "quantity": 1,
                         "product_id": p["id"]}])
    assert o["items"][0]["product_id"] == p["id"]
    assert api.delete(f"/api/products/{p['id']}").status_code == 204
    error_of(api.get(f"/api/products/{p['id']}"), 404, "not_found")
    error_of(api.delete(f"/api/products/{p['id']}"), 404, "not_found")
    o2 = api.get(f"/api/orders/{o['id']}").json()
    assert o2["items"][0]["product_id"] is None


def test_unknown_ids_are_404(api):
    error_of(api.get("/api/products/99999"), 404, "not_found")
    error_of(api.put("/api/products/99999", json={"name": "x"}), 404,
             "not_found")
    error_of(api.delete("/api/products/99999"), 404, "not_found")


def test_other_users_product_is_404(stack, api):
    p = new_product(api)
    other = stack.make_user()
    try:
        for method, body in (("GET", None), ("PUT", {"name": "x"}),
                             ("DELETE", None)):
            error_of(other.api.request(method, f"/api/products/{p['id']}",
                                       json=body), 404, "not_found")
        assert other.api.get("/api/products").json()["products"] == []
    finally:
        other.api.close()
    assert api.get(f"/api/products/{p['id']}").json() == p


def test_bad_json_and_media_type(api):
    error_of(api.post("/api/products", data="{", headers={
        "Content-Type": "application/json"}), 400, "bad_json")
    error_of(api.post("/api/products", data="name=x", headers={
        "Content-Type": "application/x-www-form-urlencoded"}), 415,
        "unsupported_media_type")
