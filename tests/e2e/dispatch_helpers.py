"""Shared helpers for the farm-dispatch end-to-end tests (test_dispatch*.py).

The tests drive the real thing: printers created through the API point at
the test broker and FTPS server from printers.py (host 127.0.0.1, port =
broker port, ftp_port = FTPS port, access code "12345678"), bambu-sim plays
the printers, and `farm-dispatch --once` runs as cron would, with the
stack's DATA_DIR. Everything the tests look at comes from the API, the
simulator's own view (sim/<SERIAL>/state), the MQTT request topic, the FTPS
root, or (for events/outbox) a read-only look at the SQLite database.

    Farm (fixture `farm`): one test's user, printers, sims and dispatcher
        .printer(serial, model, ...)  printer row via POST /api/printers
        .sim(printers, ...)           bambu-sim on the shared broker
        .rack(printers)               one sim and one FTPS server per printer
        .upload(seconds, grams)       a small real 3MF via PUT /api/files
        .queue(printer_id, file, ...) POST /api/bambu/scheduled-prints
        .dispatch(...)                farm-dispatch --once -> Run
        .dispatch_until(pred, ...)    --once runs until pred() (bounded)
        .get_print / .get_printer / .materials / .events / .outbox
    wait_until(pred, timeout, what)  bounded polling
    project_files(watcher, ...)      project_file commands seen on MQTT

Every farm-dispatch run is checked for sanitizer reports. A --once run
dials every printer in the database, so each test using `farm` runs on a
stack of its own (mark it own_stack; Farm checks): another test's printers
never cost it a budget. Printers and pending prints a test made are still
removed when it ends.
"""

import io
import json
import os
import subprocess
import time
import uuid
import zipfile
from datetime import datetime, timezone

import pytest

from printers import (ACCESS_CODE, SANITIZER_MARKERS, FtpsServer, bin_dir,
                      tail)
from stack import need_bin, need_own_stack

# Simulator options that keep the tests quick: idle/busy pushes twice a
# second or more (so a --once run always sees a frame in its budget), a short
# PREPARE, and print_error codes held long enough for a run to see them.
FAST = ["--idle-push", "0.5", "--busy-push", "0.3", "--prepare-seconds", "2",
        "--error-hold", "30"]
LOCK_MESSAGE = "another run holds the lock"
RUN_TIMEOUT = 90
# --budget-ms for a run in which every printer is expected to stay silent or
# unreachable: such a printer keeps a --once run going for its whole budget
# (4 s by default), and the test learns nothing more by waiting.
QUIET_MS = 300
# --budget-ms for a run where some printers are silent and the others must
# still answer: every sim pushes at least twice a second (FAST).
SHORT_MS = 1500


def dispatch_path():
    """$FARM_BIN_DIR/farm-dispatch; the test fails when it is not built."""
    return need_bin(bin_dir() / "farm-dispatch")


def new_serial(prefix="DT"):
    """A unique serial the simulator and the API both accept."""
    return prefix + uuid.uuid4().hex[:12].upper()


def iso_to_epoch(s):
    """'2026-11-23T19:27:08Z' -> int seconds; None stays None."""
    if s is None:
        return None
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=timezone.utc).timestamp())


