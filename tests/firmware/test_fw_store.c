/* Energy record store: exact contents across power cuts at every flash operation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lp_fw_store.h"
#include "lp_fw_ramflash.h"

static lp_fw_record_t rec_n(uint32_t n)
{
    lp_fw_record_t r;
    memset(&r, 0, sizeof r);
    r.energy_import_uwh = (uint64_t)n * 1000003u + 7u;
    r.energy_export_uwh = (uint64_t)n * 13u;
    r.boot_count = n;
    r.relay_on = (uint8_t)(n & 1u);
    r.tripped = (uint8_t)((n >> 1) & 1u);
    r.epoch = (uint16_t)(n * 7u);
    return r;
}

static int rec_eq(const lp_fw_record_t *a, const lp_fw_record_t *b)
{
    return a->energy_import_uwh == b->energy_import_uwh && a->energy_export_uwh == b->energy_export_uwh &&
           a->boot_count == b->boot_count && a->relay_on == b->relay_on && a->tripped == b->tripped && a->epoch == b->epoch;
}

static void test_crc32_check_value(void **st)
{
    (void)st;
    assert_int_equal(lp_fw_crc32("123456789", 9), 0xCBF43926u);
}

static void test_empty_then_save_reopen(void **st)
{
    (void)st;
    static uint8_t mem[4 * 256];
    lp_fw_ramflash_t f;
    lp_fw_store_t s;
    lp_fw_record_t r, got;
    assert_int_equal(lp_fw_ramflash_init(&f, mem, 256, 4, 1), LP_OK);
    assert_int_equal(lp_fw_store_open(&s, &f.port), LP_ERR_FW_STORE_EMPTY);
    assert_int_equal(lp_fw_store_last(&s, &got), LP_ERR_FW_STORE_EMPTY);
    for (uint32_t n = 1; n <= 100; n++) {
        r = rec_n(n);
        assert_int_equal(lp_fw_store_save(&s, &r), LP_OK);
    }
    assert_int_equal(lp_fw_store_open(&s, &f.port), LP_OK);
    assert_int_equal(lp_fw_store_last(&s, &got), LP_OK);
    r = rec_n(100);
    assert_true(rec_eq(&got, &r));
    assert_int_equal(s.seq, 100);
}

static void test_geometry_rejected(void **st)
{
    (void)st;
    static uint8_t mem[256];
    lp_fw_ramflash_t f;
    lp_fw_store_t s;
    assert_int_equal(lp_fw_ramflash_init(&f, mem, 256, 1, 1), LP_OK);
    assert_int_equal(lp_fw_store_open(&s, &f.port), LP_ERR_FW_FLASH_GEOM);
    assert_int_equal(lp_fw_ramflash_init(&f, mem, 48, 2, 1), LP_OK);
    assert_int_equal(lp_fw_store_open(&s, &f.port), LP_ERR_FW_FLASH_GEOM);
    assert_int_equal(lp_fw_store_open(NULL, &f.port), LP_ERR_NULL);
}

/* Scenario: N saves on a small flash (wraps several times). For every operation K and
 * several partial-effect shares, cut power during K, power on, reopen: the record must be
 * the last one saved with LP_OK or the one being saved, then saving must go on normally. */
#define CUT_SECTORS 3u
#define CUT_SECTOR_SIZE 128u  /* 4 slots per sector: a wrap every 12 saves */
#define CUT_SAVES 40u

