#!/usr/bin/env bash
# The Etsy import figure (issue 13): 1,000 paid, unshipped receipts (10
# pages of 100, one item each) imported by one `farm-dispatch --once` from
# the fake Etsy v3 server of the e2e tests (tests/e2e/fake_etsy.py) on
# 127.0.0.1. The shop is connected the way a seller does it, through the
# API and the callback (farm.fcgi run as a CGI), then a first dispatcher
# run exchanges the code with no receipts; the timed run is the import
# alone. Prints wall time and peak memory (/usr/bin/time) and the number
# of orders imported. Figures, not a speed test; exits non-zero only when
# an order is missing or doubled.
#
# Environment: BIN (default build, the release build), ETSY_RECEIPTS
# (default 1000).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/build}
N=${ETSY_RECEIPTS:-1000}
for b in farm.fcgi farmctl farm-dispatch; do
    [ -x "$BIN/$b" ] || { echo "bench_etsy: $BIN/$b missing (make all)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench_etsy: /usr/bin/time missing (make deps-test)" >&2; exit 1; }
export DATA_DIR
DATA_DIR=$(mktemp -d /tmp/farm-bench-etsy-XXXXXX)
trap 'rm -rf "$DATA_DIR"' EXIT

"$BIN/farmctl" migrate 2>/dev/null
echo "bench-password-1" | "$BIN/farmctl" user add bench@example.com >/dev/null
TOKEN=$("$BIN/farmctl" token add bench@example.com --name bench)

BIN=$BIN TOKEN=$TOKEN N=$N PYTHONPATH=$ROOT/tests/e2e /usr/bin/python3 - <<'EOF'
import json, os, re, sqlite3, subprocess, time
from urllib.parse import urlparse
from urllib.request import Request, urlopen, HTTPRedirectHandler, build_opener

from fake_etsy import FakeEtsy, KEYSTRING, SHARED_SECRET, receipt

BIN, TOKEN, N = os.environ["BIN"], os.environ["TOKEN"], int(os.environ["N"])
DB = os.path.join(os.environ["DATA_DIR"], "farm.db")
fake = FakeEtsy()
ENV = {k: v for k, v in os.environ.items()
       if k in ("PATH", "DATA_DIR", "HOME", "LANG")}
ENV.update({"FARM_ETSY_KEYSTRING": KEYSTRING,
            "FARM_ETSY_SECRET": SHARED_SECRET,
            "FARM_PUBLIC_URL": "http://127.0.0.1",
            "FARM_ETSY_API": fake.url,
            "FARM_ETSY_CONNECT": fake.url + "/oauth/connect",
            "FARM_ETSY_POLL": "0"})


def cgi(method, path, query=""):
    env = dict(ENV)
    env.update({"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": method,
                "REQUEST_URI": path + ("?" + query if query else ""),
                "DOCUMENT_URI": path, "SCRIPT_NAME": path,
                "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
                "CONTENT_LENGTH": "0",
                "HTTP_AUTHORIZATION": f"Bearer {TOKEN}"})
    out = subprocess.run([f"{BIN}/farm.fcgi"], input=b"", env=env,
                         capture_output=True, check=True).stdout
    head, _, rest = out.partition(b"\r\n\r\n")
    if not rest and b"\n\n" in out:
        head, _, rest = out.partition(b"\n\n")
    return head.decode("latin-1"), rest


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def dispatch(timed=False):
    cmd = [f"{BIN}/farm-dispatch", "--once"]
    if timed:
        cmd = ["/usr/bin/time", "-f", "%e s %M KB"] + cmd
    p = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"bench_etsy: farm-dispatch failed:\n{p.stderr}")
    return p.stderr.strip().splitlines()[-1] if timed else None


# connect: the API's authorize URL, the fake's consent redirect, the callback
head, body = cgi("POST", "/api/etsy/shops")
shop = json.loads(body)
opener = build_opener(NoRedirect)
try:
    opener.open(shop["authorize_url"])
    raise SystemExit("bench_etsy: the consent page did not redirect")
except Exception as e:  # urllib raises HTTPError for the 302
    loc = e.headers["Location"]
head, _ = cgi("GET", "/etsy/callback", urlparse(loc).query)
if not re.search(r"Status: 30[23]", head):
    raise SystemExit(f"bench_etsy: callback answered {head!r}")
dispatch()                                  # code exchange, shop identified
st = sqlite3.connect(DB).execute(
    "SELECT status FROM etsy_shops WHERE id = ?", (shop["id"],)).fetchone()[0]
if st != "connected":
    raise SystemExit(f"bench_etsy: shop is {st}, not connected")

t0 = int(time.time()) - N
fake.receipts = [receipt(5000000000 + i, t0 + i,
                         [(6000000000 + i, None, 1500000000 + i % 50,
                           "Articulated dragon", 1 + i % 3, 1200, None)])
                 for i in range(N)]
before = len(fake.log)
figure = dispatch(timed=True)
db = sqlite3.connect(DB)
orders, distinct = db.execute(
    "SELECT count(*), count(DISTINCT external_id) FROM orders "
    "WHERE source = 'etsy'").fetchone()
pages = sum(1 for c in fake.log[before:] if "/receipts" in c[1])
print(f"etsy import: {orders} orders from {N} receipts ({pages} pages) "
      f"by one farm-dispatch --once: {figure}")
fake.close()
if orders != N or distinct != N:
    raise SystemExit("bench_etsy: orders lost or doubled")
EOF
