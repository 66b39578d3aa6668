# firmware/core: the platform-free plug application (ports injected as function-pointer
# structs; no OS or vendor header). Built for the host and cross-built for Cortex-M.
LIBS += fwcore
LIB_fwcore_INC  := firmware/core/include
LIB_fwcore_SRCS := $(sort $(wildcard firmware/core/src/*.c))
