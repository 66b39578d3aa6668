/* lp_freq.c - grid frequency and ROCOF estimator (see lp_freq.h, docs/frequency.md). */
#include "lp_freq.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define TWO_PI 6.283185307179586
#ifndef LP_FREQ_K_PREF
#define LP_FREQ_K_PREF 5.0 /* preferred blocks per demodulation cycle */
#endif

static int finite_in(double x, double lo, double hi)
{
    return x == x && x >= lo && x <= hi;
}

/* uint32 -> int32 two's complement without implementation-defined conversion. */
static int32_t s32(uint32_t u)
{
    if (u <= (uint32_t)INT32_MAX) return (int32_t)u;
    return -(int32_t)(~u) - 1;
}

/* A value held modulo 2^64 (two's complement) to float, with two hardware conversions
 * instead of the soft int64 conversion; one rounding at the end (relative error 6e-8). */
static float u64f(uint64_t u)
{
    return (float)s32((uint32_t)(u >> 32)) * 4294967296.0f + (float)(uint32_t)u;
}


lp_status_t lp_freq_config_default(lp_freq_config_t *cfg)
{
    if (!cfg) return LP_ERR_NULL;
    memset(cfg, 0, sizeof *cfg);
    cfg->sample_rate_hz = 4000.0;
    cfg->nominal_hz = 50;
    cfg->adc_bits = 12;
    cfg->clock_ppm = 0.0;
    cfg->window_ms = 100;
    cfg->hop_ms = 0;
    cfg->collapse_ratio = 0.2;
    cfg->level_tau_s = 2.0;
    cfg->min_amplitude_counts = 0.01 * 2048.0;
    return LP_OK;
}

/* Choose N = K·B (samples per demodulation cycle) nearest fs/f0, with K in 4..16 blocks per
 * cycle and K as close to 8 as possible (8 blocks per cycle keep the per-block work small
 * while the decimated filter output still sees every harmonic null, see docs). */
static void choose_nkb(double per, uint32_t *n, uint32_t *k, uint32_t *b)
{
    double best = 1e9;
    for (uint32_t kk = 4; kk <= LP_FREQ_MAX_K; kk++) {
        for (uint32_t bb = 1; bb * kk <= LP_FREQ_MAX_N; bb++) {
            double nn = (double)(kk * bb);
            double cost = fabs(nn - per) * 1000.0 + fabs((double)kk - LP_FREQ_K_PREF);
            if (cost < best) { best = cost; *n = kk * bb; *k = kk; *b = bb; }
        }
    }
}

/* Validates cfg and derives N, K, B, the window (in phase steps) and the hop. */
static lp_status_t derive(const lp_freq_config_t *cfg, uint32_t *n, uint32_t *k, uint32_t *b,
                          uint32_t *w, uint32_t *hop)
{
    if (!cfg) return LP_ERR_NULL;
    if (!finite_in(cfg->sample_rate_hz, LP_FREQ_RATE_MIN_HZ, LP_FREQ_RATE_MAX_HZ))
        return LP_ERR_METER_RATE;
    if (cfg->nominal_hz != 50 && cfg->nominal_hz != 60) return LP_ERR_METER_NOMINAL;
    if (cfg->adc_bits < 8 || cfg->adc_bits > 16) return LP_ERR_METER_ADC_BITS;
    if (!finite_in(cfg->clock_ppm, -1000.0, 1000.0) || cfg->window_ms < 20 ||
        cfg->window_ms > 1000 || cfg->hop_ms > 1000 ||
        !finite_in(cfg->collapse_ratio, 0.05, 0.9) || !finite_in(cfg->level_tau_s, 0.1, 60.0) ||
        !finite_in(cfg->min_amplitude_counts, 0.0, 1e9))
        return LP_ERR_METER_FREQ_CONFIG;
    double fs = cfg->sample_rate_hz;
    choose_nkb(fs / (double)cfg->nominal_hz, n, k, b);
    double bps = fs / (double)*b;
    double wd = floor((double)cfg->window_ms * 1e-3 * bps + 0.5);
    if (wd < 2.0 || wd > (double)LP_FREQ_MAX_W) return LP_ERR_METER_FREQ_CONFIG;
    *w = (uint32_t)wd;
    if (cfg->hop_ms == 0) {
        *hop = (uint32_t)floor(fs / (double)cfg->nominal_hz / (double)*b);
    } else {
        *hop = (uint32_t)floor((double)cfg->hop_ms * 1e-3 * bps + 0.5);
    }
    if (*hop < 1) *hop = 1;
    return LP_OK;
}

