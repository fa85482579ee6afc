"""The real bambufarm stack on loopback, for end-to-end tests.

Stack(bin_dir) makes a private temp directory, runs `farmctl migrate` on a
fresh DATA_DIR, renders conf/nginx.conf.in for a free 127.0.0.1 port, starts
the farm.fcgi pool (spawn-fcgi + multiwatch) with the workers' stderr in a
log file, starts nginx in front of it and waits for GET /api/health.

stop() ends every process it started and then reads the worker log: any
AddressSanitizer, LeakSanitizer or UBSan report in it fails the run with an
AssertionError quoting the report. That is how the suite proves the code is
clean under the sanitizers (the default bin dir is build/asan). farmctl and
one-shot CGI runs are checked the same way, at once.

Only the standard library and requests (Debian python3-requests).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests
from requests.structures import CaseInsensitiveDict

import dbconn

ROOT = Path(__file__).resolve().parents[2]

# Lines that mean a sanitizer found a bug.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:")

ASAN_OPTIONS = "abort_on_error=0:detect_leaks=1"
UBSAN_OPTIONS = "print_stacktrace=1"

# Environment a plain-CGI run starts from (a web server passes no more).
CGI_INHERIT = ("PATH", "LANG", "LC_ALL", "TZ", "HOME", "TMPDIR")


def need_own_stack(stack, what):
    """farm-dispatch and farm-deliver act on every printer and outbox row
    in a database: a test runs them only on a stack of its own (marked
    own_stack), never on the one its process shares, where they would dial
    the printers and deliver the notifications of other tests."""
    if not getattr(stack, "own", False):
        raise AssertionError(f"{what} needs a stack of the test's own: mark "
                             f"the test (or module) pytest.mark.own_stack")


def need_bin(path):
    """path if it is an executable file; else the test fails (a binary the
    build should have made is missing: never a skip)."""
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} missing or not executable (build it: "
                             f"make asan, or set FARM_BIN_DIR)")
    return path


class StackError(RuntimeError):
    """The stack could not be started; the message carries the logs."""


def resolve_bin_dir(bin_dir=None):
    """bin_dir, else FARM_BIN_DIR, else build/asan; relative to the project
    root unless absolute."""
    d = Path(bin_dir or os.environ.get("FARM_BIN_DIR") or "build/asan")
    return d if d.is_absolute() else ROOT / d


def free_port():
    """A TCP port free on 127.0.0.1 right now (the caller retries if it is
    taken before nginx binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, lines=40):
    """The last lines of a file as text, or a note that it is missing."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return f"({path}: {e.strerror})"
    text = data.decode("utf-8", "replace").splitlines()
    if not text:
        return f"({path}: empty)"
    return "\n".join(text[-lines:])


def sanitizer_reports(text, context=25):
    """Excerpts of text around each sanitizer report line ('' if none)."""
    lines = text.splitlines()
    out = []
    i = 0
    while i < len(lines):
        if any(m in lines[i] for m in SANITIZER_MARKERS):
            chunk = lines[i:i + context]
            out.append("\n".join(chunk))
            i += len(chunk)
        else:
            i += 1
    return "\n---\n".join(out)


def check_sanitizers(what, text):
    """Raises AssertionError quoting any sanitizer report in text."""
    found = sanitizer_reports(text)
    if found:
        raise AssertionError(f"sanitizer report from {what}:\n{found}")


class ApiSession(requests.Session):
    """A requests.Session bound to the stack's base URL: request("GET",
    "/api/me") goes to <base>/api/me. With a token it sends
    Authorization: Bearer <token> on every request. Requests time out after
    30 s unless told otherwise, so a hung worker fails a test instead of
    hanging the suite."""

    def __init__(self, base_url, token=None, timeout=30):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.default_timeout = timeout
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, url, *args, **kwargs):
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


class User:
    """A user created through farmctl, with an API token and a session."""

    def __init__(self, email, password, token, api):
        self.email = email
        self.password = password
        self.token = token
        self.api = api

    def __repr__(self):
        return f"User({self.email!r})"


class CgiResponse(tuple):
    """(status, headers, body) from one plain-CGI run; also .stderr and
    .returncode for tests that care."""

    def __new__(cls, status, headers, body, stderr, returncode):
        self = super().__new__(cls, (status, headers, body))
        self.status = status
        self.headers = headers
        self.body = body
        self.stderr = stderr
        self.returncode = returncode
        return self


def parse_cgi_output(out):
    """Splits a CGI response into (status, headers, body). Status comes from
    a "Status: 404 Not Found" line, else 302 with a Location, else 200.
    Repeated headers are joined with ", " (as requests does)."""
    cut = [(i, n) for i, n in ((out.find(b"\r\n\r\n"), 4),
                               (out.find(b"\n\n"), 2)) if i >= 0]
    if not cut:
        raise AssertionError(f"CGI output has no end of headers: {out[:500]!r}")
    i, n = min(cut)
    head, body = out[:i], out[i + n:]
    headers = CaseInsensitiveDict()
    for line in head.decode("latin-1").splitlines():
        if not line.strip():
            continue
        if ":" not in line:
            raise AssertionError(f"bad CGI header line {line!r}")
        name, value = line.split(":", 1)
        name, value = name.strip(), value.strip()
        if name in headers:
            headers[name] = headers[name] + ", " + value
        else:
            headers[name] = value
    status = 200
    if "Status" in headers:
        m = re.match(r"\s*(\d{3})", headers["Status"])
        if not m:
            raise AssertionError(f"bad CGI Status {headers['Status']!r}")
        status = int(m.group(1))
    elif "Location" in headers:
        status = 302
    return status, headers, body


class Stack:
    """nginx + the farm.fcgi pool on a private DATA_DIR and a free port."""

    START_TIMEOUT = 30.0   # ASan builds start slower
    STOP_TIMEOUT = 15.0    # LeakSanitizer runs when a worker exits

    # The tests' printers, brokers and receivers are on loopback, which the
    # outbound policy refuses by default (docs/OPERATIONS.md).
    LOOPBACK = "127.0.0.0/8, ::1/128"

    def __init__(self, bin_dir=None, workers=2, keep=None, own=False,
                 database=None, data_dir=None, sqlite=False, env=None,
                 nginx_extra=None, outbound_allow=LOOPBACK):
        """database, data_dir: run on another stack's (a second web host
        of the same install: its PostgreSQL database and its DATA_DIR, which
        several hosts share for the files and the secret key); neither is
        removed at stop. sqlite: keep the default SQLite database in
        DATA_DIR even when the suite runs on PostgreSQL (an install to move
        there with farmctl db copy). env: settings of this stack only.
        nginx_extra: lines added to nginx's server block (a TLS listen).
        outbound_allow: FARM_OUTBOUND_ALLOW for every process of the stack
        (None: the default policy)."""
        self.outbound_allow = outbound_allow
        self.bin_dir = resolve_bin_dir(bin_dir)
        self.workers = workers
        self.own = own   # one test's own stack (conftest: own_stack)
        self.keep = (os.environ.get("FARM_E2E_KEEP") == "1"
                     if keep is None else keep)
        self.tmp = None
        self.data_dir = None
        self.run_dir = None
        self.socket = None
        self.port = None
        self.url = None
        self.worker_log = None
        self.nginx_log = None
        self.nginx_out = None
        self._pool = None
        self._nginx = None
        self._files = []
        self._users = 0
        self.database = database   # the stack's PostgreSQL database
        self._shared_data = data_dir
        self._own_database = False
        self._sqlite = sqlite
        self.extra_env = dict(env or {})   # settings of this stack only
        self.nginx_extra = nginx_extra     # server-block lines (a TLS listen)

    # --- environment -----------------------------------------------------

    def env(self):
        """Environment for farm.fcgi and farmctl: ours plus the stack's
        DATA_DIR, templates and sanitizer options."""
        env = dict(os.environ)
        env.pop("FARM_OUTBOUND_ALLOW", None)
        env.update(self.app_env())
        return env

    def app_env(self):
        env = {"FARM_DATABASE": self.database} if self.database else {}
        if self.outbound_allow is not None:
            env["FARM_OUTBOUND_ALLOW"] = self.outbound_allow
        return env | self.extra_env | {
            "DATA_DIR": str(self.data_dir),
            "FARM_TEMPLATES": os.environ.get("FARM_TEMPLATES",
                                             str(ROOT / "templates")),
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", ASAN_OPTIONS),
            "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", UBSAN_OPTIONS),
        }

    # --- start -----------------------------------------------------------

    def start(self):
        for b in ("farm.fcgi", "farmctl"):
            p = self.bin_dir / b
            if not os.access(p, os.X_OK):
                raise StackError(f"{p} missing or not executable "
                                 f"(build it, or set FARM_BIN_DIR)")
        for prog in ("nginx", "spawn-fcgi", "multiwatch"):
            if not self._which(prog):
                raise StackError(f"{prog} not found (apt-get install "
                                 f"{'nginx-light' if prog == 'nginx' else prog})")

        self.tmp = Path(tempfile.mkdtemp(prefix="farm-e2e-"))
        self.data_dir = Path(self._shared_data or self.tmp / "data")
        self.run_dir = self.tmp / "run"
        self.socket = self.run_dir / "farm.sock"
        self.worker_log = self.tmp / "worker.log"
        self.nginx_log = self.run_dir / "nginx-error.log"
        self.nginx_out = self.tmp / "nginx.out"
        (self.run_dir / "tmp").mkdir(parents=True)
        if self.nginx_extra:
            (self.run_dir / "extra-test.conf").write_text(self.nginx_extra)

        try:
            if (dbconn.pg_admin() and self.database is None and
                    not self._sqlite):
                self.database = dbconn.create_database()
                self._own_database = True
            self.farmctl("migrate")
            self._start_pool()
            last = None
            for _ in range(3):      # the free port may be taken meanwhile
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
                try:
                    self._start_nginx()
                    break
                except StackError as e:
                    last = e
                    if "Address already in use" not in tail(self.nginx_log):
                        raise
            else:
                raise last
            self._wait_healthy()
        except BaseException:
            self._stop_processes()
            self._close_files()
            raise
        return self

    def _which(self, prog):
        path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/local/sbin"
        return shutil.which(prog, path=path)

    def _start_pool(self):
        log = open(self.worker_log, "ab")
        self._files.append(log)
        self._pool = subprocess.Popen(
            [self._which("spawn-fcgi"), "-s", str(self.socket), "-M", "0660",
             "-n", "--", self._which("multiwatch"), "-f", str(self.workers),
             "--", str(self.bin_dir / "farm.fcgi")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            env=self.env(), cwd=str(self.tmp), start_new_session=True)

    def _render_conf(self):
        text = (ROOT / "conf" / "nginx.conf.in").read_text()
        subst = {
            "@PORT@": str(self.port),
            "@RUN_DIR@": str(self.run_dir),
            "@STATIC_DIR@": str(ROOT / "static"),
            "@USER_LINE@": "user root;" if os.geteuid() == 0 else "",
        }
        for k, v in subst.items():
            text = text.replace(k, v)
        left = re.findall(r"@[A-Z_]+@", text)
        if left:
            raise StackError(f"nginx.conf.in has unknown placeholders {left}")
        conf = self.run_dir / "nginx.conf"
        conf.write_text(text)
        return conf

    def _start_nginx(self):
        conf = self._render_conf()
        if self.nginx_log.exists():
            self.nginx_log.unlink()
        args = [self._which("nginx"), "-p", f"{self.run_dir}/",
                "-e", str(self.nginx_log), "-c", str(conf)]
        out = open(self.nginx_out, "ab")
        self._files.append(out)
        self._nginx = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            start_new_session=True)
        # nginx exits at once when it cannot bind; give it a moment to say so.
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            if self._nginx.poll() is not None:
                rc = self._nginx.returncode
                self._nginx = None
                raise StackError(self._report(f"nginx exited ({rc})"))
            if self._listening():
                return
            time.sleep(0.02)

    def _listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2):
                return True
        except OSError:
            return False

    def _wait_healthy(self):
        deadline = time.monotonic() + self.START_TIMEOUT
        last = "no answer"
        while True:
            if self._pool.poll() is not None:
                raise StackError(self._report(
                    f"the worker pool exited ({self._pool.returncode})"))
            if self._nginx.poll() is not None:
                raise StackError(self._report(
                    f"nginx exited ({self._nginx.returncode})"))
            try:
                r = requests.get(self.url + "/api/health", timeout=2)
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text[:200]!r}"
            except requests.RequestException as e:
                last = str(e)
            if time.monotonic() > deadline:
                raise StackError(self._report(
                    f"GET /api/health did not answer 200 within "
                    f"{self.START_TIMEOUT:.0f}s (last: {last})"))
            time.sleep(0.1)

    def _report(self, what):
        return (f"bambufarm stack failed to start: {what}\n"
                f"bin dir {self.bin_dir}, temp dir {self.tmp}\n"
                f"--- nginx error log ({self.nginx_log}):\n"
                f"{tail(self.nginx_log)}\n"
                f"--- nginx output:\n{tail(self.nginx_out)}\n"
                f"--- worker log ({self.worker_log}):\n"
                f"{tail(self.worker_log)}")

    # --- stop ------------------------------------------------------------

    def _signal_group(self, proc, sig):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _stop_one(self, proc, graceful, timeout):
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.send_signal(graceful)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Anything left in its process group (workers of a dead multiwatch,
        # nginx workers) goes now.
        self._signal_group(proc, signal.SIGTERM)
        time.sleep(0.05)
        self._signal_group(proc, signal.SIGKILL)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def _stop_processes(self):
        # nginx first (QUIT: finish in-flight requests), then the pool:
        # multiwatch turns TERM into USR1 for its workers, which finish
        # their request and exit, running LeakSanitizer on the way out.
        self._stop_one(self._nginx, signal.SIGQUIT, 5)
        self._nginx = None
        self._stop_one(self._pool, signal.SIGTERM, self.STOP_TIMEOUT)
        self._pool = None
        if self.socket is not None:
            try:
                self.socket.unlink()
            except FileNotFoundError:
                pass

    def _close_files(self):
        for f in self._files:
            f.close()
        self._files = []

    def stop(self):
        """Stops everything, then fails if a sanitizer reported anything.
        The temp dir is removed unless it holds a failure or FARM_E2E_KEEP=1
        asks to keep it."""
        if self.tmp is None:
            return
        self._stop_processes()
        self._close_files()
        if self._own_database and not self.keep:
            dbconn.drop_database(self.database)
        text = self.read_worker_log()
        found = sanitizer_reports(text)
        if found or self.keep:
            print(f"bambufarm e2e: kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp = None
        if found:
            raise AssertionError(
                f"sanitizer report in the worker log "
                f"({self.worker_log}):\n{found}")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- logs ------------------------------------------------------------

    def read_worker_log(self, offset=0):
        try:
            with open(self.worker_log, "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def worker_log_size(self):
        try:
            return self.worker_log.stat().st_size
        except OSError:
            return 0

    def check_worker_log(self, offset=0):
        """Raises AssertionError if the worker log holds a sanitizer report
        after offset (a size from worker_log_size())."""
        check_sanitizers("a farm.fcgi worker", self.read_worker_log(offset))

    # --- helpers for tests -----------------------------------------------

    @property
    def backend(self):
        return "postgresql" if self.database else "sqlite"

    def db(self):
        """The stack's database (dbconn.Db): SQLite or PostgreSQL."""
        return dbconn.Db(self.database or f"sqlite:{self.data_dir}/farm.db")

    def query(self, sql, params=()):
        """Rows (dicts) of one query on the stack's database."""
        return self.db().query(sql, params)

    def db_write(self, sql, params=()):
        """One write to the stack's database, committed; its rowcount
        (only to fake the passage of time or a broken row)."""
        return self.db().execute(sql, params)

    def farmctl(self, *args, input=None, check=True, timeout=60):
        """Runs $FARM_BIN_DIR/farmctl with the stack's DATA_DIR. input is
        str or bytes for stdin. Returns the CompletedProcess (text)."""
        if isinstance(input, bytes):
            input = input.decode()
        p = subprocess.run(
            [str(self.bin_dir / "farmctl"), *map(str, args)],
            input=input if input is not None else "",
            capture_output=True, text=True, env=self.env(),
            cwd=str(self.tmp), timeout=timeout)
        check_sanitizers(f"farmctl {' '.join(map(str, args))}", p.stderr)
        if check and p.returncode != 0:
            raise AssertionError(
                f"farmctl {' '.join(map(str, args))} exited "
                f"{p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def session(self, token=None):
        """An ApiSession on this stack, with the token if given."""
        return ApiSession(self.url, token)

    def make_user(self, email=None, password="pw-secret-123", admin=False):
        """Creates a user (unique email unless given) and an API token;
        admin: farmctl user add --admin (the stack's first user is one
        anyway)."""
        if email is None:
            self._users += 1
            email = f"user{self._users}-{uuid.uuid4().hex[:8]}@example.test"
        self.farmctl("user", "add", email, *(["--admin"] if admin else []),
                     input=password)
        token = self.farmctl("token", "add", email).stdout.strip()
        if not token or len(token.split()) != 1:
            raise AssertionError(f"farmctl token add printed {token!r}")
        return User(email, password, token, self.session(token))

    def cgi(self, method, path, body=b"", headers=None, env=None,
            timeout=30):
        """Runs farm.fcgi once as plain CGI on the stack's DATA_DIR and
        returns (status, headers, body); headers is case-insensitive.
        path may carry a query string. headers become HTTP_* variables
        (Content-Type and Content-Length also CONTENT_TYPE/LENGTH, as nginx
        passes both); env overrides or, with None values, removes
        variables."""
        if isinstance(body, str):
            body = body.encode()
        headers = dict(headers or {})
        doc, _, query = path.partition("?")
        e = {k: os.environ[k] for k in CGI_INHERIT if k in os.environ}
        e.update(self.app_env())
        e.update({
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_SOFTWARE": "bambufarm-e2e",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_SCHEME": "http",
            "SERVER_NAME": "localhost",
            "SERVER_ADDR": "127.0.0.1",
            "SERVER_PORT": str(self.port or 80),
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "40000",
            "REQUEST_METHOD": method.upper(),
            "REQUEST_URI": path,
            "DOCUMENT_URI": doc,
            "SCRIPT_NAME": doc,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)) if body else "",
            "CONTENT_TYPE": "",
            "HTTP_HOST": "127.0.0.1",
        })
        for name, value in headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            e[key] = str(value)
            if name.lower() == "content-type":
                e["CONTENT_TYPE"] = str(value)
            elif name.lower() == "content-length":
                e["CONTENT_LENGTH"] = str(value)
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = str(v)
        p = subprocess.run([str(self.bin_dir / "farm.fcgi")], input=body,
                           capture_output=True, env=e, cwd=str(self.tmp),
                           timeout=timeout)
        stderr = p.stderr.decode("utf-8", "replace")
        check_sanitizers(f"farm.fcgi as CGI ({method} {path})", stderr)
        if p.returncode < 0:
            raise AssertionError(f"farm.fcgi as CGI died of signal "
                                 f"{-p.returncode}\nstderr: {stderr}")
        if not p.stdout:
            raise AssertionError(f"farm.fcgi as CGI printed nothing "
                                 f"(exit {p.returncode})\nstderr: {stderr}")
        status, hdrs, out = parse_cgi_output(p.stdout)
        return CgiResponse(status, hdrs, out, stderr, p.returncode)
