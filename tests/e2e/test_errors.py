"""Every status code of the contract's error table, each produced for real
through nginx and the worker pool, with the contract's error body."""


import pytest

from helpers import error_of, new_material, new_printer
from stack import Stack


def test_400_bad_json(user):
    r = user.api.post("/api/printers", data=b'{"name": "x"',
                      headers={"Content-Type": "application/json"})
    error_of(r, 400, "bad_json")


def test_400_not_an_object(user):
    r = user.api.post("/api/printers", json=[1, 2, 3])
    error_of(r, 400, "bad_json")


def test_401_without_and_with_bad_credentials(stack):
    error_of(stack.session().get("/api/printers"), 401, "unauthorized")
    error_of(stack.session("x" * 43).get("/api/printers"), 401,
             "unauthorized")


def test_401_bad_login(stack, user):
    r = stack.session().post("/api/auth/login",
                             json={"email": user.email, "password": "nope"})
    error_of(r, 401, "unauthorized")


def test_403_cookie_session_without_csrf(stack, user):
    s = stack.session()
    page = s.get("/login")
    assert page.status_code == 200
    csrf = s.cookies.get("farm_csrf")
    assert csrf, "the login page sets the farm_csrf cookie"
    r = s.post("/login", data={"email": user.email, "password": user.password,
                               "csrf": csrf}, allow_redirects=False)
    assert r.status_code == 303, r.text
    assert s.cookies.get("farm_session")
    assert s.get("/api/me").status_code == 200
    body = {"name": "x", "model": "P1S", "serial": "S1",
            "host": "127.0.0.1", "access_code": "12345678"}
    error_of(s.post("/api/printers", json=body), 403, "csrf_failed")
    error_of(s.post("/api/printers", json=body,
                    headers={"X-CSRF-Token": "wrong"}), 403, "csrf_failed")


def test_404_unknown_route_and_object(user):
    error_of(user.api.get("/api/nothing-here"), 404, "not_found")
    error_of(user.api.get("/api/printers/999999"), 404, "not_found")


def test_405_with_allow(user):
    r = user.api.delete("/api/printers")
    error_of(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, POST"
    r = user.api.post("/api/bambu/scheduled-prints/1/queue", json={})
    error_of(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET"


def test_409_duplicate_serial_and_slot(user):
    p = new_printer(user.api, serial="DUP0001")
    r = user.api.post("/api/printers", json={
        "name": "again", "model": "X1C", "serial": "DUP0001",
        "host": "127.0.0.1", "access_code": "abcdefgh"})
    error_of(r, 409, "conflict")
    new_material(user.api, p["id"], slot=3)
    r = user.api.post(f"/api/bambu/materials/{p['id']}",
                      json={"slot": 3, "material_type": "PETG"})
    error_of(r, 409, "conflict")


def test_413_body_over_limit(user):
    big = b'{"name": "' + b"a" * (2 << 20) + b'"}'
    r = user.api.post("/api/printers", data=big,
                      headers={"Content-Type": "application/json"})
    error_of(r, 413, "too_large")
    assert user.api.get("/api/printers").json()["printers"] == []


def test_415_wrong_content_type(user):
    r = user.api.post("/api/printers", data=b"name=x",
                      headers={"Content-Type": "text/plain"})
    error_of(r, 415, "unsupported_media_type")


def test_422_names_every_bad_field(user):
    r = user.api.post("/api/printers", json={
        "name": "", "model": "Ender3", "serial": "S 1", "host": "127.0.0.1",
        "port": 70000, "access_code": 5})
    err = error_of(r, 422, "validation_failed")
    assert set(err["fields"]) >= {"name", "model", "port", "access_code"}


def test_429_after_failed_logins(stack, user):
    s = stack.session()
    for _ in range(5):
        r = s.post("/api/auth/login",
                   json={"email": user.email, "password": "wrong-pass"})
        error_of(r, 401, "unauthorized")
    r = s.post("/api/auth/login",
               json={"email": user.email, "password": user.password})
    error_of(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0


@pytest.fixture
def broken_stack():
    """A private stack whose database lost a table, so queries touching
    it fail inside the worker."""
    s = Stack(workers=1)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def test_500_leaks_no_internals(broken_stack):
    u = broken_stack.make_user()
    p = new_printer(u.api)
    broken_stack.db_write("DROP TABLE materials CASCADE"
                          if broken_stack.backend == "postgresql"
                          else "DROP TABLE materials")
    r = u.api.get(f"/api/bambu/materials/{p['id']}")
    err = error_of(r, 500, "internal")
    assert err["message"] == "internal error"
    assert "materials" not in r.text and "sqlite" not in r.text.lower()
    assert "postgres" not in r.text.lower()
    # the worker lives on and still answers
    assert u.api.get("/api/printers").status_code == 200
    log = broken_stack.read_worker_log()
    assert ("no such table" in log
            or 'relation "materials" does not exist' in log)
