# bench/frequency: Cortex-M4F instructions per sample (QEMU) and the FE/RFE table per condition.
BENCHES += bench_freq
bench_freq_SRCS := bench/frequency/bench_freq.c tests/freq/freq_cond.c tools/siggen/lp_siggen.c
BENCH_SCRIPTS += bench/frequency/run.sh
