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

Markers: slow; own_stack (above); postgres: the test needs the PostgreSQL
cluster of `make e2e-pg` (FARM_TEST_PG), for what only PostgreSQL has or
to compare the two backends. Without FARM_TEST_PG such tests are
deselected, never silently skipped: the run says how many and that
`make e2e-pg` runs them.

All pytest configuration lives here (no pytest.ini).
"""

import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dbconn  # noqa: E402
from stack import Stack  # noqa: E402
from printers import (printer_tmp, printer_pki, broker, ftps_server,  # noqa: E402,F401
                      private_broker, bambu_sim, mqtt_watch)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: takes more than a few seconds")
    config.addinivalue_line(
        "markers", "own_stack: the test gets a stack of its own (needed by "
        "every test that runs farm-dispatch or farm-deliver)")
    config.addinivalue_line(
        "markers", "postgres: needs the PostgreSQL cluster of make e2e-pg "
        "(FARM_TEST_PG); deselected without it")


def pytest_collection_modifyitems(config, items):
    """Without FARM_TEST_PG the tests marked postgres cannot run: they are
    deselected (and the run says so), never reported as passed or
    skipped."""
    if dbconn.pg_admin():
        return
    pg = [i for i in items if i.get_closest_marker("postgres")]
    if not pg:
        return
    config.hook.pytest_deselected(items=pg)
    items[:] = [i for i in items if not i.get_closest_marker("postgres")]
    config._farm_pg_deselected = len(pg)


def pytest_sessionfinish(session):
    # an xdist worker hands its count to the controller, which prints it
    out = getattr(session.config, "workeroutput", None)
    if out is not None:
        out["farm_pg_deselected"] = getattr(session.config,
                                            "_farm_pg_deselected", 0)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist (controller): a worker finished; keep its deselected count
    (every worker collects the same tests)."""
    n = getattr(node, "workeroutput", {}).get("farm_pg_deselected", 0)
    cfg = node.config
    cfg._farm_pg_deselected = max(getattr(cfg, "_farm_pg_deselected", 0), n)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = getattr(config, "_farm_pg_deselected", 0)
    if n:
        terminalreporter.write_line(
            f"{n} test{'s' if n != 1 else ''} marked postgres deselected: "
            f"FARM_TEST_PG is not set (make e2e-pg runs them on a "
            f"throwaway PostgreSQL cluster)")


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
