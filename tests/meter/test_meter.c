/* test_meter.c - lib/meter accuracy and behaviour on synthetic signals with known truth.
 * Error limits are the targets (docs/metering.md, "Accuracy"); never loosen them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_meter.h"
#include "../common/lp_testsig.h"

#define PI_D 3.14159265358979323846

typedef struct errs {
    double p_max, p_rms;   /* relative active-power error per report */
    double v_max, i_max;   /* relative Vrms / Irms error per report */
    double q_max;          /* |Q error| / S */
    int reports;
} errs_t;


/* Feeds the signal until the engine closes its next report (returns 1, the report in *r)
 * or `*left` more sample pairs have been pushed (returns 0). */
static int next_report(lp_meter_t *m, lp_testsig_t *s, uint64_t *left, lp_meter_report_t *r)
{
    while (*left > 0) {
        int32_t v, i;
        (*left)--;
        lp_testsig_next(s, &v, &i);
        if (lp_meter_push(m, v, i) && (lp_meter_poll(m) & LP_METER_EV_REPORT)) {
            assert_int_equal(lp_meter_report(m, r), LP_OK);
            return 1;
        }
    }
    return 0;
}

/* Runs `seconds` of signal, compares every report but the first with the truth. */
static errs_t run(lp_testsig_t *s, const lp_meter_config_t *cfg, double seconds)
{
    lp_meter_t m;
    assert_int_equal(lp_meter_init(&m, cfg), LP_OK);
    errs_t e = {0};
    double p_true = lp_testsig_p(s), q_true = lp_testsig_q(s);
    double s_true = lp_testsig_vrms(s) * lp_testsig_irms(s);
    double sum2 = 0.0;
    int k = 0;
    uint64_t n = (uint64_t)(seconds * s->fs_hz);
    lp_meter_report_t r;
    for (uint64_t left = n; next_report(&m, s, &left, &r);) {
        if (k++ == 0) {
            continue; /* first report: offset settling, excluded */
        }
        double ep = (r.v.p_w - p_true) / p_true;
        double ev = fabs(r.v.vrms_v - lp_testsig_vrms(s)) / lp_testsig_vrms(s);
        double ei = fabs(r.v.irms_a - lp_testsig_irms(s)) / lp_testsig_irms(s);
        double eq = fabs(r.v.q_var - q_true) / s_true;
        sum2 += ep * ep;
        if (fabs(ep) > e.p_max) e.p_max = fabs(ep);
        if (ev > e.v_max) e.v_max = ev;
        if (ei > e.i_max) e.i_max = ei;
        if (eq > e.q_max) e.q_max = eq;
        e.reports++;
    }
    e.p_rms = e.reports ? sqrt(sum2 / e.reports) : 0.0;
    return e;
}

/* The sweep: 10 W .. 3.68 kW active power, PF 1 / 0.5 ind / 0.8 cap, 10 % h3 +
 * 5 % h5, 49-51 Hz, 12 and 16 bits, simultaneous and sequential (half-sample skew)
 * sampling. The current is capped at the plug's 16 A rating, so the top point is
 * 3.68 kW at PF 1, 2.94 kW at PF 0.8 and 1.84 kW at PF 0.5.
 * At 10 W the error is noise-limited: per point max ≤ 1 %, and the RMS over all
 * 10 W reports (9 points x 29 reports, enough for a stable figure) ≤ 0.3 %. */
