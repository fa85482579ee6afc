#!/usr/bin/env bash
# `make bench`: throughput, latency and memory of the web tier, measured
# through the real nginx and the release worker pool, next to a trivial
# FastCGI responder on the same nginx in the same run. Prints figures; it
# is not a test and asserts nothing about speed.
#
# Targets (issue: web core): the queue endpoint at 32 connections reaches at
# least 0.50 of the trivial responder's requests/s with p99 under 10 ms, and
# every worker stays under 16 MB resident. The dashboard's / and /queue with
# 50 printers and 2,000 prints reach 0.6 of a trivial responder sending the
# same number of bytes, with p99 under 25 ms at 32 connections.
#
# The database: SQLite in a fresh DATA_DIR, or, when FARM_TEST_PG names a
# PostgreSQL cluster's maintenance database (tests/pg/run.sh tools/bench.sh),
# a fresh database created on that cluster for the run and dropped after:
# FARM_DATABASE names it to farmctl, the workers (tools/run.sh) and the
# seeding alike. The output is labelled with the backend.
#
# Environment: BENCH_SECONDS (per wrk run, default 10), FARM_WORKERS
# (default 2 x cores), PORT (default: a free port), FARM_TEST_PG (above),
# BENCH_DASHBOARD=0 skips the dashboard pages, BENCH_RESULTS a file to
# which one line per figure is appended (tools/bench_summary.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build
SECS=${BENCH_SECONDS:-10}
export FARM_WORKERS=${FARM_WORKERS:-$(($(nproc) * 2))}
export DATA_DIR
DATA_DIR=$(mktemp -d /tmp/farm-bench-XXXXXX)
RUN=$DATA_DIR/run
PORT=${PORT:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
export PORT
RUN_PID=
TRIVIAL_PID=
# shellcheck source=tools/bench_db.sh
. "$ROOT/tools/bench_db.sh"

cleanup() {
    set +e
    [ -n "$TRIVIAL_PID" ] && kill -TERM "$TRIVIAL_PID" 2>/dev/null
    [ -n "$RUN_PID" ] && kill -TERM "$RUN_PID" 2>/dev/null && wait "$RUN_PID" 2>/dev/null
    if [ -n "$TRIVIAL_PID" ]; then
        # multiwatch stops its workers on TERM; whatever of its group is
        # left after 5 s (a worker it respawned meanwhile) is killed
        for _ in $(seq 50); do
            kill -0 "$TRIVIAL_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$TRIVIAL_PID" 2>/dev/null
        wait "$TRIVIAL_PID" 2>/dev/null
    fi
    bench_db_close
    rm -rf "$DATA_DIR"
}
trap cleanup EXIT

for b in farm.fcgi farmctl trivial-fcgi; do
    [ -x "$BIN/$b" ] || { echo "bench: $BIN/$b missing (make all)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "bench: wrk missing (apt-get install wrk)" >&2; exit 1; }

bench_db_open "$DATA_DIR/farm.db"
echo "==== bench on $BACKEND (${BENCH_DB_URL#sqlite:})"

# result NAME CONNS RPS P50 P99: one line for tools/bench_summary.sh
result() {
    [ -n "${BENCH_RESULTS:-}" ] || return 0
    printf 'web\t%s\t%s\t%s\t%s\t%s\t%s\n' "$BACKEND" "$@" >>"$BENCH_RESULTS"
}

echo "== seeding (100,000 prints over 50 printers, 2 users)"
"$BIN/farmctl" migrate 2>/dev/null
for u in 1 2; do echo "bench-password-$u" | "$BIN/farmctl" user add "bench$u@example.com" >/dev/null; done
TOKEN=$("$BIN/farmctl" token add bench1@example.com --name bench)
t0=$(date +%s.%N)
/usr/bin/python3 "$ROOT/tools/bench_seed.py" "$BENCH_DB_URL" 1 2
echo "(seeded in $(/usr/bin/python3 -c "import time; print(f'{time.time() - $t0:.1f}')") s)"

# The trivial responder: its own pool, reached through the same nginx.
mkdir -p "$RUN"
cat >"$RUN/extra-bench.conf" <<EOC
location = /bench/trivial {
    include /etc/nginx/fastcgi_params;
    fastcgi_pass unix:$RUN/trivial.sock;
}
EOC
setsid spawn-fcgi -s "$RUN/trivial.sock" -M 0660 -n -- \
    /usr/bin/multiwatch -f "$FARM_WORKERS" -- "$BIN/trivial-fcgi" \
    >/dev/null 2>&1 &
TRIVIAL_PID=$!

setsid "$ROOT/tools/run.sh" "$BIN" >"$DATA_DIR/run.log" 2>&1 &
RUN_PID=$!
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null ||
    { echo "bench: the app did not come up:" >&2; cat "$DATA_DIR/run.log" >&2; exit 1; }

BASE=http://127.0.0.1:$PORT
PRINTER=$(curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/printers?limit=1" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["printers"][0]["id"])')
QUEUE_URL=$BASE/api/bambu/scheduled-prints/$PRINTER/queue
MATERIALS_URL=$BASE/api/bambu/materials/$PRINTER
TRIVIAL_URL=$BASE/bench/trivial
for u in "$QUEUE_URL" "$MATERIALS_URL"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$u")
    [ "$code" = 200 ] || { echo "bench: $u answered $code" >&2; exit 1; }
done
echo "queue of printer $PRINTER: $(curl -fs -H "Authorization: Bearer $TOKEN" "$QUEUE_URL" |
    /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["queue"]))') entries"

# wrk_run NAME URL CONNS [HEADER [SCRIPT]] -> "rps p50_ms p99_ms"; HEADER
# defaults to the API token, SCRIPT is a wrk Lua script.
wrk_run() {
    local out threads=2
    [ "$3" -lt 2 ] && threads=1
    out=$(wrk -t"$threads" -c"$3" -d"${SECS}s" --latency ${5:+-s "$5"} \
        -H "${4:-Authorization: Bearer $TOKEN}" "$2")
    if echo "$out" | grep -q "Non-2xx"; then
        echo "bench: $1 had non-2xx answers:" >&2
        echo "$out" >&2
    fi
    echo "$out" | /usr/bin/python3 -c '
import re, sys
t = sys.stdin.read()
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s|m)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
# the distribution lines only ("72.50%" ends a Req/Sec line too)
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
print(f"{rps:.0f} {p50:.2f} {p99:.2f}")'
}

