#!/usr/bin/env bash
# The project's test command (README: `make test`). Runs every stage, keeps going
# after a failure so one run shows everything, and ends with one summary line.
#   LP_SKIP_SANITIZE=1  skip the ASan+UBSan rerun      LP_SKIP_FUZZ=1  skip fuzz smoke runs
#   LP_SKIP_CROSS=1     skip the arm-none-eabi build   JOBS=N          parallel make jobs
#   LP_SKIP_DEPS=1      do not check/install Debian and npm packages first
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
mkdir -p build/test-output
log=build/test-output/test.log
: >"$log"
failed_stages=()
pass=0; fail=0

stage() { # name, command...
    local name=$1; shift
    echo "=== stage: $name"
    if "$@" 2>&1 | tee -a "$log"; then echo "=== stage $name: ok"; else
        echo "=== stage $name: FAILED"; failed_stages+=("$name"); fi
}

# what a fresh Debian 12 machine lacks (apt-get, npm ci); quick when everything is present
if [ -z "${LP_SKIP_DEPS:-}" ]; then
    stage deps bash tools/install-deps.sh
fi
stage build make -j"$JOBS" all
stage unit make --no-print-directory unit
stage tool-tests make --no-print-directory tool-tests
if [ -z "${LP_SKIP_SANITIZE:-}" ]; then
    stage sanitize-build make -j"$JOBS" B=build/asan SAN=1 OPT="-O1 -g" all
    stage sanitize make --no-print-directory B=build/asan SAN=1 OPT="-O1 -g" unit tool-tests
fi
if [ -z "${LP_SKIP_CROSS:-}" ]; then
    stage cross make -j"$JOBS" cross
fi
if [ -z "${LP_SKIP_FUZZ:-}" ]; then
    stage fuzz-smoke make --no-print-directory fuzz-short
fi

# cmocka: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s), listed below:"
pass=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | awk '{s+=$4} END{print s+0}')
fail=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END{print s+0}')
# tool tests print "ok - ..." / "not ok - ..." (TAP style)
tp=$(grep -cE '^ok( |$)' "$log"); tf=$(grep -cE '^not ok( |$)' "$log")
pass=$((pass + tp)); fail=$((fail + tf))
if [ ${#failed_stages[@]} -gt 0 ]; then
    echo "failed stages: ${failed_stages[*]}"
    [ "$fail" -eq 0 ] && fail=${#failed_stages[@]}
fi
echo "tests: $pass passed, $fail failed"
[ ${#failed_stages[@]} -eq 0 ] && [ "$fail" -eq 0 ]
