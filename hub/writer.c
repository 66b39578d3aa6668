/* The database writer: consumes the journal, stores reports, maintains the
 * energy and statistics rollups, commits the journal position with the rows.
 *
 * In-order reports (the usual case) update the rollups incrementally from the
 * device's previous report; a report older than the device's latest marks a
 * dirty range whose rollups are recomputed from the raw reports in the same
 * transaction. Duplicates (device, boot, seq) are dropped by the unique key, so
 * replaying the journal after a crash stores nothing twice. */
#include "hub.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JSMN_STATIC
#include <jsmn.h>

#include "decode.h"
#include "jbuf.h"

#define DAY_MS 86400000LL
#define BATCH_MAX 20000

typedef struct devstate {
    hub_device_t d;
    int64_t eday; int eloaded, edirty;
    double eimp[HUB_SLOTS_PER_DAY], eexp[HUB_SLOTS_PER_DAY];
    int64_t smin_t, shour_t; int sloaded, sdirty;
    hub_stats_t smin, shour;
    int dirty; int64_t dlo, dhi;
    int touched;
    struct devstate *tnext, *hnext;
} devstate_t;

typedef struct { char *name; char *json; } pending_ev_t;

struct hub_writer {
    hub_t *h;
    hub_store_t *st;
    pthread_mutex_t mu;       /* the writer connection and the device cache */
    pthread_t th;
    int started;
    uint64_t pos;             /* journal position of the last commit */
    uint64_t done_pos;        /* same, read by other threads */
    devstate_t **tab; size_t nb, ndev;
    devstate_t *touched;
    pending_ev_t *ev; size_t nev, evcap;
    int64_t last_prune_ms;
    lp_status_t batch_err;
};

static unsigned hash(const char *s) { unsigned h = 2166136261u; while (*s) h = (h ^ (unsigned char)*s++) * 16777619u; return h; }

static devstate_t *dev_find(hub_writer_t *w, const char *id)
{
    for (devstate_t *d = w->tab[hash(id) % w->nb]; d; d = d->hnext) if (!strcmp(d->d.id, id)) return d;
    return NULL;
}

static devstate_t *dev_get(hub_writer_t *w, const char *id)
{
    devstate_t *d = dev_find(w, id);
    if (d) return d;
    int64_t key;
    if (hub_store_device_ensure(w->st, id, &key) != LP_OK) return NULL;
    d = calloc(1, sizeof *d);
    if (!d) return NULL;
    if (hub_store_device_get(w->st, id, &d->d) != LP_OK) { free(d); return NULL; }
    if (w->ndev > w->nb) { /* grow */
        size_t nb = w->nb * 4;
        devstate_t **t = calloc(nb, sizeof *t);
        if (t) {
            for (size_t i = 0; i < w->nb; i++)
                for (devstate_t *x = w->tab[i], *n; x; x = n) { n = x->hnext; size_t b = hash(x->d.id) % nb; x->hnext = t[b]; t[b] = x; }
            free(w->tab);
            w->tab = t;
            w->nb = nb;
        }
    }
    size_t b = hash(id) % w->nb;
    d->hnext = w->tab[b];
    w->tab[b] = d;
    w->ndev++;
    return d;
}

static void touch(hub_writer_t *w, devstate_t *d)
{
    if (d->touched) return;
    d->touched = 1;
    d->tnext = w->touched;
    w->touched = d;
}

static int64_t fdiv(int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q; }

/* ---- energy rollup cache -------------------------------------------------- */
static lp_status_t energy_flush(hub_writer_t *w, devstate_t *d)
{
    if (!d->eloaded || !d->edirty) return LP_OK;
    d->edirty = 0;
    return hub_store_energy_put(w->st, d->d.key, d->eday, d->eimp, d->eexp);
}

