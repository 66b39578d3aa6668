/* lp_fw_ring.c - bounded drop-oldest FIFO (see lp_fw_ring.h). */
#include "lp_fw_ring.h"

#include <string.h>

lp_status_t lp_fw_ring_init(lp_fw_ring_t *r, void *storage, uint32_t elem_size, uint32_t cap)
{
    if (!r || !storage) return LP_ERR_NULL;
    if (elem_size == 0u || cap == 0u || (uint64_t)elem_size * cap > 0xFFFFFFFFull) return LP_ERR_RANGE;
    memset(r, 0, sizeof *r);
    r->buf = (uint8_t *)storage;
    r->elem_size = elem_size;
    r->cap = cap;
    return LP_OK;
}

int lp_fw_ring_push(lp_fw_ring_t *r, const void *elem)
{
    if (!r || !elem || !r->buf) return 0;
    int dropped = 0;
    if (r->count == r->cap) {
        r->head = (r->head + 1u) % r->cap;
        r->count--;
        r->dropped++;
        dropped = 1;
    }
    uint32_t tail = (r->head + r->count) % r->cap;
    memcpy(r->buf + (size_t)tail * r->elem_size, elem, r->elem_size);
    r->count++;
    return dropped;
}

void *lp_fw_ring_at(const lp_fw_ring_t *r, uint32_t idx)
{
    if (!r || idx >= r->count) return NULL;
    return r->buf + (size_t)((r->head + idx) % r->cap) * r->elem_size;
}

int lp_fw_ring_pop(lp_fw_ring_t *r)
{
    if (!r || r->count == 0u) return 0;
    r->head = (r->head + 1u) % r->cap;
    r->count--;
    return 1;
}

uint32_t lp_fw_ring_count(const lp_fw_ring_t *r) { return r ? r->count : 0u; }
