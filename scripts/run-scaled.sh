#!/usr/bin/env bash
# Start the scaled profile on one machine: migrations once, then two app processes on 127.0.0.1
# sharing PostgreSQL and Redis (Socket.IO message queue, presence, rate limits).
#
#   scripts/run-scaled.sh --demo   everything for a demo on this machine: a throwaway PostgreSQL
#                                  (scripts/pg-test-server.sh, fsync off: never for real data), a
#                                  redis-server without persistence, a random SECRET_KEY shared by
#                                  both processes, the demo data, and nginx in front when installed
#   scripts/run-scaled.sh          production-like: needs DATABASE_URL, REDIS_URL and SECRET_KEY
#
# Ports (all on 127.0.0.1): PLC_PORTS="5001 5002" app processes; PLC_LB_PORT=5000 nginx (if
# installed); PLC_REDIS_PORT=6390 and PLC_PG_PORT=5434 for --demo. Ctrl-C stops everything this
# script started (by process id). See docs/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO=0
case "${1:-}" in
  --demo) DEMO=1 ;;
  "") ;;
  -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--demo]" >&2; exit 2 ;;
esac

BIN=.venv/bin
PORTS=${PLC_PORTS:-"5001 5002"}
LB_PORT=${PLC_LB_PORT:-5000}
RUN_DIR=$(mktemp -d /tmp/plc-scaled.XXXXXX)
chmod 755 "$RUN_DIR"
pids=()
PG_DIR=""

cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  [[ -n "$PG_DIR" ]] && scripts/pg-test-server.sh stop "$PG_DIR" >/dev/null 2>&1 || true
  rm -rf -- "$RUN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command in its own process group, so cleanup can stop it and its children by id.
start_group() { setsid "$@" & pids+=($!); }

wait_http() {  # wait_http URL SECONDS
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "$1 did not answer within $2s" >&2; return 1; }
    sleep 0.3
  done
}

if ((DEMO)); then
  command -v redis-server >/dev/null || { echo "redis-server is needed (apt-get install redis-server)" >&2; exit 1; }
  redis_port=${PLC_REDIS_PORT:-6390}
  start_group redis-server --save "" --appendonly no --bind 127.0.0.1 --port "$redis_port" --dir "$RUN_DIR" \
    --daemonize no --loglevel warning
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  PG_DIR="$RUN_DIR/pg"
  DATABASE_URL=$(scripts/pg-test-server.sh start "$PG_DIR" "${PLC_PG_PORT:-5434}")
  export DATABASE_URL
  export SECRET_KEY=${SECRET_KEY:-$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')}
fi

: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database (or use --demo)}"
: "${REDIS_URL:?set REDIS_URL, e.g. redis://127.0.0.1:6379/0 (or use --demo)}"
: "${SECRET_KEY:?set SECRET_KEY to the same random value on every process, 32+ characters (or use --demo)}"
export PLC_PROFILE=scaled FLASK_APP=wsgi:app
export PLC_INSTANCE_PATH=${PLC_INSTANCE_PATH:-$PWD/instance}

"$BIN/pybabel" compile -d plc/translations -f >/dev/null
"$BIN/flask" db upgrade            # once per deploy, never at worker start
((DEMO)) && "$BIN/flask" seed demo

for port in $PORTS; do
  # --no-control-socket: two gunicorns on one machine would otherwise share ~/.gunicorn/gunicorn.ctl
  start_group "$BIN/gunicorn" -c gunicorn.conf.py -b "127.0.0.1:$port" --no-control-socket \
    --access-logfile - wsgi:app
  echo "app process on http://127.0.0.1:$port (pid ${pids[-1]})"
done
for port in $PORTS; do wait_http "http://127.0.0.1:$port/healthz" 60; done

if command -v nginx >/dev/null; then
  upstream=""
  for port in $PORTS; do upstream+="    server 127.0.0.1:$port;"$'\n'; done
  mkdir -p "$RUN_DIR/nginx/logs"
  cat >"$RUN_DIR/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $RUN_DIR/nginx/nginx.pid;
error_log $RUN_DIR/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $RUN_DIR/nginx/body;
  proxy_temp_path $RUN_DIR/nginx/proxy;
  fastcgi_temp_path $RUN_DIR/nginx/fastcgi;
  uwsgi_temp_path $RUN_DIR/nginx/uwsgi;
  scgi_temp_path $RUN_DIR/nginx/scgi;
  client_max_body_size 16m;
  upstream plc {
    ip_hash;  # sticky: Socket.IO's polling transport must keep talking to one process
$upstream  }
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://plc;
      proxy_http_version 1.1;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_read_timeout 120s;
    }
  }
}
EOF
  start_group nginx -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -g "daemon off;"
  wait_http "http://127.0.0.1:$LB_PORT/healthz" 15
  echo "nginx (ip_hash, websocket upgrade) on http://127.0.0.1:$LB_PORT"
else
  echo "nginx is not installed: open the processes directly (both serve everything, e.g. one user"
  echo "on http://127.0.0.1:${PORTS%% *} and another on the second port; chat crosses through Redis)."
fi
((DEMO)) && echo "demo accounts: teacher@example.org, teacher2@example.org, coach@example.org … password demo-pass-2567"
echo "Ctrl-C stops everything started here."
wait -n "${pids[@]}"
