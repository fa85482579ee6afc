"""Moving an install (issue 9 item 5): `farmctl db copy --to CONNINFO`
copies a SQLite install into an empty PostgreSQL database.

A SQLite stack is filled through the API (a user with a token and a login
session, printers with sealed access codes, materials, files, products,
orders with items and their prints, prints queued, scheduled, chained,
started, completed, failed and cancelled, notification preferences with
sealed webhook secrets, maintenance, the energy price, a pending Etsy
shop, events and outbox rows). Its API answers are kept, the stack is
stopped (the workers must not write during a move), the copy runs, and a
second stack starts on the same DATA_DIR (the same secret.key) with
FARM_DATABASE naming the new database. Then:

- every table holds exactly the source's rows (queue_version included: the
  target's triggers must not bump it again while rows arrive), the report
  names every table with its count, the target's triggers are on again and
  its foreign keys immediate again;
- the same GET answers come back, with the same API token and login token;
- the sealed values still open: outbox rows queued before the move are
  delivered by farm-deliver with webhook signatures that verify with the
  secrets the API showed, and farm-dispatch connects to a simulated printer
  with its sealed access code;
- new rows get fresh ids (the identity sequences were moved past the
  copied ids) and the queue follows them;
- a second copy into the now non-empty database fails with exit 1 and
  changes nothing.

Also: a copy that fails half-way (a row breaking a foreign key; text in an
integer column) exits 1 and leaves every table of the target empty; bad
targets and a source that is not SQLite fail with a clear message.

Needs the PostgreSQL cluster of `make e2e-pg` (FARM_TEST_PG): marked
postgres, so without it the tests are deselected and the run says so
(conftest.py).
"""

import json
import os
import re
import sqlite3
import subprocess
import urllib.parse
import uuid

import pytest

import dbconn
import sealing
from helpers import (new_file, new_material, new_order, new_print,
                     new_printer, new_product)
from printers import ACCESS_CODE
from receivers import webhook_receiver  # noqa: F401 (fixture)
from stack import (ASAN_OPTIONS, UBSAN_OPTIONS, Stack, check_sanitizers,
                   need_bin, resolve_bin_dir)
from test_delivery import verifies, whsec_key
from test_pages import sign_in

pytestmark = [pytest.mark.postgres, pytest.mark.own_stack, pytest.mark.slow]

REPORT_LINE = re.compile(r"^(\w+)\s+(\d+) rows? ok$")


# --- helpers -----------------------------------------------------------

def farmctl(data_dir, *args, database=None, input=""):
    """$FARM_BIN_DIR/farmctl on the install in data_dir (SQLite unless
    database names another) -> CompletedProcess; fails on a sanitizer
    report."""
    env = {k: v for k, v in os.environ.items() if k != "FARM_DATABASE"}
    env.update(DATA_DIR=str(data_dir),
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", ASAN_OPTIONS),
               UBSAN_OPTIONS=os.environ.get("UBSAN_OPTIONS", UBSAN_OPTIONS))
    if database:
        env["FARM_DATABASE"] = database
    p = subprocess.run([str(need_bin(resolve_bin_dir() / "farmctl")),
                        *map(str, args)], input=input, capture_output=True,
                       text=True, env=env, timeout=300)
    check_sanitizers(f"farmctl {' '.join(map(str, args))}", p.stderr)
    return p


def tool(stack, name, *args, env=None):
    """farm-deliver or farm-dispatch on the stack's install; must exit 0."""
    e = stack.env()
    e.pop("FARM_PRINTER_CA", None)
    e.update(env or {})
    p = subprocess.run([str(need_bin(resolve_bin_dir() / name)), *args],
                       capture_output=True, text=True, env=e, timeout=120)
    check_sanitizers(name, p.stdout + p.stderr)
    assert p.returncode == 0, (name, args, p.stdout, p.stderr)
    return p


