"""Scheduled prints through the HTTP API: create (queued, scheduled,
chained), list filters, the whole status table, failure_reason, cancel,
the per-printer queue order with positions, chain re-timing when a parent
starts or ends, material cost, user isolation and input validation.

The server runs on the real clock, so chain times are checked against the
started_at/completed_at the server answers, never against the test's clock.
"""

import itertools
import uuid
from datetime import datetime, timezone

import pytest

BASE = "/api/bambu/scheduled-prints"
STATUSES = ["queued", "scheduled", "started", "completed", "failed",
            "cancelled"]
ALLOWED = {("queued", "scheduled"), ("queued", "started"),
           ("scheduled", "queued"), ("scheduled", "started"),
           ("started", "completed"), ("started", "failed"),
           ("queued", "cancelled"), ("scheduled", "cancelled")}
FIELDS = {"id", "printer_id", "name", "file", "plate", "status", "priority",
          "scheduled_at", "estimated_minutes", "chain_after_id",
          "chain_offset_minutes", "order_id", "order_item_id", "nozzle_temp",
          "bed_temp", "speed_level", "material_slot", "grams",
          "material_cost", "energy_cost", "machine_cost",
                "total_cost", "currency", "started_at", "completed_at",
          "failure_reason", "progress_percent", "created_at", "updated_at"}


def ts(s):
    """ISO 'Z' time -> UTC seconds."""
    assert s.endswith("Z"), s
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=timezone.utc).timestamp())


