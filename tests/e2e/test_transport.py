"""The printer transports (lib/net/mqtt, lib/net/ftps) against a real mosquitto
broker and a real implicit-FTPS server, driven through tools/net-probe.

MQTT: a publish/subscribe round trip with a paho client playing the printer
(QoS 1 on the request topic, MQTT 3.1.1, clean session, keepalive 30, the
client id format), command acks matched by (class, command, sequence_id),
a wrong access code ending in auth_failed, the key pin recorded on first
contact and a changed broker key refused before any MQTT packet is sent, a
long-running connection that reconnects with a fresh client id and refuses a
key change, CA mode accepting CN=<serial> and refusing another name.
FTPS: a 3 MiB upload that lands complete, two uploads in parallel, pins
(right one accepted, wrong one refused, nothing written), a wrong access
code, CA mode with the serial as the certificate name.
Also prints one figure: the time to bring up 200 connections (not asserted).
"""

import json
import os
import queue
import re
import subprocess
import threading
import time
from pathlib import Path

from printers import ACCESS_CODE, SANITIZER_MARKERS, FtpsServer, bin_dir
from stack import need_bin

try:   # conftest.py may already provide the fixtures
    import conftest as _conftest
    _have = hasattr(_conftest, "broker") or \
        "printers" in getattr(_conftest, "pytest_plugins", ())
except ImportError:
    _have = False
if not _have:
    from printers import (broker, ftps_server, mqtt_watch,  # noqa: F401
                          printer_pki, printer_tmp, private_broker)

SERIAL = "01P00A391800001"
BAD_PIN = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def probe_path():
    return str(need_bin(bin_dir() / "net-probe"))


def check_clean(stderr):
    for m in SANITIZER_MARKERS:
        assert m not in stderr, f"sanitizer report from net-probe:\n{stderr}"


def probe(*args, timeout=60):
    """Runs net-probe to the end -> (returncode, stdout lines)."""
    p = subprocess.run([probe_path(), *map(str, args)], capture_output=True,
                       text=True, timeout=timeout)
    check_clean(p.stderr)
    return p.returncode, p.stdout.splitlines()


class Running:
    """net-probe in the background with its stdout lines in a queue."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([probe_path(), *map(str, args)],
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.q = queue.Queue()
        self.err = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr),
                         daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.q.put(line.rstrip("\n"))
        self.q.put(None)

    def expect(self, pattern, timeout=20):
        """Waits for a line matching pattern (regex); returns it."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.q.get(timeout=max(left, 0.01))
            except queue.Empty:
                line = False
            if line is None or line is False or left <= 0:
                raise AssertionError(
                    f"no line matching {pattern!r}; got {self.lines}; "
                    f"stderr {''.join(self.err)[-2000:]}")
            self.lines.append(line)
            if re.search(pattern, line):
                return line

    def wait(self, timeout=30):
        rc = self.proc.wait(timeout=timeout)
        while True:
            try:
                line = self.q.get(timeout=2)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        time.sleep(0.1)
        check_clean("".join(self.err))
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def mqtt_args(b, serial=SERIAL, code=ACCESS_CODE, *extra):
    return ["mqtt", "--host", "127.0.0.1", "--port", b.port, "--serial",
            serial, "--code", code, *extra]


def state_lines(lines):
    return [ln for ln in lines if ln.startswith("state ")]


def pins(lines):
    return [ln.split(" ", 1)[1] for ln in lines if ln.startswith("pin ")]


def connections(b):
    """Client ids the broker logged as connected, in order."""
    text = b.log.read_text(errors="replace") if b.log.exists() else ""
    return re.findall(r"New client connected from \S+ as (\S+) \(([^)]*)\)",
                      text)


# --- MQTT -----------------------------------------------------------------

