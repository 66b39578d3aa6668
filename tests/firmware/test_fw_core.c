/* Firmware core: relay safety timing, offline ring, command de-duplication, scheduler. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lp_fw_relay.h"
#include "lp_fw_ring.h"
#include "lp_fw_dedupe.h"
#include "lp_fw_sched.h"

/* ---- relay ---- */
static lp_fw_relay_config_t rcfg(uint32_t on_ms, uint32_t off_ms, lp_fw_power_on_t po)
{
    lp_fw_relay_config_t c;
    lp_fw_relay_config_default(&c);
    c.min_on_ms = on_ms;
    c.min_off_ms = off_ms;
    c.power_on = po;
    return c;
}

static void test_relay_min_times(void **st)
{
    (void)st;
    lp_fw_relay_t r;
    lp_fw_relay_config_t c = rcfg(60000, 180000, LP_FW_POWER_ON_OFF);
    uint32_t retry = 0;
    assert_int_equal(lp_fw_relay_init(&r, &c, 1, 0, 1000), LP_OK);
    assert_int_equal(lp_fw_relay_tick(&r, 1000 + 180000), 0); /* power-on off: stays off */
    assert_false(lp_fw_relay_is_on(&r));
    /* boot counts as switched off at 1000 ms: on refused until 181 000 ms */
    assert_int_equal(lp_fw_relay_request(&r, 1, 1000 + 179999, &retry), LP_ERR_FW_RELAY_MIN_OFF);
    assert_int_equal(retry, 1);
    assert_int_equal(lp_fw_relay_request(&r, 1, 1000 + 180000, &retry), LP_OK);
    assert_true(lp_fw_relay_is_on(&r));
    assert_int_equal(retry, 0);
    /* already on: ok, nothing changes */
    assert_int_equal(lp_fw_relay_request(&r, 1, 1000 + 180001, &retry), LP_OK);
    /* off refused for 60 s */
    assert_int_equal(lp_fw_relay_request(&r, 0, 181000 + 30000, &retry), LP_ERR_FW_RELAY_MIN_ON);
    assert_int_equal(retry, 30000);
    assert_true(lp_fw_relay_is_on(&r));
    assert_int_equal(lp_fw_relay_request(&r, 0, 181000 + 60000, &retry), LP_OK);
    assert_false(lp_fw_relay_is_on(&r));
    assert_int_equal(lp_fw_relay_request(&r, 1, 241000 + 179000, &retry), LP_ERR_FW_RELAY_MIN_OFF);
    assert_int_equal(retry, 1000);
    assert_int_equal(r.switches, 2);
}

static void test_relay_power_on_states(void **st)
{
    (void)st;
    lp_fw_relay_t r;
    lp_fw_relay_config_t c = rcfg(0, 0, LP_FW_POWER_ON_ON);
    lp_fw_relay_init(&r, &c, 0, 0, 5);
    assert_false(lp_fw_relay_is_on(&r));
    assert_int_equal(lp_fw_relay_tick(&r, 5), 1);
    assert_true(lp_fw_relay_is_on(&r));
    c = rcfg(0, 0, LP_FW_POWER_ON_LAST);
    lp_fw_relay_init(&r, &c, 1, 0, 5);
    assert_int_equal(lp_fw_relay_tick(&r, 5), 1);
    assert_true(lp_fw_relay_is_on(&r));
    lp_fw_relay_init(&r, &c, 0, 0, 5);
    assert_int_equal(lp_fw_relay_tick(&r, 5), 0);
    assert_false(lp_fw_relay_is_on(&r));
    /* last = on but a latched trip keeps it off */
    lp_fw_relay_init(&r, &c, 1, 1, 5);
    assert_int_equal(lp_fw_relay_tick(&r, 10), 0);
    assert_false(lp_fw_relay_is_on(&r));
    /* power-on waits for the minimum off time */
    c = rcfg(0, 3000, LP_FW_POWER_ON_ON);
    lp_fw_relay_init(&r, &c, 0, 0, 100);
    assert_int_equal(lp_fw_relay_tick(&r, 3099), 0);
    assert_false(lp_fw_relay_is_on(&r));
    assert_int_equal(lp_fw_relay_tick(&r, 3100), 1);
    assert_true(lp_fw_relay_is_on(&r));
    /* a command before that cancels the pending power-on state */
    lp_fw_relay_init(&r, &c, 0, 0, 100);
    assert_int_equal(lp_fw_relay_request(&r, 0, 200, NULL), LP_OK);
    assert_int_equal(lp_fw_relay_tick(&r, 5000), 0);
    assert_false(lp_fw_relay_is_on(&r));
    c.trip_cycles = 0;
    assert_int_equal(lp_fw_relay_init(&r, &c, 0, 0, 0), LP_ERR_RANGE);
}

