/* lp_meter.c - streaming single-phase metering engine (see lp_meter.h and docs/metering.md).
 *
 * Split of work:
 *   lp_meter_push()  per sample pair, integer only: offset subtraction, six
 *                    multiply-accumulates, zero-crossing detection.
 *   lp_meter_poll()  per cycle, float: exact DC removal, sinusoidal interpolation
 *                    weights, calibration, energy, report aggregation.
 */
#include "lp_meter.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define DELAY_MASK (LP_METER_DELAY_LEN - 1u)

/* Per-cycle arithmetic precision. Double on hosts and on cores with a double-precision
 * FPU; single precision on ARM cores without one (Cortex-M0+: no FPU; Cortex-M4F:
 * single-precision FPU), where double runs in software at ~15 000 instructions per
 * cycle. Sums stay 64-bit integers and report accumulators stay double in both modes.
 * Override with -DLP_METER_SINGLE_PRECISION=0 or 1. */
#ifndef LP_METER_SINGLE_PRECISION
#if defined(__arm__) && !(defined(__ARM_FP) && (__ARM_FP & 8))
#define LP_METER_SINGLE_PRECISION 1
#else
#define LP_METER_SINGLE_PRECISION 0
#endif
#endif
#if LP_METER_SINGLE_PRECISION
typedef float real_t;
#define R_SQRT sqrtf
#define R_SIN sinf
#define R_FLOOR floorf
#define R_FABS fabsf
#else
typedef double real_t;
#define R_SQRT sqrt
#define R_SIN sin
#define R_FLOOR floor
#define R_FABS fabs
#endif
#define PI_D 3.14159265358979323846

/* Offset tracking: each cycle moves the offset by 1/2^OFFSET_SHIFT of the cycle's
 * residual mean (time constant 8 cycles = 160 ms at 50 Hz). */
#define OFFSET_SHIFT 3
/* Voltage is "present" when its RMS exceeds this fraction of full scale. */
#define VOLTAGE_PRESENT_FRAC 0.01
/* Zero-crossing frequency smoothing: new = old + (measured - old) / FZC_SMOOTH. */
#define FZC_SMOOTH 4.0
/* Interpolation weights are recomputed when the frequency moves by more than this.
 * 2 mHz at 50 Hz shifts the quarter-period (Q) by 6e-5 rad: Q error below 0.01 % of S;
 * the P weights are far less sensitive (exact at zero skew). */
#define WEIGHT_RETUNE_HZ 0.002

static int finite_pos(double x) { return isfinite(x) && x > 0.0; }

