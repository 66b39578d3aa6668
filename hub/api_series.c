/* GET /api/v1/devices/{id}/series and /api/v1/grid. */
#include "api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 100000

static int64_t fdiv(int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q; }

typedef struct {
    int64_t step_ms, from_ms, to_ms;
    size_t n;              /* steps */
    hub_stats_t *acc;
    int64_t prev_ts;
} ser_ctx_t;

static int raw_cb(void *ctx, int64_t ts, const double v[HUB_NQ])
{
    ser_ctx_t *c = ctx;
    double w = hub_stats_weight(c->prev_ts, ts);
    c->prev_ts = ts;
    if (ts < c->from_ms || ts >= c->to_ms) return 0;
    size_t i = (size_t)((fdiv(ts, c->step_ms) * c->step_ms - fdiv(c->from_ms, c->step_ms) * c->step_ms) / c->step_ms);
    if (i < c->n) hub_stats_add(&c->acc[i], v, w);
    return 0;
}

static int roll_cb(void *ctx, int64_t t_s, const hub_stats_t *s)
{
    ser_ctx_t *c = ctx;
    int64_t ts = t_s * 1000;
    if (ts < c->from_ms || ts >= c->to_ms) return 0;
    size_t i = (size_t)((fdiv(ts, c->step_ms) * c->step_ms - fdiv(c->from_ms, c->step_ms) * c->step_ms) / c->step_ms);
    if (i < c->n) hub_stats_merge(&c->acc[i], s);
    return 0;
}

static const char *const QNAMES[HUB_NQ] = { "power", "voltage", "current", "frequency", "power_factor" };
static const int QDEC[HUB_NQ] = { 3, 3, 6, 6, 3 };

