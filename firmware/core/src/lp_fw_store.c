/* lp_fw_store.c - power-loss-safe wear-levelled record log (see lp_fw_store.h). */
#include "lp_fw_store.h"

#include <string.h>

uint32_t lp_fw_crc32(const void *data, uint32_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    uint32_t crc = 0xFFFFFFFFu;
    for (uint32_t k = 0; k < len; k++) {
        crc ^= p[k];
        for (int b = 0; b < 8; b++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++) p[k] = (uint8_t)(v >> (8 * k));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int k = 0; k < 8; k++) p[k] = (uint8_t)(v >> (8 * k));
}
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
static uint32_t get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int k = 3; k >= 0; k--) v = (v << 8) | p[k];
    return v;
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--) v = (v << 8) | p[k];
    return v;
}

static void encode(uint8_t *b, const lp_fw_record_t *r)
{
    put16(b, r->epoch);
    b[2] = (uint8_t)LP_FW_STORE_TAG;
    b[3] = (uint8_t)((r->relay_on ? 1u : 0u) | (r->tripped ? 2u : 0u));
    put64(b + 8, r->energy_import_uwh);
    put64(b + 16, r->energy_export_uwh);
    put32(b + 24, r->boot_count);
}

static void decode(const uint8_t *b, lp_fw_record_t *r)
{
    r->relay_on = (uint8_t)(b[3] & 1u);
    r->tripped = (uint8_t)((b[3] >> 1) & 1u);
    r->energy_import_uwh = get64(b + 8);
    r->energy_export_uwh = get64(b + 16);
    r->boot_count = get32(b + 24);
    r->epoch = (uint16_t)get16(b);
}

static void encode_settings(uint8_t *b, const lp_fw_settings_t *c)
{
    put16(b, 0);
    b[2] = (uint8_t)LP_FW_STORE_TAG_SETTINGS;
    b[3] = c->power_on;
    put32(b + 8, c->min_on_ms);
    put32(b + 12, c->min_off_ms);
    put32(b + 16, c->limit_ma);
    put32(b + 20, c->interval_ms);
    put32(b + 24, c->trip_cycles);
}

static void decode_settings(const uint8_t *b, lp_fw_settings_t *c)
{
    c->power_on = b[3];
    c->min_on_ms = get32(b + 8);
    c->min_off_ms = get32(b + 12);
    c->limit_ma = get32(b + 16);
    c->interval_ms = get32(b + 20);
    c->trip_cycles = get32(b + 24);
}

/* 1 when b holds a valid record of this store's layout */
static int valid(const uint8_t *b, uint8_t tag, uint32_t *seq)
{
    if (b[2] != tag) return 0;
    if (get32(b + 28) != lp_fw_crc32(b, 28)) return 0;
    *seq = get32(b + 4);
    return 1;
}

static int blank(const uint8_t *b)
{
    for (uint32_t k = 0; k < LP_FW_STORE_RECORD_SIZE; k++)
        if (b[k] != 0xFFu) return 0;
    return 1;
}

static uint32_t addr_of(const lp_fw_store_t *s, uint32_t sector, uint32_t slot)
{
    return sector * s->flash->sector_size + slot * LP_FW_STORE_RECORD_SIZE;
}

static lp_status_t open_tagged(lp_fw_store_t *s, const lp_fw_flash_port_t *flash, uint8_t tag)
{
    if (!s || !flash || !flash->read || !flash->write || !flash->erase) return LP_ERR_NULL;
    if (flash->sector_count < 2 || flash->sector_size < 2 * LP_FW_STORE_RECORD_SIZE ||
        flash->sector_size % LP_FW_STORE_RECORD_SIZE != 0 ||
        (uint64_t)flash->sector_size * flash->sector_count > 0xFFFFFFFFull)
        return LP_ERR_FW_FLASH_GEOM;
    memset(s, 0, sizeof *s);
    s->flash = flash;
    s->tag = tag;
    s->slots = flash->sector_size / LP_FW_STORE_RECORD_SIZE;

    uint32_t best_sector = 0, best_slot = 0;
    uint8_t b[LP_FW_STORE_RECORD_SIZE];
    for (uint32_t sec = 0; sec < flash->sector_count; sec++) {
        for (uint32_t sl = 0; sl < s->slots; sl++) {
            if (flash->read(flash->ctx, addr_of(s, sec, sl), b, sizeof b) != LP_OK) {
                s->stats.flash_errors++;
                return LP_ERR_FW_FLASH;
            }
            uint32_t seq;
            if (!valid(b, tag, &seq)) continue;
            if (!s->have || seq > s->seq) {
                s->have = 1;
                s->seq = seq;
                memcpy(s->img, b, sizeof b);
                best_sector = sec;
                best_slot = sl;
            }
        }
    }
    if (!s->have) {
        /* first write erases sector 0 */
        s->sector = flash->sector_count - 1;
        s->slot = s->slots;
        s->sector_ready = 0;
        return LP_ERR_FW_STORE_EMPTY;
    }
    /* Continue after the newest record, in its sector. Slots after it were erased with
     * the sector; a cut write shows up as a non-blank slot and is skipped at save time. */
    s->sector = best_sector;
    s->slot = best_slot + 1;
    s->sector_ready = 1;
    if (tag == LP_FW_STORE_TAG) decode(s->img, &s->last);
    return LP_OK;
}

