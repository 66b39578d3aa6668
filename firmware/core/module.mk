# firmware/core: the platform-free plug application (ports injected as function-pointer
# structs; no OS or vendor header). Built for the host and cross-built for Cortex-M.
LIBS += fwcore
LIB_fwcore_INC  := firmware/core/include
LIB_fwcore_SRCS := firmware/core/src/lp_fw_status.c firmware/core/src/lp_fw_store.c \
                   firmware/core/src/lp_fw_ramflash.c firmware/core/src/lp_fw_relay.c \
                   firmware/core/src/lp_fw_ring.c firmware/core/src/lp_fw_dedupe.c \
                   firmware/core/src/lp_fw_sched.c firmware/core/src/lp_fw_plug.c