def wait_until(pred, timeout=20.0, what="condition", interval=0.1):
    """Polls pred() until it returns something truthy (returned) or
    timeout seconds pass (AssertionError naming what)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not true within {timeout}s "
                                 f"(last: {last!r})")
        time.sleep(interval)


def lock_holders(path):
    """pids holding a flock on path, from /proc/locks."""
    ino = os.stat(path).st_ino
    pids = set()
    with open("/proc/locks") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[1] == "FLOCK":
                dev_ino = parts[5].split(":")
                if len(dev_ino) == 3 and dev_ino[2] == str(ino):
                    pids.add(int(parts[4]))
    return pids


def holds_leases(stack, pid):
    """PostgreSQL: whether dispatcher process pid has its heartbeat lease
    (it writes it before it first loads its printers)."""
    return any(f":{pid}:" in r["holder"] for r in stack.query(
        "SELECT holder FROM leases WHERE name LIKE 'dispatcher:%'"))


def wait_holding_lock(stack, proc, timeout=30):
    """Waits until farm-dispatch proc holds DATA_DIR/dispatch.lock on
    SQLite (it takes it before it first loads the printers), its leases on
    PostgreSQL; fails if it exits first."""
    lock = stack.data_dir / "dispatch.lock"
    if stack.backend == "postgresql":
        held = lambda: holds_leases(stack, proc.pid)   # noqa: E731
    else:
        held = lambda: lock.exists() and proc.pid in lock_holders(lock)  # noqa
    wait_until(lambda: proc.poll() is not None or held(),
               timeout=timeout, what="farm-dispatch holds the lock",
               interval=0.005)
    assert proc.poll() is None, "farm-dispatch ended before it was seen " \
        "holding the lock"


def make_3mf(seconds=None, grams=None, plate_gcode=b"; fake gcode\nG28\n"):
    """A small real 3MF (zip, entries stored uncompressed) whose
    Metadata/slice_info.config carries the slicer's prediction (seconds)
    and weight (grams), which bambu-sim reads to size the job."""
    meta = ['<?xml version="1.0" encoding="UTF-8"?>', "<config>",
            '  <plate>', '    <metadata key="index" value="1"/>']
    if seconds is not None:
        meta.append(f'    <metadata key="prediction" value="{int(seconds)}"/>')
    if grams is not None:
        meta.append(f'    <metadata key="weight" value="{grams}"/>')
    meta += ["  </plate>", "</config>", ""]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types/>')
        z.writestr("Metadata/slice_info.config", "\n".join(meta))
        z.writestr("Metadata/plate_1.gcode", plate_gcode)
    return buf.getvalue()


def project_files(watcher, print_id=None, name=None):
    """The project_file commands recorded by a Watcher on
    device/<SERIAL>/request (decoded "print" objects), optionally only
    those for our print (task_id == str(print_id) or subtask_name ==
    name)."""
    out = []
    with watcher.cond:
        msgs = list(watcher.messages)
    for topic, payload in msgs:
        if not topic.endswith("/request"):
            continue
        try:
            d = json.loads(payload)
        except ValueError:
            continue
        p = d.get("print") if isinstance(d, dict) else None
        if not isinstance(p, dict) or p.get("command") != "project_file":
            continue
        if print_id is not None or name is not None:
            if not (str(p.get("task_id")) == str(print_id) or
                    (name is not None and p.get("subtask_name") == name)):
                continue
        out.append(p)
    return out


class Run:
    """One finished farm-dispatch process."""

    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self):
        return (f"farm-dispatch {' '.join(self.args)} -> {self.returncode}\n"
                f"--- stdout:\n{self.stdout[-3000:]}\n"
                f"--- stderr:\n{self.stderr[-3000:]}")


def check_clean(what, text):
    for m in SANITIZER_MARKERS:
        if m in text:
            i = text.find(m)
            raise AssertionError(f"sanitizer report from {what}:\n"
                                 f"{text[max(0, i - 200):i + 4000]}")


class Farm:
    """One test's view of the farm: its user, printers, sims, files."""

    def __init__(self, stack, user, broker, ftps_server, bambu_sim,
                 mqtt_watch, tmp_path):
        self.stack = stack
        self.user = user
        self.api = user.api
        self.broker = broker
        self.ftps = ftps_server
        self._bambu_sim = bambu_sim
        self._mqtt_watch = mqtt_watch
        self.tmp = tmp_path
        self.printers = []        # (api, id) made by this test
        self._servers = []        # own_ftps() servers
        self.apis = [user.api]
        self.exe = dispatch_path()
        need_own_stack(stack, "farm-dispatch")

    # --- the dispatcher -------------------------------------------------

    def env(self, **extra):
        """The stack's environment for farm-dispatch, pin mode (no CA)."""
        env = self.stack.env()
        env.pop("FARM_PRINTER_CA", None)
        env.pop("FARM_DISPATCH_CRASH", None)
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        return env

    def start_dispatch(self, *args, env=None):
        """farm-dispatch in the background (default --once) -> Popen with
        text pipes; finish it with finish()."""
        args = list(args) or ["--once"]
        return subprocess.Popen([str(self.exe), *args],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL,
                                env=self.env(**(env or {})),
                                cwd=str(self.tmp))

    def finish(self, proc, check=True, timeout=RUN_TIMEOUT):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"farm-dispatch {proc.args[1:]} did not "
                                 f"finish within {timeout}s:\n{err[-3000:]}")
        run = Run([str(a) for a in proc.args[1:]], proc.returncode, out, err)
        check_clean(f"farm-dispatch {' '.join(run.args)}", out + err)
        if check:
            assert run.returncode == 0, run
        return run

    def dispatch(self, *args, env=None, check=True, timeout=RUN_TIMEOUT,
                 budget_ms=None):
        """Runs farm-dispatch (default --once) to the end with the stack's
        DATA_DIR -> Run. check: fail unless it exits 0. Always fails on a
        sanitizer report. budget_ms: --once --budget-ms N (QUIET_MS when
        no printer is expected to answer, SHORT_MS when some are)."""
        if budget_ms is not None:
            args = (*(args or ("--once",)), "--budget-ms", str(budget_ms))
        return self.finish(self.start_dispatch(*args, env=env), check=check,
                           timeout=timeout)

    def dispatch_until(self, pred, runs=3, what="condition", **kw):
        """Runs --once up to runs times until pred() is truthy (checked
        after each run); returns pred()'s value or fails quoting the last
        run."""
        last = None
        for _ in range(runs):
            last = self.dispatch(**kw)
            got = pred()
            if got:
                return got
        raise AssertionError(f"{what}: not true after {runs} --once runs; "
                             f"last {last!r}")

    # --- printers and sims ------------------------------------------------

    def printer(self, serial=None, model="X1C", api=None, broker=None,
                ftps=None, **fields):
        """Creates a printer row pointing at the test broker and FTPS."""
        api = api or self.api
        broker = broker or self.broker
        ftps = ftps or self.ftps
        body = {"name": f"{model}-{uuid.uuid4().hex[:4]}", "model": model,
                "serial": serial or new_serial(), "host": "127.0.0.1",
                "port": broker.port, "ftp_port": ftps.port,
                "access_code": ACCESS_CODE}
        body.update(fields)
        r = api.post("/api/printers", json=body)
        assert r.status_code == 201, r.text
        p = r.json()
        self.printers.append((api, p["id"]))
        if api not in self.apis:
            self.apis.append(api)
        return p

    def sim(self, printers, time_scale=60, job_seconds=None, extra_args=(),
            **kw):
        """bambu-sim for [(serial, model)] with the fast push options."""
        return self._bambu_sim(printers=printers, time_scale=time_scale,
                               job_seconds=job_seconds,
                               extra_args=list(FAST) + list(extra_args),
                               **kw)

    def own_ftps(self):
        """An FTPS server of its own (a printer's own SD card), stopped when
        the test ends."""
        f = FtpsServer(self.tmp / f"ftps{len(self._servers)}",
                       self.ftps.cert).start()
        self._servers.append(f)
        return f

    def rack(self, printers, **kw):
        """Printers that each have an SD card of their own -> Rack: one FTPS
        server and one bambu-sim per printer. Tests that start one file on
        several printers at once need it: in the shared FTPS root, parallel
        uploads of one name would overwrite each other, which real
        printers never see."""
        return Rack(self, printers, **kw)

    def watch_requests(self, serial, broker=None):
        """A Watcher (QoS 1) on device/<serial>/request."""
        return self._mqtt_watch(broker or self.broker,
                                [f"device/{serial}/request"], qos=1)

    def watch(self, broker, topics):
        return self._mqtt_watch(broker, topics)

    # --- files and prints -------------------------------------------------

    def upload(self, seconds=None, grams=None, api=None, name=None):
        """Uploads a unique 3MF (the FTPS root is shared by every test) ->
        (name, bytes)."""
        api = api or self.api
        name = name or f"dt-{uuid.uuid4().hex[:10]}.3mf"
        data = make_3mf(seconds, grams)
        r = api.put(f"/api/files/{name}", data=data,
                    headers={"Content-Type": "application/octet-stream"})
        assert r.status_code in (200, 201), r.text
        return name, data

    def queue(self, printer_id, file, api=None, **fields):
        """Creates a scheduled print -> the print object."""
        api = api or self.api
        body = {"printer_id": printer_id,
                "name": f"job-{uuid.uuid4().hex[:6]}", "file": file,
                "estimated_minutes": 60}
        body.update(fields)
        r = api.post("/api/bambu/scheduled-prints", json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def prints(self, api=None):
        r = (api or self.api).get("/api/bambu/scheduled-prints",
                                  params={"limit": 1000})
        assert r.status_code == 200, r.text
        return r.json()["prints"]

    def get_print(self, print_id, api=None):
        for p in self.prints(api):
            if p["id"] == print_id:
                return p
        raise AssertionError(f"print {print_id} not in the user's list")

    def get_printer(self, printer_id, api=None):
        r = (api or self.api).get(f"/api/printers/{printer_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def materials(self, printer_id, api=None):
        r = (api or self.api).get(f"/api/bambu/materials/{printer_id}")
        assert r.status_code == 200, r.text
        return r.json()["materials"]

    def material_at(self, printer_id, slot, api=None):
        for m in self.materials(printer_id, api):
            if m["slot"] == slot:
                return m
        return None

    def queue_of(self, printer_id, api=None):
        r = (api or self.api).get(
            f"/api/bambu/scheduled-prints/{printer_id}/queue")
        assert r.status_code == 200, r.text
        return r.json()["queue"]

    # --- the database (read-only except where a test fakes the clock) ------

    def query(self, sql, params=()):
        """Rows (dicts) of one query on the stack's database."""
        return self.stack.query(sql, params)

    def db_write(self, sql, params=()):
        """One write to the stack's DB (only for faking the passage of time
        or a corrupt row; never while farm-dispatch runs)."""
        self.stack.db_write(sql, params)

    def events(self, printer_id=None, kind=None, print_id=None):
        sql, args = "SELECT * FROM events WHERE 1 = 1", []
        for col, v in (("printer_id", printer_id), ("kind", kind),
                       ("print_id", print_id)):
            if v is not None:
                sql += f" AND {col} = ?"
                args.append(v)
        return self.query(sql + " ORDER BY id", args)

    def outbox(self, printer_id=None):
        sql, args = "SELECT * FROM outbox", []
        if printer_id is not None:
            sql += " WHERE printer_id = ?"
            args.append(printer_id)
        return self.query(sql + " ORDER BY id", args)

    def print_row(self, print_id):
        rows = self.query("SELECT * FROM scheduled_prints WHERE id = ?",
                          (print_id,))
        assert rows, f"no scheduled_prints row {print_id}"
        return rows[0]

    # --- teardown ---------------------------------------------------------

    def cleanup(self):
        """Cancels the test's pending prints and deletes its printers, so
        later --once runs in this session do not keep dialling them."""
        for api in self.apis:
            try:
                r = api.get("/api/bambu/scheduled-prints",
                            params={"status": "queued,scheduled",
                                    "limit": 1000})
                if r.status_code == 200:
                    for p in r.json().get("prints", []):
                        api.delete(f"/api/bambu/scheduled-prints/{p['id']}")
            except Exception:   # best effort; the test's verdict stands
                pass
        for api, pid in self.printers:
            try:
                api.delete(f"/api/printers/{pid}")
            except Exception:
                pass
        for f in self._servers:
            f.stop()


class Rack:
    """Printers with an FTPS server and a bambu-sim each (Farm.rack); reads
    like one Sim: .state, .wait_state, .control by serial; .ftps[serial]
    is the printer's server (pass it to Farm.printer)."""

    def __init__(self, farm, printers, **kw):
        self.ftps, self.sims = {}, {}
        for serial, model in printers:
            self.ftps[serial] = farm.own_ftps()
            self.sims[serial] = farm.sim([(serial, model)],
                                         ftp_root=self.ftps[serial].root,
                                         **kw)

    def state(self, serial, timeout=0.0):
        return self.sims[serial].state(serial, timeout)

    def wait_state(self, serial, pred, timeout=20.0):
        return self.sims[serial].wait_state(serial, pred, timeout)

    def control(self, serial, obj):
        self.sims[serial].control(serial, obj)


@pytest.fixture
def farm(stack, user, broker, ftps_server, bambu_sim, mqtt_watch, tmp_path):
    """A Farm for this test (fails when farm-dispatch is not built; the
    test must be marked own_stack)."""
    f = Farm(stack, user, broker, ftps_server, bambu_sim, mqtt_watch,
             tmp_path)
    try:
        yield f
    finally:
        f.cleanup()


def sim_log(sim):
    return tail(sim.log, 60)