lp_status_t lp_freq_config_check(const lp_freq_config_t *cfg)
{
    uint32_t n, k, b, w, hop;
    return derive(cfg, &n, &k, &b, &w, &hop);
}

lp_status_t lp_freq_init(lp_freq_t *f, const lp_freq_config_t *cfg)
{
    if (!f || !cfg) return LP_ERR_NULL;
    uint32_t n = 0, k = 0, b = 0, wn = 0, hop = 0;
    lp_status_t st = derive(cfg, &n, &k, &b, &wn, &hop);
    if (st != LP_OK) return st;
    double fs = cfg->sample_rate_hz;
    double bps = fs / (double)b;
    memset(f, 0, sizeof *f);
    f->cfg = *cfg;
    f->n = n; f->k = k; f->b = b;
    /* oscillator amplitude: the block moments must stay below 2^30:
     * |p1| <= B(B+1)/2 · 2^(bits-1) · lo_amp */
    int sh = 30 - (cfg->adc_bits - 1);
    uint32_t tri = b * (b + 1u) / 2u;
    while (tri > 1u) { sh--; tri = (tri + 1u) / 2u; }
    if (sh > 14) sh = 14;
    double lo_amp = ldexp(1.0, sh);
    for (uint32_t i = 0; i < n; i++) {
        double th = TWO_PI * (double)i / (double)n;
        f->lo_c[i] = (int16_t)floor(lo_amp * cos(th) + 0.5);
        f->lo_s[i] = (int16_t)floor(-lo_amp * sin(th) + 0.5);
    }
    f->lo_amp = (int32_t)lo_amp;
    f->adc_max = (int32_t)((1L << (cfg->adc_bits - 1)) - 1);
    f->adc_min = -f->adc_max - 1;
    f->w = wn;
    f->hop = hop;
    f->hold = k + k / 2u; /* 1.5 demodulation cycles: the one-cycle amplitude check lags */
    f->need = LP_FREQ_STAGES * k + f->w;
    f->amp_scale = (float)(2.0 / ((double)n * lo_amp));
    f->floor_amp = (float)cfg->min_amplitude_counts;
    f->ratio = (float)cfg->collapse_ratio;
    f->level_alpha = (float)(1.0 - exp(-1.0 / (bps * cfg->level_tau_s)));
    f->fd_hz = fs / (double)n;
    f->blocks_per_s = bps;
    f->scale = 1.0 + cfg->clock_ppm * 1e-6;
    /* w+1 phase points, centred abscissa u = i - w/2 */
    double np = (double)f->w + 1.0, mu2 = (np * np - 1.0) / 12.0;
    f->inv_su2 = 12.0 / (np * (np * np - 1.0));
    f->mu2 = (float)mu2;
    f->inv_sq2 = 1.0 / (np * (np * np - 1.0) * (3.0 * np * np - 7.0) / 240.0 - np * mu2 * mu2);
    f->kf = bps / TWO_PI * f->scale;
    f->kr = 2.0 * bps * bps / TWO_PI * f->scale * f->scale;
    /* triangle of 2N-1 samples (two one-cycle sums) ending at the block's last sample, then a
     * K-block moving sum: centre (N-1) + (K-1)·B/2 samples before the block's last sample */
    f->centre_lag = ((double)n - 1.0) + ((double)k - 1.0) * (double)b / 2.0;
    f->t_back = 0.5 * (double)f->w * (double)b + 1.0 + f->centre_lag;
    return LP_OK;
}

unsigned lp_freq_push(lp_freq_t *f, int32_t v)
{
    if (v > f->adc_max) { v = f->adc_max; f->clipped++; }
    else if (v < f->adc_min) { v = f->adc_min; f->clipped++; }
    uint32_t i = f->idx;
    int32_t a = f->p0c + v * (int32_t)f->lo_c[i];
    int32_t b = f->p0s + v * (int32_t)f->lo_s[i];
    if (++i == f->n) i = 0;
    f->idx = i;
    f->p0c = a; f->p0s = b;
    f->p1c += a; f->p1s += b;
    if (++f->bcount != f->b) return LP_FREQ_EV_NONE;
    uint32_t w = f->q_w & (LP_FREQ_QUEUE - 1u);
    f->q_p0c[w] = a; f->q_p0s[w] = b;
    f->q_p1c[w] = f->p1c; f->q_p1s[w] = f->p1s;
    f->p0c = 0; f->p0s = 0; f->p1c = 0; f->p1s = 0;
    f->bcount = 0;
    f->q_w = f->q_w + 1u;
    return LP_FREQ_EV_BLOCK;
}

/* atan2(y, x) for the phase step between blocks: series for |y| <= x/4 (normal operation,
 * |step| < 0.245 rad; truncation error below 1e-9 rad), libm otherwise. */
