#!/usr/bin/env bash
# lepower-hub storage: the report key (device, boot, seq, ts) of docs/protocol.md 5.2,
# and the move of a database written by an earlier hub (telemetry keyed on
# (device, boot, seq) plus a (device, ts) index) to the current layout.
source "$(dirname "$0")/lib.sh"
start_broker || exit 1

# 1. a database in the earlier layout, with two reports of one device
mkdir -p "$(dirname "$DB")"
sqlite3 "$DB" <<'SQL'
CREATE TABLE device(k INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, name TEXT NOT NULL DEFAULT '',
 room TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '', critical INTEGER NOT NULL DEFAULT 0,
 first_ms INTEGER NOT NULL DEFAULT -1, last_ms INTEGER NOT NULL DEFAULT -1, seen_ms INTEGER NOT NULL DEFAULT -1,
 online INTEGER NOT NULL DEFAULT -1, has_tel INTEGER NOT NULL DEFAULT 0, power_mw INTEGER, voltage_mv INTEGER,
 current_ua INTEGER, frequency_uhz INTEGER, pf_milli INTEGER, import_mwh INTEGER, export_mwh INTEGER, epoch INTEGER,
 relay INTEGER NOT NULL DEFAULT -1);
CREATE TABLE telemetry(dev INTEGER NOT NULL, boot INTEGER NOT NULL, seq INTEGER NOT NULL,
 ts_ms INTEGER NOT NULL, power_mw INTEGER NOT NULL, voltage_mv INTEGER, current_ua INTEGER, frequency_uhz INTEGER,
 pf_milli INTEGER, import_mwh INTEGER NOT NULL, export_mwh INTEGER NOT NULL, epoch INTEGER NOT NULL,
 PRIMARY KEY(dev,boot,seq)) WITHOUT ROWID;
CREATE INDEX telemetry_ts ON telemetry(dev,ts_ms);
CREATE TABLE report(dev INTEGER NOT NULL, kind TEXT NOT NULL, ts_ms INTEGER NOT NULL,
 boot INTEGER, seq INTEGER, payload TEXT NOT NULL);
CREATE UNIQUE INDEX report_seq ON report(dev,kind,boot,seq) WHERE seq IS NOT NULL;
INSERT INTO device(k,id,first_ms,last_ms,has_tel,power_mw,import_mwh,export_mwh,epoch)
 VALUES(1,'old-1',1774742400000,1774742460000,1,1000,1000,0,0);
INSERT INTO telemetry VALUES(1,1,0,1774742400000,1000,230000,NULL,50000000,NULL,0,0,0);
INSERT INTO telemetry VALUES(1,1,1,1774742460000,1000,230000,NULL,50000000,NULL,1000,0,0);
SQL
start_hub || exit 1
stop_hub
check "earlier layout moved: the (device, ts) index is gone" \
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name IN ('telemetry_ts','report_seq')")" = 0 ]
check "earlier layout moved: telemetry keyed on (dev, ts_ms, boot, seq)" \
    grep -q 'PRIMARY KEY(dev,ts_ms,boot,seq)' <<< "$(sqlite3 "$DB" "SELECT sql FROM sqlite_master WHERE name='telemetry'")"
check "earlier layout moved: both reports kept" \
    [ "$(sqlite3 "$DB" "SELECT group_concat(seq || '@' || ts_ms) FROM telemetry")" = "0@1774742400000,1@1774742460000" ]
check "the move is logged with its row count" grep -q "telemetry table moved (2 rows)" "$TMP/hub.log"

# 2. duplicates are the same (boot, seq, ts); the same (boot, seq) at another ts is
#    another report (a replaced or wiped device that restarts at boot 1)
start_hub || exit 1
"$FEED" --broker 127.0.0.1:$MQ_PORT <<'S'
T key-1 1 0 1774742400000 1000 0 0 0
T key-1 1 1 1774742460000 1000 1000 0 0
T key-1 1 1 1774742460000 1000 1000 0 0
T key-1 1 0 1774742400000 1000 0 0 0
T key-1 1 0 1774746000000 2000 0 0 1
T key-1 1 1 1774746060000 2000 2000 0 1
S
for _ in $(seq 100); do
    [ "$(curl -s "$API/metrics" | awk '/^lepower_hub_messages_(stored|duplicate)_total /{n+=$2} END{print n+0}')" -ge 6 ] && break
    sleep 0.05
done
# a second hub on the same database (and journal) is refused
P2=$(free_port)
"$HUB" --broker 127.0.0.1:$MQ_PORT --db "$DB" --http 127.0.0.1:$P2 --client-id second > "$TMP/hub2.log" 2>&1 &
H2=$!; PIDS+=("$H2")
for _ in $(seq 100); do kill -0 "$H2" 2>/dev/null || break; sleep 0.05; done
wait "$H2"; rc2=$?
check "a second hub on the same database exits (status $rc2) naming the lock" \
    bash -c "[ $rc2 != 0 ] && grep -q 'in use by another lepower-hub' '$TMP/hub2.log'"
m=$(curl -s "$API/metrics")
check "two redeliveries counted as duplicates" grep -q '^lepower_hub_messages_duplicate_total 2$' <<< "$m"
e=$(curl -s "$API/api/v1/energy?group=device&bucket=day&from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&tz=UTC" | jq -r '.series[]|select(.key=="key-1")|.values[0]')
check "its energy restarts a segment: 1 Wh + 2 Wh over the day ($e Wh)" [ "$e" = 3 ]
stop_hub
check "the replaced device's reports (same boot and seq, later ts) stored: 4 rows" \
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM telemetry t JOIN device d ON d.k=t.dev WHERE d.id='key-1'")" = 4 ]
exit $fail
