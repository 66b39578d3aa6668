# tests/proto: lib/proto unit tests, conformance vectors + CLI test, fuzzer.
TESTS += test_proto
test_proto_SRCS := tests/proto/test_proto.c
test_proto_LDLIBS := -lcmocka
TOOL_TESTS += tests/proto/test_vectors.sh
FUZZERS += fuzz_proto
fuzz_proto_SRCS := tests/fuzz/fuzz_proto.c
