"""The overview (/) through nginx with a cookie session: a card per printer
of the owner's only (names auto-escaped), the AMS slots as swatches with
their remaining %, the next print, the attention strip (a failed print of
the day, a low spool, a printer that needs attention) and today's numbers;
the live fields static/app.js updates; the status vocabulary for the
script."""

import re
import uuid

from test_pages import assert_html, get, sign_in

BASE = "/api/bambu/scheduled-prints"


def printer(api, name, model="X1C"):
    r = api.post("/api/printers", json={
        "name": name, "model": model, "serial": uuid.uuid4().hex[:12],
        "host": "127.0.0.1", "port": 1, "access_code": "12345678"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def upload(api, name="part.3mf"):
    r = api.put(f"/api/files/{name}", data=b"PK\x03\x04part",
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text


def queue(api, printer_id, name, **kw):
    r = api.post(BASE, json={"printer_id": printer_id, "name": name,
                             "file": "part.3mf", "estimated_minutes": 30,
                             **kw})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_signed_out_overview_leads_to_sign_in(stack):
    from test_pages import browser
    assert get(browser(stack), "/").headers["Location"] in ("/login",
                                                            "/setup")


def test_overview_shows_the_owners_farm(stack, user):
    api = user.api
    upload(api)
    a = printer(api, "X1C <b>one</b>")
    b = printer(api, "P1S-two", model="P1S")
    r = api.post(f"/api/bambu/materials/{a}", json={
        "slot": 0, "material_type": "PLA", "color": "#FF0000",
        "remaining_percent": 80})
    assert r.status_code == 201, r.text
    r = api.post(f"/api/bambu/materials/{a}", json={
        "slot": 1, "material_type": "PETG", "color": "#00AAFF",
        "remaining_percent": 4})
    assert r.status_code == 201, r.text
    queue(api, a, "Next cube")
    failed = queue(api, b, "Vase")
    for body in ({"status": "started"},
                 {"status": "failed", "failure_reason": "Spaghetti"}):
        r = api.put(f"{BASE}/{failed}", json=body)
        assert r.status_code == 200, r.text

    other = stack.make_user()
    printer(other.api, "Not yours")

    r = get(sign_in(stack, user), "/")
    assert_html(r, 200)
    html = r.text
    assert "X1C &lt;b&gt;one&lt;/b&gt;" in html and "<b>one</b>" not in html
    assert "P1S-two" in html and "Not yours" not in html
    # a card per printer, with the fields the script keeps live
    for pid in (a, b):
        card = re.search(r'<article class="card printer-card" '
                         rf'data-printer="{pid}">(.*?)</article>', html, re.S)
        assert card, html
        for field in ("status", "job_name", "progress", "progress_text",
                      "remaining", "ends_at", "nozzle_temp", "bed_temp"):
            assert f'data-field="{field}"' in card.group(1), field
    # the AMS: two spools with colour and %, two empty outlines
    assert 'fill="#FF0000"' in html and "1: PLA" in html and "80 %" in html
    assert html.count(": empty</span>") == 2 + 4
    assert "Next: Next cube" in html
    # attention: the failed print with its reason and the low spool
    strip = re.search(r'<section class="attention".*?</section>', html, re.S)
    assert strip, html
    assert "Print failed: Vase" in strip.group(0)
    assert "Spaghetti" in strip.group(0)
    assert "PETG in slot 2 is low (4 %)" in strip.group(0)
    # today: one queued, one failed
    numbers = dict(re.findall(r"<dt>(\w[\w ]*)</dt><dd>([^<]*)</dd>", html))
    assert numbers["Queued"] == "1" and numbers["Failed"] == "1", numbers
    # the status vocabulary for static/app.js, and the script itself
    assert '<li data-kind="printer" data-status="printing"' in html
    assert '<script src="/static/app.js" defer></script>' in html
    assert 'aria-current="page">Overview</a>' in html


def test_overview_without_printers_offers_to_add_one(stack):
    u = stack.make_user()
    r = get(sign_in(stack, u), "/")
    assert_html(r, 200)
    assert "No printers yet." in r.text
    assert 'href="/printers/new"' in r.text
    assert "Needs attention" not in r.text


def test_the_overview_is_never_stale_nor_another_sessions(stack):
    """The workers keep the rendered overview (web/pagecache) only while
    nothing was written and only for the session it was made for."""
    from test_pages import meta_csrf
    u = stack.make_user()
    pid = printer(u.api, "Before")
    one, two = sign_in(stack, u), sign_in(stack, u)
    for _ in range(4):                  # every worker has rendered it
        first = get(one, "/")
        assert "Before" in first.text
    second = get(two, "/")
    assert "Before" in second.text
    # each session gets the page with its own CSRF token
    assert meta_csrf(first.text) != meta_csrf(second.text)
    assert meta_csrf(get(one, "/").text) == meta_csrf(first.text)
    r = u.api.put(f"/api/printers/{pid}", json={"name": "After"})
    assert r.status_code == 200, r.text
    for _ in range(4):
        html = get(one, "/").text
        assert "After" in html and "Before" not in html
