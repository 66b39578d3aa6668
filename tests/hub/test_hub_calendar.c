/* Unit tests: IANA zones and local calendar buckets (DST days of Europe/Paris). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../hub/calendar.h"

/* 2026-03-29 00:00 CET = 2026-03-28T23:00Z; DST starts 01:00Z; 2026-10-25 00:00 CEST = 10-24T22:00Z */
#define MAR29 1774738800LL   /* 2026-03-28T23:00:00Z */
#define MAR29_DST 1774746000LL /* 2026-03-29T01:00:00Z */
#define OCT25 1792879200LL   /* 2026-10-24T22:00:00Z */
#define OCT25_STD 1792890000LL /* 2026-10-25T01:00:00Z */

static hub_tz_t *paris, *kolkata, *utc;

static int setup(void **state)
{
    (void)state;
    if (hub_tz_load("Europe/Paris", &paris) != LP_OK) return -1;
    if (hub_tz_load("Asia/Kolkata", &kolkata) != LP_OK) return -1;
    if (hub_tz_load("UTC", &utc) != LP_OK) return -1;
    return 0;
}
static int teardown(void **state) { (void)state; hub_tz_free(paris); hub_tz_free(kolkata); hub_tz_free(utc); return 0; }

static void test_civil(void **state)
{
    (void)state;
    assert_int_equal(hub_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(hub_days_from_civil(2026, 3, 29) * 86400, MAR29 + 3600);
    int64_t y; unsigned m, d;
    hub_civil_from_days(hub_days_from_civil(2024, 2, 29), &y, &m, &d);
    assert_int_equal(y, 2024); assert_int_equal(m, 2); assert_int_equal(d, 29);
}

static void test_offsets(void **state)
{
    (void)state;
    assert_int_equal(hub_tz_offset_s(paris, MAR29_DST - 1), 3600);
    assert_int_equal(hub_tz_offset_s(paris, MAR29_DST), 7200);
    assert_int_equal(hub_tz_offset_s(paris, OCT25_STD - 1), 7200);
    assert_int_equal(hub_tz_offset_s(paris, OCT25_STD), 3600);
    assert_int_equal(hub_tz_offset_s(kolkata, MAR29), 19800);
    assert_int_equal(hub_tz_offset_s(utc, MAR29), 0);
}

static void test_bad_names(void **state)
{
    (void)state;
    hub_tz_t *t = NULL;
    assert_int_equal(hub_tz_load("../../etc/passwd", &t), HUB_ERR_TZ);
    assert_int_equal(hub_tz_load("/etc/localtime", &t), HUB_ERR_TZ);
    assert_int_equal(hub_tz_load("Mars/Olympus", &t), HUB_ERR_TZ);
    assert_int_equal(hub_tz_load("", &t), HUB_ERR_TZ);
    assert_null(t);
}

static void test_local_to_utc(void **state)
{
    (void)state;
    int64_t day = hub_days_from_civil(2026, 3, 29) * 86400;
    /* 02:30 does not exist on 2026-03-29: the first instant at or after it is 01:00Z (03:00 CEST) */
    assert_int_equal(hub_tz_local_to_utc(paris, day + 2 * 3600 + 1800), MAR29_DST);
    /* 02:30 on 2026-10-25 happens twice: first occurrence is 00:30Z */
    int64_t oct = hub_days_from_civil(2026, 10, 25) * 86400;
    assert_int_equal(hub_tz_local_to_utc(paris, oct + 2 * 3600 + 1800), OCT25_STD - 1800);
}

static void test_day_buckets(void **state)
{
    (void)state;
    /* the spring day lasts 23 h, the autumn day 25 h */
    assert_int_equal(hub_cal_floor(paris, HUB_BUCKET_DAY, MAR29 + 5 * 3600), MAR29);
    assert_int_equal(hub_cal_next(paris, HUB_BUCKET_DAY, MAR29) - MAR29, 23 * 3600);
    assert_int_equal(hub_cal_floor(paris, HUB_BUCKET_DAY, OCT25 + 24 * 3600), OCT25);
    assert_int_equal(hub_cal_next(paris, HUB_BUCKET_DAY, OCT25) - OCT25, 25 * 3600);
    assert_int_equal(hub_cal_floor(paris, HUB_BUCKET_DAY, MAR29), MAR29);
    assert_int_equal(hub_cal_floor(paris, HUB_BUCKET_DAY, MAR29 - 1), MAR29 - 86400);
    /* Kolkata: days start at 18:30Z */
    assert_int_equal(hub_cal_floor(kolkata, HUB_BUCKET_DAY, MAR29), 1774722600LL);
}

static void test_hour_buckets(void **state)
{
    (void)state;
    int n = 0;
    for (int64_t t = MAR29; t < MAR29 + 23 * 3600; t = hub_cal_next(paris, HUB_BUCKET_HOUR, t)) n++;
    assert_int_equal(n, 23);
    n = 0;
    for (int64_t t = OCT25; t < OCT25 + 25 * 3600; t = hub_cal_next(paris, HUB_BUCKET_HOUR, t)) n++;
    assert_int_equal(n, 25);
    /* Kolkata hours start at :30 UTC */
    assert_int_equal(hub_cal_floor(kolkata, HUB_BUCKET_HOUR, MAR29 + 10), MAR29 - 1800);
    assert_int_equal(hub_cal_next(kolkata, HUB_BUCKET_HOUR, MAR29 - 1800), MAR29 + 1800);
}

static void test_week_month(void **state)
{
    (void)state;
    /* 2026-03-29 is a Sunday: its week starts Monday 2026-03-23 00:00 CET */
    int64_t mon = hub_days_from_civil(2026, 3, 23) * 86400 - 3600;
    assert_int_equal(hub_cal_floor(paris, HUB_BUCKET_WEEK, MAR29 + 7200), mon);
    /* that week lasts 7 days minus one hour */
    assert_int_equal(hub_cal_next(paris, HUB_BUCKET_WEEK, mon) - mon, 7 * 86400 - 3600);
    /* October 2026 in Paris: 31 days + 1 h */
    int64_t oct1 = hub_days_from_civil(2026, 10, 1) * 86400 - 7200;
    assert_int_equal(hub_cal_floor(paris, HUB_BUCKET_MONTH, OCT25), oct1);
    assert_int_equal(hub_cal_next(paris, HUB_BUCKET_MONTH, oct1) - oct1, 31 * 86400 + 3600);
    hub_bucket_t b;
    assert_int_equal(hub_bucket_parse("week", &b), LP_OK);
    assert_int_equal(b, HUB_BUCKET_WEEK);
    assert_int_equal(hub_bucket_parse("year", &b), LP_ERR_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_local_to_utc),
        cmocka_unit_test(test_day_buckets),
        cmocka_unit_test(test_hour_buckets),
        cmocka_unit_test(test_week_month),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