static void test_relay_overcurrent(void **st)
{
    (void)st;
    lp_fw_relay_t r;
    lp_fw_relay_config_t c = rcfg(600000, 0, LP_FW_POWER_ON_ON);
    c.limit_ma = 10000;
    c.trip_cycles = 3;
    lp_fw_relay_init(&r, &c, 0, 0, 0);
    lp_fw_relay_tick(&r, 0);
    assert_true(lp_fw_relay_is_on(&r));
    /* inrush: two cycles above, then below: no trip */
    assert_int_equal(lp_fw_relay_cycle(&r, 30000, 20), 0);
    assert_int_equal(lp_fw_relay_cycle(&r, 20000, 40), 0);
    assert_int_equal(lp_fw_relay_cycle(&r, 10000, 60), 0); /* at the limit is not above */
    assert_int_equal(lp_fw_relay_cycle(&r, 10001, 80), 0);
    assert_int_equal(lp_fw_relay_cycle(&r, 10001, 100), 0);
    assert_true(lp_fw_relay_is_on(&r));
    /* third consecutive cycle trips, overriding the 10 min minimum on time */
    assert_int_equal(lp_fw_relay_cycle(&r, 10001, 120), 1);
    assert_false(lp_fw_relay_is_on(&r));
    assert_true(r.tripped);
    uint32_t retry = 7;
    assert_int_equal(lp_fw_relay_request(&r, 1, 1000, &retry), LP_ERR_FW_RELAY_TRIPPED);
    assert_int_equal(retry, 0);
    assert_int_equal(lp_fw_relay_request(&r, 0, 1000, &retry), LP_OK);
    assert_int_equal(lp_fw_relay_clear_trip(&r), LP_OK);
    assert_int_equal(lp_fw_relay_request(&r, 1, 1000, &retry), LP_OK);
    assert_true(lp_fw_relay_is_on(&r));
    /* limit 0 = no cut-off */
    c.limit_ma = 0;
    lp_fw_relay_init(&r, &c, 1, 0, 0);
    lp_fw_relay_tick(&r, 0);
    for (int k = 0; k < 100; k++) assert_int_equal(lp_fw_relay_cycle(&r, 100000, (uint64_t)k), 0);
    assert_true(lp_fw_relay_is_on(&r));
}

/* ---- ring ---- */
static void test_ring_order_and_drop(void **st)
{
    (void)st;
    uint32_t store[5];
    lp_fw_ring_t r;
    assert_int_equal(lp_fw_ring_init(&r, store, sizeof(uint32_t), 5), LP_OK);
    assert_int_equal(lp_fw_ring_init(&r, store, sizeof(uint32_t), 0), LP_ERR_RANGE);
    assert_int_equal(lp_fw_ring_init(&r, NULL, sizeof(uint32_t), 5), LP_ERR_NULL);
    lp_fw_ring_init(&r, store, sizeof(uint32_t), 5);
    assert_null(lp_fw_ring_at(&r, 0));
    assert_int_equal(lp_fw_ring_pop(&r), 0);
    for (uint32_t v = 1; v <= 5; v++) assert_int_equal(lp_fw_ring_push(&r, &v), 0);
    for (uint32_t v = 6; v <= 12; v++) assert_int_equal(lp_fw_ring_push(&r, &v), 1);
    assert_int_equal(r.dropped, 7);
    assert_int_equal(lp_fw_ring_count(&r), 5);
    for (uint32_t k = 0; k < 5; k++) assert_int_equal(*(uint32_t *)lp_fw_ring_at(&r, k), 8 + k);
    assert_null(lp_fw_ring_at(&r, 5));
    /* interleaved push/pop keeps FIFO order across wrap */
    uint32_t expect = 8, next = 13;
    for (int round = 0; round < 50; round++) {
        assert_int_equal(*(uint32_t *)lp_fw_ring_at(&r, 0), expect);
        assert_int_equal(lp_fw_ring_pop(&r), 1);
        expect++;
        if (round % 3 != 2) { lp_fw_ring_push(&r, &next); next++; }
        if (lp_fw_ring_count(&r) == 0) break;
    }
    assert_int_equal(r.dropped, 7);
    while (lp_fw_ring_count(&r)) {
        assert_int_equal(*(uint32_t *)lp_fw_ring_at(&r, 0), expect);
        lp_fw_ring_pop(&r);
        expect++;
    }
    assert_int_equal(expect, next);
}

