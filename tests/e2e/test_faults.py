"""The fault suite: real processes killed with SIGKILL (or the broker
restarted) at the worst moment, and DESIGN.md's three promises checked
after each: no lost row, no print started twice, no notification lost
(duplicates only under the same delivery id); and the system carries on
by itself (a later write, print or notification goes through).

    worker killed mid-write     a farm.fcgi worker SIGKILLed while it
                                writes an upload (its .upload- temp is
                                open) and while parallel creates run;
                                multiwatch starts a new one
    dispatcher killed           farm-dispatch dies between marking a start
                                and sending it: the after-mark hook (abort)
                                and a real SIGKILL during the FTPS upload
    broker restarted            mosquitto restarted (same key) under a
                                running print and farm-dispatch --watch
    deliverer killed            farm-deliver --once, or farm-dispatch's
                                delivery pass, SIGKILLed while a slow
                                receiver holds a webhook

Runs on SQLite (make e2e) and PostgreSQL (make e2e-pg). Time moves forward
with FARM_NOW (the test-hook clock), never by sleeping; every wait is
bounded.
"""

import concurrent.futures
import hashlib
import json
import os
import signal
import subprocess
import threading
import time
import uuid

import pytest

from dispatch_helpers import (QUIET_MS, farm, make_3mf,  # noqa: F401
                              new_serial, project_files, wait_until)
from printers import Watcher
from receivers import WebhookReceiver, smtp_sink  # noqa: F401
from stack import check_sanitizers, need_bin, resolve_bin_dir

pytestmark = pytest.mark.own_stack

LONG_JOB = 36000            # seconds: runs until finished by hand
OCTET = {"Content-Type": "application/octet-stream"}


# --- processes --------------------------------------------------------------

def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def worker_pids(stack):
    """The farm.fcgi processes of the stack's pool (descendants of the
    spawn-fcgi/multiwatch process), from /proc."""
    root = stack._pool.pid
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            pp = _ppid(int(d))
            if pp is not None:
                parent[int(d)] = pp
    out = []
    for pid in parent:
        p, seen = pid, 0
        while p in parent and seen < 8:
            p, seen = parent[p], seen + 1
            if p == root:
                exe = _cmdline(pid)[:1]
                if exe and exe[0].endswith(b"/farm.fcgi"):
                    out.append(pid)
                break
    return sorted(out)


def open_files(pid):
    """Paths of the files pid has open ([] once it is gone)."""
    out = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for fd in fds:
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    return out


def kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def sha(data):
    return hashlib.sha256(data).hexdigest()


# --- 1. a worker killed mid-write -------------------------------------------

class Creates:
    """Threads creating prints through the API until stopped; every
    request and its answer are kept (names are unique)."""

    def __init__(self, stack, token, printer_id, file, threads=6):
        self.stack, self.token = stack, token
        self.printer_id, self.file = printer_id, file
        self.sent = {}          # name -> body
        self.answers = []       # (name, status, id or None)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.tag = uuid.uuid4().hex[:6]
        self.pool = concurrent.futures.ThreadPoolExecutor(threads)
        self.futures = [self.pool.submit(self._run, t)
                        for t in range(threads)]

    def _run(self, t):
        api = self.stack.session(self.token)
        i = 0
        while not self.stop.is_set():
            i += 1
            name = f"fault-{self.tag}-{t}-{i}"
            body = {"printer_id": self.printer_id, "name": name,
                    "file": self.file, "estimated_minutes": 10 + i % 500,
                    "priority": (t * 7 + i) % 100, "grams": i % 1000,
                    "material_slot": i % 4, "nozzle_temp": 190 + i % 40,
                    "bed_temp": 50 + i % 20, "speed_level": 1 + i % 4,
                    "material_type": "PLA", "color": "#12AB%02X" % (i % 256)}
            with self.lock:
                self.sent[name] = body
            try:
                r = api.post("/api/bambu/scheduled-prints", json=body)
                pid = r.json().get("id") if r.status_code == 201 else None
                status = r.status_code
            except Exception as e:     # noqa: BLE001 (recorded, judged later)
                status, pid = repr(e), None
            with self.lock:
                self.answers.append((name, status, pid))
        api.close()

    def count(self):
        with self.lock:
            return len(self.answers)

    def finish(self):
        self.stop.set()
        for f in self.futures:
            f.result(timeout=60)
        self.pool.shutdown()
        return self.sent, self.answers


