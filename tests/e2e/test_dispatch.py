"""farm-dispatch --once end to end: the print lifecycle on a simulated
printer (upload, start, completion with real timestamps), priority order,
chained prints started in order and re-timed when the parent starts or ends
early or late, a P1S's pushall interval (--once) and its deltas followed
through a whole print (--watch), and --watch doing the same work until
SIGTERM.

The printers are bambu-sim printers on the shared test broker; the
dispatcher runs exactly as cron runs it, on the stack's DATA_DIR, in pin
mode. Related files: test_dispatch_faults.py (failures, cancels, offline,
locked firmware, certificates), test_dispatch_materials.py (AMS sync,
unassigned prints, filament checks), test_dispatch_safety.py (crash safety,
the lock, bad rows). Helpers: dispatch_helpers.py.
"""

import signal
import time
from datetime import datetime, timezone

import pytest

from dispatch_helpers import (farm, iso_to_epoch, new_serial,  # noqa: F401
                              project_files, wait_until)

# farm-dispatch and farm-deliver act on a whole database: every test
# here runs on a stack of its own (conftest.py).
pytestmark = pytest.mark.own_stack

LONG_JOB = 36000      # simulated seconds: 10 real minutes at x60, i.e.
                      # "still running" until a test says finish_now


def one_printer(farm, model="X1C", time_scale=60, **kw):
    serial = new_serial()
    sim = farm.sim([(serial, model)], time_scale=time_scale, **kw)
    printer = farm.printer(serial, model=model)
    return serial, sim, printer


def iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def test_queued_print_is_uploaded_started_and_completed(farm):
    serial, sim, p = one_printer(farm)
    w = farm.watch_requests(serial)
    name, data = farm.upload(seconds=180, grams=5)     # 3 real s at x60
    job = farm.queue(p["id"], name, estimated_minutes=60, material_slot=0,
                     grams=5)
    assert job["status"] == "queued" and job["started_at"] is None

    t0 = int(time.time())
    farm.dispatch()
    t1 = int(time.time()) + 1

    j = farm.get_print(job["id"])
    assert j["status"] == "started", j
    started = iso_to_epoch(j["started_at"])
    assert t0 <= started <= t1, (t0, j["started_at"], t1)
    assert j["completed_at"] is None and j["failure_reason"] is None

    # uploaded to the printer's FTPS root, whole
    up = farm.ftps.root / name
    assert up.exists(), f"{name} was not uploaded to {farm.ftps.root}"
    assert up.read_bytes() == data

    # one project_file, QoS 1, naming the uploaded file and our task
    cmds = project_files(w, job["id"])
    assert len(cmds) == 1, project_files(w)
    c = cmds[0]
    assert c["url"] == f"file:///sdcard/{name}", c
    assert c["subtask_name"] == job["name"], c
    assert str(c["task_id"]) == str(job["id"]), c
    assert c["param"] == "Metadata/plate_1.gcode", c
    assert w.qos[f"device/{serial}/request"] == 1

    # the printer took it
    sim.wait_state(serial, lambda s: s["jobs_started"] == 1 and
                   s["subtask_name"] == job["name"])

    pr = farm.get_printer(p["id"])
    assert pr["online"] is True, pr
    assert pr["last_seen_at"] is not None
    assert pr["nozzle_temp"] is not None and pr["bed_temp"] is not None
    assert pr["current_print_id"] == job["id"], pr

    # the user prices the synced slot; the cost is recorded at the end
    m0 = farm.material_at(p["id"], 0)
    assert m0 is not None and m0["source"] == "printer", m0
    r = farm.api.put(f"/api/bambu/materials/{m0['id']}",
                     json={"cost_per_kg": 20.00})
    assert r.status_code == 200, r.text

    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH",
                   timeout=60)
    j = farm.dispatch_until(
        lambda: (lambda x: x if x["status"] == "completed" else None)(
            farm.get_print(job["id"])), runs=2, what="print completed")
    done = iso_to_epoch(j["completed_at"])
    assert iso_to_epoch(j["started_at"]) == started     # start kept
    assert done > started, j
    assert done <= int(time.time()) + 1
    assert j["progress_percent"] == 100, j
    assert j["failure_reason"] is None
    assert j["material_cost"] == pytest.approx(0.10), j   # 5 g x 20.00/kg

    pr = farm.get_printer(p["id"])
    assert pr["status"] == "finished", pr
    assert pr["online"] is True

    # the material follows what the printer reports after the job
    sim_trays = sim.state(serial)["trays"]
    m0 = farm.material_at(p["id"], 0)
    assert m0["remaining_percent"] == sim_trays[0]["remain"], (m0, sim_trays)

    kinds = [e["kind"] for e in farm.events(printer_id=p["id"],
                                            print_id=job["id"])]
    assert "print_started" in kinds and "print_completed" in kinds, kinds
    assert len(project_files(w, job["id"])) == 1   # never sent again
    assert sim.state(serial)["jobs_started"] == 1