static void sweep(int bits, double skew_frac)
{
    const double powers[] = {10.0, 100.0, 1000.0, 3680.0};
    const double phis[] = {0.0, acos(0.5), -acos(0.8)};
    const double freqs[] = {49.0, 50.0, 51.0};
    double scale = bits == 16 ? 0.5 : 1.0;
    int seed = 1;
    for (size_t a = 0; a < 4; a++) {
        double pooled2 = 0.0;
        int pooled_n = 0;
        for (size_t b = 0; b < 3; b++) {
            for (size_t c = 0; c < 3; c++) {
                lp_testsig_t s;
                lp_testsig_init(&s);
                s.bits = bits;
                s.f_hz = freqs[c];
                s.phi_rad = phis[b];
                s.h3 = 0.10;
                s.h5 = 0.05;
                s.skew_s = skew_frac / s.fs_hz;
                s.rng = (uint64_t)(seed++) * 7919u;
                s.phase0_rad = 0.1 * seed;
                s.i1rms_a = powers[a] / (230.0 * cos(s.phi_rad));
                if (s.i1rms_a > 16.0) {
                    s.i1rms_a = 16.0;
                }
                lp_meter_config_t cfg;
                lp_testsig_meter_config(&s, &cfg);
                errs_t e = run(&s, &cfg, powers[a] < 100.0 ? 30.0 : 10.0);
                double lim_max = (powers[a] >= 100.0 ? 0.001 : 0.01) * scale;
                double lim_rms = 0.0005 * scale;
                if (getenv("LP_TEST_VERBOSE") != NULL) {
                    print_message("P=%.0f W pf=%.2f f=%.0f bits=%d skew=%.1f: max %.4f%% rms %.4f%%\n",
                                  lp_testsig_p(&s), cos(phis[b]), freqs[c], bits, skew_frac,
                                  100 * e.p_max, 100 * e.p_rms);
                }
                assert_true(e.reports >= 8);
                assert_true(e.p_max <= lim_max);
                if (powers[a] >= 100.0) {
                    assert_true(e.p_rms <= lim_rms);
                    /* Q1 is exact for a sinusoidal voltage: within 0.1 % of S */
                    assert_true(e.q_max <= 0.001);
                }
                pooled2 += e.p_rms * e.p_rms * e.reports;
                pooled_n += e.reports;
            }
        }
        double pooled = sqrt(pooled2 / pooled_n);
        print_message("%d bits, skew %.1f sample, %4.0f W: RMS error over %d reports %.4f %%\n",
                      bits, skew_frac, powers[a], pooled_n, 100 * pooled);
        if (powers[a] < 100.0) {
            assert_true(pooled <= 0.003 * scale);
        }
    }
}

static void test_accuracy_12bit(void **st) { (void)st; sweep(12, 0.0); }
static void test_accuracy_16bit(void **st) { (void)st; sweep(16, 0.0); }
static void test_accuracy_12bit_sequential(void **st) { (void)st; sweep(12, 0.5); }
static void test_accuracy_16bit_sequential(void **st) { (void)st; sweep(16, 0.5); }

/* Recordings down to 400 Hz (8 samples per cycle) and plugs from 2 to 8 kHz, 1 kW at
 * PF 0.8, 12 bits, with harmonics (at 400 Hz the 5th aliases), 49.6 Hz, half-sample skew. */
static void test_sample_rates(void **st)
{
    (void)st;
    const double rates[] = {400.0, 2000.0, 8000.0};
    for (size_t a = 0; a < 3; a++) {
        for (int sk = 0; sk < 2; sk++) {
            lp_testsig_t s;
            lp_testsig_init(&s);
            s.fs_hz = rates[a];
            s.f_hz = 49.6;
            s.phi_rad = acos(0.8);
            s.h3 = 0.10;
            s.h5 = 0.05;
            s.i1rms_a = 1000.0 / (230.0 * 0.8);
            s.skew_s = 0.5 * sk / s.fs_hz;
            s.rng = 77u + a;
            lp_meter_config_t cfg;
            lp_testsig_meter_config(&s, &cfg);
            errs_t e = run(&s, &cfg, 10.0);
            print_message("%5.0f Hz, skew %.1f: P max %.4f %%, RMS %.4f %%, Vrms max %.4f %%\n",
                          rates[a], 0.5 * sk, 100 * e.p_max, 100 * e.p_rms, 100 * e.v_max);
            assert_true(e.reports >= 8);
            if (rates[a] >= 2000.0) {
                assert_true(e.p_max <= 0.001 && e.p_rms <= 0.0005);
                assert_true(e.v_max <= 0.001 && e.i_max <= 0.001);
            } else {
                /* 400 Hz: a 1 s window holds 400 samples and each end sits up to half a
                 * sample from the true zero crossing, which leaves Σcos 2θ_k up to
                 * |sin(Δ/2)/sin Δ| ≈ 0.55 per end (Δ = 0.78 rad per sample): up to about
                 * 0.3 % of P per report (measured 0.28 %). Recordings at this rate serve
                 * frequency work; plugs sample at 2-8 kHz, where the same effect is 16-64
                 * times smaller. Bound documented in docs/metering.md. */
                assert_true(e.p_max <= 0.004 && e.p_rms <= 0.002);
                assert_true(e.v_max <= 0.002 && e.i_max <= 0.004);
            }
        }
    }
}

