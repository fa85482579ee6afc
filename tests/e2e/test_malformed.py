"""Malformed input never crashes a worker or leaves a partial write: each
bad body gets its error, the printer list is unchanged afterwards, and the
pool still answers (the sanitizer watch in conftest fails any test whose
requests made a worker report a memory error)."""

import json

import pytest

from helpers import error_of, new_printer

JSON = {"Content-Type": "application/json"}
GOOD = {"name": "P", "model": "P1S", "serial": "01P0000001",
        "host": "127.0.0.1", "access_code": "12345678"}


def printers(api):
    return api.get("/api/printers").json()["printers"]


@pytest.mark.parametrize("body", [
    b'{"name": "P", "model": "P1S"',     # truncated
    b'{"name": "P",}',                   # trailing comma
    b"{'name': 'P'}",                    # not JSON quotes
    b'{"name": "P"} trailing',           # garbage after the value
    b'"just a string"',                  # not an object
    b"",                                 # empty
    b"\x00\x01\x02",                     # binary
    b'{"name": "\xff\xfe"}',             # invalid UTF-8
    b'{"name": "\xc3"}',                 # truncated UTF-8 sequence
])
def test_bad_json_is_400(user, body):
    r = user.api.post("/api/printers", data=body, headers=JSON)
    error_of(r, 400, "bad_json")
    assert printers(user.api) == []


def test_nesting_limit(user):
    deep = "[" * 40 + "]" * 40
    r = user.api.post("/api/printers", data=f'{{"x": {deep}}}', headers=JSON)
    err = error_of(r, 400, "bad_json")
    assert "32" in err["message"]
    ok = dict(GOOD, x=json.loads("[" * 30 + "]" * 30))
    assert user.api.post("/api/printers", json=ok).status_code == 201


@pytest.mark.parametrize("field,value", [
    ("name", 5), ("name", ["a"]), ("name", None), ("model", True),
    ("port", "8883"), ("port", 1.5), ("port", 99999999999999999999),
    ("port", -99999999999999999999), ("port", 1e300),
    ("ftp_port", {"a": 1}), ("access_code", False),
])
def test_wrong_types_are_422_naming_the_field(user, field, value):
    body = dict(GOOD, **{field: value})
    r = user.api.post("/api/printers", data=json.dumps(body), headers=JSON)
    err = error_of(r, 422, "validation_failed")
    assert field in err["fields"]
    assert printers(user.api) == []


def test_huge_number_literals(user):
    for lit in ("1e400", "123456789012345678901234567890", "-0.0000001"):
        body = ('{"name": "P", "model": "P1S", "serial": "S1", '
                '"host": "127.0.0.1", "access_code": "12345678", '
                '"port": %s}' % lit)
        r = user.api.post("/api/printers", data=body, headers=JSON)
        assert r.status_code in (400, 422), (lit, r.text)
    assert printers(user.api) == []


def test_2mib_body_is_413_and_writes_nothing(user):
    body = json.dumps(dict(GOOD, name="x" * (2 << 20)))
    r = user.api.post("/api/printers", data=body, headers=JSON)
    error_of(r, 413, "too_large")
    assert printers(user.api) == []


def test_sql_metacharacters_are_plain_text(user):
    name = "Robert'); DROP TABLE printers;-- \" ` \\ %_"
    p = new_printer(user.api, name=name)
    assert p["name"] == name
    assert user.api.get(f"/api/printers/{p['id']}").json()["name"] == name
    assert len(printers(user.api)) == 1


def test_html_in_names_comes_back_verbatim_in_json(user):
    name = '<script>alert("x")</script> & <b>'
    p = new_printer(user.api, name=name)
    assert user.api.get(f"/api/printers/{p['id']}").json()["name"] == name


def test_unknown_fields_are_ignored(user):
    p = new_printer(user.api, extra_field="whatever", status="printing")
    assert p["status"] == "unknown"
    assert "extra_field" not in p


def test_bad_query_parameters(user):
    for q in ("limit=0", "limit=1001", "limit=abc", "offset=-1", "limit="):
        r = user.api.get(f"/api/printers?{q}")
        error_of(r, 422, "validation_failed")


def test_bad_ids_in_path(user):
    for path in ("/api/printers/0", "/api/printers/-1", "/api/printers/abc",
                 "/api/printers/99999999999999999999999",
                 "/api/printers/1/"):
        r = user.api.get(path)
        error_of(r, 404, "not_found")


def test_pool_survives(stack, user):
    for _ in range(20):
        user.api.post("/api/printers", data=b"{" * 5000, headers=JSON)
    assert stack.session().get("/api/health").json()["status"] == "ok"
