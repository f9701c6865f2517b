#!/usr/bin/env bash
# Install the test-only local Bluesky PDS (reference @atproto/pds + in-memory PLC
# directory, parvis/testing/pds/) into ${PARVIS_CACHE_DIR:-~/.cache/parvis}/pds.
# How, and why that way: scripts/lib/install_node_servers.sh.
# Usage: scripts/install_pds.sh [--force]
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/lib/install_node_servers.sh" pds "$@" -- \
  "import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/');
   new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
