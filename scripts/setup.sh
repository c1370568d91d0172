#!/usr/bin/env bash
# Everything a fresh machine needs before `npm test` or `npm start`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci
