#!/usr/bin/env bash
# `make demo` - the main job: a home of virtual plugs replaying real recordings, a private
# Mosquitto broker on loopback, the hub (SQLite under ./var/demo) and its dashboard.
#
#   tools/demo.sh [SCENARIO]      default tools/demo/home.scenario (format: tools/demo/README.md)
#   LP_DEMO_PORT=N                dashboard port (default 8080 when free, else any free port)
#   LP_DEMO_SKIP_INSTALL=1        do not run tools/install-deps.sh
#
# Installs what a fresh Debian 12 machine lacks, builds, starts everything, prints the URL.
# The plugs start HISTORY hours in the past and catch up with the clock (--catch-up
# --fast-history), then run live. Ctrl-C stops every process this script started.
# Each run starts from an empty database and fresh plugs (var/demo is recreated).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCENARIO=${1:-tools/demo/home.scenario}
B=build/host
[ -r "$SCENARIO" ] || { echo "demo: no scenario file $SCENARIO" >&2; exit 2; }

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

if [ -z "${LP_DEMO_SKIP_INSTALL:-}" ]; then bash tools/install-deps.sh; fi
echo "== building"
make -j"$(nproc 2>/dev/null || echo 2)" B=$B all >build.log 2>&1 || { tail -n 30 build.log; exit 1; }
rm -f build.log
[ -f web/vendor/uPlot.iife.min.js ] || { echo "demo: web/vendor is missing: run 'npm ci'" >&2; exit 1; }

# ---- scenario -----------------------------------------------------------------------
declare -A SET=([history_hours]=24 [interval]=10 [price_per_kwh]=0.30 [currency]=EUR [frequency]="" [grid]=no)
IDS=(); declare -A NAME ROOM KIND LOAD TRACE CRIT OPTS
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    line=${line%%#*}
    [ -z "$(trim "$line")" ] && continue
    read -r word rest <<<"$line"
    case $word in
    set)
        read -r key val <<<"$rest"
        [[ -v SET[$key] ]] || { echo "demo: $SCENARIO:$lineno: unknown setting '$key'" >&2; exit 2; }
        SET[$key]=$val ;;
    plug)
        IFS='|' read -r f_id f_name f_room f_kind f_load f_trace f_crit f_opts <<<"$rest"
        id=$(trim "$f_id")
        [[ $id =~ ^[a-z0-9-]{1,32}$ ]] || { echo "demo: $SCENARIO:$lineno: bad id '$id' ([a-z0-9-]{1,32})" >&2; exit 2; }
        [[ -v NAME[$id] ]] && { echo "demo: $SCENARIO:$lineno: id '$id' twice" >&2; exit 2; }
        IDS+=("$id")
        NAME[$id]=$(trim "$f_name"); ROOM[$id]=$(trim "$f_room"); KIND[$id]=$(trim "$f_kind")
        LOAD[$id]=$(trim "$f_load"); TRACE[$id]=$(trim "$f_trace"); OPTS[$id]=$(trim "${f_opts:-}")
        c=$(trim "${f_crit:-no}"); CRIT[$id]=$([ "$c" = yes ] && echo true || echo false)
        [ -r "${TRACE[$id]}" ] || { echo "demo: $SCENARIO:$lineno: no trace file ${TRACE[$id]}" >&2; exit 2; } ;;
    *) echo "demo: $SCENARIO:$lineno: expected 'set' or 'plug'" >&2; exit 2 ;;
    esac
