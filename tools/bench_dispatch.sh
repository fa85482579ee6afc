#!/bin/bash
# Measures farm-dispatch against a simulated farm (loopback only):
#   tools/bench_dispatch.sh [BUILD_DIR] [COUNT] [PRINTING] [WATCH_SECONDS]
# defaults: build (release), 200 printers, 100 of them printing, 30 s.
#
# 1. tools/bench_dispatch_env.py starts the TLS broker, the FTPS server and
#    bambu-sim --count COUNT, seeds COUNT printer rows and PRINTING started
#    prints that the simulator is running.
# 2. farm-dispatch --once, three times (the first pins every certificate),
#    each under /usr/bin/time -v: wall time and peak RSS.
# 3. farm-dispatch --watch for WATCH_SECONDS: CPU seconds (utime+stime from
#    /proc/<pid>/stat just before SIGTERM, so the whole run) per 1,000 report
#    frames it merged (it prints the count at exit).
# Figures, not pass/fail; the targets are < 5 s and < 64 MB for --once.
# With FARM_TEST_PG set (tests/pg/run.sh tools/bench_dispatch.sh) the same
# on a fresh PostgreSQL database on that cluster (tools/bench_db.sh). The
# 1,000-printer --watch figures, on both backends, are
# tools/bench_dispatch_scale.sh's.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${1:-$ROOT/build}" && pwd)
COUNT=${2:-200}
PRINTING=${3:-100}
WATCH_S=${4:-30}
PY=/usr/bin/python3

for b in farm-dispatch farmctl farm.fcgi bambu-sim; do
    [ -x "$BIN/$b" ] || { echo "bench_dispatch: $BIN/$b missing" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/bench-dispatch-XXXXXX)
ENV_PID=
# shellcheck source=tools/bench_db.sh
. "$ROOT/tools/bench_db.sh"
cleanup() {
    [ -n "$ENV_PID" ] && kill -TERM "$ENV_PID" 2>/dev/null && wait "$ENV_PID" || true
    bench_db_close
    rm -rf "$WORK"
}
trap cleanup EXIT
bench_db_open "$WORK/data/farm.db"

"$PY" "$ROOT/tools/bench_dispatch_env.py" --bin "$BIN" --dir "$WORK" \
    --count "$COUNT" --printing "$PRINTING" >"$WORK/env.log" 2>&1 &
ENV_PID=$!
for _ in $(seq 1 1200); do
    [ -f "$WORK/env" ] && break
    kill -0 "$ENV_PID" 2>/dev/null || { cat "$WORK/env.log" >&2; exit 1; }
    sleep 0.1
done
[ -f "$WORK/env" ] || { echo "bench_dispatch: farm not up" >&2; exit 1; }
# shellcheck disable=SC1091
. "$WORK/env"
export DATA_DIR

echo "farm: $COUNT simulated X1C printers, $PRINTING printing ($BIN, $BACKEND)"
for run in 1 2 3; do
    /usr/bin/time -v "$BIN/farm-dispatch" --once 2>"$WORK/once.$run" || {
        cat "$WORK/once.$run" >&2; exit 1; }
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' \
        "$WORK/once.$run")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/once.$run")
    frames=$(sed -n 's/.*merged \([0-9]*\) report frames.*/\1/p' "$WORK/once.$run")
    awk -v r="$run" -v w="$wall" -v k="$rss" -v f="$frames" 'BEGIN {
        printf "--once run %d: wall %s, peak RSS %.1f MiB, %s frames\n",
            r, w, k / 1024, f }'
done
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

tick=$(getconf CLK_TCK)
"$BIN/farm-dispatch" --watch 2>"$WORK/watch.log" &
WPID=$!
sleep "$WATCH_S"
read -r -a st <"/proc/$WPID/stat"
kill -TERM "$WPID"
wait "$WPID" || true
frames=$(sed -n 's/.*merged \([0-9]*\) report frames.*/\1/p' "$WORK/watch.log")
grep -h '^farm-dispatch: [0-9]* steps' "$WORK/watch.log" | sed 's/^farm-dispatch: /--watch: /' || true
# utime + stime over the whole run (connecting and pinning included)
awk -v u="${st[13]}" -v s="${st[14]}" -v t="$tick" -v f="${frames:-0}" \
    -v w="$WATCH_S" 'BEGIN {
        cpu = (u + s) / t
        printf "--watch: %ds run, %.2f CPU s, %d frames merged", w, cpu, f
        if (f > 0) printf ", %.3f CPU s per 1,000 report frames", cpu * 1000 / f
        printf "\n" }'
