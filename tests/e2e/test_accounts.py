"""Accounts (issue 10 item 4): only an admin adds users. The first account
of an install is its admin (farmctl user add --admin makes more); anyone
else gets 403 from POST /api/users, and a taken email is refused (409)
without the password being hashed."""

import uuid

from stack import Stack


def body(email=None):
    return {"email": email or f"new-{uuid.uuid4().hex[:8]}@example.test",
            "password": "pw-secret-123"}


def test_only_an_admin_adds_users():
    with Stack(workers=1) as s:
        first = s.make_user()                 # the install's first: admin
        second = s.make_user()                # not an admin
        r = second.api.post("/api/users", json=body())
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
        assert s.db().scalar("SELECT COUNT(*) FROM users") == 2

        r = first.api.post("/api/users", json=body())
        assert r.status_code == 201, r.text
        made = r.json()
        # a user the admin made is no admin either
        r = s.session(s.farmctl("token", "add", made["email"]).stdout
                      .strip()).post("/api/users", json=body())
        assert r.status_code == 403

        # farmctl user add --admin makes another admin
        third = s.make_user(admin=True)
        assert third.api.post("/api/users", json=body()).status_code == 201

        # a taken email: 409, the same answer as before, nothing added
        n = s.db().scalar("SELECT COUNT(*) FROM users")
        r = first.api.post("/api/users", json=body(second.email.upper()))
        assert r.status_code == 409, r.text
        assert s.db().scalar("SELECT COUNT(*) FROM users") == n


def test_fifty_wrong_passwords_at_once_get_exactly_the_allowed_tries():
    """Each sign-in attempt is counted before its password is judged, in
    one transaction: 50 wrong passwords sent at once get exactly
    FARM_LOGIN_MAX_PER_EMAIL (5) answers of 401, and 429 for the rest."""
    import threading
    with Stack(workers=4) as s:
        u = s.make_user()
        start = threading.Barrier(50)
        codes = []
        lock = threading.Lock()

        def one():
            sess = s.session()
            start.wait(30)
            r = sess.post("/api/auth/login", json={
                "email": u.email, "password": "wrong-password-1"})
            with lock:
                codes.append(r.status_code)

        threads = [threading.Thread(target=one) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert sorted(codes) == [401] * 5 + [429] * 45, sorted(codes)


def _addr(*parts):
    # built from parts: nothing here is ever connected to (test_loopback)
    return ".".join(str(p) for p in parts)


def _wrong_login(s, peer, xff=None):
    import json
    headers = {"Content-Type": "application/json"}
    if xff is not None:
        headers["X-Forwarded-For"] = xff
    r = s.cgi("POST", "/api/auth/login", json.dumps(
        {"email": "nobody@example.test", "password": "wrong-pass-1"}),
        headers=headers, env={"REMOTE_ADDR": peer})
    assert r.status == 401, r.body


def test_client_address_behind_a_trusted_proxy_only():
    """Sign-in failures count per client address. Behind a proxy listed in
    FARM_TRUSTED_PROXIES the address is the right-most X-Forwarded-For
    entry that is not a trusted proxy; anyone else's X-Forwarded-For is
    ignored (a client cannot pick its own counter)."""
    lan, client, forged = _addr(10, 9, 8, 7), _addr(192, 168, 7, 7), \
        _addr(10, 66, 66, 66)
    with Stack(workers=1, env={"FARM_TRUSTED_PROXIES":
                               f"127.0.0.1, {_addr(10, 9, 0, 0)}/16"}) as s:
        _wrong_login(s, "127.0.0.1", f"{forged}, {client}, {lan}")
        _wrong_login(s, _addr(10, 200, 1, 1), f"{client}")
        keys = {r["key"] for r in s.query(
            "SELECT key FROM login_failures WHERE key LIKE 'ip:%'")}
        assert keys == {f"ip:{client}", f"ip:{_addr(10, 200, 1, 1)}"}, keys
    with Stack(workers=1) as s:   # no trusted proxy: the peer, always
        _wrong_login(s, "127.0.0.1", f"{client}")
        keys = {r["key"] for r in s.query(
            "SELECT key FROM login_failures WHERE key LIKE 'ip:%'")}
        assert keys == {"ip:127.0.0.1"}, keys
    # a bad list stops the programs at start, naming the setting
    with Stack(workers=1) as s:
        s.extra_env["FARM_TRUSTED_PROXIES"] = "not-a-range"
        p = s.farmctl("migrate", check=False)
        assert p.returncode != 0 and "FARM_TRUSTED_PROXIES" in p.stderr


def test_dispatcher_purges_expired_sign_ins():
    """farm-dispatch deletes expired sessions and API tokens and sign-in
    failure counts older than the window; live ones stay."""
    import pytest  # noqa: F401  (marker below)
    from test_dispatch_smoke import dispatch
    with Stack(workers=1, own=True) as s:
        u = s.make_user()
        keep = s.make_user()
        s.session().post("/api/auth/login", json={
            "email": u.email, "password": "wrong-pass-1"})
        r = s.session().post("/api/auth/login", json={
            "email": u.email, "password": u.password})
        assert r.status_code == 200
        s.session().post("/api/auth/login", json={
            "email": keep.email, "password": "wrong-pass-2"})
        uid = s.db().scalar("SELECT id FROM users WHERE email = ?",
                            (u.email,))
        s.db_write("UPDATE sessions SET expires_at = 1 WHERE user_id = ?",
                   (uid,))
        s.db_write("UPDATE api_tokens SET expires_at = 1 WHERE user_id = ?",
                   (uid,))
        s.db_write("UPDATE login_failures SET window_start = 1 "
                   "WHERE key LIKE 'ip:%'")
        dispatch(s)
        db = s.db()
        assert db.scalar("SELECT COUNT(*) FROM sessions WHERE user_id = ?",
                         (uid,)) == 0
        assert db.scalar("SELECT COUNT(*) FROM api_tokens WHERE user_id = ?",
                         (uid,)) == 0
        assert db.scalar("SELECT COUNT(*) FROM api_tokens") == 1   # keep's
        assert {r["key"] for r in db.query(
            "SELECT key FROM login_failures")} == {f"email:{keep.email}"}
        assert keep.api.get("/api/me").status_code == 200