lp_status_t lp_meter_config_default(lp_meter_config_t *cfg)
{
    if (cfg == NULL) {
        return LP_ERR_NULL;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->fe.sample_rate_hz = 4000.0;
    cfg->fe.adc_bits = 12;
    cfg->fe.volts_per_count = 400.0 / 2048.0;
    cfg->fe.amps_per_count = 25.0 / 2048.0;
    cfg->fe.skew_us = 0.0;
    cfg->fe.v_gain = 1.0;
    cfg->fe.i_gain = 1.0;
    cfg->fe.phase_deg = 0.0;
    cfg->fe.i_noise_rms_counts = 0.0;
    cfg->fe.v_noise_rms_counts = 0.0;
    cfg->fe.nominal_hz = 50;
    cfg->report_ms = 1000;
    cfg->freq_window_ms = 100;
    return LP_OK;
}

/* Total shift of the voltage relative to the current's sample instant, in samples. */
static double shift_samples(const lp_meter_frontend_t *fe)
{
    double phase_s = fe->phase_deg / (360.0 * (double)fe->nominal_hz);
    return (fe->skew_us * 1e-6 - phase_s) * fe->sample_rate_hz;
}

static int32_t floor_i32(double x) { return (int32_t)floor(x); }

/* Quarter-period tap for frequency f (Hz). */
static int32_t quad_tap(const lp_meter_t *m, double f_hz)
{
    double tq = shift_samples(&m->cfg.fe) - m->cfg.fe.sample_rate_hz / (4.0 * f_hz);
    return floor_i32(tq);
}

static void set_cycle_bounds(lp_meter_t *m, int voltage_present)
{
    double fs = m->cfg.fe.sample_rate_hz;
    double fn = (double)m->cfg.fe.nominal_hz;
    if (voltage_present) {
        /* accept 0.75..1.3 x nominal: 37.5..65 Hz at 50 Hz, 45..78 Hz at 60 Hz */
        m->n_min = (uint32_t)(fs / (fn * 1.3));
        m->n_max = (uint32_t)(fs / (fn * 0.75)) + 1u;
    } else {
        uint32_t n = (uint32_t)(fs / fn + 0.5);
        m->n_min = n;
        m->n_max = n;
    }
    if (m->n_min < 2u) {
        m->n_min = 2u;
    }
}

/* The embedded frequency estimator's configuration (lp_freq.h defaults otherwise). */
static void freq_config(const lp_meter_config_t *cfg, lp_freq_config_t *fc)
{
    lp_freq_config_default(fc);
    fc->sample_rate_hz = cfg->fe.sample_rate_hz;
    fc->nominal_hz = cfg->fe.nominal_hz;
    fc->adc_bits = cfg->fe.adc_bits;
    fc->clock_ppm = cfg->fe.clock_ppm;
    fc->window_ms = cfg->freq_window_ms;
    fc->min_amplitude_counts = VOLTAGE_PRESENT_FRAC * (double)((1L << (cfg->fe.adc_bits - 1)) - 1);
}

/* Collect the frequency estimates published since the last call (per cycle and per report). */
static void freq_collect(lp_meter_t *m)
{
    lp_freq_estimate_t e;
    if (!lp_freq_poll(&m->freq)) {
        return;
    }
    while (lp_freq_next(&m->freq, &e) == LP_OK) {
        if (e.valid) {
            m->c_fsum += e.f_hz;
            m->c_rsum += e.rocof_hz_s;
            m->c_tsum += e.t_sample;
            m->c_fn++;
            m->r_fsum += e.f_hz;
            m->r_rsum += e.rocof_hz_s;
            m->r_tsum += e.t_sample;
            m->r_fn_est++;
        } else if (!e.settling) {
            m->c_finv++;
            m->r_finv++;
        }
    }
}

/* Window frequency: mean of the valid estimates when there is no invalid one, moved from
 * their mean instant to the centre of the delayed window with their mean ROCOF. */
static void freq_values(const lp_meter_t *m, lp_meter_values_t *v, double fsum, double rsum,
                        double tsum, uint32_t n, uint32_t ninv)
{
    if (n > 0u && ninv == 0u) {
        double fs = m->cfg.fe.sample_rate_hz;
        double tc = (double)v->first_sample + 0.5 * (double)v->n_samples - 0.5 -
                    lp_freq_delay_s(&m->freq) * fs;
        v->rocof_hz_s = rsum / (double)n;
        v->f_hz = fsum / (double)n + v->rocof_hz_s * (tc - tsum / (double)n) / fs;
        v->f_valid = 1;
    } else {
        v->f_hz = 0.0;
        v->rocof_hz_s = 0.0;
        v->f_valid = 0;
    }
}

lp_status_t lp_meter_init(lp_meter_t *m, const lp_meter_config_t *cfg)
{
    if (m == NULL || cfg == NULL) {
        return LP_ERR_NULL;
    }
    const lp_meter_frontend_t *fe = &cfg->fe;
    if (!isfinite(fe->sample_rate_hz) || fe->sample_rate_hz < LP_METER_RATE_MIN_HZ ||
        fe->sample_rate_hz > LP_METER_RATE_MAX_HZ) {
        return LP_ERR_METER_RATE;
    }
    if (fe->adc_bits < 8u || fe->adc_bits > 16u) {
        return LP_ERR_METER_ADC_BITS;
    }
    if (!finite_pos(fe->volts_per_count) || !finite_pos(fe->amps_per_count)) {
        return LP_ERR_METER_SCALE;
    }
    if (fe->nominal_hz != 50u && fe->nominal_hz != 60u) {
        return LP_ERR_METER_NOMINAL;
    }
    if (!isfinite(fe->skew_us) || !isfinite(fe->phase_deg) || fabs(fe->phase_deg) > 20.0) {
        return LP_ERR_METER_SKEW;
    }
    double sh = shift_samples(fe);
    if (!(sh > -8.0 && sh < 1.0)) {
        return LP_ERR_METER_SKEW;
    }
    if (!isfinite(fe->v_gain) || !isfinite(fe->i_gain) || fe->v_gain < 0.5 || fe->v_gain > 2.0 ||
        fe->i_gain < 0.5 || fe->i_gain > 2.0 || !isfinite(fe->i_noise_rms_counts) ||
        !isfinite(fe->v_noise_rms_counts) || fe->i_noise_rms_counts < 0.0 ||
        fe->v_noise_rms_counts < 0.0) {
        return LP_ERR_METER_GAIN;
    }
    if (cfg->report_ms < LP_METER_REPORT_MIN_MS || cfg->report_ms > LP_METER_REPORT_MAX_MS) {
        return LP_ERR_METER_REPORT;
    }
    lp_freq_config_t fcfg;
    freq_config(cfg, &fcfg);
    if (!isfinite(fe->clock_ppm) || lp_freq_config_check(&fcfg) != LP_OK) {
        return LP_ERR_METER_FREQ_CONFIG;
    }

    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->adc_max = (int32_t)((1u << (fe->adc_bits - 1u)) - 1u);
    m->adc_min = -m->adc_max - 1;
    m->hyst = m->adc_max / 100 + 1; /* until the first cycle gives the amplitude */
    m->f_est_hz = (double)fe->nominal_hz;
    m->tau_s = sh / fe->sample_rate_hz;
    m->jp = floor_i32(sh);
    m->jq = quad_tap(m, m->f_est_hz);
    m->acc.jq = m->jq;
    set_cycle_bounds(m, 1);
    m->was_present = 1;
    m->w_jq_f_hz = m->f_est_hz;
    m->v_per_count = fe->volts_per_count * fe->v_gain;
    m->a_per_count = fe->amps_per_count * fe->i_gain;
    m->w_per_count2 = m->v_per_count * m->a_per_count;
    m->v_noise_var = fe->v_noise_rms_counts * fe->v_noise_rms_counts;
    m->i_noise_var = fe->i_noise_rms_counts * fe->i_noise_rms_counts;
    m->uwh_per_w_sample = 1e6 / 3600.0 / fe->sample_rate_hz;
    {
        double thr = VOLTAGE_PRESENT_FRAC * (double)m->adc_max;
        m->present_var = thr * thr / 2.0; /* variance of a sine whose peak is thr */
    }
    (void)lp_freq_init(&m->freq, &fcfg); /* checked above */
    m->report_k = 1;
    m->report_next_end = (uint64_t)((double)cfg->report_ms * fe->sample_rate_hz / 1000.0 + 0.5);
    return LP_OK;
}

lp_status_t lp_meter_set_energy(lp_meter_t *m, uint64_t import_uwh, uint64_t export_uwh)
{
    if (m == NULL) {
        return LP_ERR_NULL;
    }
    m->energy_import_uwh = import_uwh;
    m->energy_export_uwh = export_uwh;
    m->rem_import_uwh = 0.0;
    m->rem_export_uwh = 0.0;
    return LP_OK;
}

static int32_t clamp(int32_t x, int32_t lo, int32_t hi, uint32_t *count)
{
    if (x < lo) {
        (*count)++;
        return lo;
    }
    if (x > hi) {
        (*count)++;
        return hi;
    }
    return x;
}

static void acc_merge(lp_meter_acc_t *dst, const lp_meter_acc_t *src)
{
    dst->svm += src->sv;
    dst->sim += src->si;
    dst->svv += src->svv;
    dst->sii += src->sii;
    dst->cp0 += src->cp0;
    dst->cp1 += src->cp1;
    dst->cq0 += src->cq0;
    dst->cq1 += src->cq1;
    dst->n += src->n;
    dst->zc_before = src->zc_before;
    dst->zc_after = src->zc_after;
    dst->crossed = src->crossed;
    dst->merged = 1;
}

unsigned lp_meter_push(lp_meter_t *m, int32_t v, int32_t i)
{
    v = clamp(v, m->adc_min, m->adc_max, &m->stats.clipped_v);
    i = clamp(i, m->adc_min, m->adc_max, &m->stats.clipped_i);
    (void)lp_freq_push(&m->freq, v); /* blocks are processed in lp_meter_poll() */

    uint32_t w = (m->widx + 1u) & DELAY_MASK;
    m->delay[w] = (int16_t)v;
    m->widx = w;
    if (!m->started) {
        m->started = 1;
        m->i_prev = i;
        return LP_METER_EV_NONE;
    }

    /* Process sample m = the previous one: voltage delay[w-1], current i_prev.
     * The voltage of sample m+1 (just stored) is available for interpolation. */
    lp_meter_acc_t *a = &m->acc;
    const int32_t ov = m->off_v;
    const int32_t vm = m->delay[(w - 1u) & DELAY_MASK] - ov;
    const int32_t vn = v - ov;
    const int32_t im = m->i_prev - m->off_i;
    m->i_prev = i;

    a->sv += vm;
    a->si += im;
    a->svv += (int64_t)vm * vm;
    a->sii += (int64_t)im * im;
    {
        uint32_t kp = (w - 1u + (uint32_t)m->jp) & DELAY_MASK;
        int32_t p0 = m->delay[kp] - ov;
        int32_t p1 = m->delay[(kp + 1u) & DELAY_MASK] - ov;
        a->cp0 += (int64_t)p0 * im;
        a->cp1 += (int64_t)p1 * im;
    }
    {
        uint32_t kq = (w - 1u + (uint32_t)a->jq) & DELAY_MASK;
        int32_t q0 = m->delay[kq] - ov;
        int32_t q1 = m->delay[(kq + 1u) & DELAY_MASK] - ov;
        a->cq0 += (int64_t)q0 * im;
        a->cq1 += (int64_t)q1 * im;
    }
    a->n++;

    if (vm < -m->hyst) {
        m->armed = 1;
    }
    int crossed = m->armed && vm < 0 && vn >= 0 && a->n >= m->n_min;
    if (!crossed && a->n < m->n_max) {
        return LP_METER_EV_NONE;
    }

    /* The cycle closes after sample m. */
    a->crossed = (uint8_t)crossed;
    a->zc_before = vm;
    a->zc_after = vn;
    if (!crossed) {
        m->stats.forced_cycles++;
    }
    if (m->pending) {
        acc_merge(&m->done, a);
        m->stats.merged_cycles++;
    } else {
        m->done = *a;
        m->done.svm = a->sv;
        m->done.sim = a->si;
        m->done_first = m->cycle_first;
        m->pending = 1;
    }
    m->cycle_first += a->n;
    memset(a, 0, sizeof *a);
    a->jq = m->jq;
    m->armed = 0;
    return LP_METER_EV_CYCLE_PENDING;
}

/* Sinusoidal interpolation of samples at integer offsets t1 = j and t2 = j + 1 to
 * the offset t (all in samples), for angular frequency w (rad/sample):
 * x(t) = [sin(w(t2 - t)) x(t1) + sin(w(t - t1)) x(t2)] / sin(w). */
static void sin_weights(real_t w, real_t t, int32_t j, double *a1, double *a2)
{
    real_t s = R_SIN(w);
    *a1 = (double)(R_SIN(w * ((real_t)j + (real_t)1 - t)) / s);
    *a2 = (double)(R_SIN(w * (t - (real_t)j)) / s);
}

static void energy_add(lp_meter_t *m, real_t p_w, uint32_t n)
{
    real_t uwh = p_w * (real_t)n * (real_t)m->uwh_per_w_sample;
    if (uwh >= (real_t)0) {
        real_t total = uwh + (real_t)m->rem_import_uwh;
        real_t whole = R_FLOOR(total);
        m->rem_import_uwh = (double)(total - whole);
        m->energy_import_uwh += (uint64_t)whole;
    } else {
        real_t total = -uwh + (real_t)m->rem_export_uwh;
        real_t whole = R_FLOOR(total);
        m->rem_export_uwh = (double)(total - whole);
        m->energy_export_uwh += (uint64_t)whole;
    }
}

static void report_close(lp_meter_t *m, uint64_t end)
{
    lp_meter_report_t *r = &m->report;
    const lp_meter_frontend_t *fe = &m->cfg.fe;
    double n = (double)m->r_n;
    double vms = m->r_vvar / n - fe->v_noise_rms_counts * fe->v_noise_rms_counts;
    double ims = m->r_ivar / n - fe->i_noise_rms_counts * fe->i_noise_rms_counts;
    memset(r, 0, sizeof *r);
    r->v.vrms_v = sqrt(vms > 0.0 ? vms : 0.0) * fe->volts_per_count * fe->v_gain;
    r->v.irms_a = sqrt(ims > 0.0 ? ims : 0.0) * fe->amps_per_count * fe->i_gain;
    r->v.p_w = m->r_p / n;
    r->v.q_var = m->r_q / n;
    r->v.s_va = r->v.vrms_v * r->v.irms_a;
    r->v.pf = r->v.s_va > 0.0 ? r->v.p_w / r->v.s_va : 0.0;
    if (r->v.pf > 1.0) {
        r->v.pf = 1.0;
    } else if (r->v.pf < -1.0) {
        r->v.pf = -1.0;
    }
    r->v.f_zc_hz = m->r_fn > 0u ? m->r_f / (double)m->r_fn : 0.0;
    r->v.first_sample = m->r_first;
    r->v.n_samples = m->r_n;
    r->v.n_cycles = m->r_cycles;
    r->v.voltage_present = m->r_vpresent;
    freq_values(m, &r->v, m->r_fsum, m->r_rsum, m->r_tsum, m->r_fn_est, m->r_finv);
    m->r_fsum = m->r_rsum = m->r_tsum = 0.0;
    m->r_fn_est = m->r_finv = 0;
    r->energy_import_uwh = m->energy_import_uwh;
    r->energy_export_uwh = m->energy_export_uwh;
    r->seq = m->report_seq++;
    m->report_ready = 1;

    m->r_vvar = m->r_ivar = m->r_p = m->r_q = m->r_f = 0.0;
    m->r_n = m->r_cycles = m->r_fn = 0;
    m->r_first = end;
    m->r_vpresent = 0;
    double per = (double)m->cfg.report_ms * fe->sample_rate_hz / 1000.0;
    while (m->report_next_end <= end) {
        m->report_k++;
        m->report_next_end = (uint64_t)((double)m->report_k * per + 0.5);
    }
}

unsigned lp_meter_poll(lp_meter_t *m)
{
    if (m == NULL || !m->pending) {
        return LP_METER_EV_NONE;
    }
    const lp_meter_acc_t c = m->done;
    const uint64_t first = m->done_first;
    m->pending = 0;

    const lp_meter_frontend_t *fe = &m->cfg.fe;
    const real_t n = (real_t)c.n;
    const real_t mv = (real_t)c.svm / n;
    const real_t mi = (real_t)c.sim / n;
    const real_t dc = mv * mi;
    real_t vvar = (real_t)c.svv / n - mv * mv;
    real_t ivar = (real_t)c.sii / n - mi * mi;
    if (vvar < (real_t)0) {
        vvar = 0;
    }
    if (ivar < (real_t)0) {
        ivar = 0;
    }
    const real_t cp0 = (real_t)c.cp0 / n - dc;
    const real_t cp1 = (real_t)c.cp1 / n - dc;
    const real_t cq0 = (real_t)c.cq0 / n - dc;
    const real_t cq1 = (real_t)c.cq1 / n - dc;

    /* Voltage presence and the zero-crossing frequency. */
    const int present = vvar >= (real_t)m->present_var;
    real_t f_cycle = 0;
    if (present && c.crossed && c.zc_before < c.zc_after) {
        /* crossing between the cycle's last sample and the next, at fraction frac */
        real_t frac = (real_t)c.zc_before / (real_t)(c.zc_before - c.zc_after); /* 0..1 */
        uint64_t last = first + c.n - 1u;
        if (m->zc_prev_valid && !c.merged) {
            real_t period = (real_t)(last - m->zc_prev_index) + frac - (real_t)m->zc_prev_frac;
            if (period > (real_t)0) {
                f_cycle = (real_t)fe->sample_rate_hz / period;
                real_t fn = (real_t)fe->nominal_hz;
                if (f_cycle > (real_t)0.75 * fn && f_cycle < (real_t)1.3 * fn) {
                    m->f_est_hz += ((double)f_cycle - m->f_est_hz) / FZC_SMOOTH;
                } else {
                    f_cycle = 0;
                }
            }
        }
        m->zc_prev_index = last;
        m->zc_prev_frac = (double)frac;
        m->zc_prev_valid = 1;
    } else {
        m->zc_prev_valid = 0;
    }

    /* Interpolation weights at the tracked frequency (nominal without voltage),
     * recomputed only when the frequency moved by more than WEIGHT_RETUNE_HZ or the
     * quadrature tap changed: sin() is the costliest step of a cycle on a small core. */
    const double f_use = present ? m->f_est_hz : (double)fe->nominal_hz;
    if (!m->w_valid || fabs(f_use - m->w_f_hz) > WEIGHT_RETUNE_HZ || c.jq != m->w_jq) {
        const double fs = fe->sample_rate_hz;
        const double w = 2.0 * PI_D * f_use / fs;
        const double tp = m->tau_s * fs;
        const double tq = tp - fs / (4.0 * f_use);
        sin_weights((real_t)w, (real_t)tp, m->jp, &m->w_p[0], &m->w_p[1]);
        sin_weights((real_t)w, (real_t)tq, c.jq, &m->w_q[0], &m->w_q[1]);
        m->w_f_hz = f_use;
        m->w_jq = c.jq;
        m->w_valid = 1;
    }
    const real_t pscale = (real_t)m->w_per_count2;
    const real_t p_w = ((real_t)m->w_p[0] * cp0 + (real_t)m->w_p[1] * cp1) * pscale;
    const real_t q_var = ((real_t)m->w_q[0] * cq0 + (real_t)m->w_q[1] * cq1) * pscale;

    /* Cycle values. */
    lp_meter_values_t *cy = &m->cycle;
    real_t vms = vvar - (real_t)m->v_noise_var;
    real_t ims = ivar - (real_t)m->i_noise_var;
    real_t vrms = R_SQRT(vms > (real_t)0 ? vms : (real_t)0) * (real_t)m->v_per_count;
    real_t irms = R_SQRT(ims > (real_t)0 ? ims : (real_t)0) * (real_t)m->a_per_count;
    real_t s_va = vrms * irms;
    real_t pf = s_va > (real_t)0 ? p_w / s_va : (real_t)0;
    if (pf > (real_t)1) {
        pf = 1;
    } else if (pf < (real_t)-1) {
        pf = -1;
    }
    cy->vrms_v = (double)vrms;
    cy->irms_a = (double)irms;
    cy->p_w = (double)p_w;
    cy->q_var = (double)q_var;
    cy->s_va = (double)s_va;
    cy->pf = (double)pf;
    cy->f_zc_hz = (double)f_cycle;
    cy->first_sample = first;
    cy->n_samples = c.n;
    cy->n_cycles = 1;
    cy->voltage_present = (uint8_t)present;
    freq_collect(m);
    freq_values(m, cy, m->c_fsum, m->c_rsum, m->c_tsum, m->c_fn, m->c_finv);
    m->c_fsum = m->c_rsum = m->c_tsum = 0.0;
    m->c_fn = m->c_finv = 0;
    m->stats.cycles++;
    m->have_cycle = 1;

    energy_add(m, p_w, c.n);

    /* Next cycle's settings: offsets, hysteresis, bounds, quadrature tap. */
    {
        int32_t dv = (int32_t)R_FLOOR(mv + (real_t)0.5);
        int32_t di = (int32_t)R_FLOOR(mi + (real_t)0.5);
        if (!m->offsets_valid) {
            m->off_v += dv;
            m->off_i += di;
            m->offsets_valid = 1;
        } else {
            m->off_v += dv / (1 << OFFSET_SHIFT);
            m->off_i += di / (1 << OFFSET_SHIFT);
            if (dv != 0 && dv / (1 << OFFSET_SHIFT) == 0) {
                m->off_v += dv > 0 ? 1 : -1; /* converge the last counts too */
            }
            if (di != 0 && di / (1 << OFFSET_SHIFT) == 0) {
                m->off_i += di > 0 ? 1 : -1;
            }
        }
    }
    if (present) {
        real_t peak = R_SQRT((real_t)2 * vvar);
        int32_t h = (int32_t)(peak / (real_t)4);
        m->hyst = h > 1 ? h : 1;
    }
    if (present != m->was_present) {
        set_cycle_bounds(m, present);
        m->was_present = (uint8_t)present;
    }
    if (m->w_jq_f_hz != f_use) {
        m->jq = quad_tap(m, f_use);
        m->w_jq_f_hz = f_use;
    }

    /* Report window. */
    unsigned ev = LP_METER_EV_CYCLE;
    if (m->r_n == 0u) {
        m->r_first = first;
    }
    m->r_vvar += (double)(vvar * n);
    m->r_ivar += (double)(ivar * n);
    m->r_p += (double)(p_w * n);
    m->r_q += (double)(q_var * n);
    if (present) {
        m->r_f += f_use * (double)c.n;
        m->r_fn += c.n;
        m->r_vpresent = 1;
    }
    m->r_n += c.n;
    m->r_cycles++;
    const uint64_t end = first + c.n;
    if (end >= m->report_next_end) {
        report_close(m, end);
        ev |= LP_METER_EV_REPORT;
    }
    return ev;
}

lp_status_t lp_meter_cycle(const lp_meter_t *m, lp_meter_values_t *out)
{
    if (m == NULL || out == NULL) {
        return LP_ERR_NULL;
    }
    if (!m->have_cycle) {
        return LP_ERR_STATE;
    }
    *out = m->cycle;
    return LP_OK;
}

lp_status_t lp_meter_report(const lp_meter_t *m, lp_meter_report_t *out)
{
    if (m == NULL || out == NULL) {
        return LP_ERR_NULL;
    }
    if (!m->report_ready) {
        return LP_ERR_STATE;
    }
    *out = m->report;
    return LP_OK;
}

lp_status_t lp_meter_energy(const lp_meter_t *m, uint64_t *import_uwh, uint64_t *export_uwh)
{
    if (m == NULL) {
        return LP_ERR_NULL;
    }
    if (import_uwh != NULL) {
        *import_uwh = m->energy_import_uwh;
    }
    if (export_uwh != NULL) {
        *export_uwh = m->energy_export_uwh;
    }
    return LP_OK;
}

lp_status_t lp_meter_stats(const lp_meter_t *m, lp_meter_stats_t *out)
{
    if (m == NULL || out == NULL) {
        return LP_ERR_NULL;
    }
    *out = m->stats;
    /* pushed = processed (closed cycles + the open one) + the newest, not yet processed */
    out->samples = m->cycle_first + m->acc.n + (m->started ? 1u : 0u);
    return LP_OK;
}
