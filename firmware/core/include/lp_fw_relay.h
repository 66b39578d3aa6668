/**
 * @file lp_fw_relay.h
 * @brief Relay safety logic: minimum on and off times (compressor protection), power-on
 *        state, over-current cut-off with a latched protection trip.
 *
 * Pure state machine: it decides, the caller drives the GPIO (lp_fw_relay_is_on()).
 * Rules (docs/firmware.md, "Relay safety"):
 * - A switch request that would end an on period shorter than min_on_ms, or an off period
 *   shorter than min_off_ms, is refused with the time after which it can be retried.
 *   Compressors (fridges, heat pumps) must not restart against head pressure; 3 minutes
 *   off is the usual protection delay of compressor relays.
 * - At boot the relay is off and counts as switched off at boot time (the load may just
 *   have lost power). The power-on state (off / on / last saved) is applied by
 *   lp_fw_relay_tick() once min_off_ms has passed since boot (at once when it is 0).
 * - Over-current: when `trip_cycles` consecutive mains cycles have an RMS current above
 *   limit_ma, the relay opens at once (safety overrides the minimum on time) and the trip
 *   latches: switch-on requests are refused until lp_fw_relay_clear_trip(). The trip is
 *   persisted, so it survives a reboot. Several cycles filter motor inrush (a fridge
 *   compressor's ~11 A peak lasts a few cycles).
 * Not reentrant; main loop only. Times are monotonic ms (lp_fw_clock_port_t::mono_ms).
 */
#ifndef LP_FW_RELAY_H
#define LP_FW_RELAY_H

#include <stdint.h>
#include "lp_fw_ports.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Power-on state. */
typedef enum { LP_FW_POWER_ON_OFF = 0, LP_FW_POWER_ON_ON = 1, LP_FW_POWER_ON_LAST = 2 } lp_fw_power_on_t;

typedef struct lp_fw_relay_config {
    uint32_t min_on_ms;      /**< minimum on time, 0..86 400 000 ms (default 0) */
    uint32_t min_off_ms;     /**< minimum off time, 0..86 400 000 ms (default 0) */
    uint32_t limit_ma;       /**< over-current limit, RMS mA, 0 = no cut-off (default 16 000) */
    uint32_t trip_cycles;    /**< consecutive cycles above the limit that trip, 1..1000 (default 5) */
    lp_fw_power_on_t power_on; /**< state applied after boot (default LP_FW_POWER_ON_LAST) */
} lp_fw_relay_config_t;

typedef struct lp_fw_relay {
    lp_fw_relay_config_t cfg;
    uint8_t on, tripped, boot_pending, boot_target;
    uint32_t over_count;
    uint64_t changed_ms;     /* time of the last switch (boot counts as a switch off) */
    uint32_t switches;       /* switch operations since init */
} lp_fw_relay_t;

/** @brief Defaults as documented in lp_fw_relay_config_t. LP_OK or LP_ERR_NULL. */
lp_status_t lp_fw_relay_config_default(lp_fw_relay_config_t *cfg);

/**
 * @brief Start at boot: relay off, trip restored, power-on state armed.
 * @param last_on, last_tripped the persisted record (0 when there is none).
 * @return LP_OK; LP_ERR_NULL; LP_ERR_RANGE (a config value outside its range).
 */
lp_status_t lp_fw_relay_init(lp_fw_relay_t *r, const lp_fw_relay_config_t *cfg,
                             int last_on, int last_tripped, uint64_t now_ms);

/**
 * @brief Apply the pending power-on state when its time has come.
 * @return 1 when the relay state changed, else 0.
 */
int lp_fw_relay_tick(lp_fw_relay_t *r, uint64_t now_ms);

/**
 * @brief Request a state (a command). A pending power-on state is cancelled.
 * @param retry_after_ms [out, may be NULL] for the min-time refusals: ms until it can succeed.
 * @return LP_OK (switched, or already in that state); LP_ERR_NULL;
 *         LP_ERR_FW_RELAY_MIN_ON / LP_ERR_FW_RELAY_MIN_OFF (refused, see retry_after_ms);
 *         LP_ERR_FW_RELAY_TRIPPED (switch-on refused while the trip is latched).
 */
lp_status_t lp_fw_relay_request(lp_fw_relay_t *r, int on, uint64_t now_ms, uint32_t *retry_after_ms);

/**
 * @brief Feed one mains cycle's RMS current.
 * @return 1 when this cycle tripped the protection (the relay is now off), else 0.
 */
int lp_fw_relay_cycle(lp_fw_relay_t *r, uint32_t irms_ma, uint64_t now_ms);

/** @brief Clear a latched trip (the relay stays off). LP_OK or LP_ERR_NULL. */
lp_status_t lp_fw_relay_clear_trip(lp_fw_relay_t *r);

/** @brief 1 when the contact should be closed. */
int lp_fw_relay_is_on(const lp_fw_relay_t *r);

#ifdef __cplusplus
}
#endif
#endif
