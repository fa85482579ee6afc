"""A printer's maintenance through nginx and the worker pool: the state's
defaults; the interval (PUT, its range and types, re-arming the reminder
only when it changes); maintenance records (defaults, an explicit time with
an offset, not in the future, not before the latest record, the note's
length, wrong types, an absent body); print hours counted from completed
and failed prints since the latest record (prints moved through the API,
their times then set in the database to control the durations), a record
keeping the hours of the period it closes, "due"; records newest first
with limit/offset; and 404 with the unknown-id body for other users'
printers on every method. The reminder itself (maintenance_notify_due):
tests/unit/test_maintenance.c."""

import datetime
import time

import pytest

from helpers import error_of, new_file, new_print, new_printer

STATE = {"printer_id", "interval_hours", "print_hours", "last_maintenance_at",
         "due", "notified_at", "records"}
RECORD = {"id", "performed_at", "note", "print_hours", "created_at"}
HOUR = 3600


def url(p):
    return f"/api/printers/{p}/maintenance"


def iso(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp())


def db_write(stack, sql, *args):
    stack.db_write(sql, args)


def db_read(stack, sql, *args):
    rows = stack.query(sql, args)
    return tuple(rows[0].values()) if rows else None


def finished_print(stack, api, printer_id, start, end, status="completed"):
    """A print moved queued -> started -> completed/failed through the API,
    then given the start and end times wanted."""
    pr = new_print(api, printer_id)
    r = api.put(f"/api/bambu/scheduled-prints/{pr['id']}",
                json={"status": "started"})
    assert r.status_code == 200, r.text
    body = {"status": status}
    if status == "failed":
        body["failure_reason"] = "spaghetti"
    r = api.put(f"/api/bambu/scheduled-prints/{pr['id']}", json=body)
    assert r.status_code == 200, r.text
    db_write(stack, "UPDATE scheduled_prints SET started_at = ?, "
             "completed_at = ? WHERE id = ?", start, end, pr["id"])
    return pr["id"]


def test_defaults(user):
    p = new_printer(user.api)["id"]
    r = user.api.get(url(p))
    assert r.status_code == 200, r.text
    got = r.json()
    assert set(got) == STATE
    assert got == {"printer_id": p, "interval_hours": None,
                   "print_hours": 0.0, "last_maintenance_at": None,
                   "due": False, "notified_at": None, "records": []}
    assert '"print_hours":0.0' in r.text.replace(" ", "")


def test_put_interval(stack, user):
    p = new_printer(user.api)["id"]
    r = user.api.put(url(p), json={"interval_hours": 200})
    assert r.status_code == 200, r.text
    assert set(r.json()) == STATE
    assert r.json()["interval_hours"] == 200
    assert r.json()["due"] is False
    assert user.api.get(url(p)).json()["interval_hours"] == 200
    # a partial PUT without the field changes nothing
    r = user.api.put(url(p), json={"other": 1})
    assert r.status_code == 200
    assert r.json()["interval_hours"] == 200
    for v in (1, 100000):
        r = user.api.put(url(p), json={"interval_hours": v})
        assert r.status_code == 200, r.text
        assert r.json()["interval_hours"] == v
    r = user.api.put(url(p), json={"interval_hours": None})
    assert r.status_code == 200
    assert r.json()["interval_hours"] is None
    assert user.api.get(url(p)).json()["interval_hours"] is None


@pytest.mark.parametrize("value", [0, -1, 100001, "200", 2.5, True, [1],
                                   {"h": 1}])
def test_put_interval_validation(user, value):
    p = new_printer(user.api)["id"]
    user.api.put(url(p), json={"interval_hours": 50})
    r = user.api.put(url(p), json={"interval_hours": value})
    err = error_of(r, 422, "validation_failed")
    assert "interval_hours" in err["fields"], err
    assert user.api.get(url(p)).json()["interval_hours"] == 50


def test_put_bad_bodies(user):
    p = new_printer(user.api)["id"]
    error_of(user.api.put(url(p), data="{", headers={
        "Content-Type": "application/json"}), 400, "bad_json")
    error_of(user.api.put(url(p), data="[1]", headers={
        "Content-Type": "application/json"}), 400, "bad_json")
    error_of(user.api.put(url(p)), 400, "bad_json")
    error_of(user.api.put(url(p), data="interval_hours=5", headers={
        "Content-Type": "application/x-www-form-urlencoded"}),
        415, "unsupported_media_type")
    error_of(user.api.delete(url(p)), 405, "method_not_allowed")


