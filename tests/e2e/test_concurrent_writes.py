"""Writers at the same moment (issue 9), through nginx and four workers.

Every check-then-write of the domain (is the order still unscheduled, would
this chain close a cycle, is the serial / slot / email / external id / file
name free, how many failed sign-ins so far, what the other fields of a
partial update are) runs under the one write lock: SQLite's BEGIN
IMMEDIATE, PostgreSQL's advisory lock. So requests racing each other behave
as if they came one after the other. Each test releases its requests
together (a barrier) from threads with a session each, and judges only
the outcome: status codes and the rows, never timings. The same tests run
in `make e2e` (SQLite) and `make e2e-pg` (PostgreSQL).
"""

import threading
import uuid

import pytest

from helpers import (error_of, new_file, new_material, new_order, new_print,
                     new_printer, new_product)
from stack import Stack

WORKERS = 4
ROUNDS = 3


@pytest.fixture(scope="module")
def busy_stack():
    """A stack of the module's own with four workers: the racing requests
    really run at once, and the sign-in counts of one client address are
    only this module's."""
    s = Stack(workers=WORKERS)
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def owner(busy_stack):
    u = busy_stack.make_user(admin=True)   # may add users
    try:
        yield u
    finally:
        u.api.close()


def at_once(stack, token, calls):
    """Runs each call(session) in a thread of its own with a session of its
    own, all released together; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = []

    def run(i, call):
        s = stack.session(token)
        try:
            barrier.wait(60)
            results[i] = call(s)
        except BaseException as e:   # re-raised in the test's thread
            errors.append(e)
        finally:
            s.close()

    threads = [threading.Thread(target=run, args=(i, c))
               for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a request never answered"
    if errors:
        raise errors[0]
    return results


def codes(responses):
    return sorted(r.status_code for r in responses)


# --- order scheduling ------------------------------------------------------

def test_same_order_scheduled_at_once_makes_its_prints_once(busy_stack,
                                                           owner):
    new_file(owner.api, "race.3mf")
    prod = new_product(owner.api, file="race.3mf")
    for _ in range(ROUNDS):
        order = new_order(owner.api, [{"title": "Planter", "quantity": 2,
                                       "product_id": prod["id"]}])
        url = f"/api/orders/{order['id']}/schedule-prints"
        rs = at_once(busy_stack, owner.token,
                     [lambda s: s.post(url, json={})] * WORKERS)
        assert codes(rs) == [201] + [409] * (WORKERS - 1), \
            [(r.status_code, r.text) for r in rs]
        won = next(r for r in rs if r.status_code == 201).json()
        for r in rs:
            if r.status_code == 409:
                error_of(r, 409, "conflict")
        rows = busy_stack.query(
            "SELECT id FROM scheduled_prints WHERE order_id = ? ORDER BY id",
            (order["id"],))
        assert [x["id"] for x in rows] == sorted(p["id"] for p in
                                                 won["prints"])
        assert len(rows) == 2
        got = owner.api.get(f"/api/orders/{order['id']}").json()
        assert got["status"] == "scheduled"
        assert sorted(got["print_ids"]) == [x["id"] for x in rows]


# --- chains ----------------------------------------------------------------

def chain_of(stack, ids):
    return {r["id"]: r["chain_after_id"] for r in stack.query(
        "SELECT id, chain_after_id FROM scheduled_prints WHERE id IN (%s)"
        % ",".join("?" * len(ids)), ids)}


def has_cycle(links):
    for start in links:
        seen, cur = set(), start
        while cur is not None and cur in links:
            if cur in seen:
                return True
            seen.add(cur)
            cur = links[cur]
    return False


def test_chain_edits_at_once_never_close_a_cycle(busy_stack, owner):
    """A after B and B after A at the same moment: one wins, the other is
    refused (422 naming chain_after_id); the same with three prints."""
    p = new_printer(owner.api)
    new_file(owner.api)
    for size in (2, 3) * ROUNDS:
        ids = [new_print(owner.api, p["id"], name=f"link{k}",
                         scheduled_at="2031-01-01T00:00:00Z")["id"]
               for k in range(size)]
        edits = [(ids[k], ids[(k + 1) % size]) for k in range(size)]
        rs = at_once(busy_stack, owner.token, [
            (lambda s, a=a, b=b: s.put(f"/api/bambu/scheduled-prints/{a}",
                                       json={"chain_after_id": b}))
            for a, b in edits])
        ok = [r for r in rs if r.status_code == 200]
        assert len(ok) == size - 1, [(r.status_code, r.text) for r in rs]
        for r in rs:
            if r.status_code != 200:
                err = error_of(r, 422, "validation_failed")
                assert "chain_after_id" in err["fields"]
        links = chain_of(busy_stack, ids)
        assert not has_cycle(links), links
        assert sum(v is not None for v in links.values()) == size - 1


# --- uniqueness --------------------------------------------------------------

def one_created(rs, conflict=409):
    assert codes(rs) == [201] + [conflict] * (len(rs) - 1), \
        [(r.status_code, r.text) for r in rs]
    for r in rs:
        if r.status_code == 409:
            error_of(r, 409, "conflict")
    return next(r for r in rs if r.status_code == 201).json()


def test_same_printer_serial_at_once(busy_stack, owner):
    for _ in range(ROUNDS):
        serial = "01PRACE" + uuid.uuid4().hex[:6].upper()
        body = {"name": "twin", "model": "P1S", "serial": serial,
                "host": "127.0.0.1", "access_code": "12345678"}
        won = one_created(at_once(
            busy_stack, owner.token,
            [lambda s: s.post("/api/printers", json=body)] * WORKERS))
        rows = busy_stack.query("SELECT id FROM printers WHERE serial = ?",
                                (serial,))
        assert rows == [{"id": won["id"]}]


def test_same_material_slot_at_once(busy_stack, owner):
    p = new_printer(owner.api)
    for slot in range(ROUNDS):
        won = one_created(at_once(busy_stack, owner.token, [
            (lambda s, k=k: s.post(
                f"/api/bambu/materials/{p['id']}",
                json={"slot": slot, "material_type": f"PLA{k}"}))
            for k in range(WORKERS)]))
        rows = busy_stack.query(
            "SELECT id, material_type FROM materials WHERE printer_id = ? "
            "AND slot = ?", (p["id"], slot))
        assert rows == [{"id": won["id"],
                         "material_type": won["material_type"]}]


def test_same_order_external_id_at_once(busy_stack, owner):
    for _ in range(ROUNDS):
        ext = "EXT-" + uuid.uuid4().hex[:8]
        body = {"external_id": ext, "items": [{"title": "x", "quantity": 1}]}
        won = one_created(at_once(
            busy_stack, owner.token,
            [lambda s: s.post("/api/orders", json=body)] * WORKERS))
        rows = busy_stack.query("SELECT id FROM orders WHERE external_id = ?",
                                (ext,))
        assert rows == [{"id": won["id"]}]
        assert len(busy_stack.query(
            "SELECT id FROM order_items WHERE order_id = ?",
            (won["id"],))) == 1


def test_same_user_email_at_once(busy_stack, owner):
    email = f"twin-{uuid.uuid4().hex[:8]}@example.test"
    won = one_created(at_once(busy_stack, owner.token, [
        lambda s: s.post("/api/users", json={"email": email,
                                             "password": "pw-secret-123"})
    ] * WORKERS))
    assert busy_stack.query("SELECT id FROM users WHERE email = ?",
                            (email,)) == [{"id": won["id"]}]


def test_same_file_name_at_once(busy_stack, owner):
    """A file upload replaces one of the same name: one 201 (created), the
    others 200 (replaced), one row, and the row describes the bytes on
    disk."""
    import hashlib

    for k in range(ROUNDS):
        name = f"same-{k}.3mf"
        datas = [b"PK\x03\x04 upload %d of round %d " % (i, k) * (i + 1)
                 for i in range(WORKERS)]
        rs = at_once(busy_stack, owner.token, [
            (lambda s, d=d: s.put(
                f"/api/files/{name}", data=d,
                headers={"Content-Type": "application/octet-stream"}))
            for d in datas])
        assert codes(rs) == [200] * (WORKERS - 1) + [201], \
            [(r.status_code, r.text) for r in rs]
        rows = busy_stack.query(
            "SELECT size, sha256 FROM print_files WHERE name = ?", (name,))
        assert len(rows) == 1
        path = (busy_stack.data_dir / "files" /
                str(busy_stack.query("SELECT id FROM users WHERE email = ?",
                                     (owner.email,))[0]["id"]) / name)
        on_disk = path.read_bytes()
        assert on_disk in datas
        assert rows[0] == {"size": len(on_disk),
                           "sha256": hashlib.sha256(on_disk).hexdigest()}


# --- sign-in throttling ------------------------------------------------------

def failures(stack, key):
    rows = stack.query("SELECT count FROM login_failures WHERE key = ?",
                       (key,))
    return rows[0]["count"] if rows else 0


def wrong_logins(stack, email, n):
    body = {"email": email, "password": "not-the-password"}
    return at_once(stack, None,
                   [lambda s: s.post("/api/auth/login", json=body)] * n)


def test_parallel_wrong_logins_each_count(busy_stack, owner):
    ip = "ip:127.0.0.1"
    before = failures(busy_stack, ip)
    n = 4   # under the limit of 5 per email
    rs = wrong_logins(busy_stack, owner.email, n)
    assert codes(rs) == [401] * n
    assert failures(busy_stack, f"email:{owner.email}") == n
    assert failures(busy_stack, ip) == before + n
    # the right password still signs in; the email's count starts over and
    # the address only keeps the failures
    r = busy_stack.session().post("/api/auth/login", json={
        "email": owner.email, "password": owner.password})
    assert r.status_code == 200, r.text
    assert failures(busy_stack, f"email:{owner.email}") == 0
    assert failures(busy_stack, ip) == before + n


def test_parallel_wrong_logins_never_pass_the_limit(busy_stack, owner):
    """Eight at once against a limit of five: five are judged (401) and
    counted, three refused (429); then even the right password waits."""
    rs = wrong_logins(busy_stack, owner.email, 8)
    assert codes(rs) == [401] * 5 + [429] * 3
    for r in rs:
        if r.status_code == 429:
            error_of(r, 429, "rate_limited")
            assert int(r.headers["Retry-After"]) > 0
    assert failures(busy_stack, f"email:{owner.email}") == 5
    r = busy_stack.session().post("/api/auth/login", json={
        "email": owner.email, "password": owner.password})
    error_of(r, 429, "rate_limited")


# --- partial updates -----------------------------------------------------------

def test_partial_updates_at_once_keep_every_field(busy_stack, owner):
    """A partial PUT reads the row, merges the body and writes the row: two
    at once on different fields must both land (no lost update)."""
    p = new_printer(owner.api)
    m = new_material(owner.api, p["id"], slot=3)
    new_file(owner.api)
    prod = new_product(owner.api)
    job = new_print(owner.api, p["id"])
    def one(url, key, id_):
        return next(x for x in owner.api.get(url).json()[key]
                    if x["id"] == id_)

    cases = [   # (PUT url, field, field, how to read the object back)
        (f"/api/printers/{p['id']}", "name", "host",
         lambda: owner.api.get(f"/api/printers/{p['id']}").json()),
        (f"/api/bambu/materials/{m['id']}", "vendor", "remaining_percent",
         lambda: one(f"/api/bambu/materials/{p['id']}", "materials",
                     m["id"])),
        (f"/api/products/{prod['id']}", "name", "grams",
         lambda: owner.api.get(f"/api/products/{prod['id']}").json()),
        (f"/api/bambu/scheduled-prints/{job['id']}", "name", "priority",
         lambda: one("/api/bambu/scheduled-prints", "prints", job["id"])),
    ]
    for k in range(ROUNDS):
        for url, f1, f2, read in cases:
            v1 = f"v{k}-{uuid.uuid4().hex[:6]}"
            v2 = {"host": f"127.0.0.{k + 2}", "remaining_percent": 50 + k,
                  "grams": 100 + k, "priority": 10 + k}[f2]
            rs = at_once(busy_stack, owner.token, [
                lambda s: s.put(url, json={f1: v1}),
                lambda s: s.put(url, json={f2: v2}),
            ])
            assert codes(rs) == [200, 200], [r.text for r in rs]
            now = read()
            assert (now[f1], now[f2]) == (v1, v2), (url, now)


def test_password_changes_at_once_one_wins(busy_stack, owner):
    """Two signed-in browsers change the password from the same current one
    at once (each hashing outside the lock): one is saved (303), the other
    refused, never silently overwriting the first."""
    from test_pages import meta_csrf, post, sign_in

    browsers = [sign_in(busy_stack, owner) for _ in range(2)]
    tokens = [meta_csrf(b.get("/account").text) for b in browsers]
    fresh = [f"new-password-{k}-{uuid.uuid4().hex[:6]}" for k in range(2)]
    barrier = threading.Barrier(2)
    rs = [None, None]

    def change(k):
        barrier.wait(60)
        rs[k] = post(browsers[k], "/account/password", {
            "csrf": tokens[k], "current_password": owner.password,
            "password": fresh[k], "password2": fresh[k]})

    threads = [threading.Thread(target=change, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    got = sorted(r.status_code for r in rs)
    # refused: 409 when it checked the old password before the winner
    # wrote, 422 ("is not your password") when after
    assert got[0] == 303 and got[1] in (409, 422), [r.text[:300] for r in rs]
    won = fresh[[r.status_code for r in rs].index(303)]
    lost = fresh[1 - fresh.index(won)]
    login = busy_stack.session().post
    assert login("/api/auth/login", json={
        "email": owner.email, "password": won}).status_code == 200
    assert login("/api/auth/login", json={
        "email": owner.email, "password": lost}).status_code == 401
