# bench/meter: host speed, accuracy table, Cortex-M size and instruction counts.
BENCHES += bench_meter
bench_meter_SRCS := bench/meter/bench_meter.c tests/common/lp_testsig.c
BENCH_SCRIPTS += bench/meter/run.sh