static lp_status_t energy_pair(hub_writer_t *w, devstate_t *d, const hub_counter_t *a, const hub_counter_t *b)
{
    if (!hub_energy_same_segment(a, b)) return LP_OK;
    int64_t da = fdiv(a->ts_ms, DAY_MS), db = b->ts_ms > a->ts_ms ? fdiv(b->ts_ms - 1, DAY_MS) : da;
    lp_status_t r = LP_OK;
    for (int64_t day = da; day <= db && r == LP_OK; day++) {
        if (!d->eloaded || day > d->eday) {
            int found;
            if ((r = energy_flush(w, d)) != LP_OK) break;
            if ((r = hub_store_energy_get(w->st, d->d.key, day, d->eimp, d->eexp, &found)) != LP_OK) break;
            d->eday = day;
            d->eloaded = 1;
        }
        if (day == d->eday) {
            hub_energy_add_pair(a, b, day * DAY_MS, HUB_SLOT_MS, HUB_SLOTS_PER_DAY, d->eimp, d->eexp);
            d->edirty = 1;
        } else { /* an older day than the cached one */
            double imp[HUB_SLOTS_PER_DAY], exp[HUB_SLOTS_PER_DAY];
            int found;
            if ((r = hub_store_energy_get(w->st, d->d.key, day, imp, exp, &found)) != LP_OK) break;
            hub_energy_add_pair(a, b, day * DAY_MS, HUB_SLOT_MS, HUB_SLOTS_PER_DAY, imp, exp);
            r = hub_store_energy_put(w->st, d->d.key, day, imp, exp);
        }
    }
    return r;
}

/* ---- stats rollup cache ------------------------------------------------------ */
static lp_status_t stats_flush(hub_writer_t *w, devstate_t *d)
{
    if (!d->sloaded || !d->sdirty) return LP_OK;
    d->sdirty = 0;
    lp_status_t r = hub_store_stats_put(w->st, d->d.key, 60, d->smin_t, &d->smin);
    return r != LP_OK ? r : hub_store_stats_put(w->st, d->d.key, 3600, d->shour_t, &d->shour);
}

static lp_status_t stats_add(hub_writer_t *w, devstate_t *d, int64_t ts_ms, const double v[HUB_NQ], double wgt)
{
    int64_t m = fdiv(ts_ms, 60000) * 60, hr = fdiv(ts_ms, 3600000) * 3600;
    lp_status_t r = LP_OK;
    int found;
    if (!d->sloaded || m != d->smin_t || hr != d->shour_t) {
        if ((r = stats_flush(w, d)) != LP_OK) return r;
        if (!d->sloaded || m != d->smin_t) {
            if ((r = hub_store_stats_get(w->st, d->d.key, 60, m, &d->smin, &found)) != LP_OK) return r;
            d->smin_t = m;
        }
        if (!d->sloaded || hr != d->shour_t) {
            if ((r = hub_store_stats_get(w->st, d->d.key, 3600, hr, &d->shour, &found)) != LP_OK) return r;
            d->shour_t = hr;
        }
        d->sloaded = 1;
    }
    hub_stats_add(&d->smin, v, wgt);
    hub_stats_add(&d->shour, v, wgt);
    d->sdirty = 1;
    return LP_OK;
}

static void tele_values(const lp_proto_telemetry_t *t, double v[HUB_NQ])
{
    v[HUB_Q_POWER] = t->power_mw / 1e3;
    v[HUB_Q_VOLTAGE] = t->has_voltage ? t->voltage_mv / 1e3 : NAN;
    v[HUB_Q_CURRENT] = t->has_current ? t->current_ua / 1e6 : NAN;
    v[HUB_Q_FREQ] = t->has_frequency ? t->frequency_uhz / 1e6 : NAN;
    v[HUB_Q_PF] = t->has_power_factor ? t->power_factor_milli / 1e3 : NAN;
}

/* ---- recompute a dirty range from raw reports --------------------------------- */
typedef struct {
    hub_writer_t *w; int64_t key; int64_t m0_ms;
    int64_t prev_ts; int64_t cur_min; hub_stats_t acc;
    int64_t *hours; size_t nh, hcap;
    lp_status_t err;
} recomp_t;

static void recomp_put_minute(recomp_t *rc)
{
    if (rc->cur_min < 0 || rc->acc.n == 0 || rc->err != LP_OK) return;
    rc->err = hub_store_stats_put(rc->w->st, rc->key, 60, rc->cur_min, &rc->acc);
    int64_t hr = fdiv(rc->cur_min, 3600) * 3600;
    if (rc->nh == 0 || rc->hours[rc->nh - 1] != hr) {
        if (rc->nh == rc->hcap) {
            rc->hcap = rc->hcap ? rc->hcap * 2 : 16;
            int64_t *nhp = realloc(rc->hours, rc->hcap * sizeof *nhp);
            if (!nhp) { rc->err = HUB_ERR_DB; return; }
            rc->hours = nhp;
        }
        rc->hours[rc->nh++] = hr;
    }
}