def test_changed_interval_rearms_the_reminder(stack, user):
    p = new_printer(user.api)["id"]
    user.api.put(url(p), json={"interval_hours": 10})
    sent = int(time.time()) - 60
    db_write(stack, "UPDATE printers SET maintenance_notified_at = ? "
             "WHERE id = ?", sent, p)
    assert user.api.get(url(p)).json()["notified_at"] == iso(sent)
    # the same value again is not a new period
    r = user.api.put(url(p), json={"interval_hours": 10})
    assert r.json()["notified_at"] == iso(sent)
    r = user.api.put(url(p), json={"interval_hours": 12})
    assert r.json()["notified_at"] is None


def test_post_record_defaults(user):
    p = new_printer(user.api)["id"]
    before = int(time.time())
    r = user.api.post(url(p), json={})
    after = int(time.time())
    assert r.status_code == 201, r.text
    rec = r.json()
    assert set(rec) == RECORD
    assert isinstance(rec["id"], int) and rec["id"] > 0
    assert rec["note"] is None
    assert rec["print_hours"] == 0.0
    assert before <= parse(rec["performed_at"]) <= after
    assert rec["created_at"] == rec["performed_at"]
    got = user.api.get(url(p)).json()
    assert got["records"] == [rec]
    assert got["last_maintenance_at"] == rec["performed_at"]

    # no body at all is the same as {}
    r = user.api.post(url(p))
    assert r.status_code == 201, r.text
    assert r.json()["note"] is None


def test_post_record_with_time_and_note(user):
    p = new_printer(user.api)["id"]
    t = int(time.time()) - 3 * 86400
    local = datetime.datetime.fromtimestamp(
        t, datetime.timezone(datetime.timedelta(hours=2)))
    r = user.api.post(url(p), json={
        "performed_at": local.isoformat(), "note": "new nozzle, lubed rods"})
    assert r.status_code == 201, r.text
    assert r.json()["performed_at"] == iso(t)
    assert r.json()["note"] == "new nozzle, lubed rods"
    r = user.api.post(url(p), json={"note": "ü" * 500,
                                    "performed_at": None})
    assert r.status_code == 201, r.text
    assert r.json()["note"] == "ü" * 500


def test_post_record_validation(user):
    p = new_printer(user.api)["id"]
    now = int(time.time())
    cases = [
        ({"performed_at": iso(now + 3600)}, "performed_at"),
        ({"performed_at": "yesterday"}, "performed_at"),
        ({"performed_at": "2025-01-01T10:00:00"}, "performed_at"),
        ({"performed_at": 1700000000}, "performed_at"),
        ({"note": "x" * 501}, "note"),
        ({"note": 5}, "note"),
        ({"note": ["a"]}, "note"),
    ]
    for body, field in cases:
        err = error_of(user.api.post(url(p), json=body), 422,
                       "validation_failed")
        assert field in err["fields"], (body, err)
    assert user.api.get(url(p)).json()["records"] == []
    error_of(user.api.post(url(p), data="{", headers={
        "Content-Type": "application/json"}), 400, "bad_json")

    # not before the latest record; the same moment is fine
    r = user.api.post(url(p), json={"performed_at": iso(now - 86400)})
    assert r.status_code == 201
    err = error_of(user.api.post(url(p), json={
        "performed_at": iso(now - 2 * 86400)}), 422, "validation_failed")
    assert "performed_at" in err["fields"]
    r = user.api.post(url(p), json={"performed_at": iso(now - 86400)})
    assert r.status_code == 201, r.text
    assert len(user.api.get(url(p)).json()["records"]) == 2


