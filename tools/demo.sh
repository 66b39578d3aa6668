#!/usr/bin/env bash
# `make demo` - the main job on real data with embedded defaults: installs what a fresh
# Debian 12 machine lacks, builds, and meters the real mains recordings shipped in data/
# (a kettle, a fridge and a TV switching on, 2 kHz) with the plug's own engine, at the
# default front end (12-bit ADC, ±400 V / ±25 A).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
echo "== building"
make -j"$(nproc 2>/dev/null || echo 2)" all >build.log 2>&1 || { tail -n 30 build.log; exit 1; }
rm -f build.log
for f in data/fired-2khz/kettle.csv data/fired-2khz/fridge.csv data/fired-2khz/television.csv; do
    echo
    echo "== $f (appliance switched on at about 0.5 s; 250 ms reports)"
    build/host/bin/lepower-meter --report-ms 250 "$f" |
        awk -F, 'NR==1 {printf "%8s %9s %9s %10s %10s %10s %7s %8s %12s\n", "t_s", "Vrms_V", "Irms_A", "P_W", "S_VA", "Q_var", "PF", "f_Hz", "E_import_Wh"; next}
                 {printf "%8.3f %9.2f %9.3f %10.1f %10.1f %10.1f %7s %8s %12.6f\n", $1, $2, $3, $4, $5, $6, $7, $8, $10}'
done
echo
echo "Recordings: data/fired-2khz/SOURCE.txt (MIT). More: build/host/bin/lepower-meter --help"
