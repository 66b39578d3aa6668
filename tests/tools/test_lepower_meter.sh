#!/usr/bin/env bash
# Command-line tests of lepower-meter: output format, real recordings, bad input.
# Prints "ok - ..." / "not ok - ..." per check; exits 1 if any failed.
set -u
B=${B:-build/host}
M="$B/bin/lepower-meter"
DATA=${LP_SHARED_DATA:-../shared/data}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
ok()  { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
HEADER='t_s,vrms_v,irms_a,p_w,s_va,q_var,pf,f_hz,rocof_hz_s,e_import_wh,e_export_wh'

# expects exit 2 and a message naming the file (and line when given)
expect_err() { # name, pattern, args...
    local name=$1 pat=$2; shift 2
    "$M" "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
    if [ $rc -eq 2 ] && grep -qE "$pat" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -le 2 ]; then ok "$name"
    else bad "$name (exit $rc, stderr: $(head -c 300 "$tmp/err"))"; fi
}

check "--help exits 0 and documents the options" '"$M" --help | grep -q -- "--skew-us"'
expect_err "unknown option" "unknown option" --bogus x.csv
expect_err "missing FILE" "missing FILE"
expect_err "bad number for --adc-bits" "adc-bits" --adc-bits 40 x.csv
expect_err "missing file" "nope.csv: cannot open" "$tmp/nope.csv"

: >"$tmp/empty.csv"
expect_err "empty file" "empty.csv:1: empty" "$tmp/empty.csv"
printf 't_s,v_V\n0,1\n' >"$tmp/nocol.csv"
expect_err "missing current column" "nocol.csv:1: missing column i_A" "$tmp/nocol.csv"
printf 't_s,v_V,i_A\n0,1,2\n0.00025,abc,1\n' >"$tmp/nan.csv"
expect_err "non-numeric field names line 3" "nan.csv:3: .*not a finite" "$tmp/nan.csv"
printf 't_s,v_V,i_A\n0,1,2\n0.00025,1,nan\n' >"$tmp/nan2.csv"
expect_err "nan rejected" "nan2.csv:3:" "$tmp/nan2.csv"
printf 't_s,v_V,i_A\n0,1,2\n0.00025,1,1\n0.0002,1,1\n' >"$tmp/time.csv"
expect_err "non-monotonic time names line 4" "time.csv:4: time .* does not increase" "$tmp/time.csv"
printf 't_s,v_V,i_A\n0,1,2\n0.00025,1\n' >"$tmp/short.csv"
expect_err "short row" "short.csv:3: 2 fields" "$tmp/short.csv"
printf 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x40\x1f\x00\x00\x00\x7d\x00\x00\x04\x00\x10\x00data\x00\x10\x00\x00\x01\x02' >"$tmp/trunc.wav"
expect_err "truncated WAV" "trunc.wav: byte [0-9]+: truncated" "$tmp/trunc.wav"
printf 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x03\x00\x01\x00\x40\x1f\x00\x00\x00\x7d\x00\x00\x04\x00\x20\x00data\x00\x00\x00\x00' >"$tmp/float.wav"
expect_err "float WAV refused" "not PCM" "$tmp/float.wav"

# synthetic 230 V / 2 A resistive, 49.8 Hz, 4 kHz, 3.2 s: 3 full reports, P = 460 W
python3 - "$tmp/syn.csv" <<'PY'
import math, sys
with open(sys.argv[1], "w") as f:
    f.write("T_S,V_V,I_MA\n")
    for n in range(int(3.2 * 4000)):
        t = n / 4000.0
        s = math.sin(2 * math.pi * 49.8 * t)
        f.write("%.6f,%.4f,%.2f\n" % (t, 230 * math.sqrt(2) * s, 2000 * math.sqrt(2) * s))
PY
"$M" "$tmp/syn.csv" >"$tmp/syn.out" 2>"$tmp/syn.err"
check "synthetic: exit 0, exact header" '[ "$(head -1 "$tmp/syn.out")" = "$HEADER" ]'
check "synthetic: 3 report lines (partial last window not printed)" '[ "$(wc -l <"$tmp/syn.out")" -eq 4 ]'
check "synthetic: 11 fields, frequency empty" 'awk -F, "NR>1 && (NF!=11) {exit 1}" "$tmp/syn.out"'
check "synthetic: P = 460 W within 0.1 %, Vrms 230 V, PF 1" \
    'awk -F, "NR>2 { if (\$4<459.54||\$4>460.46||\$2<229.77||\$2>230.23||\$7<0.999) exit 1 }" "$tmp/syn.out"'
