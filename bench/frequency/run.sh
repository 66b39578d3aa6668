#!/usr/bin/env bash
# bench/frequency: (1) Cortex-M4F instructions per sample of the frequency estimator, counted
# under QEMU (netduinoplus2) with -singlestep -d exec,nochain; (2) the FE/RFE table of every
# test condition against its limit (host). Prints figures; never fails on a number.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build/host}
OUT=build/bench-frequency
mkdir -p "$OUT"
if command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null; then
    INC="-Ilib/common/include -Ilib/meter/include"
    SRCS="bench/frequency/m4_freq.c lib/meter/src/lp_freq.c lib/common/src/lp_status.c"
    count() { # mode nsamp -> instructions
        local elf=$OUT/m4_freq_m$1_n$2.elf
        CM_OPT=-O2 bench/cortex-m/build-image.sh "$elf" $INC -DMODE=$1 -DNSAMP=$2 $SRCS
        bench/cortex-m/run-image.sh "$elf" >"$OUT/out_m$1_n$2.txt"
        awk '/^instructions:/ {print $2}' "$OUT/out_m$1_n$2.txt"
    }
    N1=8000; N2=24000
    echo "== Cortex-M4F (gcc -O2, QEMU netduinoplus2), 4 kHz, 50 Hz, 100 ms window, estimate every cycle"
    declare -A C
    for m in 0 1 2; do for n in $N1 $N2; do C[$m,$n]=$(count $m $n); done; done
    base=$(( C[0,$N2] - C[0,$N1] ))
    for m in 1 2; do
        d=$(( C[$m,$N2] - C[$m,$N1] - base ))
        label=$([ $m = 1 ] && echo "lp_freq_push only (ISR path)" || echo "push + poll (whole estimator, amortised)")
        awk -v d=$d -v n=$((N2-N1)) -v l="$label" 'BEGIN{printf "  %-42s %7.1f instructions/sample\n", l, d/n}'
    done
    echo "  (signal-generation baseline removed; $N1 vs $N2 samples; $(grep -v '^instructions:' $OUT/out_m2_n$N2.txt))"
else
    echo "== Cortex-M4F count skipped: arm-none-eabi-gcc or qemu-system-arm missing"
fi
echo "== FE/RFE per condition (host, float per-block path as on the target)"
"$B/bin/bench_freq"
