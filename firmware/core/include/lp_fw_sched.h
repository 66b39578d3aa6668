/**
 * @file lp_fw_sched.h
 * @brief Report scheduler: telemetry every period_ms, and at once when the power moved
 *        by more than step_mw from the last reported value (no more often than min_gap_ms).
 * Pure, no malloc, not reentrant. Times are monotonic ms.
 */
#ifndef LP_FW_SCHED_H
#define LP_FW_SCHED_H

#include <stdint.h>
#include "lp_fw_ports.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lp_fw_sched {
    uint32_t period_ms;   /**< 1000..86 400 000 ms (default 10 000) */
    uint32_t step_mw;     /**< power step that forces a report, mW; 0 = never (default 50 000) */
    uint32_t min_gap_ms;  /**< minimum spacing of step-triggered reports, ms (default 1000) */
    uint64_t last_ms;
    int64_t last_p_mw;
    uint8_t started;
} lp_fw_sched_t;

/**
 * @brief Configure; the first call of lp_fw_sched_due() is due.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_RANGE (period outside 1000..86 400 000 ms).
 */
lp_status_t lp_fw_sched_init(lp_fw_sched_t *s, uint32_t period_ms, uint32_t step_mw, uint32_t min_gap_ms);

/**
 * @brief Is a report due now?
 * @param p_mw the latest power, mW.
 * @return 0 no; 1 the period elapsed (or first report); 2 the power step was exceeded.
 */
int lp_fw_sched_due(const lp_fw_sched_t *s, uint64_t now_ms, int64_t p_mw);

/** @brief Note that a report with power p_mw was made at now_ms. */
void lp_fw_sched_mark(lp_fw_sched_t *s, uint64_t now_ms, int64_t p_mw);

#ifdef __cplusplus
}
#endif
#endif
