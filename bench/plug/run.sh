#!/usr/bin/env bash
# Virtual-plug benchmark (prints figures; never pass/fail).
#  1. bench_plug: N plug instances in one thread (firmware core + metering + synthesis).
#  2. K lepower-plug processes in real time against a local broker for a few seconds:
#     CPU per process (from /proc) and resident memory, MQTT and libmosquitto included.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build/host}
DATA=${LP_SHARED_DATA:-$(pwd)/../shared/data}
T=$DATA/traces/tracebase-1s/complete_Refrigerator__dev_599393_2012.01.16.csv
echo "== bench/plug"
if [ ! -f "$T" ]; then echo "bench/plug: skipped, shared data not found at $DATA"; exit 0; fi
$B/bin/bench_plug "$T" 200 20
command -v mosquitto >/dev/null || { echo "bench/plug: mosquitto not installed, process figures skipped"; exit 0; }
K=${PLUG_PROCS:-20}; SECS=${PLUG_SECS:-5}
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser %s\n' "$PORT" "$(id -un)" > "$tmp/m.conf"
mosquitto -c "$tmp/m.conf" >/dev/null 2>&1 & pids+=("$!"); BROKER=$!
sleep 0.3
plugs=()
for k in $(seq 1 "$K"); do
    $B/bin/lepower-plug --trace "$T" --broker 127.0.0.1:$PORT --id bench-$k --state-dir "$tmp/s$k" \
        --power-on on 2>/dev/null & pids+=("$!"); plugs+=("$!")
done
sleep 1
tick=$(getconf CLK_TCK)
cpu() { local s=0; for p in "${plugs[@]}"; do set -- $(cut -d' ' -f14,15 /proc/$p/stat); s=$((s + $1 + $2)); done; echo $s; }
c0=$(cpu); sleep "$SECS"; c1=$(cpu)
bc0=$(cut -d' ' -f14,15 /proc/$BROKER/stat | awk '{print $1+$2}')
rss=0; for p in "${plugs[@]}"; do r=$(awk '/VmRSS/{print $2}' /proc/$p/status); rss=$((rss + r)); done
python3 - "$K" "$SECS" "$c0" "$c1" "$tick" "$rss" <<'PY'
import sys
k, secs, c0, c1, tick, rss = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
per = (c1 - c0) / tick / secs / k
print("lepower-plug processes: %d in real time at 4 kHz for %.0f s with a local broker" % (k, secs))
print("  CPU per plug process: %.2f %% of a core (sample synthesis, metering, core, MQTT, 10 ms loop)" % (per * 100))
print("  => about %d such processes per core" % (1 / per if per > 0 else 0))
print("  resident memory per process: %.0f KiB (libc, libmosquitto, the trace in RAM)" % (rss / k))
PY
