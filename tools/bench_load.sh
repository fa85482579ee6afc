#!/usr/bin/env bash
# `make bench`: the load check. 60 s at 64 connections of mixed reads and
# writes through the real nginx and the release worker pool (queue reads,
# print creates, status updates on the prints it created, material
# updates: tools/bench_load.lua), on a seeded farm with farm-dispatch
# --watch beside it as tools/run.sh starts it. Then every write is looked
# for in the database: each print answered 201 is there (and no other
# print of the run), each print answered 200 to its status update is
# scheduled with the start time and priority sent, each material holds a
# value one of its acknowledged updates sent.
#
# Prints req/s, p50 and p99 (the format of tools/bench.sh) and "errors: N"
# (answers outside 2xx plus wrk's socket errors). Exits 1 when there was
# an error or a write is missing: the check, unlike the figures, is a test.
#
# The database: SQLite in a fresh DATA_DIR, or with FARM_TEST_PG
# (tests/pg/run.sh tools/bench_load.sh) a fresh PostgreSQL database on that
# cluster, dropped after (tools/bench_db.sh).
#
# Environment: BENCH_LOAD_SECONDS (default 60), BENCH_LOAD_CONNECTIONS
# (default 64), FARM_WORKERS (default 2 x cores), PORT (default: a free
# port), FARM_TEST_PG (above), BENCH_RESULTS (a line for
# tools/bench_summary.sh, as tools/bench.sh writes).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build
SECS=${BENCH_LOAD_SECONDS:-60}
CONNS=${BENCH_LOAD_CONNECTIONS:-64}
export FARM_WORKERS=${FARM_WORKERS:-$(($(nproc) * 2))}
export DATA_DIR
DATA_DIR=$(mktemp -d /tmp/farm-bench-load-XXXXXX)
PORT=${PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
export PORT
RUN_PID=
# shellcheck source=tools/bench_db.sh
. "$ROOT/tools/bench_db.sh"

cleanup() {
    set +e
    [ -n "$RUN_PID" ] && kill -TERM "$RUN_PID" 2>/dev/null && wait "$RUN_PID" 2>/dev/null
    bench_db_close
    rm -rf "$DATA_DIR"
}
trap cleanup EXIT

for b in farm.fcgi farmctl; do
    [ -x "$BIN/$b" ] || { echo "bench_load: $BIN/$b missing (make all)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench_load: wrk missing (apt-get install wrk)" >&2; exit 1; }
case $SECS in '' | *[!0-9]* | 0) echo "bench_load: BENCH_LOAD_SECONDS must be a positive number" >&2; exit 1 ;; esac

bench_db_open "$DATA_DIR/farm.db"
echo "==== load check on $BACKEND: ${SECS}s, $CONNS connections, $FARM_WORKERS workers"

echo "== seeding (16 printers, 4 materials each, 3,200 prints)"
"$BIN/farmctl" migrate 2>/dev/null
echo "load-password-1" | "$BIN/farmctl" user add "load1@example.com" >/dev/null
TOKEN=$("$BIN/farmctl" token add load1@example.com --name load)
BENCH_PRINTERS=16 BENCH_PRINTS=3200 \
    /usr/bin/python3 "$ROOT/tools/bench_seed.py" "$BENCH_DB_URL" 1

setsid "$ROOT/tools/run.sh" "$BIN" >"$DATA_DIR/run.log" 2>&1 &
RUN_PID=$!
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null ||
    { echo "bench_load: the app did not come up:" >&2; cat "$DATA_DIR/run.log" >&2; exit 1; }

BASE=http://127.0.0.1:$PORT
AUTH="Authorization: Bearer $TOKEN"
BENCH_LOAD_PRINTERS=$(curl -fs -H "$AUTH" "$BASE/api/printers?limit=1000" |
    /usr/bin/python3 -c 'import json,sys; print(" ".join(str(p["id"]) for p in json.load(sys.stdin)["printers"]))')
BENCH_LOAD_MATERIALS=$(for p in $BENCH_LOAD_PRINTERS; do
    curl -fs -H "$AUTH" "$BASE/api/bambu/materials/$p"; echo; done |
    /usr/bin/python3 -c 'import json,sys; print(" ".join(str(m["id"]) for l in sys.stdin if l.strip() for m in json.loads(l)["materials"]))')
BENCH_LOAD_TAG=$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex[:8])')
# writes stop a little before wrk does (tools/bench_load.lua)
tail=3
[ "$SECS" -lt 15 ] && tail=1
BENCH_LOAD_OUT=$DATA_DIR/load.out
BENCH_LOAD_FILE=part.3mf
export BENCH_LOAD_PRINTERS BENCH_LOAD_MATERIALS BENCH_LOAD_TAG BENCH_LOAD_OUT \
    BENCH_LOAD_FILE
echo "printers: $(wc -w <<<"$BENCH_LOAD_PRINTERS"), materials: $(wc -w <<<"$BENCH_LOAD_MATERIALS"), run tag $BENCH_LOAD_TAG"

