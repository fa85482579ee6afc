"""Headless Chromium through Selenium for the dashboard tests.

Chrome(url) starts Debian's chromium with chromedriver, closed to the
network but loopback, with a private profile; .page(path) loads a page and
fails the test on any console error; .shot(name) writes the screenshot of
the whole page at 1280 and 375 px wide to build/screenshots/NAME-WIDTH.png;
.audit() checks what every page must hold: a label for every control, no
horizontal overflow at the current width.
"""

import os
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
         "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions",
         "--disable-features=Translate,MediaRouter,OptimizationHints",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

# What a page may log: nothing but our own deliberate 4xx answers to a
# test's requests (a page that is meant to be a 404 logs its status).
ALLOWED_LOG = ("the server responded with a status of 404",
               "the server responded with a status of 403",
               "the server responded with a status of 422")

# Controls that must carry a label (a <label for>, a wrapping <label>,
# aria-label or aria-labelledby).
UNLABELLED_JS = """
const out = [];
for (const el of document.querySelectorAll(
        'input:not([type=hidden]):not([type=submit]):not([type=button]),'
        + 'select, textarea')) {
    const id = el.id;
    const labelled = el.getAttribute('aria-label')
        || el.getAttribute('aria-labelledby')
        || el.closest('label')
        || (id && document.querySelector('label[for="' + CSS.escape(id) + '"]'));
    if (!labelled) out.push(el.outerHTML.slice(0, 120));
}
for (const el of document.querySelectorAll('button')) {
    if (!el.textContent.trim() && !el.getAttribute('aria-label'))
        out.push(el.outerHTML.slice(0, 120));
}
return out;
"""


class Chrome:
    def __init__(self, url):
        self.url = url
        self.profile = Path(tempfile.mkdtemp(prefix="farm-chrome-"))
        for p in (CHROMIUM, CHROMEDRIVER):
            if not os.access(p, os.X_OK):
                raise RuntimeError(f"{p} missing: apt-get install chromium "
                                   f"chromium-driver")
        o = Options()
        for f in FLAGS:
            o.add_argument(f)
        o.add_argument(f"--user-data-dir={self.profile}")
        o.binary_location = CHROMIUM
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
        self.d.set_window_size(1280, 900)

    def close(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # --- pages -----------------------------------------------------------

    def page(self, path, errors_ok=False):
        """Loads path and returns the driver; console errors fail."""
        self.d.get(self.url + path)
        if not errors_ok:
            self.check_console(path)
        return self.d

    def check_console(self, what):
        bad = [e for e in self.d.get_log("browser")
               if e["level"] in ("SEVERE", "WARNING")
               and not any(a in e["message"] for a in ALLOWED_LOG)]
        assert not bad, f"console errors on {what}: {bad}"

    def find(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        return self.find(css).text

    def fill(self, values):
        """Types values {name: text} into the form controls of those
        names (selects are chosen by visible text or value)."""
        from selenium.webdriver.support.ui import Select
        for name, v in values.items():
            el = self.find(f'[name="{name}"]')
            if el.tag_name == "select":
                s = Select(el)
                try:
                    s.select_by_visible_text(v)
                except Exception:
                    s.select_by_value(v)
            elif el.get_attribute("type") == "checkbox":
                if el.is_selected() != bool(v):
                    el.click()
            else:
                el.clear()
                el.send_keys(v)

    def submit(self, css="form button[type=submit]"):
        self.find(css).click()

    def wait(self, pred, timeout=20, what="condition"):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(
                lambda d: pred())
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what} on "
                                 f"{self.d.current_url}")

    # --- checks --------------------------------------------------------

    def audit(self, what):
        missing = self.d.execute_script(UNLABELLED_JS)
        assert not missing, f"{what}: controls without a label: {missing}"
        sw, cw = self.d.execute_script(
            "return [document.documentElement.scrollWidth,"
            " document.documentElement.clientWidth]")
        assert sw <= cw, f"{what}: page overflows ({sw} > {cw} px)"

    def settle(self):
        """Returns after two animation frames: a layout pass is done."""
        self.d.execute_async_script(
            "requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")

    def shot(self, name, widths=(1280, 375)):
        """Screenshots of the whole page at each width (and the audit at
        each), then the window back to 1280 x 900."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        for w in widths:
            self.d.set_window_size(w, 900)
            self.settle()
            self.audit(f"{name} at {w} px")
            h = self.d.execute_script(
                "return document.documentElement.scrollHeight")
            self.d.set_window_size(w, min(max(h + 200, 600), 6000))
            self.d.save_screenshot(str(SHOTS / f"{name}-{w}.png"))
        self.d.set_window_size(1280, 900)