PRINT_FIELDS = ("printer_id", "name", "file", "estimated_minutes", "priority",
                "grams", "material_slot", "nozzle_temp", "bed_temp",
                "speed_level", "material_type", "color")


def check_prints(stack, user_id, sent, answers):
    """No lost row, no half-written one: every 201 is a row; every row of
    ours is a whole create (all its fields as sent, queued)."""
    bad = [a for a in answers if a[1] not in (201, 502)]
    assert not bad, f"answers other than 201 or 502: {bad[:10]}"
    rows = {r["name"]: r for r in stack.query(
        "SELECT * FROM scheduled_prints WHERE user_id = ? AND name LIKE ?",
        (user_id, "fault-%"))}
    for name, status, pid in answers:
        if status == 201:
            assert name in rows, f"acknowledged print {name} (id {pid}) lost"
            assert rows[name]["id"] == pid, (rows[name], pid)
    for name, row in rows.items():
        assert name in sent, f"a row nobody sent: {row}"
        for k in PRINT_FIELDS:
            assert row[k] == sent[name][k], (k, row, sent[name])
        assert row["status"] == "queued", row
        assert row["created_at"] and row["updated_at"], row
    return rows


def check_files(stack, user_id):
    """Every print_files row describes the bytes on disk."""
    rows = stack.query("SELECT name, size, sha256 FROM print_files "
                       "WHERE user_id = ?", (user_id,))
    d = stack.data_dir / "files" / str(user_id)
    for r in rows:
        path = d / r["name"]
        assert path.is_file(), f"row without its file: {r}"
        data = path.read_bytes()
        assert len(data) == r["size"] and sha(data) == r["sha256"], \
            (r, len(data), sha(data))
    return {r["name"]: r for r in rows}


def temps(stack, user_id):
    d = stack.data_dir / "files" / str(user_id)
    return sorted(p for p in d.iterdir() if p.name.startswith(".upload-"))


def user_id_of(stack, user):
    return stack.query("SELECT id FROM users WHERE email = ?",
                       (user.email,))[0]["id"]


def upload_killed(stack, api, name, data, timeout=30):
    """PUTs data as name while watching the pool: the worker found with an
    .upload- temp open (mid-write) is SIGKILLed. -> (answer, killed pid or
    None)."""
    killed = []
    done = threading.Event()

    def killer():
        deadline = time.monotonic() + timeout
        while not done.is_set() and time.monotonic() < deadline:
            for pid in worker_pids(stack):
                if any("/.upload-" in f for f in open_files(pid)):
                    kill(pid)
                    killed.append(pid)
                    return
            time.sleep(0.002)

    t = threading.Thread(target=killer)
    t.start()
    try:
        r = api.put(f"/api/files/{name}", data=data, headers=OCTET,
                    timeout=60)
    finally:
        done.set()
        t.join()
    return r, (killed[0] if killed else None)


