/* IANA zones from TZif files, and local calendar buckets. See calendar.h. */
#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hub_tz {
    char name[64];
    size_t n;          /* transitions */
    int64_t *at;       /* transition instants, ascending */
    int32_t *off_after;/* offset in force from at[i] */
    int32_t off_first; /* offset before the first transition */
};

static int64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    if (n == 4) return (int64_t)(int32_t)(uint32_t)v;
    return (int64_t)v;
}

static int name_ok(const char *n)
{
    if (!n[0] || n[0] == '/' || strlen(n) >= 64 || strstr(n, "..")) return 0;
    for (const char *p = n; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+')) return 0;
    }
    return 1;
}

lp_status_t hub_tz_load(const char *name, hub_tz_t **out)
{
    if (!name || !out) return LP_ERR_NULL;
    *out = NULL;
    if (!name_ok(name)) return HUB_ERR_TZ;
    const char *dir = getenv("TZDIR");
    if (!dir || !dir[0]) dir = "/usr/share/zoneinfo";
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return HUB_ERR_TZ;
    unsigned char *buf = malloc(1 << 17);
    size_t len = buf ? fread(buf, 1, 1 << 17, f) : 0;
    fclose(f);
    lp_status_t st = HUB_ERR_TZ;
    hub_tz_t *tz = NULL;
    if (len < 44 || memcmp(buf, "TZif", 4) != 0 || buf[4] < '2') goto done;
    /* skip the v1 block */
    int64_t isutc = be(buf + 20, 4), isstd = be(buf + 24, 4), leap = be(buf + 28, 4),
            tcnt = be(buf + 32, 4), typecnt = be(buf + 36, 4), charcnt = be(buf + 40, 4);
    size_t o = 44 + (size_t)(tcnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isutc);
    if (o + 44 > len || memcmp(buf + o, "TZif", 4) != 0) goto done;
    isutc = be(buf + o + 20, 4); isstd = be(buf + o + 24, 4); leap = be(buf + o + 28, 4);
    tcnt = be(buf + o + 32, 4); typecnt = be(buf + o + 36, 4); charcnt = be(buf + o + 40, 4);
    if (tcnt < 0 || typecnt <= 0 || typecnt > 256 || tcnt > 100000) goto done;
    const unsigned char *p = buf + o + 44;
    size_t need = (size_t)(tcnt * 9 + typecnt * 6 + charcnt + leap * 12 + isstd + isutc);
    if (o + 44 + need > len) goto done;
    tz = calloc(1, sizeof *tz);
    if (!tz) goto done;
    snprintf(tz->name, sizeof tz->name, "%s", name);
    tz->n = (size_t)tcnt;
    tz->at = calloc(tz->n + 1, sizeof *tz->at);
    tz->off_after = calloc(tz->n + 1, sizeof *tz->off_after);
    if (!tz->at || !tz->off_after) goto done;
    const unsigned char *idx = p + tcnt * 8, *types = idx + tcnt;
    for (size_t i = 0; i < tz->n; i++) {
        tz->at[i] = be(p + 8 * i, 8);
        unsigned t = idx[i];
        if (t >= typecnt) goto done;
        tz->off_after[i] = (int32_t)be(types + 6 * t, 4);
    }
    /* RFC 8536: the offset before the first transition is that of type 0 */
    tz->off_first = (int32_t)be(types, 4);
    st = LP_OK;
done:
    free(buf);
    if (st != LP_OK) { hub_tz_free(tz); return st; }
    *out = tz;
    return LP_OK;
}

void hub_tz_free(hub_tz_t *tz)
{
    if (!tz) return;
    free(tz->at);
    free(tz->off_after);
    free(tz);
}

const char *hub_tz_name(const hub_tz_t *tz) { return tz->name; }

int32_t hub_tz_offset_s(const hub_tz_t *tz, int64_t utc_s)
{
    if (tz->n == 0 || utc_s < tz->at[0]) return tz->off_first;
    size_t lo = 0, hi = tz->n; /* last i with at[i] <= utc_s */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (tz->at[mid] <= utc_s) lo = mid; else hi = mid;
    }
    return tz->off_after[lo];
}

