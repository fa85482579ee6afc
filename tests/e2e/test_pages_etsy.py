"""The Etsy shops section of /account through nginx with a cookie session
(issue 13 item 1): only the user's own shops, with a status word and the
last sync; "Sync now" answers with a notice; "Disconnect" needs the csrf
field and leaves the shop gone; another user's shop is a 404."""

import re

import pytest

from test_etsy import FAKE, connect, dispatch  # noqa: F401 (sets FARM_ETSY_*)
from test_pages import assert_html, get, hidden_csrf, post, sign_in


@pytest.fixture
def fake():
    FAKE.reset()
    yield FAKE


def shop_rows(html):
    """{id: (status, text)} of the Etsy section's rows."""
    return {int(m.group(1)): (m.group(2), m.group(3)) for m in re.finditer(
        r'<li data-shop="(\d+)" data-status="([a-z_]+)">(.*?)</li>', html,
        re.S)}


def follow(b, r):
    assert r.status_code == 303, r.text[:500]
    loc = r.headers["Location"]
    assert loc.startswith("/account")
    r = get(b, loc.split("#")[0])
    assert_html(r, 200)
    return r


@pytest.mark.own_stack
def test_account_lists_only_own_shops_sync_and_disconnect(stack, user, fake):
    shop = connect(stack, user.api, fake)
    assert shop["status"] == "connected"
    other = stack.make_user()
    r = other.api.post("/api/etsy/shops")          # a pending connect
    assert r.status_code == 201, r.text
    theirs = r.json()["id"]

    b = sign_in(stack, user)
    r = get(b, "/account")
    assert_html(r, 200)
    assert "Etsy shops" in r.text
    assert 'href="/etsy/connect"' in r.text and "Connect an Etsy shop" in r.text
    rows = shop_rows(r.text)
    assert list(rows) == [shop["id"]], rows
    status, text = rows[shop["id"]]
    assert status == "connected"
    assert fake.shop_name in text and "Connected" in text
    assert "Sync now" in text and "Disconnect" in text
    assert '<details class="confirm">' in text
    token = hidden_csrf(r.text)

    ob = sign_in(stack, other)
    r = get(ob, "/account")
    assert_html(r, 200)
    assert fake.shop_name not in r.text
    rows = shop_rows(r.text)
    assert list(rows) == [theirs] and rows[theirs][0] == "pending"
    assert "Sync now" not in rows[theirs][1]        # nothing to sync yet
    # another user's shop: 404 for both forms, and it stays
    oc = hidden_csrf(r.text)
    assert_html(post(ob, f"/etsy/shops/{shop['id']}/sync", {"csrf": oc}), 404)
    assert_html(post(ob, f"/etsy/shops/{shop['id']}/disconnect",
                     {"csrf": oc}), 404)

    # sync: a notice, and the dispatcher's next run imports
    r = follow(b, post(b, f"/etsy/shops/{shop['id']}/sync", {"csrf": token}))
    assert "Sync requested" in r.text
    assert_html(post(b, f"/etsy/shops/{shop['id']}/sync", {"csrf": "x"}), 403)
    dispatch(stack)
    r = get(b, "/account")
    assert "last sync <time" in shop_rows(r.text)[shop["id"]][1]

    # a pending shop cannot be synced
    assert_html(post(ob, f"/etsy/shops/{theirs}/sync", {"csrf": oc}), 409)

    # disconnect needs the csrf field
    assert_html(post(b, f"/etsy/shops/{shop['id']}/disconnect", {}), 403)
    assert_html(post(b, f"/etsy/shops/{shop['id']}/disconnect",
                     {"csrf": "wrong"}), 403)
    assert [s["id"] for s in user.api.get("/api/etsy/shops").json()["shops"]] \
        == [shop["id"]]
    r = follow(b, post(b, f"/etsy/shops/{shop['id']}/disconnect",
                       {"csrf": token}))
    assert "Etsy shop disconnected" in r.text
    assert shop_rows(r.text) == {}
    assert "No Etsy shops yet." in r.text
    assert user.api.get("/api/etsy/shops").json()["shops"] == []
    assert [s["id"] for s in other.api.get("/api/etsy/shops").json()["shops"]] \
        == [theirs]


def test_connect_signed_out_leads_to_sign_in(stack):
    from test_pages import browser
    r = get(browser(stack), "/etsy/connect")
    assert r.status_code == 303 and r.headers["Location"] == "/login"
