# Unit tests of lib/meter (synthetic signals with known truth, and real recordings).
TESTS += test_meter
test_meter_SRCS := tests/meter/test_meter.c tests/common/lp_testsig.c
test_meter_LDLIBS := -lcmocka
TESTS += test_meter_real
test_meter_real_SRCS := tests/meter/test_meter_real.c tools/common/lp_recording.c
test_meter_real_LDLIBS := -lcmocka
# The same accuracy tests with the single-precision per-cycle path of Cortex-M targets.
TESTS += test_meter_sp
test_meter_sp_SRCS := tests/meter/test_meter.c tests/meter/lp_meter_sp.c tests/common/lp_testsig.c
test_meter_sp_LDLIBS := -lcmocka
