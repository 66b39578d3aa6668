/* lp_meter_cal.c - calibration helpers for the metering engine (see lp_meter.h). */
#include "lp_meter.h"

#include <math.h>
#include <stddef.h>

#define RAD2DEG (180.0 / 3.14159265358979323846)

lp_status_t lp_meter_cal_gains(lp_meter_frontend_t *fe, double ref_v, double ref_a,
                               double meas_v, double meas_a)
{
    if (fe == NULL) {
        return LP_ERR_NULL;
    }
    if (!isfinite(ref_v) || !isfinite(ref_a) || !isfinite(meas_v) || !isfinite(meas_a) ||
        ref_v <= 0.0 || ref_a <= 0.0 || meas_v <= 0.0 || meas_a <= 0.0) {
        return LP_ERR_METER_CAL_INPUT;
    }
    double gv = fe->v_gain * ref_v / meas_v;
    double gi = fe->i_gain * ref_a / meas_a;
    if (!(gv >= 0.5 && gv <= 2.0 && gi >= 0.5 && gi <= 2.0)) {
        return LP_ERR_METER_GAIN;
    }
    fe->v_gain = gv;
    fe->i_gain = gi;
    return LP_OK;
}

lp_status_t lp_meter_cal_phase(lp_meter_frontend_t *fe, double ref_p_w, double ref_q_var,
                               double meas_p_w, double meas_q_var)
{
    if (fe == NULL) {
        return LP_ERR_NULL;
    }
    if (!isfinite(ref_p_w) || !isfinite(ref_q_var) || !isfinite(meas_p_w) ||
        !isfinite(meas_q_var) || ref_p_w <= 0.0 || meas_p_w <= 0.0) {
        return LP_ERR_METER_CAL_INPUT;
    }
    double ref_pf = ref_p_w / sqrt(ref_p_w * ref_p_w + ref_q_var * ref_q_var);
    if (ref_pf > 0.95) {
        return LP_ERR_METER_CAL_INPUT;
    }
    /* measured angle = true angle + sensor lag not yet corrected */
    double err_deg = (atan2(meas_q_var, meas_p_w) - atan2(ref_q_var, ref_p_w)) * RAD2DEG;
    double ph = fe->phase_deg + err_deg;
    if (!(fabs(ph) <= 20.0)) {
        return LP_ERR_METER_SKEW;
    }
    fe->phase_deg = ph;
    return LP_OK;
}

lp_status_t lp_meter_cal_noise(lp_meter_frontend_t *fe, char channel, double meas_rms)
{
    if (fe == NULL) {
        return LP_ERR_NULL;
    }
    if (channel != 'v' && channel != 'i') {
        return LP_ERR_RANGE;
    }
    if (!isfinite(meas_rms) || meas_rms < 0.0) {
        return LP_ERR_METER_CAL_INPUT;
    }
    if (channel == 'v') {
        fe->v_noise_rms_counts = meas_rms / (fe->volts_per_count * fe->v_gain);
    } else {
        fe->i_noise_rms_counts = meas_rms / (fe->amps_per_count * fe->i_gain);
    }
    return LP_OK;
}
