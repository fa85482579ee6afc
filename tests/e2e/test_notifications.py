"""Notification preferences through nginx and the worker pool: defaults,
partial updates, validation (booleans, URLs, addresses, email without an
address), the write-only webhook secret (generated once as a Standard
Webhooks whsec_ secret, shown once), the webhook format (chosen or taken
from the URL), the read-only webhook_disabled flag, and 404 for unknown and
other users' printers on every method. The material-low threshold, test
messages and the deliveries list: test_notify_api.py. Delivery itself:
test_delivery.py."""

import base64

import pytest

_serial = [0]

FIELDS = {"printer_id", "on_print_start", "on_print_complete",
          "on_print_failed", "on_maintenance", "on_material_change",
          "material_low_percent", "email_enabled", "email_address", "webhook_url",
          "webhook_secret_set", "webhook_format", "webhook_disabled",
          "webhook_disabled_reason", "updated_at"}

DEFAULTS = {"on_print_start": False, "on_print_complete": True,
            "on_print_failed": True, "on_maintenance": False,
            "on_material_change": False, "material_low_percent": 10,
            "email_enabled": False,
            "email_address": None, "webhook_url": None,
            "webhook_secret_set": False, "webhook_format": "standard",
            "webhook_disabled": False, "webhook_disabled_reason": None,
            "updated_at": None}


