#!/usr/bin/env bash
# lib/proto speed on the host (figures only).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build/host}
make -s "$B/bin/bench_proto" >/dev/null
"$B/bin/bench_proto" "${PROTO_BENCH_N:-2000000}"
