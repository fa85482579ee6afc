"""Cookies on a site served over HTTPS (issue 10 item 5): with
an https FARM_PUBLIC_URL the session, CSRF and notice cookies are sent
Secure under their "__Host-" names, which a browser only accepts from a
secure origin, host-only and for Path=/; the plain names are ignored then.
FARM_SECURE_COOKIES=0 turns it off (a TLS proxy the app cannot see), and a
plain-HTTP site keeps the plain names without Secure."""

import re

import pytest
import requests

from stack import Stack

HTTPS_URL = "https://127.0.0.1:8443"


def cookies_of(r):
    """name -> the whole Set-Cookie line, for each cookie r sets."""
    out = {}
    for line in r.raw.headers.getlist("Set-Cookie"):
        out[line.split("=", 1)[0]] = line
    return out


def sign_in_by_hand(stack, user, prefix):
    """Signs in with explicit Cookie headers (requests keeps Secure cookies
    back from a plain-HTTP URL) -> (session cookie line, session value)."""
    r = requests.get(stack.url + "/login", allow_redirects=False, timeout=30)
    assert r.status_code == 200
    set_ = cookies_of(r)
    csrf_line = set_[prefix + "farm_csrf"]
    csrf = csrf_line.split("=", 1)[1].split(";", 1)[0]
    form = re.search(r'name="csrf" value="([^"]*)"', r.text).group(1)
    r = requests.post(stack.url + "/login", allow_redirects=False,
                      timeout=30,
                      headers={"Cookie": f"{prefix}farm_csrf={csrf}"},
                      data={"csrf": form, "email": user.email,
                            "password": user.password})
    assert r.status_code == 303, r.text[:300]
    line = cookies_of(r)[prefix + "farm_session"]
    return csrf_line, line, line.split("=", 1)[1].split(";", 1)[0]


@pytest.fixture(scope="module")
def https_stack():
    s = Stack(workers=1, env={"FARM_PUBLIC_URL": HTTPS_URL})
    try:
        s.start()
        yield s
    finally:
        s.stop()


def test_https_site_sends_secure_host_cookies(https_stack):
    u = https_stack.make_user()
    csrf_line, line, session = sign_in_by_hand(https_stack, u, "__Host-")
    for l in (csrf_line, line):
        attrs = [a.strip() for a in l.split(";")[1:]]
        assert "Secure" in attrs and "Path=/" in attrs, l
        assert "HttpOnly" in attrs and not any(
            a.lower().startswith("domain=") for a in attrs), l
    # the prefixed cookie signs in; the plain name is not looked at
    ok = requests.get(https_stack.url + "/account", allow_redirects=False,
                      timeout=30,
                      headers={"Cookie": f"__Host-farm_session={session}"})
    assert ok.status_code == 200, ok.status_code
    plain = requests.get(https_stack.url + "/account", allow_redirects=False,
                         timeout=30,
                         headers={"Cookie": f"farm_session={session}"})
    assert plain.status_code == 303
    assert plain.headers["Location"].startswith("/login")


def test_plain_http_site_keeps_plain_cookies(stack):
    u = stack.make_user()
    csrf_line, line, _ = sign_in_by_hand(stack, u, "")
    for l in (csrf_line, line):
        assert "Secure" not in l and not l.startswith("__Host-"), l


def test_secure_cookies_can_be_turned_off():
    with Stack(workers=1, env={"FARM_PUBLIC_URL": HTTPS_URL,
                               "FARM_SECURE_COOKIES": "0"}) as s:
        u = s.make_user()
        _, line, _ = sign_in_by_hand(s, u, "")
        assert "Secure" not in line, line


def test_hsts_over_tls_only(printer_pki, tmp_path):
    """The nginx config sends Strict-Transport-Security on every answer
    over a TLS listener, and none over plain HTTP."""
    import socket
    cert = printer_pki.issue("127.0.0.1", name="web-tls")
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        tls_port = sk.getsockname()[1]
    extra = (f"listen 127.0.0.1:{tls_port} ssl;\n"
             f"ssl_certificate {cert.cert};\n"
             f"ssl_certificate_key {cert.key};\n")
    with Stack(workers=1, nginx_extra=extra) as s:
        for path in ("/login", "/api/health", "/static/style.css"):
            r = requests.get(f"https://127.0.0.1:{tls_port}{path}",
                             verify=str(printer_pki.ca), timeout=30,
                             allow_redirects=False)
            assert r.status_code == 200, (path, r.status_code)
            assert r.headers.get("Strict-Transport-Security", "").startswith(
                "max-age="), (path, r.headers)
            plain = requests.get(s.url + path, timeout=30,
                                 allow_redirects=False)
            assert "Strict-Transport-Security" not in plain.headers, path
