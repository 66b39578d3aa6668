/* GET /api/v1/energy and /api/v1/profile: energy per group per local calendar
 * bucket, from the quarter-hour energy rollups (which come from the counters). */
#include "api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL
#define MAX_BUCKETS 20000

typedef struct buckets buckets_t;

typedef struct {
    int64_t slot_ms;   /* 15 min, or 1 h when every boundary is a whole UTC hour */
    int per_day;       /* slots per day */
    int64_t q0;        /* first slot index (slots since the epoch) */
    size_t n;
    const buckets_t *b;
    size_t bi;         /* bucket cursor: rows of one device arrive in time order */
    double *acc_i, *acc_e; /* per bucket, Wh */
} slots_t;

static int64_t fdiv(int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q; }

struct buckets {
    const hub_tz_t *tz;
    hub_bucket_t unit;
    int64_t from_ms, to_ms;
    size_t nb;
    int64_t *start_s;   /* nb + 1 boundaries (UTC s) */
};

/* Rows arrive day by day, in time order: add each slot into its bucket. Every
 * modern zone's boundaries are quarter hours in UTC; a slot cut by from or to
 * counts in part. No per-slot table: a request's memory is per bucket only. */
static int fill_cb(void *ctx, int64_t day, const void *imp, const void *exp)
{
    slots_t *s = ctx;
    const buckets_t *b = s->b;
    const char *pi = imp, *pe = exp;
    for (int k = 0; k < s->per_day; k++) {
        int64_t t0 = (day * s->per_day + k) * s->slot_ms, t1 = t0 + s->slot_ms;
        int64_t a = t0 > b->from_ms ? t0 : b->from_ms, e = t1 < b->to_ms ? t1 : b->to_ms;
        if (e <= a) continue;
        while (s->bi + 1 < b->nb && b->start_s[s->bi + 1] * 1000 <= a) s->bi++;
        if (b->nb == 0 || b->start_s[s->bi] * 1000 > a) continue;
        double v, w = (double)(e - a) / (double)s->slot_ms;
        if (pi) { memcpy(&v, pi + k * (int64_t)sizeof v, sizeof v); s->acc_i[s->bi] += v * w; }
        if (pe) { memcpy(&v, pe + k * (int64_t)sizeof v, sizeof v); s->acc_e[s->bi] += v * w; }
    }
    return 0;
}

static int make_buckets(buckets_t *b, api_resp_t *out)
{
    size_t cap = 64;
    b->start_s = malloc(cap * sizeof *b->start_s);
    b->nb = 0;
    int64_t t = hub_cal_floor(b->tz, b->unit, fdiv(b->from_ms, 1000));
    while (b->start_s) {
        if (b->nb + 1 >= cap) {
            cap *= 2;
            int64_t *ns = realloc(b->start_s, cap * sizeof *ns);
            if (!ns) break;
            b->start_s = ns;
        }
        b->start_s[b->nb] = t;
        if (t * 1000 >= b->to_ms) break;
        if (++b->nb > MAX_BUCKETS) { free(b->start_s); b->start_s = NULL; return api_error(out, 400, "too many buckets: use a coarser bucket or a shorter range"), -1; }
        t = hub_cal_next(b->tz, b->unit, t);
    }
    if (!b->start_s) return api_error(out, 500, "out of memory"), -1;
    return 0;
}

typedef enum { K_IMPORT, K_EXPORT, K_NET } ekind_t;

/* Per-device bucket values (NaN = null). */
static lp_status_t device_values(hub_store_t *st, const hub_device_t *d, const buckets_t *b, ekind_t kind, double *vals,
                                 slots_t *s)
{
    for (size_t i = 0; i < b->nb; i++) vals[i] = NAN;
    if (!d->has_telemetry || d->first_ms < 0) return LP_OK;
    memset(s->acc_i, 0, b->nb * sizeof *s->acc_i);
    memset(s->acc_e, 0, b->nb * sizeof *s->acc_e);
    s->b = b;
    s->bi = 0;
    int64_t dfrom = fdiv(s->q0, s->per_day), dto = fdiv(s->q0 + (int64_t)s->n, s->per_day) + 1;
    int want = kind == K_IMPORT ? 1 : kind == K_EXPORT ? 2 : 3;
    lp_status_t r = hub_store_energy_range(st, d->key, (int)(s->slot_ms / 1000), dfrom, dto, want, fill_cb, s);
    if (r != LP_OK) return r;
    for (size_t i = 0; i < b->nb; i++) {
        int64_t bs = b->start_s[i] * 1000, be = b->start_s[i + 1] * 1000;
        if (be <= d->first_ms || bs > d->last_ms) continue; /* wholly outside the device's reports */
        double v = kind == K_IMPORT ? s->acc_i[i] : kind == K_EXPORT ? s->acc_e[i] : s->acc_i[i] - s->acc_e[i];
        if (kind != K_NET && v < 0) v = 0; /* rounding only: slots are never negative */
        vals[i] = v;
    }
    return LP_OK;
}

typedef struct {
    char key[HUB_TEXT_MAX + 1];
    char name[HUB_TEXT_MAX + 1];
    double *vals;
} series_t;

