"""farm-dispatch --once when things go wrong on the printer side: a print
failing mid-way (the decoded reason is recorded, an event and an outbox row
are written), a cancel on the printer's screen, printers that are offline
(nothing listening, or a simulator that dropped off the network), the
authorization firmware ("mqtt message verify failed"), a wrong access code,
a failed upload (back to the queue with the reason; failed after three
refusals) and a printer whose certificate changed (refused until the user
accepts the new one). See test_dispatch.py for the setting.
"""

import json

import pytest

from dispatch_helpers import (QUIET_MS, farm, iso_to_epoch,  # noqa: F401
                              new_serial, project_files)
from printers import FtpsServer, Watcher
import sealing
from receivers import webhook_receiver  # noqa: F401

# farm-dispatch and farm-deliver act on a whole database: every test
# here runs on a stack of its own (conftest.py).
pytestmark = pytest.mark.own_stack

LONG_JOB = 36000
AMS_CANT_FEED = 117473286             # 0x07008006
CANCELLED = 50348044                  # 0x0300400C


def one_printer(farm, model="X1C", **kw):
    serial = new_serial()
    sim = farm.sim([(serial, model)], **kw)
    printer = farm.printer(serial, model=model)
    return serial, sim, printer


def status_is(farm, print_id, *wanted):
    p = farm.get_print(print_id)
    return p if p["status"] in wanted else None


def start_long_job(farm, serial, sim, printer, **fields):
    name, _ = farm.upload(seconds=LONG_JOB)
    job = farm.queue(printer["id"], name, **fields)
    farm.dispatch()
    assert farm.get_print(job["id"])["status"] == "started"
    sim.wait_state(serial, lambda s: s["subtask_name"] == job["name"] and
                   s["gcode_state"] in ("PREPARE", "RUNNING"))
    return job


def test_failed_print_records_the_decoded_reason(farm, webhook_receiver):
    serial, sim, p = one_printer(farm)
    hook = webhook_receiver.url("/farm")
    r = farm.api.put(f"/api/bambu/notifications/{p['id']}",
                     json={"webhook_url": hook})
    assert r.status_code == 200, r.text
    job = start_long_job(farm, serial, sim, p)

    sim.control(serial, {"fail": {"print_error": AMS_CANT_FEED}})
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FAILED")
    j = farm.dispatch_until(lambda: status_is(farm, job["id"], "failed"),
                            runs=2, what="print failed")
    assert "0700_8006" in (j["failure_reason"] or ""), j
    assert j["completed_at"] is None or \
        iso_to_epoch(j["completed_at"]) >= iso_to_epoch(j["started_at"])

    pr = farm.get_printer(p["id"])
    assert pr["status"] == "failed", pr
    assert "0700_8006" in (pr["status_detail"] or ""), pr

    ev = farm.events(printer_id=p["id"], kind="print_failed")
    assert [e["print_id"] for e in ev] == [job["id"]], ev
    hooks = [o for o in farm.outbox(p["id"]) if o["channel"] == "webhook"
             and "fail" in o["event"]]
    assert len(hooks) == 1, farm.outbox(p["id"])
    # the URL is stored sealed for its outbox row
    assert hook not in hooks[0]["target"]
    assert sealing.open_v2(sealing.read_key(farm.stack.data_dir),
                           hooks[0]["target"],
                           f"outbox.target:{hooks[0]['id']}") == hook
    payload = json.loads(hooks[0]["payload"])
    assert payload["print"]["id"] == job["id"], payload
    assert payload["printer"]["serial"] == serial, payload
    # the same dispatcher run delivered it, signed
    got = [q for q in webhook_receiver.wait_for(1) if q.path == "/farm"]
    assert len(got) == 1, got
    assert got[0].headers["webhook-id"].startswith("msg_")
    assert json.loads(got[0].body)["data"]["print"]["id"] == job["id"]
    assert farm.outbox(p["id"])[0]["delivered_at"] is not None

    # a failed printer is free again: the next run does not resend
    farm.dispatch()
    assert farm.get_print(job["id"])["status"] == "failed"


def test_cancel_on_the_printer_becomes_cancelled(farm):
    serial, sim, p = one_printer(farm)
    job = start_long_job(farm, serial, sim, p)

    sim.control(serial, {"cancel": True})
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FAILED" and
                   s["print_error"] == CANCELLED)
    j = farm.dispatch_until(
        lambda: status_is(farm, job["id"], "cancelled", "failed"), runs=2,
        what="print ended")
    assert j["status"] == "cancelled", j
    assert "cancel" in (j["failure_reason"] or "").lower(), j
    assert j["completed_at"] is not None
    assert farm.events(printer_id=p["id"], kind="print_cancelled"), \
        farm.events(printer_id=p["id"])
    assert not farm.events(printer_id=p["id"], kind="print_failed")


