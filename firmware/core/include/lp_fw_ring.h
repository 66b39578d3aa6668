/**
 * @file lp_fw_ring.h
 * @brief Bounded FIFO of fixed-size elements over caller storage: the offline buffer.
 *
 * When full, a push drops the oldest element and counts it (lp_fw_ring_t::dropped), so
 * the newest data always fits and the order of what remains is preserved.
 * No malloc; the caller owns the storage (capacity x elem_size bytes) for the ring's life.
 * Not reentrant.
 */
#ifndef LP_FW_RING_H
#define LP_FW_RING_H

#include <stdint.h>
#include "lp_fw_ports.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lp_fw_ring {
    uint8_t *buf;
    uint32_t elem_size, cap, head, count;
    uint32_t dropped;   /**< elements dropped because the ring was full, since init */
} lp_fw_ring_t;

/**
 * @brief Initialise over storage of cap * elem_size bytes.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_RANGE (cap or elem_size 0, or the product overflows).
 */
lp_status_t lp_fw_ring_init(lp_fw_ring_t *r, void *storage, uint32_t elem_size, uint32_t cap);

/**
 * @brief Append a copy of elem (elem_size bytes).
 * @return 1 when the oldest element was dropped to make room, else 0 (also for NULL args).
 */
int lp_fw_ring_push(lp_fw_ring_t *r, const void *elem);

/** @brief Pointer to element idx (0 = oldest) inside the ring, or NULL when idx >= count.
 *  Valid until the next push or pop. */
void *lp_fw_ring_at(const lp_fw_ring_t *r, uint32_t idx);

/** @brief Remove the oldest element. @return 1 when one was removed, 0 when empty. */
int lp_fw_ring_pop(lp_fw_ring_t *r);

/** @brief Number of elements held. */
uint32_t lp_fw_ring_count(const lp_fw_ring_t *r);

#ifdef __cplusplus
}
#endif
#endif
