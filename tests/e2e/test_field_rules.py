"""One rule, one place (issue 12): each domain type's field table lives in
its domain module and the API binds with it, so a value too long or out of
range is one 422 naming the field with the same message whatever the type
shares it with. These cover the limits that were missing in one of the two
copies before: a product's and a print's `file` length, a product's other
fields, and the material messages the domain and the API now share."""

import pytest

from helpers import error_of, new_file, new_printer, new_product


@pytest.fixture
def api(user):
    new_file(user.api, "part.3mf")
    return user.api


def field_error(r, field):
    err = error_of(r, 422, "validation_failed")
    assert field in err["fields"], err
    return err["fields"][field]


@pytest.mark.parametrize("path", ["/api/products",
                                  "/api/bambu/scheduled-prints"])
def test_file_longer_than_a_library_name_is_422(api, path):
    body = {"name": "Hook", "file": "x" * 125 + ".3mf",
            "estimated_minutes": 48}
    msg = field_error(api.post(path, json=body), "file")
    assert msg == "must be 1 to 128 characters long"


@pytest.mark.parametrize("path", ["/api/products",
                                  "/api/bambu/scheduled-prints"])
def test_file_of_128_characters_passes_the_length_rule(api, path):
    # the length rule lets it through; the library check names it next
    body = {"name": "Hook", "file": "x" * 124 + ".3mf",
            "estimated_minutes": 48}
    msg = field_error(api.post(path, json=body), "file")
    assert msg == "is not one of your files"


@pytest.mark.parametrize("field,value,msg", [
    ("name", "x" * 201, "must be 1 to 200 characters long"),
    ("sku", "x" * 65, "must be 1 to 64 characters long"),
    ("plate", 65, "must be between 1 and 64"),
    ("grams", 100001, "must be between 0 and 100000"),
    ("material_type", "x" * 33, "must be 1 to 32 characters long"),
    ("nozzle_temp", 351, "must be between 0 and 350"),
    ("speed_level", 5, "must be between 1 and 4"),
    ("material_slot", 8, "must be between 0 and 7"),
])
def test_product_and_print_share_the_print_settings_rules(api, field, value,
                                                          msg):
    body = {"name": "Hook", "file": "part.3mf", "estimated_minutes": 48,
            field: value}
    assert field_error(api.post("/api/products", json=body), field) == msg
    if field != "sku":  # a print has no sku
        r = api.post("/api/bambu/scheduled-prints", json=body)
        assert field_error(r, field) == msg


def test_product_update_keeps_the_rules(api):
    p = new_product(api, name="Hook")
    r = api.put(f"/api/products/{p['id']}", json={"file": "y" * 129})
    assert field_error(r, "file") == "must be 1 to 128 characters long"
    assert api.get(f"/api/products/{p['id']}").json()["file"] == "part.3mf"


@pytest.mark.parametrize("field,value,msg", [
    ("material_type", "x" * 33, "must be 1 to 32 characters long"),
    ("vendor", "x" * 65, "must be 0 to 64 characters long"),
    ("cost_per_kg", 100000.01, "is too large"),
    ("weight_grams", 0, "must be between 1 and 100000"),
])
def test_material_messages(api, field, value, msg):
    printer = new_printer(api)["id"]
    body = {"slot": 0, "material_type": "PLA", field: value}
    r = api.post(f"/api/bambu/materials/{printer}", json=body)
    assert field_error(r, field) == msg