/* ---- dedupe ---- */
static void test_dedupe(void **st)
{
    (void)st;
    lp_fw_dedupe_t d;
    lp_fw_dedupe_entry_t e;
    lp_fw_dedupe_init(&d);
    assert_int_equal(lp_fw_dedupe_seen(&d, "a1", 0, &e), 0);
    lp_fw_dedupe_remember(&d, "a1", 0, 1000, 311, 4200);
    assert_int_equal(lp_fw_dedupe_seen(&d, "a1", 1000, &e), 1);
    assert_int_equal(e.status, 311);
    assert_int_equal(e.retry_after_ms, 4200);
    assert_int_equal(lp_fw_dedupe_seen(&d, "a1", 1001, &e), 0); /* forgotten */
    assert_int_equal(lp_fw_dedupe_seen(&d, "a2", 0, &e), 0);
    /* a full table: one more id replaces the oldest */
    char id[16];
    for (int k = 0; k < (int)LP_FW_DEDUPE_SLOTS + 1; k++) {
        snprintf(id, sizeof id, "c%d", k);
        lp_fw_dedupe_remember(&d, id, 2000, 600000, 0, 0);
    }
    assert_int_equal(lp_fw_dedupe_seen(&d, "c0", 2001, NULL), 0); /* the oldest was replaced */
    assert_int_equal(lp_fw_dedupe_seen(&d, "c1", 2001, NULL), 1);
    assert_int_equal(lp_fw_dedupe_seen(&d, "c32", 2001, NULL), 1);
    /* long ids compare on their first 47 bytes */
    char l1[80], l2[80];
    memset(l1, 'x', 79); l1[79] = 0;
    memcpy(l2, l1, 80); l2[70] = 'y';
    lp_fw_dedupe_remember(&d, l1, 3000, 1000, 0, 0);
    assert_int_equal(lp_fw_dedupe_seen(&d, l2, 3000, NULL), 1);
    /* expiry */
    assert_int_equal(lp_fw_cmd_check_expiry(0, 0, 0), LP_OK);
    assert_int_equal(lp_fw_cmd_check_expiry(5000, 0, 0), LP_ERR_FW_NO_TIME);
    assert_int_equal(lp_fw_cmd_check_expiry(5000, 1, 4999), LP_OK);
    assert_int_equal(lp_fw_cmd_check_expiry(5000, 1, 5000), LP_ERR_FW_CMD_EXPIRED);
    assert_int_equal(lp_fw_cmd_keep_ms(0, 1, 0), LP_FW_DEDUPE_KEEP_MS);
    assert_int_equal(lp_fw_cmd_keep_ms(2000000, 1, 1000), 1999000);
    assert_int_equal(lp_fw_cmd_keep_ms(2000, 1, 1000), LP_FW_DEDUPE_KEEP_MS);
}

/* ---- scheduler ---- */
static void test_sched(void **st)
{
    (void)st;
    lp_fw_sched_t s;
    assert_int_equal(lp_fw_sched_init(&s, 999, 0, 0), LP_ERR_RANGE);
    assert_int_equal(lp_fw_sched_init(&s, 10000, 50000, 1000), LP_OK);
    assert_int_equal(lp_fw_sched_due(&s, 123, 0), 1);
    lp_fw_sched_mark(&s, 1000, 100000);
    assert_int_equal(lp_fw_sched_due(&s, 10999, 100000), 0);
    assert_int_equal(lp_fw_sched_due(&s, 11000, 100000), 1);
    assert_int_equal(lp_fw_sched_due(&s, 1999, 200000), 0);  /* step, but inside min gap */
    assert_int_equal(lp_fw_sched_due(&s, 2000, 150000), 0);  /* exactly the step: not more */
    assert_int_equal(lp_fw_sched_due(&s, 2000, 150001), 2);
    assert_int_equal(lp_fw_sched_due(&s, 2000, 49999), 2);
    lp_fw_sched_mark(&s, 2000, 49999);
    assert_int_equal(lp_fw_sched_due(&s, 11999, 49999), 0);
    assert_int_equal(lp_fw_sched_due(&s, 12000, 49999), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay_min_times),
        cmocka_unit_test(test_relay_power_on_states),
        cmocka_unit_test(test_relay_overcurrent),
        cmocka_unit_test(test_ring_order_and_drop),
        cmocka_unit_test(test_dedupe),
        cmocka_unit_test(test_sched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
