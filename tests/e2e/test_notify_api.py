"""The notification endpoints added to the preferences, through nginx and
the worker pool: material_low_percent (default, range, types, round trip),
POST .../test (409 without an enabled channel, 202 with the deliveries it
queued for a webhook, email or both whatever the on_* flags say, a webhook
disabled after a 410 not counted), GET .../deliveries (the queued rows,
newest first, limit/offset, ?status= filter, finished rows without a next
attempt), and 404 with the unknown-id body for other users' printers;
POST .../test limited to 5 per user in any minute (429 with Retry-After,
the contract's rate_limited; refusals queue nothing; 409 still comes
first; another user unaffected; room again as the minute slides).
Requests never deliver: the rows stay pending until the dispatcher runs
(tests/e2e/test_delivery.py)."""

import time

import pytest

from helpers import error_of, new_printer

DELIVERY = {"id", "delivery_id", "event", "channel", "target", "status",
            "attempts", "last_code", "last_error", "next_attempt_at",
            "delivered_at", "created_at"}
HOOK = "https://hooks.example.test/farm"
MAIL = "ops@farm.example"


def prefs(p):
    return f"/api/bambu/notifications/{p}"


def send_test_url(p):
    return f"/api/bambu/notifications/{p}/test"


def deliveries(p):
    return f"/api/bambu/notifications/{p}/deliveries"


def db_write(stack, sql, *args):
    stack.db_write(sql, args)


def events_of(stack, p):
    return stack.db().scalar(
        "SELECT COUNT(*) FROM events WHERE printer_id = ?", (p,))


def put_prefs(api, p, **body):
    r = api.put(prefs(p), json=body)
    assert r.status_code == 200, r.text
    return r.json()


# material_low_percent

def test_material_low_percent_default_and_round_trip(user):
    p = new_printer(user.api)["id"]
    assert user.api.get(prefs(p)).json()["material_low_percent"] == 10
    for v in (0, 100, 25):
        got = put_prefs(user.api, p, material_low_percent=v)
        assert got["material_low_percent"] == v
        assert user.api.get(prefs(p)).json()["material_low_percent"] == v
    # other changes keep it
    got = put_prefs(user.api, p, on_material_change=True)
    assert got["material_low_percent"] == 25
    assert got["on_material_change"] is True


@pytest.mark.parametrize("value", [-1, 101, "x", "10", None, 5.5, True])
def test_material_low_percent_validation(user, value):
    p = new_printer(user.api)["id"]
    put_prefs(user.api, p, material_low_percent=30)
    err = error_of(user.api.put(prefs(p), json={"material_low_percent": value}),
                   422, "validation_failed")
    assert "material_low_percent" in err["fields"], err
    assert user.api.get(prefs(p)).json()["material_low_percent"] == 30


# POST .../test

def test_test_without_a_channel_is_409(stack, user):
    p = new_printer(user.api)["id"]
    for body in ({}, {"email_address": MAIL},
                 {"email_enabled": False, "webhook_url": None}):
        put_prefs(user.api, p, **body)
        err = error_of(user.api.post(send_test_url(p)), 409, "conflict")
        assert "email" in err["message"] and "webhook" in err["message"]
    assert events_of(stack, p) == 0
    assert user.api.get(deliveries(p)).json() == {"deliveries": []}


def check_pending(d, channel, target):
    assert set(d) == DELIVERY
    assert d["event"] == "test"
    assert d["channel"] == channel
    assert d["target"] == target
    assert d["status"] == "pending"
    assert d["attempts"] == 0
    assert d["delivery_id"] is None
    assert d["last_code"] is None and d["last_error"] is None
    assert d["delivered_at"] is None
    assert d["next_attempt_at"].endswith("Z")
    assert d["created_at"].endswith("Z")


def test_test_to_a_webhook(stack, user):
    p = new_printer(user.api)["id"]
    # every flag off: a test message still goes out
    put_prefs(user.api, p, webhook_url=HOOK, on_print_complete=False,
              on_print_failed=False)
    r = user.api.post(send_test_url(p))
    assert r.status_code == 202, r.text
    got = r.json()
    assert set(got) == {"event_id", "deliveries"}
    assert isinstance(got["event_id"], int) and got["event_id"] > 0
    assert len(got["deliveries"]) == 1
    check_pending(got["deliveries"][0], "webhook", HOOK)
    assert user.api.get(deliveries(p)).json() == {
        "deliveries": got["deliveries"]}
    row, = stack.query("SELECT kind, detail FROM events WHERE id = ?",
                       (got["event_id"],))
    kind, detail = row["kind"], row["detail"]
    assert kind == "test"
    assert "This is a test message from bambufarm." in detail


