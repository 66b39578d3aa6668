/**
 * @file calendar.h
 * @brief IANA time zones (TZif files) and local calendar buckets for the hub.
 *
 * Reads the compiled zone files of the system (`/usr/share/zoneinfo`, or `$TZDIR`),
 * version 2+ 64-bit section. Instants beyond the last listed transition use the
 * last offset (Debian ships "fat" files listing transitions up to 2037).
 * All instants are Unix seconds (UTC); "local seconds" are the wall-clock time of
 * the zone expressed as if it were UTC (local_s = utc_s + offset_s).
 *
 * Thread context: a loaded ::hub_tz_t is immutable and may be shared by threads.
 */
#ifndef HUB_CALENDAR_H
#define HUB_CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include "lp_status.h"
#include "hub_status.h"

typedef struct hub_tz hub_tz_t;

typedef enum { HUB_BUCKET_HOUR, HUB_BUCKET_DAY, HUB_BUCKET_WEEK, HUB_BUCKET_MONTH } hub_bucket_t;

/**
 * @brief Load zone @p name ("Europe/Paris", "UTC", "Asia/Kolkata").
 * @param name IANA name: letters, digits, '/', '_', '-', '+'; no "..", not absolute.
 * @param out receives a heap object to free with hub_tz_free().
 * @return LP_OK; LP_ERR_NULL; HUB_ERR_TZ (unknown zone or unreadable/invalid file).
 */
lp_status_t hub_tz_load(const char *name, hub_tz_t **out);
/** @brief Free a zone (NULL is fine). */
void hub_tz_free(hub_tz_t *tz);
/** @brief The zone's name as loaded (owned by @p tz). */
const char *hub_tz_name(const hub_tz_t *tz);
/** @brief UTC offset in seconds east of Greenwich at instant @p utc_s. */
int32_t hub_tz_offset_s(const hub_tz_t *tz, int64_t utc_s);
/**
 * @brief The earliest instant whose local time is >= @p local_s.
 * For a repeated local time (autumn) this is its first occurrence; for a skipped
 * local time (spring) it is the transition instant.
 */
int64_t hub_tz_local_to_utc(const hub_tz_t *tz, int64_t local_s);

/**
 * @brief Start (UTC) of the calendar bucket that contains @p utc_s.
 * Days start at local midnight, weeks on Monday at local midnight, months on
 * the 1st; hours at each local wall-clock hour (a repeated hour is two buckets,
 * a skipped hour none).
 */
int64_t hub_cal_floor(const hub_tz_t *tz, hub_bucket_t unit, int64_t utc_s);
/** @brief Start (UTC) of the bucket after the one starting at @p start_utc_s. */
int64_t hub_cal_next(const hub_tz_t *tz, hub_bucket_t unit, int64_t start_utc_s);

/** @brief Parse "hour", "day", "week", "month". @return LP_OK or LP_ERR_RANGE. */
lp_status_t hub_bucket_parse(const char *s, hub_bucket_t *out);

/** @brief Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
int64_t hub_days_from_civil(int64_t y, unsigned m, unsigned d);
/** @brief Inverse of hub_days_from_civil(). */
void hub_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
