/**
 * @file lp_meter.h
 * @brief Streaming single-phase metering engine: Vrms, Irms, P, Q, S, PF and
 *        import/export energy from raw ADC sample pairs, every mains cycle and
 *        every report interval.
 *
 * ## Data flow
 * ```
 *  ADC ISR / DMA ──lp_meter_push(v, i)──▶ integer per-sample path (no division, no libm)
 *                                              │ cycle ends (voltage zero crossing)
 *                                              ▼
 *  main loop ─────lp_meter_poll()──────▶ per-cycle float math: lp_meter_cycle()
 *                                              │ report interval reached
 *                                              ▼
 *                                         lp_meter_report()
 * ```
 *
 * ## Method (see docs/metering.md for the derivation and sources)
 * - **Cycles.** A cycle runs from one positive-going zero crossing of the voltage
 *   (with hysteresis at a quarter of the running peak) to the next. With no voltage
 *   (below 1 % of ADC full scale) cycles are cut at the nominal period. Every sample
 *   belongs to exactly one cycle, and every cycle to exactly one report: gapless.
 * - **DC.** A slowly tracked ADC offset (per-cycle means, smoothing 1/8 per cycle,
 *   first value taken from the first cycle) is subtracted per sample to keep the
 *   integers small; each cycle's remaining mean is then removed exactly at cycle end
 *   (Σx² − (Σx)²/N). DC in the current (half-wave loads, inrush) is therefore not
 *   part of Irms or P: results describe the AC quantities, as a current
 *   transformer would see them. Settling: one cycle.
 * - **Skew and phase.** The current of sample m is paired with the voltage
 *   sinusoidally interpolated to the current's instant (channel skew minus sensor
 *   phase lag): v(t) = [sin(ω(t₂−t))·v(t₁) + sin(ω(t−t₁))·v(t₂)] / sin(ωTs),
 *   which is exact for a sinusoid of angular frequency ω. Because the weights are
 *   constant over a cycle, the per-sample path only accumulates the integer
 *   correlations Σ v[m+j]·i[m] and Σ v[m+j+1]·i[m]; the weights are applied at cycle
 *   end with the frequency measured from the zero crossings.
 * - **Reactive power Q1** (IEEE 1459-2010, fundamental reactive power, inductive
 *   positive): the same interpolation evaluates the voltage a quarter period before
 *   the current's instant; Q = mean(v(t − T/4)·i(t)). Exact when the voltage is
 *   sinusoidal; with a distorted voltage each harmonic pair h adds ±V_h·I_h·sin θ_h
 *   (documented bound in docs/metering.md).
 * - **Energy** is accumulated per cycle in integer micro-watt-hours with the
 *   fractional remainder carried to the next cycle (no drift), import when the
 *   cycle's P > 0 and export when P < 0.
 * - **Grid frequency and ROCOF** (f_hz, rocof_hz_s) come from the embedded estimator of
 *   lp_freq.h (demodulation, one-cycle CIC filter, least-squares phase slope; invalid when
 *   the voltage is missing or below 20 % of its running level), fed with the same voltage
 *   samples; see docs/frequency.md.
 *
 * ## Context and memory
 * No malloc, no OS calls, no libm in lp_meter_push(). lp_meter_push() may run in
 * an ISR; lp_meter_poll(), lp_meter_cycle() and lp_meter_report() must run in one
 * thread (the main loop). The engine is not reentrant per instance; separate
 * instances are independent. The caller owns the ::lp_meter_t storage (about
 * 1 KiB for metering plus about 5.5 KiB for the frequency estimator) for the engine's
 * whole life.
 */
#ifndef LP_METER_H
#define LP_METER_H

#include <stdint.h>
#include "lp_status.h"
#include "lp_freq.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Voltage history length in samples (power of two). Must exceed the deepest
 *  quadrature tap, 8 + fs/(4·f_min) + 1: at 8 kHz and f_min = 0.75 × 50 Hz that is 62. */
#define LP_METER_DELAY_LEN 64u

/** Sample-rate range accepted by lp_meter_init(), Hz. */
#define LP_METER_RATE_MIN_HZ 400.0
#define LP_METER_RATE_MAX_HZ 8000.0

/** Report-interval range accepted by lp_meter_init(), ms. */
#define LP_METER_REPORT_MIN_MS 20u
#define LP_METER_REPORT_MAX_MS 3600000u

