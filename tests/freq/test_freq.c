/* test_freq.c - lib/meter frequency and ROCOF estimator against the issue-3 targets
 * (docs/frequency.md). Synthetic conditions come from the signal model in
 * tools/siggen/lp_siggen.c, whose exact frequency is the reference; real recordings are
 * compared with a least-squares sine fit over the same windows. Limits are the issue's
 * targets: do not loosen them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_freq.h"
#include "lp_meter.h"
#include "../../tools/siggen/lp_siggen.h"
#include "freq_cond.h"
#include "../../tools/common/lp_recording.h"

#define PI_D 3.14159265358979323846

static lp_freq_config_t cfg_at(double fs, unsigned nominal, unsigned window_ms)
{
    lp_freq_config_t c;
    lp_freq_config_default(&c);
    c.sample_rate_hz = fs;
    c.nominal_hz = (uint16_t)nominal;
    c.window_ms = window_ms;
    return c;
}

static lp_sig_t sig_at(double fs, double f)
{
    lp_sig_t s;
    lp_sig_default(&s);
    s.fs_hz = fs;
    s.f_hz = f;
    return s;
}

static void config_checks(void **state)
{
    (void)state;
    static lp_freq_t f;
    lp_freq_config_t c;
    assert_int_equal(lp_freq_config_default(NULL), LP_ERR_NULL);
    lp_freq_config_default(&c);
    assert_int_equal(lp_freq_init(NULL, &c), LP_ERR_NULL);
    assert_int_equal(lp_freq_init(&f, &c), LP_OK);
    assert_true(fabs(lp_freq_demod_hz(&f) - 50.0) < 1e-12);
    c.sample_rate_hz = 300; assert_int_equal(lp_freq_init(&f, &c), LP_ERR_METER_RATE);
    lp_freq_config_default(&c); c.nominal_hz = 55;
    assert_int_equal(lp_freq_init(&f, &c), LP_ERR_METER_NOMINAL);
    lp_freq_config_default(&c); c.adc_bits = 20;
    assert_int_equal(lp_freq_init(&f, &c), LP_ERR_METER_ADC_BITS);
    lp_freq_config_default(&c); c.clock_ppm = 2000;
    assert_int_equal(lp_freq_init(&f, &c), LP_ERR_METER_FREQ_CONFIG);
    lp_freq_config_default(&c); c.window_ms = 5;
    assert_int_equal(lp_freq_init(&f, &c), LP_ERR_METER_FREQ_CONFIG);
    lp_freq_config_default(&c); c.collapse_ratio = 0.0 / 0.0;
    assert_int_equal(lp_freq_init(&f, &c), LP_ERR_METER_FREQ_CONFIG);
    assert_string_equal(lp_status_str(LP_ERR_METER_FREQ_CONFIG), "meter_frequency_config");
    lp_freq_estimate_t e;
    lp_freq_config_default(&c);
    lp_freq_init(&f, &c);
    assert_int_equal(lp_freq_estimate(&f, &e), LP_ERR_STATE);
    assert_int_equal(lp_freq_next(&f, &e), LP_ERR_STATE);
    /* every supported rate and nominal initialises, with f_d within 5 % of nominal */
    for (double fs = 400; fs <= 16000; fs *= 1.37) {
        for (unsigned nom = 50; nom <= 60; nom += 10) {
            c = cfg_at(fs, nom, 100);
            assert_int_equal(lp_freq_init(&f, &c), LP_OK);
            assert_true(fabs(lp_freq_demod_hz(&f) - nom) <= 0.05 * nom);
        }
    }
}

static void print_res(const char *what, const fc_result_t *r)
{
    printf("  %-34s n=%4u max|FE|=%7.4f mHz rms=%7.4f mHz max|RFE|=%.4f Hz/s\n", what,
           r->n_valid, r->max_fe_hz * 1e3, r->rms_fe_hz * 1e3, r->max_rfe_hz_s);
}

/* Steady state 45-55 Hz: max |FE| <= 1 mHz, RMS <= 0.3 mHz (100 ms); 1 s: max <= 0.3 mHz;
 * at 2 kHz the limits are doubled. */
