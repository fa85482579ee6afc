"""SQLite and PostgreSQL answer alike (issue 9).

One SQLite stack and one PostgreSQL stack, both empty, get the same
scripted sequence of requests: the first account through /setup, sign-in,
settings, printers, maintenance, materials, notification preferences (and
a test delivery), file uploads, products, orders with items, matching and
scheduling, Etsy's CSV import, prints through their states by PUT, lists with filters and
paging, the queue, the HTML pages with their statistics (overview, queue,
history and its CSV, analytics), then the errors (404, 405, 400, 415, 409,
422). Every status code and every body must be equal.

The PostgreSQL database is made with an English (ICU) collation, as on a
typical server, so text ordering that would follow it shows.

Each request runs farm.fcgi once as plain CGI on the stack's database with
FARM_NOW set to a clock that advances by a fixed step per request (and
jumps where the script says), so every timestamp is the same on both
backends and is compared too. Only what must differ is normalised: tokens
and secrets the server makes up, CSRF values, and the backend's name in
GET /api/health. Ids are compared as they are: both databases start
empty, and the failing writes come last (a PostgreSQL sequence does not
give back a number a rolled-back insert took).

Needs the PostgreSQL cluster of `make e2e-pg` (marker postgres).
"""

import json
import re

import pytest

import dbconn
from dispatch_helpers import make_3mf
from stack import Stack
from test_orders_import import HEADER, row

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

T0 = 1772442000          # 2026-03-02T09:00:00Z
STEP = 7                 # seconds the clock moves per request
HOUR = 3600
EMAIL = "parity@example.test"
PASSWORD = "parity-secret-1"
PLATE = make_3mf(seconds=5400, grams=41.5)   # the same bytes for both
GCODE = b"; other\nG28\nG1 X10 Y10\n"

SECRET_KEYS = {"token", "webhook_secret"}
CSRF = [re.compile(r'(name="csrf" value=")[^"]*(")'),
        re.compile(r'(<meta name="csrf-token" content=")[^"]*(")')]


class Run:
    """The script's requests on one stack: each through CGI with the clock
    at self.now; self.log keeps (label, status, normalised body)."""

    def __init__(self, stack):
        self.stack = stack
        self.now = T0
        self.token = None
        self.cookies = {}
        self.log = []

    def tick(self, seconds):
        self.now += seconds

    def call(self, method, path, body=None, *, data=None, ctype=None,
             form=None, page=False, auth=True, label=None):
        headers = {}
        if body is not None:
            data, ctype = json.dumps(body).encode(), "application/json"
        if form is not None:
            data = "&".join(f"{k}={_q(v)}" for k, v in form.items()).encode()
            ctype = "application/x-www-form-urlencoded"
        if ctype:
            headers["Content-Type"] = ctype
        if data is not None:
            headers["Content-Length"] = str(len(data))
        if page and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}"
                                          for k, v in self.cookies.items())
        elif auth and self.token and not page:
            headers["Authorization"] = f"Bearer {self.token}"
        r = self.stack.cgi(method, path, body=data or b"", headers=headers,
                           env={"FARM_NOW": str(self.now)})
        self.now += STEP
        for m in re.finditer(r"(farm_\w+)=([^;,\s]*)",
                             r.headers.get("Set-Cookie", "")):
            self.cookies[m.group(1)] = m.group(2)
        self.log.append((label or f"{method} {path}", r.status,
                         normalise_body(r)))
        return Answer(r)


class Answer:
    def __init__(self, r):
        self.status = r.status
        self.headers = r.headers
        self.text = r.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)

    def id(self):
        assert self.status in (200, 201), (self.status, self.text)
        return self.json()["id"]


def _q(v):
    from urllib.parse import quote_plus
    return quote_plus(str(v))


def normalise(v, key=None):
    if isinstance(v, dict):
        return {k: normalise(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x) for x in v]
    if key in SECRET_KEYS and isinstance(v, str):
        return "<secret>"
    return v


def normalise_body(r):
    ctype = r.headers.get("Content-Type", "")
    text = r.body.decode("utf-8", "replace")
    if ctype.startswith("application/json"):
        return normalise(json.loads(text))
    for pat in CSRF:
        text = pat.sub(r"\1<csrf>\2", text)
    return text


def csrf_of(answer):
    m = CSRF[0].search(answer.text) or CSRF[1].search(answer.text)
    assert m, answer.text[:500]
    return re.search(r'(?:value|content)="([^"]*)"', m.group(0)).group(1)


# --- the script ----------------------------------------------------------------

