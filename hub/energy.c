/* Energy from counters, and telemetry statistics. See energy.h. */
#include "energy.h"

#include <math.h>

int hub_energy_same_segment(const hub_counter_t *a, const hub_counter_t *b)
{
    if (a->epoch != b->epoch || b->import_mwh < a->import_mwh || b->export_mwh < a->export_mwh)
        return 0;
    /* a forward jump that no connection can draw in the time between the readings is a
     * counter discontinuity (corrupted or replaced counter), not consumption */
    double dt_h = (double)(b->ts_ms > a->ts_ms ? b->ts_ms - a->ts_ms : 0) / 3600000.0;
    double limit_mwh = HUB_ENERGY_MAX_POWER_W * dt_h * 1000.0 + HUB_ENERGY_SLACK_MWH;
    return (double)(b->import_mwh - a->import_mwh) <= limit_mwh &&
           (double)(b->export_mwh - a->export_mwh) <= limit_mwh;
}

static int64_t fdiv(int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q; }

void hub_energy_add_pair(const hub_counter_t *a, const hub_counter_t *b,
                         int64_t slot0_ms, int64_t slot_ms, size_t nslots,
                         double *imp_wh, double *exp_wh)
{
    if (!hub_energy_same_segment(a, b) || nslots == 0 || slot_ms <= 0) return;
    double di = (double)(b->import_mwh - a->import_mwh) / 1000.0;
    double de = (double)(b->export_mwh - a->export_mwh) / 1000.0;
    if (di == 0 && de == 0) return;
    int64_t end = slot0_ms + slot_ms * (int64_t)nslots;
    if (b->ts_ms == a->ts_ms) {
        if (a->ts_ms < slot0_ms || a->ts_ms >= end) return;
        size_t k = (size_t)((a->ts_ms - slot0_ms) / slot_ms);
        imp_wh[k] += di; exp_wh[k] += de;
        return;
    }
    int64_t lo = a->ts_ms > slot0_ms ? a->ts_ms : slot0_ms;
    int64_t hi = b->ts_ms < end ? b->ts_ms : end;
    if (lo >= hi) return;
    double span = (double)(b->ts_ms - a->ts_ms);
    int64_t k = fdiv(lo - slot0_ms, slot_ms);
    for (int64_t t = lo; t < hi; k++) {
        int64_t se = slot0_ms + (k + 1) * slot_ms;
        int64_t e = se < hi ? se : hi;
        double f = (double)(e - t) / span;
        imp_wh[k] += di * f;
        exp_wh[k] += de * f;
        t = e;
    }
}

void hub_energy_distribute(const hub_counter_t *s, size_t n,
                           int64_t slot0_ms, int64_t slot_ms, size_t nslots,
                           double *imp_wh, double *exp_wh)
{
    for (size_t i = 1; i < n; i++)
        hub_energy_add_pair(&s[i - 1], &s[i], slot0_ms, slot_ms, nslots, imp_wh, exp_wh);
}

double hub_stats_weight(int64_t prev_ts_ms, int64_t ts_ms)
{
    if (prev_ts_ms < 0) return 1000.0;
    double w = (double)(ts_ms - prev_ts_ms);
    if (w < 1) w = 1;
    if (w > HUB_STATS_MAX_WEIGHT_MS) w = HUB_STATS_MAX_WEIGHT_MS;
    return w;
}

void hub_stats_clear(hub_stats_t *st)
{
    st->n = 0; st->w_ms = 0;
    for (int q = 0; q < HUB_NQ; q++) { st->q[q].min = INFINITY; st->q[q].max = -INFINITY; st->q[q].wsum = 0; st->q[q].w_ms = 0; }
}

void hub_stats_add(hub_stats_t *st, const double v[HUB_NQ], double w_ms)
{
    st->n++;
    st->w_ms += w_ms;
    for (int q = 0; q < HUB_NQ; q++) {
        if (isnan(v[q])) continue; /* quantity not reported: no part in its mean */
        if (v[q] < st->q[q].min) st->q[q].min = v[q];
        if (v[q] > st->q[q].max) st->q[q].max = v[q];
        st->q[q].wsum += v[q] * w_ms;
        st->q[q].w_ms += w_ms;
    }
}

void hub_stats_merge(hub_stats_t *a, const hub_stats_t *b)
{
    if (b->n == 0) return;
    a->n += b->n;
    a->w_ms += b->w_ms;
    for (int q = 0; q < HUB_NQ; q++) {
        if (b->q[q].min < a->q[q].min) a->q[q].min = b->q[q].min;
        if (b->q[q].max > a->q[q].max) a->q[q].max = b->q[q].max;
        a->q[q].wsum += b->q[q].wsum;
        a->q[q].w_ms += b->q[q].w_ms;
    }
}

double hub_stats_mean(const hub_stats_t *st, int q)
{
    if (st->n == 0 || st->q[q].w_ms <= 0) return NAN;
    return st->q[q].wsum / st->q[q].w_ms;
}
