#!/usr/bin/env bash
# Install the test-only local Bluesky network (@atproto/dev-env's TestNetwork: PLC +
# PDS + bsky AppView + ozone, parvis/testing/bsky-network/) into
# ${PARVIS_CACHE_DIR:-~/.cache/parvis}/bsky-network. Running it also needs PostgreSQL
# and Redis (the tests skip without them); this script does not touch either.
# How, and why that way: scripts/lib/install_node_servers.sh.
# Usage: scripts/install_bsky_network.sh [--force]
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/lib/install_node_servers.sh" bsky-network "$@" -- \
  "import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/');
   new (require('better-sqlite3'))(':memory:').prepare('select 1').get(); require('sharp');
   await import('@atproto/dev-env')"
