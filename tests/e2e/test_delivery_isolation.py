"""Delivery never blocks the printers (issue 10): `farm-dispatch --watch`
delivers the outbox in a process of its own, so receivers that hang cost
only their own rows.

Through the real stack on loopback: printer A's notifications go to an
SMTP "server" that accepts the connection and never says a word (a tarpit
in this file) and to a webhook receiver that answers after 60 s (a
threaded http.server waiting on an Event, so teardown does not wait).
A test message queues one row to each before the dispatcher starts.

Measured: the start of a print queued on printer B before the dispatcher
starts, from the dispatcher's start; then, while the deliverer is stuck
in the webhook (it waits up to 15 s), a print queued on printer C of
another user, from the moment it is queued; then, while it is stuck in the
SMTP tarpit (up to 30 s), one queued on printer D. Each must start within
START_BOUND_S — far below what either tarpit would cost if it blocked the
loop — while A's rows are still pending. Then SIGTERM stops the dispatcher
and its delivery child promptly (the child gives the email row back), and
no process is left. A second test kills the delivery child (the
dispatcher starts another) and then the dispatcher itself (the child
follows it).
"""

import os
import signal
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dispatch_helpers import farm, new_serial, wait_until  # noqa: F401

# farm-dispatch acts on a whole database: a stack of its own (conftest.py).
pytestmark = pytest.mark.own_stack

LONG_JOB = 36000        # simulated seconds: "still printing" for the test
START_BOUND_S = 10      # a print start, measured; the tarpits cost 15-30 s
WEBHOOK_TIMEOUT_S = 15  # lib/notify/webhook_send.h
MAIL_TIMEOUT_S = 30     # lib/notify/mail.h


class SmtpTarpit:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte (not
    even the greeting). .accepted: accept times (monotonic); .closed:
    times the client hung up."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted, self.closed, self.conns = [], [], []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted.append(time.monotonic())
                self.conns.append(c)
            threading.Thread(target=self._hold, args=(c,),
                             daemon=True).start()

    def _hold(self, c):
        try:
            while c.recv(4096):     # the client may send; we never answer
                pass
        except OSError:
            pass
        with self.lock:
            self.closed.append(time.monotonic())

    def open_connections(self):
        with self.lock:
            return len(self.accepted) - len(self.closed)

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()


class SlowWebhook:
    """Answers every POST after `delay` seconds, or at once when released
    (teardown). .arrived: arrival times (monotonic) of the requests."""

    def __init__(self, delay=60):
        self.release = threading.Event()
        self.arrived = []
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                with hook.lock:
                    hook.arrived.append(time.monotonic())
                hook.release.wait(delay)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def url(self, path="/slow"):
        return f"http://127.0.0.1:{self.port}{path}"

    def first_arrival(self):
        with self.lock:
            return self.arrived[0] if self.arrived else None

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tarpits():
    smtp, hook = SmtpTarpit(), SlowWebhook(delay=60)
    try:
        yield smtp, hook
    finally:
        hook.stop()
        smtp.stop()


