#!/bin/bash
# Measures `farm-dispatch --watch` over a large simulated farm (loopback
# only): per dispatcher, the printers it drives, its steps (count, mean and
# longest wall time, as farm-dispatch prints them at exit), peak and final
# resident memory and CPU seconds (/proc just before SIGTERM).
#
#   tools/bench_dispatch_scale.sh [BUILD_DIR] [COUNT] [PRINTING] [WATCH_SECONDS] [DISPATCHERS]
#
# defaults: build (release), 1,000 printers, 500 of them printing,
# BENCH_DISPATCH_SECONDS or 30 s, and the dispatchers by backend:
# - PostgreSQL, when FARM_TEST_PG names a cluster's maintenance database
#   (tests/pg/run.sh tools/bench_dispatch_scale.sh): a fresh database on
#   it, two dispatchers started together that share the printers by leases
#   (lib/domain/lease.h; FARM_LEASE_SECONDS as set, else the default).
#   The first to step may hold every printer until the other's heartbeat
#   shows: the lease table is sampled every second to say when the split
#   was balanced.
#   BENCH_DISPATCHERS (or the DISPATCHERS argument) sets another number.
# - SQLite otherwise: one dispatcher (only one runs at a time there).
# BENCH_DISPATCH_INTERVAL passes --interval-s to the dispatchers (default:
# theirs, 5 s). BENCH_RESULTS: a file one line per dispatcher is appended
# to (tools/bench_summary.sh). Figures, not pass/fail.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${1:-$ROOT/build}" && pwd)
COUNT=${2:-1000}
PRINTING=${3:-500}
WATCH_S=${4:-${BENCH_DISPATCH_SECONDS:-30}}
PY=/usr/bin/python3

for b in farm-dispatch farmctl farm.fcgi bambu-sim; do
    [ -x "$BIN/$b" ] || { echo "bench_dispatch_scale: $BIN/$b missing" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/bench-dispatch-XXXXXX)
ENV_PID=
PIDS=()
# shellcheck source=tools/bench_db.sh
. "$ROOT/tools/bench_db.sh"
cleanup() {
    set +e
    for p in "${PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null && wait "$p"
    done
    [ -n "$ENV_PID" ] && kill -TERM "$ENV_PID" 2>/dev/null && wait "$ENV_PID"
    bench_db_close
    rm -rf "$WORK"
}
trap cleanup EXIT

bench_db_open "$WORK/data/farm.db"
if [ "$BACKEND" = PostgreSQL ]; then
    DISPATCHERS=${5:-${BENCH_DISPATCHERS:-2}}
else
    DISPATCHERS=1
    [ "${5:-${BENCH_DISPATCHERS:-1}}" = 1 ] ||
        echo "bench_dispatch_scale: one dispatcher on SQLite" >&2
fi
INTERVAL_ARGS=()
[ -n "${BENCH_DISPATCH_INTERVAL:-}" ] &&
    INTERVAL_ARGS=(--interval-s "$BENCH_DISPATCH_INTERVAL")

echo "==== dispatcher on $BACKEND: $COUNT simulated X1C printers, $PRINTING printing," \
    "$DISPATCHERS x farm-dispatch --watch for ${WATCH_S}s"
t0=$(date +%s)
"$PY" "$ROOT/tools/bench_dispatch_env.py" --bin "$BIN" --dir "$WORK" \
    --count "$COUNT" --printing "$PRINTING" >"$WORK/env.log" 2>&1 &
ENV_PID=$!
for _ in $(seq 1 6000); do
    [ -f "$WORK/env" ] && break
    kill -0 "$ENV_PID" 2>/dev/null || { cat "$WORK/env.log" >&2; exit 1; }
    sleep 0.1
done
[ -f "$WORK/env" ] || { echo "bench_dispatch_scale: farm not up" >&2; exit 1; }
# shellcheck disable=SC1091
. "$WORK/env"
export DATA_DIR
echo "(farm up in $(($(date +%s) - t0)) s: broker, FTPS, bambu-sim, rows, $PRINTING prints running)"

# The printers each live dispatcher holds a lease on, "pid:count ...".
lease_split() {
    psql "$FARM_DATABASE" -XAt -F: -c "SELECT split_part(holder, ':', 2),
        COUNT(*) FROM leases WHERE name LIKE 'printer:%'
        AND expires_at >= EXTRACT(EPOCH FROM now())::bigint
        GROUP BY 1 ORDER BY 1" 2>/dev/null | tr '\n' ' '
}

start=$(date +%s.%N)
for i in $(seq 1 "$DISPATCHERS"); do
    "$BIN/farm-dispatch" --watch "${INTERVAL_ARGS[@]}" 2>"$WORK/watch.$i.log" &
    PIDS+=($!)
