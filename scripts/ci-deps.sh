#!/usr/bin/env bash
# Debian packages the test suite needs beyond Node: nginx, for the load-balancer
# test (test/deploy/nginx.test.ts). Idempotent and quick when already installed.
# Never fails the caller: where apt is missing or not usable (no root, no network)
# it says why and continues, and the tests that need nginx skip with a message.
set -u

want=(nginx)   # nginx-light was dropped after bullseye; bookworm's nginx is the light build

have_nginx() { [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1; }

if have_nginx; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-deps: apt-get not found; not installing ${want[*]} (the nginx test will skip)" >&2
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "ci-deps: not root and no password-less sudo; not installing ${want[*]} (the nginx test will skip)" >&2
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when the install fails on stale or absent ones.
if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${want[@]}" >/tmp/ci-deps-apt.log 2>&1; then
  "${sudo[@]}" apt-get update -q >>/tmp/ci-deps-apt.log 2>&1 || true
  if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${want[@]}" >>/tmp/ci-deps-apt.log 2>&1; then
    echo "ci-deps: apt-get install ${want[*]} failed (the nginx test will skip); last lines of /tmp/ci-deps-apt.log:" >&2
    tail -n 5 /tmp/ci-deps-apt.log >&2
    exit 0
  fi
fi
# The package's own service is not wanted: the tests run their own nginx as this user.
if command -v service >/dev/null 2>&1; then "${sudo[@]}" service nginx stop >/dev/null 2>&1 || true; fi
echo "ci-deps: installed ${want[*]} ($(/usr/sbin/nginx -v 2>&1))"
