#!/bin/sh
# A throwaway PostgreSQL cluster for the tests, on a unix socket only:
#
#   tests/pg/cluster.sh start DIR   initdb into DIR (once) and start it;
#                                   prints the connection string of the
#                                   maintenance database "postgres"
#   tests/pg/cluster.sh stop DIR    stop it (the caller removes DIR)
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the
# unprivileged "postgres" user that Debian's package creates. Durability is
# off (fsync, synchronous_commit): the data is thrown away after the run.
set -eu
cmd=$1
dir=$(realpath -m "$2")
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "cluster.sh: PostgreSQL server not installed (Debian package postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres "$dir"
        as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust \
            -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-k $dir -c listen_addresses= -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off \
            -c max_connections=400 -c shared_buffers=64MB" start \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "host=$dir user=postgres dbname=postgres"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
*)
    echo "usage: cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
