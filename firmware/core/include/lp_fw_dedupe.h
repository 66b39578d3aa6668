/**
 * @file lp_fw_dedupe.h
 * @brief Command de-duplication by id, and `expires` checking.
 *
 * MQTT QoS 1 delivers a command at least once, and a hub may resend it: a command id
 * seen before is not executed again; its first ack is repeated instead. The table keeps
 * the last LP_FW_DEDUPE_SLOTS ids (oldest replaced first), each for LP_FW_DEDUPE_KEEP_MS
 * or until its `expires` time if later: after `expires` a resent copy is refused as
 * expired anyway. No malloc, not reentrant.
 */
#ifndef LP_FW_DEDUPE_H
#define LP_FW_DEDUPE_H

#include <stdint.h>
#include "lp_fw_ports.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LP_FW_DEDUPE_ID_MAX 48u         /**< longest id kept, bytes including the NUL */
#define LP_FW_DEDUPE_SLOTS 32u          /**< ids remembered (protocol: at least 16) */
#define LP_FW_DEDUPE_KEEP_MS 600000u    /**< minimum memory of an id: 10 min */

/** What was answered to a command. */
typedef struct lp_fw_dedupe_entry {
    char id[LP_FW_DEDUPE_ID_MAX];
    uint64_t forget_mono_ms;   /**< the entry is forgotten after this monotonic time */
    int32_t status;            /**< lp_status_t of the first execution */
    uint32_t retry_after_ms;   /**< retry hint given in the first ack */
    uint8_t used;
} lp_fw_dedupe_entry_t;

typedef struct lp_fw_dedupe {
    lp_fw_dedupe_entry_t e[LP_FW_DEDUPE_SLOTS];
    uint32_t next;
    uint32_t duplicates;       /**< duplicates recognised since init */
} lp_fw_dedupe_t;

/** @brief Empty table. LP_OK or LP_ERR_NULL. */
lp_status_t lp_fw_dedupe_init(lp_fw_dedupe_t *d);

/**
 * @brief Look an id up.
 * @param id NUL-terminated; ids of LP_FW_DEDUPE_ID_MAX bytes or more are compared on
 *        their first LP_FW_DEDUPE_ID_MAX-1 bytes.
 * @param now_mono_ms monotonic time.
 * @param out [out, may be NULL] the remembered answer.
 * @return 1 when the id was seen and is still remembered (a duplicate), else 0.
 */
int lp_fw_dedupe_seen(lp_fw_dedupe_t *d, const char *id, uint64_t now_mono_ms,
                      lp_fw_dedupe_entry_t *out);

/**
 * @brief Remember the answer to a newly executed command.
 * @param keep_ms how long to remember it (use lp_fw_cmd_keep_ms()).
 * @return LP_OK or LP_ERR_NULL.
 */
lp_status_t lp_fw_dedupe_remember(lp_fw_dedupe_t *d, const char *id, uint64_t now_mono_ms,
                                  uint64_t keep_ms, int32_t status, uint32_t retry_after_ms);

/**
 * @brief Expiry check of a command.
 * @param expires_ms the command's `expires` (Unix ms), 0 = none.
 * @param have_wall 1 when the wall clock is set; wall_ms its value.
 * @return LP_OK (no expiry, or not yet expired); LP_ERR_FW_CMD_EXPIRED (wall_ms >= expires);
 *         LP_ERR_FW_NO_TIME (an expiry is given but the clock is not set: it cannot be
 *         honoured, so the command is refused).
 */
lp_status_t lp_fw_cmd_check_expiry(int64_t expires_ms, int have_wall, int64_t wall_ms);

/** @brief How long to remember a command: max(LP_FW_DEDUPE_KEEP_MS, expires - now). */
uint64_t lp_fw_cmd_keep_ms(int64_t expires_ms, int have_wall, int64_t wall_ms);

#ifdef __cplusplus
}
#endif
#endif
