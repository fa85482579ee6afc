"""A fake Etsy Open API v3 on 127.0.0.1, written from INTERFACES.md part A:
the consent page (answers at once with a code), the OAuth token endpoint
(authorization_code with the PKCE S256 check, refresh_token rotating: the
old refresh token stops working), users/me, the shop, and getShopReceipts
(was_paid / was_shipped / min_created filters, sort_on=created asc,
limit / offset paging, transactions embedded), getShopReceipt (one receipt
by id; 404 for one it does not have). Every call checks x-api-key
("keystring:shared_secret"); resource calls check the Bearer token.

Scripted faults: fail_429 (the next N receipts calls answer 429 with
Retry-After), fail_500_on (the Nth receipts call answers 500),
fail_receipt (every getShopReceipt answers this status), revoke()
(refresh answers 400 invalid_grant)."""

import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

KEYSTRING = "fakekeystring0123"
SHARED_SECRET = "fakesharedsecret"
USER_ID = 81234567


def money(amount, currency="USD"):
    return {"amount": amount, "divisor": 100, "currency_code": currency}


def receipt(receipt_id, created, items, status="paid", buyer="Maya Lindqvist",
            discount=0, currency="USD", discount_amt=True):
    """A ShopReceipt in the documented shape; items: (transaction_id, sku,
    listing_id, title, quantity, unit price in cents, variations[,
    variant]): the transaction's product_id (the listing's variant) is
    variant when given, else listing_id + 1. discount (cents) is
    discount_amt, taken off subtotal and grandtotal (discount_amt=False:
    the receipt has no discount_amt field, only the subtotal, total_price
    less coupons, says it); every amount is in currency."""
    txns = []
    total = 0
    for tid, sku, listing, title, qty, price, variations, *rest in items:
        variant = rest[0] if rest and rest[0] is not None else listing + 1
        total += qty * price
        txns.append({
            "transaction_id": tid, "receipt_id": receipt_id,
            "transaction_type": "listing", "listing_id": listing,
            "product_id": variant, "sku": sku, "title": title,
            "quantity": qty, "is_digital": False,
            "price": money(price, currency),
            "shipping_cost": money(0, currency),
            "variations": variations or [], "product_data": [],
            "created_timestamp": created, "create_timestamp": created,
            "paid_timestamp": created + 10, "shipped_timestamp": None,
        })
    r = {
        "receipt_id": receipt_id, "receipt_type": 0, "status": status,
        "is_paid": status != "open", "is_shipped": False,
        "created_timestamp": created, "create_timestamp": created,
        "updated_timestamp": created + 10, "update_timestamp": created + 10,
        "seller_user_id": USER_ID, "buyer_user_id": 99887766,
        "buyer_email": None, "name": buyer, "country_iso": "US",
        "total_price": money(total, currency),
        "subtotal": money(total - discount, currency),
        "discount_amt": money(discount, currency),
        "total_shipping_cost": money(0, currency),
        "total_tax_cost": money(0, currency),
        "total_vat_cost": money(0, currency),
        "gift_wrap_price": money(0, currency),
        "grandtotal": money(total - discount, currency),
        "shipments": [], "refunds": [], "transactions": txns,
    }
    if not discount_amt:
        del r["discount_amt"]
    return r


