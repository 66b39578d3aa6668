/**
 * @file lp_freq.h
 * @brief Grid frequency and ROCOF estimator from the voltage channel, aimed at the
 *        IEC/IEEE 60255-118-1 P-class limits on a 12-bit ADC (see docs/frequency.md).
 *
 * ## Method (derivation, evidence and sources in docs/frequency.md)
 * 1. **Demodulation** (per sample, integer): x[n]·e^{-j2πn/N}, with N = fs/f_d an integer
 *    number of samples close to one nominal cycle (f_d = fs/N is the demodulation
 *    frequency; f_d = f0 exactly when fs/f0 is an integer, e.g. 4000/50, 2000/50, 400/50).
 *    The local oscillator is a table of N entries (amplitude 2^9..2^14, chosen so that the
 *    32-bit block sums below cannot overflow).
 * 2. **Filter**: three cascaded moving sums of exactly one demodulation cycle (N samples).
 *    Two of them act at the sample level and the third at the block level (a block is
 *    B = N/K samples, K ≈ 5 blocks per cycle): the ISR only keeps two 32-bit sums per
 *    channel per block (Σp and Σ of running sums), from which lp_freq_poll() rebuilds the
 *    exact sample-level integrators in 64 bits, as a cascaded integrator–comb filter
 *    (Hogenauer 1981). The zeros sit on every multiple of f_d: DC offset, the
 *    negative-frequency image (-2f0) and every harmonic are nulled at nominal frequency, and
 *    off nominal they are attenuated by about the cube of the one-cycle Dirichlet kernel
 *    (e.g. the image at 45 Hz by 1.5e-4, then further by the least-squares fit). This is the
 *    demodulation + boxcar structure of the P-class reference model of IEC/IEEE
 *    60255-118-1 and IEEE C37.118.1-2011, with one more stage.
 * 3. **Phase slope** (per block, float): phase steps between consecutive filter outputs,
 *    unwrapped, then a least-squares fit of phase = a + b·t + c·t² over a window of W
 *    blocks; frequency = f_d + b/2π at the window centre (equal to the window's mean
 *    frequency when ROCOF is constant), ROCOF = 2c/2π. Least-squares phase slope is the
 *    maximum-likelihood frequency estimator of a tone in white noise at high SNR and reaches
 *    the Cramér–Rao bound (Rife & Boorstyn 1974; Tretter 1985; Kay 1989).
 * 4. **Validity**: the fundamental amplitude over the last cycle (one-cycle moving sum)
 *    is compared every block with collapse_ratio (20 %) of a running level (the largest
 *    recent amplitude, decaying with time constant level_tau_s = 2 s) and with an absolute
 *    floor. An estimate is valid only when every block its data touch (filter span + window)
 *    passed, and it is held 1.5 demodulation cycles before publication so that the amplitude
 *    check has seen the end of its data (a collapse that begins in its last samples makes it
 *    invalid). A failing block publishes the held estimates at once, invalid: invalid values
 *    are reported as invalid, never as a number.
 *
 * ## Timing
 * Estimates come every `hop` blocks (default: one nominal cycle or less). An estimate
 * describes the instant t (lp_freq_estimate_t::t_sample), the centre of its data; it is
 * published `lp_freq_delay_s()` seconds after that instant: half the window plus half the
 * filter span (1.5 cycles) plus the 1.5-cycle hold (at 50 Hz, 100 ms window: 110 ms).
 *
 * ## Context and memory
 * No malloc, no OS calls, no division and no libm in lp_freq_push() (about 44 Cortex-M4
 * instructions; with lp_freq_poll() amortised about 85 per sample at 4 kHz, see
 * bench/frequency). Float (single precision) and libm only in lp_freq_poll(), per block. lp_freq_push() may run in an ISR; lp_freq_poll() and
 * the getters must run in one thread (the main loop), and must not run concurrently with
 * lp_freq_push() on the same instance unless the caller masks the ISR around poll. The
 * caller owns the ::lp_freq_t storage (about 5.3 KiB: 2 KiB phase window, 1.3 KiB
 * oscillator table, 1 KiB filter histories) for its whole life.
 */
#ifndef LP_FREQ_H
#define LP_FREQ_H

#include <stdint.h>
#include "lp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Number of cascaded one-cycle moving sums (filter order; two at sample level, one at
 *  block level). */
#define LP_FREQ_STAGES 3u
/** Largest demodulation period N in samples (16000 Hz / 50 Hz). */
#define LP_FREQ_MAX_N 320u
/** Largest number of blocks per demodulation cycle. */
#define LP_FREQ_MAX_K 16u
/** Largest least-squares window, blocks: 1 s needs fs/B blocks (250 at 4 kHz/50 Hz, 364 at
 *  4 kHz/60 Hz); rates whose N factors badly may need more and then reject 1 s windows. */
#ifndef LP_FREQ_MAX_W
#define LP_FREQ_MAX_W 512u
#endif
/** Blocks queued between lp_freq_push() and lp_freq_poll() (power of two). */
#define LP_FREQ_QUEUE 32u

