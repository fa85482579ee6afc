"""The /history and /analytics pages and the history CSV, through nginx
with a cookie session: the owner's ended prints with their numbers, never
another user's, the filters, paging links, the CSV's quoting and formula
guard, the range choice, the empty range, and the redirect to /login when
signed out.

Prints are made through the API; their start and end times are set in the
past by running the same PUT through farm.fcgi as plain CGI with FARM_NOW
(the stack's workers keep the real clock), so durations, days and ratios
are known exactly.
"""

import csv
import io
import json
import re
import time
import uuid
from datetime import datetime, timezone

import pytest

from stack import ApiSession

DAY = 86400
BASE = "/api/bambu/scheduled-prints"
# a comma, a quote and a leading '=' that a spreadsheet would run
NASTY = '=HYPERLINK("http://x"), "big" part'


def iso_ts(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=timezone.utc).timestamp())


def day_of(t):
    return datetime.fromtimestamp(t - t % DAY, timezone.utc).strftime(
        "%Y-%m-%d")


# --- the farm -----------------------------------------------------------


def put_at(stack, user, print_id, body, now):
    """PUT a print's status as user with the clock at now (UTC seconds)."""
    data = json.dumps(body).encode()
    r = stack.cgi("PUT", f"{BASE}/{print_id}", body=data, headers={
        "Authorization": f"Bearer {user.token}",
        "Content-Type": "application/json",
        "Content-Length": str(len(data))}, env={"FARM_NOW": str(now)})
    assert r.status == 200, (r.status, r.body[:500], r.stderr[-2000:])
    return json.loads(r.body)


