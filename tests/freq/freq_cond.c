/* freq_cond.c - see freq_cond.h. */
#include "freq_cond.h"

#include <math.h>
#include <stdio.h>

int fc_run(const lp_sig_t *sig, const lp_freq_config_t *cfg, double dur_s, double skip_s,
           double excl_from_s, double excl_to_s, double fe_limit_hz, fc_result_t *r)
{
    static lp_freq_t f;
    lp_siggen_t g;
    if (lp_freq_init(&f, cfg) != LP_OK) return -1;
    lp_siggen_init(&g, sig);
    double fs = sig->fs_hz;
    double win_s = (double)f.w * (double)f.b / cfg->sample_rate_hz * (cfg->sample_rate_hz / fs);
    uint64_t n_total = (uint64_t)(dur_s * fs);
    double se = 0, se2 = 0, sf = 0, sf2 = 0, sr2 = 0;
    r->n_est = r->n_valid = r->n_invalid = 0;
    r->max_fe_hz = r->max_rfe_hz_s = r->max_fe_t_s = 0;
    r->step_response_s = 0;
    r->first_invalid_avail_s = -1; r->last_valid_avail_s = -1;
    r->delay_s = lp_freq_delay_s(&f);
    unsigned n = 0;
    for (uint64_t i = 0; i < n_total; i++) {
        if (!lp_freq_push(&f, lp_siggen_counts(&g, i)) || !(lp_freq_poll(&f) & LP_FREQ_EV_ESTIMATE))
            continue;
        lp_freq_estimate_t e;
        while (lp_freq_next(&f, &e) == LP_OK) {
            double t = e.t_sample / fs, ta = (double)e.avail_sample / fs;
            if (t < skip_s) continue;
            r->n_est++;
            if (!e.valid) {
                r->n_invalid++;
                if (r->first_invalid_avail_s < 0) r->first_invalid_avail_s = ta;
                continue;
            }
            r->n_valid++;
            if (r->first_invalid_avail_s < 0) r->last_valid_avail_s = ta;
            double tf = lp_sig_mean_freq(sig, t - win_s / 2, t + win_s / 2);
            double fe = e.f_hz - tf;
            if (sig->step_s > 0 && fabs(fe) > fe_limit_hz && t - sig->step_s > r->step_response_s)
                r->step_response_s = t - sig->step_s;
            if (excl_to_s > excl_from_s && t >= excl_from_s && t <= excl_to_s) continue;
            double rfe = e.rocof_hz_s - lp_sig_rocof(sig, t);
            if (fabs(fe) > r->max_fe_hz) { r->max_fe_hz = fabs(fe); r->max_fe_t_s = t; }
            if (fabs(rfe) > r->max_rfe_hz_s) r->max_rfe_hz_s = fabs(rfe);
            se += fe; se2 += fe * fe; sr2 += rfe * rfe;
            sf += fe; sf2 += fe * fe;
            n++;
        }
    }
    if (n == 0) return -2;
    r->mean_fe_hz = se / n;
    r->rms_fe_hz = sqrt(se2 / n);
    r->rms_rfe_hz_s = sqrt(sr2 / n);
    double var = sf2 / n - (sf / n) * (sf / n);
    r->std_f_hz = var > 0 ? sqrt(var) : 0;
    return 0;
}

double fc_crb_hz(double a_v, double var_v2, double n, double fs)
{
    const double pi = 3.14159265358979323846;
    double eta = a_v * a_v / (2.0 * var_v2);
    return fs * sqrt(12.0 / ((2 * pi) * (2 * pi) * eta * n * (n * n - 1.0)));
}
