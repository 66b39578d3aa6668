/* lp_fw_plug.c - the plug application (see lp_fw_plug.h). */
#include "lp_fw_plug.h"

#include <string.h>

/* ---- helpers -------------------------------------------------------------- */

static void logf_(lp_fw_plug_t *p, int level, const char *a, const char *b)
{
    const lp_fw_log_port_t *l = p->ports.log;
    if (!l || !l->line) return;
    char line[160];
    size_t n = 0;
    for (const char *s = a; s && *s && n < sizeof line - 1; s++) line[n++] = *s;
    for (const char *s = b; s && *s && n < sizeof line - 1; s++) line[n++] = *s;
    line[n] = 0;
    l->line(l->ctx, level, line);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1u;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static int wall(lp_fw_plug_t *p, int64_t *ms)
{
    const lp_fw_clock_port_t *c = p->ports.clock;
    if (!c->wall_ms) return 0;
    int64_t t = 0;
    if (!c->wall_ms(c->ctx, &t) || t < 1000000000000LL) return 0;
    *ms = t;
    return 1;
}

static uint64_t mono(lp_fw_plug_t *p) { return p->ports.clock->mono_ms(p->ports.clock->ctx); }

static lp_status_t publish(lp_fw_plug_t *p, lp_proto_kind_t kind, const lp_proto_msg_t *m,
                           int32_t *token)
{
    size_t len = 0;
    lp_status_t st = lp_proto_topic_build(p->topic, sizeof p->topic, p->cfg.device_id, kind, NULL);
    if (st != LP_OK) return st;
    st = lp_proto_encode(kind, m, p->payload, sizeof p->payload, &len);
    if (st != LP_OK) {
        logf_(p, LP_FW_LOG_ERROR, "encode failed: ", lp_status_str(st));
        return st;
    }
    if (!p->connected) return LP_ERR_FW_NOT_CONNECTED;
    int32_t tok = -1;
    st = p->ports.net->publish(p->ports.net->ctx, p->topic, p->payload, len,
                               (int)lp_proto_kind_qos(kind), lp_proto_kind_retained(kind) ? 1 : 0, &tok);
    if (token) *token = tok;
    return st;
}

static uint32_t clamp_u32(double x, double lo, double hi)
{
    if (!(x >= lo)) x = lo;
    if (x > hi) x = hi;
    return (uint32_t)(x + 0.5);
}
static int32_t clamp_i32(double x, double lim)
{
    if (!(x >= -lim)) x = -lim;
    if (x > lim) x = lim;
    return (int32_t)(x < 0 ? x - 0.5 : x + 0.5);
}

/* ---- persistence ---------------------------------------------------------- */

static lp_status_t save_now(lp_fw_plug_t *p)
{
    lp_fw_record_t r;
    memset(&r, 0, sizeof r);
    r.energy_import_uwh = p->e_imp_uwh;
    r.energy_export_uwh = p->e_exp_uwh;
    r.boot_count = p->boot;
    r.epoch = (uint16_t)p->epoch;
    r.relay_on = (uint8_t)lp_fw_relay_is_on(&p->relay);
    r.tripped = p->relay.tripped;
    lp_status_t st = lp_fw_store_save(&p->store, &r);
    p->saved_at_ms = p->mono_ms;
    if (st == LP_OK) {
        p->saved = r;
        p->relay_dirty = 0;
        p->stats.saves++;
    } else {
        p->stats.save_errors++;
        logf_(p, LP_FW_LOG_ERROR, "flash save failed: ", lp_fw_status_str(st));
    }
    return st;
}

static void maybe_save(lp_fw_plug_t *p)
{
    uint64_t since = p->mono_ms - p->saved_at_ms;
    uint64_t grown = (p->e_imp_uwh - p->saved.energy_import_uwh) + (p->e_exp_uwh - p->saved.energy_export_uwh);
    int due = 0;
    if (since >= p->cfg.save_min_interval_ms && (grown >= p->cfg.save_step_uwh || p->relay_dirty)) due = 1;
    if (since >= p->cfg.save_max_interval_ms && grown > 0u) due = 1;
    if (due) save_now(p);
}

/* ---- retained messages and events ----------------------------------------- */

static void publish_status(lp_fw_plug_t *p)
{
    lp_proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.status.online = true;
    m.status.has_boot = true;
    m.status.boot = p->boot;
    publish(p, LP_PROTO_STATUS, &m, NULL);
}

static lp_proto_power_on_t po_to_proto(lp_fw_power_on_t po)
{
    return po == LP_FW_POWER_ON_ON ? LP_PROTO_POWER_ON_ON
         : po == LP_FW_POWER_ON_OFF ? LP_PROTO_POWER_ON_OFF : LP_PROTO_POWER_ON_PREVIOUS;
}

static void publish_info(lp_fw_plug_t *p)
{
    lp_proto_msg_t m;
    memset(&m, 0, sizeof m);
    lp_proto_info_t *i = &m.info;
    copy_str(i->model, sizeof i->model, p->cfg.model);
    copy_str(i->firmware, sizeof i->firmware, LP_FW_VERSION);
    copy_str(i->hardware, sizeof i->hardware, p->cfg.hardware);
    i->nominal_voltage_v = p->cfg.nominal_voltage_v;
    i->nominal_frequency_hz = p->cfg.meter.fe.nominal_hz;
    i->max_current_ma = p->cfg.max_current_ma;
    i->relay = true;
    i->metering = LP_PROTO_METERING_SHUNT;
    i->grid_stream = p->cfg.grid_stream != 0;
    i->has_interval = true;
    i->interval_ms = p->sched.period_ms;
    i->has_min_on_time = true;
    i->min_on_time_s = p->relay.cfg.min_on_ms / 1000u;
    i->has_min_off_time = true;
    i->min_off_time_s = p->relay.cfg.min_off_ms / 1000u;
    i->has_power_on = true;
    i->power_on = po_to_proto(p->relay.cfg.power_on);
    if (p->relay.cfg.limit_ma) {
        i->has_overcurrent_limit = true;
        i->overcurrent_limit_ma = p->relay.cfg.limit_ma;
    }
    publish(p, LP_PROTO_INFO, &m, NULL);
}

static void publish_state(lp_fw_plug_t *p)
{
    lp_proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.state.relay = lp_fw_relay_is_on(&p->relay) != 0;
    m.state.cause = (lp_proto_cause_t)p->cause;
    if (p->relay_ts_ms) { m.state.has_ts = true; m.state.ts_ms = p->relay_ts_ms; }
    if (p->relay_id[0]) { m.state.has_id = true; copy_str(m.state.id, sizeof m.state.id, p->relay_id); }
    m.state.tripped = p->relay.tripped != 0;
    publish(p, LP_PROTO_STATE, &m, NULL);
}

static void publish_event_relay(lp_fw_plug_t *p)
{
    lp_proto_msg_t m;
    int64_t now;
    if (!wall(p, &now)) return;
    memset(&m, 0, sizeof m);
    m.event.ts_ms = now;
    m.event.boot = p->boot;
    m.event.seq = p->event_seq++;
    m.event.type = LP_PROTO_EVENT_RELAY;
    m.event.has_relay = true;
    m.event.relay = lp_fw_relay_is_on(&p->relay) != 0;
    m.event.has_cause = true;
    m.event.cause = (lp_proto_cause_t)p->cause;
    publish(p, LP_PROTO_EVENT, &m, NULL);
}

/* the relay changed state: drive the GPIO, remember why, tell the hub */
static void relay_changed(lp_fw_plug_t *p, lp_proto_cause_t cause, const char *id)
{
    p->ports.relay->set(p->ports.relay->ctx, lp_fw_relay_is_on(&p->relay));
    p->cause = (uint8_t)cause;
    int64_t now;
    p->relay_ts_ms = wall(p, &now) ? now : 0;
    copy_str(p->relay_id, sizeof p->relay_id, id ? id : "");
    p->relay_dirty = (uint8_t)(lp_fw_relay_is_on(&p->relay) != (int)p->saved.relay_on ||
                               p->relay.tripped != p->saved.tripped);
    publish_state(p);
    publish_event_relay(p);
}

/* ---- telemetry -------------------------------------------------------------- */

static void window_reset(lp_fw_plug_t *p)
{
    p->w_vv = p->w_ii = p->w_p = p->w_q = p->w_f = p->w_s = 0.0;
    p->w_n = p->w_fn = 0.0;
    p->w_r = p->w_rn = 0.0;
    p->w_start_ms = p->mono_ms;
}

/* f: grid frequency (Hz) when f_valid, from the meter's estimator (lp_freq) or, in the
 * cycle-level simulation, from the frequency trace; rocof_valid says whether rocof (Hz/s)
 * was measured too. */
static void window_add(lp_fw_plug_t *p, double n, double vrms, double irms, double pw, double q,
                       double f, int f_valid, double rocof, int rocof_valid, int v_present)
{
    p->w_vv += n * vrms * vrms;
    p->w_ii += n * irms * irms;
    p->w_p += n * pw;
    p->w_q += n * q;
    p->w_s += n * vrms * irms;
    p->w_n += n;
    if (f_valid && f > 0.0) { p->w_f += n * f; p->w_fn += n; }
    if (f_valid && rocof_valid) { p->w_r += n * rocof; p->w_rn += n; }
    p->last_p_w = pw;
    p->last_v_present = (uint8_t)(v_present != 0);
}

static void flush_ring(lp_fw_plug_t *p);

/* close the window into a queued telemetry report */
static void make_report(lp_fw_plug_t *p)
{
    lp_fw_pending_t e;
    memset(&e, 0, sizeof e);
    lp_proto_telemetry_t *t = &e.t;
    double n = p->w_n > 0.0 ? p->w_n : 1.0;
    double vr = p->w_n > 0.0 ? p->w_vv / n : 0.0, ir = p->w_n > 0.0 ? p->w_ii / n : 0.0;
    double pw = p->w_p / n, q = p->w_q / n;
    double vrms = vr > 0.0 ? vr : 0.0, irms = ir > 0.0 ? ir : 0.0;
    /* square roots without libm in core: Newton iterations (values are small) */
    for (int pass = 0; pass < 2; pass++) {
        double x = pass == 0 ? vrms : irms, r = x > 1.0 ? x : 1.0;
        if (x <= 0.0) { r = 0.0; }
        else for (int k = 0; k < 40; k++) r = 0.5 * (r + x / r);
        if (pass == 0) vrms = r; else irms = r;
    }
    double s = vrms * irms;
    uint64_t end = p->mono_ms;
    t->boot = p->boot;
    t->seq = p->tel_seq++;
    uint64_t dur = end - p->w_start_ms;
    t->interval_ms = dur < 1u ? 1u : (dur > 86400000u ? 86400000u : (uint32_t)dur);
    t->power_mw = clamp_i32(pw * 1000.0, 1e9);
    t->energy_import_mwh = p->saved.energy_import_uwh / 1000u;
    t->energy_export_mwh = p->saved.energy_export_uwh / 1000u;
    t->energy_epoch = p->epoch;
    t->has_voltage = true;
    t->voltage_mv = clamp_u32(vrms * 1000.0, 0, 1e6);
    t->has_current = true;
    t->current_ua = clamp_u32(irms * 1e6, 0, 1e9);
    t->has_apparent_power = true;
    t->apparent_power_milli_va = clamp_i32(s * 1000.0, 1e9);
    t->has_reactive_power = true;
    t->reactive_power_milli_var = clamp_i32(q * 1000.0, 1e9);
    t->has_power_factor = true;
    t->power_factor_milli = (int16_t)(s > 0.0 ? clamp_i32(pw / s * 1000.0, 1000.0) : 0);
    if (p->w_fn > 0.0) {
        t->has_frequency = true;
        t->frequency_uhz = clamp_u32(p->w_f / p->w_fn * 1e6, 1e6, 1e9);
    }
    if (p->w_rn > 0.0) {
        t->has_rocof = true;
        t->rocof_uhz_per_s = clamp_i32(p->w_r / p->w_rn * 1e6, 1e8);
    }
    t->has_relay = true;
    t->relay = lp_fw_relay_is_on(&p->relay) != 0;
    e.mono_ms = end;
    int64_t now;
    if (wall(p, &now)) t->ts_ms = now;
    if (!p->connected) t->replay = true;
    if (lp_fw_ring_push(&p->ring, &e)) p->stats.dropped++;
    p->stats.reports++;
    lp_fw_sched_mark(&p->sched, end, clamp_i32(pw * 1000.0, 1e12));
    window_reset(p);
}

static void flush_ring(lp_fw_plug_t *p)
{
    if (!p->connected) return;
    int64_t now;
    int have_wall = wall(p, &now);
    uint32_t inflight = 0;
    uint32_t n = lp_fw_ring_count(&p->ring);
    for (uint32_t k = 0; k < n && inflight < LP_FW_PLUG_INFLIGHT_MAX; k++) {
        lp_fw_pending_t *e = (lp_fw_pending_t *)lp_fw_ring_at(&p->ring, k);
        if (e->acked) continue;
        if (e->sent) { inflight++; continue; }
        if (e->t.ts_ms == 0) {
            if (!have_wall) return; /* wait for the clock; keep order */
            uint64_t age = p->mono_ms - e->mono_ms;
            e->t.ts_ms = now - (int64_t)age;
            e->t.replay = true;
        }
        lp_proto_msg_t m;
        m.telemetry = e->t;
        int32_t tok = -1;
        lp_status_t st = publish(p, LP_PROTO_TELEMETRY, &m, &tok);
        if (st == LP_ERR_FW_NOT_CONNECTED) return;
        if (st != LP_OK) { e->acked = 1; continue; } /* unencodable: never retried */
        e->sent = 1;
        e->token = tok;
        inflight++;
        p->stats.published++;
    }
    while (lp_fw_ring_count(&p->ring)) {
        lp_fw_pending_t *e = (lp_fw_pending_t *)lp_fw_ring_at(&p->ring, 0);
        if (!e->acked) break;
        lp_fw_ring_pop(&p->ring);
    }
}

/* grid stream: one value per engine window, published in batches (QoS 0, live only: a
 * batch is dropped when the link or the clock is missing) */
static void grid_add(lp_fw_plug_t *p, const lp_meter_report_t *r)
{
    int64_t now;
    lp_proto_grid_t *g = &p->g;
    if (!p->cfg.grid_stream || !wall(p, &now) || !p->connected) { g->count = 0; return; }
    uint16_t k = g->count;
    if (k == 0) g->t0_ms = now;
    /* frequency and ROCOF from the meter's estimator (lp_freq: demodulation and
     * least-squares phase slope); invalid when the voltage is missing or collapsing */
    int valid = r->v.f_valid && r->v.f_hz > 1.0;
    g->frequency_uhz[k] = valid ? (int32_t)clamp_u32(r->v.f_hz * 1e6, 1e6, 1e9) : LP_PROTO_GRID_INVALID;
    g->rocof_uhz_per_s[k] = valid ? clamp_i32(r->v.rocof_hz_s * 1e6, 1e8) : LP_PROTO_GRID_INVALID;
    g->voltage_mv[k] = (int32_t)clamp_u32(r->v.vrms_v * 1000.0, 0, 1e6);
    g->count = (uint16_t)(k + 1u);
    if (g->count < p->cfg.grid_batch) return;
    g->boot = p->boot;
    g->seq = p->grid_seq++;
    g->period_us = p->cfg.meter.report_ms * 1000u;
    g->has_rocof = true;
    g->has_voltage = true;
    size_t len = 0;
    lp_status_t st = lp_proto_topic_build(p->topic, sizeof p->topic, p->cfg.device_id, LP_PROTO_GRID, NULL);
    if (st == LP_OK) st = lp_proto_encode_grid(g, p->payload, sizeof p->payload, &len);
    g->count = 0;
    int32_t tok;
    if (st == LP_OK && p->ports.net->publish(p->ports.net->ctx, p->topic, p->payload, len, 0, 0, &tok) == LP_OK)
        p->stats.grid_messages++;
}

/* a metering window (report of the engine or a fast-path cycle) ended */
static void after_window(lp_fw_plug_t *p)
{
    maybe_save(p);
    /* windows end on cycle boundaries: a report is due when the period ends within half a window */
    if (lp_fw_sched_due(&p->sched, p->mono_ms + p->cfg.meter.report_ms / 2u, clamp_i32(p->last_p_w * 1000.0, 1e12)))
        make_report(p);
    flush_ring(p);
}

static void cycle_current(lp_fw_plug_t *p, double irms_a)
{
    uint32_t ma = clamp_u32(irms_a * 1000.0, 0, 4e9);
    if (lp_fw_relay_cycle(&p->relay, ma, p->mono_ms)) {
        p->stats.trips++;
        logf_(p, LP_FW_LOG_WARN, "over-current trip", "");
        relay_changed(p, LP_PROTO_CAUSE_PROTECTION, NULL);
        save_now(p); /* a trip is persisted at once */
    }
}

/* ---- public ----------------------------------------------------------------- */

lp_status_t lp_fw_plug_config_default(lp_fw_plug_config_t *cfg)
{
    if (!cfg) return LP_ERR_NULL;
    memset(cfg, 0, sizeof *cfg);
    copy_str(cfg->device_id, sizeof cfg->device_id, "plug-1");
    copy_str(cfg->model, sizeof cfg->model, "lepower-plug");
    copy_str(cfg->hardware, sizeof cfg->hardware, "generic");
    lp_meter_config_default(&cfg->meter);
    cfg->interval_ms = 10000u;
    cfg->step_mw = 50000u;
    lp_fw_relay_config_default(&cfg->relay);
    cfg->save_step_uwh = 5000000u;
    cfg->save_min_interval_ms = 60000u;
    cfg->save_max_interval_ms = 3600000u;
    cfg->grid_stream = 0;
    cfg->grid_batch = 10u;
    cfg->nominal_voltage_v = 230u;
    cfg->max_current_ma = 16000u;
    return LP_OK;
}

lp_status_t lp_fw_plug_init(lp_fw_plug_t *p, const lp_fw_plug_config_t *cfg,
                            const lp_fw_ports_t *ports, void *ring_storage, uint32_t ring_cap)
{
    if (!p || !cfg || !ports || !ring_storage) return LP_ERR_NULL;
    if (!ports->adc || !ports->clock || !ports->flash || !ports->relay || !ports->net ||
        !ports->adc->read || !ports->clock->mono_ms || !ports->relay->set || !ports->net->publish ||
        !ports->net->subscribe)
        return LP_ERR_NULL;
    lp_status_t st = lp_proto_device_id_check(cfg->device_id, strlen(cfg->device_id));
    if (st != LP_OK) return st;
    if (cfg->save_min_interval_ms > cfg->save_max_interval_ms || cfg->save_step_uwh == 0u ||
        cfg->grid_batch < 1u || cfg->grid_batch > LP_FW_GRID_BATCH_MAX)
        return LP_ERR_RANGE;
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->ports = *ports;
    if (ports->settings_flash) {
        lp_status_t so = lp_fw_store_open_settings(&p->settings, ports->settings_flash);
        if (so == LP_OK || so == LP_ERR_FW_STORE_EMPTY) p->has_settings = 1;
        lp_fw_settings_t set;
        if (so == LP_OK && lp_fw_store_last_settings(&p->settings, &set) == LP_OK &&
            set.min_on_ms <= 86400000u && set.min_off_ms <= 86400000u && set.power_on <= 2u &&
            set.interval_ms >= 1000u && set.interval_ms <= 86400000u && set.trip_cycles >= 1u &&
            set.trip_cycles <= 1000u) {
            p->cfg.relay.min_on_ms = set.min_on_ms;   /* settings changed by command win */
            p->cfg.relay.min_off_ms = set.min_off_ms;
            p->cfg.relay.limit_ma = set.limit_ma;
            p->cfg.relay.trip_cycles = set.trip_cycles;
            p->cfg.relay.power_on = (lp_fw_power_on_t)set.power_on;
            p->cfg.interval_ms = set.interval_ms;
        }
    }
    cfg = &p->cfg;
    st = lp_meter_init(&p->meter, &cfg->meter);
    if (st != LP_OK) return st;
    st = lp_fw_sched_init(&p->sched, cfg->interval_ms, cfg->step_mw, 1000u);
    if (st != LP_OK) return st;
    st = lp_fw_ring_init(&p->ring, ring_storage, (uint32_t)sizeof(lp_fw_pending_t), ring_cap);
    if (st != LP_OK) return st;
    lp_fw_dedupe_init(&p->dedupe);
    p->mono_ms = mono(p);

    st = lp_fw_store_open(&p->store, ports->flash);
    if (st != LP_OK && st != LP_ERR_FW_STORE_EMPTY) return st;
    lp_fw_record_t rec;
    memset(&rec, 0, sizeof rec);
    if (st == LP_OK) lp_fw_store_last(&p->store, &rec);
    p->boot = rec.boot_count + 1u;
    p->epoch = rec.epoch;
    p->e_imp_uwh = rec.energy_import_uwh;
    p->e_exp_uwh = rec.energy_export_uwh;
    p->saved = rec;
    st = lp_fw_relay_init(&p->relay, &cfg->relay, rec.relay_on, rec.tripped, p->mono_ms);
    if (st != LP_OK) return st;
    lp_meter_set_energy(&p->meter, p->e_imp_uwh, p->e_exp_uwh);
    p->meter_base_imp = p->e_imp_uwh;
    p->meter_base_exp = p->e_exp_uwh;
    p->ports.relay->set(p->ports.relay->ctx, 0);
    p->cause = LP_PROTO_CAUSE_POWER_ON;
    st = save_now(p); /* the boot count is durable before anything is published */
    if (st != LP_OK) return st;
    window_reset(p);
    return LP_OK;
}

void lp_fw_plug_energy(const lp_fw_plug_t *p, uint64_t *import_uwh, uint64_t *export_uwh)
{
    if (!p) return;
    if (import_uwh) *import_uwh = p->e_imp_uwh;
    if (export_uwh) *export_uwh = p->e_exp_uwh;
}

void lp_fw_plug_stats(const lp_fw_plug_t *p, lp_fw_plug_stats_t *out)
{
    if (!p || !out) return;
    *out = p->stats;
    out->dropped = p->ring.dropped;
}

uint32_t lp_fw_plug_pending(const lp_fw_plug_t *p) { return p ? lp_fw_ring_count(&p->ring) : 0u; }

void lp_fw_plug_step(lp_fw_plug_t *p)
{
    if (!p || p->stopped) return;
    p->mono_ms = mono(p);
    if (lp_fw_relay_tick(&p->relay, p->mono_ms)) relay_changed(p, LP_PROTO_CAUSE_POWER_ON, NULL);
    for (;;) {
        uint32_t n = p->ports.adc->read(p->ports.adc->ctx, p->adc_v, p->adc_i, LP_FW_PLUG_ADC_BLOCK);
        p->mono_ms = mono(p); /* the clock as of the newest sample read */
        for (uint32_t k = 0; k < n; k++) {
            if (!(lp_meter_push(&p->meter, p->adc_v[k], p->adc_i[k]) & LP_METER_EV_CYCLE_PENDING))
                continue;
            unsigned ev = lp_meter_poll(&p->meter);
            if (ev & LP_METER_EV_CYCLE) {
                lp_meter_values_t c;
                if (lp_meter_cycle(&p->meter, &c) == LP_OK) cycle_current(p, c.irms_a);
            }
            if (ev & LP_METER_EV_REPORT) {
                lp_meter_report_t r;
                if (lp_meter_report(&p->meter, &r) == LP_OK) {
                    p->e_imp_uwh = r.energy_import_uwh; /* the meter runs on from the restored totals */
                    p->e_exp_uwh = r.energy_export_uwh;
                    window_add(p, (double)r.v.n_samples, r.v.vrms_v, r.v.irms_a, r.v.p_w, r.v.q_var,
                               r.v.f_hz, r.v.f_valid, r.v.rocof_hz_s, r.v.f_valid,
                               r.v.voltage_present);
                    grid_add(p, &r);
                    after_window(p);
                }
            }
        }
        if (n < LP_FW_PLUG_ADC_BLOCK) break;
    }
    flush_ring(p);
}

void lp_fw_plug_feed_cycle(lp_fw_plug_t *p, const lp_fw_cycle_input_t *c)
{
    if (!p || !c || p->stopped || !(c->duration_s > 0.0)) return;
    p->mono_ms = mono(p);
    if (lp_fw_relay_tick(&p->relay, p->mono_ms)) relay_changed(p, LP_PROTO_CAUSE_POWER_ON, NULL);
    int on = lp_fw_relay_is_on(&p->relay);
    double irms = on ? c->irms_a : 0.0, pw = on ? c->p_w : 0.0, q = on ? c->q_var : 0.0;
    cycle_current(p, irms);
    /* energy: µWh = W · s · 1e6 / 3600, each direction with its own remainder
     * carried (as the meter does), so no fraction moves between them */
    double e = pw * c->duration_s * (1e6 / 3600.0);
    double *rem = e >= 0.0 ? &p->e_rem_imp_uwh : &p->e_rem_exp_uwh;
    double mag = (e < 0.0 ? -e : e) + *rem;
    uint64_t whole = (uint64_t)mag;
    *rem = mag - (double)whole;
    if (e >= 0.0) p->e_imp_uwh += whole; else p->e_exp_uwh += whole;
    double fs = p->cfg.meter.fe.sample_rate_hz;
    window_add(p, c->duration_s * fs, c->vrms_v, irms, pw, q, c->f_hz, c->vrms_v > 1.0 && c->f_hz > 0.0,
               0.0, 0, c->vrms_v > 1.0);
    /* run the once-per-window logic at the meter's report rate */
    if (p->mono_ms - p->w_start_ms >= p->cfg.interval_ms ||
        lp_fw_sched_due(&p->sched, p->mono_ms, clamp_i32(pw * 1000.0, 1e12)) == 2)
        after_window(p);
    else if (p->mono_ms - p->saved_at_ms >= p->cfg.save_min_interval_ms)
        maybe_save(p);
}

void lp_fw_plug_resync_meter(lp_fw_plug_t *p)
{
    if (!p) return;
    lp_meter_set_energy(&p->meter, p->e_imp_uwh, p->e_exp_uwh);
    p->meter_base_imp = p->e_imp_uwh;
    p->meter_base_exp = p->e_exp_uwh;
}

lp_status_t lp_fw_plug_will(const lp_fw_plug_t *p, char *topic, char *payload, size_t cap, size_t *len)
{
    if (!p || !topic || !payload || !len) return LP_ERR_NULL;
    lp_status_t st = lp_proto_topic_build(topic, LP_PROTO_TOPIC_BUF, p->cfg.device_id, LP_PROTO_STATUS, NULL);
    if (st != LP_OK) return st;
    lp_proto_status_t s;
    memset(&s, 0, sizeof s);
    s.online = false;
    return lp_proto_encode_status(&s, payload, cap, len);
}

const char *lp_fw_plug_cmd_topic(lp_fw_plug_t *p)
{
    static const char empty[] = "";
    if (!p) return empty;
    if (lp_proto_topic_build(p->topic, sizeof p->topic, p->cfg.device_id, LP_PROTO_CMD, NULL) != LP_OK)
        return empty;
    return p->topic;
}

void lp_fw_plug_on_connect(lp_fw_plug_t *p)
{
    if (!p) return;
    p->connected = 1;
    p->ports.net->subscribe(p->ports.net->ctx, lp_fw_plug_cmd_topic(p));
    publish_status(p);
    publish_info(p);
    publish_state(p);
    for (uint32_t k = 0; k < lp_fw_ring_count(&p->ring); k++) {
        lp_fw_pending_t *e = (lp_fw_pending_t *)lp_fw_ring_at(&p->ring, k);
        if (!e->acked) e->sent = 0;
    }
    flush_ring(p);
}

void lp_fw_plug_on_disconnect(lp_fw_plug_t *p)
{
    if (!p) return;
    p->connected = 0;
    for (uint32_t k = 0; k < lp_fw_ring_count(&p->ring); k++) {
        lp_fw_pending_t *e = (lp_fw_pending_t *)lp_fw_ring_at(&p->ring, k);
        if (!e->acked && e->sent) { e->sent = 0; e->t.replay = true; }
    }
}

void lp_fw_plug_on_published(lp_fw_plug_t *p, int32_t token)
{
    if (!p) return;
    for (uint32_t k = 0; k < lp_fw_ring_count(&p->ring); k++) {
        lp_fw_pending_t *e = (lp_fw_pending_t *)lp_fw_ring_at(&p->ring, k);
        if (e->sent && !e->acked && e->token == token) {
            e->acked = 1;
            p->stats.acked++;
            break;
        }
    }
    while (lp_fw_ring_count(&p->ring)) {
        lp_fw_pending_t *e = (lp_fw_pending_t *)lp_fw_ring_at(&p->ring, 0);
        if (!e->acked) break;
        lp_fw_ring_pop(&p->ring);
    }
    /* refill the in-flight window now: a host that waits for acks before it meters further
     * (the virtual plug's back-pressure while catching up) would otherwise wait for ever */
    flush_ring(p);
}

/* ---- commands ------------------------------------------------------------- */

static void send_ack(lp_fw_plug_t *p, const char *id, lp_status_t st, const char *code,
                     const char *msg, uint32_t retry_ms)
{
    lp_proto_msg_t m;
    memset(&m, 0, sizeof m);
    copy_str(m.ack.id, sizeof m.ack.id, id);
    m.ack.ok = st == LP_OK;
    if (st != LP_OK) {
        m.ack.has_error = true;
        copy_str(m.ack.error, sizeof m.ack.error, code ? code : lp_fw_status_str(st));
        if (msg && msg[0]) {
            m.ack.has_message = true;
            copy_str(m.ack.message, sizeof m.ack.message, msg);
        }
        if (retry_ms) {
            m.ack.has_retry_after = true;
            uint32_t s = (retry_ms + 999u) / 1000u;
            m.ack.retry_after_s = s > 86400u ? 86400u : s;
        }
        p->stats.command_errors++;
    }
    publish(p, LP_PROTO_ACK, &m, NULL);
}

static const char *relay_msg(lp_status_t st)
{
    if (st == LP_ERR_FW_RELAY_MIN_ON) return "minimum on time not over";
    if (st == LP_ERR_FW_RELAY_MIN_OFF) return "minimum off time not over";
    if (st == LP_ERR_FW_RELAY_TRIPPED) return "over-current protection tripped; send clear_trip";
    return "";
}

static lp_status_t save_settings(lp_fw_plug_t *p, const lp_fw_relay_config_t *rc, uint32_t interval_ms)
{
    if (!p->has_settings) return LP_OK; /* no settings flash: until the next boot */
    lp_fw_settings_t set;
    memset(&set, 0, sizeof set);
    set.min_on_ms = rc->min_on_ms;
    set.min_off_ms = rc->min_off_ms;
    set.limit_ma = rc->limit_ma;
    set.trip_cycles = rc->trip_cycles;
    set.power_on = (uint8_t)rc->power_on;
    set.interval_ms = interval_ms;
    return lp_fw_store_save_settings(&p->settings, &set);
}

static lp_status_t execute(lp_fw_plug_t *p, const lp_proto_cmd_t *c, uint32_t *retry_ms)
{
    *retry_ms = 0;
    switch (c->action) {
    case LP_PROTO_ACTION_RELAY: {
        int want = c->relay == LP_PROTO_RELAY_ON ? 1 : c->relay == LP_PROTO_RELAY_OFF ? 0
                 : !lp_fw_relay_is_on(&p->relay);
        int before = lp_fw_relay_is_on(&p->relay);
        lp_status_t st = lp_fw_relay_request(&p->relay, want, p->mono_ms, retry_ms);
        if (st == LP_OK && before != lp_fw_relay_is_on(&p->relay))
            relay_changed(p, LP_PROTO_CAUSE_USER, c->id);
        return st;
    }
    case LP_PROTO_ACTION_INTERVAL: {
        if (c->interval_ms < 1000u) return LP_ERR_RANGE;
        lp_status_t st = save_settings(p, &p->relay.cfg, c->interval_ms);
        if (st != LP_OK) return st;
        p->sched.period_ms = c->interval_ms;
        p->cfg.interval_ms = c->interval_ms;
        publish_info(p);
        return LP_OK;
    }
    case LP_PROTO_ACTION_SAFETY: {
        lp_fw_relay_config_t rc = p->relay.cfg;
        if (c->has_min_on_time) rc.min_on_ms = c->min_on_time_s * 1000u;
        if (c->has_min_off_time) rc.min_off_ms = c->min_off_time_s * 1000u;
        if (c->has_power_on)
            rc.power_on = c->power_on == LP_PROTO_POWER_ON_ON ? LP_FW_POWER_ON_ON
                        : c->power_on == LP_PROTO_POWER_ON_OFF ? LP_FW_POWER_ON_OFF : LP_FW_POWER_ON_LAST;
        if (c->has_overcurrent_limit) rc.limit_ma = c->overcurrent_limit_ma;
        lp_status_t st = save_settings(p, &rc, p->sched.period_ms); /* stored, then applied */
        if (st != LP_OK) return st;
        p->relay.cfg = rc;
        p->cfg.relay = rc;
        publish_info(p);
        return LP_OK;
    }
    case LP_PROTO_ACTION_CLEAR_TRIP:
        if (p->relay.tripped) {
            lp_fw_relay_clear_trip(&p->relay);
            p->relay_dirty = 1;
            save_now(p);
            publish_state(p);
        }
        return LP_OK;
    case LP_PROTO_ACTION_RESET_ENERGY: {
        if (c->confirm_epoch != p->epoch) return LP_ERR_STATE;
        int64_t now;
        lp_proto_msg_t m;
        memset(&m, 0, sizeof m);
        m.event.ts_ms = wall(p, &now) ? now : 0;
        m.event.boot = p->boot;
        m.event.seq = p->event_seq++;
        m.event.type = LP_PROTO_EVENT_COUNTER_RESET;
        m.event.has_energy_epoch = true;
        m.event.energy_epoch = p->epoch + 1u;
        m.event.has_energy_import = true;
        m.event.energy_import_mwh = p->e_imp_uwh / 1000u;
        m.event.has_energy_export = true;
        m.event.energy_export_mwh = p->e_exp_uwh / 1000u;
        p->epoch++;
        p->e_imp_uwh = p->e_exp_uwh = 0;
        p->e_rem_imp_uwh = p->e_rem_exp_uwh = 0.0;
        lp_fw_plug_resync_meter(p);
        lp_status_t st = save_now(p);
        if (m.event.ts_ms) publish(p, LP_PROTO_EVENT, &m, NULL);
        return st;
    }
    case LP_PROTO_ACTION_INFO:
        publish_info(p);
        return LP_OK;
    default:
        return LP_ERR_FW_CMD_UNKNOWN;
    }
}

static const char *ack_code(lp_status_t st)
{
    switch ((int)st) {
    case 310: return "min_on_time";
    case 311: return "min_off_time";
    case 312: return "tripped";
    case 330: return "expired";
    case 333: return "no_time";
    case 331: return "unsupported";
    case LP_ERR_STATE: return "bad_confirm";
    case LP_ERR_RANGE: return "unsupported";
    case 300: case 303: return "flash_error";
    default: return "invalid";
    }
}

/* The id of a command that failed to decode, when it can be recovered (protocol 7.9):
 * the first "id" key followed by a string of 1..32 id characters. 1 when found. */
static int recover_id(const char *s, size_t len, char *id)
{
    for (size_t k = 0; k + 4 < len; k++) {
        if (memcmp(s + k, "\"id\"", 4) != 0) continue;
        size_t j = k + 4;
        while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n')) j++;
        if (j >= len || s[j] != ':') continue;
        j++;
        while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n')) j++;
        if (j >= len || s[j] != '"') continue;
        j++;
        size_t n = 0;
        while (j + n < len && n <= LP_PROTO_ID_MAX) {
            char c = s[j + n];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-'))
                break;
            n++;
        }
        if (n == 0 || n > LP_PROTO_ID_MAX || j + n >= len || s[j + n] != '"') return 0;
        memcpy(id, s + j, n);
        id[n] = 0;
        return 1;
    }
    return 0;
}

void lp_fw_plug_on_message(lp_fw_plug_t *p, const char *topic, const void *payload, size_t len,
                           int retained)
{
    if (!p || !topic || (!payload && len)) return;
    p->mono_ms = mono(p);
    lp_proto_kind_t kind;
    char dev[LP_PROTO_DEVICE_ID_MAX + 1];
    if (lp_proto_topic_parse(topic, strlen(topic), dev, &kind) != LP_OK || kind != LP_PROTO_CMD ||
        strcmp(dev, p->cfg.device_id) != 0)
        return;
    if (retained) { /* protocol 7.1: a retained command is ignored, not acknowledged */
        p->stats.ignored++;
        return;
    }
    p->stats.commands++;
    lp_proto_msg_t m;
    lp_proto_error_t err;
    memset(&err, 0, sizeof err);
    lp_status_t st = lp_proto_decode(LP_PROTO_CMD, (const char *)payload, len, &m, &err);
    if (st != LP_OK) {
        char id[LP_PROTO_ID_MAX + 1], msg[LP_PROTO_MESSAGE_MAX + 1];
        size_t n = 0;
        for (const char *a = lp_status_str(st); *a && n < 40; a++) msg[n++] = *a;
        msg[n] = 0;
        if (err.message) logf_(p, LP_FW_LOG_WARN, "invalid command: ", err.message);
        if (!recover_id((const char *)payload, len, id)) { p->stats.dropped_commands++; return; }
        if (err.message) {
            if (n + 2 < sizeof msg) { msg[n++] = ':'; msg[n++] = ' '; }
            for (const char *a = err.message; *a && n + 1 < sizeof msg; a++) msg[n++] = *a;
            msg[n] = 0;
        }
        send_ack(p, id, LP_ERR_FW_CMD_MALFORMED, "invalid", msg, 0);
        return;
    }
    const lp_proto_cmd_t *c = &m.cmd;
    lp_fw_dedupe_entry_t seen;
    if (lp_fw_dedupe_seen(&p->dedupe, c->id, p->mono_ms, &seen)) {
        p->stats.duplicates++;
        send_ack(p, c->id, (lp_status_t)seen.status, ack_code((lp_status_t)seen.status),
                 relay_msg((lp_status_t)seen.status), seen.retry_after_ms);
        return;
    }
    int64_t now = 0;
    int have_wall = wall(p, &now);
    uint32_t retry = 0;
    st = have_wall ? lp_fw_cmd_check_expiry(c->expires_ms, have_wall, now) : LP_ERR_FW_NO_TIME;
    if (st == LP_OK) st = execute(p, c, &retry);
    lp_fw_dedupe_remember(&p->dedupe, c->id, p->mono_ms, lp_fw_cmd_keep_ms(c->expires_ms, have_wall, now),
                          (int32_t)st, retry);
    send_ack(p, c->id, st, ack_code(st), relay_msg(st), retry);
}

/* ---- stop ------------------------------------------------------------------ */

lp_status_t lp_fw_plug_power_fail(lp_fw_plug_t *p)
{
    if (!p) return LP_ERR_NULL;
    if (p->stopped) return LP_OK;
    p->mono_ms = mono(p);
    lp_status_t st = save_now(p);
    if (p->w_n > 0.0) make_report(p);
    flush_ring(p);
    p->stopped = 1;
    return st;
}

lp_status_t lp_fw_plug_stop(lp_fw_plug_t *p) { return lp_fw_plug_power_fail(p); }
