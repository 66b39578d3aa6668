#!/usr/bin/env bash
# Install the Debian 12 packages lepower needs to build, test and run its demo.
# Installs only what is missing; needs root (or sudo) when something is missing.
set -euo pipefail
PKGS=(build-essential make gcc clang libclang-rt-14-dev
      gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi qemu-system-arm
      libcmocka-dev libjsmn-dev
      mosquitto mosquitto-clients libmosquitto-dev
      libmicrohttpd-dev libsqlite3-dev sqlite3
      python3 curl jq)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-deps: all ${#PKGS[@]} packages present"; exit 0; fi
echo "install-deps: installing ${missing[*]}"
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
