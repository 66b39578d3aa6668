/* lp_fw_ramflash.c - NOR flash emulation with power-cut injection (see lp_fw_ramflash.h). */
#include "lp_fw_ramflash.h"

#include <string.h>

static uint8_t rnd(lp_fw_ramflash_t *f)
{
    uint32_t x = f->rng ? f->rng : 0x12345678u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    f->rng = x;
    return (uint8_t)x;
}

/* 1 when this operation is the cut one (and marks the flash dead) */
static int cut_now(lp_fw_ramflash_t *f)
{
    f->ops++;
    if (f->cut_at_op != 0u && f->ops == f->cut_at_op) {
        f->dead = 1;
        return 1;
    }
    return 0;
}

static lp_status_t rf_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    lp_fw_ramflash_t *f = (lp_fw_ramflash_t *)ctx;
    if (f->dead || (uint64_t)addr + len > (uint64_t)f->port.sector_size * f->port.sector_count)
        return LP_ERR_FW_FLASH;
    memcpy(buf, f->mem + addr, len);
    return LP_OK;
}

static lp_status_t rf_write(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    lp_fw_ramflash_t *f = (lp_fw_ramflash_t *)ctx;
    const uint8_t *src = (const uint8_t *)buf;
    if (f->dead || (uint64_t)addr + len > (uint64_t)f->port.sector_size * f->port.sector_count)
        return LP_ERR_FW_FLASH;
    uint32_t n = len;
    int cut = cut_now(f);
    if (cut) n = (uint32_t)((uint64_t)len * f->cut_keep_permille / 1000u);
    for (uint32_t k = 0; k < n; k++) f->mem[addr + k] &= src[k];
    if (cut) {
        if (n < len) f->mem[addr + n] &= (uint8_t)(src[n] | rnd(f)); /* half-programmed byte */
        return LP_ERR_FW_FLASH;
    }
    f->writes++;
    return LP_OK;
}

static lp_status_t rf_erase(void *ctx, uint32_t sector)
{
    lp_fw_ramflash_t *f = (lp_fw_ramflash_t *)ctx;
    if (f->dead || sector >= f->port.sector_count) return LP_ERR_FW_FLASH;
    uint8_t *p = f->mem + (size_t)sector * f->port.sector_size;
    uint32_t n = f->port.sector_size;
    int cut = cut_now(f);
    if (cut) n = (uint32_t)((uint64_t)n * f->cut_keep_permille / 1000u);
    memset(p, 0xFF, n);
    if (cut) {
        if (n < f->port.sector_size) p[n] ^= (uint8_t)(rnd(f) | 1u); /* disturbed byte */
        return LP_ERR_FW_FLASH;
    }
    f->erase_count[sector]++;
    return LP_OK;
}

lp_status_t lp_fw_ramflash_init(lp_fw_ramflash_t *f, void *mem, uint32_t sector_size,
                                uint32_t sector_count, int erase)
{
    if (!f || !mem) return LP_ERR_NULL;
    if (sector_count == 0u || sector_count > LP_FW_RAMFLASH_MAX_SECTORS || sector_size == 0u)
        return LP_ERR_RANGE;
    memset(f, 0, sizeof *f);
    f->mem = (uint8_t *)mem;
    f->rng = 0x9E3779B9u;
    f->port.ctx = f;
    f->port.sector_size = sector_size;
    f->port.sector_count = sector_count;
    f->port.read = rf_read;
    f->port.write = rf_write;
    f->port.erase = rf_erase;
    if (erase) memset(mem, 0xFF, (size_t)sector_size * sector_count);
    return LP_OK;
}

void lp_fw_ramflash_power_on(lp_fw_ramflash_t *f)
{
    if (!f) return;
    f->dead = 0;
    f->ops = 0;
    f->cut_at_op = 0;
}
