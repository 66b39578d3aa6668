#!/usr/bin/env bash
# lepower-siggen + lepower-meter frequency outputs: the grid stream (--grid-ms), f_hz and
# rocof_hz_s in report lines, --nominal, --clock-ppm, collapse → empty fields. TAP-style.
set -uo pipefail
B=${B:-build/host}
SG=$B/bin/lepower-siggen
M=$B/bin/lepower-meter
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# 1. header and cadence of the grid stream
$SG --duration 3 steady --f 49.8 > "$T/s.csv" || bad "siggen steady"
$M --grid-ms 100 "$T/s.csv" > "$T/g.csv" 2> "$T/g.err"
check "grid stream header is exactly t_s,f_hz,rocof_hz_s,vrms_v" '[ "$(head -1 "$T/g.csv")" = "t_s,f_hz,rocof_hz_s,vrms_v" ]'
check "grid stream: one line per 100 ms (29 or 30 in 3 s)" '[ $(($(wc -l < "$T/g.csv") - 1)) -ge 28 ] && [ $(($(wc -l < "$T/g.csv") - 1)) -le 30 ]'
check "grid stream: delay stated on stderr" 'grep -q "available 0\.1[0-9]* s after t_s" "$T/g.err"'
check "grid stream: t_s steps of 0.1 s" 'awk -F, "NR>2 && (\$1-p < 0.0999 || \$1-p > 0.1001) {e=1} NR>1 {p=\$1} END {exit e}" "$T/g.csv"'
check "steady 49.8 Hz: every valid |FE| <= 1 mHz, vrms 230 V within 0.5 %" \
  'awk -F, "NR>1 && \$2 != \"\" {n++; d=\$2-49.8; if (d<0) d=-d; if (d>0.001) e=1; if (\$4<228.85||\$4>231.15) e=1} END {exit e || n < 25}" "$T/g.csv"'

# 2. ramp +1 Hz/s: FE <= 5 mHz and RFE <= 0.05 Hz/s against the exact values at t_s
$SG --duration 5 --truth "$T/truth.csv" ramp --f 48 --rocof 1 > "$T/r.csv"
$M --grid-ms 100 "$T/r.csv" > "$T/rg.csv" 2>/dev/null
check "ramp +1 Hz/s: |FE| <= 5 mHz and |RFE| <= 0.05 Hz/s at t_s" \
  'awk -F, "NR>1 && \$2 != \"\" {n++; f=48+\$1; d=\$2-f; if (d<0) d=-d; r=\$3-1; if (r<0) r=-r; if (d>0.005||r>0.05) e=1} END {exit e || n < 40}" "$T/rg.csv"'

# 3. report lines carry f_hz and rocof_hz_s
$M --report-ms 500 "$T/s.csv" > "$T/rep.csv" 2>/dev/null
check "report lines: f_hz 49.8 Hz within 1 mHz after the first report" \
  'awk -F, "NR>2 {n++; d=\$8-49.8; if (d<0) d=-d; if (\$8==\"\"||d>0.001) e=1} END {exit e || n < 4}" "$T/rep.csv"'

# 4. collapse: amplitude to 5 % at 2.5 s → empty f_hz from then on, none before
$SG --duration 4 collapse --step-s 2.5 --ramp-start 1 --rocof -2 > "$T/c.csv"
$M --grid-ms 20 "$T/c.csv" > "$T/cg.csv" 2>/dev/null
check "collapse: valid before (from 0.3 s), empty after (from 2.6 s)" \
  'awk -F, "NR>1 && \$1>0.3 && \$1<2.35 && \$2==\"\" {e=1} NR>1 && \$1>2.6 && \$2!=\"\" {e=1} END {exit e}" "$T/cg.csv"'
$M --report-ms 200 "$T/c.csv" > "$T/cr.csv" 2>/dev/null
check "collapse: report lines after it have an empty f_hz" \
  'awk -F, "NR>1 && \$1>2.9 && \$8!=\"\" {e=1} END {exit e}" "$T/cr.csv"'

# 5. --nominal 60 and --clock-ppm
$SG --duration 2 steady --f 59.9 > "$T/s60.csv"
$M --nominal 60 --grid-ms 100 "$T/s60.csv" > "$T/g60.csv" 2>/dev/null
check "--nominal 60: 59.9 Hz within 1 mHz" \
  'awk -F, "NR>1 && \$2 != \"\" {n++; d=\$2-59.9; if (d<0) d=-d; if (d>0.001) e=1} END {exit e || n < 10}" "$T/g60.csv"'
$SG --duration 2 --rate 4000.4 steady --f 50 > "$T/ppm.csv"
$M --rate 4000 --clock-ppm 100 --grid-ms 100 "$T/ppm.csv" > "$T/gppm.csv" 2>/dev/null
check "--clock-ppm 100 corrects a clock 100 ppm fast (50 Hz within 1 mHz)" \
  'awk -F, "NR>1 && \$2 != \"\" {n++; d=\$2-50; if (d<0) d=-d; if (d>0.001) e=1} END {exit e || n < 10}" "$T/gppm.csv"'
check "bad --nominal is a usage error" '! $M --nominal 55 "$T/s.csv" >/dev/null 2>&1'

# 6. WAV output of the generator reads back
$SG -o "$T/h.wav" --duration 2 harmonic --order 5 --level 0.1 2>/dev/null
$M --grid-ms 200 "$T/h.wav" > "$T/hw.csv" 2>/dev/null
check "siggen WAV (5th harmonic 10 %) → 50 Hz within 2 mHz" \
  'awk -F, "NR>1 && \$2 != \"\" {n++; d=\$2-50; if (d<0) d=-d; if (d>0.002) e=1} END {exit e || n < 5}" "$T/hw.csv"'

# 7. real recordings (skip when absent)
D=${LP_SHARED_DATA:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data}
if [ -f "$D/waveforms/fired-2khz/kettle.csv" ]; then
    for f in fridge television kettle; do
        $M "$D/waveforms/fired-2khz/$f.csv" > "$T/k.csv" 2>/dev/null
        check "fired-2khz $f: 1 s report f_hz within 49.96..50.00 Hz" \
          'awk -F, "NR==2 {if (\$8==\"\" || \$8<49.96 || \$8>50.0) e=1} END {exit e}" "$T/k.csv"'
    done
else
    echo "ok - fired-2khz recordings absent: skipped # SKIP"
fi
exit $fail
