"""Print files: streamed upload (PUT raw bytes), replace, list, read,
delete, and the limits (name rules, media type, size)."""

import hashlib
import json
import os

import pytest

from helpers import error_of, new_file, new_order, new_product

OCTET = {"Content-Type": "application/octet-stream"}


def user_dir(stack, user):
    uid = user.api.get("/api/me").json()["id"]
    return stack.data_dir / "files" / str(uid)


def leftovers(stack, user):
    d = user_dir(stack, user)
    return sorted(p.name for p in d.iterdir() if p.name.startswith(".")) \
        if d.exists() else []


def test_upload_5mib_streamed_and_hashed(stack, user):
    data = os.urandom(5 * 1024 * 1024 + 17)
    r = user.api.put("/api/files/big-plate.3mf", data=data, headers=OCTET)
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["name"] == "big-plate.3mf"
    assert f["size"] == len(data)
    assert f["sha256"] == hashlib.sha256(data).hexdigest()
    for k in ("plates", "estimated_minutes", "grams"):
        assert k in f
    assert f["created_at"].endswith("Z")
    on_disk = user_dir(stack, user) / "big-plate.3mf"
    assert on_disk.read_bytes() == data
    assert leftovers(stack, user) == []


def test_replace_answers_200_and_changes_hash(stack, user):
    first = new_file(user.api, "box.gcode", b"G28\n")
    r = user.api.put("/api/files/box.gcode", data=b"G28\nG1 X10\n",
                     headers=OCTET)
    assert r.status_code == 200, r.text
    f = r.json()
    assert f["size"] == len(b"G28\nG1 X10\n")
    assert f["sha256"] == hashlib.sha256(b"G28\nG1 X10\n").hexdigest()
    assert f["sha256"] != first["sha256"]
    assert f["created_at"] == first["created_at"]
    names = [x["name"] for x in user.api.get("/api/files").json()["files"]]
    assert names == ["box.gcode"]
    assert (user_dir(stack, user) / "box.gcode").read_bytes() == \
        b"G28\nG1 X10\n"


def test_list_by_name_with_limit_offset(user):
    for n in ("c.3mf", "a.3mf", "b.gcode"):
        new_file(user.api, n)
    r = user.api.get("/api/files")
    assert r.status_code == 200
    assert [f["name"] for f in r.json()["files"]] == \
        ["a.3mf", "b.gcode", "c.3mf"]
    r = user.api.get("/api/files?limit=1&offset=1")
    assert [f["name"] for f in r.json()["files"]] == ["b.gcode"]
    error_of(user.api.get("/api/files?limit=0"), 422, "validation_failed")


def test_get_one_and_unknown(user):
    new_file(user.api, "one.3mf", b"abc")
    r = user.api.get("/api/files/one.3mf")
    assert r.status_code == 200
    assert r.json()["sha256"] == hashlib.sha256(b"abc").hexdigest()
    error_of(user.api.get("/api/files/none.3mf"), 404, "not_found")


@pytest.mark.parametrize("name", [
    "plate.stl", "plate", ".3mf", "..3mf", ".hidden.3mf", "a b.3mf",
    "x" * 125 + ".3mf", "naïve.3mf", "a.3MF"])
def test_bad_names_are_422(user, name):
    r = user.api.put(f"/api/files/{name}", data=b"x", headers=OCTET)
    err = error_of(r, 422, "validation_failed")
    assert "name" in err["fields"]


def test_encoded_slash_never_escapes_the_library(stack, user):
    r = user.api.put("/api/files/..%2F..%2Fevil.3mf", data=b"x",
                     headers=OCTET)
    assert r.status_code in (404, 422), r.text
    assert not (stack.data_dir / "evil.3mf").exists()
    assert not (stack.data_dir / "files" / "evil.3mf").exists()
    assert user.api.get("/api/files").json()["files"] == []


def test_longest_name_is_fine(user):
    name = "x" * 124 + ".3mf"
    assert len(name) == 128
    r = user.api.put(f"/api/files/{name}", data=b"x", headers=OCTET)
    assert r.status_code == 201, r.text


def test_other_content_type_is_415(user):
    r = user.api.put("/api/files/a.3mf", data=b"x",
                     headers={"Content-Type": "application/json"})
    error_of(r, 415, "unsupported_media_type")
    r = user.api.put("/api/files/a.3mf", data=b"x")  # no type at all
    error_of(r, 415, "unsupported_media_type")
    error_of(user.api.get("/api/files/a.3mf"), 404, "not_found")