int api_series(const api_req_t *r, api_resp_t *out)
{
    ser_ctx_t c;
    memset(&c, 0, sizeof c);
    if (api_range(r, out, &c.from_ms, &c.to_ms)) return 0;
    const char *sp = api_arg(r, "step");
    int64_t step = 0;
    if (sp) {
        char *end;
        long long v = strtoll(sp, &end, 10);
        if (*end || v < 1 || v > 366LL * 86400) return api_error(out, 400, "step must be whole seconds, 1..31622400");
        step = v;
    } else {
        /* about 500 points */
        static const int64_t nice[] = { 1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 10800, 21600, 43200, 86400 };
        int64_t span = (c.to_ms - c.from_ms) / 1000;
        step = 86400;
        for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++) if (span / nice[i] <= 500) { step = nice[i]; break; }
    }
    c.step_ms = step * 1000;
    int64_t first = fdiv(c.from_ms, c.step_ms), last = fdiv(c.to_ms - 1, c.step_ms);
    if (last - first + 1 > MAX_POINTS) return api_error(out, 400, "too many steps: use a larger step or a shorter range");
    c.n = (size_t)(last - first + 1);
    const char *fmt = api_arg(r, "format");
    int csv = fmt && !strcmp(fmt, "csv");
    if (fmt && !csv && strcmp(fmt, "json")) return api_error(out, 400, "format must be json or csv");
    hub_store_t *st = hub_pool_get(r->h->pool);
    if (!st) return api_error(out, 503, "database unavailable");
    hub_device_t d;
    lp_status_t rs = hub_store_device_get(st, r->device, &d);
    if (rs != LP_OK) { hub_pool_put(r->h->pool, st); return api_error(out, rs == HUB_ERR_NOT_FOUND ? 404 : 500, rs == HUB_ERR_NOT_FOUND ? "no such device" : "database error"); }
    size_t budget = api_budget_take(out, c.n * sizeof *c.acc);
    if (!budget) { hub_pool_put(r->h->pool, st); return 0; }
    c.acc = malloc(c.n * sizeof *c.acc);
    if (!c.acc) { hub_pool_put(r->h->pool, st); api_budget_give(budget); return api_error(out, 500, "out of memory"); }
    for (size_t i = 0; i < c.n; i++) hub_stats_clear(&c.acc[i]);
    /* rollups when the step is a whole number of them */
    int res = step % 3600 == 0 ? 3600 : step % 60 == 0 ? 60 : 0;
    const char *source = res == 3600 ? "1h" : res == 60 ? "1m" : "raw";
    if (res) {
        rs = hub_store_stats_range(st, d.key, res, fdiv(c.from_ms, 1000), fdiv(c.to_ms - 1, 1000) + 1, roll_cb, &c);
    } else {
        int64_t before, after;
        rs = hub_store_neighbors(st, d.key, c.from_ms, 0, &before, &after);
        c.prev_ts = before;
        if (rs == LP_OK) rs = hub_store_telemetry(st, d.key, c.from_ms, c.to_ms - 1, raw_cb, &c);
    }
    hub_pool_put(r->h->pool, st);
    if (rs != LP_OK) { free(c.acc); api_budget_give(budget); return api_error(out, 500, "database error"); }
    jbuf_t *j = &out->body;
    if (csv) {
        out->content_type = "text/csv; charset=utf-8";
        jb_raw(j, "t");
        for (int q = 0; q < HUB_NQ; q++) jb_fmt(j, ",%s_min,%s_mean,%s_max", QNAMES[q], QNAMES[q], QNAMES[q]);
        jb_raw(j, "\r\n");
        for (size_t i = 0; i < c.n; i++) {
            if (c.acc[i].n == 0) continue;
            char tb[48];
            hub_fmt_time(tb, sizeof tb, (first + (int64_t)i) * c.step_ms);
            jb_raw(j, tb);
            for (int q = 0; q < HUB_NQ; q++) {
                double mean = hub_stats_mean(&c.acc[i], q);
                int has = isfinite(c.acc[i].q[q].min);
                jb_raw(j, ","); if (has) jb_num(j, c.acc[i].q[q].min, QDEC[q]);
                jb_raw(j, ","); if (has) jb_num(j, mean, QDEC[q]);
                jb_raw(j, ","); if (has) jb_num(j, c.acc[i].q[q].max, QDEC[q]);
            }
            jb_raw(j, "\r\n");
        }
    } else {
        jb_raw(j, "{\"device\":"); jb_str(j, d.id);
        jb_fmt(j, ",\"step\":%lld,\"source\":\"%s\",\"from\":", (long long)step, source);
        jb_time(j, c.from_ms); jb_raw(j, ",\"to\":"); jb_time(j, c.to_ms);
        jb_raw(j, ",\"units\":{\"power\":\"W\",\"voltage\":\"V\",\"current\":\"A\",\"frequency\":\"Hz\",\"power_factor\":\"1\"},\"t\":[");
        int firstp = 1;
        for (size_t i = 0; i < c.n; i++) {
            if (c.acc[i].n == 0) continue;
            if (!firstp) jb_raw(j, ",");
            firstp = 0;
            jb_time(j, (first + (int64_t)i) * c.step_ms);
        }
        jb_raw(j, "]");
        for (int q = 0; q < HUB_NQ; q++) {
            jb_fmt(j, ",\"%s\":{", QNAMES[q]);
            for (int part = 0; part < 3; part++) {
                jb_raw(j, part == 0 ? "\"min\":[" : part == 1 ? "],\"mean\":[" : "],\"max\":[");
                firstp = 1;
                for (size_t i = 0; i < c.n; i++) {
                    if (c.acc[i].n == 0) continue;
                    if (!firstp) jb_raw(j, ",");
                    firstp = 0;
                    int has = isfinite(c.acc[i].q[q].min);
                    double v = !has ? NAN : part == 0 ? c.acc[i].q[q].min : part == 1 ? hub_stats_mean(&c.acc[i], q) : c.acc[i].q[q].max;
                    jb_num(j, v, QDEC[q]);
                }
            }
            jb_raw(j, "]}");
        }
        jb_raw(j, "}");
    }
    free(c.acc);
    api_budget_give(budget);
    out->status = 200;
    return 0;
}

/* ---- grid ---- */
typedef struct { int64_t step; int64_t key; int32_t f; int32_t from_grid; } gpt_t;
/* Values one /grid request may hold (raw: 24 MB; rollups: 32 MB): a request
 * beyond it falls back to rollups when its step allows, else it is a 400. */
#define GRID_MAX_VALUES 1000000u
typedef struct { gpt_t *p; size_t n, cap; int64_t step_ms; int full; } grid_ctx_t;

static int grid_cb(void *ctx, int64_t key, int64_t ts_ms, int32_t f, int from_grid)
{
    grid_ctx_t *g = ctx;
    if (g->n == g->cap) {
        if (g->cap >= GRID_MAX_VALUES) { g->full = 1; return 1; }
        g->cap = g->cap ? g->cap * 2 : 4096;
        gpt_t *np = realloc(g->p, g->cap * sizeof *np);
        if (!np) { g->full = 1; return 1; }
        g->p = np;
    }
    gpt_t *p = &g->p[g->n++];
    p->step = fdiv(ts_ms, g->step_ms);
    p->key = key;
    p->f = f;
    p->from_grid = from_grid;
    return 0;
}

static int gcmp(const void *a, const void *b)
{
    const gpt_t *x = a, *y = b;
    if (x->step != y->step) return x->step < y->step ? -1 : 1;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->from_grid < y->from_grid) - (x->from_grid > y->from_grid); /* grid-stream values first */
}

/* One plug in one step: its mean frequency and its extremes, Hz. Both paths
 * (raw values, rollups) reduce to these; the answer is made from them. */
typedef struct { int64_t step; double mean, lo, hi; } gdev_t;