static int recomp_cb(void *ctx, int64_t ts_ms, const double v[HUB_NQ])
{
    recomp_t *rc = ctx;
    if (ts_ms >= rc->m0_ms) {
        int64_t m = fdiv(ts_ms, 60000) * 60;
        if (m != rc->cur_min) { recomp_put_minute(rc); rc->cur_min = m; hub_stats_clear(&rc->acc); }
        hub_stats_add(&rc->acc, v, hub_stats_weight(rc->prev_ts, ts_ms));
    }
    rc->prev_ts = ts_ms;
    return rc->err != LP_OK;
}

static int merge_cb(void *ctx, int64_t t, const hub_stats_t *s) { (void)t; hub_stats_merge(ctx, s); return 0; }

static lp_status_t recompute(hub_writer_t *w, devstate_t *d)
{
    lp_status_t r;
    if ((r = energy_flush(w, d)) != LP_OK || (r = stats_flush(w, d)) != LP_OK) return r;
    d->eloaded = d->sloaded = 0;
    int64_t key = d->d.key, lo = d->dlo, hi = d->dhi, before, after;
    if ((r = hub_store_neighbors(w->st, key, lo, hi, &before, &after)) != LP_OK) return r;
    /* energy: every slot between the neighbours of the new reports */
    int64_t A = fdiv(before >= 0 ? before : lo, HUB_SLOT_MS) * HUB_SLOT_MS;
    int64_t B = fdiv(after >= 0 ? after : hi, HUB_SLOT_MS) * HUB_SLOT_MS + HUB_SLOT_MS;
    int64_t b2, a2;
    if ((r = hub_store_neighbors(w->st, key, A + 1, B - 1, &b2, &a2)) != LP_OK) return r;
    hub_counter_t *cs = NULL;
    size_t n = 0;
    if ((r = hub_store_counters(w->st, key, b2 >= 0 ? b2 : A, a2 >= 0 ? a2 : B, &cs, &n)) != LP_OK) return r;
    size_t ns = (size_t)((B - A) / HUB_SLOT_MS);
    double *imp = calloc(ns, sizeof *imp), *exp = calloc(ns, sizeof *exp);
    if (!imp || !exp) { free(cs); free(imp); free(exp); return HUB_ERR_DB; }
    hub_energy_distribute(cs, n, A, HUB_SLOT_MS, ns, imp, exp);
    free(cs);
    for (int64_t day = fdiv(A, DAY_MS); day <= fdiv(B - 1, DAY_MS) && r == LP_OK; day++) {
        double di[HUB_SLOTS_PER_DAY], de[HUB_SLOTS_PER_DAY];
        int found;
        if ((r = hub_store_energy_get(w->st, key, day, di, de, &found)) != LP_OK) break;
        for (int k = 0; k < HUB_SLOTS_PER_DAY; k++) {
            int64_t t = day * DAY_MS + k * HUB_SLOT_MS;
            if (t < A || t >= B) continue;
            size_t i = (size_t)((t - A) / HUB_SLOT_MS);
            di[k] = imp[i];
            de[k] = exp[i];
        }
        r = hub_store_energy_put(w->st, key, day, di, de);
    }
    free(imp);
    free(exp);
    if (r != LP_OK) return r;
    /* stats: minutes from the one holding lo to the one holding the next report */
    recomp_t rc = { w, key, fdiv(lo, 60000) * 60000, -1, -1, { 0 }, NULL, 0, 0, LP_OK };
    int64_t b0, a0;
    if ((r = hub_store_neighbors(w->st, key, rc.m0_ms, 0, &b0, &a0)) != LP_OK) return r;
    int64_t end = after >= 0 ? after : hi;
    end = fdiv(end, 60000) * 60000 + 59999;
    hub_stats_clear(&rc.acc);
    r = hub_store_telemetry(w->st, key, b0 >= 0 ? b0 : rc.m0_ms, end, recomp_cb, &rc);
    recomp_put_minute(&rc);
    if (r == LP_OK) r = rc.err;
    for (size_t i = 0; i < rc.nh && r == LP_OK; i++) {
        hub_stats_t hs;
        hub_stats_clear(&hs);
        r = hub_store_stats_range(w->st, key, 60, rc.hours[i], rc.hours[i] + 3600, merge_cb, &hs);
        if (r == LP_OK) r = hub_store_stats_put(w->st, key, 3600, rc.hours[i], &hs);
    }
    free(rc.hours);
    d->dirty = 0;
    return r;
}

