/* Unit tests: energy from lifetime counters (gaps, segments, resets) and statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "../../hub/energy.h"

#define EPS 1e-9

static hub_counter_t c(int64_t ts_ms, int64_t imp, uint32_t epoch) { hub_counter_t x = { ts_ms, imp, 0, epoch }; return x; }

static void test_linear_split(void **state)
{
    (void)state;
    /* 1000 mWh between t=0 and t=4000 ms; slots of 1000 ms: 0.25 Wh each */
    hub_counter_t s[2] = { c(0, 5000, 0), c(4000, 6000, 0) };
    double imp[4] = { 0 }, exp[4] = { 0 };
    hub_energy_distribute(s, 2, 0, 1000, 4, imp, exp);
    for (int k = 0; k < 4; k++) { assert_true(fabs(imp[k] - 0.25) < EPS); assert_true(exp[k] == 0); }
}

static void test_gap_loses_nothing(void **state)
{
    (void)state;
    /* a 3-hour gap inside a segment: the counter difference is spread over it */
    hub_counter_t s[3] = { c(0, 0, 1), c(1000, 100, 1), c(1000 + 3 * 3600000LL, 30100, 1) };
    double imp[12] = { 0 }, exp[12] = { 0 };
    hub_energy_distribute(s, 3, 0, 900000, 12, imp, exp); /* 12 quarter hours = 3 h */
    double sum = 0;
    for (int k = 0; k < 12; k++) sum += imp[k];
    /* everything except the last second (outside the slots) */
    double expect = 0.1 + 30.0 * (3 * 3600000.0 - 1000.0) / (3 * 3600000.0);
    assert_true(fabs(sum - expect) < 1e-9);
    /* constant rate inside the gap */
    assert_true(fabs(imp[5] - 30.0 / 12) < 1e-9);
}

static void test_reset_new_segment(void **state)
{
    (void)state;
    /* counter reset (new epoch): no negative, no spike; both segments counted */
    hub_counter_t s[5] = { c(0, 1000000, 3), c(1000, 1001000, 3), c(2000, 0, 4), c(3000, 500, 4), c(4000, 1500, 4) };
    double imp[4] = { 0 }, exp[4] = { 0 };
    hub_energy_distribute(s, 5, 0, 1000, 4, imp, exp);
    assert_true(fabs(imp[0] - 1.0) < EPS);
    assert_true(imp[1] == 0.0);
    assert_true(fabs(imp[2] - 0.5) < EPS);
    assert_true(fabs(imp[3] - 1.0) < EPS);
    /* a counter going backwards without a new epoch (replaced device) also splits */
    hub_counter_t r[3] = { c(0, 9000, 0), c(1000, 100, 0), c(2000, 200, 0) };
    double i2[2] = { 0 }, e2[2] = { 0 };
    hub_energy_distribute(r, 3, 0, 1000, 2, i2, e2);
    assert_true(i2[0] == 0.0);
    assert_true(fabs(i2[1] - 0.1) < EPS);
    assert_false(hub_energy_same_segment(&r[0], &r[1]));
    assert_true(hub_energy_same_segment(&r[1], &r[2]));
}

/* A counter that jumps forward faster than any connection can draw (a corrupted or
 * replaced counter) starts a new segment: no spike, the energy around it is kept. */
static void test_implausible_jump_new_segment(void **state)
{
    (void)state;
    hub_counter_t s[5] = { c(0, 1000000, 0), c(60000, 1010000, 0),
                           c(120000, 999999999999999LL, 0), /* +1e12 Wh in 60 s */
                           c(180000, 1000000000009999LL, 0), c(240000, 1000000000019999LL, 0) };
    assert_true(hub_energy_same_segment(&s[0], &s[1]));
    assert_false(hub_energy_same_segment(&s[1], &s[2]));
    assert_true(hub_energy_same_segment(&s[2], &s[3]));
    double imp[4] = { 0 }, exp[4] = { 0 };
    hub_energy_distribute(s, 5, 0, 60000, 4, imp, exp);
    assert_true(fabs(imp[0] - 10.0) < EPS);   /* 10 Wh in the first minute */
    assert_true(imp[1] == 0.0);               /* the jump is not consumption */
    assert_true(fabs(imp[2] - 10.0) < EPS);   /* the new segment goes on */
    assert_true(fabs(imp[3] - 10.0) < EPS);
    /* 16 A at 230 V for a minute is plausible; 100 kW + 10 Wh is the limit */
    hub_counter_t p0 = c(0, 0, 0), p1 = c(60000, 61333, 0), p2 = c(60000, 1666667 + 10000, 0);
    assert_true(hub_energy_same_segment(&p0, &p1));
    assert_false(hub_energy_same_segment(&p0, &p2));
}

