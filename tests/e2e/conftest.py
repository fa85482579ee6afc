"""pytest fixtures for the end-to-end suite (real nginx, real worker pool).

    python3 -m pytest tests/e2e                 # against build/asan
    FARM_BIN_DIR=build python3 -m pytest tests/e2e
    FARM_E2E_KEEP=1 ...                         # keep the temp dir and logs

Fixtures:
  stack   (session) one running Stack: .url, .farmctl(*args, input=None,
          check=True), .make_user(email=None, password=...), .session(token)
  user    (function) a fresh user: .email .password .token .api
  cgi     (session) cgi(method, path, body=b"", headers={}, env=None) runs
          farm.fcgi once as plain CGI -> (status, headers, body)

After every test that used the stack, the worker log is searched for
sanitizer reports written during that test, so a memory error fails the test
that caused it; the whole log is checked again when the stack stops (leaks
are only reported when the workers exit).

All pytest configuration lives here (no pytest.ini).
"""

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


@pytest.fixture(scope="session")
def stack():
    s = Stack(workers=2)
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(autouse=True)
def _sanitizer_watch(request):
    """Fails a test whose requests made a worker print a sanitizer report."""
    if "stack" not in request.fixturenames:
        yield
        return
    s = request.getfixturevalue("stack")
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


@pytest.fixture(scope="session")
def cgi(stack):
    return stack.cgi
