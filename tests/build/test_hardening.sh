#!/usr/bin/env bash
# test_hardening — the release programs are built hardened (Makefile HARDEN,
# HARDEN_LD): position independent (ELF type DYN), full RELRO (a GNU_RELRO
# segment and BIND_NOW), the stack protector and fortified libc calls
# (__stack_chk_fail and *_chk imports). The sanitizer build is not linked
# with -z now, which shows the check can fail.
#
# Usage: tests/build/test_hardening.sh RELEASE_DIR SANITIZER_DIR
set -euo pipefail
rel=$1
asan=$2
progs="farm.fcgi farmctl farm-dispatch farm-deliver bambu-sim"
fail=0

hardened() { # program -> prints what is missing, returns 1 if anything
    local f=$1 missing="" head segs dyn syms
    # read each listing whole (grep -q would cut readelf off mid-write)
    head=$(readelf -h "$f")
    segs=$(readelf -l "$f")
    dyn=$(readelf -d "$f")
    syms=$(readelf --dyn-syms -W "$f")
    grep -Eq 'Type:[[:space:]]*DYN' <<<"$head" || missing+=" PIE"
    grep -q GNU_RELRO <<<"$segs" || missing+=" RELRO"
    grep -Eq 'BIND_NOW|FLAGS.*NOW' <<<"$dyn" || missing+=" BIND_NOW"
    grep -q '__stack_chk_fail' <<<"$syms" || missing+=" stack-protector"
    grep -Eq '__[a-z_]+_chk@' <<<"$syms" || missing+=" FORTIFY_SOURCE"
    [ -z "$missing" ] && return 0
    echo "$missing"
    return 1
}

for p in $progs; do
    if out=$(hardened "$rel/$p"); then
        echo "ok: $rel/$p is hardened"
    else
        echo "FAIL: $rel/$p lacks:$out"
        fail=1
    fi
done
if hardened "$asan/farm.fcgi" >/dev/null; then
    echo "FAIL: the check sees no difference in $asan/farm.fcgi"
    fail=1
else
    echo "ok: the check tells the unhardened $asan/farm.fcgi apart"
fi
exit $fail
