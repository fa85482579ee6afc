"""One printer cannot hurt the others (issue 10, item 2): `farm-dispatch
--watch` next to a printer that floods it with 100 MB of status deltas full
of keys no frame had before, one frame in 20 bigger than the 256 KB report
cap. Everything is real: mosquitto with TLS, two bambu-sims (one per
printer, each with its own FTPS server), the dispatcher as cron or systemd
would run it.

While the flood goes on the other printer's queued print is started and
completes; the dispatcher stays up; its peak resident memory (VmHWM, read
from /proc before SIGTERM) grows by less than GROWTH_BOUND_MB over its
figure before the flood; the flooding printer's stored state
(printers.state_json) is small and holds none of the junk; the oversized
frames are logged, once per printer and minute, not once each.

The bound, for the sanitizer build the suite runs: AddressSanitizer keeps
freed memory in a quarantine (256 MB by default) to catch use after free,
so under any allocation churn a process's RSS climbs to baseline + 256 MB
whatever it keeps alive, and the peak would measure the quarantine rather
than the dispatcher. This test runs the dispatcher with a 16 MB quarantine
(every other sanitizer check unchanged), so its peak is what it holds plus
at most 16 MB of recently freed blocks. The rest of the 64 MB is for the
frames in flight (libmosquitto holds a frame twice, up to 512 KB each, and
json-c's parse of a 256 KB frame of short keys takes a few MB with ASan's
redzones), allocator fragmentation and what starting the first print adds
(libcurl/OpenSSL for the FTPS upload). Without the caps the 100 MB of keys
would stay in the cache as json-c objects (several times the text) and be
written to printers.state_json each step: far over the bound.
"""

import json
import signal
import threading
import time

import pytest

from dispatch_helpers import (check_clean, farm, new_serial,  # noqa: F401
                              wait_until)

pytestmark = pytest.mark.own_stack

FLOOD_MB = 100
FRAME_KB = 64
BIG_KB = 512            # over the dispatcher's 256 KB cap
BIG_EVERY = 20
GROWTH_BOUND_MB = 64
STATE_MAX = 64 * 1024   # bambu.h BAMBU_STATE_MAX
ASAN_OPTIONS = "abort_on_error=0:detect_leaks=1:quarantine_size_mb=16"


def vm_kb(pid, field):
    """A /proc/<pid>/status figure in kB (VmHWM, VmRSS)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


class Output:
    """Reads a --watch process's stdout and stderr as it runs (so the test
    can wait for a log line and the pipes never fill)."""

    def __init__(self, proc):
        self.proc = proc
        self.out, self.err = [], []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._read, args=(s, buf),
                                         daemon=True)
                        for s, buf in ((proc.stdout, self.out),
                                       (proc.stderr, self.err))]
        for t in self.threads:
            t.start()

    def _read(self, stream, buf):
        for line in stream:
            with self.lock:
                buf.append(line)

    def lines(self, needle):
        with self.lock:
            return [ln for ln in self.err if needle in ln]

    def finish(self, timeout=30):
        """SIGTERM, then the exit code and all output; fails on a
        sanitizer report."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except Exception:
            self.proc.kill()
            rc = self.proc.wait()
        for t in self.threads:
            t.join(timeout=10)
        text = "".join(self.out) + "".join(self.err)
        check_clean("farm-dispatch --watch", text)
        return rc, text


def test_flooding_printer_leaves_the_others_printing(farm, private_broker):
    flooder, other = new_serial("FL"), new_serial("OK")
    rack = farm.rack([(flooder, "P1S"), (other, "X1C")],
                     broker_=private_broker)
    pf = farm.printer(flooder, model="P1S", broker=private_broker,
                      ftps=rack.ftps[flooder])
    po = farm.printer(other, model="X1C", broker=private_broker,
                      ftps=rack.ftps[other])
    name, _ = farm.upload(seconds=120, grams=3)

    proc = farm.start_dispatch("--watch", "--interval-s", "1",
                               env={"ASAN_OPTIONS": ASAN_OPTIONS})
    out = Output(proc)
    try:
        wait_until(lambda: all(farm.get_printer(p["id"])["status"] == "idle"
                               for p in (pf, po)),
                   timeout=30, what="both printers idle under --watch")
        time.sleep(2)           # a few steps at rest
        before = vm_kb(proc.pid, "VmHWM")

        rack.control(flooder, {"flood": {"mb": FLOOD_MB, "frame_kb": FRAME_KB,
                                         "big_kb": BIG_KB,
                                         "big_every": BIG_EVERY}})
        # the dispatcher is taking the flood (the first big frame is the
        # 20th) before the other printer's print is queued
        wait_until(lambda: out.lines(f"printer {flooder}: dropped"),
                   timeout=60, what="the first oversized report dropped")
        job = farm.queue(po["id"], name)
        wait_until(lambda: farm.get_print(job["id"])["status"] in
                   ("started", "completed"), timeout=60,
                   what="the other printer's print started during the flood")
        unsent = rack.state(flooder)["flood_left"]
        wait_until(lambda: farm.get_print(job["id"])["status"] ==
                   "completed", timeout=90,
                   what="the other printer's print completed")
        assert rack.state(other)["jobs_finished"] == 1, rack.state(other)

        st = rack.wait_state(flooder, lambda s: s["flood_left"] == 0,
                             timeout=120)
        assert st["flood_sent"] >= FLOOD_MB * 1024 * 1024, st
        assert st["flood_big"] >= 50, st
        # a barrier: a tray change sent after the last flood frame shows
        # up only once the dispatcher has read everything before it
        rack.control(flooder, {"ams": {"slot": 0, "color": "123456"}})
        wait_until(lambda: (farm.material_at(pf["id"], 0) or {})
                   .get("color", "").upper() == "#123456", timeout=120,
                   what="the flooding printer's tray change, after the flood")

        assert proc.poll() is None, "farm-dispatch exited during the flood"
        after = vm_kb(proc.pid, "VmHWM")
        rss = vm_kb(proc.pid, "VmRSS")
        growth_mb = (after - before) / 1024
        print(f"\nfarm-dispatch VmHWM {before / 1024:.1f} MB before the "
              f"flood, {after / 1024:.1f} MB after (+{growth_mb:.1f} MB; "
              f"VmRSS {rss / 1024:.1f} MB); the other print started with "
              f"{unsent / 2**20:.1f} MB of the flood still unsent")
        assert growth_mb < GROWTH_BOUND_MB, \
            f"peak RSS grew {growth_mb:.1f} MB over {before / 1024:.1f} MB"

        assert farm.get_printer(pf["id"])["online"] is True
        row = farm.query("SELECT state_json FROM printers WHERE id = ?",
                         (pf["id"],))[0]
        state = json.loads(row["state_json"])
        assert len(row["state_json"]) <= STATE_MAX, len(row["state_json"])
        assert not [k for k in state if k.startswith("flood_")], \
            sorted(state)[:20]
        assert state["gcode_state"] == "IDLE", state
    finally:
        rc, text = out.finish()
    assert rc == 0, text[-3000:]
    notes = [ln for ln in text.splitlines()
             if f"printer {flooder}: dropped" in ln]
    # 50+ oversized frames, one line a minute at most
    assert 1 <= len(notes) <= 3, notes
    assert not [ln for ln in text.splitlines()
                if "dropped" in ln and other in ln], text[-3000:]
