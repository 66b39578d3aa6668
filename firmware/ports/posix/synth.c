/* synth.c - ADC sample synthesis (see synth.h). */
#include "synth.h"
#include "../../../tools/common/lp_recording.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>

static const char *const kind_names[LOAD_COUNT] = {"resistive", "motor", "smps", "led"};

int load_kind_parse(const char *s, load_kind_t *out)
{
    for (int k = 0; k < LOAD_COUNT; k++)
        if (!strcmp(s, kind_names[k])) { *out = (load_kind_t)k; return 0; }
    return -1;
}
const char *load_kind_name(load_kind_t k) { return k < LOAD_COUNT ? kind_names[k] : "?"; }

/* voltage harmonics: relative amplitude and phase */
static const double v_amp[SYNTH_H_MAX + 1] = {0, 1.0, 0, 0.01, 0, 0.02, 0, 0, 0, 0, 0, 0};
static const double v_ph[SYNTH_H_MAX + 1] = {0, 0, 0, M_PI, 0, 0, 0, 0, 0, 0, 0, 0};

static double rnd_u(synth_t *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return (double)(s->rng >> 11) * (1.0 / 9007199254740992.0);
}
/* approximately Gaussian, unit variance (sum of 4 uniforms) */
static double rnd_g(synth_t *s)
{
    return (rnd_u(s) + rnd_u(s) + rnd_u(s) + rnd_u(s) - 2.0) * 1.7320508075688772;
}

static double series_at(const freq_trace_t *ft, const double *y, double t)
{
    double x = fmod(t - ft->t_s[0], ft->loop_s);
    if (x < 0) x += ft->loop_s;
    x += ft->t_s[0];
    size_t lo = 0, hi = ft->n - 1;
    if (x >= ft->t_s[hi]) return y[hi];
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (ft->t_s[mid] <= x) lo = mid; else hi = mid;
    }
    double a = (x - ft->t_s[lo]) / (ft->t_s[hi] - ft->t_s[lo]);
    return y[lo] + a * (y[hi] - y[lo]);
}
static double freq_at(const freq_trace_t *ft, double t) { return series_at(ft, ft->f_hz, t); }
static double vrel_at(const freq_trace_t *ft, double t) { return ft->v_rel ? series_at(ft, ft->v_rel, t) : 1.0; }

void synth_init(synth_t *s, double fs, double v_nom, double v_per_count, double a_per_count,
                int adc_bits, load_kind_t load, const freq_trace_t *ft, uint64_t seed, double t0_s)
{
    memset(s, 0, sizeof *s);
    s->fs = fs;
    s->v_nom = v_nom;
    s->v_per_count = v_per_count;
    s->a_per_count = a_per_count;
    s->adc_max = (int32_t)((1u << (adc_bits - 1)) - 1u);
    s->load = load;
    s->ft = ft;
    s->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
    s->t_s = t0_s;
    s->f_hz = ft ? freq_at(ft, t0_s) : 50.0;
    s->v_gain = 1.0;
    s->v_rel = ft ? vrel_at(ft, t0_s) : 1.0;
    synth_set_power(s, 0.0, 0.0, 0);
}

