"""Printer-side test infrastructure: what a farm of Bambu printers looks like
from the dispatcher, on loopback.

    Pki(dir)          a CA (ca.pem) and server certificates signed by it,
                      made with the openssl CLI; .issue(cn, ...) -> Cert
    Broker(...)       mosquitto with TLS 1.2 + a password file (user bblp,
                      access code "12345678") on a free 127.0.0.1 port;
                      .restart(cert=None) restarts it, by default with a
                      freshly generated key (the "changed certificate" case)
    FtpsServer(...)   implicit-TLS FTPS (pyftpdlib in a child process: TLS
                      from the first byte, PROT P, passive mode) with user
                      bblp and the shared root directory
    Sim(...)          the bambu-sim process ($FARM_BIN_DIR/bambu-sim),
                      .control(serial, {...}), .state(serial),
                      .wait_state(serial, pred)
    pin_of(cert_pem)  the "sha256//<base64>" pin of a certificate's key
    Watcher(broker)   a paho client recording messages on given topics

pytest fixtures (import them into conftest.py, see the end of this file):
    printer_pki    (session) Pki with the default server cert
    broker         (session) the shared Broker (do not restart it)
    ftps_server    (session) the shared FtpsServer
    private_broker (function) a Broker of the test's own (restart freely)
    bambu_sim      (function) factory: bambu_sim(printers=[("S1", "X1C")],
                   **opts) -> started Sim; all stopped after the test
    mqtt_watch     (function) factory: mqtt_watch(broker, topics) -> Watcher

Everything binds 127.0.0.1; every wait is bounded; processes are stopped in
teardown and their logs are quoted when they fail to start. The module also
runs as a script: `python3 printers.py ftps-serve ...` is the FTPS server's
child process.

Only the standard library, python3-paho-mqtt, python3-pyftpdlib and
python3-openssl (Debian).
"""

import argparse
import base64
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ACCESS_CODE = "12345678"
USER = "bblp"
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 15.0
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:")


def free_port():
    """A TCP port free on 127.0.0.1 right now (callers retry on a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, lines=40):
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except OSError as e:
        return f"({path}: {e.strerror})"
    return "\n".join(text[-lines:]) if text else f"({path}: empty)"


def bin_dir():
    d = Path(os.environ.get("FARM_BIN_DIR") or "build/asan")
    return d if d.is_absolute() else ROOT / d


def run(args, **kw):
    """Runs a command, raising with its output when it fails."""
    p = subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed "
                           f"({p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


def wait_port(port, proc, what, log, timeout=START_TIMEOUT):
    """Waits until 127.0.0.1:port accepts TCP connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n"
                               f"{tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within "
                       f"{timeout}s:\n{tail(log)}")


def stop_process(proc, timeout=10.0):
    """SIGTERM, then SIGKILL after timeout; returns the exit code."""
    if proc is None or proc.poll() is not None:
        return None if proc is None else proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(timeout=5)


# --- certificates -----------------------------------------------------------

def pin_of(cert_pem):
    """The libcurl-style pin of the certificate's public key:
    "sha256//" + base64(SHA-256(DER SubjectPublicKeyInfo))."""
    from OpenSSL import crypto
    data = Path(cert_pem).read_bytes()
    cert = crypto.load_certificate(crypto.FILETYPE_PEM, data)
    der = crypto.dump_publickey(crypto.FILETYPE_ASN1, cert.get_pubkey())
    return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()


class Cert:
    """A server certificate and its key (paths), and the key's pin."""

    def __init__(self, cert, key, cn):
        self.cert = Path(cert)
        self.key = Path(key)
        self.cn = cn
        self.pin = pin_of(cert)

    def __repr__(self):
        return f"Cert({self.cn!r}, {self.pin})"