def make_file(u, name="part.3mf"):
    """One of u's files, uploaded through PUT /api/files."""
    r = u.api.put(f"/api/files/{name}", data=b"; gcode\nG28\n",
                  headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text
    return name


def make_printer(u):
    r = u.api.post("/api/printers", json={
        "name": "P", "model": "X1C", "serial": uuid.uuid4().hex[:12],
        "host": "127.0.0.1", "access_code": "12345678"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def make_material(u, printer, slot, cost):
    r = u.api.post(f"/api/bambu/materials/{printer}", json={
        "slot": slot, "material_type": "PLA", "cost_per_kg": cost})
    assert r.status_code == 201, r.text


def make_order(u):
    r = u.api.post("/api/orders", json={
        "external_id": uuid.uuid4().hex,
        "items": [{"title": "thing", "quantity": 1}]})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
def env(user):
    """A user with one printer and one file."""
    class Env:
        pass
    e = Env()
    e.u = user
    e.api = user.api
    e.file = make_file(user)
    e.printer = make_printer(user)
    return e


def create(e, expect=201, **kw):
    body = {"printer_id": e.printer, "name": "bracket", "file": e.file,
            "estimated_minutes": 60}
    body.update(kw)
    r = e.api.post(BASE, json=body)
    assert r.status_code == expect, r.text
    return r.json()


def put(e, pid, expect=200, **kw):
    r = e.api.put(f"{BASE}/{pid}", json=kw)
    assert r.status_code == expect, r.text
    return r.json()


def fetch(e, pid):
    """A print by id, through the user's list."""
    r = e.api.get(BASE, params={"limit": 1000})
    assert r.status_code == 200
    found = [p for p in r.json()["prints"] if p["id"] == pid]
    assert len(found) == 1
    return found[0]


def error_fields(r, status=422):
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == "validation_failed"
    return err["fields"]


# --- create ----------------------------------------------------------------

def test_create_queued_with_defaults(env):
    p = create(env)
    assert set(p) >= FIELDS
    assert p["status"] == "queued"
    assert p["scheduled_at"] is None
    assert p["plate"] == 1 and p["priority"] == 0 and p["speed_level"] == 2
    assert p["chain_offset_minutes"] == 0
    assert p["printer_id"] == env.printer
    assert p["material_cost"] is None and p["currency"] == "USD"
    assert p["started_at"] is None and p["completed_at"] is None
    assert p["created_at"].endswith("Z")
    # the server decides status; unknown keys are ignored
    p = create(env, status="started", progress_percent=50, whatever=[1])
    assert p["status"] == "queued" and p["progress_percent"] is None
    assert p["started_at"] is None


def test_create_scheduled_with_every_field(env):
    p = create(env, scheduled_at="2030-01-02T03:04:05+01:00", plate=3,
               priority=-7, nozzle_temp=220, bed_temp=60, speed_level=4,
               material_slot=1, material_type="PETG", color="#ff8800",
               grams=42, name="x" * 200)
    assert p["status"] == "scheduled"
    assert p["scheduled_at"] == "2030-01-02T02:04:05Z"
    assert (p["plate"], p["priority"], p["nozzle_temp"], p["bed_temp"],
            p["speed_level"], p["material_slot"], p["grams"]) == \
        (3, -7, 220, 60, 4, 1, 42)
    assert p["color"] == "#FF8800" and p["material_type"] == "PETG"


def test_create_with_order_and_any_printer(env):
    order = make_order(env.u)
    p = create(env, printer_id=None, order_id=order)
    assert p["printer_id"] is None
    assert p["order_id"] == order
    r = env.api.get(BASE, params={"order_id": order})
    assert [x["id"] for x in r.json()["prints"]] == [p["id"]]


def test_create_validation(env):
    r = env.api.post(BASE, json={"name": "", "file": 5, "plate": 0,
                                 "estimated_minutes": 0, "priority": 1001,
                                 "speed_level": 5, "material_slot": 8,
                                 "nozzle_temp": 351, "bed_temp": -1,
                                 "grams": 100001, "color": "red",
                                 "chain_offset_minutes": 100001,
                                 "scheduled_at": "tomorrow",
                                 "printer_id": "1"})
    f = error_fields(r)
    for k in ("name", "file", "plate", "estimated_minutes", "priority",
              "speed_level", "material_slot", "nozzle_temp", "bed_temp",
              "grams", "color", "chain_offset_minutes", "scheduled_at",
              "printer_id"):
        assert k in f, k
    r = env.api.post(BASE, json={"printer_id": env.printer})
    f = error_fields(r)
    assert {"name", "file", "estimated_minutes"} <= set(f)
    r = env.api.post(BASE, json={"printer_id": env.printer, "name": "a",
                                 "file": env.file, "estimated_minutes": "60"})
    assert "estimated_minutes" in error_fields(r)
    r = env.api.post(BASE, json={"printer_id": env.printer, "name": "a",
                                 "file": "missing.3mf",
                                 "estimated_minutes": 60})
    assert list(error_fields(r)) == ["file"]
    r = env.api.post(BASE, json={"printer_id": 999999999, "name": "a",
                                 "file": env.file, "estimated_minutes": 60})
    assert list(error_fields(r)) == ["printer_id"]
    r = env.api.post(BASE, data="[1]",
                     headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    # nothing was created by any of these
    assert env.api.get(BASE).json()["prints"] == []


# --- lists -----------------------------------------------------------------

def test_lists_and_filters(env):
    a = create(env)
    b = create(env, printer_id=None)
    c = create(env, scheduled_at="2030-01-01T00:00:00Z")
    put(env, a["id"], status="started")
    r = env.api.get(BASE)
    assert [p["id"] for p in r.json()["prints"]] == [c["id"], b["id"],
                                                       a["id"]]
    r = env.api.get(BASE, params={"status": "queued,scheduled"})
    assert [p["id"] for p in r.json()["prints"]] == [c["id"], b["id"]]
    r = env.api.get(BASE, params={"unassigned": "1"})
    assert [p["id"] for p in r.json()["prints"]] == [b["id"]]
    r = env.api.get(BASE, params={"limit": 1, "offset": 1})
    assert [p["id"] for p in r.json()["prints"]] == [b["id"]]
    r = env.api.get(f"{BASE}/{env.printer}")
    assert [p["id"] for p in r.json()["prints"]] == [c["id"], a["id"]]
    r = env.api.get(f"{BASE}/{env.printer}", params={"status": "started"})
    assert [p["id"] for p in r.json()["prints"]] == [a["id"]]


@pytest.mark.parametrize("q", ["nope", "queued,", "", "QUEUED",
                               "queued,bogus"])
def test_invalid_status_filter(env, q):
    for path in (BASE, f"{BASE}/{env.printer}"):
        r = env.api.get(path, params={"status": q})
        assert "status" in error_fields(r)


def test_invalid_list_params(env):
    assert "order_id" in error_fields(env.api.get(BASE, params={
        "order_id": "x"}))
    assert "unassigned" in error_fields(env.api.get(BASE, params={
        "unassigned": "maybe"}))
    assert "limit" in error_fields(env.api.get(BASE, params={"limit": 0}))


# --- the status table --------------------------------------------------------

def bring_to(e, status):
    """A new print in the given status, through the API."""
    p = create(e, scheduled_at=None if status == "queued"
               else "2030-01-01T00:00:00Z")
    pid = p["id"]
    if status in ("started", "completed", "failed"):
        put(e, pid, status="started")
    if status == "completed":
        put(e, pid, status="completed")
    if status == "failed":
        put(e, pid, status="failed", failure_reason="jam")
    if status == "cancelled":
        put(e, pid, status="cancelled")
    assert fetch(e, pid)["status"] == status
    return pid


@pytest.mark.parametrize("src,dst", [
    (a, b) for a, b in itertools.product(STATUSES, STATUSES) if a != b])
def test_transition(env, src, dst):
    pid = bring_to(env, src)
    body = {"status": dst}
    if dst == "failed":
        body["failure_reason"] = "spaghetti"
    if (src, dst) == ("queued", "scheduled"):
        body["scheduled_at"] = "2031-05-05T05:05:05Z"
    r = env.api.put(f"{BASE}/{pid}", json=body)
    if (src, dst) in ALLOWED:
        assert r.status_code == 200, r.text
        p = r.json()
        assert p["status"] == dst
        if dst == "started":
            assert p["started_at"] is not None
        if dst in ("completed", "failed"):
            assert p["completed_at"] is not None
            assert ts(p["completed_at"]) >= ts(p["started_at"])
        if dst == "queued":
            assert p["scheduled_at"] is None
        if dst == "scheduled":
            assert p["scheduled_at"] == "2031-05-05T05:05:05Z"
    else:
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "conflict"
        assert fetch(env, pid)["status"] == src


def test_queued_to_scheduled_needs_a_time(env):
    pid = bring_to(env, "queued")
    r = env.api.put(f"{BASE}/{pid}", json={"status": "scheduled"})
    assert "scheduled_at" in error_fields(r)
    assert fetch(env, pid)["status"] == "queued"


def test_setting_or_clearing_time_moves_status(env):
    pid = bring_to(env, "queued")
    p = put(env, pid, scheduled_at="2030-06-01T10:00:00Z")
    assert p["status"] == "scheduled"
    p = put(env, pid, scheduled_at=None)
    assert p["status"] == "queued" and p["scheduled_at"] is None


def test_failure_reason_required(env):
    pid = bring_to(env, "started")
    for body in ({"status": "failed"},
                 {"status": "failed", "failure_reason": ""},
                 {"status": "failed", "failure_reason": None}):
        r = env.api.put(f"{BASE}/{pid}", json=body)
        assert "failure_reason" in error_fields(r)
    r = env.api.put(f"{BASE}/{pid}", json={"status": "failed",
                                           "failure_reason": 7})
    assert "failure_reason" in error_fields(r)
    assert fetch(env, pid)["status"] == "started"
    p = put(env, pid, status="failed", failure_reason="bed adhesion")
    assert p["failure_reason"] == "bed adhesion"


def test_edit_and_progress_rules(env):
    pid = bring_to(env, "queued")
    p = put(env, pid, name="renamed", priority=5, grams=10, color="#00ff00")
    assert (p["name"], p["priority"], p["grams"], p["color"]) == \
        ("renamed", 5, 10, "#00FF00")
    assert env.api.put(f"{BASE}/{pid}",
                       json={"progress_percent": 5}).status_code == 409
    put(env, pid, status="started")
    p = put(env, pid, progress_percent=55)
    assert p["progress_percent"] == 55
    r = env.api.put(f"{BASE}/{pid}", json={"progress_percent": 101})
    assert "progress_percent" in error_fields(r)
    r = env.api.put(f"{BASE}/{pid}", json={"name": "again"})
    assert r.status_code == 409
    # resending unchanged values is not an edit
    put(env, pid, name="renamed", status="started")
    for status in ("completed", "failed", "cancelled"):
        q = bring_to(env, status)
        r = env.api.put(f"{BASE}/{q}", json={"priority": 9})
        assert r.status_code == 409, status
    r = env.api.put(f"{BASE}/{pid}", json={"status": "paused"})
    assert "status" in error_fields(r)
    r = env.api.put(f"{BASE}/{pid}", json={"name": None})
    assert "name" in error_fields(r)


# --- cancel ------------------------------------------------------------------

def test_cancel_keeps_the_record(env):
    for src in ("queued", "scheduled"):
        pid = bring_to(env, src)
        r = env.api.delete(f"{BASE}/{pid}")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "cancelled"
        assert r.json()["id"] == pid
        assert fetch(env, pid)["status"] == "cancelled"
    for src in ("started", "completed", "failed", "cancelled"):
        pid = bring_to(env, src)
        r = env.api.delete(f"{BASE}/{pid}")
        assert r.status_code == 409, src
        assert fetch(env, pid)["status"] == src
    assert env.api.delete(f"{BASE}/999999999").status_code == 404


# --- queue -------------------------------------------------------------------

def test_queue_order_and_positions(env):
    other = make_printer(env.u)
    low = create(env, priority=-5)
    t1 = create(env, scheduled_at="2030-01-01T00:00:10Z")
    hi_late = create(env, priority=10, scheduled_at="2030-01-01T00:00:00Z")
    hi_early = create(env, priority=10, scheduled_at="2020-01-01T00:00:00Z")
    t1_tie = create(env, scheduled_at="2030-01-01T00:00:10Z")
    t0 = create(env, scheduled_at="2029-01-01T00:00:00Z")
    now_q = create(env)  # effective start = created_at (now) < 2029
    running = create(env, priority=-100)
    gone = create(env, priority=500)
    create(env, printer_id=other, priority=999)
    put(env, running["id"], status="started")
    put(env, gone["id"], status="cancelled")
    done = create(env, priority=600)
    put(env, done["id"], status="started")
    put(env, done["id"], status="completed")

    r = env.api.get(f"{BASE}/{env.printer}/queue")
    assert r.status_code == 200
    q = r.json()["queue"]
    want = [running, hi_early, hi_late, now_q, t0, t1, t1_tie, low]
    assert [p["id"] for p in q] == [p["id"] for p in want]
    assert [p["position"] for p in q] == list(range(1, 9))
    assert set(q[0]) >= FIELDS | {"position"}

    r = env.api.get(f"{BASE}/{env.printer}/queue",
                    params={"limit": 3, "offset": 2})
    q = r.json()["queue"]
    assert [p["id"] for p in q] == [p["id"] for p in want[2:5]]
    assert [p["position"] for p in q] == [3, 4, 5]
    assert env.api.get(f"{BASE}/999999999/queue").status_code == 404
    assert "limit" in error_fields(env.api.get(
        f"{BASE}/{env.printer}/queue", params={"limit": 1001}))


def test_material_cost(env):
    make_material(env.u, env.printer, 2, 24.99)
    p = create(env, material_slot=2, grams=200)  # 499.8 cents -> 5.00
    assert p["material_cost"] == 5.0
    assert p["currency"] == "USD"
    p = create(env, material_slot=2, grams=3)    # 7.497 cents -> 0.07
    assert p["material_cost"] == 0.07
    q = env.api.get(f"{BASE}/{env.printer}/queue").json()["queue"]
    assert {x["id"]: x["material_cost"] for x in q}[p["id"]] == 0.07
    assert create(env, material_slot=3, grams=50)["material_cost"] is None
    assert create(env, material_slot=2)["material_cost"] is None
    assert create(env, printer_id=None, material_slot=2,
                  grams=50)["material_cost"] is None


# --- chains ------------------------------------------------------------------

def test_chain_from_scheduled_parent(env):
    a = create(env, scheduled_at="2030-01-01T00:00:00Z", estimated_minutes=90)
    b = create(env, chain_after_id=a["id"], chain_offset_minutes=15,
               scheduled_at="2040-01-01T00:00:00Z")  # ignored when chained
    assert b["status"] == "scheduled"
    assert b["chain_after_id"] == a["id"]
    assert ts(b["scheduled_at"]) == ts(a["scheduled_at"]) + 105 * 60
    c = create(env, chain_after_id=b["id"], chain_offset_minutes=-20)
    assert ts(c["scheduled_at"]) == ts(b["scheduled_at"]) + 40 * 60


def test_chain_from_queued_parent_uses_now(env):
    a = create(env, estimated_minutes=30)
    b = create(env, chain_after_id=a["id"])
    # "now" is the create time of b, at or after a's creation
    start = ts(b["scheduled_at"]) - 30 * 60
    assert ts(a["created_at"]) <= start <= ts(b["created_at"])


def test_retime_when_parent_starts_and_ends(env):
    a = create(env, scheduled_at="2035-01-01T00:00:00Z", estimated_minutes=60)
    b = create(env, chain_after_id=a["id"], chain_offset_minutes=10,
               estimated_minutes=30)
    c = create(env, chain_after_id=b["id"], chain_offset_minutes=-5,
               estimated_minutes=20)
    d = create(env, chain_after_id=c["id"])
    assert ts(b["scheduled_at"]) == ts("2035-01-01T00:00:00Z") + 70 * 60

    # a starts years early: the whole chain moves with it
    sa = put(env, a["id"], status="started")
    started = ts(sa["started_at"])
    b2, c2, d2 = (fetch(env, x["id"]) for x in (b, c, d))
    assert ts(b2["scheduled_at"]) == started + 70 * 60
    assert ts(c2["scheduled_at"]) == started + 70 * 60 + 25 * 60
    assert ts(d2["scheduled_at"]) == started + 95 * 60 + 20 * 60
    assert all(x["status"] == "scheduled" for x in (b2, c2, d2))

    # a ends (early against its estimate): its actual end counts
    ca = put(env, a["id"], status="completed")
    ended = ts(ca["completed_at"])
    b3, c3 = fetch(env, b["id"]), fetch(env, c["id"])
    assert ts(b3["scheduled_at"]) == ended + 10 * 60
    assert ts(c3["scheduled_at"]) == ended + 10 * 60 + 25 * 60

    # b starts; c follows b's start; a started print is not re-timed
    sb = put(env, b["id"], status="started")
    assert ts(fetch(env, c["id"])["scheduled_at"]) == \
        ts(sb["started_at"]) + 25 * 60
    fb = put(env, b["id"], status="failed", failure_reason="warp")
    assert ts(fetch(env, c["id"])["scheduled_at"]) == \
        ts(fb["completed_at"]) - 5 * 60
    sc = put(env, c["id"], status="started")
    before = fetch(env, c["id"])
    assert before["started_at"] == sc["started_at"]
    assert ts(fetch(env, d["id"])["scheduled_at"]) == \
        ts(sc["started_at"]) + 20 * 60


def test_retime_when_parent_rescheduled_late(env):
    a = create(env, scheduled_at="2035-01-01T00:00:00Z", estimated_minutes=60)
    b = create(env, chain_after_id=a["id"])
    put(env, a["id"], scheduled_at="2035-01-02T00:00:00Z")
    assert fetch(env, b["id"])["scheduled_at"] == "2035-01-02T01:00:00Z"
    put(env, a["id"], estimated_minutes=120)
    assert fetch(env, b["id"])["scheduled_at"] == "2035-01-02T02:00:00Z"


def test_chain_cycles_refused(env):
    a = create(env, scheduled_at="2035-01-01T00:00:00Z")
    b = create(env, chain_after_id=a["id"])
    c = create(env, chain_after_id=b["id"])
    for target in (a, c):
        r = env.api.put(f"{BASE}/{a['id']}",
                        json={"chain_after_id": target["id"]})
        assert list(error_fields(r)) == ["chain_after_id"]
    r = env.api.put(f"{BASE}/{b['id']}", json={"chain_after_id": c["id"]})
    assert list(error_fields(r)) == ["chain_after_id"]
    assert fetch(env, a["id"])["chain_after_id"] is None
    r = env.api.put(f"{BASE}/{a['id']}", json={"chain_after_id": 999999999})
    assert list(error_fields(r)) == ["chain_after_id"]
    r = env.api.post(BASE, json={"printer_id": env.printer, "name": "x",
                                 "file": env.file, "estimated_minutes": 1,
                                 "chain_after_id": 999999999})
    assert list(error_fields(r)) == ["chain_after_id"]


# --- isolation -----------------------------------------------------------------

def test_other_users_objects(stack, env):
    other = stack.make_user()
    try:
        class O:
            pass
        o = O()
        o.u, o.api = other, other.api
        o.file = make_file(other, "theirs.3mf")
        o.printer = make_printer(other)
        theirs = create(o)
        their_order = make_order(other)
        mine = create(env)

        # in the path: 404, exactly as an unknown id
        unknown = env.api.put(f"{BASE}/999999999", json={"name": "x"})
        assert unknown.status_code == 404
        for method, path in (("PUT", f"{BASE}/{theirs['id']}"),
                             ("DELETE", f"{BASE}/{theirs['id']}"),
                             ("GET", f"{BASE}/{o.printer}/queue"),
                             ("GET", f"{BASE}/{o.printer}")):
            r = env.api.request(method, path, json={"name": "x"})
            assert r.status_code == 404, (method, path)
            assert r.json() == unknown.json() or \
                r.json()["error"]["code"] == "not_found"
        assert [p["id"] for p in env.api.get(BASE).json()["prints"]] == \
            [mine["id"]]

        # in a body: 422 naming the field
        for k, v in (("printer_id", o.printer), ("chain_after_id",
                                                 theirs["id"]),
                     ("order_id", their_order)):
            r = env.api.post(BASE, json={
                "printer_id": env.printer, "name": "x", "file": env.file,
                "estimated_minutes": 5, k: v})
            assert list(error_fields(r)) == [k]
            r = env.api.put(f"{BASE}/{mine['id']}", json={k: v})
            assert list(error_fields(r)) == [k]
        r = env.api.post(BASE, json={"printer_id": env.printer, "name": "x",
                                     "file": "theirs.3mf",
                                     "estimated_minutes": 5})
        assert list(error_fields(r)) == ["file"]
        assert fetch(o, theirs["id"])["status"] == "queued"
        assert fetch(o, theirs["id"])["name"] == "bracket"
    finally:
        other.api.close()


def test_bad_path_ids(env):
    assert env.api.put(f"{BASE}/abc", json={}).status_code == 404
    assert env.api.delete(f"{BASE}/0").status_code == 404
    assert env.api.get(f"{BASE}/-1/queue").status_code == 404
