/* placeholder: replaced by the real engine in the next commit */
#include "lp_meter.h"
lp_status_t lp_meter_config_default(lp_meter_config_t *cfg) { return cfg ? LP_OK : LP_ERR_NULL; }