/* Rollup path: per device and step, the merged minute or hour statistics of
 * its telemetry frequency (kept forever), for ranges the raw values no longer
 * cover or that hold too many of them. */
typedef struct {
    int64_t step_ms, first; size_t n;
    hub_stats_t *acc;         /* one device's steps */
    gdev_t *p; size_t np, cap; int full;
} groll_t;

static int groll_cb(void *ctx, int64_t t_s, const hub_stats_t *s)
{
    groll_t *g = ctx;
    int64_t i = fdiv(t_s * 1000, g->step_ms) - g->first;
    if (i >= 0 && (size_t)i < g->n) hub_stats_merge(&g->acc[i], s);
    return 0;
}

static lp_status_t grid_rollups(hub_store_t *st, int res, int64_t from, int64_t to, groll_t *g)
{
    hub_device_t *devs = NULL;
    size_t nd = 0;
    lp_status_t rs = hub_store_device_list(st, &devs, &nd);
    if (rs != LP_OK) return rs;
    g->acc = malloc(g->n * sizeof *g->acc);
    if (!g->acc) { free(devs); return HUB_ERR_DB; }
    for (size_t d = 0; d < nd && rs == LP_OK && !g->full; d++) {
        if (!devs[d].has_telemetry) continue;
        for (size_t i = 0; i < g->n; i++) hub_stats_clear(&g->acc[i]);
        rs = hub_store_stats_range(st, devs[d].key, res, fdiv(from, 1000), fdiv(to - 1, 1000) + 1, groll_cb, g);
        for (size_t i = 0; i < g->n && rs == LP_OK; i++) {
            double m = hub_stats_mean(&g->acc[i], HUB_Q_FREQ);
            if (!isfinite(m)) continue;
            if (g->np == g->cap) {
                if (g->cap >= GRID_MAX_VALUES) { g->full = 1; break; }
                size_t nc = g->cap ? g->cap * 2 : 1024;
                gdev_t *np = realloc(g->p, nc * sizeof *np);
                if (!np) { g->full = 1; break; }
                g->p = np;
                g->cap = nc;
            }
            g->p[g->np++] = (gdev_t){ g->first + (int64_t)i, m, g->acc[i].q[HUB_Q_FREQ].min, g->acc[i].q[HUB_Q_FREQ].max };
        }
    }
    free(g->acc);
    g->acc = NULL;
    free(devs);
    return rs;
}

static int gdcmp(const void *a, const void *b)
{
    const gdev_t *x = a, *y = b;
    if (x->step != y->step) return x->step < y->step ? -1 : 1;
    return x->mean < y->mean ? -1 : x->mean > y->mean;
}

/* Raw path: the values sorted by (step, plug, grid stream first) to one record
 * per plug and step; a plug counts by its grid stream in a step that has
 * some, else by its telemetry. Returns 0, or -1 out of memory. */
static int raw_to_plugs(const grid_ctx_t *g, groll_t *gr)
{
    gr->p = malloc((g->n + 1) * sizeof *gr->p);
    if (!gr->p) return -1;
    gr->np = 0;
    for (size_t j = 0, k; j < g->n; j = k) {
        size_t used = 0;
        double sum = 0, lo = INFINITY, hi = -INFINITY;
        int want = g->p[j].from_grid;
        for (k = j; k < g->n && g->p[k].step == g->p[j].step && g->p[k].key == g->p[j].key; k++) {
            if (g->p[k].from_grid != want) continue;
            double f = g->p[k].f / 1e6;
            sum += f;
            used++;
            if (f < lo) lo = f;
            if (f > hi) hi = f;
        }
        gr->p[gr->np++] = (gdev_t){ g->p[j].step, sum / (double)used, lo, hi };
    }
    return 0;
}

