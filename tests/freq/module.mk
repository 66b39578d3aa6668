# Unit tests of the frequency/ROCOF estimator (lib/meter/src/lp_freq.c): every
# IEC/IEEE 60255-118-1 condition from the signal model, and real recordings.
TESTS += test_freq
test_freq_SRCS := tests/freq/test_freq.c tests/freq/freq_cond.c tools/siggen/lp_siggen.c tools/common/lp_recording.c
test_freq_LDLIBS := -lcmocka
TOOL_TESTS += tests/freq/test_grid_stream.sh
