/* lp_fw_dedupe.c - command de-duplication (see lp_fw_dedupe.h). */
#include "lp_fw_dedupe.h"

#include <string.h>

lp_status_t lp_fw_dedupe_init(lp_fw_dedupe_t *d)
{
    if (!d) return LP_ERR_NULL;
    memset(d, 0, sizeof *d);
    return LP_OK;
}

static int same(const char *a, const char *b)
{
    return strncmp(a, b, LP_FW_DEDUPE_ID_MAX - 1u) == 0;
}

int lp_fw_dedupe_seen(lp_fw_dedupe_t *d, const char *id, uint64_t now_mono_ms,
                      lp_fw_dedupe_entry_t *out)
{
    if (!d || !id) return 0;
    for (uint32_t k = 0; k < LP_FW_DEDUPE_SLOTS; k++) {
        lp_fw_dedupe_entry_t *e = &d->e[k];
        if (!e->used) continue;
        if (now_mono_ms > e->forget_mono_ms) { e->used = 0; continue; }
        if (same(e->id, id)) {
            if (out) *out = *e;
            d->duplicates++;
            return 1;
        }
    }
    return 0;
}

lp_status_t lp_fw_dedupe_remember(lp_fw_dedupe_t *d, const char *id, uint64_t now_mono_ms,
                                  uint64_t keep_ms, int32_t status, uint32_t retry_after_ms)
{
    if (!d || !id) return LP_ERR_NULL;
    uint32_t slot = d->next;
    for (uint32_t k = 0; k < LP_FW_DEDUPE_SLOTS; k++) /* reuse a free slot first */
        if (!d->e[k].used) { slot = k; break; }
    lp_fw_dedupe_entry_t *e = &d->e[slot];
    memset(e, 0, sizeof *e);
    size_t n = strlen(id);
    if (n > LP_FW_DEDUPE_ID_MAX - 1u) n = LP_FW_DEDUPE_ID_MAX - 1u;
    memcpy(e->id, id, n);
    e->forget_mono_ms = now_mono_ms + keep_ms;
    e->status = status;
    e->retry_after_ms = retry_after_ms;
    e->used = 1;
    if (slot == d->next) d->next = (d->next + 1u) % LP_FW_DEDUPE_SLOTS;
    return LP_OK;
}

lp_status_t lp_fw_cmd_check_expiry(int64_t expires_ms, int have_wall, int64_t wall_ms)
{
    if (expires_ms == 0) return LP_OK;
    if (!have_wall) return LP_ERR_FW_NO_TIME;
    return wall_ms >= expires_ms ? LP_ERR_FW_CMD_EXPIRED : LP_OK;
}

uint64_t lp_fw_cmd_keep_ms(int64_t expires_ms, int have_wall, int64_t wall_ms)
{
    uint64_t keep = LP_FW_DEDUPE_KEEP_MS;
    if (expires_ms != 0 && have_wall && expires_ms > wall_ms &&
        (uint64_t)(expires_ms - wall_ms) > keep)
        keep = (uint64_t)(expires_ms - wall_ms);
    return keep;
}
