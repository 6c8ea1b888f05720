#!/bin/sh
# pg-test-cluster.sh: a throw-away PostgreSQL 15 cluster for the consent-store tests.
#   eval "$(scripts/pg-test-cluster.sh start)"   # initdb + start; prints the export line
#   scripts/pg-test-cluster.sh env               # prints the export line of a running cluster
#   scripts/pg-test-cluster.sh stop              # stop and delete the cluster
# Contract: runs as root (initdb refuses root, so the cluster belongs to `postgres`), listens only
# on a Unix socket in the cluster directory (no TCP), port PIXELGATE_TEST_PG_PORT (default 55432),
# directory PIXELGATE_TEST_PG_DIR (default /tmp/pixelgate-pg-test). Installs the `postgresql`
# apt package when initdb is missing. `start` on a running cluster just prints the export line.
set -eu
DIR=${PIXELGATE_TEST_PG_DIR:-/tmp/pixelgate-pg-test}
PORT=${PIXELGATE_TEST_PG_PORT:-55432}
BIN=/usr/lib/postgresql/15/bin
DATA=$DIR/data
SOCK=$DIR/sock
CONNINFO="host=$SOCK port=$PORT user=postgres dbname=postgres"

say_env() { echo "export PIXELGATE_TEST_PG=\"$CONNINFO\""; }

as_postgres() {
    if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}

case "${1:-}" in
start)
    if [ ! -x $BIN/initdb ]; then
        { apt-get update -q && apt-get install -y -q postgresql; } >&2
    fi
    if [ -f "$DATA/postmaster.pid" ] && as_postgres "$BIN/pg_ctl -D $DATA status" >/dev/null 2>&1; then
        say_env; exit 0
    fi
    mkdir -p "$DIR"
    chmod 755 "$DIR"
    rm -rf "$DATA" "$SOCK"
    mkdir -p "$SOCK"
    chown postgres "$DIR" "$SOCK"
    as_postgres "$BIN/initdb -D $DATA -A trust -U postgres -E UTF8 --no-locale" >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    as_postgres "$BIN/pg_ctl -D $DATA -l $DIR/server.log -w -o \"-k $SOCK -p $PORT -c listen_addresses='' -c max_connections=200 -c fsync=off\" start" >&2 \
        || { cat "$DIR/server.log" >&2; exit 1; }
    say_env
    ;;
stop)
    if [ -d "$DATA" ]; then
        as_postgres "$BIN/pg_ctl -D $DATA -m fast -w stop" >&2 || true
    fi
    rm -rf "$DIR"
    ;;
env)
    say_env
    ;;
*)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
