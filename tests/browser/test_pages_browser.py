"""Every dashboard page in headless Chromium, signed in with a farm that
has something on every page: no console error, a label on every control,
nothing wider than the screen at 1280 and at 375 px (screenshots of each
in build/screenshots/); a validation error shown beside its field with
the input kept; a form without its CSRF token refused; another user's
printer, print and order pages not found."""

import uuid

import pytest

from conftest import sign_in

BASE = "/api/bambu/scheduled-prints"


def made(r, status=201):
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
def farm(user):
    """A printer with its AMS, a file, a queued, a started and a failed
    print, a product and an order: something to show on every page."""
    api = user.api
    printer = made(api.post("/api/printers", json={
        "name": "Audit X1C", "model": "X1C", "serial": uuid.uuid4().hex[:12],
        "host": "127.0.0.1", "port": 1, "access_code": "12345678"}))
    for slot, color in ((0, "#FF8800"), (1, "#2244CC")):
        made(api.post(f"/api/bambu/materials/{printer['id']}", json={
            "slot": slot, "material_type": "PLA", "color": color,
            "remaining_percent": 60, "cost_per_kg": 2499}))
    made(api.put("/api/files/audit.3mf", data=b"PK\x03\x04audit",
                  headers={"Content-Type": "application/octet-stream"}),
         status=201)
    prints = [made(api.post(BASE, json={
        "printer_id": printer["id"], "name": f"Audit part {i}",
        "file": "audit.3mf", "estimated_minutes": 30 + i, "grams": 12}))
        for i in range(3)]
    made(api.put(f"{BASE}/{prints[1]['id']}", json={"status": "started"}), 200)
    made(api.put(f"{BASE}/{prints[1]['id']}", json={
        "status": "failed", "failure_reason": "Nozzle clog"}), 200)
    product = made(api.post("/api/products", json={
        "name": "Audit cube", "sku": "AUD-1", "file": "audit.3mf",
        "estimated_minutes": 30}))
    order = made(api.post("/api/orders", json={
        "external_id": "A-1", "buyer": "Ada",
        "items": [{"title": "Audit cube", "quantity": 1, "sku": "AUD-1"}]}))
    return {"printer": printer["id"], "print": prints[0]["id"],
            "product": product["id"], "order": order["id"]}


def test_every_page_has_labels_no_errors_and_fits_a_phone(signed, farm):
    chrome, _ = signed
    pages = {
        "p-overview": "/",
        "p-printers": "/printers",
        "p-printer-new": "/printers/new",
        "p-printer": f"/printers/{farm['printer']}",
        "p-queue": "/queue",
        "p-print": f"/queue/{farm['print']}",
        "p-history": "/history",
        "p-analytics": "/analytics",
        "p-files": "/files",
        "p-products": "/products",
        "p-product-new": "/products/new",
        "p-product": f"/products/{farm['product']}",
        "p-orders": "/orders",
        "p-order-new": "/orders/new",
        "p-order": f"/orders/{farm['order']}",
        "p-order-edit": f"/orders/{farm['order']}/edit",
        "p-account": "/account",
    }
    for name, path in pages.items():
        chrome.page(path)
        assert len(chrome.finds("h1")) == 1, path
        chrome.shot(name)


def test_the_sign_in_page_fits_too(chrome):
    chrome.page("/login")
    chrome.shot("p-login")


def test_a_bad_field_is_shown_beside_it_with_the_input_kept(signed):
    chrome, _ = signed
    chrome.page("/printers/new")
    chrome.fill({"name": "Kept name", "model": "P1S", "serial": "KEEP1",
                 "host": "127.0.0.1", "port": "70000",
                 "access_code": "12345678"})
    chrome.submit("main form button[type=submit]")
    chrome.wait(lambda: chrome.finds(".field-error"), what="the error")
    port = chrome.find('[name="port"]')
    assert port.get_attribute("aria-invalid") == "true"
    error = chrome.find("#" + port.get_attribute("aria-describedby"))
    assert "between 1 and 65535" in error.text
    assert chrome.find('[name="name"]').get_attribute("value") == "Kept name"
    assert chrome.find('[name="port"]').get_attribute("value") == "70000"
    assert chrome.find('[name="model"] option:checked').text == "P1S"
    chrome.shot("p-printer-new-422")


def test_a_form_without_its_csrf_token_is_refused(signed):
    chrome, user = signed
    chrome.page("/printers/new")
    chrome.fill({"name": "No token", "model": "X1C", "serial": "NOCSRF1",
                 "host": "127.0.0.1", "access_code": "12345678"})
    chrome.d.execute_script(
        "document.querySelectorAll('input[name=csrf]')"
        ".forEach(e => e.remove())")
    chrome.submit("main form button[type=submit]")
    chrome.wait(lambda: "expired" in chrome.d.page_source,
                what="the refusal")
    assert chrome.text("h1") == "Forbidden"
    assert user.api.get("/api/printers").json()["printers"] == []


def test_another_users_printer_print_and_order_are_not_found(
        signed, stack):
    chrome, _ = signed
    other = stack.make_user()
    api = other.api
    printer = made(api.post("/api/printers", json={
        "name": "Theirs", "model": "X1C", "serial": uuid.uuid4().hex[:12],
        "host": "127.0.0.1", "port": 1, "access_code": "12345678"}))
    made(api.put("/api/files/theirs.3mf", data=b"PK\x03\x04",
                 headers={"Content-Type": "application/octet-stream"}))
    p = made(api.post(BASE, json={"printer_id": printer["id"],
                                  "name": "Their print", "file": "theirs.3mf",
                                  "estimated_minutes": 5}))
    order = made(api.post("/api/orders", json={
        "buyer": "Bob", "items": [{"title": "Their thing", "quantity": 1}]}))
    for path in (f"/printers/{printer['id']}", f"/queue/{p['id']}",
                 f"/orders/{order['id']}"):
        chrome.page(path, errors_ok=True)
        assert chrome.text("h1") == "Not found", path
        assert "Theirs" not in chrome.d.page_source
        assert "Their print" not in chrome.d.page_source