/* Shared by energy and profile: per-group values over the buckets. */
static int grouped(const api_req_t *r, api_resp_t *out, buckets_t *b, int group, ekind_t kind,
                   series_t **ser_out, size_t *nser_out)
{
    hub_store_t *st = hub_pool_get(r->h->pool);
    if (!st) return api_error(out, 503, "database unavailable"), -1;
    hub_device_t *devs = NULL;
    size_t nd = 0;
    if (hub_store_device_list(st, &devs, &nd) != LP_OK) { hub_pool_put(r->h->pool, st); return api_error(out, 500, "database error"), -1; }
    slots_t s;
    int hourly = b->from_ms % 3600000 == 0 && b->to_ms % 3600000 == 0;
    for (size_t i = 0; hourly && i <= b->nb; i++) hourly = b->start_s[i] % 3600 == 0;
    s.slot_ms = hourly ? 3600000 : HUB_SLOT_MS;
    s.per_day = hourly ? 24 : HUB_SLOTS_PER_DAY;
    s.q0 = fdiv(b->from_ms, s.slot_ms);
    s.n = (size_t)(fdiv(b->to_ms - 1, s.slot_ms) - s.q0 + 1);
    s.acc_i = calloc(b->nb + 1, sizeof *s.acc_i);
    s.acc_e = calloc(b->nb + 1, sizeof *s.acc_e);
    double *vals = calloc(b->nb + 1, sizeof *vals);
    series_t *ser = calloc(nd + 1, sizeof *ser);
    size_t nser = 0;
    int rc = 0;
    if (!s.acc_i || !s.acc_e || !vals || !ser) { rc = -1; api_error(out, 500, "out of memory"); goto done; }
    if (group == 2) { /* total */
        strcpy(ser[0].key, "total");
        strcpy(ser[0].name, "Total");
        ser[0].vals = malloc((b->nb + 1) * sizeof(double));
        for (size_t i = 0; i < b->nb; i++) ser[0].vals[i] = NAN;
        nser = 1;
    }
    for (size_t k = 0; k < nd; k++) {
        if (device_values(st, &devs[k], b, kind, vals, &s) != LP_OK) { rc = -1; api_error(out, 500, "database error"); goto done; }
        series_t *t = NULL;
        if (group == 0) {
            t = &ser[nser++];
            snprintf(t->key, sizeof t->key, "%s", devs[k].id);
            snprintf(t->name, sizeof t->name, "%s", devs[k].name[0] ? devs[k].name : devs[k].id);
        } else if (group == 1) {
            for (size_t j = 0; j < nser; j++) if (!strcmp(ser[j].key, devs[k].room)) t = &ser[j];
            if (!t) {
                t = &ser[nser++];
                snprintf(t->key, sizeof t->key, "%s", devs[k].room);
                snprintf(t->name, sizeof t->name, "%s", devs[k].room[0] ? devs[k].room : "(no room)");
            }
        } else t = &ser[0];
        if (!t->vals) {
            t->vals = malloc((b->nb + 1) * sizeof(double));
            if (!t->vals) { rc = -1; api_error(out, 500, "out of memory"); goto done; }
            for (size_t i = 0; i < b->nb; i++) t->vals[i] = NAN;
        }
        for (size_t i = 0; i < b->nb; i++) {
            if (isnan(vals[i])) continue;
            t->vals[i] = isnan(t->vals[i]) ? vals[i] : t->vals[i] + vals[i];
        }
    }
done:
    hub_pool_put(r->h->pool, st);
    free(devs); free(s.acc_i); free(s.acc_e); free(vals);
    if (rc != 0) {
        for (size_t i = 0; i < nser; i++) free(ser[i].vals);
        free(ser);
        return -1;
    }
    *ser_out = ser;
    *nser_out = nser;
    return 0;
}

static int parse_group(const api_req_t *r, api_resp_t *out, int allow_total, int *group)
{
    const char *g = api_arg(r, "group");
    if (!g || !strcmp(g, "device")) *group = 0;
    else if (!strcmp(g, "room")) *group = 1;
    else if (allow_total && !strcmp(g, "total")) *group = 2;
    else return api_error(out, 400, allow_total ? "group must be device, room or total" : "group must be device or room"), -1;
    return 0;
}

static const char *const GROUP_NAMES[] = { "device", "room", "total" };
static const char *const BUCKET_NAMES[] = { "hour", "day", "week", "month" };

