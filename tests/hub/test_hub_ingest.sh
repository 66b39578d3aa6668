#!/usr/bin/env bash
# Hub ingest against a real Mosquitto broker and a real SQLite file: scripted
# telemetry with known truth (a gap replayed late and out of order, duplicates,
# a reboot with a counter reset, the two DST days of Europe/Paris), invalid
# payloads. TAP-style output.
source "$(dirname "$0")/lib.sh"

start_broker || { nok "broker starts"; exit 1; }
start_hub || { nok "hub starts"; exit 1; }
ok "broker and hub start on free loopback ports"

python3 tests/hub/make_script.py spring > "$TMP/spring.txt"
python3 tests/hub/make_script.py autumn > "$TMP/autumn.txt"
now_ms=$(( $(date +%s) * 1000 ))
{
    echo 'P lepower/plug-a/telemetry {"v":1,"ts":1774738800'
    echo 'P lepower/plug-a/telemetry {"v":1,"ts":1774738800,"boot":1,"seq":999999,"interval":1,"power":1}'
    echo "T plug-a 1 999998 $((now_ms + 3600000)) 1000 0 0 0"
    echo 'P lepower/Bad_Id/telemetry {"v":1}'
    echo 'X lepower/plug-c/status'
    echo 'P lepower/plug-e/x/cmd {"v":1}'
    echo "P lepower/plug-d/grid {\"v\":1,\"boot\":1,\"seq\":1,\"t0\":$((now_ms / 1000 + 200)),\"period\":60,\"frequency\":[50,50,50,50,50,50,50,50,50,50]}"
} > "$TMP/invalid.txt"
n_spring=$(wc -l < "$TMP/spring.txt"); n_autumn=$(wc -l < "$TMP/autumn.txt")
feed --id feed-a < "$TMP/spring.txt" && feed --id feed-b < "$TMP/autumn.txt" && feed --id feed-c < "$TMP/invalid.txt" \
    && ok "published $n_spring + $n_autumn + 7 messages at QoS 1" || nok "publish"
total=$((n_spring + n_autumn + 7))
check "hub received and stored all $total messages" wait_stored $total

# ---- storage: exactly once ----
dups=$(metric lepower_hub_messages_duplicate_total)
check "50 duplicates dropped (metric: $dups)" [ "$dups" = 50 ]
rows_a=$(sql "SELECT count(*), count(DISTINCT boot*1000000+seq) FROM telemetry t JOIN device d ON d.k=t.dev WHERE d.id='plug-a'")
check "plug-a: $((n_spring - 50)) distinct reports stored once ($rows_a)" [ "$rows_a" = "$((n_spring - 50))|$((n_spring - 50))" ]
rows_b=$(sql "SELECT count(*) FROM telemetry t JOIN device d ON d.k=t.dev WHERE d.id='plug-b'")
check "plug-b: $n_autumn reports stored" [ "$rows_b" = "$n_autumn" ]

# ---- invalid payloads: counted per device and reason, never stored ----
m=$(curl -s "$API/metrics")
check "json_syntax rejected for plug-a" grep -q '^lepower_hub_messages_rejected_total{device="plug-a",reason="json_syntax"} 1$' <<< "$m"
check "missing_key rejected for plug-a" grep -q '^lepower_hub_messages_rejected_total{device="plug-a",reason="missing_key"} 1$' <<< "$m"
check "report 1 h in the future rejected" grep -q '^lepower_hub_messages_rejected_total{device="plug-a",reason="ts_in_future"} 1$' <<< "$m"
check "bad topic rejected" grep -q '^lepower_hub_messages_rejected_total{device="",reason="bad_topic"} 1$' <<< "$m"
check "a malformed topic ending in /cmd counted as a bad topic, not taken for a command" grep -q '^lepower_hub_messages_rejected_total{device="plug-e",reason="bad_topic"} 1$' <<< "$m"
check "empty retained status of plug-c: no value, not a rejection (protocol 2)" bash -c '! grep -q "device=\"plug-c\"" <<< "$1"' _ "$m"
check "grid stream whose last value is 12 min ahead rejected" grep -q '^lepower_hub_messages_rejected_total{device="plug-d",reason="ts_in_future"} 1$' <<< "$m"
check "nothing of it stored" [ "$(sql "SELECT count(*) FROM grid")" = 0 ]
check "rejected reports never stored" [ "$(sql "SELECT count(*) FROM telemetry WHERE seq>=999998")" = 0 ]
check "rejection logged once per device per minute" [ "$(grep -c "rejected message from 'plug-a'" "$TMP/hub.log")" = 1 ]