def report(p):
    """The per-table lines of a successful copy: {table: rows}."""
    got = {}
    for line in p.stdout.splitlines():
        m = REPORT_LINE.match(line)
        if m:
            got[m.group(1)] = int(m.group(2))
    return got


def source_tables(data_dir):
    con = sqlite3.connect(data_dir / "farm.db")
    try:
        return [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' "
            "ORDER BY name")]
    finally:
        con.close()


def target_tables(conninfo):
    return [r["table_name"] for r in dbconn.Db(conninfo).query(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' "
        "ORDER BY 1")]


def dump(db, tables):
    """Every row of every table, comparable across the backends: each row
    a JSON object (ints stay ints, NULL stays null), sorted."""
    return {t: sorted(json.dumps(r, sort_keys=True)
                      for r in db.query(f"SELECT * FROM {t}"))
            for t in tables}


def as_uri(conninfo):
    """The key=value conninfo of a cluster database as a postgresql://
    URI (the socket directory in the query string)."""
    kv = dict(x.split("=", 1) for x in conninfo.split())
    return (f"postgresql://{kv['user']}@/{kv['dbname']}?host="
            + urllib.parse.quote(kv["host"], safe=""))


@pytest.fixture
def target():
    """A new, empty database on the cluster: its conninfo."""
    db = dbconn.create_database()
    try:
        yield db
    finally:
        dbconn.drop_database(db)


def small_install(data_dir):
    """An install made by farmctl alone: a user and a token."""
    assert farmctl(data_dir, "migrate").returncode == 0
    p = farmctl(data_dir, "user", "add", "owner@example.test",
                input="pw-secret-123\n")
    assert p.returncode == 0, p.stderr
    assert farmctl(data_dir, "token", "add",
                   "owner@example.test").returncode == 0


# --- filling the source ----------------------------------------------------

