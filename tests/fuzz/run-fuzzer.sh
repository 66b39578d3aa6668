#!/usr/bin/env bash
# Run one libFuzzer target for N seconds on its seed corpus.
#   run-fuzzer.sh NAME SECONDS
# Seeds: tests/fuzz/corpus/NAME/ (read-only, versioned); new inputs go to build/fuzz/corpus/NAME/.
set -euo pipefail
name=$1; secs=${2:-20}
bin=build/fuzz/$name
seeds=tests/fuzz/corpus/$name
work=build/fuzz/corpus/$name
mkdir -p "$work" build/fuzz/artifacts
[ -d "$seeds" ] || seeds=
echo "fuzz: $name for ${secs}s"
log=build/fuzz/$name.log
rc=0
"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix=build/fuzz/artifacts/"$name"- \
       -timeout=10 -rss_limit_mb=2048 "$work" $seeds >"$log" 2>&1 || rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)|cov: ' "$log" | tail -n 4
if [ "$rc" -ne 0 ]; then tail -n 30 "$log"; echo "not ok - fuzz $name (exit $rc, artifacts in build/fuzz/artifacts)"; exit 1; fi
echo "ok - fuzz $name ${secs}s without a crash"
