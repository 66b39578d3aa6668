# firmware/ports/posix: the virtual plug (the firmware core on Linux, simulated clock,
# samples synthesised from power traces, real MQTT broker through libmosquitto).
TOOLS += lepower-plug
lepower-plug_SRCS := firmware/ports/posix/main.c firmware/ports/posix/trace.c \
                     firmware/ports/posix/synth.c tools/common/lp_recording.c
lepower-plug_LDLIBS := -lmosquitto -lm