check "synthetic: t_s is the window end (about 1 s, 2 s, 3 s)" \
    'awk -F, "NR>1 { k=NR-1; if (\$1<k-0.001||\$1>k+0.021) exit 1 }" "$tmp/syn.out"'
check "synthetic: energy grows" 'awk -F, "NR>2 && \$10<=prev {exit 1} {prev=\$10}" "$tmp/syn.out"'

# the same as WAV (2 channels, 16 bit, full scale = --v-range/--i-range)
python3 - "$tmp/syn.wav" <<'PY'
import math, struct, sys
fs, n = 4000, int(3.2 * 4000)
data = bytearray()
for k in range(n):
    s = math.sin(2 * math.pi * 49.8 * k / fs)
    data += struct.pack("<hh", round(230 * math.sqrt(2) * s / 400 * 32768), round(2 * math.sqrt(2) * s / 25 * 32768))
hdr = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 2, fs, fs * 4, 4, 16) + b"data" + struct.pack("<I", len(data))
open(sys.argv[1], "wb").write(hdr + data)
PY
"$M" "$tmp/syn.wav" >"$tmp/wav.out" 2>&1
check "WAV: same P as the CSV within 0.2 %" \
    'awk -F, "NR>2 { if (\$4<459.08||\$4>460.92) exit 1 }" "$tmp/wav.out" && [ "$(wc -l <"$tmp/wav.out")" -eq 4 ]'
"$M" --v-scale 0.0122 --i-scale 0.00076 "$tmp/syn.wav" >"$tmp/wav2.out" 2>&1
check "WAV: --v-scale/--i-scale give units per count" \
    'awk -F, "NR==3 { v=230*0.0122/(400/32768); if (\$2<v*0.998||\$2>v*1.002) exit 1 }" "$tmp/wav2.out"'
"$M" --per-cycle "$tmp/syn.csv" >"$tmp/cyc.out"
check "--per-cycle: one line per cycle (about 159)" '[ "$(wc -l <"$tmp/cyc.out")" -ge 155 ]'
"$M" --report-ms 200 "$tmp/syn.csv" >"$tmp/r200.out"
check "--report-ms 200: 15 full reports in 3.2 s" '[ "$(wc -l <"$tmp/r200.out")" -eq 16 ]'

"$M" - <"$tmp/syn.csv" >"$tmp/stdin.out" 2>/dev/null
check "FILE '-' reads standard input" 'cmp -s "$tmp/stdin.out" "$tmp/syn.out"'
check "--per-cycle: energy columns filled and growing" \
    'awk -F, "NR>2 { if (\$10==\"\" || \$10<prev) exit 1 } {prev=\$10}" "$tmp/cyc.out"'
python3 - "$tmp/gap.csv" <<'PY2'
import sys
with open(sys.argv[1], "w") as f:
    f.write("t_s,v_V,i_A\n")
    t = 0.0
    for k in range(4000):
        t += 0.5 if k == 2000 else 0.00025
        f.write("%.6f,1,1\n" % t)
PY2
expect_err "a sampling gap names its own line (2002)" "gap.csv:2002: irregular sampling" "$tmp/gap.csv"
printf 't_s,v_V,i_A\n0,1,1\n0.00025,2,2\n' >"$tmp/tiny.csv"
"$M" "$tmp/tiny.csv" >"$tmp/tiny.out" 2>"$tmp/tiny.err"
check "too short for one window: exit 0, header only, a warning" \
    '[ $? -eq 0 ] && [ "$(wc -l <"$tmp/tiny.out")" -eq 1 ] && grep -q "no complete report window" "$tmp/tiny.err"'

if [ -f "$DATA/waveforms/fired-2khz/kettle.csv" ]; then
    "$M" "$DATA/waveforms/fired-2khz/kettle.csv" >"$tmp/k.out" 2>&1
    check "kettle recording: one 1 s report, 2 kHz read from t_s, t_s = 1.0005" \
        '[ "$(wc -l <"$tmp/k.out")" -eq 2 ] && awk -F, "NR==2 {if (\$1!=\"1.000500\" || \$2<230 || \$2>240) exit 1}" "$tmp/k.out"'
    "$M" --report-ms 500 "$DATA/waveforms/fired-2khz/kettle.csv" >"$tmp/k5.out" 2>&1
    check "kettle after switch-on: about 1.83 kW, PF above 0.97" \
        'awk -F, "NR==3 {if (\$4<1800 || \$4>1950 || \$7<0.97) exit 1}" "$tmp/k5.out"'
else
    echo "ok - # SKIP real recordings: $DATA not found"
fi

[ $fails -eq 0 ]
