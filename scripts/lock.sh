#!/usr/bin/env bash
# The lock files installs use: exact versions with their hashes, compiled by uv from
# pyproject.toml for Python 3.11+ on every platform.
#   requirements/runtime.txt  what `parvis up` needs (scripts/up.sh)
#   requirements/test.txt     that and the `test` extra (scripts/test.sh, CI)
#
#   bash scripts/lock.sh            # after changing dependencies in pyproject.toml
#   bash scripts/lock.sh --upgrade  # move every pin to the newest allowed version
#   bash scripts/lock.sh --check    # fail if the lock files no longer match pyproject.toml
#
# Versions already locked are kept while pyproject.toml allows them, so a check or a
# new dependency moves nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

UV=${UV:-$(command -v uv || echo "${PARVIS_VENV:-.venv}/bin/uv")}
MODE=${1:-}

compile() {  # compile <output> [uv arguments…]
  local out=$1
  shift
  "$UV" pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
    --custom-compile-command "bash scripts/lock.sh" -o "$out" "$@"
}

lock() {  # lock <name> [uv arguments…]
  local name=$1
  shift
  case "$MODE" in
    --check)
      local fresh
      fresh=$(mktemp)
      cp "requirements/$name.txt" "$fresh"
      compile "$fresh" "$@"
      if ! diff -u "requirements/$name.txt" "$fresh"; then
        echo "requirements/$name.txt does not match pyproject.toml: run bash scripts/lock.sh" >&2
        rm -f "$fresh"
        exit 1
      fi
      rm -f "$fresh"
      ;;
    --upgrade) compile "requirements/$name.txt" --upgrade "$@" ;;
    "") compile "requirements/$name.txt" "$@" ;;
    *) echo "usage: bash scripts/lock.sh [--check|--upgrade]" >&2; exit 2 ;;
  esac
}

mkdir -p requirements
lock runtime
lock test --extra test
[ "$MODE" = "--check" ] && echo "requirements/*.txt match pyproject.toml"
exit 0