def test_offline_printer_nothing_listening_keeps_prints_queued(farm,
                                                               dead_port):
    dead = dead_port
    p = farm.printer(new_serial(), port=dead, ftp_port=dead)
    name, _ = farm.upload()
    job = farm.queue(p["id"], name)

    farm.dispatch(budget_ms=QUIET_MS)
    pr = farm.get_printer(p["id"])
    assert pr["status"] == "offline", pr
    assert pr["online"] is False
    j = farm.get_print(job["id"])
    assert j["status"] == "queued" and j["started_at"] is None, j
    assert farm.print_row(job["id"])["dispatch_attempts"] == 0

    farm.dispatch(budget_ms=QUIET_MS)
    assert farm.get_print(job["id"])["status"] == "queued"
    assert farm.get_printer(p["id"])["status"] == "offline"


def test_printer_that_drops_off_keeps_prints_queued_and_comes_back(farm):
    serial, sim, p = one_printer(farm)
    w = farm.watch_requests(serial)
    farm.dispatch()
    pr = farm.get_printer(p["id"])
    assert pr["online"] is True and pr["status"] == "idle", pr

    sim.control(serial, {"offline": True})
    sim.wait_state(serial, lambda s: s["online"] is False)
    name, _ = farm.upload()
    job = farm.queue(p["id"], name)

    def offline():
        j = farm.get_print(job["id"])
        assert j["status"] == "queued", j          # after every run
        pr = farm.get_printer(p["id"])
        return pr if pr["status"] == "offline" else None

    no_grace = {"FARM_OFFLINE_GRACE": 0}  # test_dispatch_notify: the grace
    pr = farm.dispatch_until(offline, runs=3, what="printer offline",
                             env=no_grace, budget_ms=QUIET_MS)
    assert pr["online"] is False, pr
    assert project_files(w) == [], "a start was sent to an offline printer"
    assert sim.state(serial)["jobs_started"] == 0
    assert farm.events(printer_id=p["id"], kind="printer_offline")

    sim.control(serial, {"offline": False})
    sim.wait_state(serial, lambda s: s["online"] is True)
    farm.dispatch_until(lambda: status_is(farm, job["id"], "started"),
                        runs=3, what="print started after reconnect",
                        env=no_grace)
    pr = farm.get_printer(p["id"])
    assert pr["online"] is True, pr
    assert farm.events(printer_id=p["id"], kind="printer_online")
    sim.wait_state(serial, lambda s: s["jobs_started"] == 1)


@pytest.mark.parametrize("model", ["X1C", "P1S"])
def test_locked_firmware_printer_gets_nothing_and_says_why(farm, model):
    serial, sim, p = one_printer(farm, model=model)
    w = farm.watch_requests(serial)
    sim.control(serial, {"locked": True})
    sim.wait_state(serial, lambda s: s["locked"] is True)
    name, _ = farm.upload()
    job = farm.queue(p["id"], name)

    for _ in range(4):          # more runs than the refusal limit
        farm.dispatch()
        j = farm.get_print(job["id"])
        assert j["status"] == "queued", j
    pr = farm.get_printer(p["id"])
    assert pr["status"] == "needs_developer_mode", pr
    assert "developer mode" in (pr["status_detail"] or "").lower(), pr
    st = sim.state(serial)
    assert st["jobs_started"] == 0, st
    # at most the one probe that revealed the firmware, never a retry
    assert len(project_files(w)) <= 1, project_files(w)
    assert farm.print_row(job["id"])["dispatch_attempts"] <= 1
    assert farm.events(printer_id=p["id"],
                       kind="printer_needs_developer_mode")


def test_wrong_access_code_is_auth_failed(farm):
    p = farm.printer(new_serial(), access_code="87654321")
    name, _ = farm.upload()
    job = farm.queue(p["id"], name)
    farm.dispatch()
    pr = farm.get_printer(p["id"])
    assert pr["status"] == "auth_failed", pr
    assert pr["status_detail"], pr
    assert farm.get_print(job["id"])["status"] == "queued"
    assert farm.events(printer_id=p["id"], kind="printer_auth_failed")


def test_failed_upload_goes_back_to_the_queue_then_fails(farm, dead_port):
    serial = new_serial()
    sim = farm.sim([(serial, "X1C")])
    p = farm.printer(serial, ftp_port=dead_port)       # no FTPS there
    w = farm.watch_requests(serial)
    name, _ = farm.upload()
    job = farm.queue(p["id"], name)

    farm.dispatch()
    j = farm.get_print(job["id"])
    row = farm.print_row(job["id"])
    assert j["status"] == "queued", j
    assert j["started_at"] is None, j
    assert row["dispatch_attempts"] == 1, row
    assert row["last_dispatch_error"], row
    assert farm.events(print_id=job["id"], kind="print_start_refused")

    j = farm.dispatch_until(lambda: status_is(farm, job["id"], "failed"),
                            runs=2, what="failed after 3 refusals")
    assert j["failure_reason"], j
    assert farm.print_row(job["id"])["dispatch_attempts"] == 3
    assert project_files(w) == [], "started without the file uploaded"
    assert sim.state(serial)["jobs_started"] == 0