static void build(synth_t *s)
{
    double v1 = s->v_nom * s->v_gain * s->v_rel;
    double k[SYNTH_H_MAX + 1] = {0}, b[SYNTH_H_MAX + 1] = {0};
    double dpf_angle = 0.0;
    switch (s->load) {
    case LOAD_RESISTIVE:
        for (int h = 1; h <= SYNTH_H_MAX; h++) { k[h] = v_amp[h]; b[h] = v_ph[h]; }
        break;
    case LOAD_MOTOR:
        dpf_angle = acos(0.80); k[1] = 1; k[3] = 0.05; b[3] = -3 * dpf_angle;
        break;
    case LOAD_SMPS:
        dpf_angle = -acos(0.97); k[1] = 1;
        k[3] = 0.85; k[5] = 0.65; k[7] = 0.45; k[9] = 0.25; k[11] = 0.10;
        for (int h = 3; h <= 11; h += 2) b[h] = (h % 4 == 3) ? M_PI : 0.0; /* peaky current */
        break;
    default: /* LED driver */
        dpf_angle = -acos(0.90); k[1] = 1; k[3] = 0.60; k[5] = 0.35; k[7] = 0.20;
        b[3] = M_PI; b[7] = M_PI;
        break;
    }
    double phi1 = s->load == LOAD_RESISTIVE ? 0.0 : dpf_angle;
    if (s->has_q && (s->q_var != 0.0 || s->p_w != 0.0)) phi1 = atan2(s->q_var, fabs(s->p_w));
    if (s->load != LOAD_RESISTIVE || s->has_q) { b[1] = -phi1; k[1] = 1.0; }
    /* P = V1·I1·Σ a_h k_h cos(α_h − β_h) */
    double den = 0.0;
    for (int h = 1; h <= SYNTH_H_MAX; h++) den += v_amp[h] * k[h] * cos(v_ph[h] - b[h]);
    /* constant power down to 90 % of nominal voltage, constant impedance below */
    double vn = s->v_nom * s->v_gain, vfloor = 0.9 * vn;
    double scale = v1 >= vfloor ? 1.0 : v1 / vfloor;
    double vdiv = v1 >= vfloor ? v1 : vfloor;
    double i1 = den != 0.0 ? s->p_w / (vdiv * den) * scale : 0.0;
    if (s->p_w == 0.0 && s->q_var != 0.0) i1 = fabs(s->q_var) / vdiv * scale;
    s->i1_a = i1;
    s->phi1 = phi1;
    double ksum = 0.0, asum = 0.0;
    for (int h = 1; h <= SYNTH_H_MAX; h++) {
        double va = sqrt(2.0) * v1 * v_amp[h] / s->v_per_count;
        s->vs[h] = va * cos(v_ph[h]);
        s->vc[h] = va * sin(v_ph[h]);
        double ia = sqrt(2.0) * i1 * k[h] / s->a_per_count;
        s->is[h] = ia * cos(b[h]);
        s->ic[h] = ia * sin(b[h]);
        ksum += k[h] * k[h];
        asum += v_amp[h] * v_amp[h];
    }
    s->irms_a = fabs(i1) * sqrt(ksum);
    s->vrms_v = v1 * sqrt(asum);
}

void synth_set_power(synth_t *s, double p_w, double q_var, int has_q)
{
    s->p_w = p_w;
    s->q_var = has_q ? q_var : 0.0;
    s->has_q = has_q;
    build(s);
}

/* slow variations, once per 100 ms of signal */
static void walk(synth_t *s, double dt)
{
    s->walk_acc_s += dt;
    if (s->walk_acc_s < 0.1) return;
    double step = s->walk_acc_s;
    s->walk_acc_s = 0.0;
    if (s->ft) { s->f_hz = freq_at(s->ft, s->t_s); s->v_rel = vrel_at(s->ft, s->t_s); }
    else s->f_hz += -(s->f_hz - 50.0) * step / 100.0 + 0.003 * sqrt(step) * rnd_g(s);
    s->v_gain += -(s->v_gain - 1.0) * step / 300.0 + 0.0004 * sqrt(step) * rnd_g(s);
    build(s);
}

static int16_t quant(double x, int32_t max)
{
    double r = floor(x + 0.5);
    if (r > max) r = max;
    if (r < -max - 1) r = -max - 1;
    return (int16_t)r;
}