def fill(stack, user, hook, sim_port, ftp_port, sim_serial):
    """Everything an install holds, made through the API (and farm-deliver
    --emit, as the dispatcher writes events). Returns the ids and the
    webhook secrets the API showed once."""
    api = user.api
    ids = {}
    p1 = new_printer(api, name="X1C-01", model="X1C",
                     access_code="ACX1C001")["id"]
    p2 = new_printer(api, name="P1S-01", model="P1S",
                     access_code="ACP1S002")["id"]
    p3 = new_printer(api, name="A1-01", model="A1")["id"]
    # the one printer farm-dispatch can reach: bambu-sim on the test broker
    p4 = new_printer(api, name=sim_serial, model="X1C", serial=sim_serial,
                     port=sim_port, ftp_port=ftp_port,
                     access_code=ACCESS_CODE)["id"]
    ids["printers"] = [p1, p2, p3, p4]

    new_material(api, p1, slot=0)
    new_material(api, p1, slot=1, material_type="PETG", color="#00aa55",
                 cost_per_kg=31.5, vendor="Bambu")
    new_material(api, p2, slot=0, material_type="PLA", color=None,
                 cost_per_kg=None)
    new_material(api, p3, slot=3, material_type="TPU", remaining_percent=40)

    new_file(api, "part.3mf")
    new_file(api, "gear.3mf", data=b"PK\x03\x04 another plate")
    prod1 = new_product(api, name="Planter", sku="PLANT-1", grams=40)
    prod2 = new_product(api, name="Gear", sku=None, file="gear.3mf",
                        etsy_listing_id=4242, color="#112233")
    ids["products"] = [prod1["id"], prod2["id"]]

    r = api.put("/api/settings", json={"energy_price_per_kwh": 0.32})
    assert r.status_code == 200, r.text

    o1 = new_order(api, [
        {"title": "Planter", "quantity": 2, "product_id": prod1["id"]},
        {"title": "Gear", "quantity": 1, "etsy_listing_id": 4242}],
        buyer="Ada L.")
    r = api.post(f"/api/orders/{o1['id']}/schedule-prints",
                 json={"printer_id": p1})
    assert r.status_code in (200, 201), r.text
    o2 = new_order(api, [{"title": "Gift", "quantity": 1, "sku": "NOPE"},
                         {"title": "Loose part", "quantity": 3}],
                   source="etsy", external_id="R-9")
    ids["orders"] = [o1["id"], o2["id"]]

    a = new_print(api, p1, name="first")
    new_print(api, p1, name="after first", chain_after_id=a["id"],
              chain_offset_minutes=10)
    new_print(api, p2, name="later", scheduled_at="2031-01-01T00:00:00Z",
              priority=5, nozzle_temp=220)
    gone = new_print(api, p2, name="cancelled")
    r = api.delete(f"/api/bambu/scheduled-prints/{gone['id']}")
    assert r.status_code in (200, 204), r.text
    for name, end in (("done", "completed"), ("broke", "failed")):
        pr = new_print(api, p3, name=name)
        r = api.put(f"/api/bambu/scheduled-prints/{pr['id']}",
                    json={"status": "started"})
        assert r.status_code == 200, r.text
        body = {"status": end}
        if end == "failed":
            body["failure_reason"] = "spaghetti"
        r = api.put(f"/api/bambu/scheduled-prints/{pr['id']}", json=body)
        assert r.status_code == 200, r.text
    new_print(api, None, name="any printer", material_type="PLA",
              color="#FF8800")

    r = api.put(f"/api/bambu/notifications/{p1}", json={
        "webhook_url": hook.url("/moved-1"), "on_print_start": True,
        "email_address": "ops@farm.example"})
    assert r.status_code == 200, r.text
    secret1 = r.json()["webhook_secret"]
    r = api.put(f"/api/bambu/notifications/{p2}", json={
        "webhook_url": hook.url("/moved-2"),
        "webhook_secret": "my-own-signing-secret"})
    assert r.status_code == 200, r.text

    r = api.put(f"/api/printers/{p1}/maintenance",
                json={"interval_hours": 200})
    assert r.status_code == 200, r.text
    r = api.post(f"/api/printers/{p1}/maintenance", json={"note": "nozzle"})
    assert r.status_code in (200, 201), r.text

    r = api.post("/api/etsy/shops")
    assert r.status_code == 201, r.text

    # queued for delivery before the move, delivered after it
    r = api.post(f"/api/bambu/notifications/{p1}/test")
    assert r.status_code in (200, 201, 202), r.text
    tool(stack, "farm-deliver", "--emit", "print_completed", "--printer",
         str(p2), "--detail", "before the move")
    return ids, {p1: whsec_key(secret1), p2: b"my-own-signing-secret"}


def answers(api, ids):
    """The GET answers a move must keep."""
    paths = ["/api/me", "/api/printers", "/api/files", "/api/products",
             "/api/orders", "/api/settings", "/api/etsy/shops",
             "/api/bambu/scheduled-prints"]
    for p in ids["printers"]:
        paths += [f"/api/printers/{p}", f"/api/bambu/materials/{p}",
                  f"/api/bambu/scheduled-prints/{p}",
                  f"/api/bambu/scheduled-prints/{p}/queue",
                  f"/api/bambu/notifications/{p}",
                  f"/api/bambu/notifications/{p}/deliveries",
                  f"/api/printers/{p}/maintenance"]
    paths += [f"/api/products/{i}" for i in ids["products"]]
    paths += [f"/api/orders/{i}" for i in ids["orders"]]
    out = {}
    for path in paths:
        r = api.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text)
        out[path] = r.json()
    return out


# --- the move ------------------------------------------------------------------

