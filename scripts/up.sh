#!/usr/bin/env bash
# Install parvis in a virtual environment and run it (`parvis up`): web app and worker
# on http://127.0.0.1:8000, data in ~/.local/share/parvis (or $PARVIS_DATA_DIR).
#   bash scripts/up.sh --port 9000
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${PARVIS_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# Exact versions from the lock (bash scripts/lock.sh), then parvis itself without resolving.
"$VENV/bin/python" -m pip install --quiet --require-hashes -r requirements/runtime.txt
"$VENV/bin/python" -m pip install --quiet --no-deps -e .
exec "$VENV/bin/parvis" up "$@"