def test_priority_order_is_honoured(farm):
    serial, sim, p = one_printer(farm)
    w = farm.watch_requests(serial)
    name, _ = farm.upload(seconds=LONG_JOB)
    low = farm.queue(p["id"], name, name="low-first", priority=0)
    high = farm.queue(p["id"], name, name="high-second", priority=5)

    farm.dispatch()
    hi, lo = farm.get_print(high["id"]), farm.get_print(low["id"])
    assert hi["status"] == "started", hi
    assert lo["status"] == "queued", lo
    sim.wait_state(serial, lambda s: s["subtask_name"] == "high-second")

    # while the printer is busy nothing else is sent
    farm.dispatch()
    assert farm.get_print(low["id"])["status"] == "queued"
    assert len(project_files(w)) == 1

    sim.control(serial, {"finish_now": True})
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH")
    lo = farm.dispatch_until(
        lambda: (lambda x: x if x["status"] == "started" else None)(
            farm.get_print(low["id"])), runs=2, what="low started")
    hi = farm.get_print(high["id"])
    assert hi["status"] == "completed", hi
    assert iso_to_epoch(lo["started_at"]) >= iso_to_epoch(hi["completed_at"])
    order = [c["subtask_name"] for c in project_files(w)]
    assert order == ["high-second", "low-first"], order
    sim.wait_state(serial, lambda s: s["subtask_name"] == "low-first")


def test_chained_prints_start_in_order_and_retime_when_parent_ends_early(
        farm):
    serial, sim, p = one_printer(farm)
    w = farm.watch_requests(serial)
    name, _ = farm.upload(seconds=180)          # 3 real s, estimate 60 min
    a = farm.queue(p["id"], name, name="parent", estimated_minutes=60)
    b = farm.queue(p["id"], name, name="child", estimated_minutes=30,
                   chain_after_id=a["id"], chain_offset_minutes=0)
    assert b["status"] == "scheduled" and b["scheduled_at"] is not None

    farm.dispatch()
    a1, b1 = farm.get_print(a["id"]), farm.get_print(b["id"])
    assert a1["status"] == "started", a1
    assert b1["status"] == "scheduled", b1
    # (re-timing at the parent's start: test_chain_retimed_later_when_...)

    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH",
                   timeout=60)
    b2 = farm.dispatch_until(
        lambda: (lambda x: x if x["status"] == "started" else None)(
            farm.get_print(b["id"])), runs=2, what="child started")
    a2 = farm.get_print(a["id"])
    assert a2["status"] == "completed", a2
    ended = iso_to_epoch(a2["completed_at"])
    assert ended < iso_to_epoch(a2["started_at"]) + 60 * 60   # early
    # the child was moved up to the parent's real end (+0 min) and started
    assert iso_to_epoch(b2["scheduled_at"]) == ended, (a2, b2)
    assert iso_to_epoch(b2["started_at"]) >= ended
    assert [c["subtask_name"] for c in project_files(w)] == \
        ["parent", "child"]