class Pki:
    """A throw-away CA in dir (ca.pem, ca.key) issuing server certificates
    with EC P-256 keys (fast to make)."""

    def __init__(self, directory):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ca = self.dir / "ca.pem"
        self.ca_key = self.dir / "ca.key"
        self._n = 0
        run(["openssl", "req", "-x509", "-new", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", self.ca_key, "-out", self.ca, "-days", "30",
             "-subj", "/CN=bambufarm test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"])

    def issue(self, cn, dns=None, ips=("127.0.0.1",), name=None):
        """A new key and a certificate for it with subject CN=cn, signed by
        the CA. dns: DNS SANs (default: [cn], so both X509_check_host and
        libcurl's name check see the CN); ips: IP SANs (default 127.0.0.1,
        for clients that check the connect address). Returns a Cert."""
        self._n += 1
        base = self.dir / (name or f"server{self._n}")
        key, csr, crt = (base.with_suffix(".key"), base.with_suffix(".csr"),
                         base.with_suffix(".pem"))
        ext = base.with_suffix(".ext")
        dns = [cn] if dns is None else list(dns)
        san = [f"DNS:{d}" for d in dns] + [f"IP:{i}" for i in ips]
        lines = ["basicConstraints=CA:FALSE",
                 "keyUsage=critical,digitalSignature,keyEncipherment",
                 "extendedKeyUsage=serverAuth"]
        if san:
            lines.append("subjectAltName=" + ",".join(san))
        ext.write_text("\n".join(lines) + "\n")
        run(["openssl", "req", "-new", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", csr, "-subj", f"/CN={cn}"])
        run(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca,
             "-CAkey", self.ca_key, "-CAcreateserial", "-out", crt,
             "-days", "30", "-sha256", "-extfile", ext])
        return Cert(crt, key, cn)


# --- MQTT broker --------------------------------------------------------------

class Broker:
    """mosquitto on 127.0.0.1:<free port>: TLS 1.2 only, user bblp with the
    access code from a mosquitto_passwd file, no anonymous access, no
    persistence, log in <dir>/mosquitto.log."""

    def __init__(self, directory, pki, cert, password=ACCESS_CODE):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.pki = pki
        self.cafile = pki.ca
        self.cert = cert
        self.password = password
        self.port = None
        self.host = "127.0.0.1"
        self.log = self.dir / "mosquitto.log"
        self.conf = self.dir / "mosquitto.conf"
        self.passwd = self.dir / "passwd"
        self.proc = None
        self._restarts = 0

    @property
    def pin(self):
        return self.cert.pin

    def _write_conf(self):
        run(["mosquitto_passwd", "-b", "-c", self.passwd, USER,
             self.password])
        os.chmod(self.passwd, 0o600)
        me = pwd.getpwuid(os.getuid()).pw_name
        self.conf.write_text(f"""\
# generated by tests/e2e/printers.py
user {me}
per_listener_settings false
allow_anonymous false
password_file {self.passwd}
persistence false
log_dest file {self.log}
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
log_timestamp true
max_inflight_messages 1000
max_queued_messages 10000
listener {self.port} 127.0.0.1
cafile {self.cafile}
certfile {self.cert.cert}
keyfile {self.cert.key}
tls_version tlsv1.2
require_certificate false
""")

    def start(self):
        last = None
        for _ in range(5):
            if self.port is None:
                self.port = free_port()
            self._write_conf()
            out = open(self.dir / "mosquitto.out", "ab")
            self.proc = subprocess.Popen(
                ["mosquitto", "-c", str(self.conf)], stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            out.close()
            try:
                wait_port(self.port, self.proc, "mosquitto", self.log)
                return self
            except RuntimeError as e:
                last = e
                stop_process(self.proc)
                self.port = None   # taken meanwhile: try another
        raise RuntimeError(f"mosquitto would not start: {last}\n"
                           f"{tail(self.dir / 'mosquitto.out')}")

    def stop(self):
        stop_process(self.proc)
        self.proc = None

    def restart(self, cert=None, new_key=True, cn=None):
        """Stops the broker and starts it again on the same port. cert: the
        Cert to present; else, with new_key, a fresh key and certificate
        (CN cn or the current one's) so the pin changes."""
        if cert is None and new_key:
            self._restarts += 1
            cert = self.pki.issue(cn or self.cert.cn,
                                  name=f"broker-restart{self._restarts}-"
                                       f"{id(self)}")
        if cert is not None:
            self.cert = cert
        port = self.port
        self.stop()
        self.port = port
        deadline = time.monotonic() + START_TIMEOUT
        while True:   # the old socket may linger a moment
            try:
                return self.start()
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                self.port = port
                time.sleep(0.2)

    def client(self, client_id=None, **kw):
        """A connected paho client (loop running) as bblp."""
        return paho_client(self, client_id=client_id, **kw)

    def __repr__(self):
        return f"Broker(127.0.0.1:{self.port}, {self.cert})"


def paho_client(broker, client_id=None, on_message=None, password=None):
    import paho.mqtt.client as mqtt
    cid = client_id or f"test-{os.getpid()}-{time.monotonic_ns()}"
    c = mqtt.Client(client_id=cid, clean_session=True,
                    protocol=mqtt.MQTTv311)
    c.username_pw_set(USER, password or broker.password)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    ctx.load_verify_locations(str(broker.cafile))
    c.tls_set_context(ctx)
    if on_message:
        c.on_message = on_message
    connected = threading.Event()
    c.on_connect = lambda cl, ud, flags, rc: connected.set() if rc == 0 \
        else None
    c.connect("127.0.0.1", broker.port, keepalive=30)
    c.loop_start()
    if not connected.wait(10):
        c.loop_stop()
        raise RuntimeError(f"paho could not connect to {broker}")
    return c


class Watcher:
    """Records (topic, payload) of every message on the given topics."""

    def __init__(self, broker, topics, qos=0):
        self.messages = []
        self.qos = {}          # topic -> QoS of the last message on it
        self.cond = threading.Condition()
        self.client = paho_client(broker, on_message=self._on)
        done = threading.Event()
        self.client.on_subscribe = lambda *a: done.set()
        self.client.subscribe([(t, qos) for t in topics])
        if not done.wait(10):
            raise RuntimeError("subscribe timed out")

    def _on(self, client, userdata, msg):
        with self.cond:
            self.messages.append((msg.topic, bytes(msg.payload)))
            self.qos[msg.topic] = msg.qos
            self.cond.notify_all()

    def wait_for(self, pred, timeout=10.0):
        """The first (topic, payload) with pred(topic, payload) true, or
        None after timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, p in self.messages:
                    if pred(t, p):
                        return t, p
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def publish(self, topic, payload, qos=1):
        if not isinstance(payload, (str, bytes)):
            payload = json.dumps(payload)
        self.client.publish(topic, payload, qos=qos).wait_for_publish(10)

    def close(self):
        # DISCONNECT first: it wakes the network thread, which then ends at
        # once; loop_stop() alone waits out the thread's 1 s select().
        self.client.disconnect()
        self.client.loop_stop()


# --- FTPS server ----------------------------------------------------------

class FtpsServer:
    """Implicit FTPS (TLS from the first byte) by pyftpdlib in a child
    process: user bblp with the access code, write permission on root."""

    def __init__(self, directory, cert, root=None, password=ACCESS_CODE):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cert = cert
        self.root = Path(root) if root else self.dir / "sdcard"
        self.root.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.port = None
        self.host = "127.0.0.1"
        self.log = self.dir / "ftps.log"
        self.proc = None

    @property
    def pin(self):
        return self.cert.pin

    def start(self):
        last = None
        for _ in range(5):
            if self.port is None:
                self.port = free_port()
            log = open(self.log, "ab")
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "ftps-serve",
                 "--port", str(self.port), "--root", str(self.root),
                 "--cert", str(self.cert.cert), "--key", str(self.cert.key),
                 "--password", self.password],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            log.close()
            try:
                wait_port(self.port, self.proc, "ftps server", self.log)
                return self
            except RuntimeError as e:
                last = e
                stop_process(self.proc)
                self.port = None
        raise RuntimeError(f"ftps server would not start: {last}")

    def stop(self):
        stop_process(self.proc)
        self.proc = None

    def restart(self, cert):
        port = self.port
        self.stop()
        self.cert = cert
        self.port = port
        return self.start()

    def __repr__(self):
        return f"FtpsServer(127.0.0.1:{self.port}, root={self.root})"


def ftps_serve(argv):
    """The FTPS child process (see FtpsServer)."""
    import logging
    from OpenSSL import SSL
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import TLS_DTPHandler, TLS_FTPHandler
    from pyftpdlib.servers import FTPServer

    ap = argparse.ArgumentParser(prog="printers.py ftps-serve")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--password", default=ACCESS_CODE)
    a = ap.parse_args(argv)

    ctx = SSL.Context(SSL.TLS_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
    ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
    ctx.use_certificate_chain_file(a.cert)
    ctx.use_privatekey_file(a.key)

    class DataHandler(TLS_DTPHandler):
        """pyftpdlib closes a data channel that turns readable before its
        transfer command; with PROT P the client's TLS handshake does just
        that, so stay readable while the handshake runs."""

        def readable(self):
            if self._ssl_accepting:
                return True
            return super().readable()

    class ImplicitTLSHandler(TLS_FTPHandler):
        """Wraps the control connection in TLS before the banner, like a
        printer on port 990; PROT P is required for data."""
        ssl_context = ctx
        tls_control_required = True
        tls_data_required = True
        banner = "bambufarm test FTPS ready."
        dtp_handler = DataHandler

        def handle(self):
            self.secure_connection(self.ssl_context)
            super().handle()

    auth = DummyAuthorizer()
    auth.add_user(USER, a.password, a.root, perm="elradfmwMT")
    ImplicitTLSHandler.authorizer = auth
    ImplicitTLSHandler.passive_ports = None
    logging.basicConfig(level=logging.DEBUG if os.environ.get("FTPS_DEBUG") else logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(message)s")
    server = FTPServer(("127.0.0.1", a.port), ImplicitTLSHandler)
    server.max_cons = 512
    signal.signal(signal.SIGTERM, lambda *x: server.close_all())
    server.serve_forever(timeout=0.5, handle_exit=True)
    return 0


# --- the simulator --------------------------------------------------------

class Sim:
    """bambu-sim talking to broker, checking uploads in ftp_root. printers:
    [(serial, model), ...]; or count/model/serial_prefix. Its state topics
    sim/<SERIAL>/state are recorded from the start."""

    def __init__(self, directory, broker, ftp_root, printers=None, count=None,
                 model="X1C", serial_prefix="SIM", time_scale=60,
                 job_seconds=None, extra_args=()):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.broker = broker
        self.ftp_root = Path(ftp_root)
        self.printers = list(printers or [])
        if count:
            self.printers += [(f"{serial_prefix}{i:05d}", model)
                              for i in range(count)]
        self.count = count
        self.model = model
        self.serial_prefix = serial_prefix
        self.time_scale = time_scale
        self.job_seconds = job_seconds
        self.extra_args = list(extra_args)
        self.log = self.dir / "bambu-sim.log"
        self.proc = None
        self.watch = None
        self._states = {}

    @property
    def serials(self):
        return [s for s, _ in self.printers]

    def args(self):
        a = [str(bin_dir() / "bambu-sim"), "--host", "127.0.0.1",
             "--port", str(self.broker.port), "--cafile",
             str(self.broker.cafile), "--user", USER, "--password",
             self.broker.password, "--ftp-dir", str(self.ftp_root),
             "--time-scale", str(self.time_scale)]
        if self.job_seconds is not None:
            a += ["--job-seconds", str(self.job_seconds)]
        if self.count:
            a += ["--count", str(self.count), "--model", self.model,
                  "--serial-prefix", self.serial_prefix]
        else:
            for s, m in self.printers:
                a += ["--printer", f"{s}:{m}"]
        return a + self.extra_args

    def start(self, timeout=START_TIMEOUT):
        exe = bin_dir() / "bambu-sim"
        if not exe.exists():
            raise RuntimeError(f"{exe} not built")
        self.watch = Watcher(self.broker, ["sim/+/state"])
        log = open(self.log, "ab")
        env = dict(os.environ,
                   ASAN_OPTIONS="abort_on_error=0:detect_leaks=1",
                   UBSAN_OPTIONS="print_stacktrace=1")
        self.proc = subprocess.Popen(self.args(), stdout=log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        log.close()
        deadline = time.monotonic() + timeout
        for s in self.serials:
            if self.state(s, timeout=max(0.1, deadline - time.monotonic())) \
                    is None:
                self.stop(check=False)
                raise RuntimeError(f"bambu-sim published no state for {s} "
                                   f"within {timeout}s:\n{tail(self.log)}")
        return self

    def _latest(self, serial):
        topic = f"sim/{serial}/state"
        for t, p in reversed(self.watch.messages):
            if t == topic:
                try:
                    return json.loads(p)
                except ValueError:
                    return None
        return None

    def state(self, serial, timeout=0.0):
        """The latest sim/<serial>/state as a dict (waits up to timeout for
        the first one), or None."""
        got = self.watch.wait_for(lambda t, p: t == f"sim/{serial}/state",
                                  timeout)
        return self._latest(serial) if got else None

    def wait_state(self, serial, pred, timeout=20.0):
        """Waits until pred(state dict) is true; returns that state or
        raises AssertionError quoting the last state seen."""
        deadline = time.monotonic() + timeout
        last = None
        with self.watch.cond:
            while True:
                last = self._latest(serial)
                if last is not None and pred(last):
                    return last
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"sim {serial}: condition not met "
                                         f"in {timeout}s; last state {last}")
                self.watch.cond.wait(left)

    def control(self, serial, obj):
        """Publishes obj (dict) on sim/<serial>/control."""
        self.watch.publish(f"sim/{serial}/control", obj)

    def stop(self, check=True):
        """Stops the process; with check, fails on a sanitizer report or an
        unclean exit in its log."""
        rc = stop_process(self.proc)
        self.proc = None
        if self.watch:
            self.watch.close()
            self.watch = None
        if check:
            text = self.log.read_text(errors="replace") \
                if self.log.exists() else ""
            for m in SANITIZER_MARKERS:
                if m in text:
                    raise AssertionError(f"sanitizer report from bambu-sim:\n"
                                         f"{tail(self.log, 60)}")
            if rc not in (None, 0, -signal.SIGTERM):
                raise AssertionError(f"bambu-sim exited with {rc}:\n"
                                     f"{tail(self.log)}")


# --- pytest fixtures --------------------------------------------------------

try:
    import pytest
except ImportError:   # running as the FTPS child
    pytest = None


def _keep():
    return os.environ.get("FARM_E2E_KEEP") == "1"


if pytest is not None:
    @pytest.fixture(scope="session")
    def printer_tmp():
        d = Path(tempfile.mkdtemp(prefix="bambufarm-printers-"))
        yield d
        if not _keep():
            shutil.rmtree(d, ignore_errors=True)

    @pytest.fixture(scope="session")
    def printer_pki(printer_tmp):
        """Pki with .default: the shared servers' certificate (CN
        "bambufarm test printer", SAN localhost/127.0.0.1)."""
        pki = Pki(printer_tmp / "pki")
        pki.default = pki.issue("bambufarm-test-printer",
                                dns=["localhost"], name="default")
        return pki

    @pytest.fixture(scope="session")
    def broker(printer_pki, printer_tmp):
        b = Broker(printer_tmp / "broker", printer_pki,
                   printer_pki.default).start()
        yield b
        b.stop()

    @pytest.fixture(scope="session")
    def ftps_server(printer_pki, printer_tmp):
        f = FtpsServer(printer_tmp / "ftps", printer_pki.default).start()
        yield f
        f.stop()

    @pytest.fixture
    def private_broker(printer_pki, tmp_path):
        """A broker of this test's own, free to restart or re-key."""
        b = Broker(tmp_path / "broker", printer_pki,
                   printer_pki.default).start()
        yield b
        b.stop()

    @pytest.fixture
    def bambu_sim(broker, ftps_server, tmp_path):
        """Factory: bambu_sim(printers=[(serial, model)], broker=...,
        ftp_root=..., time_scale=..., job_seconds=..., count=..., model=...,
        serial_prefix=..., extra_args=[...]) -> started Sim. Stopped (and
        its log checked for sanitizer reports) after the test."""
        sims = []

        def make(printers=None, broker_=None, ftp_root=None, **kw):
            s = Sim(tmp_path / f"sim{len(sims)}", broker_ or broker,
                    ftp_root or ftps_server.root, printers=printers, **kw)
            sims.append(s)
            return s.start()

        yield make
        errors = []
        for s in sims:
            try:
                s.stop()
            except AssertionError as e:
                errors.append(str(e))
        if errors:
            raise AssertionError("\n".join(errors))

    @pytest.fixture
    def mqtt_watch():
        """Factory: mqtt_watch(broker, ["device/S/request"], qos=0) ->
        Watcher (closed after the test)."""
        ws = []

        def make(b, topics, qos=0):
            w = Watcher(b, topics, qos=qos)
            ws.append(w)
            return w

        yield make
        for w in ws:
            w.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "ftps-serve":
        sys.exit(ftps_serve(sys.argv[2:]))
    print("usage: printers.py ftps-serve --port P --root DIR --cert C "
          "--key K [--password X]", file=sys.stderr)
    sys.exit(2)