int api_energy(const api_req_t *r, api_resp_t *out)
{
    buckets_t b;
    memset(&b, 0, sizeof b);
    int group;
    if (parse_group(r, out, 1, &group)) return 0;
    const char *bk = api_arg(r, "bucket");
    b.unit = HUB_BUCKET_DAY;
    if (bk && hub_bucket_parse(bk, &b.unit) != LP_OK) return api_error(out, 400, "bucket must be hour, day, week or month");
    const char *kn = api_arg(r, "kind");
    ekind_t kind = K_IMPORT;
    if (kn && !strcmp(kn, "export")) kind = K_EXPORT;
    else if (kn && !strcmp(kn, "net")) kind = K_NET;
    else if (kn && strcmp(kn, "import")) return api_error(out, 400, "kind must be import, export or net");
    if (api_range(r, out, &b.from_ms, &b.to_ms)) return 0;
    if (!(b.tz = api_tz(r, out))) return 0;
    if (make_buckets(&b, out)) return 0;
    series_t *ser;
    size_t nser;
    if (grouped(r, out, &b, group, kind, &ser, &nser)) { free(b.start_s); return 0; }
    jbuf_t *j = &out->body;
    jb_raw(j, "{\"unit\":\"Wh\",\"tz\":"); jb_str(j, hub_tz_name(b.tz));
    jb_fmt(j, ",\"bucket\":\"%s\",\"group\":\"%s\",\"kind\":\"%s\",\"from\":", BUCKET_NAMES[b.unit], GROUP_NAMES[group],
           kind == K_IMPORT ? "import" : kind == K_EXPORT ? "export" : "net");
    jb_time(j, b.from_ms); jb_raw(j, ",\"to\":"); jb_time(j, b.to_ms);
    jb_raw(j, ",\"buckets\":[");
    for (size_t i = 0; i < b.nb; i++) {
        if (i) jb_raw(j, ",");
        jb_local(j, b.start_s[i], hub_tz_offset_s(b.tz, b.start_s[i]));
    }
    jb_raw(j, "],\"series\":[");
    for (size_t k = 0; k < nser; k++) {
        jb_raw(j, k ? ",{\"key\":" : "{\"key\":"); jb_str(j, ser[k].key);
        jb_raw(j, ",\"name\":"); jb_str(j, ser[k].name);
        jb_raw(j, ",\"values\":[");
        for (size_t i = 0; i < b.nb; i++) { if (i) jb_raw(j, ","); jb_num(j, ser[k].vals ? ser[k].vals[i] : NAN, 3); }
        jb_raw(j, "]}");
        free(ser[k].vals);
    }
    jb_raw(j, "]}");
    free(ser);
    free(b.start_s);
    out->status = 200;
    return 0;
}

int api_profile(const api_req_t *r, api_resp_t *out)
{
    buckets_t b;
    memset(&b, 0, sizeof b);
    int group;
    if (parse_group(r, out, 0, &group)) return 0;
    b.unit = HUB_BUCKET_HOUR;
    if (api_range(r, out, &b.from_ms, &b.to_ms)) return 0;
    if (!(b.tz = api_tz(r, out))) return 0;
    if (make_buckets(&b, out)) return 0;
    series_t *ser;
    size_t nser;
    if (grouped(r, out, &b, group, K_IMPORT, &ser, &nser)) { free(b.start_s); return 0; }
    jbuf_t *j = &out->body;
    jb_raw(j, "{\"unit\":\"Wh\",\"tz\":"); jb_str(j, hub_tz_name(b.tz));
    jb_fmt(j, ",\"group\":\"%s\",\"from\":", GROUP_NAMES[group]);
    jb_time(j, b.from_ms); jb_raw(j, ",\"to\":"); jb_time(j, b.to_ms);
    jb_raw(j, ",\"hours\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23],\"series\":[");
    for (size_t k = 0; k < nser; k++) {
        /* sum per (local day, hour of day): a repeated hour adds to its hour */
        double sum[24] = { 0 }, day_sum = 0;
        int days[24] = { 0 };
        int64_t cur_day = INT64_MIN;
        int cur_hour = -1;
        for (size_t i = 0; i <= b.nb; i++) {
            int64_t day = INT64_MAX; int hr = -1;
            if (i < b.nb) {
                int64_t local = b.start_s[i] + hub_tz_offset_s(b.tz, b.start_s[i]);
                day = fdiv(local, 86400);
                hr = (int)((local - day * 86400) / 3600);
            }
            if (cur_hour >= 0 && (day != cur_day || hr != cur_hour)) {
                if (!isnan(day_sum)) { sum[cur_hour] += day_sum; days[cur_hour]++; }
                cur_hour = -1;
            }
            if (i == b.nb) break;
            double v = ser[k].vals ? ser[k].vals[i] : NAN;
            if (cur_hour < 0) { cur_day = day; cur_hour = hr; day_sum = v; }
            else day_sum = isnan(day_sum) ? v : (isnan(v) ? day_sum : day_sum + v);
        }
        jb_raw(j, k ? ",{\"key\":" : "{\"key\":"); jb_str(j, ser[k].key);
        jb_raw(j, ",\"name\":"); jb_str(j, ser[k].name);
        jb_raw(j, ",\"values\":[");
        for (int h = 0; h < 24; h++) { if (h) jb_raw(j, ","); jb_num(j, days[h] ? sum[h] / days[h] : NAN, 3); }
        jb_raw(j, "],\"days\":[");
        for (int h = 0; h < 24; h++) jb_fmt(j, h ? ",%d" : "%d", days[h]);
        jb_raw(j, "]}");
        free(ser[k].vals);
    }
    jb_raw(j, "]}");
    free(ser);
    free(b.start_s);
    out->status = 200;
    return 0;
}
