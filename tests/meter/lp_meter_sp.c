/* The metering engine built with single-precision per-cycle arithmetic, as on
 * Cortex-M0+/M4F, so that the host tests check that mode against the same limits. */
#define LP_METER_SINGLE_PRECISION 1
#include "../../lib/meter/src/lp_meter.c"