/** Analogue front end: how ADC counts map to volts and amps. */
typedef struct lp_meter_frontend {
    double sample_rate_hz;    /**< sample pairs per second, 400..8000 */
    uint8_t adc_bits;         /**< 8..16; samples lie in [-2^(bits-1), 2^(bits-1)-1] */
    double volts_per_count;   /**< V per ADC count (> 0, finite), before v_gain */
    double amps_per_count;    /**< A per ADC count (> 0, finite), before i_gain */
    double skew_us;           /**< the current is sampled this long after the voltage, µs
                                   (sequential ADC); with phase_deg the total shift must
                                   stay within (-8, +1) sample periods */
    double v_gain;            /**< voltage calibration gain, 0.5..2 (1 = none) */
    double i_gain;            /**< current calibration gain, 0.5..2 (1 = none) */
    double phase_deg;         /**< phase lag of the current sensor (CT) at nominal frequency,
                                   degrees, -20..+20; applied as a time delay */
    double i_noise_rms_counts;/**< RMS noise of the current channel with no load, counts;
                                   subtracted in quadrature from Irms (0 = none); measure it
                                   with lp_meter_cal_noise() */
    double v_noise_rms_counts;/**< same for the voltage channel */
    uint16_t nominal_hz;      /**< 50 or 60 */
    double clock_ppm;         /**< sample-clock error, ppm, -1000..+1000 (positive = clock fast);
                                   corrects f_hz and rocof_hz_s (see lp_freq.h); 0 = none */
} lp_meter_frontend_t;

/** Engine configuration. */
typedef struct lp_meter_config {
    lp_meter_frontend_t fe;   /**< front end */
    uint32_t report_ms;       /**< report interval, 20..3 600 000 ms (default 1000) */
    uint32_t freq_window_ms;  /**< window of each frequency estimate, 20..1000 ms (default 100;
                                   docs/frequency.md) */
} lp_meter_config_t;

/** Measured values over one cycle or one report window. */
typedef struct lp_meter_values {
    double vrms_v;            /**< RMS voltage over all samples of the window, V */
    double irms_a;            /**< RMS current over all samples of the window, A */
    double p_w;               /**< active power, window mean, W (negative = export) */
    double q_var;             /**< fundamental reactive power Q1, window mean, var, inductive > 0 */
    double s_va;              /**< apparent power Vrms·Irms, VA */
    double pf;                /**< P/S with the sign of P; 0 when S = 0 */
    double f_zc_hz;           /**< frequency from the zero-crossing intervals, Hz; 0 when no voltage */
    double f_hz;              /**< grid frequency from the estimator (lp_freq.h), Hz: mean frequency
                                   of the window shifted back by the estimator delay d (≈0.106 s at
                                   50 Hz, lp_freq_delay_s()), i.e. of [first − d, end − d): the mean
                                   of the estimates published during the window (their instants
                                   cover exactly that span), re-centred with their mean ROCOF
                                   (≤ half an estimate spacing); 0 when f_valid is 0 */
    double rocof_hz_s;        /**< rate of change of frequency, Hz/s, same estimates; 0 when invalid */
    uint8_t f_valid;          /**< 1 when f_hz/rocof_hz_s are measured: at least one valid estimate
                                   and no invalid one (missing or collapsed voltage) in the window */
    uint64_t first_sample;    /**< index (from 0 at init) of the window's first sample pair */
    uint32_t n_samples;       /**< number of sample pairs in the window */
    uint32_t n_cycles;        /**< number of cycles in the window (1 for a cycle) */
    uint8_t voltage_present;  /**< 1 when the voltage was above 1 % of full scale */
} lp_meter_values_t;

/** A report: window values plus the lifetime energy counters at the window's end. */
typedef struct lp_meter_report {
    lp_meter_values_t v;          /**< window values */
    uint64_t energy_import_uwh;   /**< lifetime imported active energy, µWh (wraps modulo 2^64) */
    uint64_t energy_export_uwh;   /**< lifetime exported active energy, µWh (wraps modulo 2^64) */
    uint32_t seq;                 /**< report number since init, from 0 */
} lp_meter_report_t;

