/* test_meter_real.c - lib/meter on real mains recordings (fired-2khz: fridge, TV, kettle
 * switch-on, 2 kHz): per-cycle results after 0.6 s against a float64 reference computed
 * here over exactly the same samples. Skips cleanly when ../shared/data is absent.
 *
 * DC treatment (as in the engine): each cycle's own mean is removed from voltage and
 * current, so the reference removes it too.
 * Front end: the default 12 bits, ±400 V, ±25 A (current LSB 12.2 mA). */
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
#include "../../tools/common/lp_recording.h"

static char path_buf[1024];

static const char *data_path(const char *rel)
{
    const char *root = getenv("LP_SHARED_DATA");
    if (root == NULL) {
        root = "../shared/data";
    }
    snprintf(path_buf, sizeof path_buf, "%s/%s", root, rel);
    FILE *f = fopen(path_buf, "rb");
    if (f == NULL) {
        return NULL;
    }
    fclose(f);
    return path_buf;
}

typedef struct worst { double v, i, p; int cycles; } worst_t;

static worst_t compare(const char *file, int bits)
{
    worst_t w = {0};
    const char *path = data_path(file);
    if (path == NULL) {
        print_message("skipped: %s not found (set LP_SHARED_DATA)\n", file);
        w.cycles = -1;
        return w;
    }
    lp_rec_opts_t ro = {0, 0, 0, 400.0, 25.0};
    lp_recording_t rec;
    lp_rec_error_t err;
    assert_int_equal(lp_recording_load(path, &ro, &rec, &err), LP_REC_OK);
    assert_true(fabs(rec.rate_hz - 2000.0) < 1e-6);

    lp_meter_config_t cfg;
    lp_meter_config_default(&cfg);
    cfg.fe.sample_rate_hz = rec.rate_hz;
    cfg.fe.adc_bits = (uint8_t)bits;
    cfg.fe.volts_per_count = 400.0 / (double)(1 << (bits - 1));
    cfg.fe.amps_per_count = 25.0 / (double)(1 << (bits - 1));
    lp_meter_t m;
    assert_int_equal(lp_meter_init(&m, &cfg), LP_OK);
    for (size_t k = 0; k < rec.n; k++) {
        int32_t v = (int32_t)floor(rec.v_v[k] / cfg.fe.volts_per_count + 0.5);
        int32_t i = (int32_t)floor(rec.i_a[k] / cfg.fe.amps_per_count + 0.5);
        if (!lp_meter_push(&m, v, i) || !(lp_meter_poll(&m) & LP_METER_EV_CYCLE)) {
            continue;
        }
        lp_meter_values_t c;
        lp_meter_cycle(&m, &c);
        if ((double)c.first_sample / rec.rate_hz < 0.6) {
            continue;
        }
        /* float64 reference over the same samples */
        double mv = 0, mi = 0, vv = 0, ii = 0, vi = 0;
        size_t a = (size_t)c.first_sample, n = c.n_samples;
        for (size_t j = a; j < a + n; j++) {
            mv += rec.v_v[j];
            mi += rec.i_a[j];
        }
        mv /= (double)n;
        mi /= (double)n;
        for (size_t j = a; j < a + n; j++) {
            double dv = rec.v_v[j] - mv, di = rec.i_a[j] - mi;
            vv += dv * dv;
            ii += di * di;
            vi += dv * di;
        }
        double vr = sqrt(vv / (double)n), ir = sqrt(ii / (double)n), pr = vi / (double)n;
        double ev = fabs(c.vrms_v - vr) / vr, ei = fabs(c.irms_a - ir) / ir;
        /* P relative to itself where PF >= 0.5 (the lowest PF the accuracy classes of
         * IEC 62053-21 specify), relative to S/2 below that: a standby cycle at PF 0.01
         * has no meaningful relative P error. */
        double ep = fabs(c.p_w - pr) / fmax(fabs(pr), 0.5 * vr * ir);
        if (ev > w.v) w.v = ev;
        if (ei > w.i) w.i = ei;
        if (ep > w.p) w.p = ep;
        w.cycles++;
    }
    print_message("%-32s %2d bits, %2d cycles: max error Vrms %.4f %%, Irms %.4f %%, P %.4f %%\n",
                  file, bits, w.cycles, 100 * w.v, 100 * w.i, 100 * w.p);
    lp_recording_free(&rec);
    return w;
}

static void test_kettle(void **st)
{
    (void)st;
    worst_t w = compare("waveforms/fired-2khz/kettle.csv", 12);
    if (w.cycles < 0) {
        skip();
    }
    assert_true(w.cycles >= 40);
    assert_true(w.v <= 0.001 && w.i <= 0.001 && w.p <= 0.001);
}

static void test_fridge(void **st)
{
    (void)st;
    worst_t w = compare("waveforms/fired-2khz/fridge.csv", 12);
    if (w.cycles < 0) {
        skip();
    }
    assert_true(w.cycles >= 40);
    assert_true(w.v <= 0.01 && w.i <= 0.01 && w.p <= 0.01);
}

/* The TV idles at 42 mA before it switches on at 0.7 s: 3.4 LSB RMS on the default
 * 12-bit ±25 A front end, where quantisation alone moves a 20 ms cycle's Irms by about
 * 2 %. The per-cycle comparison therefore runs on a 16-bit current channel (as on
 * metering ICs with 16-24-bit converters); the 12-bit figures are printed for the record. */
static void test_television(void **st)
{
    (void)st;
    (void)compare("waveforms/fired-2khz/television.csv", 12);
    worst_t w = compare("waveforms/fired-2khz/television.csv", 16);
    if (w.cycles < 0) {
        skip();
    }
    assert_true(w.cycles >= 40);
    assert_true(w.v <= 0.01 && w.i <= 0.01 && w.p <= 0.01);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kettle),
        cmocka_unit_test(test_fridge),
        cmocka_unit_test(test_television),
    };
    return cmocka_run_group_tests_name("lib/meter on real recordings", tests, NULL, NULL);
}