/* Without skew compensation a half-sample skew at PF 0.5 costs about
 * tan(60°)·(π·50/4000) = 6.8 % in P: the compensation is what the test above proves. */
static void test_skew_matters(void **st)
{
    (void)st;
    lp_testsig_t s;
    lp_testsig_init(&s);
    s.phi_rad = acos(0.5);
    s.i1rms_a = 1000.0 / (230.0 * 0.5);
    s.skew_s = 0.5 / s.fs_hz;
    lp_meter_config_t cfg;
    lp_testsig_meter_config(&s, &cfg);
    cfg.fe.skew_us = 0.0; /* deliberately wrong */
    errs_t e = run(&s, &cfg, 3.0);
    assert_true(e.p_max > 0.03);
}

static void test_vrms_irms(void **st)
{
    (void)st;
    const double volts[] = {100.0, 230.0, 260.0};
    const double amps[] = {1.0, 5.0, 16.0};
    for (size_t a = 0; a < 3; a++) {
        for (size_t b = 0; b < 3; b++) {
            lp_testsig_t s;
            lp_testsig_init(&s);
            s.vrms_v = volts[a];
            s.i1rms_a = amps[b];
            s.f_hz = 49.3 + 0.4 * (double)b;
            s.phi_rad = 0.4;
            s.v_dc_lsb = 7.0; /* ADC offsets must not bias RMS */
            s.i_dc_lsb = -5.0;
            lp_meter_config_t cfg;
            lp_testsig_meter_config(&s, &cfg);
            errs_t e = run(&s, &cfg, 5.0);
            assert_true(e.v_max <= 0.001);
            assert_true(e.i_max <= 0.001);
        }
    }
}

/* 50 mA: the current channel's noise floor, measured with no load through
 * lp_meter_cal_noise(), is subtracted in quadrature. */
static void test_irms_50ma(void **st)
{
    (void)st;
    lp_testsig_t s;
    lp_testsig_init(&s);
    s.i1rms_a = 0.0;
    s.rng = 99;
    lp_meter_config_t cfg;
    lp_testsig_meter_config(&s, &cfg);
    lp_meter_t m;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_OK);
    double sum = 0.0;
    int k = 0;
    lp_meter_report_t r;
    for (uint64_t left = 4000u * 5u; next_report(&m, &s, &left, &r);) {
        sum += r.v.irms_a * r.v.irms_a;
        k++;
    }
    double noise_a = sqrt(sum / k);
    assert_true(noise_a > 0.003 && noise_a < 0.010); /* about 0.58 LSB = 7 mA */
    assert_int_equal(lp_meter_cal_noise(&cfg.fe, 'i', noise_a), LP_OK);

    lp_testsig_init(&s);
    s.i1rms_a = 0.050;
    s.rng = 12345;
    errs_t e = run(&s, &cfg, 10.0);
    print_message("Irms 50 mA: noise floor %.2f mA, max error %.3f %%\n", noise_a * 1e3,
                  100 * e.i_max);
    assert_true(e.i_max <= 0.01);
}

