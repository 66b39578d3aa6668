/* lp_testsig.h - synthetic voltage/current test signals with known truth, shared by
 * the unit tests and the benchmarks. Test support code, host only. */
#ifndef LP_TESTSIG_H
#define LP_TESTSIG_H
#include <stdint.h>

#include "lp_meter.h"

typedef struct lp_testsig {
    double fs_hz;         /* sample rate */
    double f_hz;          /* fundamental frequency */
    double vrms_v;        /* voltage RMS (fundamental) */
    double i1rms_a;       /* current fundamental RMS */
    double phi_rad;       /* current lag behind voltage (inductive > 0) */
    double h3, h5;        /* current harmonic amplitudes relative to the fundamental */
    double v_h3;          /* voltage 3rd harmonic relative amplitude */
    double skew_s;        /* current sampled this long after the voltage */
    double phase0_rad;    /* initial voltage phase */
    double noise_lsb;     /* Gaussian noise RMS in LSB, added before quantisation */
    double v_dc_lsb, i_dc_lsb; /* ADC offsets, LSB */
    int bits;             /* ADC bits */
    double v_fs, i_fs;    /* full scale (peak) V and A */
    uint64_t rng;         /* PRNG state */
    uint64_t n;           /* samples generated */
} lp_testsig_t;

/* Defaults: 4 kHz, 50 Hz, 230 V, 12 bits, ±400 V / ±25 A, 0.5 LSB noise, seed 1. */
void lp_testsig_init(lp_testsig_t *s);
/* Next sample pair in ADC counts. */
void lp_testsig_next(lp_testsig_t *s, int32_t *v, int32_t *i);
/* Truth: active power (W), fundamental reactive power (var), Vrms (V), Irms (A). */
double lp_testsig_p(const lp_testsig_t *s);
double lp_testsig_q(const lp_testsig_t *s);
double lp_testsig_vrms(const lp_testsig_t *s);
double lp_testsig_irms(const lp_testsig_t *s);
/* Metering configuration matching the generator's front end (rate, bits, ranges, skew);
 * everything else at lp_meter_config_default(). */
void lp_testsig_meter_config(const lp_testsig_t *s, lp_meter_config_t *cfg);
/* Standard normal deviate from the generator's PRNG. */
double lp_testsig_gauss(lp_testsig_t *s);
#endif
