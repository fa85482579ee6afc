#!/usr/bin/env bash
# Runs bambufarm in the foreground on this machine: migrate the data dir,
# start the farm.fcgi pool (spawn-fcgi + multiwatch) on a unix socket, start
# nginx in front of it on 127.0.0.1:$PORT, and stop all of it on Ctrl-C,
# TERM, or when any of them dies. `make run` calls it after building.
#
#   tools/run.sh [BIN_DIR]          BIN_DIR defaults to build
#
# Environment:
#   DATA_DIR       data directory (default: var/ under the project root);
#                  the run directory is $DATA_DIR/run
#   PORT           HTTP port on 127.0.0.1 (default 8080)
#   FARM_WORKERS   farm.fcgi processes (default 2 x nproc)
#   FARM_TEMPLATES template directory (default: templates/ under the root)
#   FARM_START_TIMEOUT  seconds to wait for /api/health (default 20)
#   FARM_STOP_TIMEOUT   seconds to wait for a graceful stop (default 5)
#
# Worker stderr (the application log) goes to this terminal; nginx's error
# log is $DATA_DIR/run/nginx-error.log.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROG=${0##*/}

die() {
    printf '%s: %s\n' "$PROG" "$*" >&2
    exit 1
}

say() {
    printf '%s: %s\n' "$PROG" "$*" >&2
}

abspath() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(pwd)" "$1" ;;
    esac
}

# Finds a program on PATH or in the sbin directories an unprivileged PATH
# often lacks (nginx lives in /usr/sbin on Debian).
find_prog() {
    local p
    p=$(command -v "$1" 2>/dev/null) && { printf '%s\n' "$p"; return 0; }
    for d in /usr/sbin /sbin /usr/local/sbin /usr/local/bin /usr/bin; do
        [ -x "$d/$1" ] && { printf '%s\n' "$d/$1"; return 0; }
    done
    return 1
}

BIN=$(abspath "${1:-build}")
BIN=${BIN%/}
DATA_DIR=$(abspath "${DATA_DIR:-$ROOT/var}")
DATA_DIR=${DATA_DIR%/}
PORT=${PORT:-8080}
NPROC=$(nproc 2>/dev/null || echo 1)
FARM_WORKERS=${FARM_WORKERS:-$((NPROC * 2))}
FARM_TEMPLATES=${FARM_TEMPLATES:-$ROOT/templates}
START_TIMEOUT=${FARM_START_TIMEOUT:-20}
STOP_TIMEOUT=${FARM_STOP_TIMEOUT:-5}
RUN=$DATA_DIR/run
SOCK=$RUN/farm.sock
STATIC_DIR=$ROOT/static

case $PORT in
'' | *[!0-9]*) die "PORT must be a number, got '$PORT'" ;;
esac
if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
    die "PORT out of range: $PORT"
fi
case $FARM_WORKERS in
'' | *[!0-9]* | 0) die "FARM_WORKERS must be a positive number, got '$FARM_WORKERS'" ;;
esac

# --- preflight -------------------------------------------------------------

NGINX=$(find_prog nginx) ||
    die "nginx not found (Debian: apt-get install nginx-light)"
SPAWN_FCGI=$(find_prog spawn-fcgi) ||
    die "spawn-fcgi not found (Debian: apt-get install spawn-fcgi)"
MULTIWATCH=$(find_prog multiwatch) ||
    die "multiwatch not found (Debian: apt-get install multiwatch)"
CURL=$(find_prog curl) || die "curl not found (Debian: apt-get install curl)"

for b in farm.fcgi farmctl; do
    [ -x "$BIN/$b" ] || die "$BIN/$b missing: build first (make)"
done
[ -f "$ROOT/conf/nginx.conf.in" ] || die "$ROOT/conf/nginx.conf.in missing"
[ -d "$STATIC_DIR" ] || die "$STATIC_DIR missing"

# Something accepting on 127.0.0.1:$PORT (on it or on a wildcard address)
# would make nginx's bind fail, or worse answer our health check.
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    die "port $PORT on 127.0.0.1 is already in use; choose another with PORT=..."
fi

if [ -f "$RUN/nginx.pid" ]; then
    oldpid=$(cat "$RUN/nginx.pid" 2>/dev/null || true)
    if [ -n "$oldpid" ] && kill -0 "$oldpid" 2>/dev/null; then
        die "bambufarm already runs from $DATA_DIR (nginx pid $oldpid)"
    fi
fi

# --- state and cleanup -------------------------------------------------------

POOL_PID=
NGINX_PID=
DISPATCH_PID=
STOPPING=