static void steady(double fs, double k)
{
    const double fl[] = {45.0, 46.3, 47.5, 49.9, 50.0, 50.1, 51.7, 52.5, 55.0};
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
        lp_sig_t s = sig_at(fs, fl[i]);
        s.seed = 11 + i;
        lp_freq_config_t c = cfg_at(fs, 50, 100);
        fc_result_t r;
        char name[64];
        assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
        snprintf(name, sizeof name, "steady %.1f Hz fs %.0f", fl[i], fs);
        print_res(name, &r);
        assert_true(r.n_invalid == 0);
        assert_true(r.n_valid > 400);
        assert_true(r.max_fe_hz <= 1e-3 * k);
        assert_true(r.rms_fe_hz <= 0.3e-3 * k);
        c = cfg_at(fs, 50, 1000);
        c.hop_ms = 1000;
        assert_int_equal(fc_run(&s, &c, 10.0, 1.2, 0, 0, 1e-3, &r), 0);
        snprintf(name, sizeof name, "steady %.1f Hz fs %.0f, 1 s", fl[i], fs);
        print_res(name, &r);
        assert_true(r.max_fe_hz <= 0.3e-3 * k);
    }
}

static void steady_4k(void **state) { (void)state; steady(4000, 1); }
static void steady_2k(void **state) { (void)state; steady(2000, 2); }

/* Pure tone (no noise but quantisation is part of the model below): standard deviation of
 * the 100 ms estimates within 2x the Cramér–Rao bound for 100 ms of data. */
static void crb(void **state)
{
    (void)state;
    lp_sig_t s = sig_at(4000, 50.0);
    lp_freq_config_t c = cfg_at(4000, 50, 100);
    c.hop_ms = 100; /* independent windows */
    fc_result_t r;
    assert_int_equal(fc_run(&s, &c, 30.0, 0.3, 0, 0, 1e-3, &r), 0);
    double q = s.volts_per_count;
    double bound = fc_crb_hz(s.amp_v, s.noise_v * s.noise_v + q * q / 12.0, 400, 4000);
    printf("  pure tone: std %.4f mHz, Cramer-Rao bound (100 ms) %.4f mHz, ratio %.2f\n",
           r.std_f_hz * 1e3, bound * 1e3, r.std_f_hz / bound);
    assert_true(r.std_f_hz <= 2.0 * bound);
}

/* Single harmonics 2..13 at 10 %: max |FE| <= 2 mHz (x2 at 2 kHz), at and off nominal. */
static void harmonics(double fs, double k)
{
    const double fl[] = {50.0, 47.5, 52.5};
    for (size_t j = 0; j < 3; j++) {
        double worst = 0;
        for (unsigned h = 2; h <= 13; h++) {
            lp_sig_t s = sig_at(fs, fl[j]);
            s.harm_order = h; s.harm_frac = 0.1; s.harm_phase_rad = 0.3 * h; s.seed = h;
            lp_freq_config_t c = cfg_at(fs, 50, 100);
            fc_result_t r;
            assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
            assert_true(r.n_invalid == 0);
            assert_true(r.max_fe_hz <= 2e-3 * k);
            if (r.max_fe_hz > worst) worst = r.max_fe_hz;
        }
        printf("  harmonics 2..13 at 10 %%, %.1f Hz, fs %.0f: worst max|FE| %.4f mHz\n", fl[j], fs,
               worst * 1e3);
    }
}

static void harmonics_4k(void **state) { (void)state; harmonics(4000, 1); }
static void harmonics_2k(void **state) { (void)state; harmonics(2000, 2); }

/* Ramps +-1 Hz/s across 45..55 Hz: |FE| <= 5 mHz, |RFE| <= 0.05 Hz/s. */
static void ramps(double fs, double k)
{
    for (int sg = -1; sg <= 1; sg += 2) {
        lp_sig_t s = sig_at(fs, sg > 0 ? 45.0 : 55.0);
        s.ramp_hz_s = sg;
        lp_freq_config_t c = cfg_at(fs, 50, 100);
        fc_result_t r;
        assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
        print_res(sg > 0 ? "ramp +1 Hz/s" : "ramp -1 Hz/s", &r);
        assert_true(r.n_invalid == 0);
        assert_true(r.max_fe_hz <= 5e-3 * k);
        assert_true(r.max_rfe_hz_s <= 0.05 * k);
    }
}

static void ramps_4k(void **state) { (void)state; ramps(4000, 1); }
static void ramps_2k(void **state) { (void)state; ramps(2000, 2); }

