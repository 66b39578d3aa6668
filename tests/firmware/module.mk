# tests/firmware: unit tests of the plug firmware core, and virtual-plug integration tests.
TESTS += test_fw_store test_fw_core test_fw_plug test_plug_sim
test_fw_store_SRCS := tests/firmware/test_fw_store.c
test_fw_store_LDLIBS := -lcmocka
test_fw_core_SRCS := tests/firmware/test_fw_core.c
test_fw_core_LDLIBS := -lcmocka
TOOL_TESTS += tests/firmware/test_lepower_plug.sh
test_fw_plug_SRCS := tests/firmware/test_fw_plug.c
test_fw_plug_LDLIBS := -lcmocka
test_plug_sim_SRCS := tests/firmware/test_plug_sim.c firmware/ports/posix/trace.c firmware/ports/posix/synth.c tools/common/lp_recording.c
test_plug_sim_LDLIBS := -lcmocka -lm