class FakeEtsy:
    def __init__(self, shop_id=55501234, shop_name="LayerLabStudio"):
        self.shop_id = shop_id
        self.shop_name = shop_name
        self.lock = threading.Lock()
        self.reset()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.codes = {}        # code -> (challenge, redirect_uri)
            self.access = {}       # access token -> expires (calls left)
            self.refresh = set()   # live refresh tokens
            self.receipts = []
            self.revoked = False
            self.fail_429 = 0
            self.retry_after = "1"
            self.fail_500_on = None
            self.fail_receipt = None  # status every getShopReceipt answers
            self.receipt_calls = 0
            self.remaining_today = "9000"   # x-remaining-today sent
            self.log = []          # (method, path, status)
            self.refreshes = 0
            self.expires_in = 3600
            # Where the consent page sends the browser back (scheme://host:port
            # replacing the redirect_uri's; None: the redirect_uri itself).
            # A test stack learns its port only after its workers read
            # FARM_PUBLIC_URL, so a browser test points this at the stack.
            self.back_to = None

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def revoke(self):
        with self.lock:
            self.revoked = True
            self.refresh.clear()

    def expire_access(self):
        with self.lock:
            self.access.clear()

    def _new_pair(self):
        a = f"{USER_ID}.{secrets.token_urlsafe(24)}"
        r = f"{USER_ID}.{secrets.token_urlsafe(24)}"
        self.access[a] = True
        self.refresh.add(r)
        return {"access_token": a, "token_type": "Bearer",
                "expires_in": self.expires_in, "refresh_token": r}

    def _handler(fake):
        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self, status, body, headers=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
                fake.log.append((self.command, self.path, status))

            def key_ok(self):
                if (self.headers.get("x-api-key")
                        != f"{KEYSTRING}:{SHARED_SECRET}"):
                    self.answer(403, {"error": "Shared secret is required "
                                               "in x-api-key header"})
                    return False
                return True

            def do_GET(self):
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                if u.path == "/oauth/connect":
                    return self.connect(q)
                if not self.key_ok():
                    return
                auth = self.headers.get("Authorization", "")
                with fake.lock:
                    ok = (auth.startswith("Bearer ")
                          and auth[7:] in fake.access)
                if not ok:
                    return self.answer(401, {"error": "invalid_token"})
                parts = u.path.strip("/").split("/")
                if u.path == "/v3/application/users/me":
                    return self.answer(200, {"user_id": USER_ID,
                                             "shop_id": fake.shop_id})
                if parts[:3] == ["v3", "application", "shops"] \
                        and len(parts) == 4:
                    return self.answer(200, {"shop_id": fake.shop_id,
                                             "shop_name": fake.shop_name})
                if parts[:3] == ["v3", "application", "shops"] \
                        and len(parts) == 5 and parts[4] == "receipts":
                    if parts[3] != str(fake.shop_id):
                        return self.answer(404, {"error": "no such shop"})
                    return self.receipts(q)
                if parts[:3] == ["v3", "application", "shops"] \
                        and len(parts) == 6 and parts[4] == "receipts":
                    if parts[3] != str(fake.shop_id):
                        return self.answer(404, {"error": "no such shop"})
                    return self.one_receipt(parts[5])
                self.answer(404, {"error": "not found"})

            def connect(self, q):
                need = ("response_type", "client_id", "redirect_uri",
                        "scope", "state", "code_challenge",
                        "code_challenge_method")
                if any(k not in q for k in need) or \
                        q["client_id"] != KEYSTRING or \
                        q["code_challenge_method"] != "S256" or \
                        "transactions_r" not in q["scope"].split():
                    return self.answer(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                with fake.lock:
                    fake.codes[code] = (q["code_challenge"],
                                        q["redirect_uri"])
                back = q["redirect_uri"]
                if fake.back_to:
                    u = urlparse(back)
                    back = fake.back_to + u.path
                loc = back + "?" + urlencode(
                    {"code": code, "state": q["state"]})
                self.send_response(302)
                self.send_header("Location", loc)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def receipts(self, q):
                with fake.lock:
                    fake.receipt_calls += 1
                    n = fake.receipt_calls
                    if fake.fail_429 > 0:
                        fake.fail_429 -= 1
                        return self.answer(
                            429, {"error": "rate limited"},
                            [("Retry-After", fake.retry_after)])
                    if fake.fail_500_on == n:
                        return self.answer(500, {"error": "server error"})
                    rs = list(fake.receipts)
                if q.get("was_paid") == "true":
                    rs = [r for r in rs if r["is_paid"]]
                if q.get("was_shipped") == "false":
                    rs = [r for r in rs if not r["is_shipped"]]
                if "min_created" in q:
                    rs = [r for r in rs
                          if r["created_timestamp"] >= int(q["min_created"])]
                rs.sort(key=lambda r: (r["created_timestamp"],
                                       r["receipt_id"]),
                        reverse=q.get("sort_order", "desc")
                        in ("desc", "descending", "down"))
                limit = int(q.get("limit", 25))
                offset = int(q.get("offset", 0))
                if not 1 <= limit <= 100 or offset < 0:
                    return self.answer(400, {"error": "bad paging"})
                self.answer(200, {"count": len(rs),
                                  "results": rs[offset:offset + limit]},
                            [("x-remaining-today", fake.remaining_today)])

            def one_receipt(self, rid):
                """getShopReceipt: one ShopReceipt by id, else 404."""
                with fake.lock:
                    if fake.fail_receipt is not None:
                        return self.answer(fake.fail_receipt,
                                           {"error": "server error"})
                    found = [r for r in fake.receipts
                             if str(r["receipt_id"]) == rid]
                if not found:
                    return self.answer(404, {"error": "Receipt not found"})
                self.answer(200, found[0],
                            [("x-remaining-today", fake.remaining_today)])

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in
                        parse_qs(self.rfile.read(n).decode()).items()}
                if self.path != "/v3/public/oauth/token":
                    return self.answer(404, {"error": "not found"})
                if not self.key_ok():
                    return
                if form.get("client_id") != KEYSTRING:
                    return self.answer(400, {"error": "invalid_client"})
                g = form.get("grant_type")
                with fake.lock:
                    if g == "authorization_code":
                        c = fake.codes.pop(form.get("code", ""), None)
                        v = form.get("code_verifier", "")
                        ch = base64.urlsafe_b64encode(hashlib.sha256(
                            v.encode()).digest()).rstrip(b"=").decode()
                        if c is None or c[0] != ch or \
                                c[1] != form.get("redirect_uri") or \
                                not 43 <= len(v) <= 128:
                            return self.answer(400, {
                                "error": "invalid_grant",
                                "error_description": "code or verifier "
                                                     "does not match"})
                        return self.answer(200, fake._new_pair())
                    if g == "refresh_token":
                        r = form.get("refresh_token", "")
                        if fake.revoked or r not in fake.refresh:
                            return self.answer(400, {
                                "error": "invalid_grant",
                                "error_description":
                                    "refresh_token is revoked"})
                        fake.refresh.discard(r)   # rotation
                        fake.refreshes += 1
                        return self.answer(200, fake._new_pair())
                self.answer(400, {"error": "unsupported_grant_type"})
        return H