# ---- energy per day around the spring DST day (23 h) ----
e=$(curl -s "$API/api/v1/energy?group=device&bucket=day&from=2026-03-27T00:00:00%2B01:00&to=2026-04-01T00:00:00%2B02:00&tz=Europe/Paris")
check "days: local midnights with their offsets" jqt '.buckets == ["2026-03-27T00:00:00+01:00","2026-03-28T00:00:00+01:00","2026-03-29T00:00:00+01:00","2026-03-30T00:00:00+02:00","2026-03-31T00:00:00+02:00"]' <<< "$e"
check "days: null before the first and after the last report, exact Wh inside (gap replayed, reset: 10 Wh across it)" \
    jqt '(.series[] | select(.key=="plug-a") | .values) == [null,2000,21990,2000,null]' <<< "$e"
check "response shape: unit, tz, bucket, group" jqt '.unit=="Wh" and .tz=="Europe/Paris" and .bucket=="day" and .group=="device"' <<< "$e"

# ---- hours of the spring day: 23 buckets, 02:00 skipped ----
h=$(curl -s "$API/api/v1/energy?bucket=hour&from=2026-03-29T00:00:00%2B01:00&to=2026-03-30T00:00:00%2B02:00")
check "spring day has 23 hour buckets, 01:00+01:00 then 03:00+02:00" \
    jqt '(.buckets|length)==23 and .buckets[1]=="2026-03-29T01:00:00+01:00" and .buckets[2]=="2026-03-29T03:00:00+02:00"' <<< "$h"
check "hourly values exact: gap hours from the late replay (2000, 0, 0), reset hour 990" \
    jqt '(.series[] | select(.key=="plug-a") | .values) == [1000,1000,1000,1000,1000,1000,1000,1000,1000,2000,0,0,1000,1000,1000,1000,1000,1000,990,1000,1000,1000,1000]' <<< "$h"
check "no negative or null value inside the reports" jqt '[.series[] | select(.key=="plug-a") | .values[] | select(. == null or . < 0)] | length == 0' <<< "$h"

# ---- the autumn DST day (25 h) ----
a=$(curl -s "$API/api/v1/energy?bucket=hour&from=2026-10-25T00:00:00%2B02:00&to=2026-10-26T00:00:00%2B01:00&tz=Europe/Paris")
check "autumn day has 25 hour buckets, 02:00 twice" \
    jqt '(.buckets|length)==25 and .buckets[2]=="2026-10-25T02:00:00+02:00" and .buckets[3]=="2026-10-25T02:00:00+01:00"' <<< "$a"
check "autumn hours 500 Wh each" jqt '(.series[] | select(.key=="plug-b") | .values) == [range(25)|500]' <<< "$a"
d=$(curl -s "$API/api/v1/energy?bucket=day&from=2026-10-25T00:00:00%2B02:00&to=2026-10-27T00:00:00%2B01:00&tz=Europe/Paris&group=total")
check "autumn day = 12500 Wh (25 h x 500 W), total group" jqt '.series[0].key=="total" and .series[0].values==[12500,500]' <<< "$d"

