#!/usr/bin/env bash
# One-time set-up of a fresh Debian bookworm machine for faultline (as root; idempotent): the Debian
# packages of the systems under test, the node packages, and the Docker engine + locally built images
# for `--runtime docker`. `FL_SKIP_DOCKER=1` skips the Docker part.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "node packages: up to date"
else
  npm ci --no-audit --no-fund
fi
# npm ci builds the CLI (prepare); with kept node_modules, dist/ may be missing or older than the sources
if ! node -e "process.exitCode = require('./bin/compiled.js').staleReason(process.cwd()) ? 1 : 0"; then
  npm run build
fi
if [ "${FL_SKIP_DOCKER:-0}" != 1 ]; then
  bash docker/setup.sh
fi