/* 1 kW for one simulated hour: 1000 Wh ± 0.1 %; counters never go backwards. */
static void test_energy_hour(void **st)
{
    (void)st;
    lp_testsig_t s;
    lp_testsig_init(&s);
    s.i1rms_a = 1000.0 / 230.0;
    s.f_hz = 49.97;
    lp_meter_config_t cfg;
    lp_testsig_meter_config(&s, &cfg);
    lp_meter_t m;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_OK);
    uint64_t last = 0;
    uint64_t n = (uint64_t)(3600.0 * s.fs_hz);
    lp_meter_report_t r = {0};
    uint64_t end = 0;
    for (uint64_t left = n; next_report(&m, &s, &left, &r);) {
        assert_true(r.energy_import_uwh >= last);
        last = r.energy_import_uwh;
        end = r.v.first_sample + r.v.n_samples;
    }
    double hours = (double)end / s.fs_hz / 3600.0;
    double wh = (double)r.energy_import_uwh * 1e-6;
    double truth = 1000.0 * hours;
    print_message("1 kW: %.4f Wh over %.6f h (truth %.4f Wh, error %.4f %%)\n", wh, hours, truth,
                  100 * (wh - truth) / truth);
    assert_true(fabs(wh - truth) / truth <= 0.001);
    assert_true(r.energy_export_uwh == 0);
}

/* Negative power (current inverted) counts as export; import stays. */
static void test_export(void **st)
{
    (void)st;
    lp_testsig_t s;
    lp_testsig_init(&s);
    s.i1rms_a = 500.0 / 230.0;
    s.phi_rad = PI_D; /* -500 W */
    lp_meter_config_t cfg;
    lp_testsig_meter_config(&s, &cfg);
    lp_meter_t m;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_OK);
    lp_meter_report_t r = {0};
    for (uint64_t left = 4000u * 36u; next_report(&m, &s, &left, &r);) {
        assert_true(r.v.p_w < -499.0 && r.v.p_w > -501.0);
        assert_true(r.v.pf < -0.999);
    }
    double t_h = (double)(r.v.first_sample + r.v.n_samples) / 4000.0 / 3600.0;
    assert_true(fabs((double)r.energy_export_uwh * 1e-6 - 500.0 * t_h) <= 0.001 * 500.0 * t_h);
    assert_true(r.energy_import_uwh == 0);
}

/* Counters restored near 2^64 wrap modulo 2^64 and the difference stays exact. */
static void test_energy_wrap(void **st)
{
    (void)st;
    lp_testsig_t s;
    lp_testsig_init(&s);
    s.i1rms_a = 3680.0 / 230.0;
    lp_meter_config_t cfg;
    lp_testsig_meter_config(&s, &cfg);
    lp_meter_t m;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_OK);
    const uint64_t start = UINT64_MAX - 1000u; /* wraps after ~1 ms of 3.68 kW */
    assert_int_equal(lp_meter_set_energy(&m, start, 7u), LP_OK);
    lp_meter_report_t r = {0};
    for (uint64_t left = 4000u * 3u; next_report(&m, &s, &left, &r);) {
    }
    uint64_t delta = r.energy_import_uwh - start; /* modular difference */
    double t_h = (double)(r.v.first_sample + r.v.n_samples) / 4000.0 / 3600.0;
    assert_true(r.energy_import_uwh < start); /* it wrapped */
    assert_true(fabs((double)delta * 1e-6 - 3680.0 * t_h) <= 0.001 * 3680.0 * t_h);
    assert_true(r.energy_export_uwh == 7u);
}