done
share=$(((COUNT + DISPATCHERS - 1) / DISPATCHERS))
balanced=
end=$(($(date +%s) + WATCH_S))
while [ "$(date +%s)" -lt "$end" ]; do
    sleep 1
    for p in "${PIDS[@]}"; do
        kill -0 "$p" 2>/dev/null || {
            echo "bench_dispatch_scale: farm-dispatch $p exited early:" >&2
            tail -n 20 "$WORK"/watch.*.log >&2
            exit 1
        }
    done
    if [ "$BACKEND" = PostgreSQL ] && [ -z "$balanced" ]; then
        split=$(lease_split)
        # every dispatcher holds its share (the last one the rest)
        if "$PY" - "$COUNT" "$DISPATCHERS" "$share" "$split" <<'EOF'; then
import sys
count, n, share = map(int, sys.argv[1:4])
held = [int(x.split(":")[1]) for x in sys.argv[4].split()]
sys.exit(0 if len(held) == n and sum(held) == count
         and min(held) >= count - share * (n - 1) else 1)
EOF
            balanced=$("$PY" -c "import time; print(f'{time.time() - $start:.1f}')")
        fi
    fi
done

tick=$(getconf CLK_TCK)
declare -A CPU HWM RSS
[ "$BACKEND" = PostgreSQL ] && split=$(lease_split)
for p in "${PIDS[@]}"; do
    read -r -a st <"/proc/$p/stat"
    CPU[$p]=$(awk -v u="${st[13]}" -v s="${st[14]}" -v t="$tick" \
        'BEGIN { printf "%.2f", (u + s) / t }')
    HWM[$p]=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$p/status")
    RSS[$p]=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$p/status")
done
for p in "${PIDS[@]}"; do
    kill -TERM "$p"
done
for p in "${PIDS[@]}"; do
    wait "$p" || echo "bench_dispatch_scale: farm-dispatch $p exited $?" >&2
done

printf '\n%-10s %8s %6s %8s %8s %9s %9s %7s %8s %7s   (%s)\n' dispatcher printers steps \
    "mean ms" "max ms" "peak MB" "end MB" "CPU s" frames errors "$BACKEND"
i=0
for p in "${PIDS[@]}"; do
    i=$((i + 1))
    log=$WORK/watch.$i.log
    read -r steps mean max held <<<"$(sed -n \
        's/^farm-dispatch: \([0-9]*\) steps, mean \([0-9]*\) ms, max \([0-9]*\) ms, \([0-9]*\) printers held.*/\1 \2 \3 \4/p' \
        "$log")"
    frames=$(sed -n 's/.*merged \([0-9]*\) report frames.*/\1/p' "$log")
    errors=$(grep -ci 'error\|failed' "$log" || true)
    printf '%-10s %8s %6s %8s %8s %9s %9s %7s %8s %7s\n' "$i (pid $p)" "${held:-?}" \
        "${steps:-?}" "${mean:-?}" "${max:-?}" "${HWM[$p]}" "${RSS[$p]}" "${CPU[$p]}" \
        "${frames:-?}" "$errors"
    [ -n "${BENCH_RESULTS:-}" ] &&
        printf 'dispatch\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$BACKEND" \
            "$DISPATCHERS" "$i" "$COUNT" "${held:-?}" "${steps:-?}" "${mean:-?}" \
            "${max:-?}" "${HWM[$p]}" "${RSS[$p]}" "${CPU[$p]}" >>"$BENCH_RESULTS"
done
echo "(steps: the periodic step and those a printer's state change brings;" \
    "mean and max wall time of each; peak MB = VmHWM, end MB = VmRSS before SIGTERM;" \
    "CPU s = user + system over the whole ${WATCH_S}s run)"
if [ "$BACKEND" = PostgreSQL ]; then
    echo "leases before SIGTERM (pid:printers): $split"
    echo "lease split balanced after: ${balanced:-never} s (sampled every second)"
fi
"$PY" - "$ROOT" "$BENCH_DB_URL" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from dbconn import Db
db = Db(sys.argv[2])
print("printers by status:", dict(db.tuples(
    "SELECT status, COUNT(*) FROM printers GROUP BY status ORDER BY 1")))
print("prints by status:", dict(db.tuples(
    "SELECT status || CASE WHEN confirmed_at IS NULL THEN '' ELSE "
    "'+confirmed' END, COUNT(*) FROM scheduled_prints GROUP BY 1 ORDER BY 1")))
EOF
for i in $(seq 1 "$DISPATCHERS"); do
    n=$(grep -ci 'error\|failed' "$WORK/watch.$i.log" || true)
    if [ "$n" -gt 0 ]; then
        echo "dispatcher $i: $n log lines with error/failed, the first:"
        grep -i 'error\|failed' "$WORK/watch.$i.log" | head -n 5
    fi
done
