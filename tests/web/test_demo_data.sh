#!/usr/bin/env bash
# The demo's data and scenarios: every file a scenario names exists and the virtual plug
# accepts it; the shipped data under data/{tracebase,espresso,grid} is exactly what
# tools/demo/convert.py makes from ../shared/data (skipped when that folder is absent).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=${B:-build/host}
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for sc in tools/demo/*.scenario; do
    missing=""
    for f in $(sed -e 's/#.*//' "$sc" | awk -F'|' '/^ *plug /{gsub(/^ +| +$/,"",$6); print $6}') \
             $(sed -e 's/#.*//' "$sc" | awk '$1=="set" && $2=="frequency"{print $3}'); do
        [ -r "$f" ] || missing="$missing $f"
    done
    [ -z "$missing" ] && ok "$sc: every trace exists" || nok "$sc: missing$missing"
    n=$(sed -e 's/#.*//' "$sc" | grep -c '^ *plug ')
    [ "$n" -ge 1 ] && ok "$sc: $n plugs" || nok "$sc: no plug"
done

# the plug reads every shipped trace (a 60 s offline run each)
bad=""
for f in data/tracebase/*.csv data/espresso/*.csv; do
    mkdir -p "$TMP/st"
    "$B/bin/lepower-plug" --trace "$f" --frequency-trace data/grid/toledo-frequency.csv --state-dir "$TMP/st" \
        --start 2026-01-01T12:00:00Z --duration 60 --speed 1000 >"$TMP/plug.log" 2>&1 || bad="$bad $f"
    rm -rf "$TMP/st"
done
[ -z "$bad" ] && ok "lepower-plug reads every shipped trace" || { nok "lepower-plug refused:$bad"; tail -n 3 "$TMP/plug.log"; }

if [ -d ../shared/data/traces/tracebase-1s ]; then
    if python3 tools/demo/convert.py --out "$TMP/data" >"$TMP/convert.log" 2>&1; then
        d=""
        for f in "$TMP"/data/*/*.csv; do
            rel=${f#"$TMP"/data/}
            cmp -s "$f" "data/$rel" || d="$d $rel"
        done
        [ -z "$d" ] && ok "data/ is exactly the converter's output from ../shared/data (lossless check passed)" ||
            nok "data/ differs from the converter's output:$d"
    else
        nok "tools/demo/convert.py failed"; tail -n 5 "$TMP/convert.log"
    fi
else
    echo "ok - # SKIP ../shared/data absent: shipped data not re-derived"
fi
exit $fail
