#!/bin/bash
# The end of `make bench`: the figures tools/bench.sh and
# tools/bench_dispatch_scale.sh appended to BENCH_RESULTS (one tab-separated
# line each, labelled with the backend), SQLite beside PostgreSQL.
#
#   tools/bench_summary.sh RESULTS_FILE
set -euo pipefail
[ -s "${1:-}" ] || { echo "bench_summary: no results in '${1:-}'" >&2; exit 0; }
exec /usr/bin/python3 - "$1" <<'EOF'
import sys

web, mem, disp = {}, {}, []
backends = []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[1] not in backends:
        backends.append(f[1])
    if f[0] == "web":            # web BACKEND NAME CONNS RPS P50 P99
        web[(f[1], f[2], f[3])] = f[4:7]
    elif f[0] == "mem":          # mem BACKEND LABEL MB
        mem[(f[1], f[2])] = f[3]
    elif f[0] == "dispatch":     # dispatch BACKEND N I COUNT HELD STEPS MEAN MAX PEAK END CPU
        disp.append(f[1:])

print("\n==== summary: " + " beside ".join(backends))
names = []
for (_, name, conns) in web:
    if (name, conns) not in names:
        names.append((name, conns))
head = f"{'web (req/s, p99 ms)':<26}" + "".join(
    f"{b + ' req/s':>18}{'p99':>9}" for b in backends)
print("\n" + head)
for name, conns in names:
    row = f"{name + ' @' + conns:<26}"
    for b in backends:
        rps, _, p99 = web.get((b, name, conns), ["-", "-", "-"])
        row += f"{rps:>18}{p99:>9}"
    print(row)
for label in sorted({k[1] for k in mem}):
    print(f"{label:<26}" + "".join(f"{mem.get((b, label), '-'):>18}{'':>9}"
                                   for b in backends))
print("(page:X* rendered from the database on every request)")
if disp:
    print(f"\n{'dispatcher --watch':<30}{'printers':>9}{'steps':>7}{'mean ms':>9}"
          f"{'max ms':>8}{'peak MB':>9}{'end MB':>8}{'CPU s':>7}")
    for b, n, i, count, held, steps, mean, mx, peak, end, cpu in disp:
        what = f"{b}, {count} over {n}: #{i}"
        print(f"{what:<30}{held:>9}{steps:>7}{mean:>9}{mx:>8}{peak:>9}"
              f"{end:>8}{cpu:>7}")
EOF
