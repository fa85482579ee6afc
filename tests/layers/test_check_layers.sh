#!/usr/bin/env bash
# The layer checker itself: it passes on the real tree and fails on a copy
# with an upward include, a folderless include and a file outside a layer.
set -uo pipefail
cd "$(dirname "$0")/../.."
check=tools/check-layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0

expect() { # expect 0|1 description dir
    local want=$1 what=$2 dir=$3 rc=0
    "$check" "$dir" >"$tmp/out" 2>&1 || rc=$?
    if { [ "$want" = 0 ] && [ $rc = 0 ]; } ||
        { [ "$want" = 1 ] && [ $rc != 0 ]; }; then
        passes=$((passes + 1))
    else
        fails=$((fails + 1))
        echo "FAIL: $what (exit $rc)"
        cat "$tmp/out"
    fi
}

fresh() {
    rm -rf "$tmp/lib" && cp -r lib "$tmp/lib"
}

expect 0 "the real tree" lib

fresh
printf '#include "web/http.h"\n' >>"$tmp/lib/domain/job.c"
expect 1 "domain/ including web/" "$tmp/lib"
grep -q 'domain/job.c:.*may not include web/http.h' "$tmp/out" ||
    { fails=$((fails + 1)); echo "FAIL: the message names the file and include"; }

fresh
printf '#include "store/db.h"\n' >>"$tmp/lib/base/buf.h"
expect 1 "base/ header including store/" "$tmp/lib"

fresh
printf '#include "dispatch/dispatch.h"\n' >>"$tmp/lib/net/mqtt.c"
expect 1 "net/ including dispatch/" "$tmp/lib"

fresh
printf '#include "job.h"\n' >>"$tmp/lib/web/api_print.c"
expect 1 "an include without its folder" "$tmp/lib"

fresh
touch "$tmp/lib/stray.c"
expect 1 "a file outside the layer folders" "$tmp/lib"

fresh
printf '#include "domain/job.h"\n' >>"$tmp/lib/web/api_print.c"
expect 0 "a downward include" "$tmp/lib"

echo "check-layers: $passes passed, $fails failed"
[ $fails = 0 ]