def test_test_to_email_and_webhook(user):
    p = new_printer(user.api)["id"]
    put_prefs(user.api, p, webhook_url=HOOK, email_enabled=True,
              email_address=MAIL)
    r = user.api.post(send_test_url(p), json={"ignored": True})
    assert r.status_code == 202, r.text
    got = r.json()["deliveries"]
    assert sorted((d["channel"], d["target"]) for d in got) == [
        ("email", MAIL), ("webhook", HOOK)]
    for d in got:
        check_pending(d, d["channel"], d["target"])
    listed = user.api.get(deliveries(p)).json()["deliveries"]
    assert sorted(d["id"] for d in listed) == sorted(d["id"] for d in got)


def test_test_to_email_only(user):
    p = new_printer(user.api)["id"]
    put_prefs(user.api, p, email_enabled=True, email_address=MAIL)
    r = user.api.post(send_test_url(p))
    assert r.status_code == 202, r.text
    [d] = r.json()["deliveries"]
    check_pending(d, "email", MAIL)


def test_disabled_webhook_is_not_a_channel(stack, user):
    p = new_printer(user.api)["id"]
    put_prefs(user.api, p, webhook_url=HOOK)
    db_write(stack, "UPDATE notification_settings SET webhook_disabled_at = ?,"
             " webhook_disabled_reason = 'delivery msg_x: 410 Gone' "
             "WHERE printer_id = ?", int(time.time()), p)
    assert user.api.get(prefs(p)).json()["webhook_disabled"] is True
    err = error_of(user.api.post(send_test_url(p)), 409, "conflict")
    assert "disabled" in err["message"]
    assert events_of(stack, p) == 0

    put_prefs(user.api, p, email_enabled=True, email_address=MAIL)
    r = user.api.post(send_test_url(p))
    assert r.status_code == 202, r.text
    assert [d["channel"] for d in r.json()["deliveries"]] == ["email"]

    # saving the URL again brings the webhook back
    put_prefs(user.api, p, webhook_url=HOOK)
    r = user.api.post(send_test_url(p))
    assert sorted(d["channel"] for d in r.json()["deliveries"]) == [
        "email", "webhook"]


def test_test_messages_are_limited_per_user(stack, user):
    p = new_printer(user.api)["id"]
    q = new_printer(user.api)["id"]
    none = new_printer(user.api)["id"]
    put_prefs(user.api, p, webhook_url=HOOK)
    put_prefs(user.api, q, email_enabled=True, email_address=MAIL)
    for i in range(5):
        r = user.api.post(send_test_url(q if i % 2 else p))
        assert r.status_code == 202, r.text
    r = user.api.post(send_test_url(p))
    err = error_of(r, 429, "rate_limited")
    assert "test messages" in err["message"], err
    retry = r.headers.get("Retry-After", "")
    assert retry.isdigit() and 1 <= int(retry) <= 60, r.headers
    # per user, not per printer; a printer without channels is still 409
    error_of(user.api.post(send_test_url(q)), 429, "rate_limited")
    error_of(user.api.post(send_test_url(none)), 409, "conflict")
    # refusals queue nothing
    me = user.api.get("/api/me").json()["id"]
    tests = "SELECT COUNT(*) FROM events WHERE user_id = ? AND kind = 'test'"
    assert stack.db().scalar(tests, (me,)) == 5
    assert len(user.api.get(deliveries(p)).json()["deliveries"]) == 3
    # another user has a limit of their own
    other = stack.make_user()
    try:
        o = new_printer(other.api)["id"]
        put_prefs(other.api, o, webhook_url=HOOK)
        assert other.api.post(send_test_url(o)).status_code == 202
    finally:
        other.api.close()
    # the minute slides: once the oldest is a minute old, one more
    db_write(stack, "UPDATE events SET created_at = created_at - 60 "
             "WHERE id = (SELECT MIN(id) FROM events WHERE user_id = ? "
             "AND kind = 'test')", me)
    assert user.api.post(send_test_url(p)).status_code == 202
    error_of(user.api.post(send_test_url(p)), 429, "rate_limited")


# GET .../deliveries

