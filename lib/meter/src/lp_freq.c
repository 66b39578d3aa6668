/* lp_freq.c - grid frequency and ROCOF estimator (see lp_freq.h, docs/frequency.md). */
#include "lp_freq.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define TWO_PI 6.283185307179586

static int finite_in(double x, double lo, double hi)
{
    return x == x && x >= lo && x <= hi;
}

/* Two's-complement reinterpretation without implementation-defined conversion. */
static int64_t s64(uint64_t u)
{
    if (u <= (uint64_t)INT64_MAX) return (int64_t)u;
    return -(int64_t)(~u) - 1;
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
            double cost = fabs(nn - per) * 1000.0 + fabs((double)kk - 8.0);
            if (cost < best) { best = cost; *n = kk * bb; *k = kk; *b = bb; }
        }
    }
}

lp_status_t lp_freq_init(lp_freq_t *f, const lp_freq_config_t *cfg)
{
    if (!f || !cfg) return LP_ERR_NULL;
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
    uint32_t n = 0, k = 0, b = 0;
    choose_nkb(fs / (double)cfg->nominal_hz, &n, &k, &b);
    double bps = fs / (double)b;
    double wd = floor((double)cfg->window_ms * 1e-3 * bps + 0.5);
    if (wd < 2.0 || wd > (double)LP_FREQ_MAX_W) return LP_ERR_METER_FREQ_CONFIG;
    uint32_t hop;
    if (cfg->hop_ms == 0) {
        hop = (uint32_t)floor(fs / (double)cfg->nominal_hz / (double)b);
    } else {
        hop = (uint32_t)floor((double)cfg->hop_ms * 1e-3 * bps + 0.5);
    }
    if (hop < 1) hop = 1;

    memset(f, 0, sizeof *f);
    f->cfg = *cfg;
    f->n = n; f->k = k; f->b = b;
    for (uint32_t i = 0; i < n; i++) {
        double th = TWO_PI * (double)i / (double)n;
        f->lo_c[i] = (int16_t)floor(16384.0 * cos(th) + 0.5);
        f->lo_s[i] = (int16_t)floor(-16384.0 * sin(th) + 0.5);
    }
    f->adc_max = (int32_t)((1L << (cfg->adc_bits - 1)) - 1);
    f->adc_min = -f->adc_max - 1;
    f->w = (uint32_t)wd;
    f->hop = hop;
    f->hold = k + k / 2u; /* 1.5 demodulation cycles: the one-cycle amplitude check lags */
    f->need = LP_FREQ_STAGES * k + f->w;
    f->amp_scale = (float)(2.0 / ((double)n * 16384.0));
    f->floor_amp = (float)cfg->min_amplitude_counts;
    f->ratio = (float)cfg->collapse_ratio;
    f->level_alpha = (float)(1.0 - exp(-1.0 / (bps * cfg->level_tau_s)));
    f->fd_hz = fs / (double)n;
    f->blocks_per_s = bps;
    f->scale = 1.0 + cfg->clock_ppm * 1e-6;
    /* w+1 phase points, centred abscissa u = i - w/2 */
    double np = (double)f->w + 1.0;
    f->su2 = np * (np * np - 1.0) / 12.0;
    f->mu2 = (np * np - 1.0) / 12.0;
    f->sq2 = np * (np * np - 1.0) * (3.0 * np * np - 7.0) / 240.0 - np * f->mu2 * f->mu2;
    f->centre_lag = (double)LP_FREQ_STAGES * ((double)n - 1.0) / 2.0;
    return LP_OK;
}