static void test_out_of_order_same_result(void **state)
{
    (void)state;
    /* distributing the full sorted run equals the sum of its pairs in any order */
    hub_counter_t s[4] = { c(0, 0, 0), c(700, 70, 0), c(2500, 250, 0), c(3900, 390, 0) };
    double a[4] = { 0 }, ae[4] = { 0 }, b[4] = { 0 }, be[4] = { 0 };
    hub_energy_distribute(s, 4, 0, 1000, 4, a, ae);
    hub_energy_add_pair(&s[2], &s[3], 0, 1000, 4, b, be);
    hub_energy_add_pair(&s[0], &s[1], 0, 1000, 4, b, be);
    hub_energy_add_pair(&s[1], &s[2], 0, 1000, 4, b, be);
    for (int k = 0; k < 4; k++) assert_true(fabs(a[k] - b[k]) < EPS);
    assert_true(fabs(a[0] - 0.1) < EPS && fabs(a[1] - 0.1) < EPS && fabs(a[3] - 0.09) < EPS);
}

static void test_partial_window_and_export(void **state)
{
    (void)state;
    hub_counter_t a = { 0, 0, 0, 0 }, b = { 10000, 10000, 20000, 0 };
    double imp[2] = { 0 }, exp[2] = { 0 };
    /* slots [2500,5000) and [5000,7500) */
    hub_energy_add_pair(&a, &b, 2500, 2500, 2, imp, exp);
    assert_true(fabs(imp[0] - 2.5) < EPS && fabs(imp[1] - 2.5) < EPS);
    assert_true(fabs(exp[0] - 5.0) < EPS && fabs(exp[1] - 5.0) < EPS);
    /* a step at a single instant lands in its slot */
    hub_counter_t d1 = { 3000, 0, 0, 0 }, d2 = { 3000, 1000, 0, 0 };
    double i3[2] = { 0 }, e3[2] = { 0 };
    hub_energy_add_pair(&d1, &d2, 2500, 2500, 2, i3, e3);
    assert_true(fabs(i3[0] - 1.0) < EPS && i3[1] == 0);
}

static void test_stats(void **state)
{
    (void)state;
    hub_stats_t st;
    hub_stats_clear(&st);
    assert_true(isnan(hub_stats_mean(&st, HUB_Q_POWER)));
    double v1[HUB_NQ] = { 100, 230, 0.5, 50, 1 }, v2[HUB_NQ] = { 300, 220, 1.5, 49.9, 0.5 };
    hub_stats_add(&st, v1, hub_stats_weight(-1, 1000));     /* 1 s */
    hub_stats_add(&st, v2, hub_stats_weight(1000, 4000));   /* 3 s */
    assert_true(fabs(hub_stats_mean(&st, HUB_Q_POWER) - 250.0) < EPS);
    assert_true(st.q[HUB_Q_POWER].min == 100 && st.q[HUB_Q_POWER].max == 300);
    assert_true(fabs(hub_stats_mean(&st, HUB_Q_VOLTAGE) - 222.5) < EPS);
    assert_true(hub_stats_weight(0, 10 * 60000) == HUB_STATS_MAX_WEIGHT_MS);
    hub_stats_t st2;
    hub_stats_clear(&st2);
    hub_stats_merge(&st2, &st);
    assert_int_equal(st2.n, 2);
    assert_true(fabs(hub_stats_mean(&st2, HUB_Q_CURRENT) - 1.25) < EPS);
}

/* A quantity left out of some reports: its mean is over the reports that
 * carried it (230 V, 50 Hz), not diluted by the others' weight. */
static void test_stats_missing_quantity(void **state)
{
    (void)state;
    hub_stats_t a, b;
    hub_stats_clear(&a);
    hub_stats_clear(&b);
    for (int i = 0; i < 6; i++) {
        double v[HUB_NQ] = { 100.0 + i, i % 2 ? NAN : 230.0, NAN, i % 2 ? NAN : 50.0, NAN };
        hub_stats_add(i < 3 ? &a : &b, v, 10000.0);
    }
    hub_stats_merge(&a, &b);
    assert_true(fabs(hub_stats_mean(&a, HUB_Q_VOLTAGE) - 230.0) < 1e-12);
    assert_true(fabs(hub_stats_mean(&a, HUB_Q_FREQ) - 50.0) < 1e-12);
    assert_true(fabs(hub_stats_mean(&a, HUB_Q_POWER) - 102.5) < 1e-12);
    assert_true(isnan(hub_stats_mean(&a, HUB_Q_CURRENT)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_split),
        cmocka_unit_test(test_gap_loses_nothing),
        cmocka_unit_test(test_reset_new_segment),
        cmocka_unit_test(test_implausible_jump_new_segment),
        cmocka_unit_test(test_out_of_order_same_result),
        cmocka_unit_test(test_partial_window_and_export),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_stats_missing_quantity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