def test_round_trip_and_ack(broker, mqtt_watch):
    serial = SERIAL + "A"
    w = mqtt_watch(broker, [f"device/{serial}/request"], qos=1)
    cmd = {"print": {"sequence_id": "2000101", "command": "project_file",
                     "param": "Metadata/plate_1.gcode"}}
    r = Running(*mqtt_args(broker, serial),
                "--publish", json.dumps(cmd),
                "--command", "print:project_file:2000101",
                "--wait-topic-report", 2, "--timeout", 30)
    try:
        r.expect(r"^state connected")
        got = w.wait_for(lambda t, p: True, timeout=10)
        assert got is not None, "the command never reached the broker"
        assert got[0] == f"device/{serial}/request"
        assert json.loads(got[1]) == cmd
        assert w.qos[got[0]] == 1
        # Someone else's echo first: must not resolve our command.
        w.publish(f"device/{serial}/report", {"print": {
            "command": "project_file", "sequence_id": "999",
            "result": "success"}})
        r.expect(r'^frame .*"999"')
        w.publish(f"device/{serial}/report", {"print": {
            "command": "project_file", "sequence_id": "2000101",
            "result": "SUCCESS", "param": "Metadata/plate_1.gcode"}})
        r.expect(r'^frame .*"2000101"')
        line = r.expect(r"^ack ")
        assert line.split()[1:5] == ["print", "project_file", "2000101", "ok"]
        assert r.wait() == 0
    finally:
        r.kill()
    acks = [ln for ln in r.lines if ln.startswith("ack ")]
    assert len(acks) == 1, acks
    ids = [c for c in connections(broker) if c[0].startswith(
        f"bambufarm-{serial}-")]
    assert len(ids) == 1, connections(broker)
    cid, flags = ids[0]
    assert re.fullmatch(rf"bambufarm-{serial}-\d+-\d+", cid)
    # p2 = MQTT 3.1.1, c1 = clean session, k30 = keepalive, user bblp
    assert "p2" in flags and "c1" in flags and "k30" in flags, flags
    assert "bblp" in flags


def test_failed_and_missing_acks(broker, mqtt_watch):
    serial = SERIAL + "B"
    w = mqtt_watch(broker, [f"device/{serial}/request"], qos=1)
    r = Running(*mqtt_args(broker, serial),
                "--publish", '{"print":{"sequence_id":"7","command":"pause"}}',
                "--command", "print:pause:7", "--timeout", 30)
    try:
        r.expect(r"^state connected")
        assert w.wait_for(lambda t, p: True, timeout=10)
        w.publish(f"device/{serial}/report", {"print": {
            "command": "pause", "sequence_id": "7", "result": "failed",
            "reason": "mqtt message verify failed"}})
        line = r.expect(r"^ack ")
        assert line == "ack print pause 7 failed mqtt message verify failed"
        assert r.wait() == 0
    finally:
        r.kill()

    # Nobody answers: the command times out (net-probe waits 5 s).
    rc, out = probe(*mqtt_args(broker, serial), "--publish",
                    '{"print":{"sequence_id":"8","command":"stop"}}',
                    "--command", "print:stop:8", "--timeout", 30)
    assert rc == 0, out
    assert any(ln.split()[:5] == ["ack", "print", "stop", "8", "timeout"]
               for ln in out), out


def test_bad_access_code_is_auth_failed(broker):
    rc, out = probe(*mqtt_args(broker, SERIAL, "00000000"), "--timeout", 20)
    assert rc == 2, out
    states = state_lines(out)
    assert states[-1].startswith("state auth_failed"), out
    assert "CONNACK" in states[-1]
    # no reconnect loop: exactly one attempt reached the broker
    assert sum(1 for ln in states if ln.startswith("state connecting")) == 1


def test_refused_connection_says_so(dead_port):
    """Nothing listens: the state names the refusal, not a timeout at the
    connect deadline."""
    class Dead:
        port = dead_port
    rc, out = probe(*mqtt_args(Dead), "--timeout", 20)
    states = state_lines(out)
    assert any("refused" in ln.lower() for ln in states), out
    assert not any("timed out" in ln for ln in states), out