/* ---- live events ----------------------------------------------------------------- */
static void ev_add(hub_writer_t *w, const char *name, jbuf_t *b)
{
    if (b->oom) { jb_free(b); return; }
    if (w->nev == w->evcap) {
        size_t nc = w->evcap ? w->evcap * 2 : 256;
        pending_ev_t *ne = realloc(w->ev, nc * sizeof *ne);
        if (!ne) { jb_free(b); return; }
        w->ev = ne;
        w->evcap = nc;
    }
    w->ev[w->nev].name = strdup(name);
    w->ev[w->nev].json = b->s;
    w->nev++;
}

static void live_telemetry(hub_writer_t *w, const char *dev, const lp_proto_telemetry_t *t)
{
    jbuf_t b;
    jb_init(&b);
    jb_raw(&b, "{\"device\":"); jb_str(&b, dev);
    jb_raw(&b, ",\"ts\":"); jb_time(&b, t->ts_ms);
    jb_fmt(&b, ",\"boot\":%u,\"seq\":%u,\"interval\":", t->boot, t->seq); jb_num(&b, t->interval_ms / 1e3, 3);
    jb_raw(&b, ",\"power\":"); jb_num(&b, t->power_mw / 1e3, 3);
    if (t->has_voltage) { jb_raw(&b, ",\"voltage\":"); jb_num(&b, t->voltage_mv / 1e3, 3); }
    if (t->has_current) { jb_raw(&b, ",\"current\":"); jb_num(&b, t->current_ua / 1e6, 6); }
    if (t->has_frequency) { jb_raw(&b, ",\"frequency\":"); jb_num(&b, t->frequency_uhz / 1e6, 6); }
    if (t->has_power_factor) { jb_raw(&b, ",\"power_factor\":"); jb_num(&b, t->power_factor_milli / 1e3, 3); }
    jb_raw(&b, ",\"energy_import\":"); jb_num(&b, (double)t->energy_import_mwh / 1e3, 3);
    jb_raw(&b, ",\"energy_export\":"); jb_num(&b, (double)t->energy_export_mwh / 1e3, 3);
    jb_fmt(&b, ",\"energy_epoch\":%u", t->energy_epoch);
    if (t->has_relay) jb_fmt(&b, ",\"relay\":%s", t->relay ? "true" : "false");
    jb_raw(&b, "}");
    ev_add(w, "telemetry", &b);
}

static void live_raw(hub_writer_t *w, const char *name, const char *dev, const char *payload, size_t len)
{
    /* the payload is a valid JSON object: "device" first, then its members in
     * order, except a "device" of its own (a device must not name another) and
     * keys written with escapes */
    jsmn_parser p;
    jsmn_init(&p);
    int nt = jsmn_parse(&p, payload, len, NULL, 0);
    if (nt < 1) return;
    jsmntok_t *t = malloc((size_t)nt * sizeof *t);
    if (!t) return;
    jsmn_init(&p);
    if (jsmn_parse(&p, payload, len, t, (unsigned)nt) != nt || t[0].type != JSMN_OBJECT) { free(t); return; }
    jbuf_t b;
    jb_init(&b);
    jb_raw(&b, "{\"device\":"); jb_str(&b, dev);
    for (int i = 1; i + 1 < nt;) {
        const jsmntok_t *k = &t[i], *v = &t[i + 1];
        if (k->type != JSMN_STRING) break; /* cannot happen after lib/proto's checks */
        /* an escaped key could spell "device" too: such keys (never of the protocol) are left out */
        int skip = (k->end - k->start == 6 && !memcmp(payload + k->start, "device", 6)) ||
                   memchr(payload + k->start, '\\', (size_t)(k->end - k->start)) != NULL;
        if (!skip) {
            jb_raw(&b, ",");
            jb_rawn(&b, payload + k->start - 1, (size_t)(v->end - k->start + 1) + (v->type == JSMN_STRING ? 1u : 0u));
        }
        /* next member: the first token that starts after this value */
        int end = v->end;
        for (i += 2; i < nt && t[i].start < end; i++) {}
    }
    jb_raw(&b, "}");
    free(t);
    /* newlines would end the SSE data line */
    for (size_t k = 0; k < b.len; k++) if (b.s[k] == '\n' || b.s[k] == '\r') b.s[k] = ' ';
    ev_add(w, name, &b);
}