def test_chained_child_waits_for_its_offset_after_the_parent(farm):
    serial, sim, p = one_printer(farm)
    name, _ = farm.upload(seconds=120)
    a = farm.queue(p["id"], name, name="first", estimated_minutes=30)
    b = farm.queue(p["id"], name, name="second", estimated_minutes=30,
                   chain_after_id=a["id"], chain_offset_minutes=120)
    farm.dispatch()
    assert farm.get_print(a["id"])["status"] == "started"
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH",
                   timeout=60)
    a2 = farm.dispatch_until(
        lambda: (lambda x: x if x["status"] == "completed" else None)(
            farm.get_print(a["id"])), runs=2, what="parent completed")
    farm.dispatch()          # one more: the child is still not due
    b2 = farm.get_print(b["id"])
    assert b2["status"] == "scheduled", b2
    assert iso_to_epoch(b2["scheduled_at"]) == \
        iso_to_epoch(a2["completed_at"]) + 120 * 60, (a2, b2)
    assert b2["started_at"] is None
    assert sim.state(serial)["jobs_started"] == 1


def test_chain_retimed_later_when_parent_starts_late(farm):
    serial, sim, p = one_printer(farm)
    name, _ = farm.upload(seconds=LONG_JOB)
    two_hours_ago = int(time.time()) - 2 * 3600
    a = farm.queue(p["id"], name, name="late-parent", estimated_minutes=60,
                   scheduled_at=iso(two_hours_ago))
    b = farm.queue(p["id"], name, name="late-child", estimated_minutes=30,
                   chain_after_id=a["id"], chain_offset_minutes=5)
    assert a["status"] == "scheduled"
    assert iso_to_epoch(b["scheduled_at"]) == two_hours_ago + 65 * 60, b

    farm.dispatch()
    a1, b1 = farm.get_print(a["id"]), farm.get_print(b["id"])
    assert a1["status"] == "started", a1
    assert b1["status"] == "scheduled", b1      # due before, but not head
    started = iso_to_epoch(a1["started_at"])
    assert iso_to_epoch(b1["scheduled_at"]) == started + 65 * 60, (a1, b1)

    sim.wait_state(serial, lambda s: s["subtask_name"] == "late-parent")
    sim.control(serial, {"finish_now": True})
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH")
    a2 = farm.dispatch_until(
        lambda: (lambda x: x if x["status"] == "completed" else None)(
            farm.get_print(a["id"])), runs=2, what="parent completed")
    b2 = farm.get_print(b["id"])
    assert iso_to_epoch(b2["scheduled_at"]) == \
        iso_to_epoch(a2["completed_at"]) + 5 * 60, (a2, b2)
    assert b2["status"] == "scheduled", b2       # 5 minutes to go


def test_chain_retimed_when_parent_ends_late(farm):
    """The parent is estimated at 1 minute and runs longer: its child,
    due meanwhile, must wait for the printer and is then re-timed to the
    parent's real end. The runs after the start happen 63 s later by the
    dispatcher's clock (FARM_NOW), not by sleeping."""
    serial, sim, p = one_printer(farm)
    w = farm.watch_requests(serial)
    name, _ = farm.upload(seconds=LONG_JOB)
    a = farm.queue(p["id"], name, name="slow-parent", estimated_minutes=1)
    b = farm.queue(p["id"], name, name="slow-child", estimated_minutes=1,
                   chain_after_id=a["id"], chain_offset_minutes=0)
    farm.dispatch()
    a1 = farm.get_print(a["id"])
    assert a1["status"] == "started", a1
    started = iso_to_epoch(a1["started_at"])

    # past the estimate: the child is due but the printer is still busy
    late = {"FARM_NOW": started + 63}
    farm.dispatch(env=late)
    assert farm.get_print(a["id"])["status"] == "started"
    assert farm.get_print(b["id"])["status"] == "scheduled"
    assert len(project_files(w)) == 1

    sim.control(serial, {"finish_now": True})
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH")
    b2 = farm.dispatch_until(
        lambda: (lambda x: x if x["status"] == "started" else None)(
            farm.get_print(b["id"])), runs=2, what="child started",
        env=late)
    a2 = farm.get_print(a["id"])
    ended = iso_to_epoch(a2["completed_at"])
    assert ended > started + 60                       # ended late
    assert iso_to_epoch(b2["scheduled_at"]) == ended, (a2, b2)
    assert iso_to_epoch(b2["started_at"]) >= ended


