#!/usr/bin/env bash
# Start the scaled profile on one machine: migrations once, then two app processes on 127.0.0.1.
# Put a load balancer in front (docs/operations.md has an nginx example with sticky sessions).
# Needs DATABASE_URL (PostgreSQL), REDIS_URL and SECRET_KEY in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database, e.g. postgresql://plc@127.0.0.1:5432/plc}"
: "${REDIS_URL:?set REDIS_URL, e.g. redis://127.0.0.1:6379/0}"
: "${SECRET_KEY:?set SECRET_KEY to the same random value on every process (32+ characters)}"
export PLC_PROFILE=scaled FLASK_APP=wsgi:app
PORTS=${PLC_PORTS:-"5001 5002"}
BIN=.venv/bin

"$BIN/pybabel" compile -d plc/translations -f >/dev/null
"$BIN/flask" db upgrade            # once per deploy, never at worker start
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
for port in $PORTS; do
  "$BIN/gunicorn" -w 1 --threads 100 -b "127.0.0.1:$port" --access-logfile - wsgi:app &
  pids+=($!)
  echo "app process on http://127.0.0.1:$port (pid $!)"
done
wait -n "${pids[@]}"