/* ---- one message --------------------------------------------------------------- */
static lp_status_t store_msg(hub_writer_t *w, const hub_msg_t *m, const char *payload, size_t plen)
{
    devstate_t *d = dev_get(w, m->device);
    if (!d) return HUB_ERR_DB;
    touch(w, d);
    if (m->recv_ms > d->d.seen_ms) d->d.seen_ms = m->recv_ms;
    int live = hub_live_clients(w->h->live) > 0;
    int ins = 0;
    lp_status_t r = LP_OK;
    switch (m->kind) {
    case LP_PROTO_TELEMETRY: {
        const lp_proto_telemetry_t *t = &m->m.telemetry;
        if ((r = hub_store_put_telemetry(w->st, d->d.key, t, &ins)) != LP_OK) return r;
        if (!ins) { HUB_ADD(w->h->metrics.duplicates, 1); return LP_OK; }
        hub_counter_t c = { t->ts_ms, (int64_t)t->energy_import_mwh, (int64_t)t->energy_export_mwh, t->energy_epoch };
        if (d->d.has_telemetry && t->ts_ms <= d->d.last_ms) {
            /* older than the latest: recompute its neighbourhood at the end of the batch */
            if (!d->dirty) { d->dirty = 1; d->dlo = d->dhi = t->ts_ms; }
            if (t->ts_ms < d->dlo) d->dlo = t->ts_ms;
            if (t->ts_ms > d->dhi) d->dhi = t->ts_ms;
            if (t->ts_ms < d->d.first_ms) d->d.first_ms = t->ts_ms;
        } else {
            double v[HUB_NQ];
            tele_values(t, v);
            if (d->d.has_telemetry) {
                hub_counter_t prev = { d->d.last_ms, d->d.import_mwh, d->d.export_mwh, d->d.epoch };
                if ((r = energy_pair(w, d, &prev, &c)) != LP_OK) return r;
            }
            if ((r = stats_add(w, d, t->ts_ms, v, hub_stats_weight(d->d.has_telemetry ? d->d.last_ms : -1, t->ts_ms))) != LP_OK) return r;
            if (!d->d.has_telemetry || d->d.first_ms < 0) d->d.first_ms = t->ts_ms;
            d->d.has_telemetry = 1;
            d->d.last_ms = t->ts_ms;
            d->d.power_mw = t->power_mw;
            d->d.has_voltage = t->has_voltage; d->d.voltage_mv = t->voltage_mv;
            d->d.has_current = t->has_current; d->d.current_ua = t->current_ua;
            d->d.has_frequency = t->has_frequency; d->d.frequency_uhz = t->frequency_uhz;
            d->d.has_pf = t->has_power_factor; d->d.pf_milli = t->power_factor_milli;
            d->d.import_mwh = c.import_mwh; d->d.export_mwh = c.export_mwh; d->d.epoch = c.epoch;
            if (t->has_relay) d->d.relay = t->relay;
        }
        HUB_ADD(w->h->metrics.stored, 1);
        if (live) live_telemetry(w, m->device, t);
        return LP_OK;
    }
    case LP_PROTO_GRID: {
        const lp_proto_grid_t *g = &m->m.grid;
        for (unsigned k = 0; k < g->count && r == LP_OK; k++) {
            if (g->frequency_uhz[k] == LP_PROTO_GRID_INVALID) continue;
            r = hub_store_put_grid(w->st, d->d.key, g->t0_ms + (int64_t)k * g->period_us / 1000, g->frequency_uhz[k]);
        }
        if (r == LP_OK) HUB_ADD(w->h->metrics.stored, 1);
        return r;
    }
    case LP_PROTO_STATUS:
        d->d.online = m->m.status.online;
        r = hub_store_put_report(w->st, d->d.key, "status", m->recv_ms, m->m.status.has_boot ? (int64_t)m->m.status.boot : -1, -1, payload, plen, &ins);
        if (live) live_raw(w, "status", m->device, payload, plen);
        break;
    case LP_PROTO_INFO:
        r = hub_store_put_report(w->st, d->d.key, "info", m->recv_ms, -1, -1, payload, plen, &ins);
        break;
    case LP_PROTO_STATE:
        d->d.relay = m->m.state.relay;
        r = hub_store_put_report(w->st, d->d.key, "state", m->m.state.has_ts ? m->m.state.ts_ms : m->recv_ms, -1, -1, payload, plen, &ins);
        if (live) live_raw(w, "state", m->device, payload, plen);
        break;
    case LP_PROTO_EVENT:
        r = hub_store_put_report(w->st, d->d.key, "event", m->m.event.ts_ms, m->m.event.boot, m->m.event.seq, payload, plen, &ins);
        if (r == LP_OK && !ins) { HUB_ADD(w->h->metrics.duplicates, 1); return LP_OK; }
        if (live) live_raw(w, "event", m->device, payload, plen);
        break;
    case LP_PROTO_ACK:
        r = hub_store_put_report(w->st, d->d.key, "ack", m->recv_ms, -1, -1, payload, plen, &ins);
        break;
    default:
        return LP_OK; /* cmd: the hub's own commands, not journaled */
    }
    if (r == LP_OK) HUB_ADD(w->h->metrics.stored, 1);
    return r;
}

