"""pytest fixtures for the end-to-end suite (real nginx, real worker pool).

    python3 -m pytest tests/e2e                 # against build/asan
    FARM_BIN_DIR=build python3 -m pytest tests/e2e
    FARM_E2E_KEEP=1 ...                         # keep the temp dir and logs

Fixtures:
  shared_stack (session) the stack this pytest process shares (for
          module-scoped fixtures; tests ask for `stack`)
  stack   a running Stack: .url, .farmctl(*args, input=None, check=True),
          .make_user(email=None, password=...), .session(token). One per
          pytest process (shared by its tests), except for tests marked
          own_stack: each of those gets a fresh stack of its own (its own
          port, DATA_DIR and worker log). farm-dispatch and farm-deliver
          act on every printer and outbox row in a database, so the tests
          that run them are marked own_stack (the runners check it).
  user    (function) a fresh user: .email .password .token .api
  cgi     (function) cgi(method, path, body=b"", headers={}, env=None) runs
          farm.fcgi once as plain CGI -> (status, headers, body)
  dead_port (function) a 127.0.0.1 port that nothing listens on for the
          whole test (held bound, so no other process can take it)

The suite runs in parallel under pytest-xdist (`-n 2`): every server a
test talks to is started by this process on a free 127.0.0.1 port, in a
temp directory of its own.

After every test that used the stack, the worker log is searched for
sanitizer reports written during that test, so a memory error fails the test
that caused it; the whole log is checked again when the stack stops (leaks
are only reported when the workers exit).

All pytest configuration lives here (no pytest.ini).
"""

import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import Stack  # noqa: E402
from printers import (printer_tmp, printer_pki, broker, ftps_server,  # noqa: E402,F401
                      private_broker, bambu_sim, mqtt_watch)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: takes more than a few seconds")
    config.addinivalue_line(
        "markers", "own_stack: the test gets a stack of its own (needed by "
        "every test that runs farm-dispatch or farm-deliver)")


def _running_stack(own):
    s = Stack(workers=2, own=own)
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def shared_stack():
    yield from _running_stack(own=False)


@pytest.fixture
def stack(request):
    if request.node.get_closest_marker("own_stack"):
        yield from _running_stack(own=True)
    else:
        yield request.getfixturevalue("shared_stack")


@pytest.fixture(autouse=True)
def _sanitizer_watch(request):
    """Fails a test whose requests made a worker print a sanitizer report."""
    names = [n for n in ("stack", "shared_stack") if n in request.fixturenames]
    if not names:
        yield
        return
    s = request.getfixturevalue(names[0])
    start = s.worker_log_size()
    yield
    s.check_worker_log(start)


@pytest.fixture
def user(stack):
    u = stack.make_user()
    try:
        yield u
    finally:
        u.api.close()


@pytest.fixture
def cgi(stack):
    return stack.cgi


@pytest.fixture
def dead_port():
    """A port on 127.0.0.1 that refuses connections for the whole test: a
    socket bound to it without SO_REUSEADDR and never listening keeps every
    other process (another xdist worker's broker, say) from taking it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]
