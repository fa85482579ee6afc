"""Materials (AMS slots) through nginx and the worker pool: create, list,
partial update, delete; defaults, money, colour normalisation; 404 for
unknown and other users' ids on every method; 409 for an occupied slot;
422 for every rule."""

import pytest

_serial = [0]


def make_printer(api):
    _serial[0] += 1
    r = api.post("/api/printers", json={
        "name": "Farm 1", "model": "X1C", "serial": f"MAT{_serial[0]:06d}",
        "host": "127.0.0.1", "access_code": "12345678"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def make_material(api, printer, **fields):
    body = {"slot": 0, "material_type": "PLA"}
    body.update(fields)
    r = api.post(f"/api/bambu/materials/{printer}", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def assert_error(r, status, code, field=None):
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code
    assert isinstance(err["message"], str) and err["message"]
    if field is not None:
        assert field in err["fields"], err


FIELDS = {"id", "printer_id", "slot", "material_type", "color",
          "weight_grams", "remaining_percent", "remaining_grams", "vendor",
          "cost_per_kg", "currency", "source", "synced_at", "created_at",
          "updated_at"}


def test_create_with_defaults(user):
    p = make_printer(user.api)
    m = make_material(user.api, p, slot=3, material_type="PETG")
    assert set(m) == FIELDS
    assert m["printer_id"] == p
    assert m["slot"] == 3
    assert m["material_type"] == "PETG"
    assert m["weight_grams"] == 1000
    assert m["remaining_percent"] == 100
    assert m["remaining_grams"] == 1000
    assert m["source"] == "manual"
    assert m["color"] is None and m["vendor"] is None
    assert m["cost_per_kg"] is None
    assert m["currency"] == "USD"
    assert m["synced_at"] is None
    assert m["created_at"].endswith("Z") and m["updated_at"].endswith("Z")


def test_create_full_and_round_trip(user):
    p = make_printer(user.api)
    m = make_material(user.api, p, slot=7, material_type="PLA Basic",
                      color="#ff8800", weight_grams=750,
                      remaining_percent=33, vendor="Bambu Lab",
                      cost_per_kg=24.99)
    assert m["color"] == "#FF8800"
    assert m["weight_grams"] == 750
    assert m["remaining_percent"] == 33
    assert m["remaining_grams"] == 247  # 247.5 as whole grams
    assert m["vendor"] == "Bambu Lab"
    assert m["cost_per_kg"] == 24.99
    assert m["currency"] == "USD"
    r = user.api.get(f"/api/bambu/materials/{p}")
    assert r.status_code == 200
    assert r.json()["materials"] == [m]
    # the money is written as exact text, never a float artefact
    assert '"cost_per_kg":24.99' in r.text.replace(" ", "")


def test_list_empty_and_ordered_by_slot(user):
    p = make_printer(user.api)
    r = user.api.get(f"/api/bambu/materials/{p}")
    assert r.status_code == 200
    assert r.json() == {"materials": []}
    for slot in (5, 0, 2):
        make_material(user.api, p, slot=slot)
    r = user.api.get(f"/api/bambu/materials/{p}")
    assert [m["slot"] for m in r.json()["materials"]] == [0, 2, 5]
    # materials of another printer stay out of the list
    q = make_printer(user.api)
    make_material(user.api, q, slot=1)
    r = user.api.get(f"/api/bambu/materials/{p}")
    assert [m["slot"] for m in r.json()["materials"]] == [0, 2, 5]


def test_occupied_slot_is_409(user):
    p = make_printer(user.api)
    make_material(user.api, p, slot=4)
    r = user.api.post(f"/api/bambu/materials/{p}",
                      json={"slot": 4, "material_type": "ABS"})
    assert_error(r, 409, "conflict")
    # the same slot on another printer is free
    q = make_printer(user.api)
    make_material(user.api, q, slot=4)


@pytest.mark.parametrize("body,field", [
    ({"slot": 8, "material_type": "PLA"}, "slot"),
    ({"slot": -1, "material_type": "PLA"}, "slot"),
    ({"material_type": "PLA"}, "slot"),
    ({"slot": 0}, "material_type"),
    ({"slot": 0, "material_type": ""}, "material_type"),
    ({"slot": 0, "material_type": "x" * 33}, "material_type"),
    ({"slot": 0, "material_type": "PLA", "color": "red"}, "color"),
    ({"slot": 0, "material_type": "PLA", "color": "#12345G"}, "color"),
    ({"slot": 0, "material_type": "PLA", "color": "#1234567"}, "color"),
    ({"slot": 0, "material_type": "PLA", "remaining_percent": 101},
     "remaining_percent"),
    ({"slot": 0, "material_type": "PLA", "remaining_percent": -1},
     "remaining_percent"),
    ({"slot": 0, "material_type": "PLA", "weight_grams": 0},
     "weight_grams"),
    ({"slot": 0, "material_type": "PLA", "weight_grams": 100001},
     "weight_grams"),
    ({"slot": 0, "material_type": "PLA", "cost_per_kg": -1}, "cost_per_kg"),
    ({"slot": 0, "material_type": "PLA", "cost_per_kg": 1.234},
     "cost_per_kg"),
    ({"slot": 0, "material_type": "PLA", "cost_per_kg": 100000.01},
     "cost_per_kg"),
    ({"slot": 0, "material_type": "PLA", "vendor": "v" * 65}, "vendor"),
    # wrong JSON types
    ({"slot": "0", "material_type": "PLA"}, "slot"),
    ({"slot": 1.5, "material_type": "PLA"}, "slot"),
    ({"slot": 0, "material_type": 7}, "material_type"),
    ({"slot": 0, "material_type": "PLA", "remaining_percent": "50"},
     "remaining_percent"),
    ({"slot": 0, "material_type": "PLA", "weight_grams": True},
     "weight_grams"),
    ({"slot": 0, "material_type": "PLA", "cost_per_kg": "24.99"},
     "cost_per_kg"),
    ({"slot": 0, "material_type": "PLA", "color": 255}, "color"),
    ({"slot": None, "material_type": "PLA"}, "slot"),
])
def test_create_validation(user, body, field):
    p = make_printer(user.api)
    r = user.api.post(f"/api/bambu/materials/{p}", json=body)
    assert_error(r, 422, "validation_failed", field)
    assert user.api.get(f"/api/bambu/materials/{p}").json() == \
        {"materials": []}


def test_create_bad_json_is_400(user):
    p = make_printer(user.api)
    r = user.api.post(f"/api/bambu/materials/{p}", data="{nope",
                      headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_json")


def test_update_partial(user):
    p = make_printer(user.api)
    m = make_material(user.api, p, slot=1, color="#00ff00",
                      vendor="Polymaker", cost_per_kg=19.5)
    r = user.api.put(f"/api/bambu/materials/{m['id']}",
                     json={"remaining_percent": 42})
    assert r.status_code == 200, r.text
    u = r.json()
    assert u["remaining_percent"] == 42
    assert u["remaining_grams"] == 420
    # untouched fields keep their values
    assert u["color"] == "#00FF00"
    assert u["vendor"] == "Polymaker"
    assert u["cost_per_kg"] == 19.5
    assert u["slot"] == 1
    assert u["id"] == m["id"]
    r = user.api.put(f"/api/bambu/materials/{m['id']}", json={
        "material_type": "PETG-CF", "color": "#abcdef", "weight_grams": 500,
        "vendor": None, "cost_per_kg": 0, "slot": 6})
    assert r.status_code == 200, r.text
    u = r.json()
    assert u["material_type"] == "PETG-CF"
    assert u["color"] == "#ABCDEF"
    assert u["weight_grams"] == 500
    assert u["remaining_grams"] == 210
    assert u["vendor"] is None
    assert u["cost_per_kg"] == 0
    assert u["slot"] == 6
    got = user.api.get(f"/api/bambu/materials/{p}").json()["materials"]
    assert got == [u]


def test_update_remaining_null_is_unknown(user):
    p = make_printer(user.api)
    m = make_material(user.api, p)
    r = user.api.put(f"/api/bambu/materials/{m['id']}",
                     json={"remaining_percent": None})
    assert r.status_code == 200, r.text
    assert r.json()["remaining_percent"] is None
    assert r.json()["remaining_grams"] is None


def test_update_money_round_trip(user):
    p = make_printer(user.api)
    m = make_material(user.api, p)
    for amount in (24.99, 0.01, 100000, 12.3):
        r = user.api.put(f"/api/bambu/materials/{m['id']}",
                         json={"cost_per_kg": amount})
        assert r.status_code == 200, r.text
        assert r.json()["cost_per_kg"] == amount
        assert r.json()["currency"] == "USD"


def test_update_slot_to_occupied_is_409(user):
    p = make_printer(user.api)
    make_material(user.api, p, slot=0)
    b = make_material(user.api, p, slot=1)
    r = user.api.put(f"/api/bambu/materials/{b['id']}", json={"slot": 0})
    assert_error(r, 409, "conflict")
    # unchanged after the refusal
    r = user.api.get(f"/api/bambu/materials/{p}")
    assert [m["slot"] for m in r.json()["materials"]] == [0, 1]
    # keeping its own slot is fine
    r = user.api.put(f"/api/bambu/materials/{b['id']}", json={"slot": 1})
    assert r.status_code == 200


@pytest.mark.parametrize("body,field", [
    ({"remaining_percent": 101}, "remaining_percent"),
    ({"remaining_percent": "42"}, "remaining_percent"),
    ({"slot": 8}, "slot"),
    ({"slot": -1}, "slot"),
    ({"color": "#FFF"}, "color"),
    ({"weight_grams": 0}, "weight_grams"),
    ({"material_type": ""}, "material_type"),
    ({"material_type": None}, "material_type"),
    ({"cost_per_kg": 5.555}, "cost_per_kg"),
])
def test_update_validation(user, body, field):
    p = make_printer(user.api)
    m = make_material(user.api, p, slot=2, remaining_percent=80)
    r = user.api.put(f"/api/bambu/materials/{m['id']}", json=body)
    assert_error(r, 422, "validation_failed", field)
    got = user.api.get(f"/api/bambu/materials/{p}").json()["materials"]
    assert got == [m]  # nothing half-written


def test_delete_empties_slot(user):
    p = make_printer(user.api)
    m = make_material(user.api, p, slot=3)
    r = user.api.delete(f"/api/bambu/materials/{m['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert user.api.get(f"/api/bambu/materials/{p}").json() == \
        {"materials": []}
    # the id is gone for every method
    assert_error(user.api.delete(f"/api/bambu/materials/{m['id']}"), 404,
                 "not_found")
    assert_error(user.api.put(f"/api/bambu/materials/{m['id']}",
                              json={"remaining_percent": 5}),
                 404, "not_found")
    # and the slot can be filled again
    n = make_material(user.api, p, slot=3)
    assert n["slot"] == 3


def test_unknown_ids_are_404(user):
    p = make_printer(user.api)
    m = make_material(user.api, p)
    missing = 999999
    for r in (
        user.api.get(f"/api/bambu/materials/{missing}"),
        user.api.post(f"/api/bambu/materials/{missing}",
                      json={"slot": 0, "material_type": "PLA"}),
        user.api.put(f"/api/bambu/materials/{missing}",
                     json={"remaining_percent": 1}),
        user.api.delete(f"/api/bambu/materials/{missing}"),
        user.api.get("/api/bambu/materials/0"),
        user.api.get("/api/bambu/materials/abc"),
        user.api.put("/api/bambu/materials/-1",
                     json={"remaining_percent": 1}),
    ):
        assert_error(r, 404, "not_found")
    # the material itself is still reachable by its id
    r = user.api.put(f"/api/bambu/materials/{m['id']}",
                     json={"remaining_percent": 1})
    assert r.status_code == 200


def test_other_users_ids_are_404(stack, user):
    other = stack.make_user()
    try:
        p = make_printer(user.api)
        m = make_material(user.api, p, slot=2, cost_per_kg=20)
        unknown = user.api.get("/api/bambu/materials/999999").json()
        for r in (
            other.api.get(f"/api/bambu/materials/{p}"),
            other.api.post(f"/api/bambu/materials/{p}",
                           json={"slot": 5, "material_type": "PLA"}),
            other.api.put(f"/api/bambu/materials/{m['id']}",
                          json={"remaining_percent": 1}),
            other.api.delete(f"/api/bambu/materials/{m['id']}"),
        ):
            assert_error(r, 404, "not_found")
        # the same body as for an unknown printer id
        assert other.api.get(f"/api/bambu/materials/{p}").json() == unknown
        # and the owner's material is untouched
        got = user.api.get(f"/api/bambu/materials/{p}").json()["materials"]
        assert got == [m]
    finally:
        other.api.close()


def test_requires_auth(stack, user):
    p = make_printer(user.api)
    r = stack.session().get(f"/api/bambu/materials/{p}")
    assert_error(r, 401, "unauthorized")
