"""A lost database connection answers 503, never 500 (issue 9).

On PostgreSQL (marker postgres) the test cuts the workers' connections with
pg_terminate_backend, as a database restart or a failover would: the next
request on such a worker answers 503 with the contract's error body
(code "unavailable") and Retry-After, the worker reconnects, and the
requests after it succeed. A write cut off that way leaves nothing behind,
whether the connection was already gone when it began or went while it was
half done (a print schedule held on a row lock and cut off after it had
inserted its prints). HTML pages answer a 503 page.

GET /api/health keeps its own 503 body there (status "degraded").

On both backends: every status the stack answers carries its own reason
phrase (a 503 must not say "Internal Server Error"), and GET /api/health
names the backend.
"""

import threading
import time

import pytest

from helpers import error_of, new_file, new_order, new_printer, new_product
from stack import Stack

UNAVAILABLE = "database unavailable, try again"

# every worker's backend of the stack's database, except the test's own
TERMINATE = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture
def one_worker():
    """A stack with a single worker, so the request after the cut is
    certain to meet the cut connection."""
    s = Stack(workers=1)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def terminate_workers(stack):
    stack.query(TERMINATE)


def assert_unavailable(r):
    err = error_of(r, 503, "unavailable")
    assert err["message"] == UNAVAILABLE
    assert "fields" not in err
    assert int(r.headers["Retry-After"]) >= 1
    assert r.reason == "Service Unavailable"
    assert "postgres" not in r.text.lower()


@pytest.mark.postgres
def test_lost_connection_is_503_then_the_worker_reconnects(one_worker):
    u = one_worker.make_user()
    p = new_printer(u.api)
    terminate_workers(one_worker)
    assert_unavailable(u.api.get("/api/printers"))
    # reconnected: the same request answers in full, and keeps answering
    for _ in range(3):
        r = u.api.get("/api/printers")
        assert r.status_code == 200, r.text
        assert [x["id"] for x in r.json()["printers"]] == [p["id"]]
    assert "connection lost" in one_worker.read_worker_log()


@pytest.mark.postgres
def test_health_on_a_lost_connection_says_degraded(one_worker):
    """The health check answers for itself: its own 503 body (status
    degraded), which monitors read, then ok again."""
    terminate_workers(one_worker)
    r = one_worker.session().get("/api/health")
    assert r.status_code == 503, r.text
    assert r.reason == "Service Unavailable"
    body = r.json()
    assert {k: body[k] for k in ("status", "database", "backend")} == {
        "status": "degraded", "database": "unavailable",
        "backend": "postgresql"}
    r = one_worker.session().get("/api/health")
    assert r.status_code == 200 and r.json()["status"] == "ok", r.text


@pytest.mark.postgres
def test_write_on_a_lost_connection_writes_nothing(one_worker):
    u = one_worker.make_user()
    body = {"name": "cut", "model": "A1", "serial": "01PCUT0001",
            "host": "127.0.0.1", "access_code": "12345678"}
    terminate_workers(one_worker)
    assert_unavailable(u.api.post("/api/printers", json=body))
    assert u.api.get("/api/printers").json()["printers"] == []
    assert one_worker.query("SELECT id FROM printers") == []
    # the retry is the first write: 201, not a 409 for a serial half saved
    r = u.api.post("/api/printers", json=body)
    assert r.status_code == 201, r.text


