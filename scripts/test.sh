#!/usr/bin/env bash
# Install everything the test suite needs, then run it: on SQLite, and again on
# PostgreSQL with huey on Redis when those servers answer (CI always has them).
#
#   bash scripts/test.sh            # the whole suite
#   bash scripts/test.sh -k engine  # extra arguments go to pytest
#   bash scripts/test.sh -m "not slow and not browser and not e2e and not fuzz"  # the fast part
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${PARVIS_VENV:-.venv}
PY=${PYTHON:-python3}
PG_URL=${PARVIS_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
REDIS=${PARVIS_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

# Each phase says how long the one before it took: CI runs the suite twice in 90 minutes.
PHASE_START=$SECONDS
step() {
  printf '\n(%ss)\n==> %s\n' "$((SECONDS - PHASE_START))" "$*"
  PHASE_START=$SECONDS
}
trap 'printf "\n(%ss)\n" "$((SECONDS - PHASE_START))"' EXIT

step "Python environment ($VENV)"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# Exact versions from the lock (bash scripts/lock.sh), then parvis itself without resolving.
"$VENV/bin/python" -m pip install --quiet --require-hashes -r requirements/test.txt
"$VENV/bin/python" -m pip install --quiet --no-deps -e .

step "Bluesky reference PDS (npm)"
bash scripts/install_pds.sh
step "Bluesky test network: PLC, PDS, AppView, ozone (npm)" && bash scripts/install_bsky_network.sh

step "WordPress for the WordPress tests (Debian packages; database on the local MariaDB)"
bash scripts/install_wordpress.sh

step "Chromium for the browser tests (Debian package)"
bash scripts/install_browser.sh

step "Lint"
UV="$VENV/bin/uv" bash scripts/lock.sh --check
"$VENV/bin/ruff" check parvis bench conftest.py
PARVIS_DATA_DIR=$(mktemp -d) "$VENV/bin/mypy" parvis

step "Migrations are complete"
PARVIS_DATA_DIR=$(mktemp -d) DJANGO_SETTINGS_MODULE=parvis.test_settings \
  "$VENV/bin/python" -m parvis manage makemigrations --check --dry-run >/dev/null

# With no arguments, the suite runs in two parts: the tests that stay in the test process
# (most of them, the fuzz run included) on every core through pytest-xdist, each worker
# with its own test database; then, one at a time, those that start servers outside it
# (`slow`, `e2e`, and the browser tests, which drive `parvis up`): they share
# session-wide servers and ports. Given arguments, one pytest run with them.
suite() {
  local name=$1
  shift
  if [ $# -gt 0 ]; then
    step "Test suite on $name"
    "$VENV/bin/python" -m pytest "$@"
    return
  fi
  step "Test suite on $name: in-process tests (the fuzz run included), on every core"
  "$VENV/bin/python" -m pytest -n "${PARVIS_TEST_WORKERS:-auto}" -m "not slow and not e2e"
  step "Test suite on $name: tests that start servers (the browser tests among them), one at a time"
  "$VENV/bin/python" -m pytest -m "slow or e2e"
}

unset DATABASE_URL REDIS_URL  # the first run is parvis up's embedded mode
suite SQLite "$@"

reachable() {
  "$VENV/bin/python" - "$1" <<'PY'
import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
try:
    socket.create_connection((u.hostname, u.port), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

if reachable "$PG_URL" && reachable "$REDIS"; then
  DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" suite "PostgreSQL, huey on Redis" "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL ($PG_URL) or Redis ($REDIS) is not reachable: CI must run both suites." >&2
  exit 1
else
  echo "PostgreSQL or Redis not reachable: skipped the PostgreSQL + Redis run (CI runs it)."
fi