def test_worker_killed_mid_write(stack, user):
    api = user.api
    uid = user_id_of(stack, user)
    r = api.post("/api/printers", json={
        "name": "fault-printer", "model": "X1C", "serial": new_serial("WK"),
        "host": "127.0.0.1", "access_code": "12345678"})
    assert r.status_code == 201, r.text
    printer = r.json()["id"]
    # files acknowledged before any kill
    acked = {}
    for i in range(3):
        data = make_3mf(600, 10, b"; small %d\n" % i)
        r = api.put(f"/api/files/part{i}.3mf", data=data, headers=OCTET)
        assert r.status_code == 201, r.text
        acked[f"part{i}.3mf"] = data
    before = worker_pids(stack)
    assert len(before) == stack.workers, before

    creates = Creates(stack, user.token, printer, "part0.3mf")
    try:
        wait_until(lambda: creates.count() >= 30, timeout=30,
                   what="creates under way")
        # a worker killed among parallel creates (both are busy with them)
        victim = worker_pids(stack)[0]
        kill(victim)
        wait_until(lambda: creates.count() >= 60, timeout=30,
                   what="creates go on after the kill")

        # killed while writing a new file, then while overwriting part1
        big = os.urandom(1 << 20) * 48
        r_new, k_new = upload_killed(stack, api, "big-new.3mf", big)
        over = os.urandom(1 << 20) * 48
        r_over, k_over = upload_killed(stack, api, "part1.3mf", over)
    finally:
        sent, answers = creates.finish()

    assert k_new and k_over, "no worker was seen writing an upload"
    for r, name, data in ((r_new, "big-new.3mf", big),
                          (r_over, "part1.3mf", over)):
        # an error, or (nginx retried it on another worker) a success
        assert r.status_code in (200, 201, 502), (name, r.status_code, r.text)
        if r.status_code in (200, 201):
            acked[name] = data
    files = check_files(stack, uid)
    for name, data in acked.items():
        assert files[name]["sha256"] == sha(data), (name, files[name])
    assert r_new.status_code != 502 or "big-new.3mf" not in files or \
        files["big-new.3mf"]["sha256"] == sha(big)
    check_prints(stack, uid, sent, answers)
    assert sum(1 for a in answers if a[1] == 201) >= 30

    # the pool carries on by itself: multiwatch replaced the dead workers
    def pool_back():
        now = worker_pids(stack)
        return now if (len(now) == stack.workers and
                       not {victim, k_new, k_over} & set(now)) else None
    wait_until(pool_back, timeout=30, what="multiwatch restarted the workers")
    wait_until(lambda: stack.session().get("/api/health").status_code == 200,
               timeout=30, what="health 200 again")
    r = api.post("/api/bambu/scheduled-prints", json={
        "printer_id": printer, "name": "fault-after", "file": "part0.3mf",
        "estimated_minutes": 5})
    assert r.status_code == 201, r.text
    again = os.urandom(1 << 20)
    r = api.put("/api/files/big-new.3mf", data=again, headers=OCTET)
    assert r.status_code in (200, 201), r.text
    assert check_files(stack, uid)["big-new.3mf"]["sha256"] == sha(again)

    # the killed uploads' temporaries: never a row, never listed; swept
    # once they are old (an upload in progress writes its temp all along)
    listed = {f["name"] for f in api.get("/api/files").json()["files"]}
    assert not any(n.startswith(".") for n in listed), listed
    left = temps(stack, uid)
    assert left, "the killed uploads left no temporary (did they run?)"
    old = time.time() - 7200
    for p in left:
        os.utime(p, (old, old))
    r = api.put("/api/files/part2.3mf", data=acked["part2.3mf"],
                headers=OCTET)
    assert r.status_code == 200, r.text
    assert temps(stack, uid) == [], "stale upload temporaries not swept"
    check_files(stack, uid)


# --- 2. the dispatcher killed between marking a start and sending it ---------

def printing(farm, sim, serial, job):
    st = sim.state(serial)
    return st if (st and st["task_id"] == str(job["id"]) and
                  st["gcode_state"] in ("PREPARE", "RUNNING")) else None


