# lepower-meter: the metering engine offline on a CSV/WAV recording.
TOOLS += lepower-meter
lepower-meter_SRCS := tools/meter/main.c tools/common/lp_recording.c
TOOL_TESTS += tests/tools/test_lepower_meter.sh
FUZZERS += fuzz_recording
fuzz_recording_SRCS := tests/fuzz/fuzz_recording.c tools/common/lp_recording.c
