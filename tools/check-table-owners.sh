#!/usr/bin/env bash
# check-table-owners — every SQL statement naming a table lives in that
# table's owner module (issue 12: one owner per table). Lists, for each table
# the migrations create, the lib/ files whose string literals name it after
# FROM, JOIN, INTO, UPDATE or TABLE, and fails when one is not the owner.
# A table without an entry below fails too, so a new table gets an owner.
#
# Usage: tools/check-table-owners.sh [LIB_DIR [SQL_DIR]]
#        (default: lib sql/sqlite)
set -euo pipefail
lib=${1:-lib}
sql=${2:-sql/sqlite}

# table                  owner (path under lib/)
owners='
api_tokens               domain/token.c
etsy_shops               domain/etsy_shop.c
leases                   domain/lease.c
listing_maps             domain/order.c
events                   domain/event.c
login_failures           domain/user.c
maintenance              domain/maintenance.c
materials                domain/material.c
notification_settings    domain/notifypref.c
order_items              domain/order.c
orders                   domain/order.c
outbox                   domain/event.c
print_files              domain/printfile.c
printers                 domain/printer.c
products                 domain/product.c
scheduled_prints         domain/job*.c
sessions                 domain/token.c
settings                 domain/setting.c
users                    domain/user.c
'
# "-": no code reads the table yet; whoever first does becomes its owner.
# An owner may be a pattern when one module spans files by name (the job
# module: job.c, job_stats.c, job_overview.c).

# Files that may name a table besides its owner, and why. Keep this short:
# each line is a rule that is not in one place.
also='
materials   domain/job*.c      a print cost falls back to its slot cost: one read
outbox      notify/deliver.c   the delivery worker claims and marks rows
'

# The string literals of a C file, comments removed, one line per C
# string: literals joined by the compiler (only white space, line
# continuations or upper-case macro names between them) share a line, so
# "... FROM " "printers" reads as one statement and "TABLE" in one call
# never meets "printers.tpl" in the next.
literals() {
    perl -0777 -ne '
        my $str = qr/"(?:[^"\\\n]|\\.)*"/;
        my $chr = qr/\x27(?:[^\x27\\\n]|\\.)*\x27/;
        s{($str|$chr)|/\*.*?\*/|//[^\n]*}{defined $1 ? $1 : " "}gse;
        my ($out, $end) = ("", -1);
        while (/($chr)|"((?:[^"\\\n]|\\.)*)"/g) {
            next if defined $1;
            my ($lit, $from, $to) = ($2, $-[0], $+[0]);
            my $gap = $end < 0 ? "x" : substr($_, $end, $from - $end);
            $out .= ($gap =~ /^[\sA-Z0-9_\\]*$/ ? " " : "\n") . $lit;
            $end = $to;
        }
        print "$out\n";' "$1"
}

tables=$(grep -ho 'CREATE TABLE[[:space:]]\+[a-z_]\+' "$sql"/*.sql |
    awk '{print $3}' | sort -u)
bad=0
declare -A text
for f in $(find "$lib" -name '*.c' -o -name '*.h' -o -name '*.cc' | sort); do
    text[${f#"$lib"/}]=$(literals "$f")
done
for t in $tables; do
    owner=$(awk -v t="$t" '$1 == t {print $2}' <<<"$owners")
    extra=$(awk -v t="$t" '$1 == t {print $2}' <<<"$also")
    extra=${extra:-"-"}
    if [ -z "$owner" ]; then
        echo "check-table-owners: table $t has no owner in $0" >&2
        bad=1
        continue
    fi
    users=()
    for f in "${!text[@]}"; do
        if grep -qE "\\b(FROM|JOIN|INTO|UPDATE|TABLE)[[:space:]]+$t\\b" \
            <<<"${text[$f]}"; then
            users+=("$f")
        fi
    done
    mapfile -t users < <(printf '%s\n' "${users[@]}" | sed '/^$/d' | sort)
    echo "$t ($owner): ${users[*]:-}"
    for f in "${users[@]}"; do
        # shellcheck disable=SC2053 # owner and extra are patterns
        [[ $f == $owner || $f == $extra ]] && continue
        echo "check-table-owners: $lib/$f names $t, owned by $owner" >&2
        bad=1
    done
done
[ $bad = 0 ] && echo "check-table-owners: every table is named only by its owner"
exit $bad