alive() {
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

# Waits up to $1 seconds for every pid after it to exit.
wait_gone() {
    local limit=$1 t=0 p any
    shift
    while :; do
        any=
        for p in "$@"; do
            alive "$p" && any=1
        done
        [ -z "$any" ] && return 0
        [ "$t" -ge $((limit * 10)) ] && return 1
        sleep 0.1
        t=$((t + 1))
    done
}

stop_all() {
    [ -n "$STOPPING" ] && return 0
    STOPPING=1
    set +e
    # Graceful first: nginx QUIT finishes in-flight requests; multiwatch
    # TERM sends its workers USR1 (finish the current request, then exit);
    # the dispatcher finishes its step on TERM.
    alive "$NGINX_PID" && kill -QUIT "$NGINX_PID" 2>/dev/null
    alive "$POOL_PID" && kill -TERM "$POOL_PID" 2>/dev/null
    alive "$DISPATCH_PID" && kill -TERM "$DISPATCH_PID" 2>/dev/null
    if ! wait_gone "$STOP_TIMEOUT" $NGINX_PID $POOL_PID $DISPATCH_PID; then
        say "still running after ${STOP_TIMEOUT}s, killing"
    fi
    # Whatever is left in those process groups (workers orphaned by a dead
    # multiwatch, nginx workers) gets TERM, then KILL.
    for p in $NGINX_PID $POOL_PID $DISPATCH_PID; do
        kill -TERM -- "-$p" 2>/dev/null
    done
    sleep 0.2
    for p in $NGINX_PID $POOL_PID $DISPATCH_PID; do
        kill -KILL -- "-$p" 2>/dev/null
    done
    for p in $NGINX_PID $POOL_PID $DISPATCH_PID; do
        wait "$p" 2>/dev/null
    done
    rm -f "$SOCK" "$RUN/nginx.pid"
    set -e
}

trap 'stop_all' EXIT
trap 'say "interrupted, stopping"; stop_all; exit 130' INT
trap 'say "terminated, stopping"; stop_all; exit 143' TERM HUP

show_nginx_log() {
    if [ -s "$RUN/nginx-error.log" ]; then
        say "last lines of $RUN/nginx-error.log:"
        tail -n 20 "$RUN/nginx-error.log" >&2
    fi
}

# --- start -------------------------------------------------------------------

export DATA_DIR FARM_TEMPLATES

"$BIN/farmctl" migrate || die "farmctl migrate failed (DATA_DIR=$DATA_DIR)"

mkdir -p "$RUN/tmp"
chmod 0700 "$RUN"
rm -f "$SOCK"

if [ "$(id -u)" = 0 ]; then
    # A root master would run its workers as nobody, who can reach neither
    # the 0660 socket nor a private data dir.
    USER_LINE='user root;'
else
    USER_LINE=
fi

sed -e "s|@PORT@|$PORT|g" \
    -e "s|@RUN_DIR@|$RUN|g" \
    -e "s|@STATIC_DIR@|$STATIC_DIR|g" \
    -e "s|@USER_LINE@|$USER_LINE|g" \
    "$ROOT/conf/nginx.conf.in" >"$RUN/nginx.conf"

# A fresh error log per run, so a failure shows this run's lines.
if [ -f "$RUN/nginx-error.log" ]; then
    mv -f "$RUN/nginx-error.log" "$RUN/nginx-error.log.old"
fi
NGINX_ARGS=(-p "$RUN/" -e "$RUN/nginx-error.log" -c "$RUN/nginx.conf")
if ! "$NGINX" -t -q "${NGINX_ARGS[@]}"; then
    show_nginx_log
    die "nginx rejected $RUN/nginx.conf"
fi

# Background jobs start with job control on, so each gets its own process
# group: a stop can signal a whole group (multiwatch and its workers) at
# once, and a terminal's Ctrl-C reaches only this script, which then stops
# the rest in order. It is off again for foreground commands so they stay
# in this script's group.
set -m
"$SPAWN_FCGI" -s "$SOCK" -M 0660 -n -- \
    "$MULTIWATCH" -f "$FARM_WORKERS" -- "$BIN/farm.fcgi" &
POOL_PID=$!
"$NGINX" "${NGINX_ARGS[@]}" &
NGINX_PID=$!
set +m

# The dispatcher arrives in a later milestone: until $BIN/farm-dispatch
# exists this does nothing. When it does, it runs beside the pool in watch
# mode (one MQTT connection per printer, steps on every state change) and
# is stopped with the rest.
start_dispatcher() {
    if [ -x "$BIN/farm-dispatch" ]; then
        set -m
        "$BIN/farm-dispatch" --watch &
        DISPATCH_PID=$!
        set +m
    fi
}

# Waits for GET /api/health to answer 200 through nginx, failing early when
# one of the processes has already died.
wait_healthy() {
    local t=0 p
    while :; do
        if "$CURL" -fsS -o /dev/null --max-time 2 \
            "http://127.0.0.1:$PORT/api/health" 2>/dev/null; then
            return 0
        fi
        for p in $POOL_PID $NGINX_PID; do
            if ! alive "$p"; then
                if [ "$p" = "$NGINX_PID" ]; then
                    say "nginx exited during startup"
                else
                    say "the worker pool exited during startup"
                fi
                return 1
            fi
        done
        if [ "$t" -ge $((START_TIMEOUT * 10)) ]; then
            say "no answer from http://127.0.0.1:$PORT/api/health after ${START_TIMEOUT}s"
            return 1
        fi
        sleep 0.1
        t=$((t + 1))
    done
}

if ! wait_healthy; then
    show_nginx_log
    stop_all
    die "startup failed"
fi

start_dispatcher

printf 'bambufarm is running at http://127.0.0.1:%s/\n' "$PORT"
# A new install asks for a one-time code on /setup, so nobody else on the
# network can claim it first; farmctl setup-code makes a new one.
if code=$("$BIN/farmctl" setup-code 2>/dev/null); then
    printf 'first start: open http://127.0.0.1:%s/setup and enter the setup code %s\n' \
        "$PORT" "$code"
fi
printf '  data %s, %s workers, nginx log %s/nginx-error.log; Ctrl-C stops\n' \
    "$DATA_DIR" "$FARM_WORKERS" "$RUN"

# Foreground until a signal arrives (the trap stops everything) or one of
# the children exits (then stop the rest and report it).
rc=0
wait -n $POOL_PID $NGINX_PID $DISPATCH_PID || rc=$?
for p in $POOL_PID $NGINX_PID $DISPATCH_PID; do
    if ! alive "$p"; then
        case $p in
        "$POOL_PID") say "the worker pool (multiwatch) exited (status $rc), stopping" ;;
        "$NGINX_PID") say "nginx exited (status $rc), stopping"; show_nginx_log ;;
        "$DISPATCH_PID") say "farm-dispatch exited (status $rc), stopping" ;;
        esac
    fi
done
stop_all
exit 1