def test_a_moved_install_answers_the_same(tmp_path, target, webhook_receiver,
                                          broker, ftps_server, bambu_sim):
    data = tmp_path / "data"
    data.mkdir()
    # Etsy configured (a connect makes a pending shop row), for both stacks
    (data / "farm.conf").write_text(
        "FARM_ETSY_KEYSTRING=moved-keystring\nFARM_ETSY_SECRET=moved-secret\n"
        "FARM_PUBLIC_URL=http://127.0.0.1\n")
    serial = "MV" + uuid.uuid4().hex[:10].upper()
    bambu_sim(printers=[(serial, "X1C")], time_scale=60)

    src = Stack(workers=2, own=True, sqlite=True, data_dir=data).start()
    try:
        assert src.session().get("/api/health").json()["backend"] == "sqlite"
        user = src.make_user()
        r = src.session().post("/api/auth/login", json={
            "email": user.email, "password": user.password})
        assert r.status_code == 200, r.text
        login_token = r.json()["token"]
        session = sign_in(src, user).cookies.get("farm_session")
        ids, keys = fill(src, user, webhook_receiver, broker.port,
                         ftps_server.port, serial)
        before = answers(user.api, ids)
        assert before["/api/me"]["email"] == user.email
    finally:
        src.stop()

    tables = source_tables(data)
    source = dump(dbconn.Db(f"sqlite:{data}/farm.db"), tables)
    assert len(source["printers"]) == 4 and len(source["order_items"]) == 4
    assert len(source["events"]) > 0 and len(source["outbox"]) >= 2
    assert len(source["etsy_shops"]) == 1 and len(source["sessions"]) == 1
    assert webhook_receiver.requests == []   # nothing delivered yet

    p = farmctl(data, "db", "copy", "--to", target)
    assert p.returncode == 0, p.stdout + p.stderr
    assert report(p) == {t: len(rows) for t, rows in source.items()}, p.stdout
    assert "FARM_DATABASE" in p.stdout and "secret.key" in p.stdout

    # every table: the source's rows, value for value
    assert set(tables) <= set(target_tables(target))
    moved = dump(dbconn.Db(target), target_tables(target))
    for t in tables:
        assert moved[t] == source[t], t
    for t in set(moved) - set(tables):
        assert moved[t] == [], t
    pg = dbconn.Db(target)
    sq = dbconn.Db(f"sqlite:{data}/farm.db")
    versions = "SELECT id, queue_version FROM printers ORDER BY id"
    assert pg.tuples(versions) == sq.tuples(versions)
    assert all(v > 0 for _, v in pg.tuples(versions))
    # the triggers are on again, the foreign keys immediate again
    assert pg.query("SELECT tgname, tgenabled FROM pg_trigger "
                    "WHERE NOT tgisinternal AND tgenabled <> 'O'") == []
    assert pg.scalar("SELECT COUNT(*) FROM pg_trigger "
                     "WHERE NOT tgisinternal") > 0
    assert pg.query("SELECT conname FROM pg_constraint WHERE contype = 'f' "
                    "AND (condeferrable OR condeferred)") == []

    dst = Stack(workers=2, own=True, database=target, data_dir=data).start()
    try:
        api = dst.session(user.token)
        assert dst.session().get("/api/health").json()["backend"] == \
            "postgresql"
        after = answers(api, ids)
        for path in before:
            assert after[path] == before[path], path
        assert dst.session(login_token).get("/api/me").json() == \
            before["/api/me"]
        b = dst.session()
        b.cookies.set("farm_session", session)
        r = b.get("/printers", allow_redirects=False)
        assert r.status_code == 200 and "X1C-01" in r.text, r.status_code

        # sealed webhook secrets open: the rows queued before the move are
        # delivered, signed with the secrets the API showed
        out = tool(dst, "farm-deliver", "--once").stdout
        counts = {k: int(v) for k, v in
                  (x.split("=") for x in out.split())}
        assert counts["delivered"] == 2, out
        by_path = {r.path: r for r in webhook_receiver.requests}
        assert set(by_path) == {"/moved-1", "/moved-2"}, by_path
        p1, p2, _, p4 = ids["printers"]
        assert verifies(keys[p1], by_path["/moved-1"])
        assert verifies(keys[p2], by_path["/moved-2"])
        assert json.loads(by_path["/moved-2"].body)["data"]["detail"] == \
            "before the move"

        # the sealed access code opens: the dispatcher reaches the sim
        tool(dst, "farm-dispatch", "--once", "--budget-ms", "3000")
        got = api.get(f"/api/printers/{p4}").json()
        assert got["online"] is True and got["status"] == "idle", got

        # new rows get fresh ids, and the queue sees them
        top = {t: pg.scalar(f"SELECT MAX(id) FROM {t}") for t in
               ("printers", "scheduled_prints", "materials", "orders",
                "order_items", "products")}
        for _ in range(3):   # each worker keeps the queue it answered
            api.get(f"/api/bambu/scheduled-prints/{p1}/queue")
        pr = new_printer(api, name="New-01")
        assert pr["id"] == top["printers"] + 1
        job = new_print(api, p1, name="after the move")
        assert job["id"] == top["scheduled_prints"] + 1
        for _ in range(3):
            q = api.get(f"/api/bambu/scheduled-prints/{p1}/queue").json()
            assert job["id"] in [x["id"] for x in q["queue"]], q
        assert new_material(api, pr["id"], slot=2)["id"] == \
            top["materials"] + 1
        o = new_order(api, [{"title": "New", "quantity": 1}])
        assert o["id"] == top["orders"] + 1
        assert o["items"][0]["id"] == top["order_items"] + 1
        assert new_product(api, name="New")["id"] == top["products"] + 1
    finally:
        dst.stop()

    # a second copy into the now non-empty database: refused, unchanged
    tables = target_tables(target)
    before_again = dump(pg, tables)
    p = farmctl(data, "db", "copy", "--to", target)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "not empty" in p.stderr and "nothing was copied" in p.stderr
    assert report(p) == {}
    assert dump(pg, tables) == before_again


