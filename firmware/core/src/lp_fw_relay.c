/* lp_fw_relay.c - relay safety state machine (see lp_fw_relay.h). */
#include "lp_fw_relay.h"

#include <string.h>

lp_status_t lp_fw_relay_config_default(lp_fw_relay_config_t *cfg)
{
    if (!cfg) return LP_ERR_NULL;
    memset(cfg, 0, sizeof *cfg);
    cfg->limit_ma = 16000u;
    cfg->trip_cycles = 5u;
    cfg->power_on = LP_FW_POWER_ON_LAST;
    return LP_OK;
}

lp_status_t lp_fw_relay_init(lp_fw_relay_t *r, const lp_fw_relay_config_t *cfg,
                             int last_on, int last_tripped, uint64_t now_ms)
{
    if (!r || !cfg) return LP_ERR_NULL;
    if (cfg->min_on_ms > 86400000u || cfg->min_off_ms > 86400000u || cfg->trip_cycles < 1u ||
        cfg->trip_cycles > 1000u || (unsigned)cfg->power_on > 2u)
        return LP_ERR_RANGE;
    memset(r, 0, sizeof *r);
    r->cfg = *cfg;
    r->tripped = last_tripped ? 1u : 0u;
    r->changed_ms = now_ms;
    uint8_t target = 0;
    if (cfg->power_on == LP_FW_POWER_ON_ON) target = 1;
    else if (cfg->power_on == LP_FW_POWER_ON_LAST) target = last_on ? 1u : 0u;
    if (r->tripped) target = 0;
    r->boot_target = target;
    r->boot_pending = target;
    return LP_OK;
}

int lp_fw_relay_tick(lp_fw_relay_t *r, uint64_t now_ms)
{
    if (!r || !r->boot_pending) return 0;
    if (now_ms - r->changed_ms < r->cfg.min_off_ms) return 0;
    r->boot_pending = 0;
    if (r->tripped || r->on == r->boot_target) return 0;
    r->on = r->boot_target;
    r->changed_ms = now_ms;
    r->switches++;
    return 1;
}

lp_status_t lp_fw_relay_request(lp_fw_relay_t *r, int on, uint64_t now_ms, uint32_t *retry_after_ms)
{
    if (!r) return LP_ERR_NULL;
    if (retry_after_ms) *retry_after_ms = 0;
    uint8_t want = on ? 1u : 0u;
    if (want && r->tripped) return LP_ERR_FW_RELAY_TRIPPED;
    r->boot_pending = 0;
    if (want == r->on) return LP_OK;
    uint64_t held = now_ms - r->changed_ms;
    uint32_t min = r->on ? r->cfg.min_on_ms : r->cfg.min_off_ms;
    if (held < min) {
        if (retry_after_ms) *retry_after_ms = (uint32_t)(min - held);
        return r->on ? LP_ERR_FW_RELAY_MIN_ON : LP_ERR_FW_RELAY_MIN_OFF;
    }
    r->on = want;
    r->changed_ms = now_ms;
    r->switches++;
    return LP_OK;
}

int lp_fw_relay_cycle(lp_fw_relay_t *r, uint32_t irms_ma, uint64_t now_ms)
{
    if (!r || r->cfg.limit_ma == 0u) return 0;
    if (irms_ma <= r->cfg.limit_ma) { r->over_count = 0; return 0; }
    if (++r->over_count < r->cfg.trip_cycles) return 0;
    r->over_count = 0;
    if (r->tripped && !r->on) return 0;
    r->tripped = 1;
    r->boot_pending = 0;
    if (r->on) {
        r->on = 0;
        r->changed_ms = now_ms;
        r->switches++;
    }
    return 1;
}

lp_status_t lp_fw_relay_clear_trip(lp_fw_relay_t *r)
{
    if (!r) return LP_ERR_NULL;
    r->tripped = 0;
    r->over_count = 0;
    return LP_OK;
}

int lp_fw_relay_is_on(const lp_fw_relay_t *r) { return r && r->on; }
