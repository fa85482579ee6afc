"""The shop pages through nginx with a cookie session: /files (a real
multipart upload streamed to disk with the API's name rules and size limit,
delete refused while a print uses the file), /products and /orders (forms
bound through the API's field tables: errors beside their fields with the
input kept; the order page with its items, prints, cost and the one-click
schedule) and /account (password, API tokens shown once, sign out
everywhere). Another user's ids are 404, signed out is /login, a wrong
csrf is 403."""

import re
import uuid

from stack import Stack
from test_pages import assert_html, browser, get, hidden_csrf, post, sign_in

PAGES = ["/files", "/products", "/products/new", "/orders", "/orders/new",
         "/account"]


def upload_api(api, name="part.3mf", data=b"PK\x03\x04part"):
    r = api.put(f"/api/files/{name}", data=data,
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text


def product_api(api, name="Hook", sku=None, file="part.3mf"):
    r = api.post("/api/products", json={"name": name, "sku": sku,
                                        "file": file,
                                        "estimated_minutes": 30,
                                        "grams": 12})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def csrf_of(b, path="/files"):
    r = get(b, path)
    assert_html(r, 200)
    return hidden_csrf(r.text)


def upload(b, token, filename, data, **fields):
    """A browser's multipart post: csrf first, then name, then the file."""
    parts = []
    if token is not None:
        parts.append(("csrf", (None, token)))
    for k, v in fields.items():
        parts.append((k, (None, v)))
    parts.append(("file", (filename, data, "application/octet-stream")))
    return b.post("/files", files=parts, allow_redirects=False)


# --- every page -------------------------------------------------------------


def test_signed_out_pages_lead_to_sign_in(stack):
    b = browser(stack)
    for path in PAGES + ["/orders/1", "/products/1", "/orders/1/edit"]:
        r = get(b, path)
        assert r.status_code == 303 and r.headers["Location"] == "/login", \
            path
    for path in ["/files", "/products", "/orders", "/account/tokens",
                 "/files/part.3mf/delete", "/orders/1/schedule"]:
        r = post(b, path, {"csrf": "x"})
        assert_html(r, 403)


def test_pages_answer_their_owner(stack, user):
    b = sign_in(stack, user)
    for path in PAGES:
        r = get(b, path)
        assert_html(r, 200)
        assert r.text.count("<h1") == 1, path
        # every control has a label (or is hidden)
        ids = set(re.findall(r'<label for="([^"]+)"', r.text))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", r.text):
            if 'type="hidden"' in tag:
                continue
            m = re.search(r'id="([^"]+)"', tag)
            assert m and m.group(1) in ids, (path, tag)


def test_other_users_ids_are_404(stack, user):
    upload_api(user.api)
    pid = product_api(user.api)
    r = user.api.post("/api/orders", json={"items": [
        {"title": "t", "quantity": 1, "product_id": pid}]})
    oid = r.json()["id"]
    other = stack.make_user()
    b = sign_in(stack, other)
    token = csrf_of(b)
    for path in [f"/products/{pid}", f"/orders/{oid}", f"/orders/{oid}/edit"]:
        assert_html(get(b, path), 404)
    for path in [f"/products/{pid}", f"/products/{pid}/delete",
                 f"/orders/{oid}", f"/orders/{oid}/schedule",
                 "/files/part.3mf/delete", "/account/tokens/1/revoke"]:
        assert_html(post(b, path, {"csrf": token, "name": "x"}), 404)
    assert user.api.get(f"/api/products/{pid}").status_code == 200
    assert user.api.get("/api/files/part.3mf").status_code == 200


# --- files -------------------------------------------------------------------


def test_upload_list_and_delete(stack, user):
    b = sign_in(stack, user)
    token = csrf_of(b)
    data = b"PK\x03\x04" + bytes(range(256)) * 40 + b"\r\n--not-a-boundary"
    r = upload(b, token, "C:\\slices\\cube.3mf", data)
    assert r.status_code == 303, r.text[:500]
    assert r.headers["Location"] == "/files"
    f = user.api.get("/api/files/cube.3mf").json()
    assert f["size"] == len(data)
    r = get(b, "/files")
    assert_html(r, 200)
    assert "cube.3mf uploaded" in r.text        # the notice
    assert "cube.3mf" in r.text and "10.0 KB" in r.text
    assert "<time datetime=" in r.text

    # a name override, then the same name replaces
    assert upload(b, token, "x.3mf", b"one", name="named.gcode"
                  ).status_code == 303
    assert upload(b, token, "x.3mf", b"two!", name="named.gcode"
                  ).status_code == 303
    assert user.api.get("/api/files/named.gcode").json()["size"] == 4

    # delete goes through a confirm and then is gone
    r = get(b, "/files")
    assert '<details class="confirm">' in r.text
    assert 'action="/files/cube.3mf/delete"' in r.text
    r = post(b, "/files/cube.3mf/delete", {"csrf": "wrong"})
    assert_html(r, 403)
    r = post(b, "/files/cube.3mf/delete", {"csrf": token})
    assert r.status_code == 303
    assert user.api.get("/api/files/cube.3mf").status_code == 404


def test_upload_refusals(stack, user):
    b = sign_in(stack, user)
    token = csrf_of(b)
    # a bad name: 422 with the reason beside the field, the name kept
    r = upload(b, token, "x.3mf", b"abc", name="../evil.stl")
    assert_html(r, 422)
    assert "ending in .3mf or .gcode" in r.text
    assert 'value="../evil.stl"' in r.text
    r = upload(b, token, ".hidden.3mf", b"abc")
    assert_html(r, 422)
    # no csrf or a wrong one: 403 and nothing stored
    for t in (None, "forged"):
        r = upload(b, t, "sneaky.3mf", b"abc")
        assert_html(r, 403)
        assert user.api.get("/api/files/sneaky.3mf").status_code == 404
    # not multipart
    r = post(b, "/files", {"csrf": token})
    assert_html(r, 415)


def test_upload_over_the_limit_is_413(monkeypatch):
    monkeypatch.setenv("FARM_FILE_LIMIT", "4096")
    with Stack(workers=1) as s:
        u = s.make_user()
        b = sign_in(s, u)
        token = csrf_of(b)
        # within the slack for the form's other parts: counted while written
        r = upload(b, token, "big.3mf", b"x" * 5000)
        assert_html(r, 413)
        assert "larger than 4096 bytes" in r.text
        # far over: refused by its length before reading
        r = upload(b, token, "big.3mf", b"x" * 200000)
        assert_html(r, 413)
        assert u.api.get("/api/files/big.3mf").status_code == 404
        assert upload(b, token, "ok.3mf", b"x" * 4096).status_code == 303


def test_file_in_use_is_refused_with_the_reason(stack, user):
    upload_api(user.api, "busy.3mf")
    r = user.api.post("/api/bambu/scheduled-prints", json={
        "name": "Busy", "file": "busy.3mf", "estimated_minutes": 10})
    assert r.status_code == 201, r.text
    b = sign_in(stack, user)
    r = post(b, "/files/busy.3mf/delete", {"csrf": csrf_of(b)})
    assert_html(r, 409)
    assert 'class="alert"' in r.text and "still uses busy.3mf" in r.text
    assert user.api.get("/api/files/busy.3mf").status_code == 200


# --- products ------------------------------------------------------------------


def test_product_create_edit_delete(stack, user):
    upload_api(user.api)
    b = sign_in(stack, user)
    r = get(b, "/products/new")
    assert '<option value="part.3mf"' in r.text
    token = hidden_csrf(r.text)
    form = {"csrf": token, "name": "Hook <b>", "sku": "HK-1", "file":
            "part.3mf", "plate": "1", "estimated_minutes": "45",
            "grams": "", "material_type": "PLA", "color": "#00aaff",
            "nozzle_temp": "", "bed_temp": "", "speed_level": "2",
            "material_slot": "", "etsy_listing_id": ""}
    # errors beside their fields, the input kept
    bad = dict(form, estimated_minutes="0", color="blue", name="")
    r = post(b, "/products", bad)
    assert_html(r, 422)
    assert r.text.count('class="field-error"') >= 3
    assert 'value="blue"' in r.text and 'value="HK-1"' in r.text
    assert "is required" in r.text
    assert user.api.get("/api/products").json()["products"] == []
    assert_html(post(b, "/products", dict(form, csrf="bad")), 403)

    r = post(b, "/products", form)
    assert r.status_code == 303 and r.headers["Location"] == "/products"
    p = user.api.get("/api/products").json()["products"][0]
    assert p["name"] == "Hook <b>" and p["color"] == "#00AAFF"
    assert p["grams"] is None
    r = get(b, "/products")
    assert "Hook &lt;b&gt;" in r.text and "<b>" not in r.text.split("<main")[1]

    r = get(b, f"/products/{p['id']}")
    assert_html(r, 200)
    assert 'value="45"' in r.text and 'value="#00AAFF"' in r.text
    r = post(b, f"/products/{p['id']}", dict(form, name="Hook 2", sku=""))
    assert r.status_code == 303
    p2 = user.api.get(f"/api/products/{p['id']}").json()
    assert p2["name"] == "Hook 2" and p2["sku"] is None
    r = post(b, f"/products/{p['id']}", dict(form, name=""))
    assert_html(r, 422)

    assert '<details class="confirm' in get(b, "/products").text
    r = post(b, f"/products/{p['id']}/delete", {"csrf": token})
    assert r.status_code == 303
    assert user.api.get(f"/api/products/{p['id']}").status_code == 404


# --- orders --------------------------------------------------------------------


def test_order_create_schedule_and_page(stack, user):
    upload_api(user.api)
    pid = product_api(user.api, "Hook", sku="HK-1")
    b = sign_in(stack, user)
    r = get(b, "/orders/new")
    token = hidden_csrf(r.text)
    assert r.text.count('name="items[4].title"') == 1   # five rows
    ext = uuid.uuid4().hex[:8]
    form = {"csrf": token, "source": "manual", "external_id": ext,
            "buyer": "Ann",
            "items[0].title": "Hooks", "items[0].quantity": "2",
            "items[0].sku": "HK-1",
            "items[1].title": "", "items[1].quantity": "1",
            "items[2].title": "Loose", "items[2].quantity": "1",
            "items[2].sku": "NOPE",
            "items[3].title": "", "items[3].quantity": "1"}
    # a bad row: the error beside that row, the input kept
    r = post(b, "/orders", dict(form, **{"items[2].quantity": "0"}))
    assert_html(r, 422)
    assert 'aria-describedby="item-2-quantity-error"' in r.text
    assert 'value="Loose"' in r.text
    r = post(b, "/orders", {"csrf": token, "buyer": "x"})
    assert_html(r, 422)
    assert "add at least one item" in r.text

    r = post(b, "/orders", form)
    assert r.status_code == 303, r.text[:800]
    oid = int(r.headers["Location"].rsplit("/", 1)[1])
    o = user.api.get(f"/api/orders/{oid}").json()
    assert [i["title"] for i in o["items"]] == ["Hooks", "Loose"]
    assert o["items"][0]["product_id"] == pid
    assert o["items"][1]["product_id"] is None

    r = get(b, f"/orders/{oid}")
    assert_html(r, 200)
    assert "unmatched" in r.text and "no product has SKU NOPE" in r.text
    # the schedule refuses all, and says which item and why
    r = post(b, f"/orders/{oid}/schedule", {"csrf": token})
    assert_html(r, 422)
    assert "items[1].product_id" in r.text
    assert user.api.get(f"/api/orders/{oid}").json()["print_ids"] == []

    # an edit drops the unmatched item; then one click schedules
    r = get(b, f"/orders/{oid}/edit")
    assert_html(r, 200)
    assert 'value="Loose"' in r.text
    edit = {"csrf": token, "external_id": ext, "buyer": "Ann B",
            "items[0].title": "Hooks", "items[0].quantity": "2",
            "items[0].product_id": str(pid)}
    assert post(b, f"/orders/{oid}", edit).status_code == 303
    r = post(b, f"/orders/{oid}/schedule", {"csrf": token})
    assert r.status_code == 303, r.text[:800]
    o = user.api.get(f"/api/orders/{oid}").json()
    assert o["buyer"] == "Ann B" and len(o["print_ids"]) == 2
    r = get(b, f"/orders/{oid}")
    assert "Scheduled 2 prints" in r.text
    assert r.text.count('class="badge tone-') >= 2
    assert "Material cost of the order" in r.text
    assert "Schedule prints</button>" not in r.text
    # scheduled: no second schedule, no edit
    r = post(b, f"/orders/{oid}/schedule", {"csrf": token})
    assert_html(r, 409)
    assert_html(post(b, f"/orders/{oid}", edit), 409)
    assert_html(post(b, f"/orders/{oid}/schedule", {"csrf": "x"}), 403)
    r = get(b, "/orders")
    assert f'href="/orders/{oid}"' in r.text and ext in r.text


# --- account -------------------------------------------------------------------


def test_account_password_tokens_sign_out(stack, user):
    b = sign_in(stack, user)
    token = csrf_of(b, "/account")
    r = post(b, "/account/password", {"csrf": token,
                                      "current_password": "wrong-one",
                                      "password": "short",
                                      "password2": "other"})
    assert_html(r, 422)
    assert "is not your password" in r.text and "at least 8" in r.text
    assert "does not match" in r.text
    assert_html(post(b, "/account/password", {"csrf": "x"}), 403)
    r = post(b, "/account/password", {"csrf": token,
                                      "current_password": user.password,
                                      "password": "brand-new-pw-1",
                                      "password2": "brand-new-pw-1"})
    assert r.status_code == 303
    r = stack.session(None).post("/api/auth/login", json={
        "email": user.email, "password": "brand-new-pw-1"})
    assert r.status_code == 200, r.text

    # a token: shown once, works with the API, listed, revoked
    r = post(b, "/account/tokens", {"csrf": token, "name": ""})
    assert_html(r, 422)
    r = post(b, "/account/tokens", {"csrf": token, "name": "laptop <x>"})
    assert_html(r, 200)
    m = re.search(r'id="a-new-token" class="mono" value="([^"]+)"', r.text)
    assert m, r.text
    api = stack.session(m.group(1))
    assert api.get("/api/me").status_code == 200
    r = get(b, "/account")
    assert m.group(1) not in r.text and "laptop &lt;x&gt;" in r.text
    tid = re.findall(r'action="/account/tokens/(\d+)/revoke"', r.text)[0]
    assert post(b, f"/account/tokens/{tid}/revoke",
                {"csrf": token}).status_code == 303
    assert api.get("/api/me").status_code == 401

    # sign out everywhere: every browser session ends, tokens stay
    other = sign_in(stack, type(user)(user.email, "brand-new-pw-1",
                                      user.token, user.api))
    assert '<details class="confirm">' in get(b, "/account").text
    r = post(b, "/account/sign-out-everywhere", {"csrf": token})
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    assert get(other, "/account").headers["Location"] == "/login"
    assert get(b, "/account").headers["Location"] == "/login"
    assert user.api.get("/api/me").status_code == 200


# --- mapping an unmatched item (issue 13 item 4) ------------------------------


def listing_order(api, listing, title="Listing item"):
    r = api.post("/api/orders", json={"items": [
        {"title": title, "quantity": 1, "etsy_listing_id": listing}]})
    assert r.status_code == 201, r.text
    return r.json()


def test_map_an_unmatched_item_and_the_next_order_matches(stack, user):
    upload_api(user.api)
    pid = product_api(user.api, "Vase")
    listing = 900000 + int(uuid.uuid4().int % 99999)
    o = listing_order(user.api, listing)
    item = o["items"][0]
    assert item["product_id"] is None
    b = sign_in(stack, user)
    r = get(b, f"/orders/{o['id']}")
    assert_html(r, 200)
    action = f'/orders/{o["id"]}/items/{item["id"]}/map'
    assert f'action="{action}"' in r.text and "Map to product" in r.text
    token = hidden_csrf(r.text)

    # csrf needed; another user's product refused; nothing remembered
    assert_html(post(b, action, {"csrf": "bad", "product_id": str(pid)}), 403)
    other = stack.make_user()
    upload_api(other.api)
    theirs = product_api(other.api, "Theirs")
    r = post(b, action, {"csrf": token, "product_id": str(theirs)})
    assert_html(r, 422)
    assert "is not one of your products" in r.text
    assert listing_order(user.api, listing)["items"][0]["product_id"] is None
    # another user's order is 404
    ob = sign_in(stack, other)
    assert_html(post(ob, action, {"csrf": csrf_of(ob),
                                  "product_id": str(theirs)}), 404)

    r = post(b, action, {"csrf": token, "product_id": str(pid)})
    assert r.status_code == 303, r.text[:800]
    assert r.headers["Location"] == f"/orders/{o['id']}"
    got = user.api.get(f"/api/orders/{o['id']}").json()
    assert got["items"][0]["product_id"] == pid
    r = get(b, f"/orders/{o['id']}")
    assert "Mapped" in r.text and f'href="/products/{pid}"' in r.text

    # the next order of that listing matches by itself; another user's
    # order of the same listing does not
    nxt = listing_order(user.api, listing)
    assert nxt["items"][0]["product_id"] == pid
    assert listing_order(other.api, listing)["items"][0]["product_id"] is None
    # a SKU still wins over a remembered listing
    sku_pid = product_api(user.api, "Skued", sku="SK-" + uuid.uuid4().hex[:6])
    sku = user.api.get(f"/api/products/{sku_pid}").json()["sku"]
    r = user.api.post("/api/orders", json={"items": [
        {"title": "x", "quantity": 1, "sku": sku, "etsy_listing_id": listing}]})
    assert r.json()["items"][0]["product_id"] == sku_pid
    # deleting the product forgets the mapping
    assert user.api.delete(f"/api/products/{pid}").status_code in (200, 204)
    assert listing_order(user.api, listing)["items"][0]["product_id"] is None


def test_map_an_item_through_the_api(stack, user):
    upload_api(user.api)
    first = product_api(user.api, "First")
    second = product_api(user.api, "Second")
    listing = 800000 + int(uuid.uuid4().int % 99999)
    o = listing_order(user.api, listing)
    path = f"/api/orders/{o['id']}/items/{o['items'][0]['id']}"
    r = user.api.put(path, json={})
    assert r.status_code == 422 and "product_id" in r.text
    other = stack.make_user()
    upload_api(other.api)
    theirs = product_api(other.api, "Theirs")
    r = user.api.put(path, json={"product_id": theirs})
    assert r.status_code == 422 and "product_id" in r.text
    assert other.api.put(path, json={"product_id": theirs}).status_code == 404
    r = user.api.put(f"/api/orders/{o['id']}/items/999999999",
                     json={"product_id": first})
    assert r.status_code == 404
    r = user.api.put(path, json={"product_id": first})
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["product_id"] == first
    assert listing_order(user.api, listing)["items"][0]["product_id"] == first
    # mapping again moves the remembered mapping
    r = user.api.put(path, json={"product_id": second})
    assert r.status_code == 200, r.text
    assert listing_order(user.api, listing)["items"][0]["product_id"] == second


def test_map_refused_once_the_order_has_prints(stack, user):
    """An order with prints keeps its items' products: PUT .../items/<id>
    is a 409 in the API's error format, and the order page's stale "Map to
    product" form shows the same refusal; nothing changes and the listing's
    remembered mapping stays."""
    upload_api(user.api)
    first = product_api(user.api, "First")
    second = product_api(user.api, "Second")
    listing = 600000 + int(uuid.uuid4().int % 99999)
    o = listing_order(user.api, listing)
    item = o["items"][0]
    path = f"/api/orders/{o['id']}/items/{item['id']}"
    action = f'/orders/{o["id"]}/items/{item["id"]}/map'
    b = sign_in(stack, user)
    r = get(b, f"/orders/{o['id']}")       # the form, before the prints
    assert_html(r, 200)
    assert f'action="{action}"' in r.text
    token = hidden_csrf(r.text)

    assert user.api.put(path, json={"product_id": first}).status_code == 200
    r = user.api.post(f"/api/orders/{o['id']}/schedule-prints", json={})
    assert r.status_code == 201, r.text

    r = user.api.put(path, json={"product_id": second})
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["code"] == "conflict"
    assert err["message"] == (f"order {o['id']} already has 1 print "
                              "scheduled; its items can no longer be mapped "
                              "to another product")
    got = user.api.get(f"/api/orders/{o['id']}").json()
    assert got["items"][0]["product_id"] == first
    assert listing_order(user.api, listing)["items"][0]["product_id"] == first

    r = post(b, action, {"csrf": token, "product_id": str(second)})
    assert_html(r, 409)
    assert re.search(r'<p class="alert" role="alert">order \d+ already has 1 '
                     r'print scheduled; its items can no longer be mapped '
                     r'to another product</p>', r.text), r.text[:2000]
    got = user.api.get(f"/api/orders/{o['id']}").json()
    assert got["items"][0]["product_id"] == first
    assert listing_order(user.api, listing)["items"][0]["product_id"] == first
