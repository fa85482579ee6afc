# shellcheck shell=bash disable=SC2034
# Sourced by the benchmarks (bash), not run: the database one measures.
#
#   bench_db_open SQLITE_PATH
#       Without FARM_TEST_PG: SQLite at SQLITE_PATH (FARM_DATABASE unset).
#       With FARM_TEST_PG (the maintenance conninfo tests/pg/run.sh exports,
#       "host=DIR user=postgres dbname=postgres"): a fresh database created
#       on that cluster, exported as FARM_DATABASE so farmctl, farm.fcgi
#       and farm-dispatch all use it.
#       Sets BACKEND (SQLite or PostgreSQL) and BENCH_DB_URL ("sqlite:PATH"
#       or the conninfo: what tools/bench_seed.py and tests/e2e/dbconn.py
#       take).
#   bench_db_close
#       Drops the database bench_db_open created (nothing on SQLite); for
#       the caller's EXIT trap, after everything using it has stopped.

BENCH_PG_DB=

bench_db_open() {
    if [ -z "${FARM_TEST_PG:-}" ]; then
        unset FARM_DATABASE
        BACKEND=SQLite
        BENCH_DB_URL=sqlite:$1
        return 0
    fi
    command -v psql >/dev/null ||
        { echo "bench: psql missing (apt-get install postgresql)" >&2; return 1; }
    BENCH_PG_DB=farm_bench_$$_$RANDOM
    psql "$FARM_TEST_PG" -qX -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE $BENCH_PG_DB" >/dev/null || return 1
    # the maintenance conninfo (key=value form) naming the new database
    if [[ $FARM_TEST_PG =~ (^|[[:space:]])dbname=[^[:space:]]+ ]]; then
        FARM_DATABASE=$(sed -E \
            "s/(^|[[:space:]])dbname=[^[:space:]]+/\\1dbname=$BENCH_PG_DB/" \
            <<<"$FARM_TEST_PG")
    else
        FARM_DATABASE="$FARM_TEST_PG dbname=$BENCH_PG_DB"
    fi
    export FARM_DATABASE
    BACKEND=PostgreSQL
    BENCH_DB_URL=$FARM_DATABASE
}

bench_db_close() {
    [ -n "$BENCH_PG_DB" ] || return 0
    psql "$FARM_TEST_PG" -qX \
        -c "DROP DATABASE IF EXISTS $BENCH_PG_DB WITH (FORCE)" >/dev/null 2>&1
    BENCH_PG_DB=
}