# --- failures ------------------------------------------------------------------

BREAKAGES = {
    # a material of a printer that is not there: every row goes in, then
    # the foreign keys are checked at the end
    "orphan": ("INSERT INTO materials (printer_id, slot, material_type, "
               "created_at, updated_at) VALUES (424242, 0, 'PLA', 1, 1)",
               "foreign key", "materials"),
    # text in an integer column (SQLite keeps it): users comes last, after
    # api_tokens and the rest went in
    "not_integer": ("UPDATE users SET created_at = 'yesterday'",
                    "users.created_at", "not a whole number"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_failed_copy_leaves_the_target_empty(tmp_path, target, breakage):
    data = tmp_path / "data"
    small_install(data)
    sql, *said = BREAKAGES[breakage]
    con = sqlite3.connect(data / "farm.db")   # foreign keys off, as sqlite3
    con.execute(sql)
    con.commit()
    con.close()

    p = farmctl(data, "db", "copy", "--to", as_uri(target))
    assert p.returncode == 1, p.stdout + p.stderr
    for words in said:
        assert words in p.stderr, p.stderr
    assert "nothing was copied" in p.stderr
    assert report(p) == {}
    # migrated, and not one row in any table
    db = dbconn.Db(target)
    assert db.scalar("SELECT COUNT(*) FROM schema_migrations") > 0
    assert set(source_tables(data)) <= set(target_tables(target))
    for t in target_tables(target):
        assert db.scalar(f"SELECT COUNT(*) FROM {t}") == 0, t

    # the same database takes the copy once the source is mended
    con = sqlite3.connect(data / "farm.db")
    con.execute("DELETE FROM materials WHERE printer_id = 424242")
    con.execute("UPDATE users SET created_at = 1700000000")
    con.commit()
    con.close()
    p = farmctl(data, "db", "copy", "--to", as_uri(target))
    assert p.returncode == 0, p.stderr
    assert report(p)["users"] == 1 and report(p)["api_tokens"] == 1
    assert db.scalar("SELECT created_at FROM users") == 1700000000


def test_bad_targets_and_sources_fail_cleanly(tmp_path, target):
    data = tmp_path / "data"
    small_install(data)
    missing_db = re.sub(r"dbname=\S+", "dbname=farm_no_such_db", target)
    cases = [
        ("host=/nonexistent-farm-pg user=postgres dbname=farm",
         "cannot connect"),
        ("postgresql://postgres@127.0.0.1:1/farm", "cannot connect"),
        (missing_db, "cannot connect"),
        (f"sqlite:{tmp_path}/other.db", "must name a PostgreSQL database"),
        (str(tmp_path / "other.db"), "must name a PostgreSQL database"),
    ]
    for to, said in cases:
        p = farmctl(data, "db", "copy", "--to", to)
        assert p.returncode == 1, (to, p.stdout, p.stderr)
        assert said in p.stderr, (to, p.stderr)
        assert report(p) == {}, to
    assert not (tmp_path / "other.db").exists()
    # the good target was not touched by any of that
    assert target_tables(target) == []

    # the source must be this install's SQLite database
    p = farmctl(data, "db", "copy", "--to", target, database=target)
    assert p.returncode == 1 and "already" in p.stderr, p.stderr
    p = farmctl(tmp_path / "nowhere", "db", "copy", "--to", target)
    assert p.returncode == 1 and "no SQLite database" in p.stderr, p.stderr
    assert not (tmp_path / "nowhere").exists()
    assert target_tables(target) == []
    # usage
    p = farmctl(data, "db", "copy", target)
    assert p.returncode == 2 and "db copy --to" in p.stderr, p.stderr


def test_an_old_install_is_resealed_then_copied(tmp_path, target):
    """A SQLite install of a release before sealed values were bound to
    their rows (a v1 access code and webhook secret, the webhook URL in
    plain text, reseal-v2 not recorded): db copy seals them for their rows
    in the source first, and as the ids are kept they open in the new
    database (docs/OPERATIONS.md, "Sealed values")."""
    data = tmp_path / "data"
    small_install(data)
    key = sealing.read_key(data)
    url = "http://127.0.0.1:9/api/webhooks/9/OLD-TOKEN"   # never dialled
    con = sqlite3.connect(data / "farm.db")
    with con:
        uid = con.execute("SELECT id FROM users").fetchone()[0]
        pid = con.execute(
            "INSERT INTO printers (user_id, name, model, serial, host, "
            "access_code_sealed, created_at, updated_at) VALUES "
            "(?, 'old', 'X1C', 'OLD00001', '127.0.0.1', ?, 1, 1)",
            (uid, sealing.seal_v1(key, "code-old-1"))).lastrowid
        con.execute("INSERT INTO notification_settings (printer_id, "
                    "webhook_url, webhook_secret_sealed, updated_at) "
                    "VALUES (?, ?, ?, 1)",
                    (pid, url, sealing.seal_v1(key, "old-secret-1")))
        con.execute("DELETE FROM schema_migrations "
                    "WHERE version = 'reseal-v2'")
    con.close()

    p = farmctl(data, "db", "copy", "--to", target)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "reseal: 3 values sealed for their rows" in p.stderr, p.stderr
    pg = dbconn.Db(target)
    code, = pg.query("SELECT id, access_code_sealed FROM printers")
    assert code["id"] == pid
    assert sealing.open_v2(key, code["access_code_sealed"],
                           f"printers.access_code_sealed:{pid}") == \
        "code-old-1"
    n, = pg.query("SELECT webhook_url, webhook_secret_sealed "
                  "FROM notification_settings")
    assert "OLD-TOKEN" not in n["webhook_url"]
    assert sealing.open_v2(key, n["webhook_url"],
                           f"notification_settings.webhook_url:{pid}") == url
    assert sealing.open_v2(
        key, n["webhook_secret_sealed"],
        f"notification_settings.webhook_secret_sealed:{pid}") == \
        "old-secret-1"