def test_pin_first_contact_then_key_change_refused(private_broker):
    b = private_broker
    rc, out = probe(*mqtt_args(b), "--timeout", 20)
    assert rc == 0, out
    assert pins(out) == [b.pin], out
    first = b.pin

    rc, out = probe(*mqtt_args(b), "--pin", first, "--timeout", 20)
    assert rc == 0, out
    assert any(s.startswith("state connected") for s in state_lines(out))

    before = len(connections(b))
    b.restart()                       # same port, new key
    assert b.pin != first
    rc, out = probe(*mqtt_args(b), "--pin", first, "--timeout", 20)
    assert rc == 3, out
    last = state_lines(out)[-1]
    assert last.startswith("state untrusted"), out
    assert "key changed" in last and b.pin in last
    assert pins(out) == [b.pin]
    # Refused inside the TLS handshake: no MQTT CONNECT reached the broker.
    assert len(connections(b)) == before


def test_reconnect_fresh_id_and_adopted_pin(private_broker):
    b = private_broker
    r = Running(*mqtt_args(b), "--reconnect", "--wait-topic-report", 1000000,
                "--timeout", 60)
    try:
        r.expect(r"^state connected")
        b.restart(new_key=False)            # same key: comes back
        r.expect(r"^state disconnected")
        r.expect(r"^state connected", timeout=30)
        ids = [c for c, _ in connections(b)]
        assert len(ids) == 2 and ids[0] != ids[1], ids
        b.restart()                         # new key: refused
        r.expect(r"^state untrusted .*key changed", timeout=40)
        assert r.wait() == 3
    finally:
        r.kill()
    assert len(connections(b)) == 2


def test_ca_mode_checks_serial(private_broker, printer_pki):
    b = private_broker
    b.restart(cert=printer_pki.issue(SERIAL, name="ca-serial"))
    rc, out = probe(*mqtt_args(b), "--ca", printer_pki.ca, "--timeout", 20)
    assert rc == 0, out
    assert any(s.startswith("state connected") for s in state_lines(out))

    # A name given only as CN (no SAN) is accepted too.
    b.restart(cert=printer_pki.issue(SERIAL, dns=[], ips=[],
                                     name="ca-serial-cn-only"))
    rc, out = probe(*mqtt_args(b), "--ca", printer_pki.ca, "--timeout", 20)
    assert rc == 0, out

    before = len(connections(b))
    b.restart(cert=printer_pki.issue("01P00A391899999", name="ca-other"))
    rc, out = probe(*mqtt_args(b), "--ca", printer_pki.ca, "--timeout", 20)
    assert rc == 3, out
    last = state_lines(out)[-1]
    assert last.startswith("state untrusted") and SERIAL in last, out
    assert len(connections(b)) == before


def test_connect_200_figure(broker):
    """Not a timing assert: prints how long 200 connections take."""
    rc, out = probe("mqtt-bench", "--host", "127.0.0.1", "--port",
                    broker.port, "--code", ACCESS_CODE, "--count", 200,
                    "--serial-prefix", "BENCH", "--timeout", 60, timeout=120)
    line = next(ln for ln in out if ln.startswith("bench "))
    print(f"\n[figure] mqtt_poll: {line}")
    assert rc == 0, out
    assert "connected=200/200" in line


# --- FTPS -----------------------------------------------------------------

def ftps_args(f, serial=SERIAL, code=ACCESS_CODE, *extra):
    return ["ftps", "--host", "127.0.0.1", "--port", f.port, "--serial",
            serial, "--code", code, *extra]


def uploads(lines):
    out = {}
    for ln in lines:
        if ln.startswith("upload "):
            parts = ln.split(" ", 6)
            out[parts[1]] = {"result": parts[2],
                             "size": int(parts[3].split("=")[1]),
                             "remote_size": int(parts[4].split("=")[1]),
                             "pin": parts[5].split("=", 1)[1],
                             "error": parts[6] if len(parts) > 6 else ""}
    return out