def test_empty_body_is_422(user):
    r = user.api.put("/api/files/a.3mf", data=b"", headers=OCTET)
    err = error_of(r, 422, "validation_failed")
    assert "body" in err["fields"]


def test_over_limit_content_length_is_413(stack, user, cgi):
    auth = {"Authorization": f"Bearer {user.token}", **OCTET}
    r = cgi("PUT", "/api/files/big.3mf", body=b"x" * 2048, headers=auth,
            env={"FARM_FILE_LIMIT": "1024"})
    assert r.status == 413, r.body
    assert json.loads(r.body)["error"]["code"] == "too_large"
    error_of(user.api.get("/api/files/big.3mf"), 404, "not_found")
    assert leftovers(stack, user) == []


def test_over_limit_without_length_is_counted_413(stack, user, cgi):
    """No Content-Length: the upload is counted while it streams, and the
    temporary file is removed."""
    auth = {"Authorization": f"Bearer {user.token}", **OCTET}
    r = cgi("PUT", "/api/files/big.3mf", body=b"x" * 4096, headers=auth,
            env={"FARM_FILE_LIMIT": "1024", "CONTENT_LENGTH": None})
    assert r.status == 413, r.body
    error_of(user.api.get("/api/files/big.3mf"), 404, "not_found")
    assert leftovers(stack, user) == []


def test_failed_replace_keeps_old_file(stack, user, cgi):
    old = new_file(user.api, "keep.3mf", b"old bytes")
    auth = {"Authorization": f"Bearer {user.token}", **OCTET}
    r = cgi("PUT", "/api/files/keep.3mf", body=b"y" * 2048, headers=auth,
            env={"FARM_FILE_LIMIT": "1024"})
    assert r.status == 413
    assert user.api.get("/api/files/keep.3mf").json() == old
    assert (user_dir(stack, user) / "keep.3mf").read_bytes() == b"old bytes"
    assert leftovers(stack, user) == []


def test_under_limit_via_cgi_is_stored(user, cgi):
    auth = {"Authorization": f"Bearer {user.token}", **OCTET}
    r = cgi("PUT", "/api/files/small.3mf", body=b"z" * 1000, headers=auth,
            env={"FARM_FILE_LIMIT": "1024"})
    assert r.status == 201, r.body
    assert json.loads(r.body)["size"] == 1000


def test_delete_removes_row_and_bytes(stack, user):
    new_file(user.api, "gone.3mf")
    path = user_dir(stack, user) / "gone.3mf"
    assert path.exists()
    r = user.api.delete("/api/files/gone.3mf")
    assert r.status_code == 204
    assert not path.exists()
    error_of(user.api.get("/api/files/gone.3mf"), 404, "not_found")
    error_of(user.api.delete("/api/files/gone.3mf"), 404, "not_found")


def test_delete_while_a_print_uses_it_is_409(stack, user):
    new_file(user.api, "part.3mf")
    prod = new_product(user.api, file="part.3mf")
    order = new_order(user.api, [{"title": "x", "quantity": 1,
                                  "product_id": prod["id"]}])
    r = user.api.post(f"/api/orders/{order['id']}/schedule-prints", json={})
    assert r.status_code == 201, r.text
    error_of(user.api.delete("/api/files/part.3mf"), 409, "conflict")
    assert user.api.get("/api/files/part.3mf").status_code == 200
    assert (user_dir(stack, user) / "part.3mf").exists()


def test_delete_after_print_cancelled_is_204(user):
    new_file(user.api, "part.3mf")
    prod = new_product(user.api, file="part.3mf")
    order = new_order(user.api, [{"title": "x", "quantity": 1,
                                  "product_id": prod["id"]}])
    r = user.api.post(f"/api/orders/{order['id']}/schedule-prints", json={})
    pid = r.json()["prints"][0]["id"]
    r = user.api.delete(f"/api/bambu/scheduled-prints/{pid}")
    assert r.status_code == 200, r.text
    assert user.api.delete("/api/files/part.3mf").status_code == 204


def test_files_are_per_user(stack, user):
    other = stack.make_user()
    try:
        new_file(other.api, "same.3mf", b"theirs")
        r = user.api.put("/api/files/same.3mf", data=b"mine", headers=OCTET)
        assert r.status_code == 201  # new for this user, not a replace
        assert other.api.get("/api/files/same.3mf").json()["sha256"] == \
            hashlib.sha256(b"theirs").hexdigest()
    finally:
        other.api.close()


def test_unauthenticated_upload_is_401(stack):
    r = stack.session().put("/api/files/a.3mf", data=b"x", headers=OCTET)
    error_of(r, 401, "unauthorized")