declare -A RESULT
echo "== wrk: ${SECS}s per run, $FARM_WORKERS workers, $BACKEND"
for conns in 32 1; do
    for name in trivial queue materials; do
        case $name in
        trivial) url=$TRIVIAL_URL ;;
        queue) url=$QUEUE_URL ;;
        materials) url=$MATERIALS_URL ;;
        esac
        RESULT[$name/$conns]=$(wrk_run "$name" "$url" "$conns")
    done
done

printf '\n%-10s %6s %12s %9s %9s %9s   (%s)\n' endpoint conns "requests/s" "p50 ms" "p99 ms" "vs trivial" "$BACKEND"
for conns in 32 1; do
    read -r trps _ _ <<<"${RESULT[trivial/$conns]}"
    for name in trivial queue materials; do
        read -r rps p50 p99 <<<"${RESULT[$name/$conns]}"
        ratio=$(/usr/bin/python3 -c "print(f'{$rps/$trps:.2f}')")
        printf '%-10s %6s %12s %9s %9s %9s\n' "$name" "$conns" "$rps" "$p50" "$p99" "$ratio"
        result "$name" "$conns" "$rps" "$p50" "$p99"
    done
done

# A query that changes on every request misses the workers' page cache:
# the cost of a page rendered from the database, for comparison.
cat >"$DATA_DIR/uncached.lua" <<'EOL'
local n = 0
request = function()
    n = n + 1
    return wrk.format(nil, wrk.path .. "?uncached=" .. n)