/** Counters of unusual input, for diagnostics; never reset except by init. */
typedef struct lp_meter_stats {
    uint64_t samples;             /**< sample pairs pushed */
    uint64_t cycles;              /**< cycles completed */
    uint32_t clipped_v;           /**< voltage samples outside the ADC range (clamped) */
    uint32_t clipped_i;           /**< current samples outside the ADC range (clamped) */
    uint32_t forced_cycles;       /**< cycles cut at the maximum length (no crossing found) */
    uint32_t merged_cycles;       /**< cycles merged because lp_meter_poll() ran late */
} lp_meter_stats_t;

/** Accumulators of one cycle, integer (filled by the per-sample path). Internal.
 *  Σv and Σi fit 32 bits: a cycle holds at most fs/(0.75·f_nom) ≤ 214 samples of
 *  at most 2^17 counts after offset removal. */
typedef struct lp_meter_acc_ {
    int32_t sv, si;               /* Σ v_c, Σ i_c over this cycle */
    int64_t svm, sim;             /* the same, for merged cycles (see done) */
    int64_t svv, sii;             /* Σ v_c², Σ i_c² */
    int64_t cp0, cp1;             /* Σ v_c[m+jp]·i_c[m], Σ v_c[m+jp+1]·i_c[m] */
    int64_t cq0, cq1;             /* Σ v_c[m+jq]·i_c[m], Σ v_c[m+jq+1]·i_c[m] */
    uint32_t n;                   /* samples */
    int32_t zc_before, zc_after;  /* v_c just before / at the closing crossing */
    int32_t jq;                   /* quadrature tap used while accumulating */
    uint8_t crossed;              /* closed by a zero crossing (else forced) */
    uint8_t merged;               /* holds more than one cycle (poll ran late) */
} lp_meter_acc_t;

/** Engine state. Treat as opaque; allocate it yourself (static or on a stack). */
typedef struct lp_meter {
    lp_meter_config_t cfg;
    /* per-sample state */
    int16_t delay[LP_METER_DELAY_LEN];
    uint32_t widx;                /* index of the newest sample in delay (mod LEN) */
    int32_t off_v, off_i;         /* tracked ADC offsets, counts */
    int32_t i_prev;               /* previous raw current sample */
    int32_t hyst;                 /* zero-crossing arming threshold, counts (> 0) */
    int32_t jp;                   /* interpolation tap for P (-8..0) */
    int32_t jq;                   /* quadrature tap for the next cycle (≤ 0) */
    uint32_t n_min, n_max;        /* cycle length bounds, samples */
    int32_t adc_min, adc_max;
    uint8_t armed;
    uint8_t started;              /* first sample seen */
    uint8_t pending;              /* a closed cycle waits for lp_meter_poll() */
    uint8_t offsets_valid;
    lp_meter_acc_t acc;           /* cycle being accumulated */
    lp_meter_acc_t done;          /* closed cycle waiting for poll */
    uint64_t cycle_first;         /* first sample of the cycle being accumulated */
    uint64_t done_first;          /* first sample of the closed cycle */
    /* per-cycle state (float) */
    double f_est_hz;              /* smoothed zero-crossing frequency */
    uint64_t zc_prev_index;       /* last sample before the previous crossing */
    double zc_prev_frac;          /* its fractional position after that sample, 0..1 */
    uint8_t zc_prev_valid;
    uint8_t have_cycle;
    double tau_s;                 /* total voltage shift: skew - sensor phase delay, s */
    double w_p[2], w_q[2];        /* interpolation weights for P and Q */
    double w_f_hz;                /* frequency the weights were computed for */
    int32_t w_jq;                 /* quadrature tap the weights were computed for */
    uint8_t w_valid;
    uint8_t was_present;          /* voltage present in the previous cycle */
    double w_jq_f_hz;             /* frequency jq was computed for */
    double v_per_count, a_per_count, w_per_count2; /* calibrated scales */
    double v_noise_var, i_noise_var;               /* noise floors, counts² */
    double uwh_per_w_sample;      /* µWh per (W · sample) */
    double present_var;           /* voltage variance threshold for "present", counts² */
    double rem_import_uwh;        /* fractional remainders carried forward, µWh, [0, 1) */
    double rem_export_uwh;
    uint64_t energy_import_uwh, energy_export_uwh;
    lp_meter_values_t cycle;      /* last completed cycle */
    /* report window accumulation (double) */
    double r_vvar, r_ivar, r_p, r_q, r_f;   /* Σ over cycles of N·value */
    uint32_t r_n, r_cycles, r_fn;
    uint64_t r_first;
    uint8_t r_vpresent;
    uint64_t report_next_end;     /* sample index at which the current report may close */
    uint64_t report_k;            /* reports closed so far + 1 */
    lp_meter_report_t report;     /* last completed report */
    uint32_t report_seq;
    uint8_t report_ready;
    lp_meter_stats_t stats;
    /* grid frequency estimator (lp_freq.h) and its per-cycle / per-report accumulation */
    lp_freq_t freq;
    double c_fsum, c_rsum, r_fsum, r_rsum;   /* Σ f, Σ ROCOF of valid estimates */
    double c_tsum, r_tsum;                   /* Σ of their instants, samples */
    uint32_t c_fn, c_finv, r_fn_est, r_finv; /* valid / invalid (not settling) estimates */
} lp_meter_t;

