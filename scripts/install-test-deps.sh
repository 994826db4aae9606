#!/usr/bin/env bash
# Installs what pagewise's tests compare against, on Debian (run as root, or it says what to run):
#   busybox-static  real static programs for the loader    sqlite3   a real dynamic program
#   ministat        the reference for `pagewise stat`      chromium  renders the HTML report in a test
#   linux-perf      `perf record` as the tracer's reference (bench)
#   binutils        readelf/objdump, the references for `pagewise elf`
# and creates the ordinary user `pagewise-test`, so the tests can check the unprivileged path.
set -euo pipefail
PKGS=(build-essential binutils busybox-static sqlite3 ministat chromium python3 linux-perf procps)
if [ "$(id -u)" != 0 ]; then
  echo "install-test-deps: run as root: sudo apt-get install -y ${PKGS[*]}" >&2
  exit 1
fi
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
id pagewise-test >/dev/null 2>&1 || useradd --system --create-home --shell /bin/sh pagewise-test
echo "install-test-deps: ${#missing[@]} package(s) installed; user pagewise-test ready"