/* Gapless: a 1 kW load switched on and off every 0.3 s for 60 s. */
static void test_gapless_switching(void **st)
{
    (void)st;
    lp_testsig_t s;
    lp_testsig_init(&s);
    s.f_hz = 50.02;
    lp_meter_config_t cfg;
    lp_testsig_meter_config(&s, &cfg);
    lp_meter_t m;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_OK);
    double truth_j = 0.0;
    uint64_t n = (uint64_t)(60.0 * s.fs_hz);
    lp_meter_report_t r = {0};
    uint64_t end = 0;
    double on_energy_per_sample = 1000.0 / s.fs_hz;
    for (uint64_t j = 0; j < n; j++) {
        double t = (double)j / s.fs_hz;
        int on = ((int)(t / 0.3)) % 2 == 0;
        s.i1rms_a = on ? 1000.0 / 230.0 : 0.0;
        int32_t v, i;
        lp_testsig_next(&s, &v, &i);
        if (lp_meter_push(&m, v, i) && (lp_meter_poll(&m) & LP_METER_EV_REPORT)) {
            lp_meter_report(&m, &r);
            end = r.v.first_sample + r.v.n_samples;
        }
    }
    /* truth over exactly the samples the reports cover: samples [0, end) */
    for (uint64_t j = 0; j < end; j++) {
        double t = (double)j / s.fs_hz;
        if (((int)(t / 0.3)) % 2 == 0) truth_j += on_energy_per_sample;
    }
    double wh = (double)r.energy_import_uwh * 1e-6, truth = truth_j / 3600.0;
    print_message("switching: %.5f Wh, truth %.5f Wh, error %.4f %%\n", wh, truth,
                  100 * (wh - truth) / truth);
    assert_true(fabs(wh - truth) / truth <= 0.001);
}

/* Reports tile the sample stream: each starts where the previous ended, and
 * their mean length equals the interval. */
static void test_reports_tile(void **st)
{
    (void)st;
    lp_testsig_t s;
    lp_testsig_init(&s);
    s.f_hz = 49.37;
    lp_meter_config_t cfg;
    lp_testsig_meter_config(&s, &cfg);
    cfg.report_ms = 200;
    lp_meter_t m;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_OK);
    uint64_t next = 0;
    int k = 0;
    uint32_t cyc_next = 0;
    for (int j = 0; j < 4000 * 20; j++) {
        int32_t v, i;
        lp_testsig_next(&s, &v, &i);
        if (lp_meter_push(&m, v, i)) {
            unsigned ev = lp_meter_poll(&m);
            lp_meter_values_t c;
            assert_int_equal(lp_meter_cycle(&m, &c), LP_OK);
            assert_int_equal(c.first_sample, cyc_next);
            cyc_next = (uint32_t)(c.first_sample + c.n_samples);
            if (ev & LP_METER_EV_REPORT) {
                lp_meter_report_t r;
                lp_meter_report(&m, &r);
                assert_int_equal(r.v.first_sample, next);
                assert_int_equal(r.seq, (uint32_t)k);
                next = r.v.first_sample + r.v.n_samples;
                k++;
            }
        }
    }
    assert_true(k >= 99 && k <= 100);
    /* after k reports the window end is within one cycle of k x 800 samples */
    assert_true(fabs((double)next - 800.0 * k) <= 4000.0 / 49.37 + 1);
}

/* No voltage: cycles are cut at the nominal period, P = 0, nothing crashes. */
static void test_no_voltage(void **st)
{
    (void)st;
    lp_testsig_t s;
    lp_testsig_init(&s);
    s.vrms_v = 0.0;
    s.i1rms_a = 2.0;
    lp_meter_config_t cfg;
    lp_testsig_meter_config(&s, &cfg);
    lp_meter_t m;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_OK);
    int reports = 0;
    lp_meter_report_t r;
    for (uint64_t left = 4000u * 3u; next_report(&m, &s, &left, &r);) {
        assert_true(fabs(r.v.p_w) < 0.5);
        assert_int_equal(r.v.voltage_present, 0);
        assert_true(r.v.f_zc_hz == 0.0);
        if (reports++ > 0) {
            assert_true(fabs(r.v.irms_a - 2.0) < 0.01);
        }
    }
    assert_true(reports >= 2);
}

