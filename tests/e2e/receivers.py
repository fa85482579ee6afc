"""Real receivers for notification deliveries, on 127.0.0.1 free ports.

SmtpSink: Debian's aiosmtpd as a subprocess writing a Maildir
    (/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT
     -c aiosmtpd.handlers.Mailbox DIR), optionally with STARTTLS required
    (tls=(cert, key)). .url is the smtp:// URL for FARM_SMTP_URL,
    .messages() the parsed messages delivered so far (email.message
    objects with the sink's X-RcptTo header), .stop() ends the process.

WebhookReceiver: an http.server in a thread that records every request
    (.requests: list of Request(path, headers, body, status)) and answers
    200 unless told otherwise:
        .answer(status, retry_after=None)   every later request
        .slow(seconds)                      sleep before answering
        .down() / .up()                     close / reopen the listening
                                            port (the same one)
    .url(path) is a URL on it; .wait_for(n) waits (bounded) for n requests.

Fixtures: smtp_sink, webhook_receiver (function scope).
"""

import email
import email.policy
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PYTHON = "/usr/bin/python3"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


class SmtpSink:
    def __init__(self, tls=None):
        self.dir = Path(tempfile.mkdtemp(prefix="farm-smtp-"))
        self.maildir = self.dir / "mail"
        self.tls = tls
        self.port = None
        self.proc = None
        self.log = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        for _ in range(3):
            self.port = free_port()
            args = [PYTHON, "-m", "aiosmtpd", "-n",
                    "-l", f"127.0.0.1:{self.port}",
                    "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)]
            if self.tls:
                args[4:4] = ["--tlscert", str(self.tls[0]),
                             "--tlskey", str(self.tls[1])]
            self.log = open(self.dir / "sink.log", "ab")
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                         stdout=self.log, stderr=self.log)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if _listening(self.port):
                    return self
                time.sleep(0.05)
            self.stop(keep_dir=True)
        raise RuntimeError("aiosmtpd did not start: "
                           + (self.dir / "sink.log").read_text(errors="replace"))

    def messages(self):
        out = []
        new = self.maildir / "new"
        if not new.is_dir():
            return out
        for p in sorted(new.iterdir()):
            with open(p, "rb") as f:
                out.append(email.message_from_binary_file(
                    f, policy=email.policy.default))
        return out

    def raw_messages(self):
        new = self.maildir / "new"
        if not new.is_dir():
            return []
        return [p.read_bytes() for p in sorted(new.iterdir())]

    def stop(self, keep_dir=False):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
        if self.log is not None:
            self.log.close()
            self.log = None
        if not keep_dir:
            subprocess.run(["rm", "-rf", str(self.dir)], check=False)


@dataclass
class Request:
    path: str
    headers: dict
    body: bytes
    status: int = 0


@dataclass
class _Behaviour:
    status: int = 200
    retry_after: object = None
    delay: float = 0.0


class WebhookReceiver:
    def __init__(self):
        self.port = None      # the first up() binds port 0 and keeps it
        self.requests = []
        self.behaviour = _Behaviour()
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.server = None
        self.thread = None

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with receiver.lock:
                    b = receiver.behaviour
                    status, retry_after, delay = (b.status, b.retry_after,
                                                  b.delay)
                if delay:
                    time.sleep(delay)
                req = Request(self.path,
                              {k.lower(): v for k, v in self.headers.items()},
                              body, status)
                # Recorded before answering: once the sender has its answer
                # the request is in .requests.
                with receiver.cond:
                    receiver.requests.append(req)
                    receiver.cond.notify_all()
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.send_header("Content-Length", "2")
                self.end_headers()
                try:
                    self.wfile.write(b"ok")
                    self.wfile.flush()
                except OSError:
                    pass

        return Handler

    def up(self):
        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port or 0),
                                          self._handler())
        self.port = self.server.server_address[1]
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        return self

    def down(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
            self.server = None

    def answer(self, status, retry_after=None):
        with self.lock:
            self.behaviour.status = status
            self.behaviour.retry_after = retry_after

    def slow(self, seconds):
        with self.lock:
            self.behaviour.delay = seconds

    def wait_for(self, n, timeout=10):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.requests) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            return list(self.requests)

    def snapshot(self):
        with self.lock:
            return list(self.requests)


@pytest.fixture
def smtp_sink():
    s = SmtpSink().start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def webhook_receiver():
    r = WebhookReceiver().up()
    try:
        yield r
    finally:
        r.down()
