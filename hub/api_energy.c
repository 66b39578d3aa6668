/* GET /api/v1/energy and /api/v1/profile: energy per group per local calendar
 * bucket, from the quarter-hour energy rollups (which come from the counters). */
#include "api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL
#define MAX_BUCKETS 20000

typedef struct {
    int64_t q0;        /* first slot index (slot = 15 min since the epoch) */
    size_t n;
    double *imp, *exp; /* per slot, Wh */
    int want;
} slots_t;

static int64_t fdiv(int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q; }

static int fill_cb(void *ctx, int64_t day, const void *imp, const void *exp)
{
    slots_t *s = ctx;
    int64_t i0 = day * HUB_SLOTS_PER_DAY - s->q0, k0 = 0, k1 = HUB_SLOTS_PER_DAY;
    if (i0 < 0) k0 = -i0;
    if (i0 + k1 > (int64_t)s->n) k1 = (int64_t)s->n - i0;
    if (k1 <= k0) return 0;
    size_t bytes = (size_t)(k1 - k0) * sizeof(double);
    if (imp) memcpy(s->imp + i0 + k0, (const char *)imp + k0 * (int64_t)sizeof(double), bytes);
    if (exp) memcpy(s->exp + i0 + k0, (const char *)exp + k0 * (int64_t)sizeof(double), bytes);
    return 0;
}

/* energy in [a, b) (ms) from the slots, a partial slot counted in proportion */
static double slot_sum(const double *pre, const double *v, int64_t q0, int64_t a, int64_t b)
{
    double ca, cb;
    int64_t ka = fdiv(a, HUB_SLOT_MS), kb = fdiv(b, HUB_SLOT_MS);
    ca = pre[ka - q0] + (double)(a - ka * HUB_SLOT_MS) / HUB_SLOT_MS * v[ka - q0];
    cb = pre[kb - q0] + (double)(b - kb * HUB_SLOT_MS) / HUB_SLOT_MS * (kb - q0 < 0 ? 0 : v[kb - q0]);
    return cb - ca;
}

typedef struct {
    const hub_tz_t *tz;
    hub_bucket_t unit;
    int64_t from_ms, to_ms;
    size_t nb;
    int64_t *start_s;   /* nb + 1 boundaries (UTC s) */
} buckets_t;

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
                                 slots_t *s, double *pre_i, double *pre_e)
{
    for (size_t i = 0; i < b->nb; i++) vals[i] = NAN;
    if (!d->has_telemetry || d->first_ms < 0) return LP_OK;
    if (kind != K_EXPORT) memset(s->imp, 0, s->n * sizeof *s->imp);
    if (kind != K_IMPORT) memset(s->exp, 0, s->n * sizeof *s->exp);
    int64_t dfrom = fdiv(s->q0, HUB_SLOTS_PER_DAY), dto = fdiv(s->q0 + (int64_t)s->n, HUB_SLOTS_PER_DAY) + 1;
    int want = kind == K_IMPORT ? 1 : kind == K_EXPORT ? 2 : 3;
    lp_status_t r = hub_store_energy_range(st, d->key, dfrom, dto, want, fill_cb, s);
    if (r != LP_OK) return r;
    pre_i[0] = pre_e[0] = 0;
    if (want & 1) for (size_t i = 0; i < s->n; i++) pre_i[i + 1] = pre_i[i] + s->imp[i];
    if (want & 2) for (size_t i = 0; i < s->n; i++) pre_e[i + 1] = pre_e[i] + s->exp[i];
    for (size_t i = 0; i < b->nb; i++) {
        int64_t bs = b->start_s[i] * 1000, be = b->start_s[i + 1] * 1000;
        if (be <= d->first_ms || bs > d->last_ms) continue; /* wholly outside the device's reports */
        int64_t a = bs > b->from_ms ? bs : b->from_ms, e = be < b->to_ms ? be : b->to_ms;
        if (e <= a) { vals[i] = 0; continue; }
        double vi = slot_sum(pre_i, s->imp, s->q0, a, e), ve = slot_sum(pre_e, s->exp, s->q0, a, e);
        double v = kind == K_IMPORT ? vi : kind == K_EXPORT ? ve : vi - ve;
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
    s.q0 = fdiv(b->from_ms, HUB_SLOT_MS);
    s.n = (size_t)(fdiv(b->to_ms - 1, HUB_SLOT_MS) - s.q0 + 2);
    s.imp = calloc(s.n, sizeof *s.imp);
    s.exp = calloc(s.n, sizeof *s.exp);
    double *pre_i = calloc(s.n + 1, sizeof *pre_i), *pre_e = calloc(s.n + 1, sizeof *pre_e);
    double *vals = calloc(b->nb + 1, sizeof *vals);
    series_t *ser = calloc(nd + 1, sizeof *ser);
    size_t nser = 0;
    int rc = 0;
    if (!s.imp || !s.exp || !pre_i || !pre_e || !vals || !ser) { rc = -1; api_error(out, 500, "out of memory"); goto done; }
    if (group == 2) { /* total */
        strcpy(ser[0].key, "total");
        strcpy(ser[0].name, "Total");
        ser[0].vals = malloc((b->nb + 1) * sizeof(double));
        for (size_t i = 0; i < b->nb; i++) ser[0].vals[i] = NAN;
        nser = 1;
    }
    for (size_t k = 0; k < nd; k++) {
        if (device_values(st, &devs[k], b, kind, vals, &s, pre_i, pre_e) != LP_OK) { rc = -1; api_error(out, 500, "database error"); goto done; }
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
    free(devs); free(s.imp); free(s.exp); free(pre_i); free(pre_e); free(vals);
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
