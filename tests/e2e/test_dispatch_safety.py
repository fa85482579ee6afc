"""farm-dispatch --once safety: a crash between marking a print started
and sending the command never leads to a second start; overlapping runs
never both act (the lock); a run with no printers, and a run over broken
printer rows, exit 0 without crashing. See test_dispatch.py.
"""

import fcntl
import os
import signal
import subprocess
import time

import pytest

from dispatch_helpers import (LOCK_MESSAGE, QUIET_MS, SHORT_MS,  # noqa: F401
                              check_clean, dispatch_path, farm, new_serial,
                              project_files, wait_holding_lock)
from printers import bin_dir

# farm-dispatch and farm-deliver act on a whole database: every test
# here runs on a stack of its own (conftest.py).
pytestmark = pytest.mark.own_stack

LONG_JOB = 36000


def status_is(farm, print_id, *wanted):
    p = farm.get_print(print_id)
    return p if p["status"] in wanted else None


def test_crash_after_marking_never_starts_the_print_twice(farm):
    serial = new_serial()
    sim = farm.sim([(serial, "X1C")])
    p = farm.printer(serial)
    w = farm.watch_requests(serial)
    name, _ = farm.upload(seconds=LONG_JOB)
    job = farm.queue(p["id"], name)

    crashed = farm.dispatch(env={"FARM_DISPATCH_CRASH": "after-mark"},
                            check=False)
    assert crashed.returncode in (-signal.SIGABRT, 128 + signal.SIGABRT), \
        crashed
    j = farm.get_print(job["id"])
    assert j["status"] == "started", j          # marked before the crash
    row = farm.print_row(job["id"])
    assert row["dispatch_token"], row
    assert row["dispatch_attempts"] == 1, row
    if farm.stack.backend == "postgresql":
        # the crashed run's leases run out (FARM_LEASE_SECONDS, faked)
        farm.db_write("UPDATE leases SET expires_at = 0")

    # the next runs find it marked but not running: no second start
    for _ in range(2):
        farm.dispatch()
        assert len(project_files(w, job["id"])) <= 1, project_files(w)
        assert farm.get_print(job["id"])["status"] in ("started", "queued")
    assert sim.state(serial)["jobs_started"] <= 1

    # once long enough has passed without the printer showing our task,
    # the print is given back to the queue and started, exactly once
    if sim.state(serial)["jobs_started"] == 0:
        farm.db_write("UPDATE scheduled_prints SET started_at = started_at "
                      "- 600 WHERE id = ? AND status = 'started'",
                      (job["id"],))

    def running():
        st = sim.state(serial)
        j = farm.get_print(job["id"])
        return j if (j["status"] == "started" and
                     st["jobs_started"] == 1 and
                     st["task_id"] == str(job["id"])) else None

    farm.dispatch_until(running, runs=3, what="print running on the sim")
    farm.dispatch()
    assert len(project_files(w, job["id"])) == 1, project_files(w)
    assert sim.state(serial)["jobs_started"] == 1
    assert farm.get_print(job["id"])["status"] == "started"


def test_run_finding_the_lock_held_exits_at_once_doing_nothing(farm):
    serial = new_serial()
    sim = farm.sim([(serial, "X1C")])
    p = farm.printer(serial)
    w = farm.watch_requests(serial)
    name, _ = farm.upload(seconds=LONG_JOB)
    job = farm.queue(p["id"], name)

    pg = farm.stack.backend == "postgresql"
    lock = farm.stack.data_dir / "dispatch.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if pg:   # another live dispatcher holds the printer's lease
            far = int(time.time()) + 3600
            for name in (f"printer:{p['id']}", "dispatcher:other:1:x"):
                farm.db_write("INSERT INTO leases (name, holder, expires_at) "
                              "VALUES (?, 'other:1:x', ?)", (name, far))
        run = farm.dispatch(budget_ms=QUIET_MS if pg else None)
        assert pg or LOCK_MESSAGE in run.stderr, run
        j = farm.get_print(job["id"])
        assert j["status"] == "queued", j
        pr = farm.get_printer(p["id"])
        assert pr["last_seen_at"] is None and pr["status"] == "unknown", pr
        assert sim.state(serial)["jobs_started"] == 0
        assert project_files(w) == []
    finally:
        os.close(fd)
    if pg:   # the other dispatcher stops
        farm.db_write("DELETE FROM leases WHERE holder = 'other:1:x'")
    run = farm.dispatch()
    assert LOCK_MESSAGE not in run.stderr, run
    assert farm.get_print(job["id"])["status"] == "started"
    assert len(project_files(w, job["id"])) == 1


