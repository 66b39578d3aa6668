# firmware/ports: one folder per port, each with its own module.mk.
include $(sort $(wildcard firmware/ports/*/module.mk))