/* Clipping is counted, never a crash; out-of-range config is refused. */
static void test_clip_and_config(void **st)
{
    (void)st;
    lp_meter_config_t cfg;
    lp_meter_t m;
    assert_int_equal(lp_meter_config_default(NULL), LP_ERR_NULL);
    assert_int_equal(lp_meter_config_default(&cfg), LP_OK);
    assert_int_equal(lp_meter_init(NULL, &cfg), LP_ERR_NULL);
    cfg.fe.sample_rate_hz = 100.0;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_ERR_METER_RATE);
    lp_meter_config_default(&cfg);
    cfg.fe.adc_bits = 24;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_ERR_METER_ADC_BITS);
    lp_meter_config_default(&cfg);
    cfg.fe.volts_per_count = NAN;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_ERR_METER_SCALE);
    lp_meter_config_default(&cfg);
    cfg.fe.nominal_hz = 55;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_ERR_METER_NOMINAL);
    lp_meter_config_default(&cfg);
    cfg.fe.skew_us = 300.0; /* 1.2 samples at 4 kHz */
    assert_int_equal(lp_meter_init(&m, &cfg), LP_ERR_METER_SKEW);
    lp_meter_config_default(&cfg);
    cfg.fe.i_gain = 3.0;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_ERR_METER_GAIN);
    lp_meter_config_default(&cfg);
    cfg.report_ms = 5;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_ERR_METER_REPORT);
    lp_meter_config_default(&cfg);
    assert_int_equal(lp_meter_init(&m, &cfg), LP_OK);
    lp_meter_report_t r;
    lp_meter_values_t c;
    assert_int_equal(lp_meter_report(&m, &r), LP_ERR_STATE);
    assert_int_equal(lp_meter_cycle(&m, &c), LP_ERR_STATE);
    for (int j = 0; j < 4000; j++) {
        double x = 5000.0 * sin(2 * PI_D * 50.0 * j / 4000.0);
        lp_meter_push(&m, (int32_t)x, (int32_t)(x * 100.0));
        lp_meter_poll(&m);
    }
    lp_meter_stats_t stats;
    assert_int_equal(lp_meter_stats(&m, &stats), LP_OK);
    assert_true(stats.clipped_v > 1000u);
    assert_true(stats.clipped_i > stats.clipped_v);
    assert_int_equal(stats.samples, 4000u);
}

/* Calibration: gains from a resistive reference, phase from an inductive one. */
static void test_calibration(void **st)
{
    (void)st;
    lp_meter_config_t cfg;
    lp_meter_config_default(&cfg);
    assert_int_equal(lp_meter_cal_gains(&cfg.fe, 230.0, 10.0, 225.0, 10.2), LP_OK);
    assert_true(fabs(cfg.fe.v_gain - 230.0 / 225.0) < 1e-12);
    assert_true(fabs(cfg.fe.i_gain - 10.0 / 10.2) < 1e-12);
    assert_int_equal(lp_meter_cal_gains(&cfg.fe, 230.0, 10.0, 100.0, 10.0), LP_ERR_METER_GAIN);
    assert_int_equal(lp_meter_cal_gains(&cfg.fe, -1.0, 10.0, 100.0, 10.0), LP_ERR_METER_CAL_INPUT);
    assert_int_equal(lp_meter_cal_gains(NULL, 1, 1, 1, 1), LP_ERR_NULL);

    /* A CT that lags by 1.5°: measure PF 0.5 with no correction, calibrate, remeasure. */
    lp_testsig_t s;
    lp_testsig_init(&s);
    double ct_lag = 1.5 * PI_D / 180.0;
    s.phi_rad = acos(0.5) + ct_lag; /* what the ADC sees */
    s.i1rms_a = 4.0;
    lp_meter_config_t c2;
    lp_testsig_meter_config(&s, &c2);
    errs_t e0 = run(&s, &c2, 3.0);
    (void)e0;
    lp_meter_t m;
    lp_meter_init(&m, &c2);
    lp_testsig_init(&s);
    s.phi_rad = acos(0.5) + ct_lag;
    s.i1rms_a = 4.0;
    lp_meter_report_t r = {0};
    for (uint64_t left = 4000u * 3u; next_report(&m, &s, &left, &r);) {
    }
    double p_ref = 230.0 * 4.0 * 0.5, q_ref = 230.0 * 4.0 * sin(acos(0.5));
    assert_int_equal(lp_meter_cal_phase(&c2.fe, p_ref, q_ref, r.v.p_w, r.v.q_var), LP_OK);
    assert_true(fabs(c2.fe.phase_deg - 1.5) < 0.02);
    /* with the correction the same signal now measures the reference P within 0.1 % */
    lp_testsig_init(&s);
    s.phi_rad = acos(0.5) + ct_lag;
    s.i1rms_a = 4.0;
    lp_meter_init(&m, &c2);
    for (uint64_t left = 4000u * 3u; next_report(&m, &s, &left, &r);) {
    }
    assert_true(fabs(r.v.p_w - p_ref) / p_ref < 0.001);
    assert_int_equal(lp_meter_cal_phase(&c2.fe, 100.0, 0.0, 100.0, 1.0), LP_ERR_METER_CAL_INPUT);
    assert_int_equal(lp_meter_cal_noise(&c2.fe, 'x', 0.1), LP_ERR_RANGE);
    assert_int_equal(lp_meter_cal_noise(&c2.fe, 'i', -0.1), LP_ERR_METER_CAL_INPUT);
}

