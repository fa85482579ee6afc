"""/queue through nginx with a cookie session: the farm's prints with
their filters (active by default, status, printer, order, unassigned),
never another user's; the row actions (cancel with its confirmation form,
retry a failed print as a new queued copy, a link to the print's page
whose form moves it to another printer or to any printer); the new-print
form bound with the API's rules (success, a
422 with errors beside their fields and the input kept, a wrong CSRF
token; the 100 newest open prints to chain after, and any open one through
?chain_after_id, linked from the print's page); and the timeline's lanes and bars at positions computed from known
times (farm.fcgi run once as CGI with FARM_NOW, like test_pages_stats)."""

import html as htmllib
import json
import re
import time
import uuid
from datetime import datetime, timezone

import pytest

from test_pages import assert_html, get, meta_csrf, post, sign_in

BASE = "/api/bambu/scheduled-prints"


def new_printer(api, name):
    r = api.post("/api/printers", json={
        "name": name, "model": "X1C", "serial": uuid.uuid4().hex[:12],
        "host": "127.0.0.1", "access_code": "12345678"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def upload(api, name="part.3mf"):
    r = api.put(f"/api/files/{name}", data=b"PK\x03\x04 a plate",
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text


def new_print(api, printer, name, minutes=30, **fields):
    body = {"printer_id": printer, "name": name, "file": "part.3mf",
            "estimated_minutes": minutes}
    body.update(fields)
    r = api.post(BASE, json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def put(api, pid, body):
    r = api.put(f"{BASE}/{pid}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def fetch(api, pid):
    """One of the user's prints, as the API lists it."""
    r = api.get(f"{BASE}?limit=1000")
    assert r.status_code == 200, r.text
    found = [p for p in r.json()["prints"] if p["id"] == pid]
    assert found, pid
    return found[0]


def rows(html):
    """{print id: row html} of the queue table."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return {int(m.group(1)): m.group(2) for m in re.finditer(
        r'<tr data-print="(\d+)">(.*?)</tr>', body, re.S)}


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class Farm:
    pass


@pytest.fixture(scope="module")
def farm(shared_stack):
    """The owner's printers alpha and beta with a queued, a scheduled, a
    started, a failed and a cancelled print and one for any printer; an
    order with a print; another user with a print of their own."""
    f = Farm()
    f.owner = shared_stack.make_user()
    f.other = shared_stack.make_user()
    api = f.owner.api
    upload(api)
    f.alpha = new_printer(api, "alpha <i>")
    f.beta = new_printer(api, "beta")
    r = api.post("/api/orders", json={"buyer": "Ada", "items": []})
    f.order = r.json()["id"] if r.status_code == 201 else None
    f.queued = new_print(api, f.alpha, "queued <b>cube</b>")
    f.scheduled = new_print(api, f.beta, "scheduled vase",
                            scheduled_at=iso(int(time.time()) + 7200))
    f.started = new_print(api, f.alpha, "printing now", 120)
    put(api, f.started, {"status": "started"})
    f.failed = new_print(api, f.beta, "failed bracket", 45, plate=2,
                         nozzle_temp=215, grams=12, material_type="PETG",
                         color="#00FF00",
                         **({"order_id": f.order} if f.order else {}))
    put(api, f.failed, {"status": "started"})
    put(api, f.failed, {"status": "failed", "failure_reason": "warped"})
    f.cancelled = new_print(api, f.alpha, "cancelled thing")
    assert api.delete(f"{BASE}/{f.cancelled}").status_code in (200, 204)
    f.anywhere = new_print(api, None, "anywhere print")

    upload(f.other.api)
    f.their_printer = new_printer(f.other.api, "theirs")
    f.secret = "secret-" + uuid.uuid4().hex[:8]
    f.theirs = new_print(f.other.api, f.their_printer, f.secret)
    f.browser = sign_in(shared_stack, f.owner)
    yield f
    f.browser.close()


def page(farm, path="/queue"):
    r = get(farm.browser, path)
    assert_html(r, 200)
    return r.text


# --- signed out -----------------------------------------------------------


def test_signed_out(stack, farm):
    s = stack.session()
    r = s.get("/queue", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    for path in ("/queue", f"/queue/{farm.queued}/cancel",
                 f"/queue/{farm.failed}/retry", f"/queue/{farm.queued}/move"):
        r = s.post(path, data={"csrf": "x"}, allow_redirects=False)
        assert_html(r, 403)
    assert fetch(farm.owner.api, farm.queued)["status"] == "queued"


# --- the list -------------------------------------------------------------


def test_default_shows_the_active_prints(farm):
    html = page(farm)
    got = rows(html)
    assert set(got) == {farm.queued, farm.scheduled, farm.started,
                        farm.anywhere}, got.keys()
    assert farm.secret not in html and "theirs" not in html
    # names auto-escaped, in the row and the timeline
    assert "queued &lt;b&gt;cube&lt;/b&gt;" in html
    assert "<b>cube</b>" not in html and "alpha <i>" not in html
    q = got[farm.queued]
    assert "alpha &lt;i&gt;" in q and "part.3mf" in q
    assert 'data-field="status"' in q and "Queued" in q
    assert f'action="/queue/{farm.queued}/cancel"' in q
    assert f'href="/queue/{farm.queued}#move"' in q
    assert "<select" not in q and "retry" not in q
    # position in alpha's queue: the started print runs, the queued is 1st
    cells = re.findall(r'<td class="num">([^<]*)</td>', q)
    assert cells[0] == "0" and cells[1] == "1", cells
    assert "any printer" in got[farm.anywhere]
    s = got[farm.started]
    assert "Printing" in s and "/cancel" not in s and "#move" not in s
    # the chain choices of the form: the open prints only
    assert f'<option value="{farm.started}"' in html
    assert f'<option value="{farm.failed}"' not in html.split(
        'id="np-chain"')[1].split("</select>")[0]


def test_filters(farm):
    got = rows(page(farm, "/queue?status=failed"))
    assert set(got) == {farm.failed}
    f = got[farm.failed]
    assert "warped" in f and f'action="/queue/{farm.failed}/retry"' in f
    assert "/cancel" not in f
    assert set(rows(page(farm, "/queue?status=cancelled"))) == {farm.cancelled}
    got = rows(page(farm, f"/queue?status=all&printer_id={farm.alpha}"))
    assert set(got) == {farm.queued, farm.started, farm.cancelled}
    assert set(rows(page(farm, "/queue?unassigned=1"))) == {farm.anywhere}
    if farm.order:
        got = rows(page(farm, f"/queue?status=all&order_id={farm.order}"))
        assert set(got) == {farm.failed}
    # the filter form keeps the choice
    assert '<option value="failed" selected>' in page(
        farm, "/queue?status=failed")
    assert "No prints match" in page(farm, "/queue?status=completed")


def test_other_users_ids_are_not_found(farm):
    r = get(farm.browser, f"/queue?printer_id={farm.their_printer}")
    assert_html(r, 404)
    token = meta_csrf(page(farm))
    for action in ("cancel", "retry", "move"):
        r = post(farm.browser, f"/queue/{farm.theirs}/{action}",
                 {"csrf": token, "printer_id": ""})
        assert_html(r, 404)
    assert fetch(farm.other.api, farm.theirs)["status"] == "queued"
    # moving one's own print onto their printer: the API's 422
    r = post(farm.browser, f"/queue/{farm.queued}/move",
             {"csrf": token, "printer_id": str(farm.their_printer)})
    assert_html(r, 422)
    assert fetch(farm.owner.api, farm.queued)["printer_id"] == farm.alpha


def test_bad_filters_are_422(farm):
    assert_html(get(farm.browser, "/queue?status=bogus"), 422)
    assert_html(get(farm.browser, "/queue?page=0"), 422)


# --- row actions ----------------------------------------------------------


def test_cancel_confirms_and_checks_csrf(farm):
    api = farm.owner.api
    pid = new_print(api, farm.beta, "to cancel")
    html = page(farm)
    row = rows(html)[pid]
    # the confirmation step works without scripts: a <details> form
    assert '<details class="confirm"><summary>Cancel</summary>' in row
    r = post(farm.browser, f"/queue/{pid}/cancel", {"csrf": "wrong"})
    assert_html(r, 403)
    assert fetch(api, pid)["status"] == "queued"
    r = post(farm.browser, f"/queue/{pid}/cancel", {"csrf": meta_csrf(html)})
    assert r.status_code == 303 and r.headers["Location"] == "/queue"
    assert fetch(api, pid)["status"] == "cancelled"
    assert "Print to cancel cancelled" in page(farm)   # the notice, once
    assert "Print to cancel cancelled" not in page(farm)
    # twice: a cancelled print cannot be cancelled
    r = post(farm.browser, f"/queue/{pid}/cancel", {"csrf": meta_csrf(html)})
    assert_html(r, 409)


def test_retry_queues_a_copy(farm):
    api = farm.owner.api
    token = meta_csrf(page(farm))
    r = post(farm.browser, f"/queue/{farm.failed}/retry", {"csrf": "nope"})
    assert_html(r, 403)
    before = {p["id"] for p in api.get(BASE + "?limit=200").json()["prints"]}
    r = post(farm.browser, f"/queue/{farm.failed}/retry", {"csrf": token})
    assert r.status_code == 303, r.text[:500]
    after = api.get(BASE + "?limit=200").json()["prints"]
    new = [p for p in after if p["id"] not in before]
    assert len(new) == 1
    copy, old = new[0], fetch(api, farm.failed)
    assert copy["status"] == "queued" and old["status"] == "failed"
    for key in ("printer_id", "name", "file", "plate", "estimated_minutes",
                "nozzle_temp", "grams", "material_type", "color",
                "order_id"):
        assert copy[key] == old[key], key
    # only a failed print can be retried
    r = post(farm.browser, f"/queue/{farm.queued}/retry", {"csrf": token})
    assert_html(r, 409)
    assert api.delete(f"{BASE}/{copy['id']}").status_code in (200, 204)


def test_move(farm):
    api = farm.owner.api
    pid = new_print(api, farm.alpha, "mover")
    row = rows(page(farm))[pid]
    # the row links to the print's page, where the form is
    assert re.search(rf'<a class="[^"]*" href="/queue/{pid}#move">Move'
                     r'<span class="visually-hidden"> mover</span>', row)
    html = page(farm, f"/queue/{pid}")
    form = html.split('<form class="filters" id="move"', 1)[1].split(
        "</form>", 1)[0]
    assert f'action="/queue/{pid}/move"' in form
    assert '<label for="move-to">Move to</label>' in form
    assert '<select id="move-to" name="printer_id">' in form
    opts = re.findall(r'<option value="(\d*)"( selected)?>([^<]*)</option>',
                      form)
    assert opts == [("", "", "Any printer"),
                    (str(farm.alpha), " selected", "alpha &lt;i&gt;"),
                    (str(farm.beta), "", "beta")], opts
    token = meta_csrf(html)
    r = post(farm.browser, f"/queue/{pid}/move",
             {"csrf": token, "printer_id": str(farm.beta)})
    assert r.status_code == 303, r.text[:500]
    assert r.headers["Location"] == f"/queue/{pid}"
    assert fetch(api, pid)["printer_id"] == farm.beta
    html = page(farm, f"/queue/{pid}")
    assert "Print mover moved" in html
    assert f'<option value="{farm.beta}" selected>beta</option>' in html
    r = post(farm.browser, f"/queue/{pid}/move",
             {"csrf": token, "printer_id": ""})
    assert r.status_code == 303
    assert r.headers["Location"] == f"/queue/{pid}"
    assert fetch(api, pid)["printer_id"] is None
    assert '<option value="" selected>Any printer</option>' in page(
        farm, f"/queue/{pid}")
    assert pid in rows(page(farm, "/queue?unassigned=1"))
    # a started print stays where it runs: no form, and the post refused
    assert 'id="move"' not in page(farm, f"/queue/{farm.started}")
    assert 'id="move"' not in page(farm, f"/queue/{farm.failed}")
    r = post(farm.browser, f"/queue/{farm.started}/move",
             {"csrf": token, "printer_id": str(farm.beta)})
    assert_html(r, 409)
    r = post(farm.browser, f"/queue/{pid}/move",
             {"csrf": "bad", "printer_id": str(farm.alpha)})
    assert_html(r, 403)
    assert fetch(api, pid)["printer_id"] is None
    api.delete(f"{BASE}/{pid}")


# --- the new-print form ---------------------------------------------------


def test_new_print(farm):
    api = farm.owner.api
    html = page(farm)
    assert '<option value="part.3mf">part.3mf</option>' in html
    token = meta_csrf(html)
    form = {"csrf": token, "file": "part.3mf", "name": "from the form",
            "printer_id": str(farm.beta), "estimated_minutes": "75",
            "priority": "5", "scheduled_at": "2031-05-06T07:08",
            "chain_after_id": "", "chain_offset_minutes": "0", "plate": "1",
            "nozzle_temp": "220", "bed_temp": "", "speed_level": "3",
            "material_slot": "", "grams": "30", "material_type": "PLA",
            "color": "#FF8800"}
    r = post(farm.browser, "/queue", {**form, "csrf": "wrong"})
    assert_html(r, 403)
    r = post(farm.browser, "/queue", form)
    assert r.status_code == 303 and r.headers["Location"] == "/queue"
    assert "Print from the form queued" in page(farm)
    made = [p for p in api.get(BASE + "?limit=200").json()["prints"]
            if p["name"] == "from the form"]
    assert len(made) == 1
    p = made[0]
    assert p["status"] == "scheduled"
    assert p["scheduled_at"] == "2031-05-06T07:08:00Z"
    assert (p["printer_id"], p["estimated_minutes"], p["priority"],
            p["nozzle_temp"], p["bed_temp"], p["speed_level"], p["grams"],
            p["material_type"], p["color"]) == (
        farm.beta, 75, 5, 220, None, 3, 30, "PLA", "#FF8800")

    # chained after the started print, on any printer
    r = post(farm.browser, "/queue", {**form, "name": "chained",
                                      "printer_id": "", "scheduled_at": "",
                                      "chain_after_id": str(farm.started),
                                      "chain_offset_minutes": "15"})
    assert r.status_code == 303, r.text[:800]
    p = [p for p in api.get(BASE + "?limit=200").json()["prints"]
         if p["name"] == "chained"][0]
    assert p["chain_after_id"] == farm.started and p["printer_id"] is None
    assert p["chain_offset_minutes"] == 15


def test_new_print_errors_beside_fields(farm):
    token = meta_csrf(page(farm))
    r = post(farm.browser, "/queue", {
        "csrf": token, "file": "nope.3mf", "name": "", "printer_id": "",
        "estimated_minutes": "0", "priority": "5000",
        "material_type": "kept <PLA>", "color": "green",
        "chain_after_id": str(farm.theirs)})
    assert_html(r, 422)
    html = r.text
    # the same messages as the API gives for the same input
    api = farm.owner.api.post(BASE, json={
        "file": "nope.3mf", "estimated_minutes": 0, "priority": 5000,
        "material_type": "kept <PLA>", "color": "green",
        "chain_after_id": farm.theirs})
    assert api.status_code == 422
    errors = api.json()["error"]["fields"]
    assert set(errors) >= {"name", "estimated_minutes", "priority", "color"}
    for field, message in errors.items():
        assert htmllib.escape(message, quote=True) in html or \
            htmllib.escape(message, quote=False) in html, (field, message)
    # beside the field: its error paragraph right after the control
    assert re.search(r'id="np-name"[^>]*aria-invalid="true"', html)
    assert re.search(r'<p class="field-error" id="np-minutes-err">[^<]+</p>',
                     html)
    # the input kept, escaped
    assert 'value="kept &lt;PLA&gt;"' in html and 'value="5000"' in html
    assert 'value="green"' in html
    assert farm.secret not in html


def chain_select(html):
    return html.split('id="np-chain"', 1)[1].split("</select>", 1)[0]


def test_queue_after_links_from_the_print_page(farm):
    for pid in (farm.queued, farm.scheduled, farm.started):
        assert (f'href="/queue?chain_after_id={pid}#new-print">Queue a print '
                "after this one</a>") in page(farm, f"/queue/{pid}")
    for pid in (farm.failed, farm.cancelled):
        assert "chain_after_id=" not in page(farm, f"/queue/{pid}")
    html = page(farm, f"/queue?chain_after_id={farm.scheduled}")
    assert '<section class="card new-print" id="new-print"' in html
    sel = chain_select(html)
    assert f'<option value="{farm.scheduled}" selected>scheduled vase' in sel
    assert sel.count(" selected") == 1
    assert "100 most recent" not in html   # all of them listed


def test_chain_lists_the_newest_open_prints_and_any_asked_for(stack, farm):
    user = stack.make_user()
    api = user.api
    upload(api)
    printer = new_printer(api, "chainer")
    ids = [new_print(api, printer if i % 2 else None, f"open {i}", 5)
           for i in range(102)]
    b = sign_in(stack, user)
    try:
        r = get(b, "/queue")
        assert_html(r, 200)
        sel = chain_select(r.text)
        listed = {int(v) for v in re.findall(r'<option value="(\d+)"', sel)}
        assert listed == set(ids[2:])            # the 100 newest
        assert "selected" not in sel
        assert "Lists the 100 most recent of your 102 open prints" in r.text
        # an older one asked for by the print page's link: listed, chosen
        r = get(b, f"/queue?chain_after_id={ids[0]}")
        assert_html(r, 200)
        sel = chain_select(r.text)
        listed = re.findall(r'<option value="(\d+)"( selected)?', sel)
        assert len(listed) == 101
        assert (str(ids[0]), " selected") in listed
        assert (str(ids[1]), "") not in listed
        # one that is not an open print of the user's: said beside the field
        for other in (farm.theirs, ids[-1] + 100000):
            r = get(b, f"/queue?chain_after_id={other}")
            assert_html(r, 200)
            assert farm.secret not in r.text
            assert (f'<p class="field-error" id="np-chain-gone">Print {other} '
                    "is not one of your open prints") in r.text
            assert "selected" not in chain_select(r.text)
        assert_html(get(b, "/queue?chain_after_id=abc"), 422)
        assert_html(get(b, "/queue?chain_after_id=0"), 422)
    finally:
        b.close()


# --- the timeline ---------------------------------------------------------

BAR = re.compile(r'<g class="tl-bar s-(\w+) (est|firm)" data-print="(\d+)">'
                 r'<title>([^<]*)</title>\s*<rect class="tl-rect" x="(\d+)" '
                 r'y="(\d+)" width="(\d+)"')


def test_timeline_lanes_and_bars(stack):
    user = stack.make_user()
    api = user.api
    upload(api)
    p = new_printer(api, "lane one")
    q = new_printer(api, "lane two")
    # the present: an odd hour, so the first tick is an hour away
    now = int(time.time()) // 7200 * 7200 + 3600

    def at(t, pid, body):
        data = json.dumps(body).encode()
        r = stack.cgi("PUT", f"{BASE}/{pid}", body=data, headers={
            "Authorization": f"Bearer {user.token}",
            "Content-Type": "application/json",
            "Content-Length": str(len(data))}, env={"FARM_NOW": str(t)})
        assert r.status == 200, (r.status, r.body[:300])

    a = new_print(api, p, "running", 120)
    at(now - 3600, a, {"status": "started"})
    at(now - 1800, a, {"progress_percent": 75})
    b = new_print(api, p, "next up", 60)
    c = new_print(api, p, "chained after next", 240, chain_after_id=b,
                  chain_offset_minutes=30)
    d = new_print(api, q, "at ten", 30, scheduled_at=iso(now + 36000))
    u = new_print(api, None, "any one", 30)
    late = new_print(api, q, "after the window", 30,
                     scheduled_at=iso(now + 30 * 3600))

    b_ = sign_in(stack, user)
    r = stack.cgi("GET", "/queue", headers={
        "Cookie": f"farm_session={b_.cookies['farm_session']}"},
        env={"FARM_NOW": str(now)})
    assert r.status == 200, (r.status, r.body[:500])
    html = r.body.decode()
    svg = html.split('<svg class="timeline-svg"', 1)[1].split("</svg>", 1)[0]
    assert 'viewBox="0 0 960 ' in html
    assert '>UTC</text>' in svg
    names = re.findall(r'<text class="tl-name" x="4" y="\d+">([^<]*)</text>',
                       svg)
    assert names == ["lane one", "lane two", "Any printer"]
    # ticks every two hours from the first even hour, labelled in UTC
    ticks = re.findall(r'<text class="tl-tick" x="(\d+)" y="16" '
                       r'text-anchor="middle">([^<]*)</text>', svg)
    first = datetime.fromtimestamp(now + 3600, timezone.utc)
    assert ticks[0] == ("183", first.strftime("%H:%M"))
    assert len(ticks) == 12
    bars = {int(m.group(3)): m for m in BAR.finditer(svg)}
    assert set(bars) == {a, b, c, d, u}     # not late, wholly after it
    assert f'data-print="{late}"' not in svg

    def geom(pid):
        m = bars[pid]
        return (m.group(1), m.group(2), int(m.group(5)), int(m.group(6)),
                int(m.group(7)))
    # x = 150 + seconds from now * 800 / 86400, lanes 34 apart from y 36
    assert geom(a) == ("started", "firm", 150, 36, 33)   # clipped at now
    assert geom(b) == ("queued", "est", 183, 36, 34)     # after a's end
    assert geom(c) == ("scheduled", "est", 233, 36, 134)  # b's end + 30 min
    assert geom(d) == ("scheduled", "firm", 483, 70, 17)  # at its time
    assert geom(u) == ("queued", "est", 150, 104, 17)     # any printer
    # the progress fill: 75 % of 2 h from an hour ago ends 30 min from now
    assert re.search(rf'data-print="{a}">.*?<rect class="tl-done" x="150" '
                     r'y="36" width="17"', svg, re.S)
    # the chain's connector, from b's end to c's start
    assert '<polyline class="tl-link" points="217,47 217,61 233,61 233,47">' \
        in svg
    # a bar too narrow for its name says it only in its <title>
    assert "at ten (scheduled)" in bars[d].group(4)
    assert re.search(r'<text class="tl-label"[^>]*>chained after next</text>',
                     svg)
    assert not re.search(r'<text class="tl-label"[^>]*>at ten', svg)
    # the row's position and expected start agree with the bar
    row = rows(html)[c]
    assert "expected" in row and iso(now + 9000) in row
