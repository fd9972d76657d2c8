#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the test suite (never for real data: fsync is off).
#
#   scripts/pg-test-server.sh start [DIR] [PORT]   initdb into DIR (default /tmp/plc-pg), listen on
#                                                  127.0.0.1:PORT (default 5433), create role `plc`
#                                                  and databases plc_test + plc_migrations, wait
#                                                  until ready, print the DATABASE_URL
#   scripts/pg-test-server.sh stop [DIR]           stop the cluster in DIR
#   scripts/pg-test-server.sh status [DIR]         exit 0 when it is running
#
# `start` on a running cluster only prints the URL. `start` on a stopped cluster that this script
# created wipes it and starts afresh; it refuses to touch a non-empty DIR it did not create.
# Run as root, the cluster belongs to the `postgres` OS user (DIR must be reachable by it);
# otherwise it belongs to the current user. PG_BIN overrides the directory of initdb/pg_ctl.
#
#   export DATABASE_URL=$(scripts/pg-test-server.sh start)
#   TEST_MIGRATIONS_DATABASE_URL=${DATABASE_URL%/plc_test}/plc_migrations make test
set -euo pipefail

MARKER=.plc-test-cluster
READY_TIMEOUT=30

usage() { sed -n '2,16p' "$0" >&2; exit 2; }
log() { echo "pg-test-server: $*" >&2; }
die() { log "$*"; exit 1; }

find_pg_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [[ -x "$candidate/initdb" ]] && { echo "$candidate"; return; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
  die "PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)"
}

# Run a command as the cluster owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

is_running() { as_owner "$BIN/pg_ctl" status -D "$DIR" >/dev/null 2>&1; }

psql_admin() {
  # Superuser over the cluster's own unix socket; -X ignores any ~/.psqlrc.
  as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres "$@"
}

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  until as_owner "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres -U postgres; do
    if ((SECONDS >= deadline)); then
      tail -n 30 "$DIR/server.log" >&2 || true
      die "PostgreSQL on 127.0.0.1:$PORT was not ready after ${READY_TIMEOUT}s"
    fi
    sleep 0.3
  done
}

ensure_objects() {
  local has_role
  has_role=$(psql_admin -tA -c "SELECT 1 FROM pg_roles WHERE rolname = 'plc'")
  [[ "$has_role" == 1 ]] || psql_admin -c "CREATE ROLE plc LOGIN CREATEDB"
  local db exists
  for db in plc_test plc_migrations; do
    exists=$(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$db'")
    [[ "$exists" == 1 ]] || psql_admin -c "CREATE DATABASE $db OWNER plc ENCODING 'UTF8' TEMPLATE template0"
  done
}

init_cluster() {
  if [[ -e "$DIR" ]]; then
    if [[ -f "$DIR/$MARKER" ]]; then
      rm -rf -- "$DIR"
    elif [[ -n "$(ls -A -- "$DIR" 2>/dev/null)" ]]; then
      die "$DIR exists and was not made by this script; choose another DIR"
    fi
  fi
  mkdir -p -- "$DIR"
  chmod 700 "$DIR"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$DIR"
  as_owner "$BIN/initdb" -D "$DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=trust >"$DIR.initdb.log" 2>&1 \
    || { cat "$DIR.initdb.log" >&2; die "initdb failed"; }
  rm -f -- "$DIR.initdb.log"
  as_owner tee -a "$DIR/postgresql.conf" >/dev/null <<EOF

# --- plc test cluster (scripts/pg-test-server.sh): throwaway, speed over durability ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  # Trust only loopback TCP (and the cluster's private socket); nothing else may connect.
  as_owner tee "$DIR/pg_hba.conf" >/dev/null <<'EOF'
local   all  all                 trust
host    all  all  127.0.0.1/32   trust
EOF
  as_owner touch "$DIR/$MARKER"
}

cmd=${1:-}
[[ -n "$cmd" ]] || usage
DIR=${2:-/tmp/plc-pg}
PORT=${3:-5433}
[[ "$DIR" == /* ]] || DIR="$PWD/$DIR"
DIR=${DIR%/}
[[ "$PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number, not '$PORT'"
if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
  die "running as root needs the 'postgres' OS user (apt-get install postgresql)"
fi
BIN=$(find_pg_bin)
URL="postgresql+psycopg://plc@127.0.0.1:$PORT/plc_test"

case "$cmd" in
  start)
    if [[ -f "$DIR/postmaster.pid" ]] && is_running; then
      # Already ours and running: make sure it answers, then print the URL.
      grep -q "^port = $PORT\$" "$DIR/postgresql.conf" 2>/dev/null \
        || die "a cluster is already running in $DIR, but not on port $PORT"
      wait_ready
      ensure_objects
      echo "$URL"
      exit 0
    fi
    init_cluster
    # -w waits for startup; -t bounds that wait.
    as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t "$READY_TIMEOUT" start >/dev/null \
      || { tail -n 30 "$DIR/server.log" >&2 || true; die "PostgreSQL did not start (log: $DIR/server.log)"; }
    wait_ready
    ensure_objects
    log "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$PORT (data in $DIR)"
    echo "$URL"
    ;;
  stop)
    if [[ -f "$DIR/PG_VERSION" ]] && is_running; then
      as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w -t "$READY_TIMEOUT" stop >/dev/null
      log "stopped the cluster in $DIR"
    else
      log "no cluster running in $DIR"
    fi
    ;;
  status)
    if [[ -f "$DIR/PG_VERSION" ]] && is_running; then
      echo "running: $URL"
    else
      echo "not running ($DIR)"
      exit 3
    fi
    ;;
  *) usage ;;
esac