int64_t hub_tz_local_to_utc(const hub_tz_t *tz, int64_t local_s)
{
    /* Offsets that may apply around this wall-clock time: those in force one
     * day before and one day after (no zone changes offset twice in 2 days). */
    int32_t a = hub_tz_offset_s(tz, local_s - 86400 * 2), b = hub_tz_offset_s(tz, local_s + 86400 * 2);
    int64_t best = INT64_MAX;
    int32_t cands[2] = { a, b };
    for (int i = 0; i < 2; i++) {
        int64_t u = local_s - cands[i];
        if (hub_tz_offset_s(tz, u) == cands[i] && u < best) best = u;
    }
    if (best != INT64_MAX) return best;
    /* skipped wall-clock time: the transition instant lies between the two
     * candidates; the first instant whose local time is >= local_s */
    int64_t lo = local_s - (a > b ? a : b), hi = local_s - (a < b ? a : b);
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (mid + hub_tz_offset_s(tz, mid) >= local_s) hi = mid; else lo = mid;
    }
    return hi;
}

int64_t hub_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void hub_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q; }

/* local day number -> UTC instant of that local midnight */
static int64_t day_start(const hub_tz_t *tz, int64_t day) { return hub_tz_local_to_utc(tz, day * 86400); }

int64_t hub_cal_floor(const hub_tz_t *tz, hub_bucket_t unit, int64_t utc_s)
{
    int64_t local = utc_s + hub_tz_offset_s(tz, utc_s);
    int64_t day = floor_div(local, 86400);
    switch (unit) {
    case HUB_BUCKET_HOUR: {
        /* the latest instant <= utc_s whose local time is a whole hour: scan
         * back in 15-minute steps (every real offset is a multiple of 15 min) */
        int64_t t = floor_div(utc_s, 900) * 900;
        for (int i = 0; i < 16; i++, t -= 900) {
            int64_t l = t + hub_tz_offset_s(tz, t);
            if (floor_div(l, 3600) * 3600 == l) return t;
        }
        return floor_div(utc_s, 3600) * 3600;
    }
    case HUB_BUCKET_DAY: {
        int64_t s = day_start(tz, day);
        if (s > utc_s) s = day_start(tz, day - 1);
        return s;
    }
    case HUB_BUCKET_WEEK: {
        int64_t dow = floor_div(day + 3, 7); /* 1970-01-05 was a Monday: day 4 */
        int64_t monday = dow * 7 - 3;
        int64_t s = day_start(tz, monday);
        if (s > utc_s) s = day_start(tz, monday - 7);
        return s;
    }
    case HUB_BUCKET_MONTH: {
        int64_t y; unsigned m, d;
        hub_civil_from_days(day, &y, &m, &d);
        int64_t s = day_start(tz, hub_days_from_civil(y, m, 1));
        if (s > utc_s) {
            if (m == 1) { y--; m = 12; } else m--;
            s = day_start(tz, hub_days_from_civil(y, m, 1));
        }
        return s;
    }
    }
    return utc_s;
}

int64_t hub_cal_next(const hub_tz_t *tz, hub_bucket_t unit, int64_t start)
{
    int64_t local = start + hub_tz_offset_s(tz, start);
    int64_t day = floor_div(local, 86400);
    switch (unit) {
    case HUB_BUCKET_HOUR: {
        int64_t t = floor_div(start, 900) * 900 + 900;
        for (int i = 0; i < 32; i++, t += 900) {
            int64_t l = t + hub_tz_offset_s(tz, t);
            if (floor_div(l, 3600) * 3600 == l) return t;
        }
        return start + 3600;
    }
    case HUB_BUCKET_DAY: return day_start(tz, day + 1);
    case HUB_BUCKET_WEEK: return day_start(tz, floor_div(day + 3, 7) * 7 - 3 + 7);
    case HUB_BUCKET_MONTH: {
        int64_t y; unsigned m, d;
        hub_civil_from_days(day, &y, &m, &d);
        if (m == 12) { y++; m = 1; } else m++;
        return day_start(tz, hub_days_from_civil(y, m, 1));
    }
    }
    return start + 3600;
}

lp_status_t hub_bucket_parse(const char *s, hub_bucket_t *out)
{
    if (!s || !out) return LP_ERR_NULL;
    if (!strcmp(s, "hour")) *out = HUB_BUCKET_HOUR;
    else if (!strcmp(s, "day")) *out = HUB_BUCKET_DAY;
    else if (!strcmp(s, "week")) *out = HUB_BUCKET_WEEK;
    else if (!strcmp(s, "month")) *out = HUB_BUCKET_MONTH;
    else return LP_ERR_RANGE;
    return LP_OK;
}