def script(run):
    call = run.call
    # the first account, signed in on the page and by the API
    call("GET", "/api/health", auth=False)
    csrf = csrf_of(call("GET", "/setup", page=True))
    code = run.stack.farmctl("setup-code").stdout.strip()
    r = call("POST", "/setup", page=True, form={
        "csrf": csrf, "setup_code": code, "email": EMAIL,
        "password": PASSWORD, "password2": PASSWORD})
    assert r.status == 303, r.text
    call("POST", "/api/auth/login", {"email": EMAIL, "password": "nope"},
         auth=False)
    run.token = call("POST", "/api/auth/login",
                     {"email": EMAIL, "password": PASSWORD},
                     auth=False).json()["token"]
    call("GET", "/api/me")
    call("PUT", "/api/settings", {"energy_price_per_kwh": 0.31})
    call("GET", "/api/settings")

    # printers and their maintenance
    p1 = call("POST", "/api/printers", {
        "name": "X1C-01", "model": "X1C", "serial": "00M09A350100001",
        "host": "127.0.0.5", "access_code": "12345678"}).id()
    p2 = call("POST", "/api/printers", {
        "name": "mini", "model": "A1M", "serial": "0300AA1B2C3D4",
        "host": "localhost", "port": 8884, "ftp_port": 9990,
        "access_code": "87654321", "power_watts": 80,
        "machine_rate": 1.25}).id()
    call("PUT", f"/api/printers/{p2}", {"name": "A1 mini"})
    call("GET", "/api/printers")
    call("GET", f"/api/printers/{p1}")
    call("GET", "/api/printers?limit=1&offset=1")
    call("PUT", f"/api/printers/{p1}/maintenance", {"interval_hours": 200})
    call("POST", f"/api/printers/{p1}/maintenance",
         {"performed_at": "2026-02-20T10:00:00Z", "note": "new nozzle"})
    call("GET", f"/api/printers/{p1}/maintenance")

    # materials
    m1 = call("POST", f"/api/bambu/materials/{p1}", {
        "slot": 0, "material_type": "PLA", "color": "#ff8800",
        "weight_grams": 1000, "remaining_percent": 80, "vendor": "Bambu",
        "cost_per_kg": 24.99}).id()
    call("POST", f"/api/bambu/materials/{p1}", {
        "slot": 1, "material_type": "PETG", "color": "#00AA00",
        "cost_per_kg": 19.5})
    call("POST", f"/api/bambu/materials/{p2}",
         {"slot": 4, "material_type": "PLA", "weight_grams": 750})
    call("PUT", f"/api/bambu/materials/{m1}", {"remaining_percent": 42})
    call("GET", f"/api/bambu/materials/{p1}")
    call("GET", f"/api/bambu/materials/{p2}")

    # notifications: defaults, a webhook (its secret made up once), a test
    call("GET", f"/api/bambu/notifications/{p1}")
    call("PUT", f"/api/bambu/notifications/{p1}", {
        "on_print_start": True, "on_print_failed": True,
        "webhook_url": "http://127.0.0.1:9/hook"})
    call("PUT", f"/api/bambu/notifications/{p2}", {
        "email_enabled": True, "email_address": "ops@example.test",
        "material_low_percent": 15})
    call("GET", f"/api/bambu/notifications/{p1}")
    call("POST", f"/api/bambu/notifications/{p1}/test")
    call("GET", f"/api/bambu/notifications/{p1}/deliveries")

    # files
    octet = "application/octet-stream"
    call("PUT", "/api/files/plate.3mf", data=PLATE, ctype=octet)
    call("PUT", "/api/files/other.gcode", data=GCODE, ctype=octet)
    call("PUT", "/api/files/other.gcode", data=GCODE + b"M400\n",
         ctype=octet)
    for name in ("Zeta.gcode", "alpha.gcode", "_draft.gcode", "beta-2.gcode",
                 "beta_1.gcode", "B.gcode"):   # listed by name: byte order
        call("PUT", f"/api/files/{name}", data=GCODE, ctype=octet)
    call("GET", "/api/files")
    call("GET", "/api/files?limit=3&offset=2")
    call("GET", "/api/files/plate.3mf")

    # products
    pr1 = call("POST", "/api/products", {
        "name": "Planter", "sku": "PLANT-1", "file": "plate.3mf",
        "estimated_minutes": 90, "grams": 40, "material_type": "PLA",
        "color": "#FF8800", "nozzle_temp": 220, "bed_temp": 60,
        "speed_level": 3, "material_slot": 0}).id()
    pr2 = call("POST", "/api/products", {
        "name": "Vase", "sku": "VASE-1", "etsy_listing_id": 123456789,
        "file": "other.gcode", "estimated_minutes": 45, "grams": 12}).id()
    call("PUT", f"/api/products/{pr1}", {"grams": 45})
    call("GET", "/api/products")
    call("GET", f"/api/products/{pr2}")

    # orders: matched by SKU and listing, one unmatched then mapped
    o1 = call("POST", "/api/orders", {
        "external_id": "A-1", "buyer": "Ann", "items": [
            {"title": "Planter", "quantity": 2, "sku": "PLANT-1"},
            {"title": "Vase", "quantity": 1,
             "etsy_listing_id": 123456789}]}).id()
    o2 = call("POST", "/api/orders", {
        "external_id": "A-2", "items": [
            {"title": "Mystery", "quantity": 1, "sku": "NOPE"}]}).json()
    call("GET", "/api/orders")
    call("GET", f"/api/orders/{o1}")
    call("POST", f"/api/orders/{o1}/schedule-prints", {
        "printer_id": p1, "start_at": "2026-03-05T08:00:00Z",
        "gap_minutes": 15})
    call("POST", f"/api/orders/{o2['id']}/schedule-prints", {})
    call("PUT", f"/api/orders/{o2['id']}/items/{o2['items'][0]['id']}",
         {"product_id": pr2})
    call("POST", f"/api/orders/{o2['id']}/schedule-prints", {})
    call("GET", f"/api/orders/{o1}")
    call("GET", f"/api/bambu/scheduled-prints?order_id={o1}")

    # Etsy's CSV: two orders (one with a variation), again unchanged, then
    # a changed quantity
    csv_rows = [row("Planter", "Bea", 2, "24.50", "9001", "123456789",
                    "E-100", variations="Color:Green,Material:PETG"),
                row("Vase", "Bea", 1, "18.00", "9002", "123456789", "E-100",
                    sku="VASE-1"),
                row("Planter", "Cy", 1, "24.50", "9003", "555", "E-101",
                    sku="PLANT-1")]
    csv = "\n".join([HEADER] + csv_rows).encode()
    call("POST", "/api/orders/import", data=csv, ctype="text/csv")
    call("POST", "/api/orders/import", data=csv, ctype="text/csv")
    csv_rows[2] = row("Planter", "Cy", 3, "24.50", "9003", "555", "E-101",
                      sku="PLANT-1")
    call("POST", "/api/orders/import", ctype="text/csv",
         data="\n".join([HEADER] + csv_rows).encode())
    call("GET", "/api/orders")

    # prints through their states
    base = "/api/bambu/scheduled-prints"
    a = call("POST", base, {
        "printer_id": p1, "name": "bracket", "file": "plate.3mf",
        "estimated_minutes": 60, "priority": 5, "material_slot": 0,
        "grams": 30}).id()
    b = call("POST", base, {
        "printer_id": p1, "name": "later", "file": "plate.3mf",
        "estimated_minutes": 30,
        "scheduled_at": "2026-03-04T10:00:00+01:00"}).id()
    c = call("POST", base, {
        "printer_id": p1, "name": "after later", "file": "other.gcode",
        "estimated_minutes": 20, "chain_after_id": b,
        "chain_offset_minutes": 10}).id()
    d = call("POST", base, {
        "printer_id": None, "name": "anywhere", "file": "plate.3mf",
        "estimated_minutes": 15, "material_type": "PLA"}).id()
    e = call("POST", base, {
        "printer_id": p2, "name": "doomed", "file": "other.gcode",
        "estimated_minutes": 25, "material_slot": 4, "grams": 10}).id()
    call("GET", f"{base}/{p1}/queue")
    call("PUT", f"{base}/{a}", {"status": "started"})
    run.tick(20 * 60)
    call("PUT", f"{base}/{a}", {"progress_percent": 35})
    run.tick(45 * 60)
    call("PUT", f"{base}/{a}", {"status": "completed"})
    call("GET", f"{base}/{p1}/queue")
    call("PUT", f"{base}/{b}", {"status": "started"})   # c is re-timed
    call("GET", f"{base}?status=scheduled")
    call("PUT", f"{base}/{e}", {"status": "started"})
    run.tick(HOUR)
    call("PUT", f"{base}/{e}",
         {"status": "failed", "failure_reason": "spaghetti"})
    call("PUT", f"{base}/{c}", {"name": "after later (v2)", "priority": 3})
    call("DELETE", f"{base}/{d}")
    call("PUT", f"{base}/{b}", {"status": "completed"})
    run.tick(2 * HOUR)
    call("GET", base)
    call("GET", f"{base}?status=completed,failed")
    call("GET", f"{base}?unassigned=1")
    call("GET", f"{base}?limit=2&offset=1")
    call("GET", f"{base}/{p1}")
    call("GET", f"{base}/{p1}?status=queued,scheduled")
    call("GET", f"{base}/{p1}/queue")
    call("GET", f"{base}/{p2}/queue")
    call("GET", f"/api/printers/{p1}/maintenance")
    call("GET", f"/api/orders/{o1}")
    call("GET", "/api/orders?limit=1")

    # the pages and their numbers
    for path in ("/", "/printers", f"/printers/{p1}", "/queue",
                 f"/queue/{a}", "/orders", f"/orders/{o1}", "/products",
                 "/files", "/history", "/history.csv",
                 "/history.csv?status=failed", "/analytics",
                 "/analytics?days=7", "/account"):
        call("GET", path, page=True)

    # errors last: a PostgreSQL sequence keeps the numbers failed inserts
    # took, so nothing is created after them
    call("GET", "/api/printers/999999")
    call("GET", "/api/nowhere")
    call("POST", "/api/health")
    call("GET", "/api/printers", auth=False)
    call("POST", "/api/printers", data=b"{", ctype="application/json")
    call("POST", "/api/printers", data=b"x", ctype="text/plain")
    call("POST", "/api/printers", {
        "name": "again", "model": "X1C", "serial": "00M09A350100001",
        "host": "127.0.0.6", "access_code": "12345678"})
    call("POST", "/api/printers", {"name": "", "model": "Z9",
                                   "serial": "no-dashes!", "host": "127.0.0.1"})
    call("POST", f"/api/bambu/materials/{p1}",
         {"slot": 0, "material_type": "PLA"})
    call("POST", f"/api/bambu/materials/{p1}",
         {"slot": 8, "material_type": "", "color": "orange"})
    call("POST", "/api/orders", {"external_id": "A-1",
                                 "items": [{"title": "x", "quantity": 1}]})
    call("POST", f"/api/orders/{o1}/schedule-prints", {})
    call("PUT", f"{base}/{a}", {"status": "queued"})
    call("PUT", f"{base}/{c}", {"chain_after_id": c})
    call("POST", base, {"printer_id": 999999, "name": "x",
                        "file": "missing.3mf", "estimated_minutes": 0})
    call("DELETE", f"{base}/{a}")
    call("DELETE", "/api/files/plate.3mf")
    call("PUT", "/api/files/bad name.exe", data=b"x", ctype=octet)
    call("GET", f"{base}?status=bogus")
    call("GET", "/api/printers?limit=0")
    call("DELETE", f"/api/products/{pr2}")
    call("DELETE", f"/api/printers/{p2}")
    call("GET", "/api/printers")
    call("GET", f"/api/orders/{o2['id']}")


