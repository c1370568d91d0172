#!/usr/bin/env bash
# The README's test command: installs what the suite needs, builds, runs every test,
# and ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/run-tests.mjs "$@"