/** Estimates kept between computation, publication and reading (power of two). */
#define LP_FREQ_EST_RING 8u

/** Sample-rate range, Hz. */
#define LP_FREQ_RATE_MIN_HZ 400.0
#define LP_FREQ_RATE_MAX_HZ 16000.0

/** Configuration. */
typedef struct lp_freq_config {
    double sample_rate_hz;     /**< samples per second, 400..16000 */
    uint16_t nominal_hz;       /**< 50 or 60; tracking range nominal ±5 Hz */
    uint8_t adc_bits;          /**< 8..16; samples are clamped to [-2^(bits-1), 2^(bits-1)-1] */
    double clock_ppm;          /**< sample-clock error, ppm, -1000..+1000: the true rate is
                                    sample_rate_hz·(1 + ppm·1e-6) (positive = clock fast);
                                    frequencies are scaled by (1 + ppm·1e-6) */
    uint32_t window_ms;        /**< least-squares window, ms, 20..1000 (default 100) */
    uint32_t hop_ms;           /**< time between estimates, ms, 0 = one nominal cycle (default),
                                    else 1..1000 (rounded to whole blocks) */
    double collapse_ratio;     /**< invalid below this fraction of the running level,
                                    0.05..0.9 (default 0.2, issue 3) */
    double level_tau_s;        /**< time constant of the running level, s, 0.1..60 (default 2) */
    double min_amplitude_counts; /**< absolute floor of the fundamental peak amplitude, counts,
                                      ≥ 0 (default 20.48 = 1 % of 12-bit full scale, as lp_meter's
                                      "no voltage"; set it for other ADC resolutions) */
} lp_freq_config_t;

/** One estimate. */
typedef struct lp_freq_estimate {
    double t_sample;        /**< instant described (centre of the data), in samples since
                                 init, fractional; seconds = t_sample / sample_rate_hz */
    uint64_t avail_sample;  /**< index of the sample whose push published the estimate */
    double f_hz;            /**< mean frequency over the window, Hz (0 when invalid) */
    double rocof_hz_s;      /**< rate of change of frequency, Hz/s (0 when invalid) */
    double amplitude_counts;/**< fundamental peak amplitude over the last cycle, counts */
    uint8_t valid;          /**< 1 when f_hz and rocof_hz_s are measured values */
    uint8_t settling;       /**< when invalid: 1 if only because the filter and window are
                                 still filling (after init or after the voltage returned) while
                                 the voltage is present; 0 for a missing/collapsed voltage */
} lp_freq_estimate_t;

/** Counters for diagnostics. */
typedef struct lp_freq_stats {
    uint64_t samples;        /**< samples pushed */
    uint32_t clipped;        /**< samples outside the ADC range (clamped) */
    uint32_t overruns;       /**< blocks lost because lp_freq_poll() ran late */
    uint32_t estimates;      /**< estimates produced */
    uint32_t invalid;        /**< of which invalid */
    uint32_t dropped;        /**< estimates overwritten before lp_freq_next() read them */
} lp_freq_stats_t;

/** Estimator state. Treat as opaque; allocate it yourself (static or on a stack). */
typedef struct lp_freq {
    lp_freq_config_t cfg;
    /* per-sample state (ISR) */
    int16_t lo_c[LP_FREQ_MAX_N], lo_s[LP_FREQ_MAX_N]; /* cos, -sin, amplitude lo_amp */
    int32_t p0c, p0s;         /* block moments: sum of products */
    int32_t p1c, p1s;         /* ... and sum of running sums (second integrator) */
    uint32_t idx, n;          /* LO index, N */
    uint32_t bcount, b;       /* samples in current block, B */
    int32_t adc_min, adc_max;
    uint32_t clipped;
    int32_t q_p0c[LP_FREQ_QUEUE], q_p0s[LP_FREQ_QUEUE]; /* queued block moments */
    int32_t q_p1c[LP_FREQ_QUEUE], q_p1s[LP_FREQ_QUEUE];
    volatile uint32_t q_w;    /* blocks written (ISR) */
    uint32_t q_r;             /* blocks read (poll) */
    /* per-block state (poll) */
    uint32_t k;               /* blocks per demodulation cycle */
    uint64_t i1c, i1s, i2c, i2s; /* sample-level integrators at block ends, wrap mod 2^64 */
    uint64_t comb_c[4][LP_FREQ_MAX_K]; /* histories: I2, first comb, second comb, I1 */
    uint64_t comb_s[4][LP_FREQ_MAX_K];
    uint64_t acc_c, acc_s;    /* K-block moving sum of the second comb */
    uint32_t comb_i;
    uint64_t blocks;          /* blocks processed */
    float zc_prev, zs_prev;   /* previous filter output */
    float dphi[LP_FREQ_MAX_W];/* phase differences, ring */
    uint32_t dphi_i;
    uint32_t w;               /* window, in phase differences */
    uint32_t hop, hop_count;
    uint32_t run;             /* consecutive good blocks */
    uint32_t need;            /* good blocks needed for a valid estimate */
    float level, amp;         /* running level, last-cycle amplitude (counts) */
    float amp_scale;          /* counts per |z1| */
    int32_t lo_amp;           /* oscillator amplitude (power of two <= 2^14) */
    float floor_amp, ratio;
    float level_alpha;
    double fd_hz, blocks_per_s, scale;   /* f_d, fs/B, (1 + ppm) */
    double inv_su2, inv_sq2;  /* 1/Σu², 1/Σq² over the window */
    float mu2;                /* mean u² over the window */
    float d0;                 /* phase step of the last estimate, rad/block (offset) */
    double kf, kr;            /* Hz per rad/block, Hz/s per rad/block² (clock-corrected) */
    double centre_lag;        /* samples between a block's last sample and its filter centre */
    double t_back;            /* samples from the end of the newest block to an estimate's centre */
    lp_freq_estimate_t est[LP_FREQ_EST_RING]; /* computed estimates, ring */
    uint64_t est_blk[LP_FREQ_EST_RING];        /* newest block of each */
    uint32_t e_tail, e_pub, e_read;           /* computed, published, read (counters) */
    uint32_t hold;            /* blocks an estimate is held before publication */
    uint32_t estimates, invalid, overruns, dropped;
} lp_freq_t;

