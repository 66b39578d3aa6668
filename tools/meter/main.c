/* lepower-meter - run the plug's metering engine offline on a recording.
 * See `lepower-meter --help` and docs/metering.md. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_meter.h"
#include "lp_freq.h"
#include "../common/lp_recording.h"

#define EXIT_USAGE 2

static const char *USAGE =
    "usage: lepower-meter [options] FILE   (FILE '-' = standard input)\n"
    "\n"
    "Runs the lepower metering engine on a recording and prints one CSV line per\n"
    "report window (header: t_s,vrms_v,irms_a,p_w,s_va,q_var,pf,f_hz,rocof_hz_s,\n"
    "e_import_wh,e_export_wh). FILE is a CSV with a header naming t_s, v_V and i_A or\n"
    "i_mA (case-insensitive), or a WAV (PCM 16/24-bit; channel 1 voltage, 2 current).\n"
    "Physical values are converted to the ADC counts of the front end below, so the\n"
    "output is what a plug with that front end reports.\n"
    "\n"
    "  --rate HZ            sample rate (default: from t_s, or the WAV header)\n"
    "  --report-ms MS       report interval, 20..3600000 ms (default 1000)\n"
    "  --per-cycle          print one line per mains cycle instead of per report\n"
    "  --adc-bits N         ADC resolution, 8..16 bits (default 12)\n"
    "  --v-range VPEAK      voltage full scale, V peak (default 400)\n"
    "  --i-range APEAK      current full scale, A peak (default 25)\n"
    "  --v-scale V_PER_COUNT  WAV: volts per count (default: WAV full scale = --v-range)\n"
    "  --i-scale A_PER_COUNT  WAV: amps per count (default: WAV full scale = --i-range)\n"
    "  --skew-us US         current sampled US µs after the voltage (default 0)\n"
    "  --v-gain G           voltage calibration gain, 0.5..2 (default 1)\n"
    "  --i-gain G           current calibration gain, 0.5..2 (default 1)\n"
    "  --phase-deg D        current sensor phase lag, degrees at nominal frequency (default 0)\n"
    "  --i-noise A          current noise floor (RMS A with no load), removed in quadrature\n"
    "  --nominal 50|60      nominal grid frequency (default 50)\n"
    "  --clock-ppm PPM      sample-clock error, ppm (positive = clock fast), corrects f_hz\n"
    "  --grid-ms MS         print instead a grid stream every MS ms (20..60000), header\n"
    "                       t_s,f_hz,rocof_hz_s,vrms_v: t_s is the instant the estimate\n"
    "                       describes (centre of its window of min(MS, 1000) ms); the delay\n"
    "                       until it is available is printed on stderr\n"
    "  -h, --help           this text\n"
    "\n"
    "\n"
    "f_hz and rocof_hz_s (docs/frequency.md): in report lines, the mean of the frequency\n"
    "estimates published during the report window, i.e. describing the window shifted back by\n"
    "the estimator delay (about 0.11 s at 50 Hz); empty when any of them is invalid (voltage\n"
    "missing or below 20 % of its running level) or none is valid (start-up: the first 0.2 s).\n"
    "\n"
    "Exit status: 0 success, 2 bad usage or bad input (message on stderr).\n";

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "lepower-meter: %s: '%s' is not a number in %g..%g\n", opt, s, lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

static long to_counts(double x, double per_count, long lo, long hi)
{
    double c = floor(x / per_count + 0.5);
    if (c < (double)lo) {
        return lo - 1; /* the engine clamps and counts it */
    }
    if (c > (double)hi) {
        return hi + 1;
    }
    return (long)c;
}

static void print_values(double t_s, const lp_meter_values_t *v, uint64_t imp_uwh,
                         uint64_t exp_uwh, int with_energy)
{
    printf("%.6f,%.4f,%.5f,%.3f,%.3f,%.3f,", t_s, v->vrms_v, v->irms_a, v->p_w, v->s_va,
           v->q_var);
    if (v->s_va > 0.0) {
        printf("%.5f", v->pf);
    }
    printf(",");
    if (v->f_valid) {
        printf("%.5f,%.4f,", v->f_hz, v->rocof_hz_s);
    } else {
        printf(",,");
    }
    if (with_energy) {
        printf("%.6f,%.6f", (double)imp_uwh * 1e-6, (double)exp_uwh * 1e-6);
    } else {
        printf(",");
    }
    printf("\n");
}

/* --grid-ms: one line per estimate (hop = window = min(MS, 1000) ms); MS > 1000 prints every
 * MS/1000-th estimate. vrms_v is the RMS (DC removed) of the voltage samples in the same
 * window, as the front end sees them. */