def test_print_hours_and_records(stack, user):
    new_file(user.api)
    p = new_printer(user.api)["id"]
    other = new_printer(user.api)["id"]
    now = int(time.time())
    d = 86400
    finished_print(stack, user.api, p, now - 10 * d, now - 10 * d + 2 * HOUR)
    finished_print(stack, user.api, p, now - 9 * d,
                   now - 9 * d + HOUR + 1800, status="failed")
    finished_print(stack, user.api, other, now - 9 * d, now - 9 * d + 7 * HOUR)
    # a cancelled print and one still running do not count
    pr = new_print(user.api, p)
    r = user.api.delete(f"/api/bambu/scheduled-prints/{pr['id']}")
    assert r.status_code == 200, r.text
    pr = new_print(user.api, p)
    user.api.put(f"/api/bambu/scheduled-prints/{pr['id']}",
                 json={"status": "started"})
    db_write(stack, "UPDATE scheduled_prints SET started_at = ? "
             "WHERE id = ?", now - 5 * d, pr["id"])

    got = user.api.get(url(p)).json()
    assert got["print_hours"] == 3.5
    assert got["due"] is False
    r = user.api.put(url(p), json={"interval_hours": 3})
    assert r.json()["due"] is True
    assert r.json()["print_hours"] == 3.5
    assert user.api.get(url(other)).json()["print_hours"] == 7.0

    # a record in between keeps the hours before it; the rest stay open
    r = user.api.post(url(p), json={"performed_at": iso(now - 9 * d - 60)})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["print_hours"] == 2.0
    got = user.api.get(url(p)).json()
    assert got["print_hours"] == 1.5
    assert got["due"] is False
    assert got["last_maintenance_at"] == iso(now - 9 * d - 60)

    # prints after the latest record count; rounded down to 0.1 h
    finished_print(stack, user.api, p, now - 2 * d, now - 2 * d + 5 * 60)
    got = user.api.get(url(p)).json()
    assert got["print_hours"] == 1.5  # 1.5833 h
    finished_print(stack, user.api, p, now - d, now - d + 60)
    assert user.api.get(url(p)).json()["print_hours"] == 1.6

    r = user.api.post(url(p), json={"note": "belts"})
    assert r.status_code == 201
    second = r.json()
    assert second["print_hours"] == 1.6
    got = user.api.get(url(p)).json()
    assert got["print_hours"] == 0.0
    assert [x["id"] for x in got["records"]] == [second["id"], first["id"]]
    assert got["records"][0] == second


def test_record_clears_notified(stack, user):
    p = new_printer(user.api)["id"]
    user.api.put(url(p), json={"interval_hours": 1})
    db_write(stack, "UPDATE printers SET maintenance_notified_at = ? "
             "WHERE id = ?", int(time.time()) - 10, p)
    assert user.api.get(url(p)).json()["notified_at"] is not None
    assert user.api.post(url(p), json={}).status_code == 201
    assert user.api.get(url(p)).json()["notified_at"] is None
    assert db_read(stack, "SELECT maintenance_notified_at FROM printers "
                   "WHERE id = ?", p) == (None,)


def test_records_paging(user):
    p = new_printer(user.api)["id"]
    now = int(time.time())
    ids = []
    for i in range(5):
        r = user.api.post(url(p), json={
            "performed_at": iso(now - (10 - i) * 3600), "note": f"n{i}"})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    got = user.api.get(url(p)).json()["records"]
    assert [x["id"] for x in got] == ids[::-1]
    got = user.api.get(url(p), params={"limit": 2, "offset": 1}).json()
    assert [x["id"] for x in got["records"]] == [ids[3], ids[2]]
    assert got["last_maintenance_at"] == iso(now - 6 * 3600)
    got = user.api.get(url(p), params={"offset": 10}).json()
    assert got["records"] == []
    for params, field in (({"limit": 0}, "limit"), ({"limit": 1001}, "limit"),
                          ({"offset": -1}, "offset"),
                          ({"limit": "x"}, "limit")):
        err = error_of(user.api.get(url(p), params=params), 422,
                       "validation_failed")
        assert field in err["fields"]


def test_unknown_printer_is_404(user):
    for p in (999999, 0, "abc"):
        error_of(user.api.get(url(p)), 404, "not_found")
        error_of(user.api.put(url(p), json={"interval_hours": 5}), 404,
                 "not_found")
        error_of(user.api.post(url(p), json={}), 404, "not_found")


def test_other_users_printer_is_404(stack, user):
    p = new_printer(user.api)["id"]
    user.api.put(url(p), json={"interval_hours": 100})
    user.api.post(url(p), json={"note": "mine"})
    other = stack.make_user()
    try:
        unknown = other.api.get(url(999999))
        assert unknown.status_code == 404
        for r in (other.api.get(url(p)),
                  other.api.put(url(p), json={"interval_hours": 5}),
                  other.api.put(url(p), json={"interval_hours": "bad"}),
                  other.api.post(url(p), json={"note": "evil"}),
                  other.api.post(url(p), json={"note": 5})):
            error_of(r, 404, "not_found")
            assert r.json() == unknown.json()
    finally:
        other.api.close()
    got = user.api.get(url(p)).json()
    assert got["interval_hours"] == 100
    assert [x["note"] for x in got["records"]] == ["mine"]


def test_deleted_printer_is_404(user):
    p = new_printer(user.api)["id"]
    user.api.post(url(p), json={})
    assert user.api.delete(f"/api/printers/{p}").status_code == 204
    error_of(user.api.get(url(p)), 404, "not_found")
    error_of(user.api.post(url(p), json={}), 404, "not_found")