int api_grid(const api_req_t *r, api_resp_t *out)
{
    grid_ctx_t g;
    memset(&g, 0, sizeof g);
    int64_t from, to;
    if (api_range(r, out, &from, &to)) return 0;
    const char *sp = api_arg(r, "step");
    int64_t step = 60;
    if (sp) {
        char *end;
        long long v = strtoll(sp, &end, 10);
        if (*end || v < 1 || v > 86400) return api_error(out, 400, "step must be whole seconds, 1..86400");
        step = v;
    }
    if ((to - from) / (step * 1000) > MAX_POINTS) return api_error(out, 400, "too many steps: use a larger step or a shorter range");
    g.step_ms = step * 1000;
    /* raw values (grid stream, else telemetry) for up to a day inside the grid
     * retention; minute or hour rollups of the telemetry otherwise, or when the
     * raw values are too many */
    int res = step % 3600 == 0 ? 3600 : step % 60 == 0 ? 60 : 0;
    int64_t raw_from = hub_now_ms() - (int64_t)r->h->cfg.grid_retention_days * 86400000LL;
    int raw = !res || (from >= raw_from && to - from <= 86400000LL);
    hub_store_t *st = hub_pool_get(r->h->pool);
    if (!st) return api_error(out, 503, "database unavailable");
    lp_status_t rs = LP_OK;
    size_t budget = 0;
    groll_t gr;
    memset(&gr, 0, sizeof gr);
    if (raw) { /* count before collecting: too many values go to the rollups (or a 400) at once */
        uint64_t nv = 0;
        rs = hub_store_grid_count(st, from, to, (uint64_t)GRID_MAX_VALUES + 1u, &nv);
        if (rs == LP_OK && nv > GRID_MAX_VALUES) {
            if (res) raw = 0;
            else g.full = 1;
        } else if (rs == LP_OK && !(budget = api_budget_take(out, (size_t)nv * (2u * sizeof(gpt_t) + sizeof(gdev_t))))) {
            hub_pool_put(r->h->pool, st);
            return 0;
        }
        if (rs == LP_OK && raw && !g.full) rs = hub_store_grid(st, from, to, grid_cb, &g);
    }
    if (rs == LP_OK && !raw) {
        gr.step_ms = step * 1000;
        gr.first = fdiv(from, gr.step_ms);
        gr.n = (size_t)(fdiv(to - 1, gr.step_ms) - gr.first + 1);
        /* one device's steps, and at most GRID_MAX_VALUES plug-steps */
        if (!(budget = api_budget_take(out, gr.n * sizeof(hub_stats_t) + (size_t)GRID_MAX_VALUES * sizeof(gdev_t)))) {
            hub_pool_put(r->h->pool, st);
            return 0;
        }
        rs = grid_rollups(st, res, from, to, &gr);
    }
    hub_pool_put(r->h->pool, st);
    if (rs != LP_OK) { free(g.p); free(gr.p); api_budget_give(budget); return api_error(out, 500, "database error"); }
    if (g.full || gr.full) {
        free(g.p); free(gr.p);
        api_budget_give(budget);
        return api_error(out, 400, res ? "range holds too many values: use a larger step or a shorter range"
                                       : "range holds too many values: use a step in whole minutes (rollups) or a shorter range");
    }
    if (raw) {
        qsort(g.p, g.n, sizeof *g.p, gcmp);
        int oom = raw_to_plugs(&g, &gr);
        free(g.p);
        if (oom) { api_budget_give(budget); return api_error(out, 500, "out of memory"); }
    }
    /* per step: the median of the plugs' means, the extremes, the number of plugs */
    qsort(gr.p, gr.np, sizeof *gr.p, gdcmp);
    jbuf_t t, med, mn, mx, np;
    jb_init(&t); jb_init(&med); jb_init(&mn); jb_init(&mx); jb_init(&np);
    for (size_t i = 0, j; i < gr.np; i = j) {
        double lo = INFINITY, hi = -INFINITY;
        for (j = i; j < gr.np && gr.p[j].step == gr.p[i].step; j++) {
            if (gr.p[j].lo < lo) lo = gr.p[j].lo;
            if (gr.p[j].hi > hi) hi = gr.p[j].hi;
        }
        size_t k = j - i;
        double m = k % 2 ? gr.p[i + k / 2].mean : (gr.p[i + k / 2 - 1].mean + gr.p[i + k / 2].mean) / 2;
        const char *sep = i == 0 ? "" : ",";
        jb_raw(&t, sep); jb_time(&t, gr.p[i].step * step * 1000);
        jb_raw(&med, sep); jb_num(&med, m, 6);
        jb_raw(&mn, sep); jb_num(&mn, lo, 6);
        jb_raw(&mx, sep); jb_num(&mx, hi, 6);
        jb_fmt(&np, "%s%zu", sep, k);
    }
    free(gr.p);
    jbuf_t *o = &out->body;
    jb_fmt(o, "{\"unit\":\"Hz\",\"step\":%lld,\"source\":\"%s\",\"from\":", (long long)step,
           raw ? "raw" : res == 3600 ? "1h" : "1m");
    jb_time(o, from); jb_raw(o, ",\"to\":"); jb_time(o, to);
    jb_raw(o, ",\"t\":["); if (t.s) jb_raw(o, t.s);
    jb_raw(o, "],\"median\":["); if (med.s) jb_raw(o, med.s);
    jb_raw(o, "],\"min\":["); if (mn.s) jb_raw(o, mn.s);
    jb_raw(o, "],\"max\":["); if (mx.s) jb_raw(o, mx.s);
    jb_raw(o, "],\"plugs\":["); if (np.s) jb_raw(o, np.s);
    jb_raw(o, "]}");
    jb_free(&t); jb_free(&med); jb_free(&mn); jb_free(&mx); jb_free(&np);
    api_budget_give(budget);
    out->status = 200;
    return 0;
}
