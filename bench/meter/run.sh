#!/usr/bin/env bash
# bench/meter: figures for lib/meter (printed, never pass/fail).
#   host ns per sample pair and the accuracy table (build/host/bin/bench_meter)
#   code size for Cortex-M0+ and M4F (arm-none-eabi-size on `make cross` objects)
#   Cortex-M4 instructions per sample pair under QEMU (two images, N = 4000 and 8000)
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== bench/meter"
build/host/bin/bench_meter
echo
echo "code size (flash = text + data, bytes; RAM of the engine = sizeof(lp_meter_t)):"
for cpu in m0plus m4f; do
    objs=(build/$cpu/lib/meter/src/lp_meter.o build/$cpu/lib/meter/src/lp_meter_cal.o)
    arm-none-eabi-size "${objs[@]}" | awk -v cpu=$cpu 'NR>1 {t+=$1; d+=$2; b+=$3; printf "  %-7s %-40s text %6d data %4d bss %4d\n", cpu, $6, $1, $2, $3} END {printf "  %-7s %-40s flash %5d bytes\n", cpu, "total", t+d}'
done
if command -v qemu-system-arm >/dev/null; then
    mkdir -p build/bench
    INC="-Ilib/common/include -Ilib/meter/include"
    SRC="bench/meter/m4_meter.c $(ls lib/meter/src/*.c) lib/common/src/lp_status.c"
    declare -A cnt
    for variant in push poll; do
        for n in 4000 8000; do
            flags="-DN_PAIRS=$n"; [ $variant = push ] && flags="$flags -DPUSH_ONLY"
            bench/cortex-m/build-image.sh build/bench/m4_meter_${variant}_$n.elf $INC $flags $SRC
            out=$(bench/cortex-m/run-image.sh build/bench/m4_meter_${variant}_$n.elf)
            cnt[$variant$n]=$(echo "$out" | awk '/^instructions:/ {print $2}')
            ram=$(echo "$out" | awk '/sizeof/ {print $NF}')
        done
    done
    push=$(( (${cnt[push8000]} - ${cnt[push4000]}) / 4000 ))
    poll=$(( (${cnt[poll8000]} - ${cnt[poll4000]}) / 4000 ))
    echo
    echo "Cortex-M4F (QEMU netduinoplus2, -Os), instructions per sample pair at 4 kHz / 50 Hz,"
    echo "metering engine with its embedded frequency estimator (the estimator alone:"
    echo "bench/frequency/run.sh):"
    echo "  lp_meter_push only (per-sample path):            $push"
    echo "  push + lp_meter_poll amortised (80 pairs/cycle): $poll"
    echo "  sizeof(lp_meter_t) on Cortex-M4: $ram bytes"
else
    echo "qemu-system-arm missing: no instruction counts"
fi
