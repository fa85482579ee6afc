"""Notifications that arrive: the outbox delivered by farm-deliver (the
dispatcher's delivery step, run on its own) to a real SMTP sink (aiosmtpd)
and a real HTTP receiver on loopback.

Events go in the way the dispatcher writes them (`farm-deliver --emit`,
which calls lib/domain/event.c (event_emit) as the printer's owner), preferences
through the API. Time moves forward with FARM_NOW instead of sleeping.

Covered: every event kind reaches each enabled channel and none reaches a
disabled one; Standard Webhooks signatures verify with the secret (the test
recomputes the HMAC, with a generated whsec_ secret and with a user's raw
secret) and a tampered body does not; a receiver that is down, then
answers 500, then is up gets every message, each exactly once with a 2xx
per delivery id, retries carrying the same id and body; Retry-After is
honoured; a 410 disables the webhook (shown on the preferences, re-enabled
by saving the URL); a deliverer killed after sending re-delivers on a later
run under the same id and never records a delivery it did not see; Discord
and Slack bodies; a slow receiver; readable and RFC 2047 subjects; email
over STARTTLS.
"""

import base64
import email.utils
import hashlib
import hmac
import json
import re
import subprocess
import time
import uuid

import pytest

from receivers import SmtpSink, smtp_sink, webhook_receiver  # noqa: F401
from stack import (check_sanitizers, need_bin, need_own_stack,
                   resolve_bin_dir)

# farm-dispatch and farm-deliver act on a whole database: every test
# here runs on a stack of its own (conftest.py).
pytestmark = pytest.mark.own_stack

FROM = "farm@farm.example"
KINDS = {
    # kind: (preference flag, Standard Webhooks type, subject start)
    "print_started": ("on_print_start", "print.started",
                      "Print started on "),
    "print_completed": ("on_print_complete", "print.completed",
                        "Print completed on "),
    "print_failed": ("on_print_failed", "print.failed", "Print failed on "),
    "print_cancelled": ("on_print_failed", "print.cancelled",
                        "Print cancelled on "),
    "material_changed": ("on_material_change", "material.changed",
                         "Material changed on "),
    "material_low": ("on_material_change", "material.low",
                     "Material low on "),
    "maintenance_due": ("on_maintenance", "maintenance.due",
                        "Maintenance due on "),
    "printer_offline": ("on_maintenance", "printer.offline", None),
    "printer_online": ("on_maintenance", "printer.online", None),
    "printer_untrusted": ("on_maintenance", "printer.untrusted", None),
    "printer_auth_failed": ("on_maintenance", "printer.auth_failed", None),
    "printer_needs_developer_mode": ("on_maintenance",
                                     "printer.needs_developer_mode", None),
}
# Titles of the printer_* kinds (the printer's name comes first).
PRINTER_TITLES = {
    "printer_offline": "P1S-02 is offline",
    "printer_online": "P1S-02 is back online",
    "printer_untrusted": "P1S-02 presented an untrusted certificate",
    "printer_auth_failed": "P1S-02 refused our access code",
    "printer_needs_developer_mode": "P1S-02 needs Developer Mode",
}
ALL_OFF = {"on_print_start": False, "on_print_complete": False,
           "on_print_failed": False, "on_maintenance": False,
           "on_material_change": False}
ALL_ON = {k: True for k in ALL_OFF}


def deliver_bin():
    return need_bin(resolve_bin_dir() / "farm-deliver")


def sign(key, msg_id, ts, body):
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def verifies(key, req):
    """The receiver's side of Standard Webhooks, on the raw body."""
    h = req.headers
    want = sign(key, h["webhook-id"], h["webhook-timestamp"], req.body)
    return any(hmac.compare_digest(want, s)
               for s in h.get("webhook-signature", "").split())


def whsec_key(secret):
    assert secret.startswith("whsec_")
    return base64.b64decode(secret[len("whsec_"):])


