#!/usr/bin/env bash
# lepower-hub benchmark: prints figures against the issue's targets, never fails
# on them. Real Mosquitto (hub/mosquitto.conf) on a free loopback port, real
# SQLite file in a temp dir. Every process started here is stopped on exit.
#   HUB_BENCH_N (default 300000) telemetry messages per ingest run, 100 devices
#   HUB_BENCH_ROUNDS (default 3) bare-subscriber / hub rounds
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build/host}
make -s "$B/bin/lepower-hub" "$B/bin/bench_hub_load" "$B/bin/lepower-hub-feed" >/dev/null || exit 1
N=${HUB_BENCH_N:-300000}
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
MQ_PORT=$(free_port); HTTP_PORT=$(free_port); API=http://127.0.0.1:$HTTP_PORT
# a fresh broker (empty persistence) for each ingest round: the hub's persistent
# session would otherwise queue the bare subscriber's load for the next round
start_broker() {
    [ -n "${MQ_PID:-}" ] && { kill "$MQ_PID"; wait "$MQ_PID" 2>/dev/null; }
    rm -rf "$TMP/mq"; mkdir -p "$TMP/mq"
    sed -e "s|^listener 1883 127.0.0.1|listener $MQ_PORT 127.0.0.1|" -e "s|^persistence_location .*|persistence_location $TMP/mq/|" \
        -e "s|^connection_messages true|connection_messages false|" hub/mosquitto.conf > "$TMP/mosquitto.conf"
    mosquitto -c "$TMP/mosquitto.conf" >> "$TMP/mosquitto.log" 2>&1 &
    MQ_PID=$!; PIDS+=($MQ_PID)
    for _ in $(seq 100); do python3 -c "import socket;socket.create_connection(('127.0.0.1',$MQ_PORT),0.2)" 2>/dev/null && return 0; sleep 0.05; done
    echo "broker did not start"; cat "$TMP/mosquitto.log"; exit 1
}
start_broker
LOAD=$B/bin/bench_hub_load
val() { awk -v k="$1" '$1==k{print $2}' "$2"; }
start_hub() { # db, extra
    local db=$1; shift
    "$B/bin/lepower-hub" --broker 127.0.0.1:$MQ_PORT --db "$db" --http 127.0.0.1:$HTTP_PORT --tz Europe/Paris \
        --retention-days 36500 "$@" > "$TMP/hub.log" 2>&1 &
    HUB_PID=$!; PIDS+=($HUB_PID)
    for _ in $(seq 200); do curl -sf "$API/healthz" 2>/dev/null | grep -q '"broker_connected":true' && return 0; sleep 0.05; done
    echo "hub did not start"; cat "$TMP/hub.log"; return 1
}
stop_hub() { kill -TERM "$HUB_PID"; wait "$HUB_PID" 2>/dev/null; }

echo "== hub bench: $(nproc) cores, $N QoS 1 telemetry messages from 100 device connections per run"