@pytest.mark.parametrize("how", ["abort-after-mark", "sigkill-mid-upload"])
def test_dispatcher_killed_between_mark_and_send(farm, how):
    serial = new_serial("DK")
    sim = farm.sim([(serial, "X1C")])
    p = farm.printer(serial)
    w = farm.watch_requests(serial)
    if how == "sigkill-mid-upload":
        # big enough that the FTPS upload takes a while
        data = make_3mf(LONG_JOB, 20, b"; pad\n" * ((48 << 20) // 6))
        name = f"dk-{uuid.uuid4().hex[:10]}.3mf"
        r = farm.api.put(f"/api/files/{name}", data=data, headers=OCTET,
                         timeout=120)
        assert r.status_code == 201, r.text
    else:
        name, data = farm.upload(seconds=LONG_JOB, grams=20)
    job = farm.queue(p["id"], name)
    nxt_name, _ = farm.upload(seconds=LONG_JOB, grams=5)
    nxt = farm.queue(p["id"], nxt_name, priority=-1)   # behind it

    if how == "abort-after-mark":
        run = farm.dispatch(env={"FARM_DISPATCH_CRASH": "after-mark"},
                            check=False)
        assert run.returncode in (-signal.SIGABRT, 128 + signal.SIGABRT), run
    else:
        proc = farm.start_dispatch("--once")
        target = farm.ftps.root / name
        got = wait_until(
            lambda: proc.poll() is not None or
            (target.exists() and 0 < target.stat().st_size < len(data)),
            timeout=60, what="the FTPS upload under way", interval=0.002)
        assert proc.poll() is None, f"ended before the kill: {got}"
        proc.kill()                            # SIGKILL, mid-upload
        run = farm.finish(proc, check=False)
        assert run.returncode == -signal.SIGKILL, run
        assert target.stat().st_size < len(data)

    # marked before it died, never sent
    row = farm.print_row(job["id"])
    assert row["status"] == "started" and row["dispatch_token"], row
    assert row["dispatch_attempts"] == 1, row
    assert project_files(w, job["id"]) == []
    assert sim.state(serial)["jobs_started"] == 0
    assert farm.get_print(nxt["id"])["status"] == "queued"

    # right after: the mark holds (the printer may yet show it), nothing sent
    # (PostgreSQL: the dead run's leases still hold; FARM_LEASE_SECONDS later
    # a run may drive the printer, and still sends nothing)
    now = int(time.time())
    farm.dispatch(env={"FARM_NOW": now + 31})
    assert project_files(w, job["id"]) == []
    assert farm.print_row(job["id"])["status"] == "started"
    assert sim.state(serial)["jobs_started"] == 0

    # once the printer has not shown it for 120 s the print goes back to
    # the queue and is started: once
    later = {"FARM_NOW": now + 130}
    farm.dispatch_until(lambda: printing(farm, sim, serial, job), runs=3,
                        what="the print running on the sim", env=later)
    farm.dispatch(env=later)
    assert len(project_files(w, job["id"])) == 1, project_files(w)
    assert sim.state(serial)["jobs_started"] == 1
    j = farm.print_row(job["id"])
    assert j["status"] == "started" and j["dispatch_attempts"] == 2, j
    assert farm.get_print(nxt["id"])["status"] == "queued"
    assert (farm.ftps.root / name).read_bytes() == data

    # the queue carries on: the print ends, the next one starts, once each
    sim.control(serial, {"finish_now": True})
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH")
    farm.dispatch_until(
        lambda: farm.get_print(nxt["id"])["status"] == "started", runs=3,
        what="the next print started", env={"FARM_NOW": now + 140})
    assert farm.get_print(job["id"])["status"] == "completed"
    sim.wait_state(serial, lambda s: s["jobs_started"] == 2 and
                   s["task_id"] == str(nxt["id"]))
    assert len(project_files(w, job["id"])) == 1
    assert len(project_files(w, nxt["id"])) == 1


# --- 3. the broker restarted under a running print ---------------------------

def stay_subscribed(watcher, topics, qos=0):
    """Makes a Watcher subscribe again whenever paho reconnects (its
    session is clean: a restarted broker forgets subscriptions)."""
    def on_connect(client, userdata, flags, rc):
        if rc == 0:
            client.subscribe([(t, qos) for t in topics])
    watcher.client.on_connect = on_connect
    watcher.client.reconnect_delay_set(min_delay=1, max_delay=2)
    return watcher


def test_broker_restarted_mid_print(farm, private_broker):
    broker = private_broker
    serial = new_serial("BR")
    sim = farm.sim([(serial, "X1C")], broker_=broker)
    stay_subscribed(sim.watch, ["sim/+/state"])
    p = farm.printer(serial, broker=broker)
    w = stay_subscribed(Watcher(broker, [f"device/{serial}/request"], qos=1),
                        [f"device/{serial}/request"], qos=1)
    pin = broker.pin
    # a job of 600 s of printer time: 10 s at the sim's 60x
    name, _ = farm.upload(seconds=600, grams=5)
    nxt_name, _ = farm.upload(seconds=LONG_JOB, grams=5)
    proc = farm.start_dispatch("--watch", "--interval-s", "1")
    try:
        job = farm.queue(p["id"], name)
        wait_until(lambda: farm.get_print(job["id"])["status"] == "started",
                   timeout=30, what="started by --watch")
        sim.wait_state(serial, lambda s: s["task_id"] == str(job["id"]) and
                       s["gcode_state"] in ("PREPARE", "RUNNING"))

        broker.restart(new_key=False)          # same key: the pin holds
        assert broker.pin == pin

        # the sim and the dispatcher reconnect by themselves; the print
        # runs to its end and is recorded as completed
        wait_until(lambda: farm.get_print(job["id"])["status"] ==
                   "completed", timeout=45, what="completed after restart")
        assert farm.get_printer(p["id"])["online"] is True
        assert sim.state(serial)["jobs_started"] == 1
        assert proc.poll() is None, "--watch exited"

        # and the next print starts, once
        nxt = farm.queue(p["id"], nxt_name)
        wait_until(lambda: farm.get_print(nxt["id"])["status"] == "started",
                   timeout=30, what="next started by --watch")
        sim.wait_state(serial, lambda s: s["task_id"] == str(nxt["id"]) and
                       s["jobs_started"] == 2)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        run = farm.finish(proc, check=False, timeout=30)
        w.close()
    assert run.returncode == 0, run
    assert len(project_files(w, job["id"])) <= 1, project_files(w)
    assert len(project_files(w, nxt["id"])) == 1, project_files(w)
    assert farm.query("SELECT cert_fingerprint FROM printers WHERE id = ?",
                      (p["id"],))[0]["cert_fingerprint"] == pin
    # the dispatcher's own connection came back to the restarted broker
    since = broker.log.read_text(errors="replace").rsplit(" starting", 1)[1]
    assert f"as bambufarm-{serial}-" in since, since
    assert [e["print_id"] for e in farm.events(printer_id=p["id"],
                                               kind="print_started")] == \
        [job["id"], nxt["id"]]


# --- 4. the deliverer killed mid-send ----------------------------------------

class ArrivalReceiver(WebhookReceiver):
    """A WebhookReceiver that also notes each request's webhook-id the
    moment it arrives, before the (slow) answer."""

    def __init__(self):
        super().__init__()
        self.arrived = []

    def _handler(self):
        base, receiver = super()._handler(), self

        class Handler(base):
            def do_POST(self):
                with receiver.cond:
                    receiver.arrived.append(self.headers.get("webhook-id"))
                    receiver.cond.notify_all()
                super().do_POST()

        return Handler


@pytest.fixture
def slow_receiver():
    r = ArrivalReceiver().up()
    try:
        yield r
    finally:
        r.down()


def deliver_env(stack, smtp, now):
    e = stack.env()
    e.update({"FARM_SMTP_URL": smtp.url, "FARM_MAIL_FROM": "farm@farm.example",
              "FARM_NOW": str(now)})
    e.pop("FARM_DISPATCH_CRASH", None)
    e.pop("FARM_DELIVER_CRASH", None)
    return e


@pytest.mark.parametrize("who", ["farm-deliver", "farm-dispatch"])
def test_deliverer_killed_mid_send(stack, user, slow_receiver, smtp_sink,
                                   dead_port, tmp_path, who):
    hook = slow_receiver
    path = "/hook/" + uuid.uuid4().hex
    addr = f"fault-{uuid.uuid4().hex[:8]}@farm.example"
    # a printer nobody answers for (farm-dispatch dials it, in vain)
    r = user.api.post("/api/printers", json={
        "name": "P1S-kill", "model": "P1S", "serial": new_serial("DL"),
        "host": "127.0.0.1", "port": dead_port, "ftp_port": dead_port,
        "access_code": "12345678"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = user.api.put(f"/api/bambu/notifications/{pid}", json={
        "on_print_start": True, "on_print_complete": True,
        "on_print_failed": True, "webhook_url": hook.url(path),
        "email_enabled": True, "email_address": addr})
    assert r.status_code == 200, r.text
    deliver = need_bin(resolve_bin_dir() / "farm-deliver")
    now = int(time.time())

    def emit(kind):
        p = subprocess.run([str(deliver), "--emit", kind, "--printer",
                            str(pid)], env=deliver_env(stack, smtp_sink, now),
                           capture_output=True, text=True, timeout=60)
        check_sanitizers("farm-deliver --emit", p.stderr)
        assert p.returncode == 0, p.stderr
        return int(p.stdout.strip())

    def one_pass(at):
        if who == "farm-deliver":
            args = [str(deliver), "--once"]
        else:
            args = [str(need_bin(resolve_bin_dir() / "farm-dispatch")),
                    "--once", "--budget-ms", str(QUIET_MS)]
        return subprocess.Popen(args, env=deliver_env(stack, smtp_sink, at),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL, cwd=str(tmp_path))

    def finish(proc):
        out, err = proc.communicate(timeout=120)
        check_sanitizers(who, out + err)
        return proc.returncode, err

    for kind in ("print_started", "print_completed", "print_failed"):
        emit(kind)
    rows = stack.query("SELECT * FROM outbox WHERE printer_id = ? "
                       "ORDER BY id", (pid,))
    assert len(rows) == 6, rows

    hook.slow(30)                 # holds every webhook until the kill
    proc = one_pass(now)
    wait_until(lambda: proc.poll() is not None or hook.arrived, timeout=60,
               what="a webhook reached the receiver", interval=0.01)
    assert proc.poll() is None, finish(proc)
    proc.kill()                   # SIGKILL mid-send
    rc, err = finish(proc)
    assert rc == -signal.SIGKILL, err
    hook.slow(0)

    # no row lost, none recorded as delivered; each claimed under the
    # delivery id it keeps from now on
    after = stack.query("SELECT * FROM outbox WHERE printer_id = ? "
                        "ORDER BY id", (pid,))
    assert [r["id"] for r in after] == [r["id"] for r in rows]
    assert all(r["status"] == "pending" and r["delivered_at"] is None and
               r["delivery_id"] and r["claimed_until"] > now
               for r in after), after
    ids = {r["id"]: r["delivery_id"] for r in after}
    hooks = {r["delivery_id"] for r in after if r["channel"] == "webhook"}
    assert set(hook.arrived) <= hooks, (hook.arrived, hooks)

    # once the dead run's claims run out (DELIVER_LEASE_S, 120 s) the next
    # pass sends all
    later = now + 121
    rc, err = finish(one_pass(later))
    assert rc == 0, err
    rows = stack.query("SELECT * FROM outbox WHERE printer_id = ? "
                       "ORDER BY id", (pid,))
    assert {r["id"]: r["delivery_id"] for r in rows} == ids
    assert all(r["status"] == "delivered" and r["delivered_at"] is not None
               for r in rows), rows

    got = [q for q in hook.wait_for(len(hooks)) if q.path == path]
    by_id = {}
    for q in got:
        by_id.setdefault(q.headers["webhook-id"], set()).add(q.body)
    assert set(by_id) == hooks, (by_id.keys(), hooks)      # none lost
    assert all(len(b) == 1 for b in by_id.values())         # same body
    ok = {q.headers["webhook-id"] for q in got if q.status == 200}
    assert ok == hooks
    mails = [m for m in smtp_sink.messages() if m["To"] == addr]
    mail_ids = {m["Message-ID"][1:].split("@")[0] for m in mails}
    assert mail_ids == {r["delivery_id"] for r in rows
                        if r["channel"] == "email"}, mails

    # and it carries on: a later notification arrives, once
    n = len(got)
    emit("print_failed")
    rc, err = finish(one_pass(later + 1))
    assert rc == 0, err
    got = [q for q in hook.wait_for(n + 1) if q.path == path]
    assert len(got) == n + 1, got
    new = json.loads(got[-1].body)
    assert new["data"]["event"] == "print_failed"
    assert got[-1].headers["webhook-id"] not in hooks
    assert all(r["status"] == "delivered" for r in stack.query(
        "SELECT status FROM outbox WHERE printer_id = ?", (pid,)))
    user.api.delete(f"/api/printers/{pid}")