echo "== wrk: ${SECS}s, $CONNS connections, 40% queue reads, 25% creates, 20% status updates, 15% material updates"
export BENCH_LOAD_WRITES_UNTIL=$(($(date +%s) + SECS - tail))
load1=$(cut -d' ' -f1 /proc/loadavg)
out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency \
    -s "$ROOT/tools/bench_load.lua" -H "$AUTH" "$BASE")
load2=$(cut -d' ' -f1 /proc/loadavg)
echo "$out" | sed -n '/Thread Stats/,/Transfer/p'

# The figures, the errors and the writes, checked against the database.
ROOT=$ROOT BENCH_LOAD_WRK=$out BENCH_DB_URL=$BENCH_DB_URL /usr/bin/python3 - "$BACKEND" "$CONNS" "$load1" "$load2" <<'EOF'
import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ["ROOT"], "tests", "e2e"))
import dbconn  # noqa: E402

backend, conns, load1, load2 = sys.argv[1:]
t = os.environ["BENCH_LOAD_WRK"]


def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s|m)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[u]


rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
total = int(re.search(r"(\d+) requests in", t).group(1))
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                 r"timeout (\d+)", t)
sock_errors = sum(map(int, sock.groups())) if sock else 0

created, updated, mats, counts, codes = [], [], {}, {}, {}
for line in open(os.environ["BENCH_LOAD_OUT"]):
    f = line.split()
    if f[0] == "created":
        created.append(int(f[1]))
    elif f[0] == "updated":
        updated.append(int(f[1]))
    elif f[0] == "material":
        mats.setdefault(int(f[1]), set()).add(int(f[2]))
    elif f[0] == "count":
        counts[f[1]] = int(f[2])
    elif f[0] == "status":
        codes[int(f[1])] = int(f[2])
bad = {c: n for c, n in codes.items() if not 200 <= c <= 299}
errors = sum(bad.values()) + sock_errors

db = dbconn.Db(os.environ["BENCH_DB_URL"])
problems = []
tag = os.environ["BENCH_LOAD_TAG"]
rows = {r[0]: r for r in db.tuples(
    "SELECT id, status, scheduled_at, priority FROM scheduled_prints "
    "WHERE name LIKE ?", (f"load-{tag}-%",))}
if len(set(created)) != len(created):
    problems.append("an id answered 201 twice")
missing = [i for i in created if i not in rows]
if missing:
    problems.append(f"{len(missing)} prints answered 201 are missing "
                    f"(ids {missing[:10]})")
if len(rows) != len(created):
    problems.append(f"{len(rows)} prints of the run in the database, "
                    f"{len(created)} answered 201")
start = 1893456000          # 2030-01-01T00:00:00Z, tools/bench_load.lua
lost = [i for i in updated if i not in rows or rows[i][1] != "scheduled"
        or rows[i][2] != start or rows[i][3] != i % 1000]
if lost:
    problems.append(f"{len(lost)} status updates answered 200 did not land "
                    f"(ids {lost[:10]})")
if len(set(updated)) != len(updated):
    problems.append("a print was updated twice")
for mid, values in mats.items():
    got = db.tuples("SELECT remaining_percent, source FROM materials "
                    "WHERE id = ?", (mid,))
    if not got or got[0][0] not in values or got[0][1] != "manual":
        problems.append(f"material {mid} holds {got}, not one of the "
                        f"acknowledged {sorted(values)}")

print(f"\n{'endpoint':<10} {'conns':>6} {'requests/s':>12} {'p50 ms':>9} "
      f"{'p99 ms':>9}   ({backend})")
print(f"{'mixed':<10} {conns:>6} {rps:>12.0f} {p50:>9.2f} {p99:>9.2f}")
print(f"requests: {total}: {counts.get('read', 0)} queue reads, "
      f"{counts.get('create', 0)} creates (201), {counts.get('status', 0)} "
      f"status updates, {counts.get('material', 0)} material updates "
      f"({len(mats)} materials)")
print(f"load average: {load1} before, {load2} after "
      f"({os.cpu_count()} cores, shared)")
print(f"errors: {errors}" + (f" (answers {bad}, socket errors "
                             f"{sock.groups() if sock else ()})"
                             if errors else ""))
print(f"writes verified: {len(created)} creates, {len(updated)} status "
      f"updates, {len(mats)} materials"
      + ("" if not problems else " -- FAILED"))
for p in problems:
    print(f"bench_load: {p}")
res = os.environ.get("BENCH_RESULTS")
if res:
    with open(res, "a") as f:
        f.write(f"web\t{backend}\tload:mixed\t{conns}\t{rps:.0f}\t"
                f"{p50:.2f}\t{p99:.2f}\n")
if errors:
    print(f"bench_load: {errors} errors under load")
sys.exit(1 if errors or problems else 0)
EOF