def test_two_overlapping_runs_never_both_act(farm):
    busy, quiet = new_serial(), new_serial()
    sim = farm.sim([(busy, "X1C"), (quiet, "X1C")])
    p = farm.printer(busy)
    farm.printer(quiet)
    # a printer that answers nothing keeps a run going for its whole budget
    sim.control(quiet, {"silent": True})
    sim.wait_state(quiet, lambda s: s["silent"] is True)
    w = farm.watch_requests(busy)
    name, _ = farm.upload(seconds=LONG_JOB)
    job = farm.queue(p["id"], name)

    pg = farm.stack.backend == "postgresql"
    first = farm.start_dispatch("--once")
    try:
        wait_holding_lock(farm.stack, first)
        second = farm.dispatch()
        # SQLite: the second steps aside; PostgreSQL: it may drive only the
        # printers the first does not hold (never the busy one twice)
        assert pg or LOCK_MESSAGE in second.stderr, second
    finally:
        one = farm.finish(first)
    assert LOCK_MESSAGE not in one.stderr, one
    assert farm.get_print(job["id"])["status"] == "started"
    assert len(project_files(w, job["id"])) == 1, project_files(w)

    # and two started together: exactly one acts, the other steps aside
    # (the quiet printer keeps the one that acts going for its budget)
    job2 = farm.queue(p["id"], name, name="second-job")
    sim.control(busy, {"finish_now": True})
    sim.wait_state(busy, lambda s: s["gcode_state"] == "FINISH")
    short = ("--once", "--budget-ms", str(SHORT_MS))
    procs = [farm.start_dispatch(*short) for _ in range(2)]
    runs = [farm.finish(x) for x in procs]
    assert pg or sum(LOCK_MESSAGE in r.stderr for r in runs) == 1, runs
    farm.dispatch_until(
        lambda: farm.get_print(job2["id"])["status"] == "started", runs=2,
        what="second job started", budget_ms=SHORT_MS)
    assert len(project_files(w, job2["id"])) == 1, project_files(w)
    assert len(project_files(w, job["id"])) == 1


def test_once_with_no_printers_exits_0(tmp_path):
    exe = dispatch_path()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items()
           if k not in ("FARM_PRINTER_CA", "FARM_DISPATCH_CRASH")}
    env.update(DATA_DIR=str(data),
               ASAN_OPTIONS="abort_on_error=0:detect_leaks=1",
               UBSAN_OPTIONS="print_stacktrace=1")
    m = subprocess.run([str(bin_dir() / "farmctl"), "migrate"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert m.returncode == 0, m.stderr
    for _ in range(2):
        p = subprocess.run([str(exe), "--once"], env=env, capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL)
        check_clean("farm-dispatch --once", p.stdout + p.stderr)
        assert p.returncode == 0, p.stderr


def test_bad_printer_rows_do_not_crash_it(farm):
    good, cached = new_serial(), new_serial()
    # one card each: both starts upload one file at once
    sim = farm.rack([(good, "X1C"), (cached, "P1S")])
    name, _ = farm.upload(seconds=LONG_JOB)
    pg = farm.printer(good, ftps=sim.ftps[good])
    pc = farm.printer(cached, model="P1S", ftps=sim.ftps[cached])
    bad = {k: farm.printer(new_serial()) for k in
           ("garbage_code", "empty_code", "bad_model", "no_host")}
    jobs = {k: farm.queue(p["id"], name) for k, p in
            list(bad.items()) + [("good", pg), ("cached", pc)]}
    farm.db_write("UPDATE printers SET access_code_sealed = ? WHERE id = ?",
                  ("not-a-sealed-box!!", bad["garbage_code"]["id"]))
    farm.db_write("UPDATE printers SET access_code_sealed = '' WHERE id = ?",
                  (bad["empty_code"]["id"],))
    farm.db_write("UPDATE printers SET model = 'ZZ9' WHERE id = ?",
                  (bad["bad_model"]["id"],))
    farm.db_write("UPDATE printers SET host = '' WHERE id = ?",
                  (bad["no_host"]["id"],))
    farm.db_write("UPDATE printers SET state_json = ? WHERE id = ?",
                  ('{"gcode_state": "RUNNING", "ams": [1, {', pc["id"]))

    # the bad rows' printers never answer: short budgets (the good ones
    # push twice a second)
    farm.dispatch(budget_ms=SHORT_MS)
    for k in bad:
        j = farm.get_print(jobs[k]["id"])
        assert j["status"] == "queued", (k, j)
    farm.dispatch_until(
        lambda: all(farm.get_print(jobs[k]["id"])["status"] == "started"
                    for k in ("good", "cached")), runs=2,
        what="the good printers' prints started", budget_ms=SHORT_MS)
    sim.wait_state(good, lambda s: s["jobs_started"] == 1)
    sim.wait_state(cached, lambda s: s["jobs_started"] == 1)
    farm.dispatch(budget_ms=SHORT_MS)   # and again, with the broken rows