static float step_angle(float y, float x)
{
    if (x > 0.0f && y <= 0.25f * x && y >= -0.25f * x) {
        float t = y / x, t2 = t * t;
        return t * (1.0f - t2 * (1.0f / 3.0f - t2 * (1.0f / 5.0f - t2 * (1.0f / 7.0f -
               t2 * (1.0f / 9.0f - t2 * (1.0f / 11.0f - t2 * (1.0f / 13.0f)))))));
    }
    if (x == 0.0f && y == 0.0f) return 0.0f;
    return atan2f(y, x);
}

/* Least-squares fit of the unwrapped phase over the window, into the estimate ring. */
static void make_estimate(lp_freq_t *f, int valid)
{
    if (f->e_tail - f->e_read >= LP_FREQ_EST_RING) { /* consumer late: drop the oldest */
        f->e_read++;
        f->dropped++;
        if ((int32_t)(f->e_pub - f->e_read) < 0) f->e_pub = f->e_read;
    }
    uint32_t slot = f->e_tail & (LP_FREQ_EST_RING - 1u);
    lp_freq_estimate_t *e = &f->est[slot];
    uint64_t blk = f->blocks - 1u; /* index of the newest block */
    f->est_blk[slot] = blk;
    f->e_tail++;
    e->avail_sample = (blk + 1u) * f->b - 1u;
    e->t_sample = (double)((blk + 1u) * f->b) - f->t_back;
    e->amplitude_counts = (double)f->amp;
    e->valid = (uint8_t)(valid ? 1 : 0);
    e->settling = (uint8_t)(!valid && f->run > 0 ? 1 : 0);
    e->f_hz = 0.0;
    e->rocof_hz_s = 0.0;
    if (!valid) return;
    /* psi_i = sum_{m<i}(dphi_m - d0), i = 0..w, with d0 the previous slope (keeps psi small
     * in float; the fit is exact for any d0); u_i = i - w/2; q_i = u_i^2 - mean(u^2) */
    uint32_t w = f->w, j = f->dphi_i; /* oldest difference */
    float d0 = f->d0, psi = 0.0f, s1 = 0.0f, s2 = 0.0f;
    float u = -0.5f * (float)w, mu2 = f->mu2;
    for (uint32_t i = 0; i < w; i++) {
        s1 += u * psi;
        s2 += (u * u - mu2) * psi;
        psi += f->dphi[j] - d0;
        if (++j == w) j = 0;
        u += 1.0f;
    }
    s1 += u * psi;
    s2 += (u * u - mu2) * psi;
    double slope = (double)d0 + (double)s1 * f->inv_su2;  /* rad per block */
    f->d0 = (float)slope;
    e->f_hz = f->fd_hz * f->scale + slope * f->kf;
    e->rocof_hz_s = (double)s2 * f->inv_sq2 * f->kr;
}

/* Publish held estimates: all of them (invalid) when the newest block failed, else those
 * held for f->hold blocks. Returns 1 when something was published. */
static int publish(lp_freq_t *f, int good)
{
    int any = 0;
    uint64_t now = f->blocks - 1u;
    while (f->e_pub != f->e_tail) {
        uint32_t slot = f->e_pub & (LP_FREQ_EST_RING - 1u);
        lp_freq_estimate_t *e = &f->est[slot];
        if (good && now - f->est_blk[slot] < f->hold) break;
        if (!good) { e->valid = 0; e->settling = 0; e->f_hz = 0.0; e->rocof_hz_s = 0.0; }
        e->avail_sample = (now + 1u) * f->b - 1u;
        f->estimates++;
        if (!e->valid) f->invalid++;
        f->e_pub++;
        any = 1;
    }
    return any;
}