static int on_record(void *ctx, int64_t recv_ms, const char *topic, size_t tlen, const char *payload, size_t plen)
{
    hub_writer_t *w = ctx;
    hub_msg_t m;
    const char *reason;
    if (plen == 0) {
        /* an empty retained status, info or state clears the broker's copy
         * (docs/protocol.md 2): "no value", neither stored nor an error */
        char dev[LP_PROTO_DEVICE_ID_MAX + 1];
        lp_proto_kind_t k;
        if (lp_proto_topic_parse(topic, tlen, dev, &k) == LP_OK &&
            (k == LP_PROTO_STATUS || k == LP_PROTO_INFO || k == LP_PROTO_STATE))
            return 0;
    }
    lp_status_t st = hub_decode(topic, tlen, payload, plen, recv_ms, &m, &reason);
    if (st != LP_OK) {
        char detail[64] = "";
        if (st == HUB_ERR_TIME) snprintf(detail, sizeof detail, "ts %lld ms", (long long)hub_msg_ts(&m));
        hub_metrics_reject(&w->h->metrics, m.device, reason, detail);
        return 0;
    }
    if (m.kind == LP_PROTO_CMD) return 0;
    /* raw reports older than the retention would be pruned at once, and a
     * rollup recomputed around them would miss their deleted neighbours */
    int64_t ts = hub_msg_ts(&m);
    int days = m.kind == LP_PROTO_GRID ? w->h->cfg.grid_retention_days : w->h->cfg.retention_days;
    if (ts >= 0 && ts < hub_now_ms() - (int64_t)days * DAY_MS) {
        hub_metrics_reject(&w->h->metrics, m.device, "older_than_retention", NULL);
        return 0;
    }
    st = store_msg(w, &m, payload, plen);
    if (st != LP_OK) { w->batch_err = st; return 1; }
    return 0;
}

static lp_status_t finish_devices(hub_writer_t *w)
{
    lp_status_t r = LP_OK;
    for (devstate_t *d = w->touched; d; d = d->tnext) {
        if (r == LP_OK && d->dirty) r = recompute(w, d);
        if (r == LP_OK) r = energy_flush(w, d);
        if (r == LP_OK) r = stats_flush(w, d);
        if (r == LP_OK) r = hub_store_device_save_latest(w->st, &d->d);
    }
    return r;
}

static void clear_touched(hub_writer_t *w)
{
    for (devstate_t *d = w->touched, *n; d; d = n) { n = d->tnext; d->touched = 0; d->tnext = NULL; }
    w->touched = NULL;
}

static void drop_cache(hub_writer_t *w)
{
    for (size_t i = 0; i < w->nb; i++) {
        for (devstate_t *d = w->tab[i], *n; d; d = n) { n = d->hnext; free(d); }
        w->tab[i] = NULL;
    }
    w->ndev = 0;
    w->touched = NULL;
}