done <"$SCENARIO"
[ ${#IDS[@]} -gt 0 ] || { echo "demo: $SCENARIO has no plug" >&2; exit 2; }
FREQ=()
[ "${SET[grid]}" = yes ] && FREQ+=(--grid)
if [ -n "${SET[frequency]}" ]; then
    [ -r "${SET[frequency]}" ] || { echo "demo: no frequency file ${SET[frequency]}" >&2; exit 2; }
    FREQ+=(--frequency-trace "${SET[frequency]}")
fi

# ---- processes ----------------------------------------------------------------------
V=var/demo
PIDS=()
stopping=0
stop_all() {
    [ $stopping = 1 ] && return; stopping=1
    echo; echo "== stopping ${#PIDS[@]} processes"
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
        local alive=0
        for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo "demo: stopped (data kept in $V until the next run)"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

free_port() { python3 -c 'import socket,sys
s=socket.socket()
try: s.bind(("127.0.0.1",int(sys.argv[1])))
except OSError: s.bind(("127.0.0.1",0))
print(s.getsockname()[1])' "$1"; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

rm -rf "$V"
mkdir -p "$V/mosquitto" "$V/plugs" "$V/log"
MQ_PORT=$(free_port 0)
HTTP_PORT=${LP_DEMO_PORT:-$(free_port 8080)}
API=http://127.0.0.1:$HTTP_PORT/api/v1

# each run starts afresh: no broker persistence (as root, Mosquitto drops to its own user,
# which could not write under ./var anyway)
sed -e "s|^listener 1883 127.0.0.1|listener $MQ_PORT 127.0.0.1|" -e "s|^persistence true|persistence false|" \
    -e "s|^persistence_location .*|persistence_location $ROOT/$V/mosquitto/|" hub/mosquitto.conf >"$V/mosquitto.conf"
mosquitto -c "$V/mosquitto.conf" >"$V/log/mosquitto.log" 2>&1 &
PIDS+=($!)
wait_port "$MQ_PORT" || { echo "demo: Mosquitto did not start:"; cat "$V/log/mosquitto.log"; exit 1; }

WEB=()
case $("$B/bin/lepower-hub" --help 2>&1) in *--web*) WEB=(--web web) ;; esac
TZ_OPT=()
tz=$(timedatectl show -p Timezone --value 2>/dev/null || cat /etc/timezone 2>/dev/null || true)
[ -n "${TZ:-}" ] && tz=$TZ
[ -n "$tz" ] && TZ_OPT=(--tz "$tz")
"$B/bin/lepower-hub" --broker "127.0.0.1:$MQ_PORT" --db "$V/lepower.db" --http "127.0.0.1:$HTTP_PORT" \
    "${TZ_OPT[@]}" "${WEB[@]}" >"$V/log/hub.log" 2>&1 &
HUB_PID=$!
PIDS+=($HUB_PID)
for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/healthz" 2>/dev/null | grep -q '"broker_connected":true' && break
    kill -0 $HUB_PID 2>/dev/null || { echo "demo: the hub stopped:"; cat "$V/log/hub.log"; exit 1; }
    sleep 0.05
done

START=$(date -u -d "-${SET[history_hours]} hours -2 minutes" +%Y-%m-%dT%H:%M:%SZ)
T1=$(date +%s.%N)
echo "== starting ${#IDS[@]} virtual plugs at $START (they catch up with the clock, then run live)"
for id in "${IDS[@]}"; do
    mkdir -p "$V/plugs/$id"
    # shellcheck disable=SC2086  # plug options are words
    "$B/bin/lepower-plug" --trace "${TRACE[$id]}" --load "${LOAD[$id]}" "${FREQ[@]}" --id "$id" \
        --broker "127.0.0.1:$MQ_PORT" --state-dir "$V/plugs/$id" --start "$START" --catch-up --fast-history \
        --power-on on --interval "${SET[interval]}" ${OPTS[$id]} >"$V/log/$id.log" 2>&1 &
    PIDS+=($!)
done

URL="http://127.0.0.1:$HTTP_PORT/"
echo
echo "   lepower dashboard:  $URL"
[ ${#WEB[@]} -eq 0 ] && echo "   (this hub build serves no dashboard files yet; the API is at ${URL}api/v1/devices)"
echo "   logs: $V/log/   database: $V/lepower.db   stop: Ctrl-C"
echo

# names, rooms, kinds and the price, once the hub knows the devices
json_str() { python3 -c 'import json,sys;print(json.dumps(sys.argv[1]))' "$1"; }
curl -sf -X PUT "$API/settings" -d "{\"price_per_kwh\":${SET[price_per_kwh]},\"currency\":$(json_str "${SET[currency]}")}" >/dev/null
declare -A BODY NAMED=()
nnamed=0
for id in "${IDS[@]}"; do
    BODY[$id]="{\"name\":$(json_str "${NAME[$id]}"),\"room\":$(json_str "${ROOM[$id]}"),\"kind\":$(json_str "${KIND[$id]}"),\"critical\":${CRIT[$id]}}"
done
name_devices() {
    local id
    for id in "${IDS[@]}"; do
        [[ -v NAMED[$id] ]] && continue
        if curl -sf -m 5 -X PATCH "$API/devices/$id" -d "${BODY[$id]}" >/dev/null 2>&1; then
            NAMED[$id]=1; nnamed=$((nnamed + 1))
        fi
    done
    return 0
}

# progress until every plug holds the whole history and reports live
want=$(( $(date +%s) - ${SET[history_hours]} * 3600 ))
shown=0
while :; do
    for p in "${PIDS[@]}"; do
        kill -0 "$p" 2>/dev/null || { echo "demo: process $p stopped; see $V/log/"; tail -n 5 "$V"/log/*.log; exit 1; }
    done
    [ $nnamed -lt ${#IDS[@]} ] && name_devices
    if [ $shown = 0 ]; then
        st=$(curl -sf "$API/devices" | python3 -c '
import json, os, sys, datetime
state, want, ids = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
now = datetime.datetime.now(datetime.timezone.utc).timestamp()
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() if s else None
d = {x["id"]: x for x in json.load(sys.stdin)["devices"]}
done = [i for i in ids if i in d and t(d[i]["first_report"]) is not None and t(d[i]["first_report"]) <= want
        and now - t(d[i]["last_report"]) < 60]
behind = [t(d[i]["last_report"]) for i in ids if i in d and d[i]["last_report"]]
h = (now - min(behind)) / 3600 if len(behind) == len(ids) else float("nan")
# a plug whose reports stop advancing while it is still catching up
prev = json.load(open(state)) if os.path.exists(state) else {}
cur, stalled = {}, []
for i in ids:
    last = d.get(i, {}).get("last_report")
    seen_at = prev.get(i, [None, now])[1] if prev.get(i, [None])[0] == last else now
    cur[i] = [last, seen_at]
    if last and now - t(last) > 60 and now - seen_at > 30:
        stalled.append(i)
json.dump(cur, open(state, "w"))
print(len(done), len(ids), "%.1f" % h, ",".join(stalled) or "-")' "$V/progress.json" "$want" "${IDS[@]}" 2>/dev/null ||
            echo "0 ${#IDS[@]} nan -")
        read -r ndone ntot hbehind stalled <<<"$st"
        if [ "$stalled" != - ] && [ "$stalled" != "${warned:-}" ]; then
            warned=$stalled
            echo; echo "   warning: no new report for 30 s from $stalled while catching up (see $V/log/)"
        fi
        if [ "$ndone" = "$ntot" ]; then
            echo "   all $ntot plugs hold ${SET[history_hours]} h of history and report live: $(elapsed) s after the start," \
                 "$(awk -v a="$T1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s after the plugs started"
            shown=1
        else
            printf '   catching up: %s of %s plugs live, the slowest %s h behind (%s s)\r' "$ndone" "$ntot" "$hbehind" "$(elapsed)"
        fi
    fi
    sleep 1
done
