/* lp_fw_sched.c - report scheduler (see lp_fw_sched.h). */
#include "lp_fw_sched.h"

lp_status_t lp_fw_sched_init(lp_fw_sched_t *s, uint32_t period_ms, uint32_t step_mw, uint32_t min_gap_ms)
{
    if (!s) return LP_ERR_NULL;
    if (period_ms < 1000u || period_ms > 86400000u) return LP_ERR_RANGE;
    s->period_ms = period_ms;
    s->step_mw = step_mw;
    s->min_gap_ms = min_gap_ms;
    s->last_ms = 0;
    s->last_p_mw = 0;
    s->started = 0;
    return LP_OK;
}

int lp_fw_sched_due(const lp_fw_sched_t *s, uint64_t now_ms, int64_t p_mw)
{
    if (!s) return 0;
    if (!s->started) return 1;
    uint64_t age = now_ms - s->last_ms;
    if (age >= s->period_ms) return 1;
    if (s->step_mw != 0u && age >= s->min_gap_ms) {
        int64_t d = p_mw - s->last_p_mw;
        if (d < 0) d = -d;
        if (d > (int64_t)s->step_mw) return 2;
    }
    return 0;
}

void lp_fw_sched_mark(lp_fw_sched_t *s, uint64_t now_ms, int64_t p_mw)
{
    if (!s) return;
    s->started = 1;
    s->last_ms = now_ms;
    s->last_p_mw = p_mw;
}
