#!/usr/bin/env bash
# Debian's chromium, for the playground's browser test (test/playground/browser.test.ts,
# driven by playwright-core). Idempotent and quick when already installed. Never fails
# the caller: where apt is missing or unusable (no root, no network) it says why and
# exits 0, and the browser test skips with a message.
set -u

want=(chromium)
bin=/usr/bin/chromium

if [ -x "$bin" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-deps-browser: apt-get not found; not installing ${want[*]} (the playground browser test will skip)" >&2
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "ci-deps-browser: not root and no password-less sudo; not installing ${want[*]} (the playground browser test will skip)" >&2
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive
log=/tmp/ci-deps-browser-apt.log
# Only refresh the package lists when the install fails on stale or absent ones.
if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${want[@]}" >"$log" 2>&1; then
  "${sudo[@]}" apt-get update -q >>"$log" 2>&1 || true
  if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${want[@]}" >>"$log" 2>&1; then
    echo "ci-deps-browser: apt-get install ${want[*]} failed (the playground browser test will skip); last lines of $log:" >&2
    tail -n 5 "$log" >&2
    exit 0
  fi
fi
if [ ! -x "$bin" ]; then
  echo "ci-deps-browser: ${want[*]} installed but $bin is missing (the playground browser test will skip)" >&2
  exit 0
fi
echo "ci-deps-browser: installed ${want[*]} ($("$bin" --version 2>/dev/null || echo 'version unknown'))"
