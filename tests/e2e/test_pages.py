"""The HTML pages through nginx: first-account setup, sign-in and sign-out
with their CSRF defences, the printers table (auto-escaped), the security
headers, and the cookie session reaching the JSON API."""

import re
import uuid

import requests

from stack import ApiSession, Stack

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
       "script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'")

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

FORM = "application/x-www-form-urlencoded"


def browser(stack):
    """A cookie-keeping client that does not follow redirects."""
    return ApiSession(stack.url)


def assert_security_headers(r):
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (r.url, name, r.headers)


def assert_html(r, status):
    assert r.status_code == status, (r.url, r.status_code, r.text[:500])
    assert r.headers["Content-Type"].startswith("text/html"), r.headers
    assert r.text.lstrip().startswith("<!DOCTYPE html>")
    assert_security_headers(r)


def get(b, path):
    return b.get(path, allow_redirects=False)


def post(b, path, data, **kw):
    return b.post(path, data=data, allow_redirects=False, **kw)


def hidden_csrf(html):
    m = re.search(r'<input type="hidden" name="csrf" value="([^"]*)">', html)
    assert m, html
    return m.group(1)


def meta_csrf(html):
    m = re.search(r'<meta name="csrf-token" content="([^"]*)">', html)
    assert m, html
    return m.group(1)


def form_token(b, path):
    """GETs a signed-out form and returns its hidden csrf value (the
    farm_csrf cookie now sits in b's jar)."""
    r = get(b, path)
    assert_html(r, 200)
    token = hidden_csrf(r.text)
    assert b.cookies.get("farm_csrf") == token
    return token


def sign_in(stack, user):
    """A browser signed in through the login page."""
    b = browser(stack)
    token = form_token(b, "/login")
    r = post(b, "/login", {"csrf": token, "email": user.email,
                           "password": user.password})
    assert r.status_code == 303, r.text[:500]
    assert r.headers["Location"] == "/"
    assert_security_headers(r)
    assert b.cookies.get("farm_session")
    return b


def set_cookies(r):
    """Every Set-Cookie line of a response (requests joins them)."""
    return r.raw.headers.getlist("Set-Cookie")


# --- first account ---------------------------------------------------------


