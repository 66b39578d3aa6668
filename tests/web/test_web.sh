#!/usr/bin/env bash
# Browser tests of the dashboard served by lepower-hub (docs/dashboard.md): a private Mosquitto
# on a free loopback port, the hub with a temporary database, three virtual plugs that backfill
# 3 h of history (--catch-up --fast-history) and then run live; playwright-core drives Debian's
# headless chromium through tests/web/web.test.js. Screenshots: build/test-output/web/.
# B=build/host (default) or build/asan selects the binaries. Every process started here is
# stopped by the EXIT trap.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=${B:-build/host}
OUT=build/test-output/web
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }

missing=()
[ -x /usr/bin/chromium ] || missing+=("/usr/bin/chromium (Debian package chromium)")
command -v node >/dev/null 2>&1 || missing+=("node")
[ -d node_modules/playwright-core ] || missing+=("node_modules/playwright-core (npm ci)")
[ -f web/vendor/uPlot.iife.min.js ] || missing+=("web/vendor/uPlot.iife.min.js (npm ci)")
if [ ${#missing[@]} -gt 0 ]; then
    nok "browser tests need ${missing[*]}: run tools/install-deps.sh"
    exit 1
fi
case $("$B/bin/lepower-hub" --help 2>&1) in
*--web*) ;;
*) nok "lepower-hub has no --web option: it does not serve the dashboard"; exit 1 ;;
esac

TMP=$(mktemp -d)
PIDS=()
stop_all() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 30); do
        local alive=0
        for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    PIDS=()
}
trap 'stop_all; rm -rf "$TMP"' EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
MQ_PORT=$(free_port)
HTTP_PORT=$(free_port)
BASE=http://127.0.0.1:$HTTP_PORT

mkdir -p "$TMP/mq" "$OUT"
sed -e "s|^listener 1883 127.0.0.1|listener $MQ_PORT 127.0.0.1|" -e "s|^persistence true|persistence false|" \
    -e "s|^persistence_location .*|persistence_location $TMP/mq/|" hub/mosquitto.conf >"$TMP/mosquitto.conf"
mosquitto -c "$TMP/mosquitto.conf" >"$TMP/mosquitto.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$MQ_PORT") 2>/dev/null && break; sleep 0.05; done

"$B/bin/lepower-hub" --broker "127.0.0.1:$MQ_PORT" --db "$TMP/var/lepower.db" --http "127.0.0.1:$HTTP_PORT" \
    --tz UTC --web web >"$TMP/hub.log" 2>&1 &
PIDS+=($!)
up=0
for _ in $(seq 300); do
    curl -sf "$BASE/healthz" 2>/dev/null | grep -q '"broker_connected":true' && { up=1; break; }
    sleep 0.05
done
if [ $up = 1 ]; then ok "hub and broker started"; else nok "hub did not start"; cat "$TMP/hub.log"; exit 1; fi

# the hub serves the dashboard's files, and nothing outside web/
code() { curl -s -o /dev/null -w '%{http_code} %{content_type}' "$@"; }
[ "$(code "$BASE/")" = "200 text/html; charset=utf-8" ] && ok "GET / is the dashboard" || nok "GET / is the dashboard: $(code "$BASE/")"
[ "$(code "$BASE/vendor/uPlot.iife.min.js")" = "200 text/javascript; charset=utf-8" ] && ok "uPlot is served by the hub" ||
    nok "uPlot is served by the hub: $(code "$BASE/vendor/uPlot.iife.min.js")"
bad=""
for u in "/../hub/main.c" "/%2e%2e/LICENSE" "/.gitignore" "/vendor/../../LICENSE" "/nothing.js"; do
    c=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$BASE$u"); [ "$c" = 404 ] || bad="$bad $u:$c"
done
[ -z "$bad" ] && ok "paths outside web/, hidden and missing files are 404" || nok "paths outside web/ answered:$bad"
case $(code -X POST "$BASE/index.html") in 404*|405*) ok "POST to a file is refused" ;; *) nok "POST to a file: $(code -X POST "$BASE/index.html")" ;; esac
[ "$(code "$BASE/api/v1/nothing")" = "404 application/json" ] && ok "the API keeps its JSON errors" || nok "API 404: $(code "$BASE/api/v1/nothing")"

# scripted devices: a constant 150 W heater (made here), and two real traces from data/
python3 -c 'print("t_s,p_w"); [print(f"{t},150") for t in range(0, 86400, 60)]' >"$TMP/heater.csv"
START=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)
plug() { # id trace load
    mkdir -p "$TMP/plugs/$1"
    "$B/bin/lepower-plug" --trace "$2" --load "$3" --id "$1" --broker "127.0.0.1:$MQ_PORT" \
        --state-dir "$TMP/plugs/$1" --start "$START" --catch-up --fast-history --power-on on --interval 5 \
        --frequency-trace data/grid/toledo-frequency.csv >"$TMP/plug-$1.log" 2>&1 &
    PIDS+=($!)
}
plug heater "$TMP/heater.csv" resistive
plug fridge data/tracebase/fridge.csv motor
plug lamp data/tracebase/lamp.csv led

live=0
for _ in $(seq 1200); do
    n=$(curl -sf "$BASE/api/v1/devices" 2>/dev/null | python3 -c '
import json, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).timestamp()
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
print(sum(1 for d in json.load(sys.stdin)["devices"] if d["last_report"] and now - t(d["last_report"]) < 30
          and now - t(d["first_report"]) > 3 * 3600 - 120))' 2>/dev/null)
    [ "${n:-0}" = 3 ] && { live=1; break; }
    sleep 0.1
done
if [ $live = 1 ]; then ok "3 virtual plugs backfilled 3 h and report live"; else
    nok "virtual plugs did not catch up"; tail -n 3 "$TMP"/plug-*.log; exit 1; fi
curl -sf -X PATCH "$BASE/api/v1/devices/heater" -d '{"name":"Heater","room":"Office","kind":"heater"}' >/dev/null
curl -sf -X PATCH "$BASE/api/v1/devices/fridge" -d '{"name":"Fridge","room":"Kitchen","kind":"fridge","critical":true}' >/dev/null
curl -sf -X PUT "$BASE/api/v1/settings" -d '{"price_per_kwh":0.3,"currency":"EUR"}' >/dev/null

node tests/web/web.test.js "$BASE" "$OUT" || fail=1
for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { nok "a process stopped during the test (pid $p)"; tail -n 20 "$TMP"/*.log; break; }; done
stop_all
if grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$TMP"/*.log >/dev/null 2>&1; then
    nok "no sanitizer report from the hub or the plugs"; grep -hE -A8 'ERROR: |runtime error:' "$TMP"/*.log | head -40
else
    ok "hub and plugs stopped cleanly, no sanitizer report"
fi
exit $fail