static void test_cut_at_every_operation(void **st)
{
    (void)st;
    static uint8_t mem[CUT_SECTORS * CUT_SECTOR_SIZE];
    static const uint32_t keeps[] = {0u, 1u, 250u, 500u, 969u, 1000u};
    lp_fw_ramflash_t f;
    lp_fw_store_t s;
    /* count the operations of an uncut run */
    assert_int_equal(lp_fw_ramflash_init(&f, mem, CUT_SECTOR_SIZE, CUT_SECTORS, 1), LP_OK);
    lp_fw_store_open(&s, &f.port);
    for (uint32_t n = 1; n <= CUT_SAVES; n++) {
        lp_fw_record_t r = rec_n(n);
        assert_int_equal(lp_fw_store_save(&s, &r), LP_OK);
    }
    const uint32_t total = f.ops;
    assert_true(total > CUT_SAVES); /* writes plus erases */
    uint32_t cases = 0;
    for (uint32_t ki = 0; ki < sizeof keeps / sizeof keeps[0]; ki++) {
        for (uint32_t k = 1; k <= total; k++) {
            assert_int_equal(lp_fw_ramflash_init(&f, mem, CUT_SECTOR_SIZE, CUT_SECTORS, 1), LP_OK);
            f.rng = 0x1234567u + k;
            f.cut_at_op = k;
            f.cut_keep_permille = keeps[ki];
            lp_fw_store_open(&s, &f.port);
            uint32_t last_ok = 0, failed = 0;
            for (uint32_t n = 1; n <= CUT_SAVES; n++) {
                lp_fw_record_t r = rec_n(n);
                if (lp_fw_store_save(&s, &r) == LP_OK) last_ok = n;
                else { failed = n; break; }
            }
            /* a cut during the pre-erase after the last save fails no save */
            assert_true(failed != 0 || last_ok == CUT_SAVES);
            if (failed == 0) failed = last_ok;
            lp_fw_ramflash_power_on(&f);
            lp_fw_record_t got, want_a = rec_n(last_ok), want_b = rec_n(failed);
            lp_status_t o = lp_fw_store_open(&s, &f.port);
            uint32_t have;
            if (o == LP_ERR_FW_STORE_EMPTY) {
                assert_int_equal(last_ok, 0);
                have = 0;
            } else {
                assert_int_equal(o, LP_OK);
                assert_int_equal(lp_fw_store_last(&s, &got), LP_OK);
                if (rec_eq(&got, &want_a)) have = last_ok;
                else { assert_true(rec_eq(&got, &want_b)); have = failed; }
                assert_int_not_equal(have, 0);
            }
            /* the store goes on: 30 more saves, each durable */
            for (uint32_t n = have + 1; n <= have + 30; n++) {
                lp_fw_record_t r = rec_n(n);
                assert_int_equal(lp_fw_store_save(&s, &r), LP_OK);
                lp_fw_store_t s2;
                assert_int_equal(lp_fw_store_open(&s2, &f.port), LP_OK);
                assert_int_equal(lp_fw_store_last(&s2, &got), LP_OK);
                assert_true(rec_eq(&got, &r));
            }
            cases++;
        }
    }
    assert_int_equal(cases, total * (sizeof keeps / sizeof keeps[0]));
    print_message("store: %u cut cases over %u operations, all recovered\n", cases, total);
}

/* Two cuts in a row: a cut, a reboot, then a cut during the first save after reboot. */
static void test_double_cut(void **st)
{
    (void)st;
    static uint8_t mem[CUT_SECTORS * CUT_SECTOR_SIZE];
    lp_fw_ramflash_t f;
    lp_fw_store_t s;
    for (uint32_t k1 = 1; k1 <= 30; k1++) {
        for (uint32_t k2 = 1; k2 <= 4; k2++) {
            lp_fw_ramflash_init(&f, mem, CUT_SECTOR_SIZE, CUT_SECTORS, 1);
            f.cut_at_op = k1;
            f.cut_keep_permille = 500;
            lp_fw_store_open(&s, &f.port);
            uint32_t n = 1, best = 0;
            for (; n <= 60; n++) {
                lp_fw_record_t r = rec_n(n);
                if (lp_fw_store_save(&s, &r) != LP_OK) break;
                best = n;
            }
            lp_fw_ramflash_power_on(&f);
            f.cut_at_op = k2;
            f.cut_keep_permille = 500;
            lp_fw_store_open(&s, &f.port);
            uint32_t base = s.have ? s.last.boot_count : 0;
            assert_true(base == best || base == n);
            uint32_t m = base + 1, best2 = base;
            for (; m <= base + 20; m++) {
                lp_fw_record_t r = rec_n(m);
                if (lp_fw_store_save(&s, &r) != LP_OK) break;
                best2 = m;
            }
            lp_fw_ramflash_power_on(&f);
            lp_fw_store_open(&s, &f.port);
            uint32_t got = s.have ? s.last.boot_count : 0;
            assert_true(got == best2 || got == m);
            assert_true(got >= base);
        }
    }
}

/* Wear levelling: erases spread over all sectors within one of each other. */
static void test_wear_levelling(void **st)
{
    (void)st;
    static uint8_t mem[8 * 2048];
    lp_fw_ramflash_t f;
    lp_fw_store_t s;
    lp_fw_ramflash_init(&f, mem, 2048, 8, 1);
    lp_fw_store_open(&s, &f.port);
    const uint32_t saves = 100000u;
    for (uint32_t n = 1; n <= saves; n++) {
        lp_fw_record_t r = rec_n(n);
        assert_int_equal(lp_fw_store_save(&s, &r), LP_OK);
    }
    uint32_t lo = UINT32_MAX, hi = 0, sum = 0;
    for (uint32_t k = 0; k < 8; k++) {
        if (f.erase_count[k] < lo) lo = f.erase_count[k];
        if (f.erase_count[k] > hi) hi = f.erase_count[k];
        sum += f.erase_count[k];
    }
    assert_true(hi - lo <= 1u);
    /* 64 slots per sector: one erase per 64 saves (the first sector, then a pre-erase
     * each time a save fills a sector) */
    assert_int_equal(sum, 1u + saves / 64u);
    assert_int_equal(f.writes, saves);
}

