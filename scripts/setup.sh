#!/usr/bin/env bash
# Everything a fresh machine needs before the test suite: the npm dependencies
# (offline-safe: package.json's allowScripts and .npmrc skip onnxruntime-node's CUDA download) and the Debian
# packages some tests drive (nginx for the load-balancer test, chromium for the
# playground's browser test). The apt steps never fail the run: where they cannot
# install, the tests that need them skip with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
bash scripts/ci-deps.sh
