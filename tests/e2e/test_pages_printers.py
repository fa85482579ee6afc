"""The printer pages through nginx with a cookie session: /printers (the
user's printers, an "Add a printer" button), /printers/new (the API's
field rules and messages, input kept) and /printers/<id> with its live
fields and every form on it (edit, delete with a confirm step, AMS slots,
queue priority and cancel, maintenance, notifications with the secret shown
once, "send a test" and the deliveries). Each form: success is a 303 and
the change is visible through the JSON API; a bad value is a 422 with the
error beside its field and the input kept; no or a wrong CSRF token is
403; another user's printer is 404."""

import re
import uuid

from test_pages import assert_html, browser, get, hidden_csrf, post, sign_in

PRINTS = "/api/bambu/scheduled-prints"


def add_printer(api, name="X1C-01", **kw):
    body = {"name": name, "model": "X1C", "serial": uuid.uuid4().hex[:12],
            "host": "127.0.0.1", "port": 1, "access_code": "12345678", **kw}
    r = api.post("/api/printers", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def page(b, path):
    r = get(b, path)
    assert_html(r, 200)
    return r


def form(html, action):
    """The form posting to action: its html and its csrf token."""
    m = re.search(r'<form[^>]*action="%s"[^>]*>(.*?)</form>' %
                  re.escape(action), html, re.S)
    assert m, action
    return m.group(1), hidden_csrf(m.group(1))


def send(b, path, action, data):
    _, token = form(page(b, path).text, action)
    return post(b, action, {"csrf": token, **data})


def field_error(html, input_id):
    """The error message shown right after the control input_id."""
    m = re.search(r'id="%s"[^>]*aria-describedby="([^"]+)"' %
                  re.escape(input_id), html)
    assert m, (input_id, html[:2000])
    e = re.search(r'id="%s">([^<]*)<' % re.escape(m.group(1)), html)
    assert e, m.group(1)
    return e.group(1)


def upload(api, name="part.3mf"):
    r = api.put(f"/api/files/{name}", data=b"PK\x03\x04part",
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text


def print_of(api, job):
    """One print as GET /api/bambu/scheduled-prints lists it."""
    prints = api.get(PRINTS, params={"limit": 1000}).json()["prints"]
    return [p for p in prints if p["id"] == job][0]


def queue(api, printer_id, name, **kw):
    r = api.post(PRINTS, json={"printer_id": printer_id, "name": name,
                               "file": "part.3mf", "estimated_minutes": 30,
                               **kw})
    assert r.status_code == 201, r.text
    return r.json()["id"]


# --- access ------------------------------------------------------------------


def test_signed_out_pages_lead_to_sign_in_and_posts_are_refused(stack, user):
    pid = add_printer(user.api)
    b = browser(stack)
    for path in ("/printers/new", f"/printers/{pid}"):
        r = get(b, path)
        assert r.status_code == 303 and r.headers["Location"] == "/login"
    for path in ("/printers/new", f"/printers/{pid}",
                 f"/printers/{pid}/delete", f"/printers/{pid}/notifications"):
        r = post(b, path, {"csrf": "x" * 43, "name": "nope"})
        assert_html(r, 403)
    assert user.api.get(f"/api/printers/{pid}").status_code == 200


def test_another_users_printer_is_404(stack, user):
    other = stack.make_user()
    theirs = add_printer(other.api, "theirs")
    b = sign_in(stack, user)
    mine = add_printer(user.api, "mine")
    assert_html(get(b, f"/printers/{theirs}"), 404)
    assert_html(get(b, "/printers/999999"), 404)
    # a post to their printer with my valid token: 404, nothing changed
    _, token = form(page(b, f"/printers/{mine}").text, f"/printers/{mine}")
    for path, data in ((f"/printers/{theirs}", {"name": "stolen"}),
                       (f"/printers/{theirs}/delete", {}),
                       (f"/printers/{theirs}/materials",
                        {"slot": "0", "material_type": "PLA"}),
                       (f"/printers/{theirs}/notifications/test", {})):
        assert_html(post(b, path, {"csrf": token, **data}), 404)
    assert other.api.get(f"/api/printers/{theirs}").json()["name"] == "theirs"
    assert other.api.get(f"/api/bambu/materials/{theirs}").json()[
        "materials"] == []
    other.api.close()


# --- list and add --------------------------------------------------------------


def test_list_links_each_printer_and_offers_to_add_one(stack, user):
    pid = add_printer(user.api, "Rack <A>")
    r = page(sign_in(stack, user), "/printers")
    assert 'href="/printers/new"' in r.text
    assert f'<a href="/printers/{pid}">Rack &lt;A&gt;</a>' in r.text
    assert f'<tr data-printer="{pid}">' in r.text
    assert 'data-field="status"' in r.text and "Unknown" in r.text


def test_add_a_printer(stack, user):
    b = sign_in(stack, user)
    r = page(b, "/printers/new")
    for name in ("name", "model", "serial", "host", "port", "ftp_port",
                 "access_code"):
        assert f'name="{name}"' in r.text
        assert re.search(r'<label for="%s"' % name, r.text)
    assert 'type="password"' in r.text and "Developer Mode" in r.text
    serial = "NEW" + uuid.uuid4().hex[:8]
    r = send(b, "/printers/new", "/printers/new", {
        "name": "X1C-07", "model": "P1S", "serial": serial,
        "host": "127.0.0.1", "port": "8883", "ftp_port": "990",
        "access_code": "abcd1234"})
    assert r.status_code == 303, r.text[:500]
    pid = int(r.headers["Location"].rsplit("/", 1)[1])
    got = user.api.get(f"/api/printers/{pid}").json()
    assert (got["name"], got["model"], got["serial"]) == (
        "X1C-07", "P1S", serial)
    r = page(b, f"/printers/{pid}")
    assert "Printer X1C-07 added" in r.text
    assert "Printer X1C-07 added" not in page(b, f"/printers/{pid}").text


def test_add_a_printer_shows_errors_beside_fields_and_keeps_input(stack, user):
    b = sign_in(stack, user)
    r = send(b, "/printers/new", "/printers/new", {
        "name": "", "model": "X1C", "serial": "KEEP<ME>",
        "host": "127.0.0.1", "port": "70000", "access_code": "secret99"})
    assert_html(r, 422)
    assert field_error(r.text, "name") == "is required"
    assert "65535" in field_error(r.text, "port")
    assert 'value="KEEP&lt;ME&gt;"' in r.text      # the input, kept
    assert 'value="70000"' in r.text
    assert "secret99" not in r.text                # never echoed
    assert re.search(r'<option value="X1C" selected>', r.text)
    assert 'class="alert"' in r.text               # the summary at the top
    # the same message the API gives for the same input
    api = user.api.post("/api/printers", json={
        "name": "x", "model": "X1C", "serial": "S1", "host": "127.0.0.1",
        "port": 70000, "access_code": "12345678"}).json()
    assert field_error(r.text, "port") == api["error"]["fields"]["port"]
    assert user.api.get("/api/printers").json()["printers"] == []


def test_add_a_printer_needs_the_csrf_token(stack, user):
    b = sign_in(stack, user)
    body = {"name": "n", "model": "X1C", "serial": "S", "host": "127.0.0.1",
            "access_code": "12345678"}
    assert_html(post(b, "/printers/new", body), 403)
    assert_html(post(b, "/printers/new", {"csrf": "A" * 43, **body}), 403)
    assert user.api.get("/api/printers").json()["printers"] == []


# --- the printer page ----------------------------------------------------------


def test_printer_page_shows_live_fields(stack, user):
    pid = add_printer(user.api, "Live <one>")
    r = page(sign_in(stack, user), f"/printers/{pid}")
    assert "<h1>Live &lt;one&gt;</h1>" in r.text
    assert r.text.count("<h1") == 1
    assert f'data-printer="{pid}"' in r.text
    for f in ("status", "progress", "progress_text", "remaining", "ends_at",
              "nozzle_temp", "bed_temp", "online", "job_name"):
        assert f'data-field="{f}"' in r.text, f
    assert f'href="/history?printer_id={pid}"' in r.text


def test_edit_keeps_the_access_code_when_left_blank(stack, user):
    pid = add_printer(user.api, "Old name")
    b = sign_in(stack, user)
    path = f"/printers/{pid}"
    r = send(b, path, path, {"name": "New name", "model": "X1E",
                             "serial": "SER1", "host": "127.0.0.2",
                             "port": "8883", "ftp_port": "990",
                             "access_code": ""})
    assert r.status_code == 303 and r.headers["Location"] == path
    got = user.api.get(path.replace("/printers", "/api/printers")).json()
    assert (got["name"], got["model"], got["host"]) == (
        "New name", "X1E", "127.0.0.2")
    assert "Printer New name saved" in page(b, path).text
    # a bad port: 422, the error beside it, the other input kept
    r = send(b, path, path, {"name": "Other", "model": "X1E", "serial": "S",
                             "host": "127.0.0.1", "port": "0"})
    assert_html(r, 422)
    assert "between" in field_error(r.text, "e-port")
    assert 'value="Other"' in r.text
    assert user.api.get(f"/api/printers/{pid}").json()["name"] == "New name"


def test_delete_confirms_then_cancels_its_pending_prints(stack, user):
    upload(user.api)
    pid = add_printer(user.api, "Doomed")
    job = queue(user.api, pid, "Pending")
    b = sign_in(stack, user)
    html = page(b, f"/printers/{pid}").text
    m = re.search(r'<details class="confirm[^"]*"[^>]*>\s*<summary>Delete'
                  r'[^<]*</summary>\s*<form method="post" action="/printers/'
                  r'%d/delete"' % pid, html)
    assert m, "delete sits behind a <details> confirm step"
    assert_html(post(b, f"/printers/{pid}/delete", {}), 403)
    r = send(b, f"/printers/{pid}", f"/printers/{pid}/delete", {})
    assert r.status_code == 303 and r.headers["Location"] == "/printers"
    assert "Printer Doomed deleted" in page(b, "/printers").text
    assert user.api.get(f"/api/printers/{pid}").status_code == 404
    assert print_of(user.api, job)["status"] == "cancelled"


# --- AMS slots -----------------------------------------------------------------


def test_materials_add_edit_remove(stack, user):
    pid = add_printer(user.api)
    b = sign_in(stack, user)
    path, mats = f"/printers/{pid}", f"/api/bambu/materials/{pid}"
    # a bad colour: 422 beside the field, the rest kept
    r = send(b, path, f"{path}/materials", {
        "slot": "2", "material_type": "PETG", "color": "orange",
        "weight_grams": "1000", "remaining_percent": "80"})
    assert_html(r, 422)
    assert "#FF8800" in field_error(r.text, "a-color")
    assert 'value="PETG"' in r.text and 'value="orange"' in r.text
    r = send(b, path, f"{path}/materials", {
        "slot": "2", "material_type": "PETG", "color": "#ff6600",
        "weight_grams": "1000", "remaining_percent": "80", "vendor": "Acme",
        "cost_per_kg": "24.50"})
    assert r.status_code == 303, r.text[:800]
    assert r.headers["Location"] == f"{path}#materials"
    m = user.api.get(mats).json()["materials"][0]
    assert (m["slot"], m["color"], m["vendor"], m["cost_per_kg"]) == (
        2, "#FF6600", "Acme", 24.5)
    # the same slot again: the conflict is shown on the page
    r = send(b, path, f"{path}/materials", {"slot": "2",
                                            "material_type": "PLA"})
    assert_html(r, 409)
    assert "slot" in r.text and 'value="PLA"' in r.text
    # edit it
    mid = m["id"]
    r = send(b, path, f"{path}/materials/{mid}", {
        "slot": "2", "material_type": "PETG", "color": "#FF6600",
        "weight_grams": "1000", "remaining_percent": "35", "vendor": "Acme",
        "cost_per_kg": "24.50"})
    assert r.status_code == 303
    assert user.api.get(mats).json()["materials"][0]["remaining_percent"] == 35
    # remove sits behind a confirm step; the status card draws the AMS
    html = page(b, path).text
    assert re.search(r'<li class="slot">.*fill="#FF6600".*3: PETG', html)
    assert html.count('<li class="slot empty-slot">') == 3
    assert re.search(r'<details class="confirm"[^>]*>\s*<summary>Remove', html)
    r = send(b, path, f"{path}/materials/{mid}/delete", {})
    assert r.status_code == 303
    assert user.api.get(mats).json()["materials"] == []


# --- queue and history ------------------------------------------------------------


def test_queue_in_run_order_priority_and_cancel(stack, user):
    upload(user.api)
    pid = add_printer(user.api)
    low = queue(user.api, pid, "Low one")
    high = queue(user.api, pid, "High one", priority=5)
    b = sign_in(stack, user)
    path = f"/printers/{pid}"
    html = page(b, path).text
    assert html.index("High one") < html.index("Low one")   # run order
    r = send(b, path, f"{path}/prints/{low}/priority", {"priority": "9"})
    assert r.status_code == 303 and r.headers["Location"] == f"{path}#queue"
    assert print_of(user.api, low)["priority"] == 9
    html = page(b, path).text
    assert html.index("Low one") < html.index("High one")
    r = send(b, path, f"{path}/prints/{low}/priority", {"priority": "5000"})
    assert_html(r, 422)
    assert 'value="5000"' in r.text and "priority" in r.text
    assert print_of(user.api, low)["priority"] == 9
    # cancel, behind a confirm step
    assert re.search(r'<details class="confirm"[^>]*>\s*<summary>Cancel',
                     html)
    r = send(b, path, f"{path}/prints/{high}/cancel", {})
    assert r.status_code == 303
    assert print_of(user.api, high)["status"] == "cancelled"
    # it shows under the recent history now
    html = page(b, path).text
    hist = html[html.index('id="history"'):html.index('id="maintenance"')]
    assert "High one" in hist and "Cancelled" in hist


# --- maintenance -------------------------------------------------------------------


def test_maintenance_interval_and_record(stack, user):
    pid = add_printer(user.api)
    b = sign_in(stack, user)
    path, api = f"/printers/{pid}", f"/api/printers/{pid}/maintenance"
    r = send(b, path, f"{path}/maintenance/interval", {"interval_hours": "0"})
    assert_html(r, 422)
    assert "between" in field_error(r.text, "i-interval_hours")
    r = send(b, path, f"{path}/maintenance/interval",
              {"interval_hours": "200"})
    assert r.status_code == 303
    assert user.api.get(api).json()["interval_hours"] == 200
    r = send(b, path, f"{path}/maintenance", {"note": "new <nozzle>"})
    assert r.status_code == 303
    rec = user.api.get(api).json()["records"]
    assert [x["note"] for x in rec] == ["new <nozzle>"]
    html = page(b, path).text
    assert "new &lt;nozzle&gt;" in html and "200 h" in html
    r = send(b, path, f"{path}/maintenance", {"note": "x" * 501})
    assert_html(r, 422)
    assert "500" in field_error(r.text, "r-note")
    r = send(b, path, f"{path}/maintenance/interval", {"interval_hours": ""})
    assert r.status_code == 303
    assert user.api.get(api).json()["interval_hours"] is None


# --- notifications -----------------------------------------------------------------


def notify_body(**kw):
    body = {"on_print_start": "on", "on_print_failed": "on",
            "material_low_percent": "15", "email_address": "",
            "webhook_url": "", "webhook_format": "", "webhook_secret": ""}
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


def test_notifications_save_and_secret_shown_once(stack, user):
    pid = add_printer(user.api)
    b = sign_in(stack, user)
    path, api = f"/printers/{pid}", f"/api/bambu/notifications/{pid}"
    # invalid email: beside the field, input kept
    r = send(b, path, f"{path}/notifications", notify_body(
        email_enabled="on", email_address="not-an-email"))
    assert_html(r, 422)
    assert field_error(r.text, "n-email_address")
    assert 'value="not-an-email"' in r.text
    # a webhook URL: saved, and its new secret shown on this answer only
    url = "http://127.0.0.1:9/hook"
    r = send(b, path, f"{path}/notifications",
             notify_body(webhook_url=url, webhook_format="slack"))
    assert_html(r, 200)
    assert "Notification settings saved" in r.text
    secret = re.search(r'value="(whsec_[^"]+)"', r.text).group(1)
    got = user.api.get(api).json()
    assert got["webhook_url"] == url and got["webhook_secret_set"] is True
    assert got["webhook_format"] == "slack"
    assert got["on_print_start"] and not got["on_print_complete"]  # unticked
    assert got["material_low_percent"] == 15
    assert secret not in page(b, path).text and "whsec_" not in page(
        b, path).text
    # saving again keeps the secret and does not show one
    r = send(b, path, f"{path}/notifications", notify_body(webhook_url=url))
    assert r.status_code == 303
    # a new one on request, shown once
    r = send(b, path, f"{path}/notifications/secret", {})
    assert_html(r, 200)
    fresh = re.search(r'value="(whsec_[^"]+)"', r.text).group(1)
    assert fresh != secret
    assert_html(post(b, f"{path}/notifications", notify_body()), 403)


def test_send_a_test_and_see_its_deliveries(stack, user):
    pid = add_printer(user.api)
    b = sign_in(stack, user)
    path = f"/printers/{pid}"
    # no channel yet: the API's 409 reason, on the page
    r = send(b, path, f"{path}/notifications/test", {})
    assert_html(r, 409)
    assert "no notification channel is enabled" in r.text
    r = send(b, path, f"{path}/notifications", notify_body(
        email_enabled="on", email_address="ops@example.com"))
    assert r.status_code == 303
    r = send(b, path, f"{path}/notifications/test", {})
    assert r.status_code == 303
    d = user.api.get(f"/api/bambu/notifications/{pid}/deliveries").json()
    assert [x["event"] for x in d["deliveries"]] == ["test"]
    html = page(b, path).text
    table = html[html.index("Recent deliveries"):]
    assert "test" in table and "email" in table and "ops@example.com" in table
