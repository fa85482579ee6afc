"""The outbound policy (docs/OPERATIONS.md, "Outbound requests") through the
real stack: webhook URLs and printer hosts are user input, and bambufarm
connects to none of loopback, link-local, 0/8, multicast or its own
addresses unless the operator allows them (FARM_OUTBOUND_ALLOW).

Every stack here runs WITHOUT FARM_OUTBOUND_ALLOW (the suite's other stacks
allow loopback, where all the test servers live).

Covered: a webhook URL or printer host that is a refused address in any
spelling (127.0.0.1, 127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1, [::1],
[::ffff:127.0.0.1], the cloud metadata address, the unspecified address, a
multicast address, this host's own addresses) is a 422 naming the field
when saved, on create and on update, and nothing is stored; LAN addresses
(in 192.168/16 and 10/8) are saved. A name that resolves to 127.0.0.1
("localhost") is saved, then refused when connecting: a test delivery by
farm-deliver ends with the coarse error "refused by the outbound policy",
the receiver sees nothing, and the same row is delivered once the operator
allows loopback; a failed delivery shows "connect failed", never libcurl's
text; a printer at "localhost" is shown offline with the refusal by
farm-dispatch and the broker sees no connection, and the same printer
connects (TLS pin and login by the resolved address) once loopback is
allowed. The transports on their own (net-probe --outbound-policy): MQTT
and FTPS to localhost are refused before any connection.

Nothing leaves loopback: LAN addresses are only saved, never dialled (their
webhooks get no test delivery, their printers are deleted, and no
dispatcher or deliverer ever runs on the stack that saw them); the refused
addresses are refused before any packet is sent. Addresses off loopback
are built from their parts (dotted()) so the source scan of
test_loopback.py stays meaningful.
"""

import json
import os
import re
import subprocess
import time
import uuid

import pytest

from dispatch_helpers import QUIET_MS, dispatch_path
from helpers import error_of
from printers import ACCESS_CODE, FtpsServer, bin_dir
from receivers import webhook_receiver  # noqa: F401
from stack import Stack, check_sanitizers, need_bin, resolve_bin_dir

REFUSED = "refused by the outbound policy"


def dotted(*parts):
    """An IPv4 address built from its parts, so that the loopback scan of
    the test sources (test_loopback.py) sees no literal off loopback: these
    are only ever saved or refused, never connected to."""
    return ".".join(str(p) for p in parts)


METADATA = dotted(169, 254, 169, 254)
ZERO = dotted(0, 0, 0, 0)
MULTICAST = dotted(224, 0, 0, 1)
LAN = [dotted(192, 168, 1, 50), dotted(10, 0, 0, 5)]


def own_addresses():
    """This host's addresses outside loopback and link-local (from `ip`),
    as URL hosts and as printer hosts."""
    try:
        out = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for fam, addr in re.findall(r"\binet(6?) ([0-9a-fA-F.:]+)/", out):
        if addr.startswith(("127.", "fe80:")) or addr == "::1":
            continue
        found.append(addr)
    return found


def url_host(addr):
    return f"[{addr}]" if ":" in addr and not addr.startswith("[") else addr


# Webhook URL hosts: every spelling of 127.0.0.1, ::1, and the other ranges.
URL_HOSTS = ["127.0.0.1", "127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1",
             "[::1]", "[::ffff:127.0.0.1]", "127.0.0.1.", METADATA, ZERO,
             MULTICAST, "[fe80::1]"]
# Printer hosts (no brackets: a host field holds the bare address).
PRINTER_HOSTS = ["127.0.0.1", "127.1", "2130706433", "0x7f.0.0.1",
                 "0177.0.0.1", "::1", "::ffff:127.0.0.1", METADATA, ZERO,
                 MULTICAST, "fe80::1"]


def strict_stack():
    return Stack(workers=2, own=True, outbound_allow=None).start()


@pytest.fixture(scope="module")
def strict():
    """A stack with the default policy, for what is only saved: no
    dispatcher or deliverer ever runs on it."""
    s = strict_stack()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def strict_own():
    """A fresh stack with the default policy, for one test's dispatcher or
    deliverer runs."""
    s = strict_stack()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def api(strict):
    start = strict.worker_log_size()
    u = strict.make_user()
    try:
        yield u.api
    finally:
        u.api.close()
        strict.check_worker_log(start)