unsigned lp_freq_push(lp_freq_t *f, int32_t v)
{
    if (v > f->adc_max) { v = f->adc_max; f->clipped++; }
    else if (v < f->adc_min) { v = f->adc_min; f->clipped++; }
    uint32_t i = f->idx;
    uint64_t pc = (uint64_t)(int64_t)(v * (int32_t)f->lo_c[i]);
    uint64_t ps = (uint64_t)(int64_t)(v * (int32_t)f->lo_s[i]);
    if (++i == f->n) i = 0;
    f->idx = i;
    uint64_t c0 = f->ic[0] + pc, c1 = f->ic[1] + c0, c2 = f->ic[2] + c1;
    uint64_t s0 = f->is[0] + ps, s1 = f->is[1] + s0, s2 = f->is[2] + s1;
    f->ic[0] = c0; f->ic[1] = c1; f->ic[2] = c2;
    f->is[0] = s0; f->is[1] = s1; f->is[2] = s2;
    if (++f->bcount != f->b) return LP_FREQ_EV_NONE;
    f->bcount = 0;
    uint32_t w = f->q_w & (LP_FREQ_QUEUE - 1u);
    f->q_c[w] = c2; f->q_s[w] = s2; f->q_c1[w] = c0; f->q_s1[w] = s0;
    f->q_w = f->q_w + 1u;
    return LP_FREQ_EV_BLOCK;
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
    e->t_sample = ((double)blk - (double)f->w / 2.0 + 1.0) * (double)f->b - 1.0 - f->centre_lag;
    e->amplitude_counts = (double)f->amp;
    e->valid = (uint8_t)(valid ? 1 : 0);
    e->f_hz = 0.0;
    e->rocof_hz_s = 0.0;
    if (!valid) return;
    uint32_t w = f->w, j = f->dphi_i; /* oldest difference */
    float sum = 0.0f;
    for (uint32_t i = 0; i < w; i++) sum += f->dphi[i];
    float mean = sum / (float)w;
    /* psi_i = sum_{m<i}(dphi_m - mean), i = 0..w; u_i = i - w/2; q_i = u_i^2 - mu2 */
    float psi = 0.0f, s1 = 0.0f, s2 = 0.0f;
    float u = -(float)w * 0.5f, mu2 = (float)f->mu2;
    for (uint32_t i = 0; i <= w; i++) {
        s1 += u * psi;
        s2 += (u * u - mu2) * psi;
        if (i < w) {
            psi += f->dphi[j] - mean;
            if (++j == w) j = 0;
        }
        u += 1.0f;
    }
    double slope = (double)mean + (double)s1 / f->su2;  /* rad per block */
    double curv = (double)s2 / f->sq2;                  /* rad per block^2 */
    double bps = f->blocks_per_s;
    e->f_hz = (f->fd_hz + slope * bps / TWO_PI) * f->scale;
    e->rocof_hz_s = 2.0 * curv * bps * bps / TWO_PI * f->scale * f->scale;
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
        if (!good && e->valid) { e->valid = 0; e->f_hz = 0.0; e->rocof_hz_s = 0.0; }
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
        /* comb stages of the CIC filter: y_s = y_{s-1}[b] - y_{s-1}[b-K] */
        uint64_t yc = f->q_c[r], ys = f->q_s[r];
        for (uint32_t s = 0; s < LP_FREQ_STAGES; s++) {
            uint64_t tc = yc - f->comb_c[s][ci], ts = ys - f->comb_s[s][ci];
            f->comb_c[s][ci] = yc; f->comb_s[s][ci] = ys;
            yc = tc; ys = ts;
        }
        /* one-cycle moving sum of the first stage: fundamental amplitude */
        uint64_t ac = f->q_c1[r] - f->comb_c[LP_FREQ_STAGES][ci];
        uint64_t as = f->q_s1[r] - f->comb_s[LP_FREQ_STAGES][ci];
        f->comb_c[LP_FREQ_STAGES][ci] = f->q_c1[r];
        f->comb_s[LP_FREQ_STAGES][ci] = f->q_s1[r];
        if (++ci == f->k) ci = 0;
        f->comb_i = ci;
        f->blocks++;

        float fac = (float)s64(ac), fas = (float)s64(as);
        float amp = sqrtf(fac * fac + fas * fas) * f->amp_scale;
        f->amp = amp;
        int good = amp >= f->floor_amp && amp >= f->ratio * f->level;
        if (amp > f->level) f->level = amp;
        else f->level += f->level_alpha * (amp - f->level);
        if (good) { if (f->run < 0xFFFFFFFFu) f->run++; }
        else f->run = 0;

        /* phase difference to the previous filter output (scaled to keep products small) */
        float zc = (float)s64(yc) * 2.3283064e-10f, zs = (float)s64(ys) * 2.3283064e-10f;
        float re = zc * f->zc_prev + zs * f->zs_prev;
        float im = zs * f->zc_prev - zc * f->zs_prev;
        f->zc_prev = zc; f->zs_prev = zs;
        f->dphi[f->dphi_i] = (re == 0.0f && im == 0.0f) ? 0.0f : atan2f(im, re);
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
