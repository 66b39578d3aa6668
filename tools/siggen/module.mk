# lepower-siggen: IEC/IEEE 60255-118-1 test signals (CSV t_s,v_V,i_A or WAV) for the
# frequency estimator; the signal model lp_siggen.c is shared with tests/freq and bench/frequency.
TOOLS += lepower-siggen
lepower-siggen_SRCS := tools/siggen/main.c tools/siggen/lp_siggen.c
