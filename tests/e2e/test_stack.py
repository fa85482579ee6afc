"""The stack itself: nginx in front of the pool, routing, error shapes."""

import json


def test_health_through_nginx(stack):
    r = stack.session().get("/api/health")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["status"] == "ok"


def test_openapi_is_served_as_json(stack):
    r = stack.session().get("/api/openapi.json")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    doc = r.json()
    assert "openapi" in doc
    assert "/api/health" in doc["paths"]


def test_unknown_api_path_is_json_404(stack):
    r = stack.session().get("/api/no-such-thing")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()["error"]
    assert err["code"] == "not_found"
    assert isinstance(err["message"], str) and err["message"]


def test_me_without_token_is_401(stack):
    r = stack.session().get("/api/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"


def test_me_with_bad_token_is_401(stack):
    r = stack.session("not-a-real-token").get("/api/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"


def test_me_with_token(user):
    r = user.api.get("/api/me")
    assert r.status_code == 200
    assert r.json()["email"] == user.email


def test_cgi_health(cgi):
    status, headers, body = cgi("GET", "/api/health")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["status"] == "ok"


def test_cgi_unknown_path_is_404(cgi):
    status, headers, body = cgi("GET", "/api/no-such-thing?x=1")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "not_found"
