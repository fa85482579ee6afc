"""Connecting an Etsy shop from /account in headless Chromium (issue 13
item 1): the "Connect an Etsy shop" link, the fake Etsy's consent redirect
back to /etsy/callback, the shop pending until farm-dispatch --once
exchanges the code, then connected with its name; "Sync now" answers with
a notice and "Disconnect" asks first. Screenshots: build/screenshots/etsy*.

The stack is a private one: its workers need the FARM_ETSY_* settings at
start, and farm-dispatch acts on every shop of its database."""

import subprocess

from chrome import Chrome
from conftest import sign_in
from fake_etsy import FakeEtsy, KEYSTRING, SHARED_SECRET
from printers import bin_dir
from stack import Stack, check_sanitizers


class EtsyStack(Stack):
    """A stack whose workers (and dispatcher) talk to the fake Etsy."""

    def __init__(self, fake, **kw):
        super().__init__(own=True, **kw)
        self.fake = fake

    def app_env(self):
        env = super().app_env()
        env.update({
            "FARM_ETSY_KEYSTRING": KEYSTRING,
            "FARM_ETSY_SECRET": SHARED_SECRET,
            "FARM_PUBLIC_URL": "http://127.0.0.1",
            "FARM_ETSY_API": self.fake.url,
            "FARM_ETSY_CONNECT": self.fake.url + "/oauth/connect",
            "FARM_ETSY_POLL": "0",
        })
        return env


def dispatch_once(st):
    env = st.env()
    env.pop("FARM_PRINTER_CA", None)
    p = subprocess.run([str(bin_dir() / "farm-dispatch"), "--once",
                        "--budget-ms", "300"],
                       capture_output=True, text=True, env=env, timeout=120)
    check_sanitizers("farm-dispatch", p.stderr)
    assert p.returncode == 0, p.stderr


def row(c):
    rows = c.finds("#etsy li[data-shop]")
    assert len(rows) == 1, [r.text for r in rows]
    return rows[0]


def test_connect_an_etsy_shop_from_the_account_page():
    fake = FakeEtsy(shop_name="LayerLabStudio")
    try:
        with EtsyStack(fake, workers=2) as st:
            # the redirect URI is FARM_PUBLIC_URL's; the browser comes back
            # to this stack's port (what a proxy in front would do)
            fake.back_to = st.url
            user = st.make_user()
            c = Chrome(st.url)
            try:
                sign_in(c, user)
                c.page("/account")
                assert "No Etsy shops yet." in c.find("#etsy").text
                c.shot("etsy-empty")

                c.find("#etsy a[href='/etsy/connect']").click()
                c.wait(lambda: c.d.current_url.startswith(st.url + "/account")
                       and c.finds("#etsy li[data-shop]"),
                       what="back from Etsy's consent page")
                c.check_console("the connect round trip")
                assert "Etsy shop connected" in c.d.page_source
                r = row(c)
                assert r.get_attribute("data-status") == "pending"
                assert "Pending" in r.text
                assert not c.finds("#etsy form[action$='/sync']")

                dispatch_once(st)
                c.page("/account")
                r = row(c)
                assert r.get_attribute("data-status") == "connected"
                assert "LayerLabStudio" in r.text
                assert "Connected" in r.find_element(
                    "css selector", "[data-field=status]").text
                c.shot("etsy")

                c.submit("#etsy form[action$='/sync'] button[type=submit]")
                c.wait(lambda: "Sync requested" in c.d.page_source,
                       what="the sync notice")
                dispatch_once(st)
                c.page("/account")
                assert "last sync" in row(c).text

                c.find("#etsy details.confirm summary").click()
                c.shot("etsy-disconnect")
                c.submit("#etsy form[action$='/disconnect'] "
                         "button[type=submit]")
                c.wait(lambda: "Etsy shop disconnected" in c.d.page_source,
                       what="the disconnect notice")
                assert not c.finds("#etsy li[data-shop]")
                api = user.api.get("/api/etsy/shops").json()["shops"]
                assert api == []
            finally:
                c.close()
    finally:
        fake.close()