/** Events returned by lp_meter_push() and lp_meter_poll(). */
enum {
    LP_METER_EV_NONE = 0,
    LP_METER_EV_CYCLE_PENDING = 1, /**< push: a cycle closed; call lp_meter_poll() before the
                                        next one closes (else the two are merged, see stats) */
    LP_METER_EV_CYCLE = 2,         /**< poll: lp_meter_cycle() has a new cycle */
    LP_METER_EV_REPORT = 4         /**< poll: lp_meter_report() has a new report */
};

/**
 * @brief Fill a configuration with defaults: 4000 Hz, 12 bits, ±400 V and ±25 A full
 *        scale, no skew, unit gains, no phase, no noise floor, 50 Hz, 1000 ms reports.
 * @param cfg [out] configuration to fill; NULL → LP_ERR_NULL.
 * @return LP_OK or LP_ERR_NULL.
 */
lp_status_t lp_meter_config_default(lp_meter_config_t *cfg);

/**
 * @brief Initialise an engine. Energy counters start at 0 (see lp_meter_set_energy()).
 * @param m   [out] engine storage, owned by the caller for the engine's life.
 * @param cfg configuration, copied (the caller may free it after the call).
 * @return LP_OK; LP_ERR_NULL; LP_ERR_METER_RATE (outside 400..8000 Hz);
 *         LP_ERR_METER_ADC_BITS (outside 8..16); LP_ERR_METER_SCALE (a per-count scale not
 *         finite and > 0); LP_ERR_METER_NOMINAL (not 50/60); LP_ERR_METER_SKEW (total shift
 *         outside (-8, +1) sample periods, or |phase_deg| > 20); LP_ERR_METER_GAIN (a gain not
 *         finite or outside 0.5..2, or a noise floor negative or not finite);
 *         LP_ERR_METER_REPORT (report_ms outside 20..3 600 000);
 *         LP_ERR_METER_FREQ_CONFIG (clock_ppm outside ±1000 or not finite, freq_window_ms
 *         outside 20..1000). On error *m is untouched.
 */
lp_status_t lp_meter_init(lp_meter_t *m, const lp_meter_config_t *cfg);

/**
 * @brief Restore the lifetime energy counters (e.g. from flash after a reboot).
 * @param m engine; NULL → LP_ERR_NULL.
 * @param import_uwh, export_uwh counters in µWh.
 * @return LP_OK or LP_ERR_NULL. The fractional remainder is cleared.
 */
lp_status_t lp_meter_set_energy(lp_meter_t *m, uint64_t import_uwh, uint64_t export_uwh);

/**
 * @brief Push one sample pair. Integer only, bounded time (Cortex-M4, -Os: about 126
 *        instructions for metering plus 44 for the frequency estimator's lp_freq_push();
 *        `make bench`), ISR-safe with respect to the other functions only if the
 *        caller prevents lp_meter_poll() from running concurrently on the same engine.
 * @param m engine (must be initialised; not checked here for speed: a NULL m is
 *          undefined behaviour, asserted in debug builds).
 * @param v voltage sample, ADC counts; values outside the ADC range are clamped and
 *          counted in stats.clipped_v.
 * @param i current sample, ADC counts (sampled skew_us after v); clamped likewise.
 * @return LP_METER_EV_CYCLE_PENDING when a cycle closed, else LP_METER_EV_NONE.
 */
