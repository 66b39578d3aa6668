# bench/plug: virtual plugs per core at 4 kHz; CPU and memory per plug.
BENCHES += bench_plug
bench_plug_SRCS := bench/plug/bench_plug.c firmware/ports/posix/synth.c firmware/ports/posix/trace.c tools/common/lp_recording.c
BENCH_SCRIPTS += bench/plug/run.sh