/* Calling poll late merges cycles but loses no energy. */
static void test_late_poll(void **st)
{
    (void)st;
    lp_testsig_t s1, s2;
    lp_testsig_init(&s1);
    s1.i1rms_a = 2.0;
    s2 = s1;
    lp_meter_config_t cfg;
    lp_testsig_meter_config(&s1, &cfg);
    lp_meter_t a, b;
    lp_meter_init(&a, &cfg);
    lp_meter_init(&b, &cfg);
    for (int j = 0; j < 4000 * 10; j++) {
        int32_t v, i;
        lp_testsig_next(&s1, &v, &i);
        if (lp_meter_push(&a, v, i)) lp_meter_poll(&a);
        lp_testsig_next(&s2, &v, &i);
        lp_meter_push(&b, v, i);
        if (j % 250 == 0) lp_meter_poll(&b); /* every 62.5 ms: several cycles merge */
    }
    lp_meter_stats_t st_b;
    lp_meter_stats(&b, &st_b);
    assert_true(st_b.merged_cycles > 100u);
    lp_meter_report_t ra, rb;
    lp_meter_report(&a, &ra);
    lp_meter_report(&b, &rb);
    double ea = (double)ra.energy_import_uwh / (double)(ra.v.first_sample + ra.v.n_samples);
    double eb = (double)rb.energy_import_uwh / (double)(rb.v.first_sample + rb.v.n_samples);
    assert_true(fabs(ea - eb) / ea < 0.001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accuracy_12bit),
        cmocka_unit_test(test_accuracy_16bit),
        cmocka_unit_test(test_accuracy_12bit_sequential),
        cmocka_unit_test(test_accuracy_16bit_sequential),
        cmocka_unit_test(test_sample_rates),
        cmocka_unit_test(test_skew_matters),
        cmocka_unit_test(test_vrms_irms),
        cmocka_unit_test(test_irms_50ma),
        cmocka_unit_test(test_energy_hour),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_energy_wrap),
        cmocka_unit_test(test_gapless_switching),
        cmocka_unit_test(test_reports_tile),
        cmocka_unit_test(test_no_voltage),
        cmocka_unit_test(test_clip_and_config),
        cmocka_unit_test(test_calibration),
        cmocka_unit_test(test_late_poll),
    };
    return cmocka_run_group_tests_name("lib/meter", tests, NULL, NULL);
}