def test_setup_creates_the_first_account_once():
    with Stack(workers=1) as s:
        b = browser(s)
        r = get(b, "/")
        assert r.status_code == 303 and r.headers["Location"] == "/setup"
        assert_security_headers(r)

        r = get(b, "/login")
        assert_html(r, 200)
        assert 'href="/setup"' in r.text      # offered while nobody exists

        token = form_token(b, "/setup")
        code = s.farmctl("setup-code").stdout.strip()

        # without the one-time code from the console nobody claims the farm
        for wrong in ("", "x" * 12, code[:-1] + ("A" if code[-1] != "A"
                                                  else "B")):
            r = post(b, "/setup", {"csrf": token, "setup_code": wrong,
                                   "email": "passer@example.test",
                                   "password": "passer-pw-1",
                                   "password2": "passer-pw-1"})
            assert_html(r, 403)
            assert "setup code is wrong" in r.text
        assert not b.cookies.get("farm_session")
        # a new code replaces the old one
        assert s.farmctl("setup-code").stdout.strip() != code
        code = s.farmctl("setup-code").stdout.strip()

        # errors are shown on the page, the email kept, passwords never
        r = post(b, "/setup", {"csrf": token, "email": "boss@example.test",
                               "setup_code": code,
                               "password": "secret-one-1",
                               "password2": "secret-two-2"})
        assert_html(r, 422)
        assert "do not match" in r.text
        assert 'value="boss@example.test"' in r.text
        assert "secret-one-1" not in r.text and "secret-two-2" not in r.text
        assert not b.cookies.get("farm_session")

        r = post(b, "/setup", {"csrf": token, "email": "not-an-email",
                               "setup_code": code,
                               "password": "short", "password2": "short"})
        assert_html(r, 422)
        assert "valid email" in r.text and "at least 8" in r.text

        # without the double-submit token nothing is created
        r = post(b, "/setup", {"email": "boss@example.test",
                               "setup_code": code,
                               "password": "secret-one-1",
                               "password2": "secret-one-1"})
        assert_html(r, 403)
        r = get(b, "/setup")
        assert r.status_code == 200              # still open

        r = post(b, "/setup", {"csrf": token, "email": "Boss@Example.test",
                               "setup_code": code,
                               "password": "secret-one-1",
                               "password2": "secret-one-1"})
        assert r.status_code == 303, r.text[:500]
        # the code was used up, and no new one is made once an account is
        p = s.farmctl("setup-code", check=False)
        assert p.returncode == 1 and "closed" in p.stderr
        assert r.headers["Location"] == "/"
        assert_security_headers(r)
        cookie = [c for c in set_cookies(r) if c.startswith("farm_session=")]
        assert cookie and "HttpOnly" in cookie[0]

        r = get(b, "/printers")
        assert_html(r, 200)
        assert "boss@example.test" in r.text     # signed in as the new user
        r = get(b, "/")
        assert_html(r, 200)                      # the overview

        # from now on /setup only redirects, even with a valid form token
        other = browser(s)
        r = get(other, "/setup")
        assert r.status_code == 303 and r.headers["Location"] == "/login"
        token2 = form_token(other, "/login")
        assert 'href="/setup"' not in get(other, "/login").text
        r = post(other, "/setup", {"csrf": token2,
                                   "email": "intruder@example.test",
                                   "password": "intruder-pw-1",
                                   "password2": "intruder-pw-1"})
        assert r.status_code == 303 and r.headers["Location"] == "/login"
        assert not other.cookies.get("farm_session")
        assert get(other, "/").headers["Location"] == "/login"
        r = post(other, "/login", {"csrf": token2,
                                   "email": "intruder@example.test",
                                   "password": "intruder-pw-1"})
        assert_html(r, 401)                      # no such account was made

        # the account that was made signs in normally
        r = post(other, "/login", {"csrf": token2,
                                   "email": "boss@example.test",
                                   "password": "secret-one-1"})
        assert r.status_code == 303 and r.headers["Location"] == "/"


def test_login_rate_limit_page_has_retry_after():
    # A private stack: the shared one counts failures from 127.0.0.1.
    with Stack(workers=1) as s:
        u = s.make_user()
        b = browser(s)
        token = form_token(b, "/login")
        statuses = []
        for _ in range(6):
            r = post(b, "/login", {"csrf": token, "email": u.email,
                                   "password": "wrong-password"})
            statuses.append(r.status_code)
        assert statuses[:5] == [401] * 5
        assert_html(r, 429)
        assert int(r.headers["Retry-After"]) > 0
        assert "Too many failed sign-ins" in r.text
        u.api.close()


# --- sign-in -----------------------------------------------------------------


def test_login_wrong_password_is_401_page(stack, user):
    b = browser(stack)
    token = form_token(b, "/login")
    r = post(b, "/login", {"csrf": token, "email": user.email,
                           "password": "not-the-password"})
    assert_html(r, 401)
    assert "wrong email or password" in r.text.lower()
    assert f'value="{user.email}"' in r.text
    assert "not-the-password" not in r.text
    assert not b.cookies.get("farm_session")


def test_login_sets_httponly_samesite_cookie(stack, user):
    b = browser(stack)
    token = form_token(b, "/login")
    r = post(b, "/login", {"csrf": token, "email": user.email,
                           "password": user.password})
    assert r.status_code == 303 and r.headers["Location"] == "/"
    cookie = [c for c in set_cookies(r) if c.startswith("farm_session=")]
    assert len(cookie) == 1, set_cookies(r)
    attrs = [a.strip().lower() for a in cookie[0].split(";")]
    assert "httponly" in attrs
    assert "samesite=lax" in attrs
    assert "path=/" in attrs
    # signed in: /login goes to the overview, which / is
    assert get(b, "/login").headers["Location"] == "/"
    assert_html(get(b, "/"), 200)


