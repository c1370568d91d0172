#!/usr/bin/env bash
# The README's start command: installs dependencies when needed, builds when the sources
# changed since the last build, and serves the bundled demo model (or whatever --model /
# SELAR_MODEL names) on port 8000.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
# dist/.build-stamp marks the last successful build; it is taken before the build starts, so a
# file saved during a build is newer than it and triggers the next one. Directories are
# compared too: deleting or renaming a file changes its folder's mtime.
stamp=dist/.build-stamp
inputs=(src tsconfig.json package.json package-lock.json)
if [ ! -f "$stamp" ] || [ ! -f dist/cli/main.js ] || [ -n "$(find "${inputs[@]}" -newer "$stamp" -print -quit)" ]; then
  mkdir -p dist
  touch "$stamp.next"
  npm run build --silent
  mv "$stamp.next" "$stamp"
fi
exec node dist/cli/main.js serve "$@"