static int grid_stream(const lp_recording_t *rec, lp_freq_t *fq, const lp_meter_config_t *cfg,
                       double grid_ms, int per_cycle)
{
    if (per_cycle) {
        fprintf(stderr, "lepower-meter: --grid-ms and --per-cycle exclude each other\n");
        return EXIT_USAGE;
    }
    int nb = cfg->fe.adc_bits;
    long full = 1L << (nb - 1);
    double vpc = cfg->fe.volts_per_count * cfg->fe.v_gain;
    double *s1 = malloc((rec->n + 1) * sizeof *s1), *s2 = malloc((rec->n + 1) * sizeof *s2);
    long *vc = malloc((rec->n + 1) * sizeof *vc);
    if (!s1 || !s2 || !vc) {
        free(s1); free(s2); free(vc);
        fprintf(stderr, "lepower-meter: out of memory\n");
        return 1;
    }
    s1[0] = s2[0] = 0;
    for (size_t k = 0; k < rec->n; k++) {
        long v = to_counts(rec->v_v[k], cfg->fe.volts_per_count, -full, full - 1);
        if (v < -full) v = -full;
        if (v > full - 1) v = full - 1;
        vc[k] = v;
        s1[k + 1] = s1[k] + (double)v;
        s2[k + 1] = s2[k] + (double)v * (double)v;
    }
    double win_s = (double)fq->cfg.window_ms * 1e-3;
    unsigned every = grid_ms > 1000 ? (unsigned)floor(grid_ms / 1000.0 + 0.5) : 1u, cnt = 0;
    fprintf(stderr, "lepower-meter: grid stream: window %.0f ms, t_s = its centre; each line is "
                    "available %.3f s after t_s\n", win_s * 1e3, lp_freq_delay_s(fq));
    printf("t_s,f_hz,rocof_hz_s,vrms_v\n");
    for (size_t k = 0; k < rec->n; k++) {
        if (!lp_freq_push(fq, (int32_t)vc[k]) || !lp_freq_poll(fq)) {
            continue;
        }
        lp_freq_estimate_t e;
        while (lp_freq_next(fq, &e) == LP_OK) {
            if (cnt++ % every != 0) {
                continue;
            }
            double half = 0.5 * win_s * rec->rate_hz;
            long a = lround(e.t_sample - half + 0.5), b = lround(e.t_sample + half + 0.5);
            if (a < 0) a = 0;
            if (b > (long)rec->n) b = (long)rec->n;
            printf("%.6f,", rec->t0_s + e.t_sample / rec->rate_hz);
            if (e.valid) {
                printf("%.5f,%.4f,", e.f_hz, e.rocof_hz_s);
            } else {
                printf(",,");
            }
            if (b > a) {
                double n = (double)(b - a), m1 = (s1[b] - s1[a]) / n;
                double var = (s2[b] - s2[a]) / n - m1 * m1;
                printf("%.3f\n", sqrt(var > 0 ? var : 0) * vpc);
            } else {
                printf("\n");
            }
        }
    }
    free(s1); free(s2); free(vc);
    return 0;
}