end
EOL
# The dashboard: / and /queue of a user with 50 printers and 2,000 prints,
# signed in with a cookie session, each beside the trivial responder sending
# a body of the same size.
dashboard() {
    echo
    echo "== dashboard pages: 50 printers, 2,000 prints (bench3), 32 connections, $BACKEND"
    echo "bench-password-3" | "$BIN/farmctl" user add "bench3@example.com" >/dev/null
    BENCH_PRINTERS=50 BENCH_PRINTS=2000 /usr/bin/python3 "$ROOT/tools/bench_seed.py" \
        "$BENCH_DB_URL" 3
    JAR=$DATA_DIR/cookies
    CSRF=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/login" |
        sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf=$CSRF" \
        --data-urlencode "email=bench3@example.com" \
        --data-urlencode "password=bench-password-3" "$BASE/login"
    SESSION=$(awk '$6 == "farm_session" { print $7 }' "$JAR")
    [ -n "$SESSION" ] || { echo "bench: signing in failed" >&2; exit 1; }
    printf '\n%-10s %9s %12s %9s %9s %9s\n' page bytes "requests/s" "p50 ms" "p99 ms" "vs trivial"
    for page in / /queue; do
        bytes=$(curl -fs -b "farm_session=$SESSION" "$BASE$page" | wc -c)
        [ "$bytes" -gt 1000 ] || { echo "bench: $page answered $bytes bytes" >&2; exit 1; }
        read -r rps p50 p99 <<<"$(wrk_run "$page" "$BASE$page" 32 "Cookie: farm_session=$SESSION")"
        read -r trps tp50 tp99 <<<"$(wrk_run trivial "$TRIVIAL_URL?bytes=$bytes" 32)"
        ratio=$(/usr/bin/python3 -c "print(f'{$rps/$trps:.2f}')")
        printf '%-10s %9s %12s %9s %9s %9s\n' "trivial" "$bytes" "$trps" "$tp50" "$tp99" "1.00"
        printf '%-10s %9s %12s %9s %9s %9s\n' "$page" "$bytes" "$rps" "$p50" "$p99" "$ratio"
        result "page:$page" 32 "$rps" "$p50" "$p99"
        read -r urps up50 up99 <<<"$(wrk_run "$page" "$BASE$page" 32 \
            "Cookie: farm_session=$SESSION" "$DATA_DIR/uncached.lua")"
        ratio=$(/usr/bin/python3 -c "print(f'{$urps/$trps:.2f}')")
        printf '%-10s %9s %12s %9s %9s %9s\n' "$page*" "$bytes" "$urps" "$up50" "$up99" "$ratio"
        result "page:$page*" 32 "$urps" "$up50" "$up99"
    done
    echo "(* rendered from the database on every request: the page cache missed)"
}
if [ "${BENCH_DASHBOARD:-1}" != 0 ]; then
    dashboard
else
    echo
    echo "== dashboard pages: skipped (BENCH_DASHBOARD=0)"
fi

echo
echo "== worker memory (farm.fcgi, after the runs, $BACKEND)"
for pid in $(pgrep -f "$BIN/farm.fcgi" || true); do
    rss=$(awk '/^VmRSS/{print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    hwm=$(awk '/^VmHWM/{print $2}' /proc/$pid/status 2>/dev/null || echo 0)
    [ "$rss" = 0 ] && continue
    awk -v p="$pid" -v r="$rss" -v h="$hwm" \
        'BEGIN { printf "pid %-7s resident %6.1f MB   peak %6.1f MB\n", p, r / 1024, h / 1024 }'
    [ "$hwm" -gt "${PEAK_KB:-0}" ] && PEAK_KB=$hwm
done
[ -n "${BENCH_RESULTS:-}" ] && [ -n "${PEAK_KB:-}" ] &&
    printf 'mem\t%s\tworker peak RSS MB\t%.1f\n' "$BACKEND" \
        "$(awk -v k="$PEAK_KB" 'BEGIN { print k / 1024 }')" >>"$BENCH_RESULTS"
exit 0