def test_both_backends_answer_the_same():
    assert dbconn.pg_admin(), "runs with FARM_TEST_PG (make e2e-pg)"
    # the PostgreSQL database sorts text by English rules, as one made on a
    # typical server does, not in the test cluster's byte order
    database = dbconn.create_database(icu_locale="en-US")
    runs, errors = [], []
    try:
        for sqlite in (True, False):
            with Stack(workers=1, sqlite=sqlite,
                       database=None if sqlite else database) as s:
                assert s.backend == ("sqlite" if sqlite else "postgresql")
                run = Run(s)
                try:
                    script(run)
                except AssertionError as e:   # judged with the other's log
                    errors.append((s.backend, e))
                runs.append(run)
    finally:
        dbconn.drop_database(database)
    lite, pg = runs
    # the one answer that must differ
    assert lite.log[0][2].pop("backend") == "sqlite"
    assert pg.log[0][2].pop("backend") == "postgresql"
    diffs = [(i, x, y) for i, (x, y) in enumerate(zip(lite.log, pg.log))
             if x != y]
    report = "\n\n".join(_diff(i, x, y) for i, x, y in diffs[:5])
    if diffs or len(lite.log) != len(pg.log) or errors:
        pytest.fail(f"{len(diffs)} answers differ, {len(lite.log)} vs "
                    f"{len(pg.log)} requests, script errors {errors}\n"
                    f"{report}", pytrace=False)
    assert len(lite.log) > 100


def _diff(i, x, y):
    """Where answer i differs: the status, then the first lines that do."""
    import difflib

    def lines(body):
        if isinstance(body, str):
            return body.splitlines()
        return json.dumps(body, indent=1, sort_keys=True).splitlines()

    d = list(difflib.unified_diff(lines(x[2]), lines(y[2]), "sqlite",
                                  "postgresql", n=2, lineterm=""))
    return (f"#{i} {x[0]}: status {x[1]} (sqlite) / {y[1]} (postgresql)\n"
            + "\n".join(d[:40]))
