#!/usr/bin/env bash
# Build a bare-metal Cortex-M4F image for QEMU netduinoplus2.
#   build-image.sh OUT.elf [gcc flags and sources...]
# Library sources are compiled for Cortex-M4F with -Os (the `make cross` flags) unless
# CM_OPT says otherwise (e.g. CM_OPT=-O2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1; shift
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 ${CM_OPT:--Os} -std=c99 \
    -ffunction-sections -fdata-sections -Wl,--gc-sections \
    --specs=rdimon.specs -T "$here/netduinoplus2.ld" \
    "$here/startup.c" "$@" -lm -o "$out"
