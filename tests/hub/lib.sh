# Shared helpers of the hub integration tests (sourced). Starts a real Mosquitto
# (the scripted reports are dated 2026: retention is set to 100 years)
# broker and lepower-hub on free loopback ports, in a temp dir; the EXIT trap
# stops every process started here.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=${B:-build/host}
HUB=$B/bin/lepower-hub
FEED=$B/bin/lepower-hub-feed
TMP=$(mktemp -d)
PIDS=()
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }
check() { # description, command...
    local d=$1; shift
    if "$@"; then ok "$d"; else nok "$d"; fi
}
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

MQ_PORT=$(free_port)
HTTP_PORT=$(free_port)
DB=$TMP/var/lepower.db
API=http://127.0.0.1:$HTTP_PORT

start_broker() {
    mkdir -p "$TMP/mq"
    sed -e "s|^listener 1883 127.0.0.1|listener $MQ_PORT 127.0.0.1|" \
        -e "s|^persistence_location .*|persistence_location $TMP/mq/|" hub/mosquitto.conf > "$TMP/mosquitto.conf"
    mosquitto -c "$TMP/mosquitto.conf" >> "$TMP/mosquitto.log" 2>&1 &
    MQ_PID=$!
    PIDS+=("$MQ_PID")
    for _ in $(seq 100); do
        python3 -c "import socket;socket.create_connection(('127.0.0.1',$MQ_PORT),0.2)" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "# broker did not start"; cat "$TMP/mosquitto.log"; return 1
}

start_hub() { # extra options...
    "$HUB" --broker 127.0.0.1:$MQ_PORT --db "$DB" --http 127.0.0.1:$HTTP_PORT --tz Europe/Paris \
        --retention-days 36500 --grid-retention-days 36500 "$@" >> "$TMP/hub.log" 2>&1 &
    HUB_PID=$!
    PIDS+=("$HUB_PID")
    for _ in $(seq 200); do
        if curl -sf "$API/healthz" 2>/dev/null | grep -q '"broker_connected":true'; then return 0; fi
        kill -0 "$HUB_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "# hub did not start"; cat "$TMP/hub.log"; return 1
}

stop_hub() { kill -TERM "$HUB_PID" 2>/dev/null; wait "$HUB_PID" 2>/dev/null; }
kill9_hub() { kill -9 "$HUB_PID" 2>/dev/null; wait "$HUB_PID" 2>/dev/null; }

feed() { "$FEED" --broker 127.0.0.1:$MQ_PORT "$@"; }

# wait until the hub has stored N messages more than... (metric), at most 60 s
wait_stored() { # count
    for _ in $(seq 1200); do
        local s
        s=$(curl -s "$API/metrics" | awk '/^lepower_hub_journal_backlog_bytes/{b=$2} /^lepower_hub_messages_received_total/{r=$2} END{print r+0, b+0}')
        set -- "$1" $s
        [ "$2" -ge "$1" ] && [ "$3" = 0 ] && return 0
        sleep 0.05
    done
    return 1
}

sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }
metric() { curl -s "$API/metrics" | awk -v k="$1" '$1==k{print $2}'; }
# jq with exit status on false/null
jqt() { jq -e "$@" > /dev/null; }