void synth_block(synth_t *s, int16_t *v, int16_t *i, uint32_t n, int relay_on)
{
    const double dt = 1.0 / s->fs;
    for (uint32_t k = 0; k < n; k++) {
        double s1 = sin(s->theta), c1 = cos(s->theta);
        double sh[SYNTH_H_MAX + 1], ch[SYNTH_H_MAX + 1];
        sh[0] = 0.0; ch[0] = 1.0; sh[1] = s1; ch[1] = c1;
        for (int h = 2; h <= SYNTH_H_MAX; h++) {
            sh[h] = 2.0 * c1 * sh[h - 1] - sh[h - 2];
            ch[h] = 2.0 * c1 * ch[h - 1] - ch[h - 2];
        }
        double vv = 0.0, ii = 0.0;
        for (int h = 1; h <= SYNTH_H_MAX; h += 2) { /* odd harmonics only */
            vv += s->vs[h] * sh[h] + s->vc[h] * ch[h];
            ii += s->is[h] * sh[h] + s->ic[h] * ch[h];
        }
        v[k] = quant(vv + 0.5 * rnd_g(s), s->adc_max);
        i[k] = relay_on ? quant(ii + 0.3 * rnd_g(s), s->adc_max) : 0;
        s->theta += 2.0 * M_PI * s->f_hz * dt;
        if (s->theta >= 2.0 * M_PI) s->theta -= 2.0 * M_PI;
        s->t_s += dt;
        walk(s, dt);
    }
}

void synth_cycle(synth_t *s, int relay_on, double *dur_s, double *vrms, double *irms,
                 double *p, double *q, double *f)
{
    double d = 1.0 / s->f_hz;
    *dur_s = d;
    *f = s->f_hz;
    *vrms = s->vrms_v;
    *irms = relay_on ? s->irms_a : 0.0;
    *p = relay_on ? s->p_w : 0.0;
    *q = relay_on ? s->v_nom * s->v_gain * s->v_rel * s->i1_a * sin(s->phi1) : 0.0;
    if (relay_on && s->v_rel < 1.0) { /* constant impedance below 90 %: P falls with V² */
        double r = s->v_rel * s->v_gain / 0.9 / s->v_gain;
        if (r < 1.0) *p = s->p_w * r * r;
    }
    s->t_s += d;
    walk(s, d);
}

/* days since 1970-01-01 of a civil date (proleptic Gregorian) */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int has_sub(const char *s, const char *sub)
{
    size_t n = strlen(sub);
    for (; *s; s++)
        if (!strncasecmp(s, sub, n)) return 1;
    return 0;
}
static int has_freq(const char *s) { return has_sub(s, "freq"); }

