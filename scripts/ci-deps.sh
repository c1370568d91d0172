#!/usr/bin/env bash
# Debian packages the test suite drives beyond Node: nginx for the load-balancer test
# (test/deploy/nginx.test.ts) and chromium for the playground's browser test
# (test/playground/browser.test.ts). Idempotent and quick when already installed.
# Never fails the caller: where apt is missing or unusable (no root, no network) it
# says why and continues, and the tests that need the package skip with a message.
set -u

# package:binary:the test that needs it
wanted=(
  "nginx:/usr/sbin/nginx:the nginx load-balancer test"
  "chromium:/usr/bin/chromium:the playground browser test"
)

missing=()
for entry in "${wanted[@]}"; do
  IFS=: read -r pkg bin _ <<<"$entry"
  [ -x "$bin" ] || missing+=("$entry")
done
[ ${#missing[@]} -eq 0 ] && exit 0

say_skip() { # reason, then each missing entry's test
  for entry in "${missing[@]}"; do
    IFS=: read -r pkg _ why <<<"$entry"
    echo "ci-deps: $1; not installing $pkg ($why will skip)" >&2
  done
  exit 0
}

command -v apt-get >/dev/null 2>&1 || say_skip "apt-get not found"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else say_skip "not root and no password-less sudo"; fi
fi

export DEBIAN_FRONTEND=noninteractive
log=/tmp/ci-deps-apt.log
: >"$log"
for entry in "${missing[@]}"; do
  IFS=: read -r pkg bin why <<<"$entry"
  # Refresh the package lists only when an install fails on stale or absent ones.
  if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "$pkg" >>"$log" 2>&1; then
    "${sudo[@]}" apt-get update -q >>"$log" 2>&1 || true
    if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "$pkg" >>"$log" 2>&1; then
      echo "ci-deps: apt-get install $pkg failed ($why will skip); last lines of $log:" >&2
      tail -n 5 "$log" >&2
      continue
    fi
  fi
  if [ -x "$bin" ]; then echo "ci-deps: installed $pkg"; else echo "ci-deps: $pkg installed but $bin is missing ($why will skip)" >&2; fi
done
# nginx's own service is not wanted: the tests run their own nginx as this user.
if command -v service >/dev/null 2>&1; then "${sudo[@]}" service nginx stop >/dev/null 2>&1 || true; fi
exit 0
