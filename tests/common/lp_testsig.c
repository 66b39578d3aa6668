/* lp_testsig.c - synthetic test signals (see lp_testsig.h). */
#include "lp_testsig.h"
#include <math.h>

#define PI_D 3.14159265358979323846

void lp_testsig_init(lp_testsig_t *s)
{
    s->fs_hz = 4000.0; s->f_hz = 50.0; s->vrms_v = 230.0; s->i1rms_a = 1.0;
    s->phi_rad = 0.0; s->h3 = 0.0; s->h5 = 0.0; s->v_h3 = 0.0; s->skew_s = 0.0;
    s->phase0_rad = 0.3; s->noise_lsb = 0.5; s->v_dc_lsb = 0.0; s->i_dc_lsb = 0.0;
    s->bits = 12; s->v_fs = 400.0; s->i_fs = 25.0; s->rng = 1; s->n = 0;
}

static double uni(lp_testsig_t *s)
{
    /* xorshift64* */
    s->rng ^= s->rng >> 12; s->rng ^= s->rng << 25; s->rng ^= s->rng >> 27;
    uint64_t r = s->rng * 2685821657736338717ULL;
    return ((double)(r >> 11) + 0.5) / 9007199254740992.0;
}

double lp_testsig_gauss(lp_testsig_t *s)
{
    double u1 = uni(s), u2 = uni(s);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * PI_D * u2);
}

static int32_t quant(double x, int bits)
{
    double q = floor(x + 0.5);
    double hi = (double)((1 << (bits - 1)) - 1), lo = -(double)(1 << (bits - 1));
    if (q > hi) q = hi;
    if (q < lo) q = lo;
    return (int32_t)q;
}

void lp_testsig_next(lp_testsig_t *s, int32_t *v, int32_t *i)
{
    double t = (double)s->n / s->fs_hz;
    double w = 2.0 * PI_D * s->f_hz;
    double lsb_v = s->v_fs / (double)(1 << (s->bits - 1));
    double lsb_i = s->i_fs / (double)(1 << (s->bits - 1));
    double th = w * t + s->phase0_rad;
    double vv = sqrt(2.0) * s->vrms_v * (sin(th) + s->v_h3 * sin(3.0 * th));
    double ti = w * (t + s->skew_s) + s->phase0_rad - s->phi_rad;
    double ii = sqrt(2.0) * s->i1rms_a * (sin(ti) + s->h3 * sin(3.0 * ti) + s->h5 * sin(5.0 * ti));
    *v = quant(vv / lsb_v + s->v_dc_lsb + s->noise_lsb * lp_testsig_gauss(s), s->bits);
    *i = quant(ii / lsb_i + s->i_dc_lsb + s->noise_lsb * lp_testsig_gauss(s), s->bits);
    s->n++;
}

double lp_testsig_p(const lp_testsig_t *s) { return s->vrms_v * s->i1rms_a * cos(s->phi_rad); }
double lp_testsig_q(const lp_testsig_t *s) { return s->vrms_v * s->i1rms_a * sin(s->phi_rad); }
double lp_testsig_vrms(const lp_testsig_t *s) { return s->vrms_v * sqrt(1.0 + s->v_h3 * s->v_h3); }
double lp_testsig_irms(const lp_testsig_t *s)
{
    return s->i1rms_a * sqrt(1.0 + s->h3 * s->h3 + s->h5 * s->h5);
}

void lp_testsig_meter_config(const lp_testsig_t *s, lp_meter_config_t *cfg)
{
    lp_meter_config_default(cfg);
    cfg->fe.sample_rate_hz = s->fs_hz;
    cfg->fe.adc_bits = (uint8_t)s->bits;
    cfg->fe.volts_per_count = s->v_fs / (double)(1 << (s->bits - 1));
    cfg->fe.amps_per_count = s->i_fs / (double)(1 << (s->bits - 1));
    cfg->fe.skew_us = s->skew_s * 1e6;
}