# ---- weeks (Monday) and months ----
w=$(curl -s "$API/api/v1/energy?bucket=week&from=2026-03-23T00:00:00%2B01:00&to=2026-04-06T00:00:00%2B02:00")
check "weeks start on Monday: [23990, 2000]" jqt '.buckets==["2026-03-23T00:00:00+01:00","2026-03-30T00:00:00+02:00"] and (.series[]|select(.key=="plug-a")|.values)==[23990,2000]' <<< "$w"
mo=$(curl -s "$API/api/v1/energy?bucket=month&from=2026-03-01T00:00:00%2B01:00&to=2026-05-01T00:00:00%2B02:00")
check "months: March 25990 Wh, April null" jqt '(.series[]|select(.key=="plug-a")|.values)==[25990,null]' <<< "$mo"
u=$(curl -s "$API/api/v1/energy?bucket=day&from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&tz=UTC")
check "UTC day of 2026-03-29 = 22990 Wh (local day - 1 h + 2 h of the next)" jqt '(.series[]|select(.key=="plug-a")|.values)==[22990]' <<< "$u"
k=$(curl -s "$API/api/v1/energy?bucket=day&from=2026-03-29T00:00:00%2B05:30&to=2026-03-31T00:00:00%2B05:30&tz=Asia/Kolkata")
check "Asia/Kolkata days (+05:30, quarter-hour rollups): [20490, 5500]" \
    jqt '.buckets==["2026-03-29T00:00:00+05:30","2026-03-30T00:00:00+05:30"] and (.series[]|select(.key=="plug-a")|.values)==[20490,5500]' <<< "$k"
ex=$(curl -s "$API/api/v1/energy?bucket=day&kind=export&from=2026-03-29T00:00:00%2B01:00&to=2026-03-30T00:00:00%2B02:00")
check "export energy 0 (kind=export)" jqt '(.series[]|select(.key=="plug-a")|.values)==[0]' <<< "$ex"

# ---- profile: a skipped hour has no sample, a repeated hour counts in its hour ----
p=$(curl -s "$API/api/v1/profile?group=device&from=2026-10-25T00:00:00%2B02:00&to=2026-10-26T00:00:00%2B01:00")
check "profile autumn: hour 2 holds both 02:00 (1000 Wh), others 500" \
    jqt '(.series[]|select(.key=="plug-b")|.values) == ([500,500,1000] + [range(21)|500])' <<< "$p"
p=$(curl -s "$API/api/v1/profile?group=device&from=2026-03-29T00:00:00%2B01:00&to=2026-03-30T00:00:00%2B02:00")
check "profile spring: hour 2 has no day" jqt '(.series[]|select(.key=="plug-a")|.values[2]) == null and (.series[]|select(.key=="plug-a")|.days[2]) == 0' <<< "$p"

# ---- series from rollups and raw, time-weighted ----
s=$(curl -s "$API/api/v1/devices/plug-a/series?from=2026-03-29T07:00:00Z&to=2026-03-29T11:00:00Z&step=3600")
check "series 1 h steps from rollups after the late replay: power mean 1000, 2000, 0, 0" \
    jqt '.source=="1h" and .step==3600 and .t==["2026-03-29T07:00:00Z","2026-03-29T08:00:00Z","2026-03-29T09:00:00Z","2026-03-29T10:00:00Z"] and .power.mean==[1000,2000,0,0] and .voltage.mean==[230,230,230,230] and .frequency.max==[50,50,50,50]' <<< "$s"
s=$(curl -s "$API/api/v1/devices/plug-a/series?from=2026-03-29T08:50:00Z&to=2026-03-29T09:10:00Z&step=600")
check "series 10 min steps from minute rollups" jqt '.source=="1m" and .power.min==[2000,0] and .power.max==[2000,0]' <<< "$s"
s=$(curl -s "$API/api/v1/devices/plug-a/series?from=2026-03-29T08:59:00Z&to=2026-03-29T09:01:00Z&step=30")
check "series 30 s steps from raw reports" jqt '.source=="raw" and .t==["2026-03-29T08:59:00Z","2026-03-29T09:00:00Z","2026-03-29T09:00:30Z"] and .power.mean==[2000,0,0]' <<< "$s"

# ---- restart: everything persists, journal replays nothing twice ----
stop_hub
start_hub || nok "hub restarts"
e2=$(curl -s "$API/api/v1/energy?group=device&bucket=day&from=2026-03-27T00:00:00%2B01:00&to=2026-04-01T00:00:00%2B02:00&tz=Europe/Paris")
check "after a restart: same energy" jqt '(.series[] | select(.key=="plug-a") | .values) == [null,2000,21990,2000,null]' <<< "$e2"
check "after a restart: no row added" [ "$(sql "SELECT count(*) FROM telemetry")" = "$((n_spring - 50 + n_autumn))" ]
stop_hub
exit $fail
