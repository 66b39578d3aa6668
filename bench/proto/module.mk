# bench/proto: lib/proto decode / encode / topic speed on a telemetry report. Prints, never fails.
BENCHES += bench_proto
bench_proto_SRCS := bench/proto/bench_proto.c
BENCH_SCRIPTS += bench/proto/run.sh
