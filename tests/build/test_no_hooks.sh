#!/usr/bin/env bash
# Test hooks live only in the test build (FARM_TEST_HOOKS): every program
# of the release build must be free of their names, and the sanitizer build
# must still carry them (else this check could not see a hook at all).
#
# Usage: tests/build/test_no_hooks.sh RELEASE_DIR [TEST_DIR]
set -uo pipefail
rel=${1:?usage: $0 RELEASE_DIR [TEST_DIR]}
tst=${2:-}
# The environment variables that switch a hook on.
hooks=(FARM_NOW FARM_DELIVER_CRASH FARM_DISPATCH_CRASH FARM_DISK_FULL)
programs=(farm.fcgi farmctl farm-dispatch bambu-sim net-probe farm-deliver)
fails=0

for p in "${programs[@]}"; do
    if [ ! -x "$rel/$p" ]; then
        echo "FAIL: $rel/$p was not built"
        fails=$((fails + 1))
        continue
    fi
    for h in "${hooks[@]}"; do
        if grep -q -a -F "$h" "$rel/$p"; then
            echo "FAIL: release $p contains the test hook $h"
            fails=$((fails + 1))
        fi
    done
done
# The sanitizer build keeps them (farm-dispatch links the clock, the
# deliverer, the dispatcher's crash point and the print files' full-disk
# faults).
if [ -n "$tst" ]; then
    for h in "${hooks[@]}"; do
        grep -q -a -F "$h" "$tst/farm-dispatch" ||
            { echo "FAIL: test build farm-dispatch lacks $h"; fails=$((fails + 1)); }
    done
fi
echo "no-hooks: ${#programs[@]} release programs checked, $fails failed"
[ $fails = 0 ]