unsigned lp_meter_push(lp_meter_t *m, int32_t v, int32_t i);

/**
 * @brief Finish the work of a closed cycle (float math): per-cycle values, offsets,
 *        interpolation weights, energy, and the report when its interval is reached.
 *        Call it from the main loop after push returned LP_METER_EV_CYCLE_PENDING
 *        (calling it at other times is harmless and returns 0).
 * @param m engine; NULL returns 0.
 * @return a bit set of LP_METER_EV_CYCLE and LP_METER_EV_REPORT.
 */
unsigned lp_meter_poll(lp_meter_t *m);

/**
 * @brief Copy the last completed cycle's values.
 * @param m engine; out [out] values.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_STATE when no cycle completed yet.
 */
lp_status_t lp_meter_cycle(const lp_meter_t *m, lp_meter_values_t *out);

/**
 * @brief Copy the last completed report.
 * @param m engine; out [out] report.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_STATE when no report completed yet.
 */
lp_status_t lp_meter_report(const lp_meter_t *m, lp_meter_report_t *out);

/**
 * @brief Current lifetime energy counters, including the cycles completed since the last
 *        report (main-loop context, like lp_meter_poll()).
 * @param m engine; import_uwh, export_uwh [out] counters in µWh (either may be NULL).
 * @return LP_OK or LP_ERR_NULL (m NULL).
 */
lp_status_t lp_meter_energy(const lp_meter_t *m, uint64_t *import_uwh, uint64_t *export_uwh);

/**
 * @brief Copy the input-quality counters.
 * @return LP_OK or LP_ERR_NULL.
 */
lp_status_t lp_meter_stats(const lp_meter_t *m, lp_meter_stats_t *out);

/* ------------------------------------------------------------------------- */
/* Calibration helpers (lp_meter_cal.c). Pure functions, any context.        */
/* ------------------------------------------------------------------------- */

/**
 * @brief Gains from a reference on a resistive load (PF ≈ 1): new gain = old gain ·
 *        reference / measured, for voltage and current. The measured values must come
 *        from the engine running with the old gains.
 * @param fe [in,out] front end whose v_gain and i_gain are updated.
 * @param ref_v, ref_a   reference RMS voltage (V) and current (A), > 0.
 * @param meas_v, meas_a measured RMS voltage (V) and current (A), > 0.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_METER_CAL_INPUT (a value not finite or ≤ 0);
 *         LP_ERR_METER_GAIN (a resulting gain outside 0.5..2). On error fe is unchanged.
 */
lp_status_t lp_meter_cal_gains(lp_meter_frontend_t *fe, double ref_v, double ref_a,
                               double meas_v, double meas_a);

/**
 * @brief Phase correction from a reference on an inductive load (PF about 0.5):
 *        the sensor's phase lag is the measured angle atan2(Q, P) minus the
 *        reference angle atan2(Qref, Pref), added to fe->phase_deg.
 * @param fe [in,out] front end whose phase_deg is updated.
 * @param ref_p_w, ref_q_var   reference active and reactive power (W, var); P > 0.
 * @param meas_p_w, meas_q_var the engine's P and Q with the old phase setting.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_METER_CAL_INPUT (non-finite, P ≤ 0, or the
 *         reference PF above 0.95, which gives too little phase sensitivity);
 *         LP_ERR_METER_SKEW (resulting |phase_deg| > 20). On error fe is unchanged.
 */
lp_status_t lp_meter_cal_phase(lp_meter_frontend_t *fe, double ref_p_w, double ref_q_var,
                               double meas_p_w, double meas_q_var);

/**
 * @brief Noise floor of a channel from a no-load measurement: the RMS, in counts,
 *        that the engine reports with no signal (measured with a zero noise floor).
 * @param fe [in,out] front end; i_noise_rms_counts (or v_...) is set.
 * @param channel 'v' or 'i'.
 * @param meas_rms RMS measured with no signal, in V (channel 'v') or A ('i'), ≥ 0.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_RANGE (channel not 'v'/'i');
 *         LP_ERR_METER_CAL_INPUT (negative or not finite).
 */
lp_status_t lp_meter_cal_noise(lp_meter_frontend_t *fe, char channel, double meas_rms);

#ifdef __cplusplus
}
#endif
#endif /* LP_METER_H */