def children(pid):
    """Pids whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(d))
    return out


def alive(pid):
    """True unless pid is gone or a zombie (exited, not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def deliverer_of(proc):
    """The --deliver child of a running farm-dispatch --watch."""
    def find():
        for c in children(proc.pid):
            try:
                with open(f"/proc/{c}/cmdline", "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            if b"--deliver" in args and alive(c):
                return c
        return None
    return wait_until(find, timeout=20, what="the delivery process",
                      interval=0.05)


def a_rows(farm, printer_id):
    return farm.query("SELECT channel, status, attempts, delivered_at, "
                      "claimed_until, last_error FROM outbox "
                      "WHERE printer_id = ? ORDER BY channel", (printer_id,))


def assert_a_waiting(farm, printer_id):
    rows = a_rows(farm, printer_id)
    assert [r["channel"] for r in rows] == ["email", "webhook"], rows
    assert all(r["status"] == "pending" and r["delivered_at"] is None
               for r in rows), rows
    return rows


def wait_started(farm, job, api, t_from):
    """Seconds from t_from (monotonic) until job is 'started' (polled)."""
    wait_until(lambda: farm.get_print(job["id"], api=api)["status"] ==
               "started", timeout=60, what=f"print {job['id']} started",
               interval=0.05)
    return time.monotonic() - t_from


def late(what, took):
    assert took < START_BOUND_S, \
        f"{what} started {took:.1f} s late: delivery held it up"


def test_hung_receivers_do_not_delay_print_starts(farm, stack, tarpits):
    smtp, hook = tarpits
    other = stack.make_user()
    sa, sb, sc, sd = (new_serial("DI") for _ in range(4))
    farm.sim([(sa, "X1C"), (sb, "X1C")])
    farm.sim([(sc, "X1C"), (sd, "X1C")])
    pa = farm.printer(sa)
    pb = farm.printer(sb)
    pc = farm.printer(sc, api=other.api)
    pd = farm.printer(sd, api=other.api)
    r = farm.api.put(f"/api/bambu/notifications/{pa['id']}", json={
        "email_enabled": True, "email_address": "owner@farm.example",
        "webhook_url": hook.url()})
    assert r.status_code == 200, r.text
    r = farm.api.post(f"/api/bambu/notifications/{pa['id']}/test")
    assert r.status_code == 202, r.text
    assert_a_waiting(farm, pa["id"])
    name, _ = farm.upload(seconds=LONG_JOB)
    name_c, _ = farm.upload(seconds=LONG_JOB, api=other.api)
    name_d, _ = farm.upload(seconds=LONG_JOB, api=other.api)
    job_b = farm.queue(pb["id"], name)

    t0 = time.monotonic()
    proc = farm.start_dispatch("--watch", "--interval-s", "1",
                               env={"FARM_SMTP_URL": smtp.url})
    try:
        # 1. B's print, queued before the start, from the start
        took_b = wait_started(farm, job_b, farm.api, t0)
        late("B", took_b)

        # 2. while the deliverer waits on the webhook (up to 15 s)
        wait_until(hook.first_arrival, timeout=20,
                   what="the webhook request")
        job_c = farm.queue(pc["id"], name_c, api=other.api)
        t1 = time.monotonic()
        took_c = wait_started(farm, job_c, other.api, t1)
        late("C", took_c)
        assert time.monotonic() < hook.first_arrival() + WEBHOOK_TIMEOUT_S, \
            "the webhook had timed out before C started: nothing measured"
        assert smtp.accepted == [], "email went out before the webhook " \
            "timed out: the batch order changed"
        assert_a_waiting(farm, pa["id"])

        # 3. while it waits on the SMTP server (up to 30 s)
        wait_until(lambda: smtp.open_connections() == 1, timeout=30,
                   what="the SMTP connection")
        t_smtp = smtp.accepted[0]
        job_d = farm.queue(pd["id"], name_d, api=other.api)
        t2 = time.monotonic()
        took_d = wait_started(farm, job_d, other.api, t2)
        late("D", took_d)
        assert smtp.open_connections() == 1 and \
            time.monotonic() < t_smtp + MAIL_TIMEOUT_S, \
            "the SMTP connection was gone before D started: nothing measured"
        assert_a_waiting(farm, pa["id"])
        assert proc.poll() is None, "--watch exited by itself"
        print(f"\nprint starts: B {took_b:.2f} s from the dispatcher's "
              f"start; C {took_c:.2f} s from queueing, during the webhook "
              f"wait; D {took_d:.2f} s from queueing, during the SMTP wait")
        child = deliverer_of(proc)
    finally:
        t_stop = time.monotonic()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        run = farm.finish(proc, check=False, timeout=30)
    stopped = time.monotonic() - t_stop
    assert run.returncode == 0, run
    # the child was stopped with it, quickly, in the middle of the email:
    # it recorded the webhook's timeout and gave the email row back as it
    # was; nothing is left behind
    assert stopped < 8, f"stopping took {stopped:.1f} s"
    assert not alive(child), f"delivery process {child} outlived farm-dispatch"
    assert children(proc.pid) == []
    rows = {r["channel"]: r for r in a_rows(farm, pa["id"])}
    assert rows["webhook"]["attempts"] == 1 and \
        rows["webhook"]["last_error"] == "timeout", rows
    assert rows["email"]["status"] == "pending" and \
        rows["email"]["attempts"] == 0 and \
        rows["email"]["claimed_until"] is None, rows


def test_delivery_process_is_restarted_and_dies_with_the_dispatcher(farm):
    proc = farm.start_dispatch("--watch", "--interval-s", "1")
    try:
        first = deliverer_of(proc)
        os.kill(first, signal.SIGKILL)
        # reaped and started again (at most one start per 5 s)
        second = wait_until(
            lambda: (c := deliverer_of(proc)) != first and c, timeout=20,
            what="a new delivery process")
        assert not alive(first)
        # the dispatcher dies without a word: the child follows it
        os.kill(proc.pid, signal.SIGKILL)
        wait_until(lambda: not alive(second), timeout=10,
                   what="the delivery process ending with its parent")
    finally:
        if proc.poll() is None:
            proc.kill()
        run = farm.finish(proc, check=False, timeout=30)
    assert run.returncode == -signal.SIGKILL, run
    assert "killed by signal 9; starting another" in run.stderr, run