def test_p1s_pushall_interval_is_respected_in_once_mode(farm):
    """A P1S may be asked for a full state at most once a minute: --once
    runs in between live on the state cached in the database (plus the
    deltas the printer sends meanwhile) and do not ask again."""
    serial, sim, p = one_printer(farm, model="P1S")
    t0 = int(time.time())
    farm.dispatch(env={"FARM_NOW": t0})
    assert sim.state(serial)["pushalls"] == 1
    pr = farm.get_printer(p["id"])
    assert pr["status"] == "idle" and pr["online"] is True, pr
    for dt in (20, 59):                     # by the dispatcher's clock
        farm.dispatch(env={"FARM_NOW": t0 + dt})
        pr = farm.get_printer(p["id"])
        assert pr["online"] is True and pr["status"] == "idle", pr
    assert sim.state(serial)["pushalls"] == 1, sim.state(serial)
    # a minute on, a new one is due
    farm.dispatch(env={"FARM_NOW": t0 + 60})
    sim.wait_state(serial, lambda s: s["pushalls"] == 2)


def test_p1s_deltas_are_merged_in_watch_mode(farm):
    """--watch asks a P1S for its full state once, on connecting, and then
    follows a whole print on the deltas alone."""
    serial, sim, p = one_printer(farm, model="P1S")
    name, _ = farm.upload(seconds=180, grams=5)
    proc = farm.start_dispatch("--watch", "--interval-s", "1")
    try:
        job = farm.queue(p["id"], name, material_slot=0, grams=5)
        wait_until(lambda: farm.get_print(job["id"])["status"] == "started",
                   timeout=30, what="started by --watch")
        wait_until(lambda: farm.get_printer(p["id"])["status"] in
                   ("preparing", "printing"), timeout=30,
                   what="P1S busy in the API (from deltas)")
        sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH",
                       timeout=60)
        wait_until(lambda: farm.get_print(job["id"])["status"] ==
                   "completed", timeout=30, what="completed by --watch")
        wait_until(lambda: farm.get_printer(p["id"])["status"] ==
                   "finished", timeout=30, what="P1S finished in the API")
        assert sim.state(serial)["pushalls"] == 1, sim.state(serial)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        run = farm.finish(proc, check=False, timeout=30)
    assert run.returncode == 0, run


def test_p1s_print_completes_in_once_mode(farm):
    """In --once mode a P1S print is followed to its end, however the
    pushall interval falls (bounded: runs 15 s apart by the dispatcher's
    clock, FARM_NOW, for at most 90 s)."""
    serial, sim, p = one_printer(farm, model="P1S")
    name, _ = farm.upload(seconds=180)
    job = farm.queue(p["id"], name)
    t0 = int(time.time())
    farm.dispatch(env={"FARM_NOW": t0})
    assert farm.get_print(job["id"])["status"] == "started"
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH",
                   timeout=60)

    for dt in range(15, 91, 15):
        farm.dispatch(env={"FARM_NOW": t0 + dt})
        j = farm.get_print(job["id"])
        assert j["status"] in ("started", "completed"), j
        if j["status"] == "completed":
            break
    assert j["status"] == "completed", \
        f"P1S print not completed in 90 s: {j}"
    assert farm.get_printer(p["id"])["status"] == "finished"
    assert sim.state(serial)["jobs_started"] == 1


def test_watch_mode_runs_the_queue_and_stops_on_sigterm(farm):
    serial, sim, p = one_printer(farm)
    name, _ = farm.upload(seconds=LONG_JOB)
    w = farm.watch_requests(serial)
    proc = farm.start_dispatch("--watch", "--interval-s", "1")
    try:
        job = farm.queue(p["id"], name)
        wait_until(lambda: farm.get_print(job["id"])["status"] == "started",
                   timeout=30, what="started by --watch")
        sim.wait_state(serial, lambda s: s["subtask_name"] == job["name"])
        wait_until(lambda: farm.get_printer(p["id"])["status"] in
                   ("preparing", "printing"), timeout=30,
                   what="printer busy in the API")
        sim.control(serial, {"finish_now": True})
        wait_until(lambda: farm.get_print(job["id"])["status"] ==
                   "completed", timeout=30, what="completed by --watch")
        assert proc.poll() is None, "--watch exited by itself"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        run = farm.finish(proc, check=False, timeout=30)
    assert run.returncode == 0, run
    assert len(project_files(w, job["id"])) == 1
