/**
 * @file lp_fw_store.h
 * @brief Power-loss-safe, wear-levelled store of the plug's persistent record (energy
 *        counters, boot count, relay state) over a NOR flash port.
 *
 * ## Scheme (docs/firmware.md, "Energy record store")
 * The store's sectors form a circular log of fixed 32-byte records:
 * ```
 *  off size field
 *   0   2   energy epoch (counter resets so far), u16
 *   2   1   layout tag 0x4C (layout version 1; a new layout gets a new tag)
 *   3   1   flags: bit0 relay on, bit1 over-current trip latched
 *   4   4   seq: +1 per save (u32; wraps after 4.3e9 saves, i.e. never in practice)
 *   8   8   energy import, uWh
 *  16   8   energy export, uWh
 *  24   4   boot count
 *  28   4   CRC-32 (IEEE 802.3, reflected 0xEDB88320) of bytes 0..27
 * ```
 * All integers little-endian.
 * Settings use the same scheme in their own sectors with layout tag 0x53 (see
 * ::lp_fw_settings_t).
 * - A save programs the next blank slot and reads it back; only then does it return
 *   LP_OK. A slot that is not blank or does not read back (cut or bad cell) is skipped.
 * - When a save fills the current sector, the next sector in circular order (the one with
 *   the oldest records) is erased at once and writing continues there; the next save is
 *   then a single program operation, which is what the power-fail warning path needs
 *   (hold-up time: one 32-byte program and read-back, no erase). Every sector is therefore
 *   erased once per (sector_count x slots per sector) saves: wear is spread evenly.
 * - Open scans every slot and takes the valid record (layout tag, CRC) with the
 *   highest seq. A cut during a write leaves that slot invalid (CRC) so the previous
 *   record wins; a cut during an erase only touches the sector with the oldest records,
 *   never the one holding the newest.
 * Result: after any cut, open returns either the last record whose save returned LP_OK or
 * the one being saved at the cut, never anything older and never a corrupt value
 * (tests/firmware/test_fw_store.c cuts at every single flash operation).
 *
 * No malloc; the caller owns the ::lp_fw_store_t and the flash port for the store's life.
 * Not reentrant; call from one thread.
 */
#ifndef LP_FW_STORE_H
#define LP_FW_STORE_H

#include <stdint.h>
#include "lp_fw_ports.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LP_FW_STORE_RECORD_SIZE 32u  /**< bytes per record slot */
#define LP_FW_STORE_TAG 0x4Cu        /**< energy record layout tag (version 1) */
#define LP_FW_STORE_TAG_SETTINGS 0x53u /**< settings record layout tag (version 1) */
#define LP_FW_STORE_WRITE_RETRIES 4u /**< slots tried per save before LP_ERR_FW_STORE_FULL */

/** The persistent content. */
typedef struct lp_fw_record {
    uint64_t energy_import_uwh;  /**< lifetime imported energy, uWh */
    uint64_t energy_export_uwh;  /**< lifetime exported energy, uWh */
    uint32_t boot_count;         /**< boots so far (the running boot included) */
    uint16_t epoch;              /**< energy counter resets so far */
    uint8_t relay_on;            /**< last commanded relay state (for power-on "last") */
    uint8_t tripped;             /**< over-current trip latched */
} lp_fw_record_t;

/**
 * Persistent settings (a second store on its own sectors, same scheme, layout tag 0x53):
 * bytes 3 power-on state, 8 min on ms, 12 min off ms, 16 over-current limit mA,
 * 20 telemetry interval ms, 24 trip cycles (u32 each).
 */
typedef struct lp_fw_settings {
    uint32_t min_on_ms, min_off_ms, limit_ma, interval_ms, trip_cycles;
    uint8_t power_on;            /**< lp_fw_power_on_t */
} lp_fw_settings_t;

/** Counters for diagnostics and endurance measurements. */
typedef struct lp_fw_store_stats {
    uint32_t saves;          /**< saves that returned LP_OK since open */
    uint32_t erases;         /**< sector erases since open */
    uint32_t skipped_slots;  /**< slots skipped (not blank or failed read-back) */
    uint32_t flash_errors;   /**< flash operations that returned an error */
} lp_fw_store_stats_t;

/** Store state; treat as opaque. */
typedef struct lp_fw_store {
    const lp_fw_flash_port_t *flash;
    uint32_t slots;          /* slots per sector */
    uint32_t sector, slot;   /* next write position; slot == slots: sector full */
    uint8_t sector_ready;    /* the write sector is known to be erased beyond slot */
    uint8_t have;            /* a valid record exists */
    uint32_t seq;            /* seq of the newest valid record */
    uint8_t tag;             /* layout of this store's records */
    uint8_t img[LP_FW_STORE_RECORD_SIZE]; /* newest valid record as stored */
    lp_fw_record_t last;     /* newest valid record (energy store) */
    lp_fw_store_stats_t stats;
} lp_fw_store_t;

/**
 * @brief Attach to the flash, scan it and find the newest valid record.
 * @param s [out] store state, owned by the caller.
 * @param flash flash port (sector_size a multiple of 32 and >= 64, sector_count >= 2).
 * @return LP_OK (a record was found, see lp_fw_store_last()); LP_ERR_FW_STORE_EMPTY (flash
 *         holds no valid record: the store is usable, the first save starts the log);
 *         LP_ERR_NULL; LP_ERR_FW_FLASH_GEOM; LP_ERR_FW_FLASH (a read failed).
 */
lp_status_t lp_fw_store_open(lp_fw_store_t *s, const lp_fw_flash_port_t *flash);

/**
 * @brief The newest valid record.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_FW_STORE_EMPTY when nothing was ever saved;
 *         LP_ERR_STATE (a settings store).
 */
lp_status_t lp_fw_store_last(const lp_fw_store_t *s, lp_fw_record_t *out);

/**
 * @brief Append a record. On LP_OK it is durable: any later cut reopens to it (or newer).
 * @param s store; rec content to save (copied).
 * @return LP_OK; LP_ERR_NULL; LP_ERR_FW_FLASH (an erase failed: power lost; the previous
 *         record stays the newest); LP_ERR_FW_STORE_FULL (LP_FW_STORE_WRITE_RETRIES slots
 *         failed to program or read back).
 */
lp_status_t lp_fw_store_save(lp_fw_store_t *s, const lp_fw_record_t *rec);

/**
 * @brief Settings store: same as lp_fw_store_open() / _save() / _last() for
 *        ::lp_fw_settings_t records (a store holds one layout; calls of the other layout
 *        return LP_ERR_STATE).
 */
lp_status_t lp_fw_store_open_settings(lp_fw_store_t *s, const lp_fw_flash_port_t *flash);
lp_status_t lp_fw_store_save_settings(lp_fw_store_t *s, const lp_fw_settings_t *c);
lp_status_t lp_fw_store_last_settings(const lp_fw_store_t *s, lp_fw_settings_t *out);

/** @brief Copy the diagnostic counters. LP_OK or LP_ERR_NULL. */
lp_status_t lp_fw_store_stats(const lp_fw_store_t *s, lp_fw_store_stats_t *out);

/**
 * @brief CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final XOR
 *        0xFFFFFFFF; "123456789" -> 0xCBF43926). Bitwise, no table. Pure.
 */
uint32_t lp_fw_crc32(const void *data, uint32_t len);

#ifdef __cplusplus
}
#endif
#endif /* LP_FW_STORE_H */