/** Events returned by lp_freq_push() / lp_freq_poll(). */
enum {
    LP_FREQ_EV_NONE = 0,
    LP_FREQ_EV_BLOCK = 1,     /**< push: a block is queued; call lp_freq_poll() soon */
    LP_FREQ_EV_ESTIMATE = 2   /**< poll: lp_freq_estimate() has a new estimate */
};

/**
 * @brief Defaults: 4000 Hz, 50 Hz, 12 bits, 0 ppm, 100 ms window, one estimate per cycle,
 *        collapse ratio 0.2, level time constant 2 s, floor 1 % of full scale.
 * @param cfg [out]; NULL → LP_ERR_NULL.
 * @return LP_OK or LP_ERR_NULL.
 */
lp_status_t lp_freq_config_default(lp_freq_config_t *cfg);

/**
 * @brief Check a configuration without initialising anything (same rules as lp_freq_init()).
 * @return as lp_freq_init().
 */
lp_status_t lp_freq_config_check(const lp_freq_config_t *cfg);

/**
 * @brief Initialise an estimator (chooses N, B and f_d; fills the oscillator table).
 * @param f   [out] storage owned by the caller.
 * @param cfg configuration, copied.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_METER_RATE (rate outside 400..16000 Hz or not finite);
 *         LP_ERR_METER_NOMINAL (not 50/60); LP_ERR_METER_ADC_BITS (outside 8..16);
 *         LP_ERR_METER_FREQ_CONFIG (clock_ppm, window_ms, hop_ms, collapse_ratio,
 *         level_tau_s or min_amplitude_counts outside its range, or a window longer than
 *         LP_FREQ_MAX_W blocks). On error *f is untouched.
 */
lp_status_t lp_freq_init(lp_freq_t *f, const lp_freq_config_t *cfg);

/**
 * @brief Push one voltage sample. Integer only, no division, bounded time.
 * @param f initialised estimator (not checked, for speed).
 * @param v voltage sample, ADC counts; clamped to the ADC range (counted in stats).
 * @return LP_FREQ_EV_BLOCK when a block was queued (every B samples), else LP_FREQ_EV_NONE.
 *         Call lp_freq_poll() before LP_FREQ_QUEUE blocks accumulate.
 */
unsigned lp_freq_push(lp_freq_t *f, int32_t v);

/**
 * @brief Process queued blocks (float): filter, phase, validity, estimates.
 * @param f estimator; NULL returns 0.
 * @return LP_FREQ_EV_ESTIMATE when at least one new estimate was made (only the last one is
 *         kept: poll at least once per hop), else 0.
 */
unsigned lp_freq_poll(lp_freq_t *f);

/**
 * @brief Copy the last published estimate.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_STATE when no estimate was published yet.
 */
lp_status_t lp_freq_estimate(const lp_freq_t *f, lp_freq_estimate_t *out);

/**
 * @brief Pop the oldest published estimate not read yet (every estimate, in order of t;
 *        up to LP_FREQ_EST_RING are kept, older ones are dropped and counted).
 * @return LP_OK; LP_ERR_NULL; LP_ERR_STATE when there is none.
 */
lp_status_t lp_freq_next(lp_freq_t *f, lp_freq_estimate_t *out);

/**
 * @brief Delay between the instant an estimate describes and the sample that completes it,
 *        seconds (maximum over the block phase). 0 for NULL.
 */
double lp_freq_delay_s(const lp_freq_t *f);

/**
 * @brief Demodulation frequency f_d = fs/N, Hz (0 for NULL).
 */
double lp_freq_demod_hz(const lp_freq_t *f);

/**
 * @brief Copy the diagnostic counters.
 * @return LP_OK or LP_ERR_NULL.
 */
lp_status_t lp_freq_stats(const lp_freq_t *f, lp_freq_stats_t *out);

#ifdef __cplusplus
}
#endif
#endif /* LP_FREQ_H */