def test_deliveries_paging_and_status(stack, user):
    p = new_printer(user.api)["id"]
    q = new_printer(user.api)["id"]
    put_prefs(user.api, p, webhook_url=HOOK, email_enabled=True,
              email_address=MAIL)
    put_prefs(user.api, q, webhook_url=HOOK)
    for _ in range(3):
        assert user.api.post(send_test_url(p)).status_code == 202
    assert user.api.post(send_test_url(q)).status_code == 202

    every = user.api.get(deliveries(p)).json()["deliveries"]
    ids = [d["id"] for d in every]
    assert len(ids) == 6
    assert ids == sorted(ids, reverse=True)
    assert len(user.api.get(deliveries(q)).json()["deliveries"]) == 1

    got = user.api.get(deliveries(p), params={"limit": 2}).json()
    assert [d["id"] for d in got["deliveries"]] == ids[:2]
    got = user.api.get(deliveries(p), params={"limit": 2, "offset": 3}).json()
    assert [d["id"] for d in got["deliveries"]] == ids[3:5]
    got = user.api.get(deliveries(p), params={"offset": 6}).json()
    assert got == {"deliveries": []}

    now = int(time.time())
    db_write(stack, "UPDATE outbox SET status = 'delivered', attempts = 1, "
             "delivery_id = 'msg_00ff', last_code = 200, delivered_at = ? "
             "WHERE id = ?", now, ids[0])
    db_write(stack, "UPDATE outbox SET status = 'failed', attempts = 1, "
             "delivery_id = 'msg_00fe', last_code = 410, "
             "last_error = 'HTTP 410' WHERE id = ?", ids[1])
    db_write(stack, "UPDATE outbox SET status = 'expired', attempts = 10, "
             "last_error = 'timed out' WHERE id = ?", ids[2])

    def listed(status):
        r = user.api.get(deliveries(p), params={"status": status})
        assert r.status_code == 200, r.text
        return r.json()["deliveries"]

    assert [d["id"] for d in listed("pending")] == ids[3:]
    [d] = listed("delivered")
    assert d["id"] == ids[0] and d["delivery_id"] == "msg_00ff"
    assert d["last_code"] == 200 and d["attempts"] == 1
    assert d["delivered_at"].endswith("Z")
    assert d["next_attempt_at"] is None
    assert [d["id"] for d in listed("failed,expired")] == ids[1:3]
    assert listed("failed")[0]["last_error"] == "HTTP 410"
    assert [d["id"] for d in listed("expired,pending,delivered,failed")] == ids
    got = user.api.get(deliveries(p), params={"status": "pending",
                                              "limit": 1, "offset": 1}).json()
    assert [d["id"] for d in got["deliveries"]] == [ids[4]]


@pytest.mark.parametrize("params,field", [
    ({"status": "sent"}, "status"),
    ({"status": ""}, "status"),
    ({"status": "pending,"}, "status"),
    ({"status": "PENDING"}, "status"),
    ({"limit": 0}, "limit"),
    ({"limit": 1001}, "limit"),
    ({"offset": -1}, "offset"),
])
def test_deliveries_bad_parameters(user, params, field):
    p = new_printer(user.api)["id"]
    err = error_of(user.api.get(deliveries(p), params=params), 422,
                   "validation_failed")
    assert field in err["fields"], err


def test_methods(user):
    p = new_printer(user.api)["id"]
    r = user.api.get(send_test_url(p))
    error_of(r, 405, "method_not_allowed")
    assert "POST" in r.headers["Allow"]
    error_of(user.api.post(deliveries(p), json={}), 405, "method_not_allowed")


# isolation

def test_unknown_printer_is_404(user):
    for p in (999999, 0, "abc"):
        error_of(user.api.post(send_test_url(p)), 404, "not_found")
        error_of(user.api.get(deliveries(p)), 404, "not_found")


def test_other_users_printer_is_404(stack, user):
    p = new_printer(user.api)["id"]
    put_prefs(user.api, p, webhook_url=HOOK, material_low_percent=40)
    assert user.api.post(send_test_url(p)).status_code == 202
    other = stack.make_user()
    try:
        unknown = other.api.get(deliveries(999999))
        assert unknown.status_code == 404
        for r in (other.api.post(send_test_url(p)),
                  other.api.get(deliveries(p)),
                  other.api.get(deliveries(p), params={"status": "pending"}),
                  other.api.get(prefs(p)),
                  other.api.put(prefs(p), json={"material_low_percent": 1})):
            error_of(r, 404, "not_found")
            assert r.json() == unknown.json()
    finally:
        other.api.close()
    assert events_of(stack, p) == 1
    assert len(user.api.get(deliveries(p)).json()["deliveries"]) == 1
    assert user.api.get(prefs(p)).json()["material_low_percent"] == 40
