#!/usr/bin/env bash
# The README's start command: installs dependencies when needed, builds, and serves
# the bundled demo model (or whatever --model / SELAR_MODEL names) on port 8000.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
npm run build --silent
exec node dist/cli/main.js serve "$@"
