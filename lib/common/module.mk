# lib/common: status codes shared by every lepower library.
LIBS += common
LIB_common_INC  := lib/common/include
LIB_common_SRCS := lib/common/src/lp_status.c