/* Phase step +-10 degrees, amplitude step +-10 %: FE back inside its 1 mHz limit within
 * 5 cycles (by the instant the estimates describe). */
static void steps(double fs, double k)
{
    const double ph[] = {10, -10, 0, 0}, am[] = {0, 0, 0.1, -0.1};
    for (int i = 0; i < 4; i++) {
        lp_sig_t s = sig_at(fs, 50.0);
        s.step_s = 5.0 + 0.0037 * i; s.step_phase_deg = ph[i]; s.step_amp_frac = am[i];
        lp_freq_config_t c = cfg_at(fs, 50, 100);
        fc_result_t r;
        assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 4.0, 6.0, 1e-3 * k, &r), 0);
        printf("  step phase %+.0f deg amplitude %+.0f %%: back within %.0f mHz after %.2f cycles;"
               " outside: max|FE| %.4f mHz\n", ph[i], am[i] * 100, k, r.step_response_s * 50,
               r.max_fe_hz * 1e3);
        assert_true(r.n_invalid == 0);
        assert_true(r.step_response_s <= 5.0 / 50.0);
        assert_true(r.max_fe_hz <= 1e-3 * k);
    }
}

static void steps_4k(void **state) { (void)state; steps(4000, 1); }
static void steps_2k(void **state) { (void)state; steps(2000, 2); }

/* Voltage collapse 100 % -> 5 % within 2 cycles while frequency falls at -2 Hz/s: invalid
 * within 2 cycles of the amplitude crossing 20 %, no invalid estimate before it, and the
 * valid ones before it within the P-class ramp limit (10 mHz). */
static void collapse(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++) {
        lp_sig_t s = sig_at(4000, 50.0);
        s.ramp_hz_s = -2.0; s.ramp_start_s = 1.0;
        s.collapse_s = 3.0 + 0.0031 * i; s.collapse_len_s = (i & 1) ? 0.04 : 0.01;
        s.collapse_to = 0.05; s.seed = 100 + i;
        double cross = s.collapse_s + s.collapse_len_s * 0.8 / 0.95;
        lp_freq_config_t c = cfg_at(4000, 50, 100);
        fc_result_t r;
        assert_int_equal(fc_run(&s, &c, 5.0, 0.3, 0.9, 1.3, 10e-3, &r), 0);
        printf("  collapse at %.4f s (20 %% crossed %.4f s): first invalid at %.4f s (%.2f cycles),"
               " last valid %.4f s, max|FE| of valid %.3f mHz\n", s.collapse_s, cross,
               r.first_invalid_avail_s, (r.first_invalid_avail_s - cross) * 50,
               r.last_valid_avail_s, r.max_fe_hz * 1e3);
        assert_true(r.first_invalid_avail_s >= cross);
        assert_true(r.first_invalid_avail_s <= cross + 2.0 / 50.0);
        assert_true(r.max_fe_hz <= 10e-3);
        assert_true(r.n_valid > 100);
    }
}

/* Sample-clock correction: a clock 100 ppm fast, declared, gives the true frequency. */
static void clock_ppm(void **state)
{
    (void)state;
    lp_sig_t s = sig_at(4000 * (1 + 100e-6), 50.0);
    lp_freq_config_t c = cfg_at(4000, 50, 100);
    fc_result_t r;
    assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
    printf("  clock +100 ppm not declared: mean FE %.3f mHz\n", r.mean_fe_hz * 1e3);
    assert_true(fabs(r.mean_fe_hz + 5e-3) < 0.1e-3);
    c.clock_ppm = 100;
    assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
    printf("  clock +100 ppm declared: mean FE %.4f mHz, max %.4f mHz\n", r.mean_fe_hz * 1e3,
           r.max_fe_hz * 1e3);
    assert_true(fabs(r.mean_fe_hz) < 0.05e-3);
    assert_true(r.max_fe_hz <= 1e-3);
}

