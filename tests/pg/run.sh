#!/bin/sh
# Runs a command with a throwaway PostgreSQL cluster (cluster.sh) started
# in a temp dir for it and stopped after, whatever the command's outcome:
#
#   tests/pg/run.sh COMMAND [ARG...]
#
# The command finds the cluster's maintenance database in FARM_TEST_PG
# (the e2e stacks create a database each there; the unit tests use it
# directly). Exits with the command's status.
set -eu
here=$(dirname "$0")
dir=$(mktemp -d /tmp/farm-pg-XXXXXX)
stop() {
    "$here/cluster.sh" stop "$dir" 2>/dev/null || true
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM
FARM_TEST_PG=$("$here/cluster.sh" start "$dir")
export FARM_TEST_PG
rc=0
"$@" || rc=$?
exit $rc