def new_printer(api, name):
    r = api.post("/api/printers", json={
        "name": name, "model": "X1C", "serial": uuid.uuid4().hex[:12],
        "host": "127.0.0.1", "access_code": "12345678"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def new_print(api, printer, name, minutes, **fields):
    body = {"printer_id": printer, "name": name, "file": "part.3mf",
            "estimated_minutes": minutes}
    body.update(fields)
    r = api.post(BASE, json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def upload(api):
    r = api.put("/api/files/part.3mf", data=b"PK\x03\x04 a plate",
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text


class Farm:
    pass


@pytest.fixture(scope="module")
def farm(stack):
    """Two users. The owner has printers alpha (red PLA at 25.00/kg in
    slot 0) and beta, and four ended prints plus one still queued; the
    other user has one completed print that must never show."""
    f = Farm()
    f.owner = stack.make_user()
    f.other = stack.make_user()
    api = f.owner.api
    upload(api)
    f.alpha = new_printer(api, "alpha")
    f.beta = new_printer(api, "beta")
    r = api.post(f"/api/bambu/materials/{f.alpha}", json={
        "slot": 0, "material_type": "PLA", "color": "#FF0000",
        "cost_per_kg": 25.00})
    assert r.status_code == 201, r.text

    today = int(time.time()) // DAY * DAY
    f.today = today
    # two days ago: 66 minutes of an estimated 60 (ratio 1.10), 100 g
    f.nasty = new_print(api, f.alpha, NASTY, 60, material_slot=0, grams=100)
    put_at(stack, f.owner, f.nasty, {"status": "started"},
           today - 2 * DAY + 10 * 3600)
    put_at(stack, f.owner, f.nasty, {"status": "completed"},
           today - 2 * DAY + 10 * 3600 + 66 * 60)
    # yesterday: failed after 30 of 120 minutes, 40 g at 25.00/kg = 1.00
    f.clog = new_print(api, f.alpha, "clogged bracket", 120, material_slot=0,
                       grams=40)
    put_at(stack, f.owner, f.clog, {"status": "started"},
           today - DAY + 8 * 3600)
    put_at(stack, f.owner, f.clog, {"status": "failed",
                                    "failure_reason": "nozzle clog"},
           today - DAY + 8 * 3600 + 30 * 60)
    # cancelled before it ran, on beta
    f.cancelled = new_print(api, f.beta, "never ran", 45)
    r = api.delete(f"{BASE}/{f.cancelled}")
    assert r.status_code in (200, 204), r.text
    # a hundred days ago: outside 7/30/90 days, inside 365
    f.old = new_print(api, f.beta, "old vase", 200, grams=300)
    put_at(stack, f.owner, f.old, {"status": "started"},
           today - 100 * DAY + 3600)
    put_at(stack, f.owner, f.old, {"status": "completed"},
           today - 100 * DAY + 3600 + 200 * 60)
    f.queued = new_print(api, f.alpha, "still queued", 30)

    # the other user's completed print, yesterday
    upload(f.other.api)
    theirs = new_printer(f.other.api, "gamma")
    f.secret = "secret-" + uuid.uuid4().hex[:8]
    p = new_print(f.other.api, theirs, f.secret, 60, grams=777)
    put_at(stack, f.other, p, {"status": "started"}, today - DAY + 3600)
    put_at(stack, f.other, p, {"status": "completed"}, today - DAY + 7200)

    f.browser = sign_in(stack, f.owner)
    yield f
    f.browser.close()


def sign_in(stack, user):
    """A cookie session through the login form, as a browser gets one."""
    b = ApiSession(stack.url)
    r = b.get("/login", allow_redirects=False)
    assert r.status_code == 200, r.text[:300]
    token = re.search(r'name="csrf" value="([^"]*)"', r.text).group(1)
    r = b.post("/login", data={"csrf": token, "email": user.email,
                               "password": user.password},
               allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return b


def page(farm, path):
    r = farm.browser.get(path, allow_redirects=False)
    assert r.status_code == 200, (path, r.status_code, r.text[:800])
    assert r.headers["Content-Type"].startswith("text/html")
    return r.text


def rows(html):
    """The history table's body rows as lists of cell texts."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        out.append([" ".join(re.sub(r"<[^>]+>", " ", c).split())
                    for c in cells])
    return out


# --- signed out ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/history", "/history.csv",
                                  "/analytics", "/analytics?days=7"])
def test_signed_out_goes_to_login(stack, path):
    r = stack.session().get(path, allow_redirects=False)
    assert r.status_code in (302, 303), (r.status_code, r.text[:300])
    assert r.headers["Location"] == "/login"


# --- /history -----------------------------------------------------------


def test_history_rows_and_numbers(farm):
    html = page(farm, "/history")
    got = rows(html)
    names = [r[0] for r in got]
    # ended prints only, the latest ended first; never the other user's
    assert names == ["never ran", "clogged bracket",
                     NASTY.replace('"', "&quot;"), "old vase"], names
    assert farm.secret not in html and "still queued" not in html
    assert "gamma" not in html
    cancelled, clog, nasty, old = got
    assert cancelled[1] == "beta" and "Cancelled" in cancelled[2]
    assert cancelled[3] == "never started"
    assert clog[1] == "alpha"
    # word and symbol, never colour alone; the reason under the badge
    assert clog[2] == "\u2716 Failed nozzle clog"
    assert clog[5] == "30 / 120 0.25\u00d7 the estimate"
    assert clog[6] == "40 g 1.00 USD"
    assert nasty[2] == "\u2714 Completed"
    assert nasty[5] == "66 / 60 1.10\u00d7 the estimate"
    assert nasty[6] == "100 g 2.50 USD"
    assert old[5] == "200 / 200 1.00\u00d7 the estimate"
    assert old[6] == "300 g \u2014"   # no price known for beta
    # times carry the UTC value for the script and a readable fallback
    start = farm.today - DAY + 8 * 3600
    iso = datetime.fromtimestamp(start, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert f'<time datetime="{iso}" data-format="datetime">' in html
    # the name is escaped, never markup
    assert '=HYPERLINK(&quot;http://x&quot;), &quot;big&quot; part' in html
    assert 'href="/history.csv"' in html
    # labelled filter controls
    assert '<label for="history-status">' in html
    assert '<label for="history-printer">' in html


def test_history_filters(farm):
    got = rows(page(farm, "/history?status=failed"))
    assert [r[0] for r in got] == ["clogged bracket"]

    html = page(farm, f"/history?status=completed,cancelled"
                      f"&printer_id={farm.beta}")
    assert [r[0] for r in rows(html)] == ["never ran", "old vase"]
    # the CSV link keeps the filters, and the form shows them chosen
    assert (f'href="/history.csv?status=completed,cancelled&amp;'
            f'printer_id={farm.beta}"') in html
    assert f'<option value="{farm.beta}" selected>beta</option>' in html

    html = page(farm, f"/history?printer_id={farm.alpha}&status=completed")
    assert len(rows(html)) == 1

    # a status that never ends a print, junk, another user's printer
    r = farm.browser.get("/history?status=queued", allow_redirects=False)
    assert r.status_code == 422 and "status" in r.text
    r = farm.browser.get("/history?page=zero", allow_redirects=False)
    assert r.status_code == 422
    r = farm.browser.get("/history?printer_id=999999", allow_redirects=False)
    assert r.status_code == 404


def test_history_paging_links(farm):
    html = page(farm, "/history")
    assert "Older prints" not in html and "Newer prints" not in html
    html = page(farm, "/history?status=failed&page=2")
    assert "<tbody>" not in html and "No prints here yet." in html
    assert 'href="/history?status=failed"' in html  # back to page 1


def test_history_csv(farm):
    r = farm.browser.get("/history.csv", allow_redirects=False)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"].startswith("attachment")
    text = r.content.decode("utf-8")
    assert farm.secret not in text and "still queued" not in text
    # RFC 4180: CRLF lines, quotes doubled, the formula defused with '
    lines = text.split("\r\n")
    assert lines[-1] == ""
    assert lines[0] == ("id,name,printer,status,failure_reason,started_at,"
                        "ended_at,estimated_minutes,actual_minutes,"
                        "actual_to_estimated,grams,material_cost,currency")
    nasty_line = [ln for ln in lines if "HYPERLINK" in ln][0]
    assert nasty_line.startswith(
        f'{farm.nasty},"\'=HYPERLINK(""http://x""), ""big"" part",alpha,'
        'completed,,')
    table = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [t["name"] for t in table] == [
        "never ran", "clogged bracket", "'" + NASTY, "old vase"]
    clog = table[1]
    assert clog["status"] == "failed" and clog["failure_reason"] == "nozzle clog"
    assert clog["started_at"] == datetime.fromtimestamp(
        farm.today - DAY + 8 * 3600, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert (clog["estimated_minutes"], clog["actual_minutes"],
            clog["actual_to_estimated"]) == ("120", "30", "0.25")
    assert (clog["grams"], clog["material_cost"], clog["currency"]) == (
        "40", "1.00", "USD")
    never = table[0]
    assert never["started_at"] == "" and never["actual_minutes"] == ""

    # the same filters as the page
    r = farm.browser.get(f"/history.csv?status=failed&printer_id={farm.alpha}")
    table = list(csv.DictReader(io.StringIO(r.content.decode(), newline="")))
    assert [t["name"] for t in table] == ["clogged bracket"]


# --- /analytics ---------------------------------------------------------


def svgs(html):
    return re.findall(r"<svg .*?</svg>", html, re.S)


def test_analytics_numbers(farm):
    html = page(farm, "/analytics")           # 30 days by default
    assert '<option value="30" selected>' in html
    assert "UTC days" in html
    assert farm.secret not in html and "gamma" not in html
    assert "old vase" not in html             # 100 days ago
    # totals: 1 completed, 1 failed, 1 cancelled; 140 g; 3.50
    totals = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert totals == {"Completed": "1", "Failed": "1", "Cancelled": "1",
                      "Success rate": "50 %", "Filament": "140 g",
                      "Material cost": "3.50 USD"}, totals
    charts = svgs(html)
    assert len(charts) == 5
    for svg in charts:
        assert 'viewBox="0 0 480 ' in svg
        assert "<title" in svg and "<desc" in svg
    # prints per day: a bar per outcome on the day it ended, and a table
    ended = {farm.nasty: farm.today - 2 * DAY, farm.clog: farm.today - DAY}
    assert f"<title>{day_of(ended[farm.nasty])}: 1 completed</title>" in html
    assert f"<title>{day_of(ended[farm.clog])}: 1 failed</title>" in html
    assert ('class="o-completed"' in charts[0]
            and 'class="o-failed"' in charts[0]
            and 'class="o-cancelled"' in charts[0])
    assert (f"<tr><td>{day_of(ended[farm.clog])}</td><td class=\"num\">0</td>"
            f"<td class=\"num\">1</td><td class=\"num\">0</td>"
            f"<td class=\"num\">40</td><td class=\"num\">1.00 USD</td></tr>"
            ) in html
    # per printer: alpha 1 of 2 succeeded; beta never ran
    assert "50 % ok (1 of 2)" in charts[1]
    assert "no runs" in charts[1]
    # alpha printed 96 minutes in 30 days: 0 % rounded, 2 h
    assert "0 % busy (2 h)" in charts[1]
    # filament in the swatch colour itself
    assert 'fill="#FF0000"' in charts[2] and "140 g" in charts[2]
    assert "PLA #FF0000" in charts[2]
    # cost: a dot for each day with a cost
    assert f"<title>{day_of(ended[farm.nasty])}: 2.50 USD</title>" in charts[3]
    assert "polyline" in charts[3]
    # accuracy: the one completed print, 1.10, with the 1.00 line
    assert 'class="ref"' in charts[4]
    assert "1.10</title>" in charts[4]
    assert "1 completed with an estimate: median 1.10" in html


def test_analytics_ranges(farm):
    html = page(farm, "/analytics?days=365")
    assert '<option value="365" selected>' in html
    totals = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert totals["Completed"] == "2" and totals["Filament"] == "440 g"
    assert "old vase" in html                 # in the accuracy table

    html = page(farm, "/analytics?days=7")
    assert "old vase" not in html
    for bad in ("5", "abc", "-7"):
        r = farm.browser.get(f"/analytics?days={bad}", allow_redirects=False)
        assert r.status_code == 422, (bad, r.status_code)
        assert "days" in r.text


def test_analytics_empty_range(stack):
    u = stack.make_user()
    b = sign_in(stack, u)
    try:
        r = b.get("/analytics?days=7", allow_redirects=False)
        assert r.status_code == 200
        assert "No prints in this range." in r.text
        assert "<svg" not in r.text
        r = b.get("/history", allow_redirects=False)
        assert r.status_code == 200 and "No prints here yet." in r.text
        r = b.get("/history.csv", allow_redirects=False)
        assert r.status_code == 200
        assert r.content.count(b"\r\n") == 1   # the header row alone
    finally:
        b.close()
        u.api.close()
