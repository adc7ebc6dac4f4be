#!/usr/bin/env bash
# Production smoke stage (CI runs it after `make test`; docs/operations.md "Smoke test").
#
# Production settings with generated secrets against a fresh PostgreSQL database and a Redis
# database of its own: migrate, collectstatic, gunicorn, a separate Celery worker and beat,
# the registry sandbox; then over HTTP (scripts/prod_smoke.py) the login page, its stylesheets
# and security headers, one dibao case from filing to the finance-check result (a case worker:
# no second factor needed), and an approver's forced TOTP enrolment. Then the
# backup/restore drill: pg_dump, restore into a new database, verify_history must pass.
# Every process is stopped by its PID and both databases are dropped, pass or fail.
#
# Environment (all optional): SMOKE_PG (server URL, default postgres://postgres@127.0.0.1:5432),
# SMOKE_REDIS (default redis://127.0.0.1:6379), SMOKE_BROKER_DB (default 14), SMOKE_CACHE_DB (13).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PY="$ROOT/.venv/bin/python"
STARTED=$(date +%s)

PG="${SMOKE_PG:-postgres://postgres@127.0.0.1:5432}"
REDIS="${SMOKE_REDIS:-redis://127.0.0.1:6379}"
RUN="smoke_$(date +%s)_$$"
DB="$RUN"
RESTORED="${RUN}_restored"
WORK="$(mktemp -d)"
PIDS=()

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
say() { echo "==> smoke [$(($(date +%s) - STARTED)) s]: $*"; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM  # once, whether by signal or exit
  # Stop by PID, newest first (beat before the worker, the web server last but one).
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $RESTORED WITH (FORCE)" >/dev/null 2>&1 || true
  "$PY" - "$REDIS" "${SMOKE_BROKER_DB:-14}" "${SMOKE_CACHE_DB:-13}" <<'PY' >/dev/null 2>&1 || true
import sys, redis
for db in sys.argv[2:]:
    redis.Redis.from_url(f"{sys.argv[1]}/{db}").flushdb()
PY
  if [ "$rc" -ne 0 ]; then
    for log in "$WORK"/*.log; do [ -f "$log" ] && { echo "--- $(basename "$log") (last lines)"; tail -n 30 "$log"; }; done
    echo "==> smoke: FAILED (exit $rc)"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT INT TERM

wait_http() {  # wait_http URL SECONDS [header]
  local url="$1" seconds="$2"
  for _ in $(seq 1 $((seconds * 5))); do
    if "$PY" -c 'import sys, urllib.request as u; u.urlopen(u.Request(sys.argv[1], headers={"X-Forwarded-Proto": "https"}), timeout=2)' "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "no answer from $url after ${seconds}s" >&2
  return 1
}

alive() { for pid in "$@"; do kill -0 "$pid" 2>/dev/null || { echo "process $pid died" >&2; return 1; }; done; }

psql "$PG/postgres" -qc "CREATE DATABASE $DB"
PORT="$(free_port)"
export DJANGO_SETTINGS_MODULE=project.settings.production
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')"
DEMO_PASSWORD="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(18))')"
export SECRET_KEY DEMO_PASSWORD
export ALLOWED_HOSTS=127.0.0.1
export PUBLIC_BASE_URL="https://127.0.0.1:$PORT"
export CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$PORT"
export DATABASE_URL="$PG/$DB"
export CELERY_BROKER_URL="$REDIS/${SMOKE_BROKER_DB:-14}"
export CACHE_URL="$REDIS/${SMOKE_CACHE_DB:-13}"
# No TLS terminator here: requests carry X-Forwarded-Proto: https as the proxy would set it,
# and the redirect of plain-http requests (which nothing here could follow) is switched off.
export SECURE_SSL_REDIRECT=false
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media" DATA_DIR="$WORK"
export LOG_LEVEL=WARNING

say "collectstatic (in the background), migrate, seed the demo county's staff and rules"
"$PY" manage.py collectstatic --noinput -v0 >"$WORK/collectstatic.log" 2>&1 &
COLLECT=$!
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py shell -v0 -c "from workflows.core import demo; demo.seed()" >/dev/null
wait "$COLLECT" || { echo "collectstatic failed" >&2; cat "$WORK/collectstatic.log" >&2; exit 1; }

say "registry sandbox"
"$PY" -u manage.py registry_sandbox --port 0 >"$WORK/sandbox.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q "listening on" "$WORK/sandbox.log" && break; sleep 0.2; done
SANDBOX_URL="$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/sandbox.log" | head -1)"
[ -n "$SANDBOX_URL" ] || { echo "the sandbox printed no address" >&2; exit 1; }
export REGISTRY_SANDBOX_URL="$SANDBOX_URL"
wait_http "$SANDBOX_URL/_health" 20

say "gunicorn on 127.0.0.1:$PORT, Celery worker and beat"
# No control socket: its default path (~/.gunicorn/gunicorn.ctl) is shared by every gunicorn
# of the user, so parallel runs would take it from each other.
"$ROOT/.venv/bin/gunicorn" project.wsgi -w 2 -b "127.0.0.1:$PORT" --timeout 60 --no-control-socket >"$WORK/gunicorn.log" 2>&1 &
PIDS+=($!)
"$ROOT/.venv/bin/celery" -A project worker -l WARNING -c 2 --without-gossip --without-mingle >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
"$ROOT/.venv/bin/celery" -A project beat -l WARNING >"$WORK/beat.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT/accounts/login/" 60

say "HTTP: login page, log in, file and accept a case, wait for the finance check; an approver enrols TOTP"
"$PY" scripts/prod_smoke.py "http://127.0.0.1:$PORT" qingshan_worker "$DEMO_PASSWORD" qingshan_approver
alive "${PIDS[@]}"
say "beat stored its schedule"
"$PY" manage.py shell -v0 -c "
from django_celery_beat.models import PeriodicTask
assert PeriodicTask.objects.filter(name='requeue-stale-handles').exists(), 'beat stored no schedule'
"

# --- backup and restore drill (docs/operations.md "Backup and restore drill") ------------
say "backup/restore drill: anchor, pg_dump, restore into a new database, verify_history"
"$PY" manage.py anchor_history >/dev/null
pg_dump -Fc --no-owner -f "$WORK/backup.dump" "$DATABASE_URL"
psql "$PG/postgres" -qc "CREATE DATABASE $RESTORED"
pg_restore --no-owner --exit-on-error -d "$PG/$RESTORED" "$WORK/backup.dump"
DATABASE_URL="$PG/$RESTORED" "$PY" manage.py verify_history

say "passed in $(($(date +%s) - STARTED)) s"
