"""farm-dispatch end to end, the short version: a queued print uploaded,
started and completed through bambu-sim; a cancel on the printer; an offline
printer. (The full suite is tests/e2e/test_dispatch*.py.)"""

import os
import subprocess
import uuid

import pytest

from dispatch_helpers import wait_holding_lock
from helpers import new_print, new_printer
from printers import bin_dir
from stack import need_bin, need_own_stack


# farm-dispatch and farm-deliver act on a whole database: every test
# here runs on a stack of its own (conftest.py).
pytestmark = pytest.mark.own_stack


def dispatch(stack, *args, env=None):
    """Runs farm-dispatch --once on the stack's data; returns the process."""
    need_own_stack(stack, "farm-dispatch")
    e = stack.env()
    e.update(env or {})
    e.pop("FARM_PRINTER_CA", None)
    p = subprocess.run([str(need_bin(bin_dir() / "farm-dispatch")), "--once",
                        *args],
                       capture_output=True, text=True, env=e, timeout=60)
    assert "ERROR: AddressSanitizer" not in p.stderr, p.stderr
    assert "runtime error:" not in p.stderr, p.stderr
    assert p.returncode == 0, p.stderr
    return p


def events(stack, printer_id):
    return [r["kind"] for r in stack.query(
        "SELECT kind FROM events WHERE printer_id = ? ORDER BY id",
        (printer_id,))]


def get_print(user, printer_id, print_id):
    r = user.api.get(f"/api/bambu/scheduled-prints/{printer_id}")
    assert r.status_code == 200, r.text
    return next(p for p in r.json()["prints"] if p["id"] == print_id)


def sim_printer(user, broker, ftps_server, serial, model="X1C"):
    return new_printer(user.api, name=serial, model=model, serial=serial,
                       port=broker.port, ftp_port=ftps_server.port)


def upload(user, seconds=60):
    name = f"smoke-{uuid.uuid4().hex[:8]}.gcode.3mf"
    data = (b"PK\x03\x04 fake plate "
            + f'<metadata key="prediction" value="{seconds}"/>'.encode()
            + b'<metadata key="weight" value="12"/>')
    r = user.api.put(f"/api/files/{name}", data=data,
                     headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text
    return name


def test_queued_print_is_uploaded_started_and_completed(
        stack, user, broker, ftps_server, bambu_sim):
    serial = "SMK" + uuid.uuid4().hex[:8].upper()
    sim = bambu_sim(printers=[(serial, "X1C")], time_scale=60)
    printer = sim_printer(user, broker, ftps_server, serial)
    name = upload(user, seconds=120)
    job = new_print(user.api, printer["id"], file=name, name="smoke-job")

    dispatch(stack)
    got = get_print(user, printer["id"], job["id"])
    assert got["status"] == "started", got
    assert (ftps_server.root / name).stat().st_size > 0
    st = sim.wait_state(serial, lambda s: s.get("file") == name)
    assert st["task_id"] == str(job["id"])
    p = user.api.get(f"/api/printers/{printer['id']}").json()
    assert p["online"] is True and p["current_print_id"] == job["id"], p

    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH",
                   timeout=30)
    dispatch(stack)
    got = get_print(user, printer["id"], job["id"])
    assert got["status"] == "completed", got
    assert got["progress_percent"] == 100
    kinds = events(stack, printer["id"])
    assert "print_started" in kinds and "print_completed" in kinds, kinds
    p = user.api.get(f"/api/printers/{printer['id']}").json()
    assert p["status"] == "finished" and p["current_print_id"] is None, p


def test_cancel_on_the_printer_is_cancelled(
        stack, user, broker, ftps_server, bambu_sim):
    serial = "SMK" + uuid.uuid4().hex[:8].upper()
    sim = bambu_sim(printers=[(serial, "X1C")], time_scale=1)
    printer = sim_printer(user, broker, ftps_server, serial)
    name = upload(user, seconds=3600)
    job = new_print(user.api, printer["id"], file=name, name="long-job")

    dispatch(stack)
    sim.wait_state(serial, lambda s: s["gcode_state"] in ("PREPARE",
                                                          "RUNNING"))
    sim.control(serial, {"cancel": True})
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FAILED")
    dispatch(stack)
    got = get_print(user, printer["id"], job["id"])
    assert got["status"] == "cancelled", got
    assert got["failure_reason"] == "cancelled on the printer"
    assert "print_cancelled" in events(stack, printer["id"])


def test_offline_printer_keeps_its_print_queued(stack, user, ftps_server,
                                                dead_port):
    printer = new_printer(user.api, name="gone", model="P1S",
                          serial="OFF" + uuid.uuid4().hex[:8].upper(),
                          port=dead_port, ftp_port=ftps_server.port)
    name = upload(user)
    job = new_print(user.api, printer["id"], file=name)

    dispatch(stack, "--budget-ms", "1500")
    p = user.api.get(f"/api/printers/{printer['id']}").json()
    assert p["status"] == "offline" and p["online"] is False, p
    assert p["status_detail"]
    got = get_print(user, printer["id"], job["id"])
    assert got["status"] == "queued", got


def test_second_run_while_locked_exits_at_once(stack):
    import fcntl
    with open(stack.data_dir / "dispatch.lock", "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        p = dispatch(stack)
    if stack.backend == "postgresql":
        # no lock file: dispatchers share the printers by leases
        # (test_dispatch_safety, test_scale_out)
        assert "another run holds the lock" not in p.stderr
    else:
        assert "another run holds the lock" in p.stderr
        assert os.path.exists(stack.data_dir / "dispatch.lock")


def test_watch_starts_and_completes_then_stops_on_sigterm(
        stack, user, broker, ftps_server, bambu_sim):
    import signal
    import time
    serial = "SMK" + uuid.uuid4().hex[:8].upper()
    sim = bambu_sim(printers=[(serial, "P1S")], time_scale=60)
    printer = sim_printer(user, broker, ftps_server, serial, model="P1S")
    name = upload(user, seconds=120)
    job = new_print(user.api, printer["id"], file=name, name="watch-job")
    e = stack.env()
    e.pop("FARM_PRINTER_CA", None)
    proc = subprocess.Popen(
        [str(bin_dir() / "farm-dispatch"), "--watch", "--interval-s", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=e)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            status = get_print(user, printer["id"], job["id"])["status"]
            if status == "completed":
                break
            time.sleep(0.5)
        assert status == "completed"
        assert sim.state(serial)["task_id"] == str(job["id"])
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "merged" in err and "AddressSanitizer" not in err, err


def test_watch_picks_up_a_printer_added_while_it_runs(
        stack, user, broker, ftps_server, bambu_sim):
    import signal
    import time
    serial = "SMK" + uuid.uuid4().hex[:8].upper()
    sim = bambu_sim(printers=[(serial, "X1C")], time_scale=60)
    e = stack.env()
    e.pop("FARM_PRINTER_CA", None)
    proc = subprocess.Popen(
        [str(bin_dir() / "farm-dispatch"), "--watch", "--interval-s", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=e)
    try:
        # running (it loads the printers right after taking the lock), with
        # no such printer yet
        wait_holding_lock(stack, proc)
        printer = sim_printer(user, broker, ftps_server, serial)
        name = upload(user, seconds=60)
        job = new_print(user.api, printer["id"], file=name, name="late")
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            status = get_print(user, printer["id"], job["id"])["status"]
            if status == "completed":
                break
            time.sleep(0.5)
        assert status == "completed"
        assert sim.state(serial)["task_id"] == str(job["id"])
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