class Farm:
    """One test's printers, preferences, events and delivery runs."""

    def __init__(self, stack, user, sink, hook):
        self.stack, self.user, self.sink, self.hook = stack, user, sink, hook
        self.now = int(time.time())
        self.printers = []
        self.path = "/hook/" + uuid.uuid4().hex

    @property
    def hook_url(self):
        return self.hook.url(self.path)

    def db(self):
        return self.stack.db().transaction()

    def printer(self, name="P1S-02", **prefs):
        r = self.user.api.post("/api/printers", json={
            "name": name, "model": "P1S",
            "serial": "DLV" + uuid.uuid4().hex[:12].upper(),
            "host": "127.0.0.1", "access_code": "12345678"})
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
        self.printers.append(pid)
        self.secret = None
        if prefs:
            self.secret = self.prefs(pid, **prefs).get("webhook_secret")
        return pid

    def prefs(self, pid, **body):
        r = self.user.api.put(f"/api/bambu/notifications/{pid}", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def run(self, *args, now=None, env=None, check=True):
        need_own_stack(self.stack, "farm-deliver")
        e = self.stack.env()
        e.update({"FARM_SMTP_URL": self.sink.url if self.sink else "",
                  "FARM_MAIL_FROM": FROM,
                  "FARM_NOW": str(self.now if now is None else now)})
        e.update(env or {})
        p = subprocess.run([str(deliver_bin()), *args], env=e,
                           capture_output=True, text=True, timeout=120)
        check_sanitizers("farm-deliver", p.stderr)
        if check:
            assert p.returncode == 0, p.stderr
        return p

    def emit(self, pid, kind, detail=None):
        args = ["--emit", kind, "--printer", str(pid)]
        if detail is not None:
            args += ["--detail", detail]
        return int(self.run(*args).stdout.strip())

    def deliver(self, **kw):
        """A --once run: its counters, or the process when it failed."""
        p = self.run("--once", check=False, **kw)
        if p.returncode == 0:
            m = dict(x.split("=") for x in p.stdout.split())
            return {k: int(v) for k, v in m.items()}
        assert "FARM_DELIVER_CRASH" in kw.get("env", {}), p.stderr
        return p

    def rows(self, pid=None):
        ids = [pid] if pid else self.printers
        with self.db() as c:
            q = ",".join("?" * len(ids))
            return c.execute(
                f"SELECT * FROM outbox WHERE printer_id IN ({q}) ORDER BY id",
                ids).rows()

    def hook_requests(self):
        return [r for r in self.hook.snapshot() if r.path == self.path]

    def cleanup(self):
        if self.printers:
            with self.db() as c:
                q = ",".join("?" * len(self.printers))
                c.execute(f"UPDATE outbox SET status = 'failed' WHERE "
                          f"status = 'pending' AND printer_id IN ({q})",
                          self.printers)
        for pid in self.printers:
            self.user.api.delete(f"/api/printers/{pid}")


@pytest.fixture
def farm(stack, user, smtp_sink, webhook_receiver):
    f = Farm(stack, user, smtp_sink, webhook_receiver)
    try:
        yield f
    finally:
        f.cleanup()


def mails_to(farm, addr):
    return [m for m in farm.sink.messages() if m["To"] == addr]


# --- every kind, every channel ------------------------------------------

def test_every_kind_reaches_every_enabled_channel(farm):
    addr = f"owner-{uuid.uuid4().hex[:8]}@farm.example"
    pid = farm.printer("P1S-02", **ALL_ON, email_enabled=True,
                       email_address=addr, webhook_url=farm.hook_url)
    events = {k: farm.emit(pid, k, detail=f"detail of {k}") for k in KINDS}
    st = farm.deliver()
    assert st["delivered"] == 2 * len(KINDS)

    rows = farm.rows(pid)
    assert len(rows) == 2 * len(KINDS)
    assert all(r["status"] == "delivered" and r["attempts"] == 1 and
               r["delivered_at"] is not None for r in rows)

    got = {}
    for req in farm.hook_requests():
        body = json.loads(req.body)
        got[body["data"]["event"]] = (req, body)
    assert set(got) == set(KINDS)
    for kind, (req, body) in got.items():
        assert body["type"] == KINDS[kind][1]
        assert body["data"]["printer"]["id"] == pid
        assert body["data"]["printer"]["name"] == "P1S-02"
        assert body["data"]["detail"] == f"detail of {kind}"
        assert body["data"]["print"] is None
        assert body["data"]["order"] is None
        assert set(body["data"]) == {"event", "printer", "print", "order",
                                     "detail", "occurred_at"}
        assert body["timestamp"] == body["data"]["occurred_at"]
        assert req.headers["content-type"] == "application/json"
        assert req.headers["user-agent"] == "PrintFarm-Webhooks/1"
        assert verifies(whsec_key(farm.secret), req)
        row = [r for r in rows if r["event_id"] == events[kind] and
               r["channel"] == "webhook"][0]
        assert req.headers["webhook-id"] == row["delivery_id"]

    mails = mails_to(farm, addr)
    assert len(mails) == len(KINDS)
    subjects = {str(m["Subject"]) for m in mails}
    for kind, (_, _, start) in KINDS.items():
        want = (start + "P1S-02" if start else
                PRINTER_TITLES[kind]) + f": detail of {kind}"
        assert want in subjects, (want, subjects)
    for m in mails:
        assert m["From"] == FROM
        assert m["X-RcptTo"] == addr
        assert re.fullmatch(r"<msg_[0-9a-f]{32}@farm\.example>",
                            m["Message-ID"])
        assert m.get_content_type() == "text/plain"
        assert "Printer: P1S-02" in m.get_content()
    # Message-IDs are the rows' delivery ids
    ids = {m["Message-ID"][1:].split("@")[0] for m in mails}
    assert ids == {r["delivery_id"] for r in rows if r["channel"] == "email"}


def test_disabled_kinds_and_channels_send_nothing(farm):
    addr = f"quiet-{uuid.uuid4().hex[:8]}@farm.example"
    pid = farm.printer(**ALL_OFF, email_enabled=True, email_address=addr,
                       webhook_url=farm.hook_url)
    for k in KINDS:
        farm.emit(pid, k)
    assert farm.rows(pid) == []
    farm.deliver()
    assert farm.hook_requests() == []
    assert mails_to(farm, addr) == []

    # one kind on, email off: only the webhook hears about that kind
    farm.prefs(pid, on_print_failed=True, email_enabled=False)
    for k in KINDS:
        farm.emit(pid, k)
    farm.deliver()
    kinds = sorted(json.loads(r.body)["data"]["event"]
                   for r in farm.hook_requests())
    assert kinds == ["print_cancelled", "print_failed"]
    assert mails_to(farm, addr) == []
    # a test message ignores the event flags: every enabled channel
    farm.emit(pid, "test", detail="hello")
    farm.deliver()
    tests = [json.loads(r.body) for r in farm.hook_requests()
             if json.loads(r.body)["type"] == "test"]
    assert len(tests) == 1 and tests[0]["data"]["detail"] == "hello", tests
    assert mails_to(farm, addr) == []
    # webhook removed, email on: only email
    farm.prefs(pid, webhook_url=None, email_enabled=True)
    farm.emit(pid, "print_failed")
    farm.deliver()
    assert len(farm.hook_requests()) == 3
    assert len(mails_to(farm, addr)) == 1


# --- signatures ------------------------------------------------------------

def test_signature_verifies_and_tampering_fails(farm):
    pid = farm.printer(webhook_url=farm.hook_url)
    assert farm.secret.startswith("whsec_")
    assert len(whsec_key(farm.secret)) == 32
    farm.emit(pid, "print_failed", "AMS can't feed filament (0700_8006)")
    farm.deliver()
    (req,) = farm.hook_requests()
    key = whsec_key(farm.secret)
    assert re.fullmatch(r"msg_[0-9a-f]{32}", req.headers["webhook-id"])
    assert req.headers["webhook-timestamp"] == str(farm.now)
    assert verifies(key, req)
    # a tampered body, id, timestamp or key does not verify
    forged = type(req)(req.path, dict(req.headers),
                       req.body.replace(b"print_failed", b"print_complete"))
    assert not verifies(key, forged)
    forged = type(req)(req.path, dict(req.headers), req.body + b" ")
    assert not verifies(key, forged)
    forged.body = req.body
    forged.headers["webhook-timestamp"] = str(farm.now + 1)
    assert not verifies(key, forged)
    assert not verifies(b"x" + key[1:], req)


def test_user_secret_is_used_as_raw_bytes(farm):
    mine = "my-own-signing-secret"
    pid = farm.printer(webhook_url=farm.hook_url, webhook_secret=mine)
    farm.emit(pid, "print_completed")
    farm.deliver()
    (req,) = farm.hook_requests()
    assert verifies(mine.encode(), req)
    # a whsec_ secret of the user's is decoded like a generated one
    key = bytes(range(1, 33))
    farm.prefs(pid, webhook_secret="whsec_" + base64.b64encode(key).decode())
    farm.emit(pid, "print_completed")
    farm.deliver()
    req = farm.hook_requests()[-1]
    assert verifies(key, req)
    assert not verifies(mine.encode(), req)


# --- failures, retries, exactly once per id ---------------------------------

def test_receiver_down_then_500_then_up_loses_nothing(farm):
    pid = farm.printer(**ALL_ON, webhook_url=farm.hook_url)
    farm.hook.down()
    events = [farm.emit(pid, k) for k in
              ("print_started", "print_failed", "material_changed")]
    st = farm.deliver()
    assert st["retried"] == 3 and st["delivered"] == 0
    rows = farm.rows(pid)
    assert all(r["attempts"] == 1 and r["status"] == "pending" and
               r["last_error"] for r in rows)
    ids = {r["id"]: r["delivery_id"] for r in rows}

    # not due yet: a run now sends nothing
    assert farm.deliver()["claimed"] == 0

    # still down at the second attempt
    farm.now += 10
    assert farm.deliver()["retried"] == 3
    # up, but answering 500
    farm.hook.up()
    farm.hook.answer(500)
    farm.now += 400
    assert farm.deliver()["retried"] == 3
    assert len(farm.hook_requests()) == 3
    assert all(r["last_code"] == 500 and r["attempts"] == 3
               for r in farm.rows(pid))
    # healthy
    farm.hook.answer(200)
    farm.now += 2100
    assert farm.deliver()["delivered"] == 3

    rows = farm.rows(pid)
    assert all(r["status"] == "delivered" and r["attempts"] == 4
               for r in rows)
    assert {r["id"]: r["delivery_id"] for r in rows} == ids
    reqs = farm.hook_requests()
    ok = [r.headers["webhook-id"] for r in reqs if r.status == 200]
    assert sorted(ok) == sorted(ids.values())   # each exactly once
    # every retry carried its row's id and the very same body
    by_id = {}
    for r in reqs:
        assert r.headers["webhook-id"] in ids.values()
        by_id.setdefault(r.headers["webhook-id"], set()).add(r.body)
    assert all(len(bodies) == 1 for bodies in by_id.values())
    assert len(events) == 3
    # nothing left to do
    farm.now += 86400
    assert farm.deliver()["claimed"] == 0


def test_retry_after_is_honoured(farm):
    pid = farm.printer(webhook_url=farm.hook_url)
    farm.hook.answer(429, retry_after=3600)
    farm.emit(pid, "print_failed")
    farm.deliver()
    (row,) = farm.rows(pid)
    assert row["last_code"] == 429
    assert row["next_attempt_at"] >= farm.now + 3600
    farm.hook.answer(200)
    farm.now += 600          # the schedule alone would retry by now
    assert farm.deliver()["claimed"] == 0
    farm.now += 3100
    assert farm.deliver()["delivered"] == 1


def test_410_disables_the_webhook(farm):
    pid = farm.printer(webhook_url=farm.hook_url)
    farm.hook.answer(410)
    farm.emit(pid, "print_failed")
    st = farm.deliver()
    assert st["failed"] == 1
    (row,) = farm.rows(pid)
    assert row["status"] == "failed" and row["last_code"] == 410
    got = farm.user.api.get(f"/api/bambu/notifications/{pid}").json()
    assert got["webhook_disabled"] is True
    assert "410" in got["webhook_disabled_reason"]
    assert got["webhook_url"] == farm.hook_url

    # while disabled no row is even written, and nothing is sent
    farm.hook.answer(200)
    farm.emit(pid, "print_failed")
    assert len(farm.rows(pid)) == 1
    farm.now += 86400
    st = farm.deliver()
    assert st["claimed"] == 0 and st["delivered"] == 0
    assert len(farm.hook_requests()) == 1
    # an unrelated PUT keeps it disabled; saving the URL re-enables it
    got = farm.prefs(pid, on_print_start=True)
    assert got["webhook_disabled"] is True
    got = farm.prefs(pid, webhook_url=farm.hook_url)
    assert got["webhook_disabled"] is False
    assert got["webhook_disabled_reason"] is None
    farm.emit(pid, "print_failed")
    assert farm.deliver()["delivered"] == 1
    assert len(farm.hook_requests()) == 2


def test_crash_after_send_redelivers_under_the_same_id(farm):
    addr = f"crash-{uuid.uuid4().hex[:8]}@farm.example"
    pid = farm.printer(webhook_url=farm.hook_url, email_enabled=True,
                       email_address=addr)
    farm.emit(pid, "print_failed", "nozzle clog")
    p = farm.deliver(env={"FARM_DELIVER_CRASH": "after-send"})
    assert p.returncode == 75, p.stderr
    # both were sent, neither recorded as delivered
    assert len(farm.hook_requests()) == 1
    assert len(mails_to(farm, addr)) == 1
    rows = farm.rows(pid)
    assert all(r["status"] == "pending" and r["delivered_at"] is None and
               r["attempts"] == 0 and r["claimed_until"] > farm.now
               for r in rows)
    # the lease still holds: a run right after sends nothing again
    assert farm.deliver()["claimed"] == 0
    # the lease ran out: delivered again, same id, then recorded
    farm.now += 121                 # DELIVER_LEASE_S (120) + 1
    assert farm.deliver()["delivered"] == 2
    reqs = farm.hook_requests()
    assert len(reqs) == 2
    assert reqs[0].headers["webhook-id"] == reqs[1].headers["webhook-id"]
    assert reqs[0].body == reqs[1].body
    mails = mails_to(farm, addr)
    assert len(mails) == 2 and mails[0]["Message-ID"] == mails[1]["Message-ID"]
    assert all(r["status"] == "delivered" for r in farm.rows(pid))


# --- formats, slow receivers, subjects, TLS ---------------------------------

def test_discord_and_slack_formats(farm):
    pid = farm.printer(webhook_url=farm.hook_url, webhook_format="discord")
    got = farm.user.api.get(f"/api/bambu/notifications/{pid}").json()
    assert got["webhook_format"] == "discord"
    farm.emit(pid, "print_failed", "AMS can't feed filament (0700_8006)")
    farm.deliver()
    body = json.loads(farm.hook_requests()[-1].body)
    assert body["content"].startswith(
        "**Print failed on P1S-02: AMS can't feed filament (0700_8006)**")
    assert body["allowed_mentions"] == {"parse": []}

    farm.prefs(pid, webhook_format="slack")
    farm.emit(pid, "print_completed")
    farm.deliver()
    body = json.loads(farm.hook_requests()[-1].body)
    assert set(body) == {"text"}
    assert body["text"].startswith("*Print completed on P1S-02*")

    # null goes back to choosing by URL: a loopback URL is standard
    got = farm.prefs(pid, webhook_format=None)
    assert got["webhook_format"] == "standard"
    r = farm.user.api.put(f"/api/bambu/notifications/{pid}",
                          json={"webhook_format": "teams"})
    assert r.status_code == 422
    assert "webhook_format" in r.json()["error"]["fields"]


def test_format_is_detected_from_the_url(farm):
    """Format detection only: these URLs are never delivered (no run here,
    and the stack is this test's own)."""
    pid = farm.printer()
    # never delivered
    got = farm.prefs(pid, webhook_url="https://discord.com/api/webhooks/1/x")
    assert got["webhook_format"] == "discord"
    # never delivered
    got = farm.prefs(pid,
                     webhook_url="https://hooks.slack.com/services/T/B/X")
    assert got["webhook_format"] == "slack"
    # never delivered
    got = farm.prefs(pid, webhook_url="https://example.com/discord.com")
    assert got["webhook_format"] == "standard"


def test_slow_receiver_still_gets_everything(farm):
    pid = farm.printer(**ALL_ON, webhook_url=farm.hook_url)
    farm.hook.slow(1.0)
    for k in KINDS:
        farm.emit(pid, k)
    assert farm.deliver()["delivered"] == len(KINDS)
    assert len(farm.hook_requests()) == len(KINDS)


def test_subject_with_non_ascii_printer_name(farm):
    addr = f"utf-{uuid.uuid4().hex[:8]}@farm.example"
    pid = farm.printer("Drücker-Ü2 ✓", email_enabled=True, email_address=addr)
    farm.emit(pid, "print_failed", "Spule leer — bitte nachfüllen")
    farm.deliver()
    (m,) = mails_to(farm, addr)
    assert str(m["Subject"]) == ("Print failed on Drücker-Ü2 ✓: Spule leer "
                                 "— bitte nachfüllen")
    raw = [r for r in farm.sink.raw_messages() if addr.encode() in r][0]
    head = raw.split(b"\r\n\r\n")[0] if b"\r\n\r\n" in raw else \
        raw.split(b"\n\n")[0]
    assert b"=?UTF-8?B?" in head
    assert all(b < 0x80 for b in head)


def test_email_over_starttls(farm, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    sink = SmtpSink(tls=(cert, key)).start()
    try:
        addr = f"tls-{uuid.uuid4().hex[:8]}@farm.example"
        pid = farm.printer(email_enabled=True, email_address=addr)
        farm.emit(pid, "print_failed")
        # STARTTLS required but the CA is not trusted: retried, not sent
        st = farm.deliver(env={"FARM_SMTP_URL": sink.url,
                               "FARM_SMTP_STARTTLS": "1"})
        assert st["retried"] == 1
        assert sink.messages() == []
        # the sink refuses clear text (530): retried too
        farm.now += 10
        st = farm.deliver(env={"FARM_SMTP_URL": sink.url})
        assert st["retried"] == 1
        (row,) = farm.rows(pid)
        assert row["last_code"] == 530
        # with its CA: delivered over TLS
        farm.now += 400
        st = farm.deliver(env={"FARM_SMTP_URL": sink.url,
                               "FARM_SMTP_STARTTLS": "1",
                               "FARM_SMTP_CA": str(cert)})
        assert st["delivered"] == 1
        (m,) = sink.messages()
        assert m["X-RcptTo"] == addr
    finally:
        sink.stop()


def test_message_date_is_rfc5322(farm):
    addr = f"date-{uuid.uuid4().hex[:8]}@farm.example"
    pid = farm.printer(email_enabled=True, email_address=addr)
    farm.emit(pid, "print_completed")
    farm.deliver()
    (m,) = mails_to(farm, addr)
    assert email.utils.parsedate_to_datetime(m["Date"]).timestamp() == \
        farm.now
