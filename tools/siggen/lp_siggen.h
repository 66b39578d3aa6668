/**
 * @file lp_siggen.h
 * @brief Test signals for the frequency estimator: the IEC/IEEE 60255-118-1 test conditions
 *        (steady state off nominal, harmonics, interharmonics, amplitude and phase modulation,
 *        frequency ramps, amplitude and phase steps) plus voltage collapse, DC offset, noise,
 *        clipping and ADC quantisation, with the exact frequency and ROCOF of every instant.
 *        Host code (uses libm); shared by `lepower-siggen`, tests/freq and bench/frequency.
 */
#ifndef LP_SIGGEN_H
#define LP_SIGGEN_H

#include <stdint.h>

/** Signal description. Zero fields mean "absent". Times in seconds, frequencies in Hz. */
typedef struct lp_sig {
    double fs_hz;          /**< sample rate the samples are taken at (true clock) */
    double f_hz;           /**< fundamental frequency at t = 0 */
    double amp_v;          /**< fundamental peak amplitude, V */
    double dc_v;           /**< DC offset, V */
    double ramp_hz_s;      /**< frequency ramp rate, Hz/s, from ramp_start_s to ramp_end_s */
    double ramp_start_s, ramp_end_s; /**< ramp_end_s = 0: until the end */
    unsigned harm_order;   /**< harmonic order (2..50), 0 = none */
    double harm_frac;      /**< harmonic amplitude / fundamental amplitude */
    double harm_phase_rad; /**< harmonic phase */
    double ih_hz;          /**< interharmonic frequency (fixed), 0 = none */
    double ih_frac;        /**< interharmonic amplitude / fundamental */
    double am_depth, am_hz;/**< amplitude modulation: amp·(1 + depth·cos(2π am_hz t)) */
    double pm_rad, pm_hz;  /**< phase modulation: phase + pm_rad·cos(2π pm_hz t - π) */
    double step_s;         /**< instant of the amplitude/phase step (0 = none) */
    double step_amp_frac;  /**< amplitude × (1 + step_amp_frac) after step_s */
    double step_phase_deg; /**< phase + step_phase_deg after step_s */
    double collapse_s;     /**< envelope starts falling linearly here (0 = none) */
    double collapse_len_s; /**< ... over this duration */
    double collapse_to;    /**< ... to this fraction of the amplitude */
    double noise_v;        /**< white Gaussian noise, V RMS */
    double clip_v;         /**< clip |v| to this, V (0 = none) */
    double volts_per_count;/**< ADC scale, V per count */
    unsigned adc_bits;     /**< ADC bits (samples clamped to the range) */
    uint64_t seed;         /**< noise seed */
} lp_sig_t;

/** Generator state (noise). */
typedef struct lp_siggen {
    lp_sig_t s;
    uint64_t rng;
    double spare; int has_spare;
} lp_siggen_t;

/** Defaults: 4000 Hz, 50 Hz, 325.27 V peak (230 V RMS), 0.1 V RMS noise, 12 bits over ±400 V. */
void lp_sig_default(lp_sig_t *s);

void lp_siggen_init(lp_siggen_t *g, const lp_sig_t *s);

/** Noise-free voltage at time t, V (before clipping and quantisation). */
double lp_sig_value(const lp_sig_t *s, double t);
/** True instantaneous frequency at t, Hz (derivative of the fundamental phase / 2π). */
double lp_sig_freq(const lp_sig_t *s, double t);
/** True ROCOF at t, Hz/s. */
double lp_sig_rocof(const lp_sig_t *s, double t);
/** Fundamental envelope at t relative to amp_v (collapse, steps, AM). */
double lp_sig_envelope(const lp_sig_t *s, double t);
/** Mean of lp_sig_freq over [t0, t1] (exact: phase difference / 2π / duration). */
double lp_sig_mean_freq(const lp_sig_t *s, double t0, double t1);

/** Sample n (t = n/fs): value + noise, clipped, quantised; returns ADC counts. */
int32_t lp_siggen_counts(lp_siggen_t *g, uint64_t n);

#endif
