#!/usr/bin/env bash
# The table-owner checker itself, on small trees of its own: an owner
# naming its table passes; a stray statement (also split over literals, also
# in web/) fails and names the file and table; comments and strings that
# only look alike pass; a table without an owner fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
check=$PWD/tools/check-table-owners.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0

expect() { # expect 0|1 description
    local want=$1 what=$2 rc=0
    "$check" "$tmp/lib" "$tmp/sql" >"$tmp/out" 2>&1 || rc=$?
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
    rm -rf "$tmp/lib" "$tmp/sql"
    mkdir -p "$tmp/lib/domain" "$tmp/lib/web" && cp -r sql/sqlite "$tmp/sql"
    cat >"$tmp/lib/domain/printer.c" <<'C'
static const char *q = "SELECT 1 FROM printers WHERE id = ?";
C
}

fresh
expect 0 "the owner naming its table"

fresh
printf 'static const char *s = "SELECT 1 FROM printers WHERE id = ?";\n' \
    >"$tmp/lib/domain/material.c"
expect 1 "a stray statement in another domain module"
grep -q 'domain/material.c names printers, owned by domain/printer.c' \
    "$tmp/out" ||
    { fails=$((fails + 1)); echo "FAIL: the message names file and table"; }

fresh
printf '#define FROM_X " FROM materials m JOIN " \\\n    "printers p"\n' \
    >"$tmp/lib/domain/material.c"
expect 1 "a statement split over adjacent literals"

fresh
printf 'int f(void) { return db_exec(db, "DELETE FROM printers", ""); }\n' \
    >"$tmp/lib/web/api_x.c"
expect 1 "SQL in web/"

fresh
cat >"$tmp/lib/web/page_x.c" <<'C'
/* rows come FROM printers (printer_list) */
int f(void) { add(d, "TABLE"); return render("printers.tpl", '"'); }
static const char *u = "http://x"; // FROM printers
C
expect 0 "comments and unrelated strings"

fresh
printf 'static const char *j = " FROM scheduled_prints sp LEFT JOIN materials m";\n' \
    >"$tmp/lib/domain/job.c"
expect 0 "a listed second reader (job.c joins materials)"

fresh
printf 'static const char *s = "SELECT 1 FROM scheduled_prints";\n' \
    >"$tmp/lib/domain/job_stats.c"
expect 0 "a file of the owner module (domain/job*.c)"

fresh
printf 'CREATE TABLE widgets (id INTEGER);\n' >"$tmp/sql/999-widgets.sql"
expect 1 "a table without an owner"

echo "check-table-owners: $passes passed, $fails failed"
[ $fails = 0 ]
