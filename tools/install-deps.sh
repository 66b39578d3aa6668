#!/usr/bin/env bash
# Install the Debian 12 packages lepower needs to build, test and run its demo.
# Installs only what is missing; needs root (or sudo) when something is missing.
set -euo pipefail
PKGS=(build-essential make gcc clang libclang-rt-14-dev
      gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi qemu-system-arm
      libcmocka-dev libjsmn-dev
      mosquitto mosquitto-clients libmosquitto-dev
      libmicrohttpd-dev libsqlite3-dev sqlite3
      python3 curl jq
      chromium)
# Node.js >= 20 and npm run the dashboard's package step and browser tests; Debian's are
# installed only when the machine has none (package.json pins uPlot and playwright-core).
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-deps: all ${#PKGS[@]} packages present"; else
    echo "install-deps: installing ${missing[*]}"
    SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# npm packages of the dashboard (uPlot, copied to web/vendor) and its browser tests
# (playwright-core, which drives Debian's /usr/bin/chromium): exactly the lockfile's versions.
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
   [ ! -f web/vendor/uPlot.iife.min.js ]; then
    echo "install-deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
else
    echo "install-deps: npm packages present"
fi
