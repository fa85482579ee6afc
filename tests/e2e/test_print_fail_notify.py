"""A print marked failed through the API notifies its owner: the job module
emits print_failed with the reason whoever moved the print, so
`PUT /api/bambu/scheduled-prints/<id>` with status failed reaches the
owner's email (a real aiosmtpd sink) and webhook (a real HTTP receiver),
both on loopback, through the dispatcher's delivery step (farm-deliver
--once, as test_delivery.py runs it). The printer's address is a loopback
port nothing listens on: nothing here talks to a printer.
"""

import json
import uuid

import pytest

from receivers import smtp_sink, webhook_receiver  # noqa: F401
from test_delivery import Farm, mails_to

# farm-deliver acts on a whole database: a stack of the test's own
pytestmark = pytest.mark.own_stack

BASE = "/api/bambu/scheduled-prints"
REASON = "spaghetti on the bed (seen on the camera)"


def make_printer(farm, addr, port):
    r = farm.user.api.post("/api/printers", json={
        "name": "P1S-09", "model": "P1S",
        "serial": "FLN" + uuid.uuid4().hex[:12].upper(),
        "host": "127.0.0.1", "port": port,
        "access_code": "12345678"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    farm.printers.append(pid)
    farm.prefs(pid, on_print_start=False, on_print_complete=False,
               on_print_failed=True, on_maintenance=False,
               on_material_change=False, email_enabled=True,
               email_address=addr, webhook_url=farm.hook_url)
    return pid


def make_print(farm, pid):
    api = farm.user.api
    name = f"part-{uuid.uuid4().hex[:8]}.3mf"
    r = api.put(f"/api/files/{name}", data=b"; gcode\nG28\n",
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text
    r = api.post(BASE, json={"printer_id": pid, "name": "bracket",
                             "file": name, "estimated_minutes": 60})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def put_status(farm, job, **body):
    r = farm.user.api.put(f"{BASE}/{job}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_print_failed_through_the_api_reaches_email_and_webhook(
        stack, user, smtp_sink, webhook_receiver, dead_port):
    farm = Farm(stack, user, smtp_sink, webhook_receiver)
    try:
        addr = f"owner-{uuid.uuid4().hex[:8]}@farm.example"
        pid = make_printer(farm, addr, dead_port)
        job = make_print(farm, pid)
        put_status(farm, job, status="started")
        assert put_status(farm, job, status="failed",
                          failure_reason=REASON)["status"] == "failed"

        with farm.db() as c:
            kinds = [r["kind"] for r in c.execute(
                "SELECT kind FROM events WHERE print_id = ? ORDER BY id",
                (job,)).rows()]
        # started then failed: one event each, no duplicate
        assert kinds == ["print_started", "print_failed"]

        farm.deliver()
        # on_print_start is off: print_failed only, on both channels
        rows = farm.rows(pid)
        assert sorted(r["channel"] for r in rows) == ["email", "webhook"]
        assert all(r["event"] == "print_failed" and
                   r["status"] == "delivered" for r in rows)

        hooks = farm.hook_requests()
        assert len(hooks) == 1
        body = json.loads(hooks[0].body)
        assert body["type"] == "print.failed"
        assert body["data"]["event"] == "print_failed"
        assert body["data"]["detail"] == REASON
        assert body["data"]["print"]["id"] == job
        assert body["data"]["print"]["status"] == "failed"
        assert body["data"]["printer"]["id"] == pid

        mails = mails_to(farm, addr)
        assert len(mails) == 1
        assert mails[0]["Subject"].startswith("Print failed on ")
        assert REASON in mails[0].get_content()
    finally:
        farm.cleanup()
