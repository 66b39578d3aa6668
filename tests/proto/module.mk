# tests/proto: lib/proto unit tests, conformance vectors, fuzzer.
FUZZERS += fuzz_proto
fuzz_proto_SRCS := tests/fuzz/fuzz_proto.c