def test_ftps_upload_3mib(ftps_server, tmp_path):
    src = tmp_path / "big.gcode.3mf"
    data = os.urandom(3 * 1024 * 1024)
    src.write_bytes(data)
    rc, out = probe(*ftps_args(ftps_server), "--put", src, "big.gcode.3mf")
    assert rc == 0, out
    u = uploads(out)["big.gcode.3mf"]
    assert u["result"] == "ok" and u["remote_size"] == len(data), u
    assert u["pin"] == ftps_server.pin
    assert (ftps_server.root / "big.gcode.3mf").read_bytes() == data


def test_ftps_two_in_parallel(ftps_server, tmp_path):
    a, b = tmp_path / "a.3mf", tmp_path / "b.3mf"
    a.write_bytes(os.urandom(1024 * 1024 + 17))
    b.write_bytes(os.urandom(200 * 1024))
    rc, out = probe(*ftps_args(ftps_server), "--put", a, "par-a.3mf",
                    "--put", b, "par-b.3mf")
    assert rc == 0, out
    u = uploads(out)
    assert u["par-a.3mf"]["result"] == "ok", u
    assert u["par-b.3mf"]["result"] == "ok", u
    assert (ftps_server.root / "par-a.3mf").read_bytes() == a.read_bytes()
    assert (ftps_server.root / "par-b.3mf").read_bytes() == b.read_bytes()


def test_ftps_pins(ftps_server, tmp_path):
    src = tmp_path / "p.3mf"
    src.write_bytes(b"x" * 5000)
    rc, out = probe(*ftps_args(ftps_server), "--pin", ftps_server.pin,
                    "--put", src, "pinned.3mf")
    assert rc == 0, out
    assert (ftps_server.root / "pinned.3mf").stat().st_size == 5000

    rc, out = probe(*ftps_args(ftps_server), "--pin", BAD_PIN,
                    "--put", src, "wrong-pin.3mf")
    assert rc == 3, out
    u = uploads(out)["wrong-pin.3mf"]
    assert u["result"] == "untrusted", u
    assert u["pin"] == ftps_server.pin
    assert not (ftps_server.root / "wrong-pin.3mf").exists()


def test_ftps_bad_access_code(ftps_server, tmp_path):
    src = tmp_path / "c.3mf"
    src.write_bytes(b"y" * 100)
    rc, out = probe(*ftps_args(ftps_server, SERIAL, "00000000"),
                    "--put", src, "denied.3mf")
    assert rc == 2, out
    assert uploads(out)["denied.3mf"]["result"] == "auth_failed"
    assert not (ftps_server.root / "denied.3mf").exists()


def test_ftps_ca_mode(printer_pki, tmp_path):
    f = FtpsServer(tmp_path / "ftps", printer_pki.issue(SERIAL,
                                                        name="ftps-serial"))
    f.start()
    try:
        src = tmp_path / "ca.3mf"
        src.write_bytes(b"z" * 4096)
        rc, out = probe(*ftps_args(f), "--ca", printer_pki.ca,
                        "--put", src, "ca.3mf")
        assert rc == 0, out
        assert (f.root / "ca.3mf").stat().st_size == 4096

        rc, out = probe(*ftps_args(f, "01P00A391899999"), "--ca",
                        printer_pki.ca, "--put", src, "ca-other.3mf")
        assert rc == 3, out
        assert uploads(out)["ca-other.3mf"]["result"] == "untrusted"
        assert not (f.root / "ca-other.3mf").exists()
    finally:
        f.stop()


def test_ftps_bad_input_fails_alone(ftps_server, tmp_path):
    src = tmp_path / "ok.3mf"
    src.write_bytes(b"k" * 10)
    rc, out = probe(*ftps_args(ftps_server), "--put", src, "../escape.3mf",
                    "--put", tmp_path / "missing.3mf", "missing.3mf",
                    "--put", src, "fine.3mf")
    assert rc == 1, out
    u = uploads(out)
    assert u["../escape.3mf"]["result"] == "failed"
    assert "invalid remote file name" in u["../escape.3mf"]["error"]
    assert u["missing.3mf"]["result"] == "failed"
    assert u["fine.3mf"]["result"] == "ok"
    assert (ftps_server.root / "fine.3mf").exists()
    assert not Path(ftps_server.root.parent / "escape.3mf").exists()
