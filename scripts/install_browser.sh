#!/usr/bin/env bash
# Chromium for the browser tests, from Debian's packages (Playwright's own browser
# download cannot work offline; the tests point Playwright at /usr/bin/chromium), and
# axe-core from npm (parvis/testing/axe: the accessibility audit the browser tests run),
# into ${PARVIS_CACHE_DIR:-~/.cache/parvis}/axe.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
axe_dir="${PARVIS_CACHE_DIR:-$HOME/.cache/parvis}/axe"
axe_hash="$(cat "$repo_root/parvis/testing/axe/package.json" "$repo_root/parvis/testing/axe/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$axe_dir/.parvis-install-stamp" 2>/dev/null)" != "$axe_hash" ]; then
  if command -v npm >/dev/null; then
    mkdir -p "$axe_dir"
    cp "$repo_root/parvis/testing/axe/package.json" "$repo_root/parvis/testing/axe/package-lock.json" "$axe_dir/"
    (cd "$axe_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$axe_hash" > "$axe_dir/.parvis-install-stamp"
  else
    echo "npm is missing: the accessibility audit will be skipped." >&2
  fi
fi
[ -f "$axe_dir/node_modules/axe-core/axe.min.js" ] && echo "axe-core: $axe_dir"
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
if [ "$(id -u)" != "0" ] && ! command -v sudo >/dev/null; then
  echo "chromium is missing and this user cannot install packages: browser tests will be skipped." >&2
  exit 0
fi
SUDO=$([ "$(id -u)" = "0" ] || echo sudo)
echo "Installing chromium from Debian's packages…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
