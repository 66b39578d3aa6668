# lib/meter: streaming metering engine (Vrms, Irms, P, Q, S, PF, energy) and frequency.
LIBS += meter
LIB_meter_INC  := lib/meter/include
LIB_meter_SRCS := lib/meter/src/lp_meter.c lib/meter/src/lp_meter_cal.c lib/meter/src/lp_freq.c