lp_status_t lp_fw_store_open(lp_fw_store_t *s, const lp_fw_flash_port_t *flash)
{
    return open_tagged(s, flash, (uint8_t)LP_FW_STORE_TAG);
}

lp_status_t lp_fw_store_open_settings(lp_fw_store_t *s, const lp_fw_flash_port_t *flash)
{
    return open_tagged(s, flash, (uint8_t)LP_FW_STORE_TAG_SETTINGS);
}

lp_status_t lp_fw_store_last_settings(const lp_fw_store_t *s, lp_fw_settings_t *out)
{
    if (!s || !out) return LP_ERR_NULL;
    if (s->tag != LP_FW_STORE_TAG_SETTINGS) return LP_ERR_STATE;
    if (!s->have) return LP_ERR_FW_STORE_EMPTY;
    decode_settings(s->img, out);
    return LP_OK;
}

lp_status_t lp_fw_store_last(const lp_fw_store_t *s, lp_fw_record_t *out)
{
    if (!s || !out) return LP_ERR_NULL;
    if (s->tag != LP_FW_STORE_TAG) return LP_ERR_STATE;
    if (!s->have) return LP_ERR_FW_STORE_EMPTY;
    *out = s->last;
    return LP_OK;
}

/* program img (layout fields filled; seq and CRC added here) into the next slot */
static lp_status_t save_img(lp_fw_store_t *s, uint8_t *img)
{
    const lp_fw_flash_port_t *f = s->flash;
    uint8_t rd[LP_FW_STORE_RECORD_SIZE];
    uint32_t seq = s->have ? s->seq + 1u : 1u;
    put32(img + 4, seq);
    put32(img + 28, lp_fw_crc32(img, 28));

    uint32_t fails = 0, skips = 0;
    const uint32_t max_skips = s->slots * f->sector_count;
    while (fails < LP_FW_STORE_WRITE_RETRIES && skips <= max_skips) {
        if (s->slot >= s->slots || !s->sector_ready) {
            uint32_t next = (s->sector + 1u) % f->sector_count;
            if (f->erase(f->ctx, next) != LP_OK) {
                s->stats.flash_errors++;
                return LP_ERR_FW_FLASH;
            }
            s->stats.erases++;
            s->sector = next;
            s->slot = 0;
            s->sector_ready = 1;
        }
        uint32_t a = addr_of(s, s->sector, s->slot);
        if (f->read(f->ctx, a, rd, sizeof rd) != LP_OK) {
            s->stats.flash_errors++;
            return LP_ERR_FW_FLASH;
        }
        s->slot++;
        if (!blank(rd)) { /* a write cut before the last boot, or a bad cell */
            s->stats.skipped_slots++;
            skips++;
            continue;
        }
        if (f->write(f->ctx, a, img, LP_FW_STORE_RECORD_SIZE) != LP_OK) {
            s->stats.flash_errors++;
            return LP_ERR_FW_FLASH;
        }
        if (f->read(f->ctx, a, rd, sizeof rd) != LP_OK) {
            s->stats.flash_errors++;
            return LP_ERR_FW_FLASH;
        }
        if (memcmp(rd, img, LP_FW_STORE_RECORD_SIZE) != 0) {
            s->stats.skipped_slots++;
            fails++;
            continue;
        }
        s->have = 1;
        s->seq = seq;
        memcpy(s->img, img, LP_FW_STORE_RECORD_SIZE);
        s->stats.saves++;
        if (s->slot >= s->slots) {
            /* Sector full: erase the next one now, so that the next save (perhaps the
             * power-fail save, within the hold-up time) is a program only. A failure
             * here leaves sector_ready 0 and the next save erases again. */
            uint32_t next = (s->sector + 1u) % f->sector_count;
            if (f->erase(f->ctx, next) == LP_OK) {
                s->stats.erases++;
                s->sector = next;
                s->slot = 0;
            } else {
                s->stats.flash_errors++;
                s->sector_ready = 0;
            }
        }
        return LP_OK;
    }
    return LP_ERR_FW_STORE_FULL;
}

lp_status_t lp_fw_store_save(lp_fw_store_t *s, const lp_fw_record_t *rec)
{
    if (!s || !rec || !s->flash) return LP_ERR_NULL;
    if (s->tag != LP_FW_STORE_TAG) return LP_ERR_STATE;
    uint8_t img[LP_FW_STORE_RECORD_SIZE];
    memset(img, 0, sizeof img);
    encode(img, rec);
    lp_status_t st = save_img(s, img);
    if (st == LP_OK) s->last = *rec;
    return st;
}

lp_status_t lp_fw_store_save_settings(lp_fw_store_t *s, const lp_fw_settings_t *c)
{
    if (!s || !c || !s->flash) return LP_ERR_NULL;
    if (s->tag != LP_FW_STORE_TAG_SETTINGS) return LP_ERR_STATE;
    uint8_t img[LP_FW_STORE_RECORD_SIZE];
    memset(img, 0, sizeof img);
    encode_settings(img, c);
    return save_img(s, img);
}

lp_status_t lp_fw_store_stats(const lp_fw_store_t *s, lp_fw_store_stats_t *out)
{
    if (!s || !out) return LP_ERR_NULL;
    *out = s->stats;
    return LP_OK;
}