# 1-2. the same broker and load to a bare subscriber, then to the hub (publish
# start -> every report committed to SQLite); HUB_BENCH_ROUNDS rounds, alternating,
# medians at the end (this machine's figures vary by +-15 % from run to run)
cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }
median() { sort -n | awk '{a[NR]=$1} END{print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
R=${HUB_BENCH_ROUNDS:-3}
: > "$TMP/bare.rates"; : > "$TMP/hub.rates"; : > "$TMP/ratios"; : > "$TMP/bare.cpu"; : > "$TMP/hub.cpu"
for r in $(seq "$R"); do
    [ "$r" = 1 ] || start_broker
    "$LOAD" sub --broker 127.0.0.1:$MQ_PORT --count "$N" > "$TMP/sub.txt" &
    SUB=$!; PIDS+=($SUB)
    for _ in $(seq 100); do grep -q sub_ready "$TMP/sub.txt" 2>/dev/null && break; sleep 0.05; done
    "$LOAD" pub --broker 127.0.0.1:$MQ_PORT --devices 100 --conns 100 --count "$N" --prefix "bare$r" > "$TMP/pub1.txt"
    wait $SUB
    bare_ms=$(( $(val sub_last_ms "$TMP/sub.txt") - $(val pub_start_ms "$TMP/pub1.txt") ))
    bare_rate=$(python3 -c "print(round($(val sub_messages "$TMP/sub.txt") / ($bare_ms / 1000)))")
    bare_us=$(python3 -c "print(round($(val sub_cpu_ms "$TMP/sub.txt") * 1000 / $N, 2))")

    rm -f "$TMP/ingest.db"* "$TMP/ingest.journal"
    start_hub "$TMP/ingest.db" --journal "$TMP/ingest.journal" --journal-max-mb 100000 || exit 0
    c0=$(cpu_s "$HUB_PID")
    "$LOAD" pub --broker 127.0.0.1:$MQ_PORT --devices 100 --conns 100 --count "$N" --prefix "dev$r" > "$TMP/pub2.txt" &
    PUB=$!; PIDS+=($PUB)
    # poll rarely (a poll costs CPU the hub would otherwise get): the end instant is
    # the hub's own time of its last commit
    while :; do
        s=$(curl -s "$API/metrics" | awk '/^lepower_hub_messages_stored_total/{s=$2} /^lepower_hub_journal_backlog_bytes/{b=$2} /^lepower_hub_last_commit_timestamp_seconds/{t=$2} END{printf "%d %d %.0f\n", s, b, t*1000}')
        set -- $s
        if [ "$1" -ge "$N" ] && [ "$2" = 0 ]; then done_ms=$3; break; fi
        sleep 0.25
    done
    wait $PUB
    hub_us=$(python3 -c "print(round(($(cpu_s "$HUB_PID") - $c0) * 1e6 / $N, 2))")
    hub_ms=$(( done_ms - $(val pub_start_ms "$TMP/pub2.txt") ))
    hub_rate=$(python3 -c "print(round($N / ($hub_ms / 1000)))")
    rows=$(sqlite3 "$TMP/ingest.db" "SELECT count(*) FROM telemetry")
    ratio=$(python3 -c "print(round(100 * $hub_rate / $bare_rate, 1))")
    echo "round $r: bare subscriber ${bare_rate} msg/s (${bare_us} us CPU per message); hub ${hub_rate} msg/s into SQLite ($rows rows, ${hub_us} us CPU per message); hub / bare ${ratio} %"
    echo "$bare_rate" >> "$TMP/bare.rates"; echo "$hub_rate" >> "$TMP/hub.rates"; echo "$ratio" >> "$TMP/ratios"
    echo "$bare_us" >> "$TMP/bare.cpu"; echo "$hub_us" >> "$TMP/hub.cpu"
    [ "$r" = "$R" ] || stop_hub
done
echo "bare subscriber: median $(median < "$TMP/bare.rates") msg/s over $R runs, $(median < "$TMP/bare.cpu") us CPU per message"
echo "hub ingest: median $(median < "$TMP/hub.rates") msg/s over $R runs, $(median < "$TMP/hub.cpu") us CPU per message (network thread, journal, decode, SQLite)  [target >= 40000]"
echo "hub / bare subscriber: median $(median < "$TMP/ratios") % (runs: $(paste -sd' ' "$TMP/ratios"))  [target >= 80 %]"
curl -s "$API/metrics" | awk '/^lepower_hub_db_write_seconds_(sum|count|max) /{print "  last run: " $0}'
stop_hub
# the storage path alone: the last run's journal replayed into a fresh database (no broker traffic)
rm -f "$TMP/ingest.db"*
t0=$(python3 -c 'import time;print(int(time.time()*1000))')
start_hub "$TMP/ingest.db" --journal "$TMP/ingest.journal" || exit 0
while :; do
    s=$(curl -s "$API/metrics" | awk '/^lepower_hub_messages_stored_total/{s=$2} /^lepower_hub_last_commit_timestamp_seconds/{t=$2} END{printf "%d %.0f\n", s, t*1000}')
    set -- $s
    if [ "$1" -ge "$N" ]; then t1=$2; break; fi
    sleep 0.1
done
c=$(cpu_s "$HUB_PID")
echo "storage path alone (journal replay into a fresh SQLite file, start included): $N in $((t1 - t0)) ms = $(python3 -c "print(round($N / (($t1 - $t0) / 1000)))") msg/s, $(python3 -c "print(round($c * 1e6 / $N, 2))") us CPU per message"

# 3. publish -> visible in the API
python3 - "$B/bin/lepower-hub-feed" "$MQ_PORT" "$API" <<'PY'
import json, subprocess, sys, time, urllib.error, urllib.request
feed, port, api = sys.argv[1:4]
lat = []
for i in range(20):
    ts = int(time.time() * 1000)
    t0 = time.time()
    subprocess.run([feed, "--broker", "127.0.0.1:" + port, "--id", "lat"], input=f"T lat-1 1 {i} {ts} 1000 {i} 0 0\n",
                   text=True, check=True)
    while True:
        try:
            d = json.load(urllib.request.urlopen(api + "/api/v1/devices/lat-1"))
            if d.get("energy_import") is not None and round(d["energy_import"] * 1000) == i:
                break
        except urllib.error.HTTPError:
            pass  # 404 until the first report is stored
        time.sleep(0.001)
    lat.append((time.time() - t0) * 1000)
lat.sort()
print("publish -> visible in the API: median %.1f ms, max %.1f ms over 20 (includes starting the publisher process)  [target <= 1000 ms]" % (lat[10], lat[-1]))
PY
stop_hub

# 4. daily energy per device over one year for 100 devices
"$LOAD" fill --db "$TMP/year.db" --devices 100 --days 366 --prefix y > /dev/null
start_hub "$TMP/year.db" || exit 0
q="$API/api/v1/energy?group=device&bucket=day&from=2025-03-28T00:00:00%2B01:00&to=2026-03-28T00:00:00%2B01:00&tz=Europe/Paris"
curl -s "$q" > "$TMP/year.json"
times=$(for i in $(seq 10); do curl -s -o /dev/null -w '%{time_total}\n' "$q"; done | sort -n)
echo "energy?group=device&bucket=day, 1 year x 100 devices: median $(echo "$times" | sed -n 5p | awk '{printf "%.1f", $1*1000}') ms, max $(echo "$times" | tail -1 | awk '{printf "%.1f", $1*1000}') ms ($(jq '[.series[].values|length]|add' "$TMP/year.json") values)  [target <= 50 ms]"
stop_hub

# 5. resident memory with 10 000 devices
start_hub "$TMP/mem.db" || exit 0
"$LOAD" pub --broker 127.0.0.1:$MQ_PORT --devices 10000 --conns 50 --count 30000 --prefix m > /dev/null
for _ in $(seq 600); do
    [ "$(curl -s "$API/metrics" | awk '/^lepower_hub_messages_stored_total/{print $2}')" -ge 30000 ] && break; sleep 0.1
done
curl -s "$API/api/v1/devices" > /dev/null
echo "resident memory with $(curl -s "$API/metrics" | awk '/^lepower_hub_devices /{print $2}') devices (3 reports each, device list served): $(awk '/VmRSS/{printf "%.1f MB", $2/1024}' /proc/$HUB_PID/status), peak $(awk '/VmHWM/{printf "%.1f MB", $2/1024}' /proc/$HUB_PID/status)  [target <= 100 MB]"
stop_hub

# 6. downtime: one hour of 100 plugs reporting every second (360 000 reports) published while
#    the hub is down, then the hub returns (persistent session, hub/mosquitto.conf limits)
D=${HUB_BENCH_DOWN:-360000}
start_hub "$TMP/down.db" || exit 0
stop_hub
"$LOAD" pub --broker 127.0.0.1:$MQ_PORT --devices 100 --conns 100 --count "$D" --prefix down > /dev/null
t0=$(python3 -c 'import time;print(int(time.time()*1000))')
start_hub "$TMP/down.db" || exit 0
last=-1; same=0
while :; do
    n=$(curl -s "$API/metrics" | awk '/^lepower_hub_messages_stored_total/{print $2}')
    [ "$n" -ge "$D" ] && break
    if [ "$n" = "$last" ]; then same=$((same + 1)); [ $same -ge 100 ] && break; else same=0; last=$n; fi
    sleep 0.05
done
t1=$(python3 -c 'import time;print(int(time.time()*1000))')
rows=$(sqlite3 "$TMP/down.db" "SELECT count(*) FROM telemetry")
echo "downtime: $D reports queued by the broker while the hub was down (1 h of 100 plugs at 1 Hz): $rows stored after the restart, caught up in $((t1 - t0)) ms  [target: no loss]"
stop_hub
