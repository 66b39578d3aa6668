/* lepower-siggen - test signals for the frequency estimator (IEC/IEEE 60255-118-1 conditions).
 * See `lepower-siggen --help` and docs/frequency.md. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lp_siggen.h"

#define EXIT_USAGE 2

static const char *USAGE =
    "usage: lepower-siggen [options] CONDITION\n"
    "\n"
    "Writes a test waveform to stdout (or -o FILE): CSV with header t_s,v_V,i_A, or a WAV\n"
    "(16-bit PCM, channel 1 voltage, channel 2 current, in ADC counts of --bits, so read it\n"
    "back with volts per count = --v-range / 2^(bits-1)). The voltage is the condition below,\n"
    "with noise, clipping and quantisation to the ADC; the current is a resistive load\n"
    "(--load-a RMS) in phase with it. Exact frequency/ROCOF: --truth FILE writes\n"
    "t_s,f_hz,rocof_hz_s for every sample.\n"
    "\n"
    "CONDITION (IEC/IEEE 60255-118-1 test signals, plus collapse):\n"
    "  steady        fundamental at --f (default 50)\n"
    "  harmonic      + harmonic --order N (2..50) at --level (default 0.1)\n"
    "  interharmonic + tone at --ih-hz at --level (default 0.1)\n"
    "  am            amplitude modulation, depth --level (0.1) at --mod-hz (2)\n"
    "  pm            phase modulation, --level rad (0.1) at --mod-hz (2)\n"
    "  ramp          frequency ramp --rocof HZ/S (default 1) from --ramp-start s\n"
    "  amp-step      amplitude step of --level (0.1 = +10 %) at --step-s (default duration/2)\n"
    "  phase-step    phase step of --step-deg (10) at --step-s\n"
    "  collapse      amplitude falls to --level (0.05) within --collapse-ms (40) at --step-s,\n"
    "                while frequency falls at --rocof (-2 Hz/s) from --ramp-start (1 s)\n"
    "\n"
    "  --rate HZ        sample rate (default 4000)\n"
    "  --duration S     length, s (default 10)\n"
    "  --f HZ           fundamental frequency at t = 0 (default 50)\n"
    "  --vrms V         fundamental RMS voltage (default 230)\n"
    "  --dc V           DC offset, V (default 0)\n"
    "  --noise V        white Gaussian noise, V RMS (default 0.1)\n"
    "  --clip V         clip |v| at V (default: no clipping)\n"
    "  --bits N         ADC bits, 8..16 (default 12)\n"
    "  --v-range VPEAK  ADC full scale, V peak (default 400)\n"
    "  --load-a A       load current, A RMS (default 1)\n"
    "  --i-range APEAK  current ADC full scale, A peak (default 25)\n"
    "  --seed N         noise seed (default 1)\n"
    "  --format csv|wav output format (default: wav when -o names a .wav file, else csv);\n"
    "                   a WAV holds the ADC codes scaled to 16-bit full scale, so\n"
    "                   lepower-meter reads it back with its defaults (same ranges)\n"
    "  -o FILE          output file (default stdout)\n"
    "  --truth FILE     also write the exact frequency and ROCOF per sample\n"
    "  -h, --help       this text\n"
    "\n"
    "Exit status: 0 success, 2 bad usage, 1 write error.\n";

static int num(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "lepower-siggen: %s: '%s' is not a number in %g..%g\n", opt, s, lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

static void put16(FILE *f, unsigned v) { fputc((int)(v & 0xFF), f); fputc((int)((v >> 8) & 0xFF), f); }
static void put32(FILE *f, uint32_t v) { put16(f, v & 0xFFFFu); put16(f, v >> 16); }

int main(int argc, char **argv)
{
    enum { O_RATE = 1000, O_DUR, O_F, O_VRMS, O_DC, O_NOISE, O_CLIP, O_BITS, O_VRANGE, O_IRANGE, O_LOAD,
           O_SEED, O_FORMAT, O_TRUTH, O_ORDER, O_LEVEL, O_IH, O_MOD, O_ROCOF, O_RSTART,
           O_STEP, O_STEPDEG, O_CMS };
    static const struct option opts[] = {
        {"rate", required_argument, NULL, O_RATE}, {"duration", required_argument, NULL, O_DUR},
        {"f", required_argument, NULL, O_F}, {"vrms", required_argument, NULL, O_VRMS},
        {"dc", required_argument, NULL, O_DC}, {"noise", required_argument, NULL, O_NOISE},
        {"clip", required_argument, NULL, O_CLIP}, {"bits", required_argument, NULL, O_BITS},
        {"v-range", required_argument, NULL, O_VRANGE}, {"load-a", required_argument, NULL, O_LOAD},
        {"i-range", required_argument, NULL, O_IRANGE},
        {"seed", required_argument, NULL, O_SEED}, {"format", required_argument, NULL, O_FORMAT},
        {"truth", required_argument, NULL, O_TRUTH}, {"order", required_argument, NULL, O_ORDER},
        {"level", required_argument, NULL, O_LEVEL}, {"ih-hz", required_argument, NULL, O_IH},
        {"mod-hz", required_argument, NULL, O_MOD}, {"rocof", required_argument, NULL, O_ROCOF},
        {"ramp-start", required_argument, NULL, O_RSTART}, {"step-s", required_argument, NULL, O_STEP},
        {"step-deg", required_argument, NULL, O_STEPDEG},
        {"collapse-ms", required_argument, NULL, O_CMS}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    double rate = 4000, dur = 10, f0 = 50, vrms = 230, dc = 0, noise = 0.1, clip = 0, bits = 12,
           vrange = 400, irange = 25, load = 1, seed = 1, order = 0, level = -1, ih = 0, mod = 2, rocof = 0,
           rstart = -1, step = -1, stepdeg = 10, cms = 40;
    int have_rocof = 0;
    const char *out = NULL, *truth = NULL, *format = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        int ok = 1;
        switch (c) {
        case O_RATE: ok = num("--rate", optarg, 100, 1e6, &rate); break;
        case O_DUR: ok = num("--duration", optarg, 1e-3, 36000, &dur); break;
        case O_F: ok = num("--f", optarg, 1, 1000, &f0); break;
        case O_VRMS: ok = num("--vrms", optarg, 0, 1e6, &vrms); break;
        case O_DC: ok = num("--dc", optarg, -1e6, 1e6, &dc); break;
        case O_NOISE: ok = num("--noise", optarg, 0, 1e6, &noise); break;
        case O_CLIP: ok = num("--clip", optarg, 0, 1e6, &clip); break;
        case O_BITS: ok = num("--bits", optarg, 8, 16, &bits); break;
        case O_VRANGE: ok = num("--v-range", optarg, 1e-3, 1e6, &vrange); break;
        case O_IRANGE: ok = num("--i-range", optarg, 1e-6, 1e5, &irange); break;
        case O_LOAD: ok = num("--load-a", optarg, 0, 1e5, &load); break;
        case O_SEED: ok = num("--seed", optarg, 0, 4294967295.0, &seed); break;
        case O_FORMAT: format = optarg; break;
        case O_TRUTH: truth = optarg; break;
        case O_ORDER: ok = num("--order", optarg, 2, 50, &order); break;
        case O_LEVEL: ok = num("--level", optarg, -1, 10, &level); break;
        case O_IH: ok = num("--ih-hz", optarg, 0, 1e5, &ih); break;
        case O_MOD: ok = num("--mod-hz", optarg, 0, 1e3, &mod); break;
        case O_ROCOF: ok = num("--rocof", optarg, -100, 100, &rocof); have_rocof = 1; break;
        case O_RSTART: ok = num("--ramp-start", optarg, 0, 36000, &rstart); break;
        case O_STEP: ok = num("--step-s", optarg, 0, 36000, &step); break;
        case O_STEPDEG: ok = num("--step-deg", optarg, -360, 360, &stepdeg); break;
        case O_CMS: ok = num("--collapse-ms", optarg, 0.1, 1e6, &cms); break;
        case 'o': out = optarg; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default:
            fprintf(stderr, "lepower-siggen: unknown option or missing value: %s\n"
                            "try 'lepower-siggen --help'\n", argv[optind - 1]);
            return EXIT_USAGE;
        }
        if (!ok) return EXIT_USAGE;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "lepower-siggen: %s\ntry 'lepower-siggen --help'\n",
                optind >= argc ? "missing CONDITION" : "more than one CONDITION");
        return EXIT_USAGE;
    }
    if (format == NULL) {
        size_t ol = out ? strlen(out) : 0;
        format = (ol >= 4 && strcasecmp(out + ol - 4, ".wav") == 0) ? "wav" : "csv";
    }
    int wav = strcmp(format, "wav") == 0;
    if (!wav && strcmp(format, "csv") != 0) {
        fprintf(stderr, "lepower-siggen: --format must be csv or wav\n");
        return EXIT_USAGE;
    }
    if (floor(bits) != bits) {
        fprintf(stderr, "lepower-siggen: --bits takes a whole number\n");
        return EXIT_USAGE;
    }
    const char *cond = argv[optind];
    lp_sig_t s;
    lp_sig_default(&s);
    s.fs_hz = rate; s.f_hz = f0; s.amp_v = vrms * sqrt(2.0); s.dc_v = dc; s.noise_v = noise;
    s.clip_v = clip; s.adc_bits = (unsigned)bits; s.volts_per_count = vrange / ldexp(1.0, (int)bits - 1);
    s.seed = (uint64_t)seed;
    if (step < 0) step = dur / 2;
    if (!strcmp(cond, "steady")) {
    } else if (!strcmp(cond, "harmonic")) {
        if (order < 2) { fprintf(stderr, "lepower-siggen: harmonic needs --order N\n"); return EXIT_USAGE; }
        s.harm_order = (unsigned)order; s.harm_frac = level < 0 ? 0.1 : level;
    } else if (!strcmp(cond, "interharmonic")) {
        if (ih <= 0) { fprintf(stderr, "lepower-siggen: interharmonic needs --ih-hz F\n"); return EXIT_USAGE; }
        s.ih_hz = ih; s.ih_frac = level < 0 ? 0.1 : level;
    } else if (!strcmp(cond, "am")) {
        s.am_depth = level < 0 ? 0.1 : level; s.am_hz = mod;
    } else if (!strcmp(cond, "pm")) {
        s.pm_rad = level < 0 ? 0.1 : level; s.pm_hz = mod;
    } else if (!strcmp(cond, "ramp")) {
        s.ramp_hz_s = have_rocof ? rocof : 1.0; s.ramp_start_s = rstart < 0 ? 0 : rstart;
    } else if (!strcmp(cond, "amp-step")) {
        s.step_s = step; s.step_amp_frac = level < 0 ? 0.1 : level;
    } else if (!strcmp(cond, "phase-step")) {
        s.step_s = step; s.step_phase_deg = stepdeg;
    } else if (!strcmp(cond, "collapse")) {
        s.ramp_hz_s = have_rocof ? rocof : -2.0; s.ramp_start_s = rstart < 0 ? 1.0 : rstart;
        s.collapse_s = step; s.collapse_len_s = cms * 1e-3; s.collapse_to = level < 0 ? 0.05 : level;
    } else {
        fprintf(stderr, "lepower-siggen: unknown condition '%s'\ntry 'lepower-siggen --help'\n", cond);
        return EXIT_USAGE;
    }

    FILE *fo = out ? fopen(out, wav ? "wb" : "w") : stdout;
    if (!fo) { fprintf(stderr, "lepower-siggen: %s: %s\n", out, strerror(errno)); return 1; }
    FILE *ft = truth ? fopen(truth, "w") : NULL;
    if (truth && !ft) { fprintf(stderr, "lepower-siggen: %s: %s\n", truth, strerror(errno)); return 1; }
    uint64_t n = (uint64_t)floor(dur * rate + 0.5);
    double full = ldexp(1.0, (int)bits - 1);
    double i_per_count = irange / full;
    int wav_shift = 16 - (int)bits; /* WAV codes at 16-bit full scale */
    double r_ohm = vrms / (load > 0 ? load : 1);
    if (wav) {
        uint32_t data = (uint32_t)(n * 4u);
        fputs("RIFF", fo); put32(fo, 36u + data); fputs("WAVEfmt ", fo); put32(fo, 16);
        put16(fo, 1); put16(fo, 2); put32(fo, (uint32_t)rate); put32(fo, (uint32_t)rate * 4u);
        put16(fo, 4); put16(fo, 16); fputs("data", fo); put32(fo, data);
    } else {
        fprintf(fo, "t_s,v_V,i_A\n");
    }
    if (ft) fprintf(ft, "t_s,f_hz,rocof_hz_s\n");
    lp_siggen_t g;
    lp_siggen_init(&g, &s);
    for (uint64_t k = 0; k < n; k++) {
        double t = (double)k / rate;
        int32_t vc = lp_siggen_counts(&g, k);
        double v = vc * s.volts_per_count;
        double ia = load > 0 ? v / r_ohm : 0.0;
        double ic = floor(ia / i_per_count + 0.5);
        if (ic > full - 1) ic = full - 1;
        if (ic < -full) ic = -full;
        if (wav) {
            put16(fo, (unsigned)(uint16_t)(int16_t)(vc * (1 << wav_shift)));
            put16(fo, (unsigned)(uint16_t)(int16_t)((int32_t)ic * (1 << wav_shift)));
        } else {
            fprintf(fo, "%.7f,%.4f,%.5f\n", t, v, ic * i_per_count);
        }
        if (ft) fprintf(ft, "%.7f,%.7f,%.5f\n", t, lp_sig_freq(&s, t), lp_sig_rocof(&s, t));
    }
    int bad = ferror(fo) || (out && fclose(fo) != 0);
    if (ft) bad |= ferror(ft) || fclose(ft) != 0;
    if (bad) { fprintf(stderr, "lepower-siggen: write error\n"); return 1; }
    if (wav)
        fprintf(stderr, "lepower-siggen: WAV at 16-bit full scale = ±%g V, ±%g A (%u-bit codes "
                        "x %d): lepower-meter's defaults read it back\n",
                vrange, irange, (unsigned)bits, 1 << wav_shift);
    return 0;
}