int freq_trace_load(const char *path, freq_trace_t *ft, char *err, size_t errcap)
{
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    memset(ft, 0, sizeof *ft);
    char found[4096];
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) { /* a data folder: its first .csv */
        DIR *d = opendir(path);
        struct dirent *de;
        found[0] = 0;
        while (d && (de = readdir(d)) != NULL) {
            size_t L = strlen(de->d_name);
            if (L > 4 && !strcasecmp(de->d_name + L - 4, ".csv") &&
                (!found[0] || strcmp(de->d_name, strrchr(found, '/') + 1) < 0))
                snprintf(found, sizeof found, "%s/%.200s", path, de->d_name);
        }
        if (d) closedir(d);
        if (!found[0]) { snprintf(err, errcap, "%s: no .csv file in the folder", path); return -1; }
        path = found;
    }
    FILE *f = fopen(path, "r");
    if (!f) { snprintf(err, errcap, "%s: cannot open", path); return -1; }
    char line[1024];
    int col_t = -1, col_f = -1, col_v = -1, l1 = 0, time_text = 0, have_day0 = 0;
    long day0 = 0;
    size_t cap = 0, lineno = 0;
    double last_valid = 50.0;
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *cols[32];
        int nc = 0;
        char *p = line;
        while (nc < 32) {
            cols[nc++] = p;
            char *c = strchr(p, ',');
            if (!c) break;
            *c = 0;
            p = c + 1;
        }
        for (int k = 0; k < nc; k++) {
            size_t L = strlen(cols[k]);
            while (L && (cols[k][L - 1] == '\r' || cols[k][L - 1] == '\n' || cols[k][L - 1] == ' ')) cols[k][--L] = 0;
        }
        if (lineno == 1) {
            for (int k = 0; k < nc; k++) {
                if (!strcasecmp(cols[k], "t_s")) col_t = k;
                else if (!strcasecmp(cols[k], "time")) { col_t = k; time_text = 1; }
                else if (col_f < 0 && has_freq(cols[k])) col_f = k;
                else if (has_sub(cols[k], "volt") && (col_v < 0 || (has_sub(cols[k], "L1") && !l1))) {
                    col_v = k;
                    l1 = has_sub(cols[k], "L1");
                }
            }
            if (col_t < 0 || col_f < 0) {
                snprintf(err, errcap, "%s:1: need a t_s or time column and a frequency column", path);
                goto out;
            }
            continue;
        }
        if (col_t >= nc || col_f >= nc) continue;
        double t;
        if (time_text) {
            int d, y, h, mi, se;
            char ms[4] = {0};
            if (sscanf(cols[col_t], "%d-%3s-%d %d:%d:%d", &d, ms, &y, &h, &mi, &se) != 6) continue;
            int m = 0;
            while (m < 12 && strcmp(mon[m], ms)) m++;
            if (m == 12) continue;
            long day = days_from_civil(y, m + 1, d);
            if (!have_day0) { day0 = day; have_day0 = 1; }
            t = (double)(day - day0) * 86400.0 + h * 3600.0 + mi * 60.0 + se; /* s since the first midnight */
        } else {
            char *end;
            t = strtod(cols[col_t], &end);
            if (end == cols[col_t]) continue;
        }
        char *end;
        double fr = strtod(cols[col_f], &end);
        if (end == cols[col_f] || !(fr >= 45.0 && fr <= 65.0)) fr = last_valid;
        last_valid = fr;
        double vv = NAN;
        if (col_v >= 0 && col_v < nc) {
            vv = strtod(cols[col_v], &end);
            if (end == cols[col_v]) vv = NAN;
        }
        if (ft->n && t <= ft->t_s[ft->n - 1]) continue;
        if (ft->n == cap) {
            cap = cap ? 2 * cap : 1024;
            double *a = realloc(ft->t_s, cap * sizeof *a);
            if (!a) goto out;
            ft->t_s = a;
            a = realloc(ft->f_hz, cap * sizeof *a);
            if (!a) goto out;
            ft->f_hz = a;
            if (col_v >= 0) {
                a = realloc(ft->v_rel, cap * sizeof *a);
                if (!a) goto out;
                ft->v_rel = a;
            }
        }
        ft->t_s[ft->n] = t;
        ft->f_hz[ft->n] = fr;
        if (col_v >= 0) ft->v_rel[ft->n] = vv;
        ft->n++;
    }
    if (ft->n < 2) { snprintf(err, errcap, "%s: fewer than 2 rows", path); goto out; }
    ft->loop_s = ft->t_s[ft->n - 1] - ft->t_s[0] + (ft->t_s[ft->n - 1] - ft->t_s[ft->n - 2]);
    if (ft->v_rel) { /* relative to the median; missing values hold the previous one */
        double *tmp = malloc(ft->n * sizeof *tmp);
        size_t m = 0;
        if (!tmp) goto out;
        for (size_t k = 0; k < ft->n; k++) if (isfinite(ft->v_rel[k]) && ft->v_rel[k] >= 0) tmp[m++] = ft->v_rel[k];
        double med = 0.0;
        if (m) med = lp_rec_median_sort(tmp, m);
        free(tmp);
        if (!(med > 0.0)) { free(ft->v_rel); ft->v_rel = NULL; }
        else {
            double last = 1.0;
            for (size_t k = 0; k < ft->n; k++) {
                if (isfinite(ft->v_rel[k]) && ft->v_rel[k] >= 0) last = ft->v_rel[k] / med;
                ft->v_rel[k] = last;
            }
        }
    }
    rc = 0;
out:
    fclose(f);
    if (rc) freq_trace_free(ft);
    return rc;
}

void freq_trace_free(freq_trace_t *ft)
{
    free(ft->t_s);
    free(ft->f_hz);
    free(ft->v_rel);
    memset(ft, 0, sizeof *ft);
}
