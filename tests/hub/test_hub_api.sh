#!/usr/bin/env bash
# Hub HTTP API through curl against a real broker and SQLite file: registry
# edits kept across restarts, settings, commands with ack / 504, live events,
# series CSV export, grid, metrics, errors, delete. TAP-style output.
source "$(dirname "$0")/lib.sh"

start_broker || { nok "broker starts"; exit 1; }
mkdir -p "$TMP/web/sub" && echo '<h1>lepower</h1>' > "$TMP/web/index.html" && echo 'x' > "$TMP/web/.secret" && echo 'a{}' > "$TMP/web/sub/s.css"
start_hub --cmd-timeout-ms 500 --web "$TMP/web" || { nok "hub starts"; exit 1; }

# live events: listen before publishing
curl -sN --max-time 8 "$API/api/v1/live" > "$TMP/live.txt" 2>/dev/null &
LIVE_PID=$!
PIDS+=("$LIVE_PID")
sleep 0.3

t0=1774738800000
{
    for i in $(seq 0 9); do
        echo "T plug-1 1 $i $((t0 + i * 60000)) 100000 $((i * 1667)) 0 0 230000 50000000"
        echo "T plug-2 1 $i $((t0 + i * 60000)) 50000 $((i * 833)) 0 0 231000 49990000"
    done
    echo 'P lepower/plug-1/status {"v":1,"state":"online","boot":1}'
    echo 'P lepower/plug-1/state {"v":1,"relay":true,"cause":"user"}'
    echo 'P lepower/plug-2/state {"v":1,"relay":true,"cause":"user","dev\u0069ce":"plug-1"}'
    echo 'P lepower/plug-2/status {"v":1,"state":"online","boot":1,"device":"plug-1"}'
    echo 'P lepower/plug-1/info {"v":1,"model":"LP-1","firmware":"1.0","hardware":"A","nominal_voltage":230,"nominal_frequency":50,"max_current":16000,"relay":true,"metering":"shunt"}'
    echo 'P lepower/plug-2/grid {"v":1,"boot":1,"seq":1,"t0":1774738800,"period":0.5,"frequency":[49.98,50.02,null,50.0]}'
    echo 'P lepower/plug-2/event {"v":1,"ts":1774738800,"boot":1,"seq":1,"type":"fault","fault":"over_temperature"}'
    echo 'P lepower/plug-2/event {"v":1,"ts":1774738800,"boot":1,"seq":1,"type":"fault","fault":"over_temperature"}'
} > "$TMP/feed.txt"
feed --id api-feed < "$TMP/feed.txt" || nok "publish"
check "all messages stored" wait_stored 28

# ---- devices ----
l=$(curl -s "$API/api/v1/devices")
check "GET devices lists both with latest values" \
    jqt '(.devices|length)==2 and .devices[0].id=="plug-1" and .devices[0].power==100 and .devices[0].voltage==230 and .devices[0].frequency==50 and .devices[0].energy_import==15.003 and .devices[0].relay=="on" and .devices[0].online==true and .devices[1].frequency==49.99' <<< "$l"
check "last_seen is ISO 8601 UTC" jqt '.devices[0].last_seen|test("^20[0-9-]{8}T[0-9:.]+Z$")' <<< "$l"
r=$(curl -s -X PATCH -d '{"name":"Fridge \"A\"","room":"kitchen","kind":"fridge","critical":true}' "$API/api/v1/devices/plug-1")
check "PATCH name, room, kind, critical" jqt '.name=="Fridge \"A\"" and .room=="kitchen" and .kind=="fridge" and .critical==true' <<< "$r"
curl -s -X PATCH -d '{"room":"kitchen"}' "$API/api/v1/devices/plug-2" > /dev/null
code=$(curl -s -o "$TMP/o" -w '%{http_code}' -X PATCH -d '{"colour":"red"}' "$API/api/v1/devices/plug-1")
check "PATCH unknown member -> 400 with error" bash -c "[ $code = 400 ] && jq -e '.error|length>0' '$TMP/o' >/dev/null"
code=$(curl -s -o "$TMP/o" -w '%{http_code}' -X PATCH -d '{"critical":"yes"}' "$API/api/v1/devices/plug-1")
check "PATCH critical not boolean -> 400" [ "$code" = 400 ]
code=$(curl -s -o "$TMP/o" -w '%{http_code}' -X PATCH -d '{"name":' "$API/api/v1/devices/plug-1")
check "PATCH invalid JSON -> 400" [ "$code" = 400 ]
for body in '{"name":"ab\xe2\x82"}' '{"name":"\xc0\xaf"}' '{"name":"\xed\xa0\x80"}' '{"name":"a\\u0085b"}' '{"name":"\\ud83d"}'; do
    code=$(printf "$body" | curl -s -o /dev/null -w '%{http_code}' -X PATCH --data-binary @- "$API/api/v1/devices/plug-2")
    check "PATCH name $body (invalid UTF-8, lone surrogate or C1 control) -> 400" [ "$code" = 400 ]
