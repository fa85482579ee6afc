"""Secrets at rest, through the real programs (lib/base/secret.h,
lib/domain/reseal.h, docs/OPERATIONS.md "Sealed values"):

- secret.key is made 0600, and a key that its group or others may read is
  refused by every program (a clear message, exit 1);
- Discord and Slack webhook URLs (credentials) are stored sealed, in the
  preferences and in the outbox, while the owner still sees them and
  delivery still reaches them;
- values an older install stored (v1 sealed, bound to nothing; webhook
  URLs in plain text) are sealed for their rows by the next start
  (farmctl migrate here), still open and still deliver;
- a printer's sealed access code copied into another printer's row does
  not open there: the dispatcher reports that printer's code unreadable.

The rows are checked with tests/e2e/sealing.py, an implementation of the
format of its own (Python + libsodium).
"""

import base64
import hashlib
import hmac
import json
import os
import stat
import subprocess

import pytest

import sealing
from dispatch_helpers import SHORT_MS, farm, new_serial  # noqa: F401
from receivers import webhook_receiver  # noqa: F401
from stack import check_sanitizers, need_bin, resolve_bin_dir

# farm-dispatch and farm-deliver act on a whole database
pytestmark = pytest.mark.own_stack

DISCORD_TOKEN = "AbCdEf-discord-token-0123456789"
SLACK_TOKEN = "slack-token-XyZ987654"


def deliver(stack, *args, check=True):
    p = subprocess.run([str(need_bin(resolve_bin_dir() / "farm-deliver")),
                        *map(str, args)], env=stack.env(),
                       capture_output=True, text=True, timeout=120)
    check_sanitizers("farm-deliver", p.stderr)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def emit(stack, pid, kind="test"):
    return int(deliver(stack, "--emit", kind, "--printer", pid).stdout)


