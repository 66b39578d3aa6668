# tests/proto: lib/proto conformance vectors + CLI test, fuzzer.
TOOL_TESTS += tests/proto/test_vectors.sh
FUZZERS += fuzz_proto
fuzz_proto_SRCS := tests/fuzz/fuzz_proto.c
