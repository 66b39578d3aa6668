#!/usr/bin/env bash
# Virtual-plug benchmark (prints figures; never pass/fail).
#  1. bench_plug: N plug instances in one thread (firmware core + metering + synthesis).
#  2. K lepower-plug processes, and one `lepower-plug --count N`, in real time against a
#     local broker for a few seconds: CPU (from /proc) and resident memory per plug, MQTT
#     and libmosquitto included.
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
N=${PLUG_COUNT:-500}
$B/bin/lepower-plug --trace "$T" --count "$N" --id bench --broker 127.0.0.1:$PORT --state-dir "$tmp/many" \
    --power-on on 2>/dev/null & pids+=("$!"); MANY=$!
plugs=()
for k in $(seq 1 "$K"); do
    $B/bin/lepower-plug --trace "$T" --broker 127.0.0.1:$PORT --id proc-$k --state-dir "$tmp/s$k" \
        --power-on on 2>/dev/null & pids+=("$!"); plugs+=("$!")
done
sleep 3
tick=$(getconf CLK_TCK)
cpu() { local s=0; for p in "$@"; do set -- $(cut -d' ' -f14,15 /proc/$p/stat); s=$((s + $1 + $2)); done; echo $s; }
c0=$(cpu "${plugs[@]}"); m0=$(cpu "$MANY"); sleep "$SECS"; c1=$(cpu "${plugs[@]}"); m1=$(cpu "$MANY")
rss=0; for p in "${plugs[@]}"; do r=$(awk '/VmRSS/{print $2}' /proc/$p/status); rss=$((rss + r)); done
mrss=$(awk '/VmRSS/{print $2}' /proc/$MANY/status)
python3 - "$K" "$SECS" "$c0" "$c1" "$tick" "$rss" "$N" "$m0" "$m1" "$mrss" <<'PY'
import sys
k, secs, c0, c1, tick, rss, n, m0, m1, mrss = (float(x) for x in sys.argv[1:])
per = (c1 - c0) / tick / secs / k
print("lepower-plug, one process per plug: %d in real time at 4 kHz for %.0f s with a local broker" % (k, secs))
print("  CPU per plug process: %.2f %% of a core (synthesis, metering, core, MQTT, 10 ms loop)" % (per * 100))
print("  resident memory per process: %.0f KiB (libc, libmosquitto, the trace in RAM)" % (rss / k))
pm = (m1 - m0) / tick / secs / n
print("lepower-plug --count %d (one process, one MQTT session per plug) in real time for %.0f s" % (n, secs))
print("  CPU per plug: %.3f %% of a core => about %d plugs per core in real time" % (pm * 100, 1 / pm if pm > 0 else 0))
print("  resident memory: %.0f KiB per plug (%.1f MiB for the process)" % (mrss / n, mrss / 1024))
PY
