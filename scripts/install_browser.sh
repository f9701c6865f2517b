#!/usr/bin/env bash
# Chromium for the browser tests, from Debian's packages (Playwright's own browser
# download cannot work offline; the tests point Playwright at /usr/bin/chromium).
set -euo pipefail
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