def new_printer(api, host="localhost", **fields):
    body = {"name": "P1S-01", "model": "P1S",
            "serial": "OUT" + uuid.uuid4().hex[:10].upper(),
            "host": host, "access_code": ACCESS_CODE}
    body.update(fields)
    r = api.post("/api/printers", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def prefs(p):
    return f"/api/bambu/notifications/{p}"


def refused_field(r, field):
    err = error_of(r, 422, "validation_failed")
    assert field in err["fields"], err
    msg = err["fields"][field]
    assert "outbound policy" in msg, err
    return msg


# --- refused when saved ---------------------------------------------------

def test_webhook_urls_refused_when_saved(api):
    p = new_printer(api)["id"]
    for host in URL_HOSTS:
        url = f"http://{host}:8080/hook"
        msg = refused_field(api.put(prefs(p), json={"webhook_url": url}),
                            "webhook_url")
        if host in ("127.1", "2130706433", "[::ffff:127.0.0.1]"):
            assert "loopback" in msg, (host, msg)
    assert "link-local" in refused_field(
        api.put(prefs(p), json={"webhook_url": f"https://{METADATA}/latest"}),
        "webhook_url")
    for host in own_addresses():
        msg = refused_field(
            api.put(prefs(p), json={"webhook_url": f"http://{url_host(host)}/"}),
            "webhook_url")
        assert "this server" in msg, (host, msg)
    # other fields in the same body are not saved either
    short = "127.1"
    r = api.put(prefs(p), json={"webhook_url": f"http://{short}/x",
                                "on_print_start": True})
    refused_field(r, "webhook_url")
    got = api.get(prefs(p)).json()
    assert got["webhook_url"] is None and got["on_print_start"] is False


def test_printer_hosts_refused_when_saved(api):
    for host in PRINTER_HOSTS + own_addresses():
        r = api.post("/api/printers", json={
            "name": "P1S-01", "model": "P1S", "access_code": ACCESS_CODE,
            "serial": "OUT" + uuid.uuid4().hex[:10].upper(), "host": host})
        refused_field(r, "host")
    # brackets are not a host name or address at all
    bracketed = "[::1]"
    r = api.post("/api/printers", json={
        "name": "P1S-01", "model": "P1S", "access_code": ACCESS_CODE,
        "serial": "OUT" + uuid.uuid4().hex[:10].upper(), "host": bracketed})
    assert "host" in error_of(r, 422, "validation_failed")["fields"]
    assert api.get("/api/printers").json()["printers"] == []

    # on update too, and the printer keeps its host
    p = new_printer(api)
    for host in PRINTER_HOSTS:
        refused_field(api.put(f"/api/printers/{p['id']}",
                              json={"host": host}), "host")
    assert api.get(f"/api/printers/{p['id']}").json()["host"] == "localhost"


def test_lan_addresses_saved_never_dialled(api, strict):
    # Only saved: no test delivery is asked for, the printers are deleted,
    # and no dispatcher or deliverer runs on this stack.
    p = new_printer(api)["id"]
    for host in LAN:
        url = f"http://{host}:8080/hook"
        r = api.put(prefs(p), json={"webhook_url": url})
        assert r.status_code == 200, r.text
        assert r.json()["webhook_url"] == url
    r = api.put(prefs(p), json={"webhook_url": None})
    assert r.status_code == 200, r.text

    lan = new_printer(api, host=LAN[0])
    assert lan["host"] == LAN[0]
    r = api.put(f"/api/printers/{lan['id']}", json={"host": LAN[1]})
    assert r.status_code == 200, r.text
    assert r.json()["host"] == LAN[1]
    for q in (p, lan["id"]):
        assert api.delete(f"/api/printers/{q}").status_code == 204
    assert strict.db().scalar("SELECT COUNT(*) FROM outbox") == 0
    assert strict.db().scalar(
        "SELECT COUNT(*) FROM printers WHERE host NOT IN "
        "('localhost')") == 0


def test_dashboard_forms_show_the_refusal_beside_the_field(strict):
    from test_pages import assert_html, sign_in
    from test_pages_printers import field_error, notify_body, send

    u = strict.make_user()
    b = sign_in(strict, u)
    short = "127.1"
    r = send(b, "/printers/new", "/printers/new", {
        "name": "X1C-01", "model": "X1C", "serial": "OUTFORM01",
        "host": short, "port": "8883", "access_code": "secret99"})
    assert_html(r, 422)
    assert field_error(r.text, "host") == \
        "is a loopback address, which the outbound policy refuses"
    assert u.api.get("/api/printers").json()["printers"] == []

    pid = new_printer(u.api)["id"]
    path = f"/printers/{pid}"
    r = send(b, path, f"{path}/notifications",
             notify_body(webhook_url=f"http://{METADATA}/latest/meta-data"))
    assert_html(r, 422)
    assert field_error(r.text, "n-webhook_url") == \
        "points at a link-local address, which the outbound policy refuses"
    assert u.api.get(prefs(pid)).json()["webhook_url"] is None
    assert u.api.delete(f"/api/printers/{pid}").status_code == 204
    u.api.close()


# --- refused when connecting -----------------------------------------------

def deliver(stack, now, env=None):
    """farm-deliver --once on stack at FARM_NOW=now -> (counters, stderr)."""
    e = stack.env()
    e["FARM_NOW"] = str(now)
    e.update(env or {})
    p = subprocess.run([str(need_bin(resolve_bin_dir() / "farm-deliver")),
                        "--once"], env=e, capture_output=True, text=True,
                       timeout=120)
    check_sanitizers("farm-deliver", p.stderr)
    assert p.returncode == 0, p.stderr
    return dict(x.split("=") for x in p.stdout.split()), p.stderr


def test_webhook_to_a_name_of_loopback_refused_when_sending(
        strict_own, webhook_receiver, dead_port):
    u = strict_own.make_user()
    api = u.api
    p = new_printer(api)["id"]
    # "localhost" is a name: saved, judged on the address it resolves to
    url = f"http://localhost:{webhook_receiver.port}/hook/ssrf"
    r = api.put(prefs(p), json={"webhook_url": url})
    assert r.status_code == 200, r.text
    r = api.post(prefs(p) + "/test")
    assert r.status_code == 202, r.text

    now = int(time.time()) + 1
    st, err = deliver(strict_own, now)
    assert st["claimed"] == "1" and st["delivered"] == "0", st
    (d,) = api.get(prefs(p) + "/deliveries").json()["deliveries"]
    assert d["status"] == "pending" and d["attempts"] == 1, d
    assert d["last_error"] == REFUSED and d["last_code"] is None, d
    # the detail is in the operator's log, not in what the user sees
    assert "is a loopback address" in err, err
    time.sleep(0.5)
    assert webhook_receiver.snapshot() == []

    # the operator allows loopback: the same delivery now arrives
    st, _ = deliver(strict_own, now + 600,
                    env={"FARM_OUTBOUND_ALLOW": Stack.LOOPBACK})
    assert st["delivered"] == "1", st
    (req,) = webhook_receiver.wait_for(1)
    assert req.path == "/hook/ssrf"
    assert json.loads(req.body)["type"]
    (d,) = api.get(prefs(p) + "/deliveries").json()["deliveries"]
    assert d["status"] == "delivered" and d["last_error"] is None, d

    # a failure is shown coarsely, never as libcurl's text
    r = api.put(prefs(p), json={"webhook_url":
                                f"http://localhost:{dead_port}/hook"})
    assert r.status_code == 200, r.text
    assert api.post(prefs(p) + "/test").status_code == 202
    deliver(strict_own, now + 1200,
            env={"FARM_OUTBOUND_ALLOW": Stack.LOOPBACK})
    d = api.get(prefs(p) + "/deliveries?status=pending").json()["deliveries"]
    assert [x["last_error"] for x in d] == ["connect failed"], d
    u.api.close()


def broker_connections(broker):
    text = broker.log.read_text(errors="replace") if broker.log.exists() \
        else ""
    return len(re.findall(r"New connection from", text))


def test_printer_at_a_name_of_loopback_refused_when_dialled(
        strict_own, private_broker, dead_port, tmp_path):
    u = strict_own.make_user()
    serial = "OUT" + uuid.uuid4().hex[:10].upper()
    p = new_printer(u.api, serial=serial, port=private_broker.port,
                    ftp_port=dead_port)
    assert p["host"] == "localhost"
    before = broker_connections(private_broker)
    exe = str(dispatch_path())

    def dispatch(budget_ms=QUIET_MS, **extra):
        env = strict_own.env()
        env.pop("FARM_PRINTER_CA", None)
        env.update(extra)
        r = subprocess.run([exe, "--once", "--budget-ms", str(budget_ms)],
                           env=env, capture_output=True, text=True,
                           timeout=90, cwd=str(tmp_path))
        check_sanitizers("farm-dispatch", r.stdout + r.stderr)
        assert r.returncode == 0, r.stderr
        return r

    r = dispatch()
    got = u.api.get(f"/api/printers/{p['id']}").json()
    assert got["status"] == "offline", got
    assert got["status_detail"] == f"cannot reach the printer: {REFUSED}", got
    assert "localhost resolves to 127.0.0.1, a loopback address" in r.stderr
    time.sleep(0.3)
    assert broker_connections(private_broker) == before
    assert serial not in private_broker.log.read_text(errors="replace")

    # allowed by the operator: it connects by the address it resolved to,
    # the TLS pin and the login work as with a literal address
    dispatch(budget_ms=3000, FARM_OUTBOUND_ALLOW="127.0.0.0/8")
    log = private_broker.log.read_text(errors="replace")
    assert re.search(rf"New client connected from 127\.0\.0\.1:\d+ as "
                     rf"bambufarm-{serial}-", log), log[-2000:]
    got = u.api.get(f"/api/printers/{p['id']}").json()
    assert REFUSED not in (got["status_detail"] or ""), got
    assert strict_own.db().scalar(
        "SELECT cert_fingerprint FROM printers WHERE id = ?",
        (p["id"],)) == private_broker.pin
    assert u.api.delete(f"/api/printers/{p['id']}").status_code == 204
    u.api.close()


# --- the transports on their own (net-probe) --------------------------------

def probe_env():
    env = dict(os.environ)
    env.pop("FARM_OUTBOUND_ALLOW", None)
    env.pop("FARM_OUTBOUND_PRIVATE_WEBHOOKS", None)
    return env


def probe(*args):
    exe = str(need_bin(bin_dir() / "net-probe"))
    p = subprocess.run([exe, *map(str, args)], capture_output=True, text=True,
                       timeout=60, env=probe_env())
    check_sanitizers("net-probe", p.stderr)
    return p.returncode, p.stdout.splitlines(), p.stderr


def test_mqtt_to_loopback_refused_before_connecting(private_broker):
    before = broker_connections(private_broker)
    for host in ("localhost", "127.0.0.1", "2130706433"):
        rc, out, err = probe("mqtt", "--outbound-policy", "--host", host,
                             "--port", private_broker.port, "--serial",
                             "01P00A391800001", "--code", ACCESS_CODE,
                             "--timeout", "3")
        assert rc != 0, out
        assert f"state disconnected {REFUSED}" in out, (host, out)
        assert "a loopback address" in err
    time.sleep(0.3)
    assert broker_connections(private_broker) == before
    # without --outbound-policy the operator's probe goes anywhere
    rc, out, _ = probe("mqtt", "--host", "localhost", "--port",
                       private_broker.port, "--serial", "01P00A391800001",
                       "--code", ACCESS_CODE, "--timeout", "10")
    assert "state connected " in out, out


def ftps_sessions(f):
    """FTP sessions the server has logged (at least the start-up check's
    connection), once every one opened has been logged closed."""
    deadline = time.monotonic() + 15
    while True:
        text = f.log.read_text(errors="replace") if f.log.exists() else ""
        opened = text.count("(connect)")
        if (opened >= 1 and opened == text.count("(disconnect)")) or \
                time.monotonic() > deadline:
            return opened
        time.sleep(0.05)


def test_ftps_to_loopback_refused_before_connecting(printer_pki, tmp_path):
    f = FtpsServer(tmp_path / "ftps", printer_pki.default).start()
    try:
        src = tmp_path / "part.3mf"
        src.write_bytes(b"k" * 100)
        opened = ftps_sessions(f)
        for host in ("localhost", "127.1"):
            rc, out, err = probe("ftps", "--outbound-policy", "--host", host,
                                 "--port", f.port, "--serial",
                                 "01P00A391800001", "--code", ACCESS_CODE,
                                 "--put", src, "part.3mf")
            assert rc != 0, out
            (line,) = [x for x in out if x.startswith("upload ")]
            assert line.startswith("upload part.3mf failed "), line
            assert line.endswith(REFUSED), line
        time.sleep(0.3)
        assert ftps_sessions(f) == opened
        assert not (f.root / "part.3mf").exists()
        rc, out, _ = probe("ftps", "--host", "localhost", "--port", f.port,
                           "--serial", "01P00A391800001", "--code",
                           ACCESS_CODE, "--put", src, "part.3mf")
        assert rc == 0, out
        assert (f.root / "part.3mf").read_bytes() == b"k" * 100
        assert ftps_sessions(f) > opened
    finally:
        f.stop()
