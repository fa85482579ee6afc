"""pytest fixtures for the dashboard's browser tests: headless Chromium
(Debian's chromium + chromium-driver, driven by python3-selenium) against
the real stack of the end-to-end suite — nginx, the worker pool, and for
the story the broker, FTPS server, bambu-sim and farm-dispatch --watch.

The e2e suite's fixtures (stack, user, broker, ftps_server, bambu_sim,
mqtt_watch, smtp_sink, webhook_receiver) are reused from tests/e2e, loaded
under another module name so both suites can run in one pytest session.

Fixtures:
  chrome   (function) a Chrome (chrome.py) on the shared stack, with no
           cookies: .page(path), .fill({...}), .submit(), .shot(name) ...
  signed   (function) chrome signed in as a fresh user -> (chrome, user)
"""

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
E2E = HERE.parent / "e2e"
for p in (str(HERE), str(E2E)):
    if p not in sys.path:
        sys.path.insert(0, p)

_spec = importlib.util.spec_from_file_location("e2e_conftest",
                                               E2E / "conftest.py")
_e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_e2e)

shared_stack = _e2e.shared_stack
stack = _e2e.stack
user = _e2e.user
_sanitizer_watch = _e2e._sanitizer_watch

from chrome import Chrome  # noqa: E402
from printers import (printer_tmp, printer_pki, broker, ftps_server,  # noqa: E402,F401
                      bambu_sim, mqtt_watch)
from receivers import smtp_sink, webhook_receiver  # noqa: E402,F401


@pytest.fixture(scope="session")
def _chrome_session(shared_stack):
    c = Chrome(shared_stack.url)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def chrome(_chrome_session):
    c = _chrome_session
    c.d.get(c.url + "/static/style.css")   # on the site, to clear its cookies
    c.d.delete_all_cookies()
    c.d.get_log("browser")                 # start each test with a clean log
    yield c


def sign_in(chrome, user):
    chrome.page("/login")
    chrome.fill({"email": user.email, "password": user.password})
    chrome.submit("form[action='/login'] button[type=submit]")
    chrome.wait(lambda: chrome.d.current_url.rstrip("/") == chrome.url,
                what="the overview after signing in")


@pytest.fixture
def signed(chrome, user):
    sign_in(chrome, user)
    return chrome, user
