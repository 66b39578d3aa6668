/**
 * @file lp_fw_ramflash.h
 * @brief NOR flash emulation over caller memory, with power-cut injection.
 *
 * Implements ::lp_fw_flash_port_t over a byte array: erase sets a sector to 0xFF, write
 * ANDs the new bytes into the old ones (NOR programming only clears bits). The posix
 * port maps a file as the array (the virtual plug's persistent flash); tests use RAM.
 *
 * Power cut: set cut_at_op to N to cut power during the N-th program/erase operation
 * counted from lp_fw_ramflash_init() or the last lp_fw_ramflash_power_on(). That
 * operation takes partial effect (see cut_keep_permille) and returns LP_ERR_FW_FLASH;
 * every later operation, reads included, fails until lp_fw_ramflash_power_on().
 * No malloc; not reentrant.
 */
#ifndef LP_FW_RAMFLASH_H
#define LP_FW_RAMFLASH_H

#include <stdint.h>
#include "lp_fw_ports.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LP_FW_RAMFLASH_MAX_SECTORS 64u

typedef struct lp_fw_ramflash {
    lp_fw_flash_port_t port;    /**< hand &port to the store */
    uint8_t *mem;               /**< sector_size * sector_count bytes, owned by the caller */
    uint32_t ops;               /**< program/erase operations since power-on */
    uint32_t cut_at_op;         /**< 0 = never; else cut during this operation */
    /** Share of the cut operation that takes effect, 0..1000 permille: a write programs
     *  this share of its bytes (in order) plus a random bit pattern in the next byte; an
     *  erase sets this share of the sector to 0xFF and scrambles one byte after it. */
    uint32_t cut_keep_permille;
    uint32_t rng;               /**< state of the pseudo-random pattern (xorshift32, != 0) */
    uint8_t dead;               /**< power is off: every operation fails */
    uint32_t writes;            /**< program operations, lifetime */
    uint32_t erase_count[LP_FW_RAMFLASH_MAX_SECTORS]; /**< erases per sector, lifetime */
} lp_fw_ramflash_t;

/**
 * @brief Set up over mem (sector_size * sector_count bytes; erased to 0xFF when erase != 0).
 * @return LP_OK; LP_ERR_NULL; LP_ERR_RANGE (sector_count 0 or > LP_FW_RAMFLASH_MAX_SECTORS,
 *         or sector_size 0).
 */
lp_status_t lp_fw_ramflash_init(lp_fw_ramflash_t *f, void *mem, uint32_t sector_size,
                                uint32_t sector_count, int erase);

/** @brief Restore power after a cut: operations work again, ops restarts at 0, no cut armed. */
void lp_fw_ramflash_power_on(lp_fw_ramflash_t *f);

#ifdef __cplusplus
}
#endif
#endif