def make_printer(api):
    _serial[0] += 1
    r = api.post("/api/printers", json={
        "name": "Farm 2", "model": "P1S", "serial": f"NOT{_serial[0]:06d}",
        "host": "127.0.0.1", "access_code": "87654321"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def url(p):
    return f"/api/bambu/notifications/{p}"


def assert_error(r, status, code, field=None):
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code
    assert isinstance(err["message"], str) and err["message"]
    if field is not None:
        assert field in err["fields"], err


def test_defaults_before_any_put(user):
    p = make_printer(user.api)
    r = user.api.get(url(p))
    assert r.status_code == 200
    got = r.json()
    assert set(got) == FIELDS
    assert got["printer_id"] == p
    for k, v in DEFAULTS.items():
        assert got[k] == v, k


def test_partial_update_keeps_other_fields(user):
    p = make_printer(user.api)
    r = user.api.put(url(p), json={"on_print_start": True,
                                   "on_print_failed": False})
    assert r.status_code == 200, r.text
    got = r.json()
    assert set(got) == FIELDS
    assert got["on_print_start"] is True
    assert got["on_print_failed"] is False
    assert got["on_print_complete"] is True
    assert got["updated_at"].endswith("Z")
    r = user.api.put(url(p), json={"on_maintenance": True,
                                   "on_material_change": True})
    got = r.json()
    assert got["on_print_start"] is True and got["on_print_failed"] is False
    assert got["on_maintenance"] is True
    assert got["on_material_change"] is True
    assert user.api.get(url(p)).json() == got


def test_empty_put_saves_defaults(user):
    p = make_printer(user.api)
    r = user.api.put(url(p), json={})
    assert r.status_code == 200
    got = r.json()
    for k, v in DEFAULTS.items():
        if k != "updated_at":
            assert got[k] == v, k
    assert got["updated_at"] is not None


def test_email_enable_and_address(user):
    p = make_printer(user.api)
    r = user.api.put(url(p), json={"email_enabled": True,
                                   "email_address": "Owner@Farm.Example"})
    assert r.status_code == 200, r.text
    assert r.json()["email_enabled"] is True
    assert r.json()["email_address"] == "owner@farm.example"
    # turning email off keeps the address; removing it while off works
    r = user.api.put(url(p), json={"email_enabled": False})
    assert r.json()["email_address"] == "owner@farm.example"
    r = user.api.put(url(p), json={"email_address": None})
    assert r.status_code == 200
    assert r.json()["email_address"] is None
    assert r.json()["email_enabled"] is False


def test_email_enabled_without_address_is_422(user):
    p = make_printer(user.api)
    r = user.api.put(url(p), json={"email_enabled": True})
    assert_error(r, 422, "validation_failed", "email_enabled")
    assert user.api.get(url(p)).json()["updated_at"] is None
    # also after merging: the stored address is removed while enabled
    r = user.api.put(url(p), json={"email_enabled": True,
                                   "email_address": "a@b.example"})
    assert r.status_code == 200
    r = user.api.put(url(p), json={"email_address": None})
    assert_error(r, 422, "validation_failed", "email_enabled")
    assert user.api.get(url(p)).json()["email_address"] == "a@b.example"


@pytest.mark.parametrize("body,field", [
    ({"on_print_start": 1}, "on_print_start"),
    ({"on_print_complete": "true"}, "on_print_complete"),
    ({"on_print_failed": None}, "on_print_failed"),
    ({"on_maintenance": 0}, "on_maintenance"),
    ({"on_material_change": []}, "on_material_change"),
    ({"email_enabled": "yes"}, "email_enabled"),
    ({"email_address": "not-an-address"}, "email_address"),
    ({"email_address": "a@b"}, "email_address"),
    ({"email_address": 5}, "email_address"),
    ({"webhook_url": "ftp://hooks.example/hook"}, "webhook_url"),
    ({"webhook_url": "hooks.example/hook"}, "webhook_url"),
    ({"webhook_url": "/relative"}, "webhook_url"),
    ({"webhook_url": "https://"}, "webhook_url"),
    ({"webhook_url": 42}, "webhook_url"),
    ({"webhook_secret": "short"}, "webhook_secret"),
    ({"webhook_secret": "x" * 257}, "webhook_secret"),
    ({"webhook_secret": None}, "webhook_secret"),
    ({"webhook_secret": 12345678}, "webhook_secret"),
    ({"webhook_secret": "whsec_AQIDBA=="}, "webhook_secret"),
    ({"webhook_secret": "whsec_not*base64*at*all"}, "webhook_secret"),
    ({"webhook_format": "teams"}, "webhook_format"),
    ({"webhook_format": 1}, "webhook_format"),
    ({"webhook_disabled": True, "webhook_format": "x"}, "webhook_format"),
    ({"material_low_percent": -1}, "material_low_percent"),
    ({"material_low_percent": 101}, "material_low_percent"),
    ({"material_low_percent": "x"}, "material_low_percent"),
    ({"material_low_percent": None}, "material_low_percent"),
])
def test_validation(user, body, field):
    p = make_printer(user.api)
    r = user.api.put(url(p), json=body)
    assert_error(r, 422, "validation_failed", field)
    got = user.api.get(url(p)).json()
    assert got["updated_at"] is None  # nothing was written


def test_bad_json_is_400(user):
    p = make_printer(user.api)
    r = user.api.put(url(p), data="[1, 2]",
                     headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_json")


def test_webhook_secret_generated_once(user):
    p = make_printer(user.api)
    r = user.api.put(url(p), json={"webhook_url": "https://hooks.example/a"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["webhook_url"] == "https://hooks.example/a"
    assert got["webhook_secret_set"] is True
    secret = got["webhook_secret"]
    assert isinstance(secret, str) and secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:], validate=True)) == 32
    assert set(got) == FIELDS | {"webhook_secret"}

    # never again: not on GET, not on later PUTs
    got = user.api.get(url(p)).json()
    assert "webhook_secret" not in got
    assert got["webhook_secret_set"] is True
    assert secret not in user.api.get(url(p)).text
    r = user.api.put(url(p), json={"webhook_url": "http://hooks.example/b"})
    assert r.status_code == 200
    assert "webhook_secret" not in r.json()
    assert r.json()["webhook_url"] == "http://hooks.example/b"
    assert r.json()["webhook_secret_set"] is True

    # removing the URL keeps the secret; adding one back generates none
    r = user.api.put(url(p), json={"webhook_url": None})
    assert r.json()["webhook_url"] is None
    assert r.json()["webhook_secret_set"] is True
    r = user.api.put(url(p), json={"webhook_url": "https://hooks.example/c"})
    assert "webhook_secret" not in r.json()


def test_webhook_secret_set_by_user_is_write_only(user):
    p = make_printer(user.api)
    mine = "my-own-signing-secret"
    r = user.api.put(url(p), json={"webhook_url": "https://hooks.example/x",
                                   "webhook_secret": mine})
    assert r.status_code == 200, r.text
    assert r.json()["webhook_secret_set"] is True
    assert "webhook_secret" not in r.json()
    assert mine not in r.text
    assert mine not in user.api.get(url(p)).text


def test_webhook_secret_without_url(user):
    p = make_printer(user.api)
    r = user.api.put(url(p), json={"webhook_secret": "12345678"})
    assert r.status_code == 200, r.text
    assert r.json()["webhook_secret_set"] is True
    assert r.json()["webhook_url"] is None
    # a secret exists, so setting a URL later generates none
    r = user.api.put(url(p), json={"webhook_url": "https://hooks.example/y"})
    assert "webhook_secret" not in r.json()
    assert r.json()["webhook_secret_set"] is True


def test_no_secret_without_webhook(user):
    p = make_printer(user.api)
    r = user.api.put(url(p), json={"on_print_start": True})
    assert "webhook_secret" not in r.json()
    assert r.json()["webhook_secret_set"] is False


def test_printers_are_independent(user):
    p = make_printer(user.api)
    q = make_printer(user.api)
    user.api.put(url(p), json={"on_print_start": True,
                               "webhook_url": "https://hooks.example/p"})
    got = user.api.get(url(q)).json()
    assert got["printer_id"] == q
    assert got["on_print_start"] is False
    assert got["webhook_secret_set"] is False


def test_unknown_printer_is_404(user):
    for p in (999999, 0, "abc"):
        assert_error(user.api.get(url(p)), 404, "not_found")
        assert_error(user.api.put(url(p), json={"on_print_start": True}),
                     404, "not_found")


def test_other_users_printer_is_404(stack, user):
    other = stack.make_user()
    try:
        p = make_printer(user.api)
        user.api.put(url(p), json={"email_enabled": True,
                                   "email_address": "me@farm.example"})
        unknown = other.api.get(url(999999)).json()
        r = other.api.get(url(p))
        assert_error(r, 404, "not_found")
        assert r.json() == unknown
        r = other.api.put(url(p), json={"email_address": "evil@x.example",
                                        "webhook_url": "https://x.example"})
        assert_error(r, 404, "not_found")
        got = user.api.get(url(p)).json()
        assert got["email_address"] == "me@farm.example"
        assert got["webhook_url"] is None
        assert got["webhook_secret_set"] is False
    finally:
        other.api.close()


def test_deleted_printer_is_404(user):
    p = make_printer(user.api)
    user.api.put(url(p), json={"on_print_start": True})
    assert user.api.delete(f"/api/printers/{p}").status_code == 204
    assert_error(user.api.get(url(p)), 404, "not_found")
    assert_error(user.api.put(url(p), json={}), 404, "not_found")


def test_webhook_format_and_disabled(user):
    p = make_printer(user.api)
    # format detection only, never delivered
    r = user.api.put(url(p), json={
        "webhook_url": "https://discord.com/api/webhooks/123/abc"})
    assert r.json()["webhook_format"] == "discord"
    r = user.api.put(url(p), json={"webhook_format": "slack"})
    assert r.status_code == 200, r.text
    assert r.json()["webhook_format"] == "slack"
    # a chosen format sticks when the URL changes
    r = user.api.put(url(p), json={"webhook_url": "https://hooks.example/z"})
    assert r.json()["webhook_format"] == "slack"
    r = user.api.put(url(p), json={"webhook_format": None})
    assert r.json()["webhook_format"] == "standard"
    # webhook_disabled is read-only: sending it changes nothing
    r = user.api.put(url(p), json={"webhook_disabled": True})
    assert r.status_code == 200
    assert r.json()["webhook_disabled"] is False
    assert user.api.get(url(p)).json()["webhook_disabled"] is False


def test_whsec_secret_from_the_user(user):
    p = make_printer(user.api)
    mine = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    r = user.api.put(url(p), json={"webhook_url": "https://hooks.example/w",
                                   "webhook_secret": mine})
    assert r.status_code == 200, r.text
    assert r.json()["webhook_secret_set"] is True
    assert "webhook_secret" not in r.json()