/* DC offset, clipping, strong noise, modulation (P class: FE <= 60 mHz), 60 Hz nominal. */
static void robustness(void **state)
{
    (void)state;
    fc_result_t r;
    lp_freq_config_t c = cfg_at(4000, 50, 100);
    lp_sig_t s = sig_at(4000, 48.0); s.dc_v = 40;
    assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
    print_res("DC offset 40 V at 48 Hz", &r);
    assert_true(r.max_fe_hz <= 1e-3);
    s = sig_at(4000, 51.0); s.clip_v = 280;
    assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
    print_res("clipped at 86 % of peak, 51 Hz", &r);
    assert_true(r.max_fe_hz <= 2e-3);
    s = sig_at(4000, 50.0); s.noise_v = 3.25; /* 40 dB SNR */
    assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
    print_res("noise 1 % of peak (40 dB)", &r);
    assert_true(r.rms_fe_hz <= 5e-3);
    s = sig_at(4000, 50.0); s.am_depth = 0.1; s.am_hz = 2;
    assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
    print_res("amplitude modulation 0.1 at 2 Hz", &r);
    assert_true(r.max_fe_hz <= 60e-3);
    s = sig_at(4000, 50.0); s.pm_rad = 0.1; s.pm_hz = 2;
    assert_int_equal(fc_run(&s, &c, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
    print_res("phase modulation 0.1 rad at 2 Hz", &r);
    assert_true(r.max_fe_hz <= 60e-3);
    const double f60[] = {55.0, 60.0, 65.0};
    for (int i = 0; i < 3; i++) {
        lp_freq_config_t c6 = cfg_at(4000, 60, 100);
        s = sig_at(4000, f60[i]);
        assert_int_equal(fc_run(&s, &c6, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
        print_res(i == 0 ? "60 Hz nominal: 55 Hz" : i == 1 ? "60 Hz nominal: 60 Hz" : "60 Hz nominal: 65 Hz", &r);
        assert_true(r.max_fe_hz <= 1e-3);
        s.harm_order = 3; s.harm_frac = 0.1;
        assert_int_equal(fc_run(&s, &c6, 10.0, 0.3, 0, 0, 1e-3, &r), 0);
        assert_true(r.max_fe_hz <= 2e-3);
    }
}

/* No voltage at all, then voltage: invalid, then valid within the warm-up. */
static void no_voltage(void **state)
{
    (void)state;
    static lp_freq_t f;
    lp_freq_config_t c = cfg_at(4000, 50, 100);
    assert_int_equal(lp_freq_init(&f, &c), LP_OK);
    lp_sig_t s = sig_at(4000, 50.0);
    lp_siggen_t g;
    lp_siggen_init(&g, &s);
    unsigned nvalid = 0, ninv = 0;
    double first_valid_s = -1;
    for (uint64_t i = 0; i < 8000; i++) {
        int32_t v = i < 4000 ? 0 : lp_siggen_counts(&g, i);
        if (lp_freq_push(&f, v) && lp_freq_poll(&f)) {
            lp_freq_estimate_t e;
            while (lp_freq_next(&f, &e) == LP_OK) {
                if (e.valid) {
                    nvalid++;
                    assert_true(e.t_sample / 4000 > 1.0);
                    assert_true(fabs(e.f_hz - 50.0) < 1e-3);
                    if (first_valid_s < 0) first_valid_s = (double)e.avail_sample / 4000;
                } else {
                    ninv++;
                    assert_true(e.f_hz == 0.0);
                }
            }
        }
    }
    printf("  silence 1 s then 230 V: %u invalid, first valid available at %.3f s (delay %.3f s)\n",
           ninv, first_valid_s, lp_freq_delay_s(&f));
    assert_true(ninv > 0 && nvalid > 0);
    assert_true(first_valid_s < 1.0 + 0.2);
}

/* The metering engine embeds the estimator: report f_hz/rocof_hz_s are the mean of the
 * estimates published in the window (the window shifted back by the estimator delay). */
static void meter_reports(void **state)
{
    (void)state;
    static lp_meter_t m;
    const double rampv[] = {0.0, 1.0};
    for (int k = 0; k < 2; k++) {
        lp_meter_config_t c;
        lp_meter_config_default(&c);
        c.report_ms = 100;
        assert_int_equal(lp_meter_init(&m, &c), LP_OK);
        lp_sig_t s = sig_at(4000, 49.8);
        s.ramp_hz_s = rampv[k]; s.ramp_start_s = 0.0;
        lp_siggen_t g;
        lp_siggen_init(&g, &s);
        double d = lp_freq_delay_s(&m.freq), maxfe = 0, maxrfe = 0;
        unsigned n = 0, ninv = 0;
        for (uint64_t i = 0; i < 40000; i++) {
            int32_t v = lp_siggen_counts(&g, i);
            if (!lp_meter_push(&m, v, v / 8) || !(lp_meter_poll(&m) & LP_METER_EV_REPORT)) continue;
            lp_meter_report_t r;
            assert_int_equal(lp_meter_report(&m, &r), LP_OK);
            double t0 = (double)r.v.first_sample / 4000.0, t1 = t0 + r.v.n_samples / 4000.0;
            if (t0 < 0.3) continue;
            if (!r.v.f_valid) { ninv++; continue; }
            double truth = lp_sig_mean_freq(&s, t0 - d, t1 - d);
            if (fabs(r.v.f_hz - truth) > maxfe) maxfe = fabs(r.v.f_hz - truth);
            if (fabs(r.v.rocof_hz_s - rampv[k]) > maxrfe) maxrfe = fabs(r.v.rocof_hz_s - rampv[k]);
            n++;
        }
        printf("  lp_meter 100 ms reports, %s: %u reports, max|FE| %.4f mHz (window shifted by %.3f s),"
               " max|RFE| %.4f Hz/s\n", k ? "ramp +1 Hz/s" : "steady 49.8 Hz", n, maxfe * 1e3, d, maxrfe);
        assert_true(ninv == 0 && n > 90);
        assert_true(maxfe <= (k ? 5e-3 : 1e-3));
        assert_true(maxrfe <= 0.05);
    }
    /* collapse: reports after it carry no frequency, reports before it do */
    lp_meter_config_t c;
    lp_meter_config_default(&c);
    c.report_ms = 100;
    assert_int_equal(lp_meter_init(&m, &c), LP_OK);
    lp_sig_t s = sig_at(4000, 50.0);
    s.ramp_hz_s = -2.0; s.ramp_start_s = 1.0; s.collapse_s = 2.0; s.collapse_len_s = 0.03;
    s.collapse_to = 0.05;
    lp_siggen_t g;
    lp_siggen_init(&g, &s);
    int bad = 0;
    for (uint64_t i = 0; i < 16000; i++) {
        int32_t v = lp_siggen_counts(&g, i);
        if (!lp_meter_push(&m, v, 0) || !(lp_meter_poll(&m) & LP_METER_EV_REPORT)) continue;
        lp_meter_report_t r;
        lp_meter_report(&m, &r);
        double t1 = (double)(r.v.first_sample + r.v.n_samples) / 4000.0;
        if (t1 > 0.35 && t1 < 2.0 && !r.v.f_valid) bad = 1;
        if (t1 > 2.1 && r.v.f_valid) bad = 1;
    }
    assert_false(bad);
    c.fe.clock_ppm = 5000;
    assert_int_equal(lp_meter_init(&m, &c), LP_ERR_METER_FREQ_CONFIG);
    lp_meter_config_default(&c);
    c.freq_window_ms = 5;
    assert_int_equal(lp_meter_init(&m, &c), LP_ERR_METER_FREQ_CONFIG);
}

/* ---- real recordings --------------------------------------------------------------- */

static const char *shared_dir(void)
{
    const char *d = getenv("LP_SHARED_DATA");
    return d && *d ? d : NULL;
}

/* Frequency of x[0..n) at fs by a least-squares sine fit (IEEE Std 1057 four-parameter fit,
 * extended with harmonics 2..H below fs/2 as further linear parameters, so that a distorted
 * real waveform does not bias it): Gauss-Newton on x = sum_h a_h cos(hwt) + b_h sin(hwt) + c,
 * t centred, started from f0. */
#define FIT_HMAX 9
static double sine_fit_hz(const double *x, size_t n, double fs, double f0)
{
    int H = (int)floor((fs / 2.0 - 20.0) / f0);
    if (H > FIT_HMAX) H = FIT_HMAX;
    if (H < 1) H = 1;
    const int np = 2 * H + 2;
    double w = 2 * PI_D * f0 / fs, p[2 * FIT_HMAX + 2] = {0};
    double tc = (double)(n - 1) / 2.0;
    for (int it = 0; it < 10; it++) {
        double A[2 * FIT_HMAX + 2][2 * FIT_HMAX + 3];
        memset(A, 0, sizeof A);
        int m = it == 0 ? np - 1 : np; /* first pass: linear parameters only */
        for (size_t i = 0; i < n; i++) {
            double t = (double)i - tc, g[2 * FIT_HMAX + 2], model = p[2 * H], dw = 0;
            for (int h = 1; h <= H; h++) {
                double ch = cos(h * w * t), sh = sin(h * w * t);
                double a = p[2 * (h - 1)], b = p[2 * (h - 1) + 1];
                g[2 * (h - 1)] = ch; g[2 * (h - 1) + 1] = sh;
                model += a * ch + b * sh;
                dw += h * t * (-a * sh + b * ch);
            }
            g[2 * H] = 1.0; g[2 * H + 1] = dw;
            double res = x[i] - model;
            for (int a = 0; a < m; a++) {
                for (int b = 0; b < m; b++) A[a][b] += g[a] * g[b];
                A[a][np] += g[a] * res;
            }
        }
        double sol[2 * FIT_HMAX + 2] = {0};
        for (int a = 0; a < m; a++) {
            int piv = a;
            for (int b = a + 1; b < m; b++) if (fabs(A[b][a]) > fabs(A[piv][a])) piv = b;
            for (int b = 0; b <= np; b++) { double t = A[a][b]; A[a][b] = A[piv][b]; A[piv][b] = t; }
            for (int b = a + 1; b < m; b++) {
                double fct = A[b][a] / A[a][a];
                for (int z = a; z <= np; z++) A[b][z] -= fct * A[a][z];
            }
        }
        for (int a = m - 1; a >= 0; a--) {
            double sum = A[a][np];
            for (int b = a + 1; b < m; b++) sum -= A[a][b] * sol[b];
            sol[a] = sum / A[a][a];
        }
        for (int a = 0; a < np - 1; a++) p[a] += sol[a];
        if (m == np) w += sol[np - 1];
    }
    return w * fs / (2 * PI_D);
}

/* ENF-WHU 400 Hz recordings: 1 s estimates agree within 2 mHz with a sine fit over the
 * same 1 s windows (centred on the estimate's instant). */
static void real_400hz(void **state)
{
    (void)state;
    const char *d = shared_dir();
    if (!d) { printf("  skipped: LP_SHARED_DATA not set\n"); skip(); }
    const char *files[] = {"001_ref.wav", "002_ref.wav"};
    int done = 0;
    for (int k = 0; k < 2; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/waveforms/enf-whu-400hz/%s", d, files[k]);
        lp_recording_t rec;
        lp_rec_error_t err;
        lp_rec_opts_t o;
        memset(&o, 0, sizeof o);
        o.v_scale = 1.0; o.i_scale = 1.0;
        if (lp_recording_load(path, &o, &rec, &err) != LP_REC_OK) {
            printf("  skipped %s: %s\n", path, err.msg);
            continue;
        }
        assert_true(fabs(rec.rate_hz - 400.0) < 1e-9);
        static lp_freq_t f;
        lp_freq_config_t c = cfg_at(400, 50, 1000);
        c.adc_bits = 16; c.hop_ms = 1000;
        c.min_amplitude_counts = 100;
        assert_int_equal(lp_freq_init(&f, &c), LP_OK);
        double maxd = 0, sumd2 = 0, fmin = 1e9, fmax = 0;
        unsigned n = 0, ninv = 0;
        for (size_t i = 0; i < rec.n; i++) {
            if (!lp_freq_push(&f, (int32_t)lrint(rec.v_v[i])) || !lp_freq_poll(&f)) continue;
            lp_freq_estimate_t e;
            while (lp_freq_next(&f, &e) == LP_OK) {
                if (!e.valid) { ninv++; continue; }
                /* reference window: the 400 samples centred on the estimate's instant */
                long c0 = lrint(e.t_sample - 199.5);
                if (c0 < 0 || (size_t)c0 + 400 > rec.n) continue;
                double ref = sine_fit_hz(rec.v_v + c0, 400, 400.0, e.f_hz);
                double dd = fabs(e.f_hz - ref);
                if (dd > maxd) maxd = dd;
                sumd2 += dd * dd; n++;
                if (e.f_hz < fmin) fmin = e.f_hz;
                if (e.f_hz > fmax) fmax = e.f_hz;
            }
        }
        printf("  %s: %u 1 s estimates, %.4f..%.4f Hz, vs sine fit max|diff| %.4f mHz rms %.4f mHz;"
               " %u invalid (warm-up)\n", files[k], n, fmin, fmax, maxd * 1e3, sqrt(sumd2 / n) * 1e3,
               ninv);
        assert_true(n > 400);
        assert_true(maxd <= 2e-3);
        assert_true(ninv <= 2);
        assert_true(fmin > 49.9 && fmax < 50.1);
        lp_recording_free(&rec);
        done++;
    }
    if (!done) skip();
}

/* FIRED 2 kHz recordings (appliance switch-on at 0.5 s): the grid's ~49.97-50.00 Hz; every
 * 200 ms estimate within 2 x 2 mHz (2 kHz) of a sine fit over the same 200 ms. */
static void real_2khz(void **state)
{
    (void)state;
    const char *d = shared_dir();
    if (!d) { printf("  skipped: LP_SHARED_DATA not set\n"); skip(); }
    const char *files[] = {"fridge.csv", "television.csv", "kettle.csv"};
    int done = 0;
    for (int k = 0; k < 3; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/waveforms/fired-2khz/%s", d, files[k]);
        lp_recording_t rec;
        lp_rec_error_t err;
        lp_rec_opts_t o;
        memset(&o, 0, sizeof o);
        if (lp_recording_load(path, &o, &rec, &err) != LP_REC_OK) {
            printf("  skipped %s: %s\n", path, err.msg);
            continue;
        }
        static lp_freq_t f;
        lp_freq_config_t c = cfg_at(2000, 50, 200);
        assert_int_equal(lp_freq_init(&f, &c), LP_OK);
        double vpc = 400.0 / 2048.0, fmin = 1e9, fmax = 0, maxd = 0;
        unsigned n = 0;
        for (size_t i = 0; i < rec.n; i++) {
            if (!lp_freq_push(&f, (int32_t)lrint(rec.v_v[i] / vpc)) || !lp_freq_poll(&f)) continue;
            lp_freq_estimate_t e;
            while (lp_freq_next(&f, &e) == LP_OK) {
                if (!e.valid) continue;
                long c0 = lrint(e.t_sample - 199.5);
                if (c0 < 0 || (size_t)c0 + 400 > rec.n) continue;
                double ref = sine_fit_hz(rec.v_v + c0, 400, 2000.0, e.f_hz);
                if (fabs(e.f_hz - ref) > maxd) maxd = fabs(e.f_hz - ref);
                if (e.f_hz < fmin) fmin = e.f_hz;
                if (e.f_hz > fmax) fmax = e.f_hz;
                n++;
            }
        }
        printf("  %s: %u estimates (200 ms), %.4f..%.4f Hz, vs sine fit max|diff| %.4f mHz\n",
               files[k], n, fmin, fmax, maxd * 1e3);
        assert_true(n > 40);
        assert_true(fmin >= 49.96 && fmax <= 50.01);
        assert_true(maxd <= 4e-3);
        lp_recording_free(&rec);
        done++;
    }
    if (!done) skip();
}

/* Iberian blackout, Toledo, 28 April 2025 12:32:50-12:33:30 (2 s rows): a 4 kHz waveform
 * replaying the recorded frequency (piecewise linear, -0.67 Hz/s at the end) and phase
 * voltage (27-29 kV scaled to 230 V) with 12-bit noise. Valid estimates track the exact
 * window mean within the P-class ramp limit (10 mHz); the estimator stays valid while the
 * voltage is above half its level and is invalid from the collapse on (≤ 2 cycles after the
 * envelope falls below 20 % of its running level, computed here from the exact envelope by the
 * same rule), never valid again on the ~30 V residue. */
static void real_toledo(void **state)
{
    (void)state;
    const char *d = shared_dir();
    if (!d) { printf("  skipped: LP_SHARED_DATA not set\n"); skip(); }
    char path[1024];
    snprintf(path, sizeof path, "%s/grid/iberian-2025-toledo-2s/toledo_data.csv", d);
    FILE *fp = fopen(path, "r");
    if (!fp) { printf("  skipped: %s absent\n", path); skip(); }
    double vk[32], fk[32];
    int nk = 0, on = 0;
    char line[256];
    while (fgets(line, sizeof line, fp) && nk < 21) {
        if (strstr(line, "12:32:50")) on = 1;
        if (!on) continue;
        double v1, v2, v3, fr;
        if (sscanf(line, "%lf,%lf,%lf,%lf,", &v1, &v2, &v3, &fr) != 4) continue;
        vk[nk] = v1; fk[nk] = fr; nk++;
    }
    fclose(fp);
    assert_int_equal(nk, 21);
    const double fs = 4000.0, scale = 230.0 / 27500.0;
    const size_t n = (size_t)(40.0 * fs);
    double *cyc = malloc((n + 1) * sizeof *cyc);
    assert_non_null(cyc);
    static lp_freq_t f;
    lp_freq_config_t c = cfg_at(fs, 50, 100);
    assert_int_equal(lp_freq_init(&f, &c), LP_OK);
    lp_sig_t s = sig_at(fs, 50.0);
    s.amp_v = 0.0; /* the generator supplies the 0.1 V RMS noise only */
    lp_siggen_t g;
    lp_siggen_init(&g, &s);
    double level = 0, alpha = 1.0 - exp(-1.0 / (fs * 2.0));
    double ph = 0, maxfe = 0, t_half = -1, t_20 = -1, first_inv = -1, last_valid_after = -1;
    unsigned nv = 0;
    cyc[0] = 0;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs, x = t / 2.0;
        int k = (int)x;
        if (k > 19) k = 19;
        double a = x - k;
        double fr = fk[k] + a * (fk[k + 1] - fk[k]);
        double env = vk[k] + a * (vk[k + 1] - vk[k]);
        double t2 = (double)(i + 1) / fs, x2 = t2 / 2.0;
        int k2 = (int)x2;
        if (k2 > 19) k2 = 19;
        double fr2 = fk[k2] + (x2 - k2) * (fk[k2 + 1] - fk[k2]);
        /* the rule's running level: follows rises at once, falls with a 2 s time constant */
        if (env > level) level = env;
        else level += (env - level) * alpha;
        if (t > 30.0 && t_half < 0 && env < 0.5 * 25872.705) t_half = t;
        if (t > 30.0 && t_20 < 0 && env < 0.2 * level) t_20 = t;
        double v = env * scale * sqrt(2.0) * cos(ph);
        int32_t counts = (int32_t)lrint(v / s.volts_per_count) + lp_siggen_counts(&g, i);
        ph += 2 * PI_D * 0.5 * (fr + fr2) / fs;
        cyc[i + 1] = cyc[i] + 0.5 * (fr + fr2) / fs;
        if (!lp_freq_push(&f, counts) || !lp_freq_poll(&f)) continue;
        lp_freq_estimate_t e;
        while (lp_freq_next(&f, &e) == LP_OK) {
            double te = e.t_sample / fs, ta = (double)e.avail_sample / fs;
            if (te < 0.3) continue;
            if (e.valid) {
                long i0 = lrint(e.t_sample - 200.0), i1 = lrint(e.t_sample + 200.0);
                if (i0 >= 0 && (size_t)i1 <= i + 1) {
                    double truth = (cyc[i1] - cyc[i0]) / ((double)(i1 - i0) / fs);
                    if (fabs(e.f_hz - truth) > maxfe) maxfe = fabs(e.f_hz - truth);
                }
                nv++;
                if (first_inv >= 0) last_valid_after = ta;
            } else if (first_inv < 0) {
                first_inv = ta;
            }
        }
    }
    free(cyc);
    printf("  Toledo 12:32:50-12:33:30 replay: %u valid estimates, max|FE| %.3f mHz; envelope below"
           " half at %.3f s, below 20 %% of its running level at %.3f s; first invalid %.3f s; valid after"
           " it: %s\n", nv, maxfe * 1e3, t_half, t_20, first_inv, last_valid_after < 0 ? "none" : "yes");
    assert_true(nv > 1500);
    assert_true(maxfe <= 10e-3);
    assert_true(first_inv >= t_half);
    assert_true(first_inv <= t_20 + 2.0 / 50.0);
    assert_true(last_valid_after < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_checks),
        cmocka_unit_test(steady_4k),
        cmocka_unit_test(steady_2k),
        cmocka_unit_test(crb),
        cmocka_unit_test(harmonics_4k),
        cmocka_unit_test(harmonics_2k),
        cmocka_unit_test(ramps_4k),
        cmocka_unit_test(ramps_2k),
        cmocka_unit_test(steps_4k),
        cmocka_unit_test(steps_2k),
        cmocka_unit_test(collapse),
        cmocka_unit_test(clock_ppm),
        cmocka_unit_test(robustness),
        cmocka_unit_test(no_voltage),
        cmocka_unit_test(meter_reports),
        cmocka_unit_test(real_400hz),
        cmocka_unit_test(real_2khz),
        cmocka_unit_test(real_toledo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
