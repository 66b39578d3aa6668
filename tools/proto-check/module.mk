# tools/proto-check: lepower-proto-check, validates protocol v1 payloads (docs/protocol.md).
TOOLS += lepower-proto-check
lepower-proto-check_SRCS := tools/proto-check/proto_check.c
