#!/usr/bin/env bash
# Conformance vectors (tests/vectors/), differential checks against Python's json and
# decimal arithmetic, and lepower-proto-check CLI behaviour. TAP-style output.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build/host}
tool=$B/bin/lepower-proto-check
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }

python3 tests/proto/check_vectors.py "$tool" tests/vectors || fail=1
python3 tests/proto/check_oracle.py "$tool" || fail=1

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
good='{"v":1,"ts":1764500000,"boot":3,"seq":1,"interval":1,"power":1.5,"energy_import":2,"energy_export":0,"energy_epoch":0}'
bad='{"v":1,"ts":1764500000,"boot":3,"seq":1,"interval":1,"power":"1.5","energy_import":2,"energy_export":0,"energy_epoch":0}'
printf '%s\n%s\n' "$good" "$good" > "$tmp/good.jsonl"
printf '%s\n\n%s\n' "$good" "$bad" > "$tmp/mixed.jsonl"

out=$("$tool" < "$tmp/good.jsonl"); rc=$?
[ "$rc" = 0 ] && [ "$out" = $'OK\nOK' ] && ok "cli: stdin, default telemetry, all valid -> exit 0" || nok "cli: stdin all valid (rc=$rc out=$out)"
out=$("$tool" "$tmp/mixed.jsonl"); rc=$?
[ "$rc" = 1 ] && [ "$out" = $'OK\nERROR wrong_type at 61: "power": expected a number' ] \
    && ok "cli: file with an invalid line -> ERROR line, exit 1, empty line skipped" || nok "cli: mixed (rc=$rc out=$out)"
out=$("$tool" "$tmp/good.jsonl" - < "$tmp/mixed.jsonl"); rc=$?
[ "$rc" = 1 ] && [ "$(echo "$out" | wc -l)" = 4 ] && ok "cli: several files and - for stdin" || nok "cli: several files (rc=$rc)"
out=$(printf '{"v":1,"state":"offline"}\n' | "$tool" --topic lepower/plug-1/status); rc=$?
[ "$rc" = 0 ] && [ "$out" = OK ] && ok "cli: --topic full topic selects status" || nok "cli: --topic full (rc=$rc out=$out)"
out=$(printf '{"v":1,"state":"offline"}\n' | "$tool" --topic=status); rc=$?
[ "$rc" = 0 ] && ok "cli: --topic=KIND" || nok "cli: --topic=KIND (rc=$rc)"
out=$(printf '{"v":1,"state":"offline"}\n' | "$tool"); rc=$?
[ "$rc" = 1 ] && [[ "$out" == "ERROR missing_key at 24:"* ]] && ok "cli: default kind is telemetry" || nok "cli: default kind (rc=$rc out=$out)"
"$tool" --topic lepower/plug-1/SENSOR < /dev/null > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] && ok "cli: bad topic -> exit 2" || nok "cli: bad topic (rc=$rc)"
"$tool" --topic < /dev/null > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] && ok "cli: --topic without value -> exit 2" || nok "cli: --topic without value (rc=$rc)"
"$tool" --bogus < /dev/null > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] && ok "cli: unknown option -> exit 2" || nok "cli: unknown option (rc=$rc)"
"$tool" "$tmp/does-not-exist" > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] && ok "cli: missing file -> exit 2" || nok "cli: missing file (rc=$rc)"
"$tool" --help > /dev/null; rc=$?
[ "$rc" = 0 ] && ok "cli: --help -> exit 0" || nok "cli: --help (rc=$rc)"
printf '%s\r\n' "$good" | "$tool" > /dev/null; rc=$?
[ "$rc" = 0 ] && ok "cli: CRLF line endings accepted (CR is JSON whitespace)" || nok "cli: CRLF (rc=$rc)"
exit $fail