done
r=$(printf '{"room":"K\\u00fcche \\ud83d\\ude00"}' | curl -s -X PATCH --data-binary @- "$API/api/v1/devices/plug-2")
check "PATCH room with escapes and a surrogate pair -> stored as UTF-8" jqt '.room=="Küche 😀"' <<< "$r"
curl -s -X PATCH -d '{"room":"kitchen"}' "$API/api/v1/devices/plug-2" > /dev/null
code=$(curl -s -o "$TMP/o" -w '%{http_code}' "$API/api/v1/devices/nope")
check "GET unknown device -> 404 {error}" bash -c "[ $code = 404 ] && jq -e .error '$TMP/o' >/dev/null"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/devices/NOT_AN_ID")
check "GET invalid id -> 404" [ "$code" = 404 ]

# ---- energy by room and total ----
e=$(curl -s "$API/api/v1/energy?group=room&bucket=hour&from=$((t0 / 1000))&to=$((t0 / 1000 + 3600))")
check "energy by room, Unix-second times: kitchen = 15.003 + 7.497 Wh" jqt '.series==[{"key":"kitchen","name":"kitchen","values":[22.5]}]' <<< "$e"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/energy?from=yesterday&to=1")
check "energy with a bad time -> 400" [ "$code" = 400 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/energy?from=2026-02-29T00:00:00Z&to=2026-03-01T00:00:00Z")
check "energy from 2026-02-29 (not a leap year) -> 400" [ "$code" = 400 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/energy?from=2028-02-29T00:00:00Z&to=2028-03-01T00:00:00Z&tz=UTC")
check "energy from 2028-02-29 (leap year) -> 200" [ "$code" = 200 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/energy?from=0&to=1&tz=Mars/Base")
check "energy with an unknown tz -> 400" [ "$code" = 400 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/energy?from=0&to=1&tz=../../etc/passwd")
check "energy with a path as tz -> 400" [ "$code" = 400 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/energy?from=0&to=4000000000&bucket=hour")
check "energy with too many buckets -> 400" [ "$code" = 400 ]

# ---- series export ----
csv=$(curl -s "$API/api/v1/devices/plug-1/series?from=2026-03-28T23:00:00Z&to=2026-03-28T23:10:00Z&step=300&format=csv")
check "series CSV: header + 2 rows with exact values" \
    bash -c '[ "$(echo "$1" | head -1 | tr -d "\r")" = "t,power_min,power_mean,power_max,voltage_min,voltage_mean,voltage_max,current_min,current_mean,current_max,frequency_min,frequency_mean,frequency_max,power_factor_min,power_factor_mean,power_factor_max" ] && [ "$(echo "$1" | sed -n 2p | tr -d "\r")" = "2026-03-28T23:00:00Z,100,100,100,230,230,230,,,,50,50,50,,," ] && [ "$(echo "$1" | wc -l)" = 3 ]' _ "$csv"

# ---- grid ----
g=$(curl -s "$API/api/v1/grid?from=2026-03-28T23:00:00Z&to=2026-03-28T23:02:00Z&step=60")
check "grid: median of plug means, min, max, plugs (a plug counts by its grid stream in a step that has some, else by its telemetry)" \
    jqt '.source=="raw" and .t==["2026-03-28T23:00:00Z","2026-03-28T23:01:00Z"] and .plugs==[2,2] and .min==[49.98,49.99] and .max==[50.02,50] and .median==[50,49.995]' <<< "$g"
g=$(curl -s "$API/api/v1/grid?from=2026-03-28T00:00:00Z&to=2026-03-30T00:00:00Z&step=3600")
check "grid over two days: hour rollups of the telemetry (median of 50 and 49.99 Hz)" \
    jqt '.source=="1h" and .t==["2026-03-28T23:00:00Z"] and .plugs==[2] and .median==[49.995] and .min==[49.99] and .max==[50]' <<< "$g"
g=$(curl -s "$API/api/v1/grid?from=2026-03-28T00:00:00Z&to=2026-03-30T00:00:00Z&step=60")
check "grid over two days, 1 min steps: minute rollups, 10 minutes of 2 plugs" \
    jqt '.source=="1m" and (.t|length)==10 and .t[0]=="2026-03-28T23:00:00Z" and (.plugs|unique)==[2] and (.median|unique)==[49.995]' <<< "$g"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/grid?from=2026-03-28T00:00:00Z&to=2026-03-30T00:00:00Z&step=61")
check "grid over two days with a step that is no whole minute: raw values (200)" [ "$code" = 200 ]

# ---- request framing ----
resp=$(python3 - "$HTTP_PORT" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"PUT /api/v1/settings HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 30\r\n\r\n{}")
print(s.recv(4096).decode(errors="replace").split("\r\n")[0])
EOF
)
check "two Content-Length headers -> 400 ($resp)" grep -q "^HTTP/1.1 400" <<< "$resp"

# ---- settings kept across restarts ----
r=$(curl -s -X PUT -d '{"price_per_kwh":0.2516,"currency":"EUR"}' "$API/api/v1/settings")
check "PUT settings" jqt '.price_per_kwh==0.2516 and .currency=="EUR"' <<< "$r"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -d '{"price_per_kwh":-1}' "$API/api/v1/settings")
check "PUT settings with a negative price -> 400" [ "$code" = 400 ]
r=$(curl -s -X PUT -d '{"price_per_kwh":2.516e-1}' "$API/api/v1/settings")
check "PUT settings: the price is stored as a number (2.516e-1 -> 0.2516)" grep -q '"price_per_kwh":0.2516,' <<< "$r"

# ---- commands ----
"$FEED" --broker 127.0.0.1:$MQ_PORT --id plug-1-sim --ack plug-1 &
ACK_PID=$!; PIDS+=("$ACK_PID")
"$FEED" --broker 127.0.0.1:$MQ_PORT --id plug-2-sim --ack plug-2 --no-ack &
NOACK_PID=$!; PIDS+=("$NOACK_PID")
sleep 0.5
code=$(curl -s -o "$TMP/c" -w '%{http_code}' -X POST -d '{"relay":"off"}' "$API/api/v1/devices/plug-1/commands")
check "POST relay off -> 200 with the device's ack" bash -c "[ $code = 200 ] && jq -e '.ack.ok==true and (.ack.id==.id)' '$TMP/c' >/dev/null"
code=$(curl -s -o "$TMP/c" -w '%{http_code}' -X POST -d '{"relay":"toggle"}' "$API/api/v1/devices/plug-2/commands")
check "POST to a silent device -> 504 after the timeout" bash -c "[ $code = 504 ] && jq -e .error '$TMP/c' >/dev/null"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"relay":"maybe"}' "$API/api/v1/devices/plug-1/commands")
check "POST bad relay value -> 400" [ "$code" = 400 ]
sleep 0.3
check "state published by the device after the command is stored (relay off)" \
    bash -c "curl -s '$API/api/v1/devices/plug-1' | jq -e '.relay==\"off\"' >/dev/null"

# ---- live events ----
wait "$LIVE_PID" 2>/dev/null
check "live: telemetry events with device" grep -q '^data: {"device":"plug-1","ts":"2026-03-28T23:00:00Z","boot":1,"seq":0,"interval":1,"power":100' "$TMP/live.txt"
check "live: 20 telemetry events" [ "$(grep -c '^event: telemetry' "$TMP/live.txt")" = 20 ]
check "live: a payload's own \"device\" member is dropped, escaped or not (plug-2 cannot speak for plug-1)" \
    bash -c "grep -q '^data: {\"device\":\"plug-2\",\"v\":1,\"relay\":true,\"cause\":\"user\"}\$' '$TMP/live.txt' && grep -q '^data: {\"device\":\"plug-2\",\"v\":1,\"state\":\"online\",\"boot\":1}\$' '$TMP/live.txt'"
check "live: state and status events" bash -c "grep -q '^event: state' '$TMP/live.txt' && grep -q '^data: {\"device\":\"plug-1\",\"v\":1,\"state\":\"online\"' '$TMP/live.txt'"

# ---- health, metrics ----
check "healthz" bash -c "curl -s '$API/healthz' | jq -e '.status==\"ok\"' >/dev/null"
m=$(curl -s "$API/metrics")
check "metrics: duplicate event counted" grep -q '^lepower_hub_messages_duplicate_total 1$' <<< "$m"
check "metrics: devices online, db write latency histogram" bash -c 'grep -q "^lepower_hub_devices_online 2$" <<< "$1" && grep -q "^lepower_hub_db_write_seconds_count [1-9]" <<< "$1"' _ "$m"

# ---- dashboard files ----
check "GET / serves index.html" bash -c "[ \"\$(curl -s '$API/')\" = '<h1>lepower</h1>' ]"
check "static file with its content type" bash -c "[ \"\$(curl -s -o /dev/null -w '%{content_type}' '$API/sub/s.css')\" = 'text/css; charset=utf-8' ]"
check "hidden files, .. and unknown paths -> 404" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' '$API/.secret') = 404 ] && [ \$(curl -s --path-as-is -o /dev/null -w '%{http_code}' '$API/sub/../index.html') = 404 ] && [ \$(curl -s -o /dev/null -w '%{http_code}' '$API/nope.js') = 404 ]"

# ---- restart keeps registry and settings ----
stop_hub
start_hub --cmd-timeout-ms 500 || nok "hub restarts"
check "registry kept across restart" bash -c "curl -s '$API/api/v1/devices/plug-1' | jq -e '.name==\"Fridge \\\"A\\\"\" and .room==\"kitchen\" and .critical==true' >/dev/null"
check "settings kept across restart" bash -c "curl -s '$API/api/v1/settings' | jq -e '.price_per_kwh==0.2516' >/dev/null"

# ---- delete ----
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/api/v1/devices/plug-2")
check "DELETE device -> 200" [ "$code" = 200 ]
check "deleted device and its data are gone" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' '$API/api/v1/devices/plug-2') = 404 ] && [ \$(sqlite3 '$DB' 'SELECT count(*) FROM telemetry t LEFT JOIN device d ON d.k=t.dev WHERE d.k IS NULL') = 0 ] && [ \$(sqlite3 '$DB' 'SELECT count(*) FROM grid') = 0 ]"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/api/v1/devices/plug-2")
check "DELETE again -> 404" [ "$code" = 404 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/api/v1/devices")
check "wrong method -> 405" [ "$code" = 405 ]
# an escaped NUL must not cut a path or a string short
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/api/v1/devices/plug-1%00x")
check "%00 in a device id -> 404, not plug-1" [ "$code" = 404 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/index.html%00.txt")
check "%00 in a file name -> 404" [ "$code" = 404 ]
code=$(curl -s -o "$TMP/o" -w '%{http_code}' -X PATCH -d '{"name":"a\u0000b"}' "$API/api/v1/devices/plug-1")
check "\\u0000 in a JSON string -> 400, name unchanged" bash -c "[ $code = 400 ] && curl -s '$API/api/v1/devices/plug-1' | jq -e '.name==\"Fridge \\\"A\\\"\"' >/dev/null"
stop_hub
exit $fail