@pytest.mark.postgres
def test_write_cut_off_half_way_leaves_nothing(one_worker):
    """The schedule inserts its prints, then waits for the order's row
    (the test holds it); its connection is cut while it waits. 503, no
    print, the order still open, and the retry schedules in full."""
    import psycopg2   # only on PostgreSQL runs

    u = one_worker.make_user()
    new_file(u.api, "cut.3mf")
    prod = new_product(u.api, file="cut.3mf")
    order = new_order(u.api, [{"title": "Planter", "quantity": 3,
                               "product_id": prod["id"]}])
    holder = psycopg2.connect(one_worker.database)
    answer = {}
    try:
        cur = holder.cursor()
        cur.execute("SELECT id FROM orders WHERE id = %s FOR NO KEY UPDATE",
                    (order["id"],))
        t = threading.Thread(target=lambda: answer.update(r=u.api.post(
            f"/api/orders/{order['id']}/schedule-prints", json={})))
        t.start()
        pid = wait_for_lock_waiter(one_worker)
        inserted = one_worker.query(
            "SELECT n_tup_ins FROM pg_stat_xact_user_tables "
            "WHERE relname = 'scheduled_prints'")   # the test's own: none
        assert inserted in ([], [{"n_tup_ins": 0}])
        one_worker.query("SELECT pg_terminate_backend(?)", (pid,))
        t.join(60)
        assert not t.is_alive(), "the cut request never answered"
    finally:
        holder.rollback()
        holder.close()
    assert_unavailable(answer["r"])
    assert one_worker.query("SELECT id FROM scheduled_prints") == []
    assert one_worker.query("SELECT status FROM orders WHERE id = ?",
                            (order["id"],)) == [{"status": "open"}]
    r = u.api.post(f"/api/orders/{order['id']}/schedule-prints", json={})
    assert r.status_code == 201, r.text
    assert len(r.json()["prints"]) == 3


def wait_for_lock_waiter(stack, timeout=30.0):
    """The pid of the worker backend that waits for a row lock."""
    deadline = time.monotonic() + timeout
    while True:
        rows = stack.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid <> pg_backend_pid() AND "
            "wait_event_type = 'Lock'")
        if rows:
            return rows[0]["pid"]
        if time.monotonic() > deadline:
            raise AssertionError("no worker waits for the order's row lock")
        time.sleep(0.02)


@pytest.mark.postgres
def test_page_on_a_lost_connection_is_a_503_page(one_worker):
    u = one_worker.make_user()
    s = one_worker.session()
    page = s.get("/login")
    csrf = s.cookies.get("farm_csrf")
    r = s.post("/login", data={"email": u.email, "password": u.password,
                               "csrf": csrf}, allow_redirects=False)
    assert r.status_code == 303, r.text
    assert page.status_code == 200
    terminate_workers(one_worker)
    r = s.get("/printers")
    assert r.status_code == 503
    assert r.reason == "Service Unavailable"
    assert r.headers["Content-Type"].startswith("text/html")
    assert int(r.headers["Retry-After"]) >= 1
    assert "Temporarily unavailable" in r.text
    assert "Set-Cookie" not in r.headers
    r = s.get("/printers")
    assert r.status_code == 200, r.text


def test_every_status_has_its_own_reason_phrase(stack, user):
    """What the status line says, through nginx, for the statuses the API
    answers (one request each)."""
    api, anon = user.api, stack.session()
    p = new_printer(api)
    mats = f"/api/bambu/materials/{p['id']}"
    seen = {201: api.post(mats, json={"slot": 1, "material_type": "PLA"})}
    seen[200] = api.get(mats)
    seen[204] = api.delete(
        f"/api/bambu/materials/{seen[200].json()['materials'][0]['id']}")
    api.put(f"/api/bambu/notifications/{p['id']}",
            json={"webhook_url": "http://127.0.0.1:9/hook"})
    seen[202] = api.post(f"/api/bambu/notifications/{p['id']}/test")
    seen[400] = api.post("/api/printers", data="{",
                         headers={"Content-Type": "application/json"})
    seen[401] = anon.get("/api/printers")
    seen[404] = api.get("/api/printers/999999999")
    seen[405] = api.post("/api/health")
    seen[409] = api.post("/api/printers", json={
        "name": "dup", "model": "A1", "serial": p["serial"],
        "host": "127.0.0.1", "access_code": "12345678"})
    seen[415] = api.post("/api/printers", data="x",
                         headers={"Content-Type": "text/plain"})
    seen[422] = api.post(mats, json={"slot": 9, "material_type": "PLA"})
    want = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
            400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            405: "Method Not Allowed", 409: "Conflict",
            415: "Unsupported Media Type", 422: "Unprocessable Entity"}
    assert {k: (r.status_code, r.reason) for k, r in seen.items()} == \
        {k: (k, v) for k, v in want.items()}


def test_health_names_the_backend(stack):
    r = stack.session().get("/api/health")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["backend"] == stack.backend
    assert body["backend"] in ("sqlite", "postgresql")
    assert body["status"] == "ok" and body["database"] == "ok"
