/* freq_cond.h - run one test signal through lp_freq and measure FE/RFE against the exact
 * values of the signal model. Shared by tests/freq and bench/frequency. */
#ifndef FREQ_COND_H
#define FREQ_COND_H

#include "lp_freq.h"
#include "../../tools/siggen/lp_siggen.h"

typedef struct fc_result {
    unsigned n_est, n_valid, n_invalid;
    double max_fe_hz, rms_fe_hz, mean_fe_hz, std_f_hz; /* over valid estimates after skip */
    double max_rfe_hz_s, rms_rfe_hz_s;
    double max_fe_t_s;          /* t of the worst FE */
    double step_response_s;     /* for steps: last t (relative to the step) with |FE| > limit */
    double first_invalid_avail_s; /* availability time of the first invalid estimate after
                                     skip (-1 if none) */
    double last_valid_avail_s;  /* availability time of the last valid estimate before it */
    double delay_s;             /* lp_freq_delay_s */
} fc_result_t;

/* Run dur_s seconds of signal `sig` (sampled at sig->fs_hz; the estimator is told
 * cfg->sample_rate_hz); ignore estimates describing instants before skip_s and, when
 * excl_to_s > excl_from_s, the interval [excl_from_s, excl_to_s]. For steps (sig->step_s > 0)
 * step_response_s is measured with fe_limit_hz. Returns 0 on success. */
int fc_run(const lp_sig_t *sig, const lp_freq_config_t *cfg, double dur_s, double skip_s,
           double excl_from_s, double excl_to_s, double fe_limit_hz, fc_result_t *r);

/* Cramér–Rao bound (standard deviation, Hz) of the frequency of a real tone of peak amplitude
 * a_v in white noise of variance var_v2, N samples at fs (Kay 1993, eq. 3.41; Rife & Boorstyn
 * 1974). */
double fc_crb_hz(double a_v, double var_v2, double n, double fs);

#endif