def test_login_form_csrf_cookie_is_httponly(stack):
    r = get(browser(stack), "/login")
    assert_html(r, 200)
    cookie = [c for c in set_cookies(r) if c.startswith("farm_csrf=")]
    assert len(cookie) == 1
    attrs = [a.strip().lower() for a in cookie[0].split(";")]
    assert "httponly" in attrs and "samesite=lax" in attrs


def test_login_without_csrf_is_403(stack, user):
    creds = {"email": user.email, "password": user.password}
    # neither cookie nor field
    r = post(browser(stack), "/login", creds)
    assert_html(r, 403)
    assert "farm_session" not in r.headers.get("Set-Cookie", "")
    # the field without the cookie
    b = browser(stack)
    token = form_token(b, "/login")
    r = post(browser(stack), "/login", dict(creds, csrf=token))
    assert_html(r, 403)
    # the cookie without the field, and with a wrong field
    r = post(b, "/login", creds)
    assert_html(r, 403)
    r = post(b, "/login", dict(creds, csrf="x" * len(token)))
    assert_html(r, 403)
    assert not b.cookies.get("farm_session")
    # and the right pair works
    r = post(b, "/login", dict(creds, csrf=token))
    assert r.status_code == 303


def test_login_form_limits(stack):
    b = browser(stack)
    token = form_token(b, "/login")
    big = "csrf=" + token + "&email=a%40b.c&password=" + "x" * 17000
    r = post(b, "/login", big, headers={"Content-Type": FORM})
    assert_html(r, 413)
    r = post(b, "/login", "csrf=" + token + "&email=a%00b&password=x",
             headers={"Content-Type": FORM})
    assert_html(r, 400)
    r = post(b, "/login", "csrf=" + token + "&email=%zz&password=x",
             headers={"Content-Type": FORM})
    assert_html(r, 400)
    r = post(b, "/login", '{"email":"a@b.c"}',
             headers={"Content-Type": "application/json"})
    assert_html(r, 415)


def test_login_page_hides_setup_link_once_users_exist(stack, user):
    r = get(browser(stack), "/login")
    assert_html(r, 200)
    assert 'href="/setup"' not in r.text
    r = get(browser(stack), "/setup")
    assert r.status_code == 303 and r.headers["Location"] == "/login"


# --- printers ----------------------------------------------------------------


def test_printers_requires_a_session(stack):
    r = get(browser(stack), "/printers")
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    assert_security_headers(r)
    b = browser(stack)
    b.cookies.set("farm_session", "A" * 43)
    r = get(b, "/printers")
    assert r.status_code == 303 and r.headers["Location"] == "/login"


def test_printers_empty_state(stack, user):
    b = sign_in(stack, user)
    r = get(b, "/printers")
    assert_html(r, 200)
    assert "No printers yet" in r.text
    assert "<table" not in r.text
    assert user.email in r.text


def test_printers_table_escapes_names(stack, user):
    name = "<script>alert(1)</script> & Co \"quoted\""
    serial = "SER" + uuid.uuid4().hex[:8]
    r = user.api.post("/api/printers", json={
        "name": name, "model": "X1C", "serial": serial,
        "host": "127.0.0.1", "access_code": "12345678"})
    assert r.status_code == 201, r.text
    assert user.api.get("/api/printers").json()["printers"][0]["name"] == name

    b = sign_in(stack, user)
    r = get(b, "/printers")
    assert_html(r, 200)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in r.text
    assert "<script>" not in r.text
    assert "alert(1)</script>" not in r.text
    assert "& Co" not in r.text
    assert serial in r.text and "X1C" in r.text
    assert "No printers yet" not in r.text
    assert "never" in r.text            # not seen by the dispatcher yet


