#!/usr/bin/env bash
# check-layers — fails when a lib/ file includes a header of a layer above
# its own, or a lib/ header without its folder. The layers, lowest first:
#
#   base/ <- store/ <- domain/ <- web/, notify/, dispatch/
#   bambu/ (pure protocol) and net/ (transports) use base/ only;
#   dispatch/ may use notify/, bambu/ and net/ too.
#
# Usage: tools/check-layers.sh [LIB_DIR]   (default: lib)
set -euo pipefail
lib=${1:-lib}

allowed() {
    case $1 in
    base) echo "base" ;;
    store) echo "base store" ;;
    domain) echo "base store domain" ;;
    web) echo "base store domain web" ;;
    notify) echo "base store domain notify" ;;
    dispatch) echo "base store domain notify bambu net dispatch" ;;
    bambu) echo "base bambu" ;;
    net) echo "base net" ;;
    *) return 1 ;;
    esac
}

bad=0
for dir in "$lib"/*/; do
    layer=$(basename "$dir")
    if ! ok=$(allowed "$layer"); then
        echo "check-layers: $dir is not a known layer" >&2
        bad=1
        continue
    fi
    for f in "$dir"*.c "$dir"*.h "$dir"*.cc; do
        [ -e "$f" ] || continue
        while IFS=: read -r line inc; do
            inc=${inc#*\"}
            inc=${inc%\"*}
            case $inc in
            */*) to=${inc%%/*} ;;
            *)
                echo "$f:$line: \"$inc\" names no layer folder" >&2
                bad=1
                continue
                ;;
            esac
            if [[ " $ok " != *" $to "* ]]; then
                echo "$f:$line: $layer/ may not include $inc (allowed: $ok)" >&2
                bad=1
            fi
        done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" || true)
    done
done
for f in "$lib"/*.c "$lib"/*.h "$lib"/*.cc; do
    [ -e "$f" ] || continue
    echo "$f: lib/ files live in a layer folder" >&2
    bad=1
done
[ $bad = 0 ] && echo "check-layers: every include points down"
exit $bad