int main(int argc, char **argv)
{
    enum { O_RATE = 1000, O_REPORT, O_BITS, O_VRANGE, O_IRANGE, O_VSCALE, O_ISCALE, O_SKEW,
           O_VGAIN, O_IGAIN, O_PHASE, O_INOISE, O_CYCLE, O_NOMINAL, O_PPM, O_GRID };
    static const struct option opts[] = {
        {"rate", required_argument, NULL, O_RATE},
        {"report-ms", required_argument, NULL, O_REPORT},
        {"adc-bits", required_argument, NULL, O_BITS},
        {"v-range", required_argument, NULL, O_VRANGE},
        {"i-range", required_argument, NULL, O_IRANGE},
        {"v-scale", required_argument, NULL, O_VSCALE},
        {"i-scale", required_argument, NULL, O_ISCALE},
        {"skew-us", required_argument, NULL, O_SKEW},
        {"v-gain", required_argument, NULL, O_VGAIN},
        {"i-gain", required_argument, NULL, O_IGAIN},
        {"phase-deg", required_argument, NULL, O_PHASE},
        {"i-noise", required_argument, NULL, O_INOISE},
        {"per-cycle", no_argument, NULL, O_CYCLE},
        {"nominal", required_argument, NULL, O_NOMINAL},
        {"clock-ppm", required_argument, NULL, O_PPM},
        {"grid-ms", required_argument, NULL, O_GRID},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    double rate = 0, report_ms = 1000, bits = 12, v_range = 400, i_range = 25, v_scale = 0,
           i_scale = 0, skew = 0, v_gain = 1, i_gain = 1, phase = 0, i_noise = 0, nominal = 50,
           ppm = 0, grid_ms = 0;
    int per_cycle = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int ok = 1;
        switch (c) {
        case O_RATE: ok = parse_double("--rate", optarg, 1, 1e6, &rate); break;
        case O_REPORT: ok = parse_double("--report-ms", optarg, 20, 3600000, &report_ms); break;
        case O_BITS: ok = parse_double("--adc-bits", optarg, 8, 16, &bits); break;
        case O_VRANGE: ok = parse_double("--v-range", optarg, 1e-3, 1e6, &v_range); break;
        case O_IRANGE: ok = parse_double("--i-range", optarg, 1e-6, 1e5, &i_range); break;
        case O_VSCALE: ok = parse_double("--v-scale", optarg, 1e-12, 1e6, &v_scale); break;
        case O_ISCALE: ok = parse_double("--i-scale", optarg, 1e-12, 1e6, &i_scale); break;
        case O_SKEW: ok = parse_double("--skew-us", optarg, -1e6, 1e6, &skew); break;
        case O_VGAIN: ok = parse_double("--v-gain", optarg, 0.5, 2, &v_gain); break;
        case O_IGAIN: ok = parse_double("--i-gain", optarg, 0.5, 2, &i_gain); break;
        case O_PHASE: ok = parse_double("--phase-deg", optarg, -20, 20, &phase); break;
        case O_INOISE: ok = parse_double("--i-noise", optarg, 0, 1e3, &i_noise); break;
        case O_CYCLE: per_cycle = 1; break;
        case O_NOMINAL: ok = parse_double("--nominal", optarg, 50, 60, &nominal); break;
        case O_PPM: ok = parse_double("--clock-ppm", optarg, -1000, 1000, &ppm); break;
        case O_GRID: ok = parse_double("--grid-ms", optarg, 20, 60000, &grid_ms); break;
        case 'h': fputs(USAGE, stdout); return 0;
        case '?':
        default:
            if (optopt != 0) {
                fprintf(stderr, "lepower-meter: option -%c needs a value or is unknown\n", optopt);
            } else {
                fprintf(stderr, "lepower-meter: unknown option or missing value: %s\n",
                        argv[optind - 1]);
            }
            fputs("try 'lepower-meter --help'\n", stderr);
            return EXIT_USAGE;
        }
        if (!ok) {
            return EXIT_USAGE;
        }
    }
    if (floor(bits) != bits || floor(report_ms) != report_ms || floor(grid_ms) != grid_ms) {
        fprintf(stderr, "lepower-meter: --adc-bits, --report-ms and --grid-ms take whole numbers\n");
        return EXIT_USAGE;
    }
    if (nominal != 50 && nominal != 60) {
        fprintf(stderr, "lepower-meter: --nominal takes 50 or 60\n");
        return EXIT_USAGE;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "lepower-meter: %s\ntry 'lepower-meter --help'\n",
                optind >= argc ? "missing FILE" : "more than one FILE");
        return EXIT_USAGE;
    }
    const char *path = argv[optind];

    lp_rec_opts_t ro = {rate, v_scale, i_scale, v_range, i_range};
    lp_recording_t rec;
    lp_rec_error_t rerr = {0};
    lp_rec_status_t rs = lp_recording_load(path, &ro, &rec, &rerr);
    if (rs != LP_REC_OK) {
        if (rerr.line > 0) {
            fprintf(stderr, "lepower-meter: %s:%zu: %s\n", path, rerr.line, rerr.msg);
        } else if (rerr.offset > 0) {
            fprintf(stderr, "lepower-meter: %s: byte %zu: %s\n", path, rerr.offset, rerr.msg);
        } else {
            fprintf(stderr, "lepower-meter: %s: %s\n", path, rerr.msg);
        }
        return EXIT_USAGE;
    }

    lp_meter_config_t cfg;
    lp_meter_config_default(&cfg);
    int nb = (int)bits;
    double full = (double)(1L << (nb - 1));
    cfg.fe.sample_rate_hz = rec.rate_hz;
    cfg.fe.adc_bits = (uint8_t)nb;
    cfg.fe.volts_per_count = v_range / full;
    cfg.fe.amps_per_count = i_range / full;
    cfg.fe.skew_us = skew;
    cfg.fe.v_gain = v_gain;
    cfg.fe.i_gain = i_gain;
    cfg.fe.phase_deg = phase;
    cfg.fe.i_noise_rms_counts = i_noise / cfg.fe.amps_per_count;
    cfg.report_ms = (uint32_t)report_ms;
    cfg.fe.nominal_hz = (uint16_t)nominal;
    cfg.fe.clock_ppm = ppm;
    lp_meter_t *m = malloc(sizeof *m);
    lp_freq_t *fq = malloc(sizeof *fq);
    if (m == NULL || fq == NULL) {
        free(m);
        free(fq);
        fprintf(stderr, "lepower-meter: out of memory\n");
        lp_recording_free(&rec);
        return 1;
    }
    lp_status_t st = lp_meter_init(m, &cfg);
    if (st != LP_OK) {
        fprintf(stderr, "lepower-meter: %s: front end not usable (%s): rate %g Hz must be "
                        "%g..%g, total skew within (-8, +1) samples\n",
                path, lp_status_str(st), rec.rate_hz, LP_METER_RATE_MIN_HZ,
                LP_METER_RATE_MAX_HZ);
        free(m);
        free(fq);
        lp_recording_free(&rec);
        return EXIT_USAGE;
    }
    lp_freq_config_t fcfg;
    lp_freq_config_default(&fcfg);
    fcfg.sample_rate_hz = rec.rate_hz;
    fcfg.nominal_hz = (uint16_t)nominal;
    fcfg.adc_bits = (uint8_t)nb;
    fcfg.clock_ppm = ppm;
    fcfg.min_amplitude_counts = 0.01 * (full - 1.0); /* the engine's "no voltage" */
    if (grid_ms > 0) {
        fcfg.window_ms = grid_ms < 1000 ? (uint32_t)grid_ms : 1000u;
        fcfg.hop_ms = grid_ms < 1000 ? (uint32_t)grid_ms : 1000u;
    }
    st = lp_freq_init(fq, &fcfg);
    if (st != LP_OK) {
        fprintf(stderr, "lepower-meter: %s: frequency estimator not usable (%s)\n", path,
                lp_status_str(st));
        free(m);
        free(fq);
        lp_recording_free(&rec);
        return EXIT_USAGE;
    }
    if (grid_ms > 0) {
        int rc = grid_stream(&rec, fq, &cfg, grid_ms, per_cycle);
        free(m);
        free(fq);
        lp_recording_free(&rec);
        return rc;
    }

    if (rec.channels == 1) {
        fprintf(stderr, "lepower-meter: %s: note: 1-channel WAV: voltage only, the current is 0\n",
                path);
    }
    printf("t_s,vrms_v,irms_a,p_w,s_va,q_var,pf,f_hz,rocof_hz_s,e_import_wh,e_export_wh\n");
    unsigned long lines = 0;
    long lo = -(long)full, hi = (long)full - 1;
    for (size_t k = 0; k < rec.n; k++) {
        long v = to_counts(rec.v_v[k], cfg.fe.volts_per_count, lo, hi);
        long i = to_counts(rec.i_a[k], cfg.fe.amps_per_count, lo, hi);
        if (!lp_meter_push(m, (int32_t)v, (int32_t)i)) {
            continue;
        }
        unsigned ev = lp_meter_poll(m);
        if (per_cycle && (ev & LP_METER_EV_CYCLE)) {
            lp_meter_values_t cy;
            uint64_t imp = 0, exp = 0;
            lp_meter_cycle(m, &cy);
            lp_meter_energy(m, &imp, &exp);
            print_values(rec.t0_s + (double)(cy.first_sample + cy.n_samples) / rec.rate_hz, &cy,
                         imp, exp, 1);
            lines++;
        } else if (!per_cycle && (ev & LP_METER_EV_REPORT)) {
            lp_meter_report_t r;
            lp_meter_report(m, &r);
            print_values(rec.t0_s + (double)(r.v.first_sample + r.v.n_samples) / rec.rate_hz,
                         &r.v, r.energy_import_uwh, r.energy_export_uwh, 1);
            lines++;
        }
    }
    if (lines == 0) {
        fprintf(stderr, "lepower-meter: %s: warning: %.3f s of samples hold no complete %s "
                        "(partial windows are not printed)\n",
                path, (double)rec.n / rec.rate_hz, per_cycle ? "mains cycle" : "report window");
    }
    lp_meter_stats_t stats;
    lp_meter_stats(m, &stats);
    if (stats.clipped_v || stats.clipped_i) {
        fprintf(stderr, "lepower-meter: %s: warning: %u voltage and %u current samples beyond "
                        "the front end's full scale were clipped\n",
                path, stats.clipped_v, stats.clipped_i);
    }
    free(m);
    free(fq);
    lp_recording_free(&rec);
    return 0;
}
