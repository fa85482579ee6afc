"""User isolation: a second user gets exactly the unknown-id 404 for every
path-id endpoint and method of the first user's objects, and a 422 naming
the field for references in a body; the first user's objects are left
untouched."""

import pytest

from helpers import (error_of, new_file, new_material, new_order,
                     new_print, new_printer, new_product)

UNKNOWN = 987654321


@pytest.fixture(scope="module")
def world(shared_stack):
    stack = shared_stack
    a, b = stack.make_user(), stack.make_user()
    new_file(a.api, "owned.3mf")
    p = new_printer(a.api)
    m = new_material(a.api, p["id"], slot=1)
    job = new_print(a.api, p["id"], file="owned.3mf")
    prod = new_product(a.api, file="owned.3mf")
    order = new_order(a.api, [{"title": "Planter", "quantity": 1,
                               "product_id": prod["id"]}])
    b_printer = new_printer(b.api)
    new_file(b.api, "mine.3mf")
    b_order = new_order(b.api, [{"title": "Thing", "quantity": 1}])
    ids = {"printer": p["id"], "material": m["id"], "print": job["id"],
           "product": prod["id"], "order": order["id"],
           "b_printer": b_printer["id"], "b_order": b_order["id"]}
    snapshot = {path: a.api.get(path).json() for path in (
        f"/api/printers/{p['id']}", f"/api/bambu/materials/{p['id']}",
        f"/api/bambu/notifications/{p['id']}",
        f"/api/bambu/scheduled-prints/{p['id']}",
        f"/api/products/{prod['id']}", f"/api/orders/{order['id']}",
        "/api/files/owned.3mf")}
    return a, b, ids, snapshot


PRINTER_BODY = {"name": "mine now", "model": "X1C", "serial": "X1C000000001",
                "host": "127.0.0.1", "access_code": "abcdefgh"}

# (method, path template, body): {id} is the first user's object
MATRIX = [
    ("GET", "/api/printers/{printer}", None),
    ("PUT", "/api/printers/{printer}", {"name": "stolen"}),
    ("DELETE", "/api/printers/{printer}", None),
    ("GET", "/api/bambu/materials/{printer}", None),
    ("POST", "/api/bambu/materials/{printer}",
     {"slot": 5, "material_type": "PLA"}),
    ("PUT", "/api/bambu/materials/{material}", {"remaining_percent": 1}),
    ("DELETE", "/api/bambu/materials/{material}", None),
    ("GET", "/api/bambu/notifications/{printer}", None),
    ("PUT", "/api/bambu/notifications/{printer}", {"on_print_start": True}),
    ("GET", "/api/bambu/scheduled-prints/{printer}", None),
    ("PUT", "/api/bambu/scheduled-prints/{print}", {"priority": 9}),
    ("DELETE", "/api/bambu/scheduled-prints/{print}", None),
    ("GET", "/api/bambu/scheduled-prints/{printer}/queue", None),
    ("GET", "/api/products/{product}", None),
    ("PUT", "/api/products/{product}", {"name": "stolen"}),
    ("DELETE", "/api/products/{product}", None),
    ("GET", "/api/orders/{order}", None),
    ("POST", "/api/orders/{order}/schedule-prints", {}),
    ("GET", "/api/files/owned.3mf", None),
    ("DELETE", "/api/files/owned.3mf", None),
]


@pytest.mark.parametrize("method,path,body", MATRIX,
                         ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_other_users_ids_are_404_like_unknown(world, method, path, body):
    a, b, ids, _ = world
    theirs = b.api.request(method, path.format(**ids), json=body)
    err = error_of(theirs, 404, "not_found")
    unknown_ids = {k: UNKNOWN for k in ids}
    unknown = b.api.request(method, path.format(**unknown_ids).replace(
        "owned.3mf", "absent.3mf"), json=body)
    assert unknown.status_code == 404
    assert unknown.json() == theirs.json(), (err, unknown.json())


def test_first_users_objects_unchanged(world):
    a, _, _, snapshot = world
    for path, before in snapshot.items():
        r = a.api.get(path)
        assert r.status_code == 200, path
        assert r.json() == before, path


def test_lists_show_only_own_objects(world):
    a, b, ids, _ = world
    assert [p["id"] for p in b.api.get("/api/printers").json()["printers"]] \
        == [ids["b_printer"]]
    assert all(o["id"] != ids["order"]
               for o in b.api.get("/api/orders").json()["orders"])
    assert b.api.get("/api/products").json()["products"] == []
    assert [f["name"] for f in b.api.get("/api/files").json()["files"]] \
        == ["mine.3mf"]
    assert all(p["id"] != ids["print"] for p in
               b.api.get("/api/bambu/scheduled-prints").json()["prints"])


def body_ref_422(api, path, body, field):
    r = api.post(path, json=body)
    err = error_of(r, 422, "validation_failed")
    assert any(field in k for k in err["fields"]), err
    return err


@pytest.mark.parametrize("field", ["printer_id", "chain_after_id",
                                   "order_id"])
def test_body_references_are_422(world, field):
    a, b, ids, _ = world
    ref = {"printer_id": ids["printer"], "chain_after_id": ids["print"],
           "order_id": ids["order"]}[field]
    body = {"printer_id": ids["b_printer"], "name": "x", "file": "mine.3mf",
            "estimated_minutes": 10, field: ref}
    theirs = body_ref_422(b.api, "/api/bambu/scheduled-prints", body, field)
    body[field] = UNKNOWN
    unknown = body_ref_422(b.api, "/api/bambu/scheduled-prints", body, field)
    assert theirs == unknown


def test_file_reference_is_422(world):
    _, b, ids, _ = world
    body = {"printer_id": ids["b_printer"], "name": "x", "file": "owned.3mf",
            "estimated_minutes": 10}
    body_ref_422(b.api, "/api/bambu/scheduled-prints", body, "file")
    body_ref_422(b.api, "/api/products",
                 {"name": "x", "file": "owned.3mf", "estimated_minutes": 5},
                 "file")


def test_order_item_product_reference_is_422(world):
    _, b, ids, _ = world
    body_ref_422(b.api, "/api/orders",
                 {"items": [{"title": "x", "quantity": 1,
                             "product_id": ids["product"]}]}, "product_id")


def test_schedule_order_onto_other_users_printer_is_422(world):
    _, b, ids, _ = world
    body_ref_422(b.api, f"/api/orders/{ids['b_order']}/schedule-prints",
                 {"printer_id": ids["printer"]}, "printer_id")