static int set_pos_zero(void *ctx)
{
    hub_writer_t *w = ctx;
    w->pos = 0;
    __atomic_store_n(&w->done_pos, 0, __ATOMIC_RELEASE);
    if (hub_store_begin(w->st) != LP_OK) return -1;
    if (hub_store_meta_set(w->st, "journal_pos", "0") != LP_OK) { hub_store_rollback(w->st); return -1; }
    return hub_store_commit(w->st) == LP_OK ? 0 : -1;
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One batch: returns 1 if records were consumed, 0 if none, -1 on error. */
static int batch(hub_writer_t *w)
{
    uint64_t pos = w->pos;
    if (hub_journal_end(w->h->journal) <= pos) return 0;
    uint64_t t0 = mono_us();
    if (w->h->cfg.journal_sync) hub_journal_sync(w->h->journal);
    if (hub_store_begin(w->st) != LP_OK) return -1;
    w->batch_err = LP_OK;
    lp_status_t r = hub_journal_read(w->h->journal, &pos, BATCH_MAX, on_record, w);
    if (r == LP_OK) r = w->batch_err;
    if (r == LP_OK) r = finish_devices(w);
    char pbuf[32];
    snprintf(pbuf, sizeof pbuf, "%llu", (unsigned long long)pos);
    if (r == LP_OK) r = hub_store_meta_set(w->st, "journal_pos", pbuf);
    if (r == LP_OK) r = hub_store_commit(w->st);
    clear_touched(w);
    if (r != LP_OK) {
        hub_store_rollback(w->st);
        drop_cache(w); /* the caches may hold rolled-back state */
        for (size_t i = 0; i < w->nev; i++) { free(w->ev[i].name); free(w->ev[i].json); }
        w->nev = 0;
        fprintf(stderr, "lepower-hub: batch failed (%s), retrying\n", hub_status_str(r));
        return -1;
    }
    hub_metrics_commit(&w->h->metrics, mono_us() - t0);
    w->pos = pos;
    __atomic_store_n(&w->done_pos, pos, __ATOMIC_RELEASE);
    for (size_t i = 0; i < w->nev; i++) {
        hub_live_push(w->h->live, w->ev[i].name, w->ev[i].json);
        free(w->ev[i].name);
        free(w->ev[i].json);
    }
    w->nev = 0;
    return 1;
}

static void prune(hub_writer_t *w)
{
    int64_t now = hub_now_ms();
    if (now - w->last_prune_ms < 3600000) return;
    w->last_prune_ms = now;
    if (hub_store_begin(w->st) != LP_OK) return;
    lp_status_t r = hub_store_prune(w->st, now - (int64_t)w->h->cfg.retention_days * DAY_MS,
                                    now - (int64_t)w->h->cfg.grid_retention_days * DAY_MS);
    if (r == LP_OK) hub_store_commit(w->st); else hub_store_rollback(w->st);
}

static void *writer_main(void *arg)
{
    hub_writer_t *w = arg;
    while (!w->h->stop) {
        /* when the writer keeps up, let reports gather for a few tens of
         * milliseconds: one transaction then carries many reports per device */
        if (hub_journal_end(w->h->journal) - w->pos < (1u << 20)) {
            struct timespec gather = { 0, 40000000L };
            nanosleep(&gather, NULL);
        }
        pthread_mutex_lock(&w->mu);
        int rc = batch(w);
        if (rc == 0) {
            hub_journal_reset_if(w->h->journal, w->pos, (uint64_t)w->h->cfg.journal_max_mb << 20, set_pos_zero, w);
            prune(w);
        }
        pthread_mutex_unlock(&w->mu);
        if (rc < 0) { struct timespec ts = { 0, 200000000L }; nanosleep(&ts, NULL); }
        else if (rc == 0) hub_journal_wait(w->h->journal, w->pos, 500);
    }
    /* drain what was journaled before the stop */
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < 1000 && batch(w) > 0; i++) {}
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

lp_status_t hub_writer_start(hub_t *h)
{
    hub_writer_t *w = calloc(1, sizeof *w);
    if (!w) return HUB_ERR_DB;
    w->h = h;
    w->nb = 1024;
    w->tab = calloc(w->nb, sizeof *w->tab);
    pthread_mutex_init(&w->mu, NULL);
    lp_status_t r = hub_store_open(h->cfg.db_path, 1, &w->st);
    if (r != LP_OK) { free(w->tab); free(w); return r; }
    char buf[32];
    if (hub_store_meta_get(w->st, "journal_pos", buf, sizeof buf) == LP_OK) w->pos = strtoull(buf, NULL, 10);
    uint64_t end = hub_journal_end(h->journal);
    if (w->pos > end) w->pos = 0; /* the journal was cut after the position was stored */
    if (end > w->pos) fprintf(stderr, "lepower-hub: replaying %llu journal bytes\n", (unsigned long long)(end - w->pos));
    w->done_pos = w->pos;
    w->last_prune_ms = hub_now_ms() - 3600000 + 60000; /* first prune a minute after start */
    h->writer = w;
    if (pthread_create(&w->th, NULL, writer_main, w) != 0) { hub_store_close(w->st); free(w->tab); free(w); h->writer = NULL; return HUB_ERR_IO; }
    w->started = 1;
    return LP_OK;
}

void hub_writer_stop(hub_t *h)
{
    hub_writer_t *w = h->writer;
    if (!w) return;
    hub_journal_wake(h->journal);
    if (w->started) pthread_join(w->th, NULL);
    drop_cache(w);
    free(w->tab);
    for (size_t i = 0; i < w->nev; i++) { free(w->ev[i].name); free(w->ev[i].json); }
    free(w->ev);
    hub_store_close(w->st);
    pthread_mutex_destroy(&w->mu);
    free(w);
    h->writer = NULL;
}

/* @p fn in one transaction on the writer's connection; the caller holds w->mu. */
static lp_status_t exec_locked(hub_writer_t *w, lp_status_t (*fn)(hub_store_t *, void *), void *ctx)
{
    lp_status_t r = hub_store_begin(w->st);
    if (r == LP_OK) {
        r = fn(w->st, ctx);
        if (r == LP_OK) r = hub_store_commit(w->st);
        if (r != LP_OK) hub_store_rollback(w->st);
    }
    return r;
}

lp_status_t hub_writer_exec(hub_t *h, lp_status_t (*fn)(hub_store_t *, void *), void *ctx)
{
    hub_writer_t *w = h->writer;
    pthread_mutex_lock(&w->mu);
    lp_status_t r = exec_locked(w, fn, ctx);
    pthread_mutex_unlock(&w->mu);
    return r;
}

static void forget_locked(hub_writer_t *w, const char *device)
{
    size_t b = hash(device) % w->nb;
    for (devstate_t **pp = &w->tab[b]; *pp; pp = &(*pp)->hnext) {
        if (!strcmp((*pp)->d.id, device)) {
            devstate_t *d = *pp;
            *pp = d->hnext;
            free(d);
            w->ndev--;
            break;
        }
    }
}

static lp_status_t do_delete(hub_store_t *st, void *ctx) { return hub_store_device_delete(st, ctx); }

lp_status_t hub_writer_delete_device(hub_t *h, const char *device)
{
    hub_writer_t *w = h->writer;
    pthread_mutex_lock(&w->mu);
    lp_status_t r = exec_locked(w, do_delete, (void *)device);
    /* under the same lock as ingest: no batch can use the deleted row's key */
    if (r == LP_OK) forget_locked(w, device);
    pthread_mutex_unlock(&w->mu);
    return r;
}

int hub_writer_flush(hub_t *h, int timeout_ms)
{
    uint64_t target = hub_journal_end(h->journal);
    for (int i = 0; i < timeout_ms; i += 5) {
        uint64_t done = __atomic_load_n(&h->writer->done_pos, __ATOMIC_ACQUIRE);
        if (done >= target || hub_journal_end(h->journal) < target) return 1; /* consumed, or journal cut after */
        struct timespec ts = { 0, 5000000L };
        nanosleep(&ts, NULL);
    }
    return 0;
}

uint64_t hub_writer_backlog(hub_t *h)
{
    uint64_t end = hub_journal_end(h->journal), done = __atomic_load_n(&h->writer->done_pos, __ATOMIC_ACQUIRE);
    return end > done ? end - done : 0;
}