unsigned lp_freq_poll(lp_freq_t *f)
{
    if (!f) return 0;
    unsigned ev = 0;
    uint32_t qw = f->q_w;
    if (qw - f->q_r > LP_FREQ_QUEUE) {
        f->overruns += (qw - f->q_r) - LP_FREQ_QUEUE;
        f->q_r = qw - LP_FREQ_QUEUE;
        f->run = 0;
    }
    while (f->q_r != qw) {
        uint32_t r = f->q_r & (LP_FREQ_QUEUE - 1u);
        f->q_r++;
        uint32_t ci = f->comb_i;
        uint64_t bb = f->b;
        /* sample-level integrators at the block end: I1 += sum p; I2 += B·I1_prev + p1 */
        uint64_t i1c = f->i1c, i1s = f->i1s;
        uint64_t i2c = f->i2c + bb * i1c + (uint64_t)(int64_t)f->q_p1c[r];
        uint64_t i2s = f->i2s + bb * i1s + (uint64_t)(int64_t)f->q_p1s[r];
        i1c += (uint64_t)(int64_t)f->q_p0c[r];
        i1s += (uint64_t)(int64_t)f->q_p0s[r];
        f->i1c = i1c; f->i1s = i1s; f->i2c = i2c; f->i2s = i2s;
        /* two combs of delay K blocks (= N samples): two one-cycle moving sums */
        uint64_t y1c = i2c - f->comb_c[0][ci], y1s = i2s - f->comb_s[0][ci];
        f->comb_c[0][ci] = i2c; f->comb_s[0][ci] = i2s;
        uint64_t y2c = y1c - f->comb_c[1][ci], y2s = y1s - f->comb_s[1][ci];
        f->comb_c[1][ci] = y1c; f->comb_s[1][ci] = y1s;
        /* third one-cycle sum at block rate: K-block moving sum */
        uint64_t yc = f->acc_c + y2c - f->comb_c[2][ci];
        uint64_t ys = f->acc_s + y2s - f->comb_s[2][ci];
        f->comb_c[2][ci] = y2c; f->comb_s[2][ci] = y2s;
        f->acc_c = yc; f->acc_s = ys;
        /* one-cycle moving sum of I1: fundamental amplitude over the last cycle */
        uint64_t ac = i1c - f->comb_c[3][ci], as = i1s - f->comb_s[3][ci];
        f->comb_c[3][ci] = i1c; f->comb_s[3][ci] = i1s;
        if (++ci == f->k) ci = 0;
        f->comb_i = ci;
        f->blocks++;

        float fac = u64f(ac), fas = u64f(as);
        float amp = sqrtf(fac * fac + fas * fas) * f->amp_scale;
        f->amp = amp;
        int good = amp >= f->floor_amp && amp >= f->ratio * f->level;
        if (amp > f->level) f->level = amp;
        else f->level += f->level_alpha * (amp - f->level);
        if (good) { if (f->run < 0xFFFFFFFFu) f->run++; }
        else f->run = 0;

        /* phase difference to the previous filter output (scaled to keep products small) */
        float zc = u64f(yc) * 2.3283064e-10f, zs = u64f(ys) * 2.3283064e-10f;
        float re = zc * f->zc_prev + zs * f->zs_prev;
        float im = zs * f->zc_prev - zc * f->zs_prev;
        f->zc_prev = zc; f->zs_prev = zs;
        f->dphi[f->dphi_i] = step_angle(im, re);
        if (++f->dphi_i == f->w) f->dphi_i = 0;

        if (++f->hop_count >= f->hop) {
            f->hop_count = 0;
            make_estimate(f, f->run >= f->need);
        }
        /* a collapse is reported at once, even between hops */
        if (!good && f->e_pub == f->e_tail && f->e_pub != 0 &&
            f->est[(f->e_pub - 1u) & (LP_FREQ_EST_RING - 1u)].valid)
            make_estimate(f, 0);
        if (publish(f, good)) ev |= LP_FREQ_EV_ESTIMATE;
    }
    return ev;
}

lp_status_t lp_freq_estimate(const lp_freq_t *f, lp_freq_estimate_t *out)
{
    if (!f || !out) return LP_ERR_NULL;
    if (f->e_pub == 0) return LP_ERR_STATE;
    *out = f->est[(f->e_pub - 1u) & (LP_FREQ_EST_RING - 1u)];
    return LP_OK;
}

lp_status_t lp_freq_next(lp_freq_t *f, lp_freq_estimate_t *out)
{
    if (!f || !out) return LP_ERR_NULL;
    if (f->e_read == f->e_pub) return LP_ERR_STATE;
    *out = f->est[f->e_read & (LP_FREQ_EST_RING - 1u)];
    f->e_read++;
    return LP_OK;
}

double lp_freq_delay_s(const lp_freq_t *f)
{
    if (!f) return 0.0;
    return ((double)f->w * (double)f->b / 2.0 + f->centre_lag + (double)(f->hold * f->b)) /
           f->cfg.sample_rate_hz;
}

double lp_freq_demod_hz(const lp_freq_t *f)
{
    return f ? f->fd_hz : 0.0;
}

lp_status_t lp_freq_stats(const lp_freq_t *f, lp_freq_stats_t *out)
{
    if (!f || !out) return LP_ERR_NULL;
    out->samples = (uint64_t)f->q_w * f->b + f->bcount; /* wraps after 2^32 blocks */
    out->clipped = f->clipped;
    out->overruns = f->overruns;
    out->estimates = f->estimates;
    out->invalid = f->invalid;
    out->dropped = f->dropped;
    return LP_OK;
}
