#!/usr/bin/env bash
# The outbox load check (issue 4): 10,000 queued webhook rows delivered by
# one `farm-deliver --once` run to a local HTTP receiver. Prints deliveries
# per second and checks that none was lost or doubled (every row delivered,
# every delivery id received with a 2xx exactly once, every signature
# valid). Figures, not a speed test; exits non-zero only when a delivery
# was lost, doubled or badly signed.
#
# Environment: BIN (default build, the release build), OUTBOX_ROWS
# (default 10000), WRAP (a command to run farm-deliver under, e.g.
# "strace -f -c -o /tmp/s.txt"). The receiver is a one-thread asyncio
# server: http.server's thread per connection capped the figure at ~100/s.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/build}
ROWS=${OUTBOX_ROWS:-10000}
for b in farm.fcgi farmctl farm-deliver; do
    [ -x "$BIN/$b" ] || { echo "bench_outbox: $BIN/$b missing (make all)" >&2; exit 1; }
done
export DATA_DIR
DATA_DIR=$(mktemp -d /tmp/farm-bench-outbox-XXXXXX)
trap 'rm -rf "$DATA_DIR"' EXIT
echo "FARM_OUTBOUND_ALLOW=127.0.0.0/8" >"$DATA_DIR/farm.conf" # loopback receiver

"$BIN/farmctl" migrate 2>/dev/null
echo "bench-password-1" | "$BIN/farmctl" user add bench@example.com >/dev/null
TOKEN=$("$BIN/farmctl" token add bench@example.com --name bench)

BIN=$BIN TOKEN=$TOKEN ROWS=$ROWS /usr/bin/python3 - <<'EOF'
import asyncio, base64, collections, hashlib, hmac, json, os, sqlite3
import subprocess, threading, time

BIN, TOKEN, ROWS = os.environ["BIN"], os.environ["TOKEN"], int(os.environ["ROWS"])
DB = os.path.join(os.environ["DATA_DIR"], "farm.db")

seen = collections.Counter()
bad_sig = [0]
lock = threading.Lock()
key = [b""]


def check(headers, body):
    mid = headers.get("webhook-id", "")
    ts = headers.get("webhook-timestamp", "")
    want = "v1," + base64.b64encode(hmac.new(
        key[0], f"{mid}.{ts}.".encode() + body,
        hashlib.sha256).digest()).decode()
    with lock:
        seen[mid] += 1
        if not hmac.compare_digest(want, headers.get("webhook-signature", "")):
            bad_sig[0] += 1


# A small asyncio HTTP/1.1 receiver (keep-alive, Content-Length bodies):
# one thread, so the receiver is not what the figure measures.
async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            body = await reader.readexactly(
                int(headers.get("content-length", "0")))
            check(headers, body)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


loop = asyncio.new_event_loop()
srv = loop.run_until_complete(asyncio.start_server(serve, "127.0.0.1", 0))
threading.Thread(target=loop.run_forever, daemon=True).start()
url = f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}/hook"


def cgi(method, path, body):
    data = json.dumps(body).encode()
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "DATA_DIR", "HOME", "LANG")}
    env.update({"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": method,
                "REQUEST_URI": path, "DOCUMENT_URI": path, "SCRIPT_NAME": path,
                "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
                "CONTENT_TYPE": "application/json",
                "HTTP_CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(data)),
                "HTTP_AUTHORIZATION": f"Bearer {TOKEN}"})
    out = subprocess.run([f"{BIN}/farm.fcgi"], input=data, env=env,
                         capture_output=True, check=True).stdout
    head, _, rest = out.partition(b"\r\n\r\n")
    if not rest and b"\n\n" in out:
        head, _, rest = out.partition(b"\n\n")
    return json.loads(rest)


pid = cgi("POST", "/api/printers", {
    "name": "P1S-01", "model": "P1S", "serial": "BENCHOUTBOX01",
    "host": "127.0.0.1", "access_code": "12345678"})["id"]
secret = cgi("PUT", f"/api/bambu/notifications/{pid}",
             {"webhook_url": url})["webhook_secret"]
key[0] = base64.b64decode(secret[len("whsec_"):])

now = int(time.time())
with sqlite3.connect(DB) as c:
    uid = c.execute("SELECT user_id FROM printers WHERE id = ?",
                    (pid,)).fetchone()[0]
    rows = []
    for i in range(ROWS):
        payload = json.dumps({
            "event": "print_completed",
            "printer": {"id": pid, "name": "P1S-01", "serial": "BENCHOUTBOX01",
                        "model": "P1S"},
            "print": {"id": i + 1, "name": f"part {i}", "status": "completed",
                      "file": "part.3mf", "order_id": None},
            "detail": None, "occurred_at": "2025-11-23T21:20:00Z"},
            separators=(",", ":"))
        rows.append((uid, pid, "print_completed", "webhook", url, payload,
                     now, now))
    c.executemany("INSERT INTO outbox (user_id, printer_id, event, channel, "
                  "target, payload, next_attempt_at, created_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
# webhook targets are stored sealed for their rows: seal the plain ones
# written above as an upgrade would (lib/domain/reseal.h)
subprocess.run([f"{BIN}/farmctl", "reseal"], check=True, capture_output=True)

print(f"== {ROWS} webhook rows queued; farm-deliver --once against {url}")
t0 = time.monotonic()
p = subprocess.run(os.environ.get("WRAP", "").split() + [f"{BIN}/farm-deliver", "--once", "--budget", "600"],
                   capture_output=True, text=True)
secs = time.monotonic() - t0
print(p.stdout.strip())
if p.returncode != 0:
    print(p.stderr)
    raise SystemExit("bench_outbox: farm-deliver failed")

with sqlite3.connect(DB) as c:
    status = dict(c.execute("SELECT status, COUNT(*) FROM outbox "
                            "GROUP BY status").fetchall())
    ids = [r[0] for r in c.execute(
        "SELECT delivery_id FROM outbox WHERE status = 'delivered'")]
loop.call_soon_threadsafe(loop.stop)
delivered = status.get("delivered", 0)
lost = ROWS - sum(1 for i in ids if seen[i] >= 1)
doubled = sum(1 for n in seen.values() if n > 1)
stray = sum(1 for i in seen if i not in set(ids))
print(f"delivered {delivered}/{ROWS} in {secs:.2f} s: "
      f"{delivered / secs:.0f} deliveries/s")
print(f"rows by status: {status}")
print(f"lost {lost}, doubled {doubled}, unknown ids {stray}, "
      f"bad signatures {bad_sig[0]}, requests {sum(seen.values())}")
if lost or doubled or stray or bad_sig[0] or delivered != ROWS:
    raise SystemExit("bench_outbox: FAILED")
print("bench_outbox: none lost, none doubled")
EOF