def prefs(api, pid, **body):
    r = api.put(f"/api/bambu/notifications/{pid}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def row(stack, sql, params):
    rows = stack.query(sql, params)
    assert len(rows) == 1, rows
    return rows[0]


def signed_by(key, req):
    h = req.headers
    mac = hmac.new(key, f"{h['webhook-id']}.{h['webhook-timestamp']}."
                   .encode() + req.body, hashlib.sha256)
    want = "v1," + base64.b64encode(mac.digest()).decode()
    return any(hmac.compare_digest(want, s)
               for s in h.get("webhook-signature", "").split())


# --- the key file -------------------------------------------------------

def test_key_made_private_and_an_open_one_refused(tmp_path):
    """A fresh install's key is 0600; chmod 0644 (or 0640) and farmctl,
    the dispatcher and the deliverer all refuse it with a message naming
    the fix, exit 1, and touch nothing."""
    data = tmp_path / "data"
    env = dict(os.environ, DATA_DIR=str(data),
               FARM_DATABASE=f"sqlite:{data}/farm.db")
    bins = resolve_bin_dir()

    def run(prog, *args, stdin=""):
        p = subprocess.run([str(need_bin(bins / prog)), *args], env=env,
                           input=stdin, capture_output=True, text=True,
                           timeout=60)
        check_sanitizers(prog, p.stderr)
        return p

    p = run("farmctl", "migrate")
    assert p.returncode == 0, p.stderr
    key = data / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.stat().st_size == 32
    for mode in (0o644, 0o640, 0o604):
        key.chmod(mode)
        for prog, args, stdin in (
                ("farmctl", ["migrate"], ""),
                ("farmctl", ["user", "add", "x@example.test"], "pw-123456"),
                ("farm-dispatch", ["--once"], ""),
                ("farm-deliver", ["--once"], "")):
            p = run(prog, *args, stdin=stdin)
            assert p.returncode == 1, (prog, mode, p.stdout, p.stderr)
            assert "open to its group or others" in p.stderr, p.stderr
            assert "chmod 600" in p.stderr, p.stderr
    # refused before anything was written
    key.chmod(0o600)
    assert run("farmctl", "token", "add", "x@example.test").returncode == 1
    assert run("farmctl", "migrate").returncode == 0


# --- webhook URLs are credentials -----------------------------------------

def test_discord_and_slack_urls_sealed_at_rest_and_delivered(
        farm, webhook_receiver):
    """The DB never holds the URL (nor its token) in plain text, neither in
    notification_settings nor in the outbox; the owner reads it back; the
    deliverer opens it and the receiver gets the signed message."""
    stack, api, hook = farm.stack, farm.api, webhook_receiver
    key = sealing.read_key(stack.data_dir)
    urls = {"discord": hook.url(f"/api/webhooks/42/{DISCORD_TOKEN}"),
            "slack": hook.url(f"/services/T0/B0/{SLACK_TOKEN}")}
    pids = {}
    for fmt, url in urls.items():
        p = farm.printer()
        pids[fmt] = p["id"]
        got = prefs(api, p["id"], webhook_url=url, webhook_format=fmt,
                    on_maintenance=True)
        assert got["webhook_url"] == url
        assert api.get(f"/api/bambu/notifications/{p['id']}") \
            .json()["webhook_url"] == url
        stored = row(stack, "SELECT webhook_url FROM notification_settings "
                     "WHERE printer_id = ?", (p["id"],))["webhook_url"]
        assert stored.startswith("v2:"), stored
        assert sealing.open_v2(
            key, stored,
            f"notification_settings.webhook_url:{p['id']}") == url
        # bound to its row: not the other printer's place
        assert sealing.open_v2(
            key, stored,
            f"notification_settings.webhook_url:{p['id'] + 1}") is None

    events = {fmt: emit(stack, pid) for fmt, pid in pids.items()}
    dump = json.dumps([stack.query("SELECT * FROM notification_settings"),
                       stack.query("SELECT * FROM outbox")])
    for token in (DISCORD_TOKEN, SLACK_TOKEN, "/api/webhooks/", "/services/"):
        assert token not in dump
    for fmt, pid in pids.items():
        o = row(stack, "SELECT id, target FROM outbox WHERE event_id = ? "
                "AND channel = 'webhook'", (events[fmt],))
        assert sealing.open_v2(key, o["target"],
                               f"outbox.target:{o['id']}") == urls[fmt]
        d = api.get(f"/api/bambu/notifications/{pid}/deliveries").json()
        assert [x["target"] for x in d["deliveries"]] == [urls[fmt]], d

    out = deliver(stack, "--once").stdout
    assert "delivered=2" in out, out
    hook.wait_for(2)
    got = {r.path: json.loads(r.body) for r in hook.snapshot()}
    assert "content" in got[f"/api/webhooks/42/{DISCORD_TOKEN}"]  # Discord
    assert "text" in got[f"/services/T0/B0/{SLACK_TOKEN}"]         # Slack
    for fmt, pid in pids.items():
        d = api.get(f"/api/bambu/notifications/{pid}/deliveries").json()
        assert d["deliveries"][0]["status"] == "delivered", d


# --- upgrading an install ---------------------------------------------

def test_old_values_resealed_on_upgrade(farm, webhook_receiver):
    """An install from before row binding: a v1 access code and webhook
    secret, a plain webhook URL in the preferences and in a pending outbox
    row. farmctl migrate seals them for their rows (once); they still open
    and the pending message is delivered, signed with the old secret."""
    stack, api, hook = farm.stack, farm.api, webhook_receiver
    key = sealing.read_key(stack.data_dir)
    url = hook.url("/old/hook")
    secret = "an-old-raw-secret-42"
    p = farm.printer()
    pid = p["id"]
    prefs(api, pid, webhook_url=url, webhook_secret=secret,
          on_maintenance=True)
    ev = emit(stack, pid)
    oid = row(stack, "SELECT id FROM outbox WHERE event_id = ?", (ev,))["id"]

    # what the previous release wrote
    farm.db_write("UPDATE printers SET access_code_sealed = ? WHERE id = ?",
                  (sealing.seal_v1(key, "12345678"), pid))
    farm.db_write("UPDATE notification_settings SET webhook_url = ?, "
                  "webhook_secret_sealed = ? WHERE printer_id = ?",
                  (url, sealing.seal_v1(key, secret), pid))
    farm.db_write("UPDATE outbox SET target = ? WHERE id = ?", (url, oid))
    farm.db_write("DELETE FROM schema_migrations WHERE version = ?",
                  ("reseal-v2",))

    p = stack.farmctl("migrate")
    assert "applied reseal-v2" in p.stderr, p.stderr
    assert "reseal: 4 values sealed for their rows" in p.stderr, p.stderr
    r = row(stack, "SELECT access_code_sealed FROM printers WHERE id = ?",
            (pid,))
    assert sealing.open_v2(key, r["access_code_sealed"],
                           f"printers.access_code_sealed:{pid}") == "12345678"
    n = row(stack, "SELECT webhook_url, webhook_secret_sealed FROM "
            "notification_settings WHERE printer_id = ?", (pid,))
    assert sealing.open_v2(
        key, n["webhook_url"],
        f"notification_settings.webhook_url:{pid}") == url
    assert sealing.open_v2(
        key, n["webhook_secret_sealed"],
        f"notification_settings.webhook_secret_sealed:{pid}") == secret
    t = row(stack, "SELECT target FROM outbox WHERE id = ?", (oid,))
    assert sealing.open_v2(key, t["target"], f"outbox.target:{oid}") == url
    assert api.get(f"/api/bambu/notifications/{pid}").json()[
        "webhook_url"] == url

    # recorded: a second start leaves the values as they are
    again = stack.farmctl("migrate")
    assert "reseal" not in again.stderr, again.stderr
    assert row(stack, "SELECT target FROM outbox WHERE id = ?",
               (oid,))["target"] == t["target"]
    # farmctl reseal forces a pass, finding nothing left to do
    assert stack.farmctl("reseal").stdout.startswith(
        "0 sealed values sealed for their rows")

    assert "delivered=1" in deliver(stack, "--once").stdout
    hook.wait_for(1)
    req, = [r for r in hook.snapshot() if r.path == "/old/hook"]
    assert signed_by(secret.encode(), req)


# --- a value moved to another row -----------------------------------------

def test_access_code_copied_to_another_printer_does_not_open(farm):
    """A printer row given another printer's sealed access code (a
    database edit, a bad restore) cannot use it: the dispatcher marks it
    auth_failed, saying the stored code cannot be read, and never logs in
    with it; the printer the code belongs to keeps working."""
    a, b = new_serial(), new_serial()
    farm.sim([(a, "X1C"), (b, "X1C")])
    pa, pb = farm.printer(a), farm.printer(b)
    sealed = farm.query("SELECT access_code_sealed FROM printers "
                        "WHERE id = ?", (pa["id"],))[0]["access_code_sealed"]
    farm.db_write("UPDATE printers SET access_code_sealed = ? WHERE id = ?",
                  (sealed, pb["id"]))

    farm.dispatch_until(
        lambda: farm.get_printer(pa["id"])["status"] == "idle",
        what="printer A online", budget_ms=SHORT_MS)
    got = farm.get_printer(pb["id"])
    assert got["status"] == "auth_failed", got
    assert "cannot be read" in got["status_detail"], got
    assert got["online"] is False, got