def test_printers_table_shows_reported_state():
    # A private stack whose database we may write as the dispatcher would.
    with Stack(workers=1) as s:
        u = s.make_user()
        r = u.api.post("/api/printers", json={
            "name": "Rack A", "model": "P1S", "serial": "RACKA1",
            "host": "127.0.0.1", "access_code": "12345678"})
        assert r.status_code == 201
        s.db_write(
            "UPDATE printers SET status = 'auth_failed', "
            "status_detail = '<img src=x onerror=alert(1)> code', "
            "online = 1, progress_percent = 42, remaining_minutes = 125, "
            "nozzle_temp = 220, bed_temp = 60, last_seen_at = 1764000000")
        r = get(sign_in(s, u), "/printers")
        assert_html(r, 200)
        row = r.text[r.text.index("<tbody>"):r.text.index("</tbody>")]
        assert "Wrong access code" in row
        assert "&lt;img src=x onerror=alert(1)&gt; code" in row
        assert "<img" not in r.text
        assert "Online" in row and "42 %" in row and "2 h 05 min" in row
        assert "220 \u00b0C" in row and "60 \u00b0C" in row
        assert ('<time datetime="2025-11-24T16:00:00Z" '
                'data-format="datetime">2025-11-24 16:00 UTC</time>') in row
        u.api.close()


def test_printers_lists_only_own_printers(stack, user):
    other = stack.make_user()
    r = other.api.post("/api/printers", json={
        "name": "someone-elses", "model": "P1S",
        "serial": "OTH" + uuid.uuid4().hex[:8], "host": "127.0.0.1",
        "access_code": "12345678"})
    assert r.status_code == 201
    other.api.close()
    r = get(sign_in(stack, user), "/printers")
    assert_html(r, 200)
    assert "someone-elses" not in r.text


# --- headers, API access, sign-out -----------------------------------------


def test_security_headers_on_every_page(stack, user):
    anon = browser(stack)
    for path in ("/", "/login", "/setup", "/printers"):
        assert_security_headers(get(anon, path))
    assert_security_headers(post(anon, "/login", {"email": "x"}))  # 403
    assert_security_headers(post(anon, "/logout", {}))
    b = sign_in(stack, user)
    for path in ("/", "/login", "/printers"):
        assert_security_headers(get(b, path))


def test_cookie_session_reaches_the_api_with_csrf_header(stack, user):
    b = sign_in(stack, user)
    r = get(b, "/printers")
    assert_html(r, 200)
    csrf = meta_csrf(r.text)
    assert len(csrf) >= 32
    # the signed-out form token is a different secret
    assert csrf != b.cookies.get("farm_csrf")

    r = b.get("/api/me")
    assert r.status_code == 200
    assert r.json()["email"] == user.email

    body = {"name": "via cookie", "model": "A1", "host": "127.0.0.1",
            "serial": "CK" + uuid.uuid4().hex[:8], "access_code": "12345678"}
    r = b.post("/api/printers", json=body)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"
    r = b.post("/api/printers", json=body, headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 403
    r = b.post("/api/printers", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "via cookie"
    assert "via cookie" in get(b, "/printers").text


def test_logout_revokes_the_session(stack, user):
    b = sign_in(stack, user)
    r = get(b, "/printers")
    csrf = meta_csrf(r.text)
    assert f'<input type="hidden" name="csrf" value="{csrf}">' in r.text
    session = b.cookies.get("farm_session")

    # without the session's token the session survives
    r = post(b, "/logout", {})
    assert_html(r, 403)
    r = post(b, "/logout", {"csrf": "wrong"})
    assert_html(r, 403)
    assert get(b, "/printers").status_code == 200

    r = post(b, "/logout", {"csrf": csrf})
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    assert_security_headers(r)
    cleared = [c for c in set_cookies(r) if c.startswith("farm_session=")]
    assert cleared and "max-age=0" in cleared[0].lower()

    # the old cookie, replayed, no longer works anywhere
    old = ApiSession(stack.url)
    old.cookies.set("farm_session", session)
    r = get(old, "/printers")
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    assert old.get("/api/me").status_code == 401
    # the bearer token is a different credential and still works
    assert user.api.get("/api/me").status_code == 200


def test_unknown_page_method_is_not_served(stack):
    r = requests.get(stack.url + "/logout", allow_redirects=False, timeout=30)
    assert r.status_code == 405