def test_changed_certificate_is_refused_until_accepted(
        farm, private_broker, printer_pki, tmp_path):
    ftps = FtpsServer(tmp_path / "ftps", printer_pki.default).start()
    try:
        _changed_certificate(farm, private_broker, ftps)
    finally:
        ftps.stop()


def _changed_certificate(farm, broker, ftps):
    serial = new_serial()
    farm.sim([(serial, "X1C")], broker_=broker, ftp_root=ftps.root)
    p = farm.printer(serial, broker=broker, ftps=ftps)
    farm.dispatch()
    pr = farm.get_printer(p["id"])
    assert pr["status"] == "idle" and pr["online"] is True, pr
    old_pin = broker.pin
    row = farm.query("SELECT cert_fingerprint FROM printers WHERE id = ?",
                     (p["id"],))[0]
    assert row["cert_fingerprint"] == old_pin, row

    broker.restart()                      # same port, a new key
    assert broker.pin != old_pin
    state = Watcher(broker, [f"sim/{serial}/state"])
    w = Watcher(broker, [f"device/{serial}/request"], qos=1)
    try:
        name, _ = farm.upload()
        job = farm.queue(p["id"], name)
        farm.dispatch()
        pr = farm.get_printer(p["id"])
        assert pr["status"] == "untrusted_certificate", pr
        assert "certificate" in (pr["status_detail"] or "").lower(), pr
        assert farm.get_print(job["id"])["status"] == "queued"
        assert farm.query("SELECT cert_fingerprint FROM printers "
                          "WHERE id = ?", (p["id"],))[0][
                              "cert_fingerprint"] == old_pin
        assert farm.events(printer_id=p["id"], kind="printer_untrusted")
        farm.dispatch()                    # still refused
        assert farm.get_printer(p["id"])["status"] == \
            "untrusted_certificate"
        assert farm.get_print(job["id"])["status"] == "queued"
        assert project_files(w) == []
        assert not (ftps.root / name).exists()

        # the user accepts the new certificate (FTPS moved to it too) by
        # saving the access code again, which clears the pin
        ftps.restart(broker.cert)
        r = farm.api.put(f"/api/printers/{p['id']}",
                         json={"access_code": "12345678"})
        assert r.status_code == 200, r.text
        state.wait_for(lambda t, pl: json.loads(pl).get("online") is True,
                       timeout=30)
        farm.dispatch_until(lambda: status_is(farm, job["id"], "started"),
                            runs=3, what="started after accepting")
        assert farm.query("SELECT cert_fingerprint FROM printers "
                          "WHERE id = ?", (p["id"],))[0][
                              "cert_fingerprint"] == broker.pin
        assert (ftps.root / name).exists()
        assert len(project_files(w, job["id"])) == 1
    finally:
        state.close()
        w.close()


def test_ca_mode_checks_the_serial_against_the_certificate(
        farm, private_broker, printer_pki, tmp_path):
    """With FARM_PRINTER_CA set the chain is verified and the certificate
    must name the printer's serial: the printer it names works, another
    printer behind the same certificate is refused."""
    serial, stranger = new_serial(), new_serial()
    cert = printer_pki.issue(serial, name=f"ca-{serial}")
    private_broker.restart(cert=cert)
    ftps = FtpsServer(tmp_path / "ftps", cert).start()
    try:
        farm.sim([(serial, "X1C"), (stranger, "X1C")], broker_=private_broker,
                 ftp_root=ftps.root)
        p = farm.printer(serial, broker=private_broker, ftps=ftps)
        q = farm.printer(stranger, broker=private_broker, ftps=ftps)
        name, _ = farm.upload(seconds=LONG_JOB)
        mine = farm.queue(p["id"], name)
        theirs = farm.queue(q["id"], name)
        env = {"FARM_PRINTER_CA": str(printer_pki.ca)}
        farm.dispatch_until(lambda: status_is(farm, mine["id"], "started"),
                            runs=2, what="started in CA mode", env=env)
        assert (ftps.root / name).exists()
        pq = farm.get_printer(q["id"])
        assert pq["status"] == "untrusted_certificate", pq
        assert farm.get_print(theirs["id"])["status"] == "queued"
    finally:
        ftps.stop()
