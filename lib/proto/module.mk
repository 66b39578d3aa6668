# lib/proto: lepower protocol v1 (docs/protocol.md): topics, JSON encode, strict decode.
LIBS += proto
LIB_proto_INC  := lib/proto/include
LIB_proto_SRCS := lib/proto/src/lp_proto.c lib/proto/src/lp_proto_json.c
