/* placeholder */
#include "lp_meter.h"
lp_status_t lp_meter_cal_noise(lp_meter_frontend_t *fe, char channel, double meas_rms) { (void)channel; (void)meas_rms; return fe ? LP_OK : LP_ERR_NULL; }