/* Every save is one program operation before it is durable: the save that fills a sector
 * erases the next one afterwards, so the following save (perhaps the power-fail save)
 * needs no erase. A cut during that pre-erase leaves the record durable. */
static void test_save_is_one_program(void **st)
{
    (void)st;
    static uint8_t mem[4 * 256]; /* 8 slots per sector */
    lp_fw_ramflash_t f;
    lp_fw_store_t s;
    lp_fw_ramflash_init(&f, mem, 256, 4, 1);
    lp_fw_store_open(&s, &f.port);
    lp_fw_record_t r = rec_n(1), got;
    lp_fw_store_save(&s, &r);
    for (uint32_t n = 2; n <= 100; n++) {
        r = rec_n(n);
        uint32_t ops = f.ops;
        int fills = s.slot + 1u == s.slots;
        if (n % 24u == 0u && fills) { /* sometimes cut the pre-erase */
            f.cut_at_op = ops + 2u;
            assert_int_equal(lp_fw_store_save(&s, &r), LP_OK);
            lp_fw_ramflash_power_on(&f);
            assert_int_equal(lp_fw_store_open(&s, &f.port), LP_OK);
            lp_fw_store_last(&s, &got);
            assert_true(rec_eq(&got, &r));
            continue;
        }
        int needs_erase = !s.sector_ready || s.slot >= s.slots;
        assert_int_equal(lp_fw_store_save(&s, &r), LP_OK);
        assert_int_equal(f.ops - ops, 1u + (uint32_t)fills + (uint32_t)needs_erase);
    }
}

/* The settings store: same scheme, its own layout; the two layouts never mix. */
static void test_settings_store(void **st)
{
    (void)st;
    static uint8_t mem[2 * 128];
    lp_fw_ramflash_t f;
    lp_fw_store_t s;
    lp_fw_settings_t c, got;
    lp_fw_record_t r = rec_n(1);
    lp_fw_ramflash_init(&f, mem, 128, 2, 1);
    assert_int_equal(lp_fw_store_open_settings(&s, &f.port), LP_ERR_FW_STORE_EMPTY);
    assert_int_equal(lp_fw_store_save(&s, &r), LP_ERR_STATE);
    for (uint32_t n = 1; n <= 20; n++) {
        memset(&c, 0, sizeof c);
        c.min_on_ms = n; c.min_off_ms = 2 * n; c.limit_ma = 3 * n; c.interval_ms = 4 * n;
        c.trip_cycles = 5 * n; c.power_on = (uint8_t)(n % 3u);
        assert_int_equal(lp_fw_store_save_settings(&s, &c), LP_OK);
    }
    assert_int_equal(lp_fw_store_open_settings(&s, &f.port), LP_OK);
    assert_int_equal(lp_fw_store_last_settings(&s, &got), LP_OK);
    assert_int_equal(got.min_on_ms, 20); assert_int_equal(got.min_off_ms, 40);
    assert_int_equal(got.limit_ma, 60); assert_int_equal(got.interval_ms, 80);
    assert_int_equal(got.trip_cycles, 100); assert_int_equal(got.power_on, 2);
    /* an energy store over the same sectors sees no record of its layout */
    assert_int_equal(lp_fw_store_open(&s, &f.port), LP_ERR_FW_STORE_EMPTY);
    assert_int_equal(lp_fw_store_last_settings(&s, &got), LP_ERR_STATE);
}

/* Flash full of garbage (never erased): open finds nothing, saving still works. */
static void test_garbage_flash(void **st)
{
    (void)st;
    static uint8_t mem[4 * 256];
    lp_fw_ramflash_t f;
    lp_fw_store_t s;
    uint32_t x = 42;
    for (size_t k = 0; k < sizeof mem; k++) { x = x * 1103515245u + 12345u; mem[k] = (uint8_t)(x >> 16); }
    lp_fw_ramflash_init(&f, mem, 256, 4, 0);
    assert_int_equal(lp_fw_store_open(&s, &f.port), LP_ERR_FW_STORE_EMPTY);
    lp_fw_record_t r = rec_n(5), got;
    assert_int_equal(lp_fw_store_save(&s, &r), LP_OK);
    assert_int_equal(lp_fw_store_open(&s, &f.port), LP_OK);
    lp_fw_store_last(&s, &got);
    assert_true(rec_eq(&got, &r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_check_value),
        cmocka_unit_test(test_empty_then_save_reopen),
        cmocka_unit_test(test_geometry_rejected),
        cmocka_unit_test(test_cut_at_every_operation),
        cmocka_unit_test(test_double_cut),
        cmocka_unit_test(test_wear_levelling),
        cmocka_unit_test(test_save_is_one_program),
        cmocka_unit_test(test_settings_store),
        cmocka_unit_test(test_garbage_flash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
