#!/usr/bin/env bash
# Run a bare-metal image under QEMU netduinoplus2 with semihosting and count the
# instructions it executes (QEMU's single-step execution trace; deterministic).
#   run-image.sh IMAGE.elf   -> the program's output, then "instructions: N"
set -euo pipefail
elf=$1
log=$(mktemp); trap 'rm -f "$log"' EXIT
timeout "${QEMU_TIMEOUT:-600}" qemu-system-arm -M netduinoplus2 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$elf" \
    -singlestep -d exec,nochain -D "$log"
echo "instructions: $(grep -c '^Trace' "$log")"
