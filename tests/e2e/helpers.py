"""Small builders the end-to-end tests share: objects created through the
API with sensible defaults, and error-body checks."""

import uuid


def error_of(r, status, code):
    """Asserts r is the contract's error answer and returns its error."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    err = r.json()["error"]
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"]
    return err


def new_printer(api, **fields):
    body = {"name": "P1S-01", "model": "P1S",
            "serial": "01P" + uuid.uuid4().hex[:10].upper(),
            "host": "127.0.0.1", "access_code": "12345678"}
    body.update(fields)
    r = api.post("/api/printers", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def new_file(api, name="part.3mf", data=b"PK\x03\x04 a sliced plate"):
    r = api.put(f"/api/files/{name}", data=data,
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text
    return r.json()


def new_material(api, printer_id, **fields):
    body = {"slot": 0, "material_type": "PLA", "color": "#ff8800",
            "cost_per_kg": 24.99}
    body.update(fields)
    r = api.post(f"/api/bambu/materials/{printer_id}", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def new_print(api, printer_id, **fields):
    body = {"printer_id": printer_id, "name": "bracket", "file": "part.3mf",
            "estimated_minutes": 60}
    body.update(fields)
    r = api.post("/api/bambu/scheduled-prints", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def new_product(api, **fields):
    body = {"name": "Planter", "sku": "PLANT-" + uuid.uuid4().hex[:6],
            "file": "part.3mf", "estimated_minutes": 90, "grams": 40}
    body.update(fields)
    r = api.post("/api/products", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def new_order(api, items, **fields):
    body = {"items": items}
    body.update(fields)
    r = api.post("/api/orders", json=body)
    assert r.status_code == 201, r.text
    return r.json()
