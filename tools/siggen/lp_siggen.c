/* lp_siggen.c - test-signal model (see lp_siggen.h). */
#include "lp_siggen.h"

#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846

void lp_sig_default(lp_sig_t *s)
{
    memset(s, 0, sizeof *s);
    s->fs_hz = 4000.0;
    s->f_hz = 50.0;
    s->amp_v = 230.0 * sqrt(2.0);
    s->noise_v = 0.1;
    s->volts_per_count = 400.0 / 2048.0;
    s->adc_bits = 12;
    s->seed = 1;
}

void lp_siggen_init(lp_siggen_t *g, const lp_sig_t *s)
{
    memset(g, 0, sizeof *g);
    g->s = *s;
    g->rng = s->seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
}

/* Fundamental phase / 2π in cycles, without modulation and steps. */
static double cycles(const lp_sig_t *s, double t)
{
    double c = s->f_hz * t;
    if (s->ramp_hz_s != 0.0 && t > s->ramp_start_s) {
        double end = s->ramp_end_s > 0.0 ? s->ramp_end_s : 1e300;
        double tr = (t < end ? t : end) - s->ramp_start_s;
        c += 0.5 * s->ramp_hz_s * tr * tr;
        if (t > end) c += s->ramp_hz_s * tr * (t - end);
    }
    return c;
}

static double phase(const lp_sig_t *s, double t)
{
    double ph = 2.0 * PI * cycles(s, t);
    if (s->pm_rad != 0.0) ph += s->pm_rad * cos(2.0 * PI * s->pm_hz * t - PI);
    if (s->step_s > 0.0 && t >= s->step_s) ph += s->step_phase_deg * PI / 180.0;
    return ph;
}

double lp_sig_freq(const lp_sig_t *s, double t)
{
    double f = s->f_hz;
    if (s->ramp_hz_s != 0.0 && t > s->ramp_start_s) {
        double end = s->ramp_end_s > 0.0 ? s->ramp_end_s : 1e300;
        f += s->ramp_hz_s * ((t < end ? t : end) - s->ramp_start_s);
    }
    if (s->pm_rad != 0.0) f -= s->pm_rad * s->pm_hz * sin(2.0 * PI * s->pm_hz * t - PI);
    return f;
}

double lp_sig_rocof(const lp_sig_t *s, double t)
{
    double r = 0.0;
    if (s->ramp_hz_s != 0.0 && t > s->ramp_start_s &&
        (s->ramp_end_s <= 0.0 || t < s->ramp_end_s))
        r = s->ramp_hz_s;
    if (s->pm_rad != 0.0)
        r -= s->pm_rad * 2.0 * PI * s->pm_hz * s->pm_hz * cos(2.0 * PI * s->pm_hz * t - PI);
    return r;
}

double lp_sig_mean_freq(const lp_sig_t *s, double t0, double t1)
{
    double d = cycles(s, t1) - cycles(s, t0);
    if (s->pm_rad != 0.0)
        d += s->pm_rad * (cos(2.0 * PI * s->pm_hz * t1 - PI) - cos(2.0 * PI * s->pm_hz * t0 - PI)) /
             (2.0 * PI);
    return d / (t1 - t0);
}

double lp_sig_envelope(const lp_sig_t *s, double t)
{
    double a = 1.0;
    if (s->am_depth != 0.0) a *= 1.0 + s->am_depth * cos(2.0 * PI * s->am_hz * t);
    if (s->step_s > 0.0 && t >= s->step_s) a *= 1.0 + s->step_amp_frac;
    if (s->collapse_s > 0.0 && t > s->collapse_s) {
        double x = (t - s->collapse_s) / s->collapse_len_s;
        if (x > 1.0) x = 1.0;
        a *= 1.0 - x * (1.0 - s->collapse_to);
    }
    return a;
}

double lp_sig_value(const lp_sig_t *s, double t)
{
    double ph = phase(s, t);
    double a = s->amp_v * lp_sig_envelope(s, t);
    double v = a * cos(ph) + s->dc_v;
    if (s->harm_order >= 2) v += a * s->harm_frac * cos((double)s->harm_order * ph + s->harm_phase_rad);
    if (s->ih_hz > 0.0) v += s->amp_v * s->ih_frac * cos(2.0 * PI * s->ih_hz * t);
    return v;
}

static double uniform(lp_siggen_t *g)
{
    g->rng ^= g->rng << 13; g->rng ^= g->rng >> 7; g->rng ^= g->rng << 17;
    return ((double)(g->rng >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double gauss(lp_siggen_t *g)
{
    if (g->has_spare) { g->has_spare = 0; return g->spare; }
    double u1 = uniform(g), u2 = uniform(g);
    double r = sqrt(-2.0 * log(u1));
    g->spare = r * sin(2.0 * PI * u2); g->has_spare = 1;
    return r * cos(2.0 * PI * u2);
}

int32_t lp_siggen_counts(lp_siggen_t *g, uint64_t n)
{
    const lp_sig_t *s = &g->s;
    double t = (double)n / s->fs_hz;
    double v = lp_sig_value(s, t);
    if (s->noise_v > 0.0) v += s->noise_v * gauss(g);
    if (s->clip_v > 0.0) { if (v > s->clip_v) v = s->clip_v; if (v < -s->clip_v) v = -s->clip_v; }
    double c = floor(v / s->volts_per_count + 0.5);
    double hi = ldexp(1.0, (int)s->adc_bits - 1) - 1.0, lo = -hi - 1.0;
    if (c > hi) c = hi;
    if (c < lo) c = lo;
    return (int32_t)c;
}
