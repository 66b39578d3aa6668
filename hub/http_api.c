/* HTTP server (libmicrohttpd, a thread per connection) and the small routes:
 * devices, settings, commands, live events, metrics, health. See docs/api.md. */
#include "api.h"

#include <microhttpd.h>
#include <arpa/inet.h>
#include <math.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jbody.h"

#define MAX_BODY 16384

static struct MHD_Daemon *g_daemon;

const char *api_arg(const api_req_t *r, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)r->con, MHD_GET_ARGUMENT_KIND, name);
}

int api_error(api_resp_t *out, int status, const char *msg)
{
    jb_free(&out->body);
    jb_init(&out->body);
    jb_raw(&out->body, "{\"error\":");
    jb_str(&out->body, msg);
    jb_raw(&out->body, "}");
    out->status = status;
    out->content_type = NULL;
    return 0;
}

int api_range(const api_req_t *r, api_resp_t *out, int64_t *from_ms, int64_t *to_ms)
{
    const char *f = api_arg(r, "from"), *t = api_arg(r, "to");
    if (!f || !t) return api_error(out, 400, "from and to are required (ISO 8601 with offset, or Unix seconds)"), -1;
    if (hub_parse_time(f, from_ms)) return api_error(out, 400, "from: not an ISO 8601 time with offset or Unix seconds"), -1;
    if (hub_parse_time(t, to_ms)) return api_error(out, 400, "to: not an ISO 8601 time with offset or Unix seconds"), -1;
    if (*to_ms <= *from_ms) return api_error(out, 400, "to must be after from"), -1;
    if (*from_ms < 0 || *to_ms > 4102444800000LL) return api_error(out, 400, "times must lie between 1970 and 2100"), -1;
    return 0;
}

/* Zones are immutable once loaded; each is kept for the life of the process.
 * The cache grows with every distinct valid name: bounded by the zone files on
 * the machine (~1 800 names with the posix/ and right/ copies, ~3 KB each). */
static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;
static hub_tz_t **tz_cache;
static size_t tz_n, tz_cap;

const hub_tz_t *api_tz(const api_req_t *r, api_resp_t *out)
{
    const char *name = api_arg(r, "tz");
    if (!name || !name[0]) return r->h->tz;
    pthread_mutex_lock(&tz_mu);
    for (size_t i = 0; i < tz_n; i++)
        if (!strcmp(hub_tz_name(tz_cache[i]), name)) { pthread_mutex_unlock(&tz_mu); return tz_cache[i]; }
    hub_tz_t *tz = NULL;
    lp_status_t st = hub_tz_load(name, &tz);
    if (st == LP_OK && tz_n == tz_cap) {
        size_t nc = tz_cap ? tz_cap * 2 : 64;
        hub_tz_t **nt = realloc(tz_cache, nc * sizeof *nt);
        if (nt) { tz_cache = nt; tz_cap = nc; }
    }
    int oom = 0;
    if (st == LP_OK && tz_n < tz_cap) tz_cache[tz_n++] = tz;
    else if (st == LP_OK) { hub_tz_free(tz); oom = 1; }
    pthread_mutex_unlock(&tz_mu);
    if (oom) { api_error(out, 503, "out of memory"); return NULL; }
    if (st != LP_OK) { api_error(out, 400, "tz: unknown IANA time zone"); return NULL; }
    return tz;
}

/* ---- query memory budget ---- */
static pthread_mutex_t budget_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t budget_cv = PTHREAD_COND_INITIALIZER;
static size_t budget_used;

size_t api_budget_take(api_resp_t *out, size_t bytes)
{
    if (bytes == 0) bytes = 1;
    if (bytes > API_QUERY_BUDGET_BYTES) bytes = API_QUERY_BUDGET_BYTES;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&budget_mu);
    int late = 0;
    while (budget_used + bytes > API_QUERY_BUDGET_BYTES && !late)
        late = pthread_cond_timedwait(&budget_cv, &budget_mu, &until) != 0;
    int ok = budget_used + bytes <= API_QUERY_BUDGET_BYTES;
    if (ok) budget_used += bytes;
    pthread_mutex_unlock(&budget_mu);
    if (!ok) { api_error(out, 503, "busy: too many large queries at once, retry"); return 0; }
    return bytes;
}

void api_budget_give(size_t reserved)
{
    if (!reserved) return;
    pthread_mutex_lock(&budget_mu);
    budget_used -= reserved;
    pthread_cond_broadcast(&budget_cv);
    pthread_mutex_unlock(&budget_mu);
}

/* ---- devices ---- */
static int device_online(const hub_device_t *d, int64_t now)
{
    if (d->online >= 0) return d->online;
    return d->seen_ms >= 0 && now - d->seen_ms < 120000;
}

static void device_json(jbuf_t *j, const hub_device_t *d, int64_t now)
{
    jb_raw(j, "{\"id\":"); jb_str(j, d->id);
    jb_raw(j, ",\"name\":"); jb_str(j, d->name);
    jb_raw(j, ",\"room\":"); jb_str(j, d->room);
    jb_raw(j, ",\"kind\":"); jb_str(j, d->kind);
    jb_fmt(j, ",\"critical\":%s,\"online\":%s,\"last_seen\":", d->critical ? "true" : "false", device_online(d, now) ? "true" : "false");
    if (d->seen_ms >= 0) jb_time(j, d->seen_ms); else jb_raw(j, "null");
    jb_raw(j, ",\"first_report\":"); if (d->has_telemetry) jb_time(j, d->first_ms); else jb_raw(j, "null");
    jb_raw(j, ",\"last_report\":"); if (d->has_telemetry) jb_time(j, d->last_ms); else jb_raw(j, "null");
    jb_raw(j, ",\"power\":"); jb_num(j, d->has_telemetry ? d->power_mw / 1e3 : NAN, 3);
    jb_raw(j, ",\"voltage\":"); jb_num(j, d->has_telemetry && d->has_voltage ? d->voltage_mv / 1e3 : NAN, 3);
    jb_raw(j, ",\"current\":"); jb_num(j, d->has_telemetry && d->has_current ? d->current_ua / 1e6 : NAN, 6);
    jb_raw(j, ",\"frequency\":"); jb_num(j, d->has_telemetry && d->has_frequency ? d->frequency_uhz / 1e6 : NAN, 6);
    jb_raw(j, ",\"power_factor\":"); jb_num(j, d->has_telemetry && d->has_pf ? d->pf_milli / 1e3 : NAN, 3);
    jb_raw(j, ",\"energy_import\":"); jb_num(j, d->has_telemetry ? (double)d->import_mwh / 1e3 : NAN, 3);
    jb_raw(j, ",\"energy_export\":"); jb_num(j, d->has_telemetry ? (double)d->export_mwh / 1e3 : NAN, 3);
    jb_raw(j, ",\"energy_epoch\":"); if (d->has_telemetry) jb_fmt(j, "%u", d->epoch); else jb_raw(j, "null");
    jb_fmt(j, ",\"relay\":%s}", d->relay < 0 ? "null" : d->relay ? "\"on\"" : "\"off\"");
}

static int devices_list(const api_req_t *r, api_resp_t *out)
{
    hub_store_t *st = hub_pool_get(r->h->pool);
    if (!st) return api_error(out, 503, "database unavailable");
    hub_device_t *d = NULL;
    size_t n = 0;
    lp_status_t rs = hub_store_device_list(st, &d, &n);
    hub_pool_put(r->h->pool, st);
    if (rs != LP_OK) return api_error(out, 500, "database error");
    int64_t now = hub_now_ms();
    jb_raw(&out->body, "{\"devices\":[");
    for (size_t i = 0; i < n; i++) { if (i) jb_raw(&out->body, ","); device_json(&out->body, &d[i], now); }
    jb_raw(&out->body, "]}");
    free(d);
    out->status = 200;
    return 0;
}

static int device_get(const api_req_t *r, api_resp_t *out)
{
    hub_store_t *st = hub_pool_get(r->h->pool);
    if (!st) return api_error(out, 503, "database unavailable");
    hub_device_t d;
    lp_status_t rs = hub_store_device_get(st, r->device, &d);
    hub_pool_put(r->h->pool, st);
    if (rs == HUB_ERR_NOT_FOUND) return api_error(out, 404, "no such device");
    if (rs != LP_OK) return api_error(out, 500, "database error");
    device_json(&out->body, &d, hub_now_ms());
    out->status = 200;
    return 0;
}

typedef struct { const char *id; const char *name, *room, *kind; int critical; } patch_t;
static lp_status_t do_patch(hub_store_t *st, void *ctx)
{
    patch_t *p = ctx;
    return hub_store_device_patch(st, p->id, p->name, p->room, p->kind, p->critical);
}

static int text_ok(const char *s)
{
    size_t n = strlen(s);
    if (n > HUB_TEXT_MAX) return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) if (*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

static int device_patch(const api_req_t *r, api_resp_t *out)
{
    jbody_t b;
    const char *err;
    if (jbody_parse(r->body, r->body_len, &b, &err)) return api_error(out, 400, err);
    patch_t p = { r->device, NULL, NULL, NULL, -1 };
    for (size_t i = 0; i < b.n; i++) {
        const jbody_member_t *m = &b.m[i];
        const char **dst = !strcmp(m->key, "name") ? &p.name : !strcmp(m->key, "room") ? &p.room : !strcmp(m->key, "kind") ? &p.kind : NULL;
        if (dst) {
            if (m->type != JB_STRING || !text_ok(m->text)) {
                char msg[160];
                snprintf(msg, sizeof msg, "%s must be a string of at most %d bytes of UTF-8 without control characters", m->key, HUB_TEXT_MAX);
                return api_error(out, 400, msg);
            }
            *dst = m->text;
        } else if (!strcmp(m->key, "critical")) {
            if (m->type != JB_TRUE && m->type != JB_FALSE) return api_error(out, 400, "critical must be true or false");
            p.critical = m->type == JB_TRUE;
        } else {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown member '%.40s' (name, room, kind, critical)", m->key);
            return api_error(out, 400, msg);
        }
    }
    lp_status_t rs = hub_writer_exec(r->h, do_patch, &p);
    if (rs == HUB_ERR_NOT_FOUND) return api_error(out, 404, "no such device");
    if (rs != LP_OK) return api_error(out, 500, "database error");
    return device_get(r, out);
}

static int device_delete(const api_req_t *r, api_resp_t *out)
{
    lp_status_t rs = hub_writer_delete_device(r->h, r->device);
    if (rs == HUB_ERR_NOT_FOUND) return api_error(out, 404, "no such device");
    if (rs != LP_OK) return api_error(out, 500, "database error");
    jb_raw(&out->body, "{\"deleted\":"); jb_str(&out->body, r->device); jb_raw(&out->body, "}");
    out->status = 200;
    return 0;
}

static int device_command(const api_req_t *r, api_resp_t *out)
{
    jbody_t b;
    const char *err;
    if (jbody_parse(r->body, r->body_len, &b, &err)) return api_error(out, 400, err);
    const jbody_member_t *m = jbody_get(&b, "relay");
    if (b.n != 1 || !m || m->type != JB_STRING) return api_error(out, 400, "body must be {\"relay\":\"on\"|\"off\"|\"toggle\"}");
    lp_proto_relay_cmd_t rc;
    if (!strcmp(m->text, "on")) rc = LP_PROTO_RELAY_ON;
    else if (!strcmp(m->text, "off")) rc = LP_PROTO_RELAY_OFF;
    else if (!strcmp(m->text, "toggle")) rc = LP_PROTO_RELAY_TOGGLE;
    else return api_error(out, 400, "relay must be on, off or toggle");
    hub_store_t *st = hub_pool_get(r->h->pool);
    if (!st) return api_error(out, 503, "database unavailable");
    hub_device_t d;
    lp_status_t rs = hub_store_device_get(st, r->device, &d);
    hub_pool_put(r->h->pool, st);
    if (rs == HUB_ERR_NOT_FOUND) return api_error(out, 404, "no such device");
    if (rs != LP_OK) return api_error(out, 500, "database error");
    char ack[LP_PROTO_PAYLOAD_MAX + 1], id[LP_PROTO_ID_MAX + 1] = "";
    rs = hub_cmd_relay(r->h, r->device, rc, ack, sizeof ack, id, sizeof id);
    if (rs == HUB_ERR_TIMEOUT) {
        char msg[160];
        snprintf(msg, sizeof msg, "no ack from the device within %d ms (command %s)", r->h->cfg.cmd_timeout_ms, id);
        return api_error(out, 504, msg);
    }
    if (rs != LP_OK) return api_error(out, 503, "broker not connected");
    jb_raw(&out->body, "{\"device\":"); jb_str(&out->body, r->device);
    jb_raw(&out->body, ",\"id\":"); jb_str(&out->body, id);
    jb_raw(&out->body, ",\"ack\":"); jb_raw(&out->body, ack);
    jb_raw(&out->body, "}");
    out->status = 200;
    return 0;
}

/* ---- settings ---- */
static int settings_get(const api_req_t *r, api_resp_t *out)
{
    hub_store_t *st = hub_pool_get(r->h->pool);
    if (!st) return api_error(out, 503, "database unavailable");
    char buf[2048];
    lp_status_t rs = hub_store_meta_get(st, "settings", buf, sizeof buf);
    hub_pool_put(r->h->pool, st);
    if (rs == HUB_ERR_NOT_FOUND) strcpy(buf, "{\"price_per_kwh\":null,\"currency\":\"EUR\"}");
    else if (rs != LP_OK) return api_error(out, 500, "database error");
    jb_raw(&out->body, buf);
    out->status = 200;
    return 0;
}

typedef struct { const jbody_t *b; char *json; size_t cap; } settings_put_t;
static lp_status_t do_settings(hub_store_t *st, void *ctx)
{
    settings_put_t *sp = ctx;
    char cur[2048];
    jbody_t old;
    memset(&old, 0, sizeof old);
    if (hub_store_meta_get(st, "settings", cur, sizeof cur) == LP_OK) jbody_parse(cur, strlen(cur), &old, NULL);
    const jbody_member_t *price = jbody_get(sp->b, "price_per_kwh"), *cur_m = jbody_get(sp->b, "currency");
    if (!price) price = jbody_get(&old, "price_per_kwh");
    if (!cur_m) cur_m = jbody_get(&old, "currency");
    jbuf_t j;
    jb_init(&j);
    jb_raw(&j, "{\"price_per_kwh\":");
    if (price && price->type == JB_NUMBER) jb_fmt(&j, "%.10g", price->number == 0 ? 0.0 : price->number); else jb_raw(&j, "null");
    jb_raw(&j, ",\"currency\":");
    jb_str(&j, cur_m && cur_m->type == JB_STRING ? cur_m->text : "EUR");
    jb_raw(&j, "}");
    lp_status_t rs = j.oom ? HUB_ERR_DB : hub_store_meta_set(st, "settings", j.s);
    if (rs == LP_OK) snprintf(sp->json, sp->cap, "%s", j.s);
    jb_free(&j);
    return rs;
}

static int settings_put(const api_req_t *r, api_resp_t *out)
{
    jbody_t b;
    const char *err;
    if (jbody_parse(r->body, r->body_len, &b, &err)) return api_error(out, 400, err);
    for (size_t i = 0; i < b.n; i++) {
        const jbody_member_t *m = &b.m[i];
        if (!strcmp(m->key, "price_per_kwh")) {
            if (!((m->type == JB_NUMBER && m->number >= 0 && m->number < 1e6) || m->type == JB_NULL))
                return api_error(out, 400, "price_per_kwh must be a number >= 0 or null");
        } else if (!strcmp(m->key, "currency")) {
            if (m->type != JB_STRING || strlen(m->text) < 1 || strlen(m->text) > 8 || !text_ok(m->text))
                return api_error(out, 400, "currency must be a string of 1..8 bytes of UTF-8");
        } else {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown setting '%.40s' (price_per_kwh, currency)", m->key);
            return api_error(out, 400, msg);
        }
    }
    char json[2048];
    settings_put_t sp = { &b, json, sizeof json };
    if (hub_writer_exec(r->h, do_settings, &sp) != LP_OK) return api_error(out, 500, "database error");
    jb_raw(&out->body, json);
    out->status = 200;
    return 0;
}

/* ---- health and metrics ---- */
static int healthz(const api_req_t *r, api_resp_t *out)
{
    int conn = __atomic_load_n(&r->h->mqtt_connected, __ATOMIC_RELAXED);
    jb_fmt(&out->body, "{\"status\":\"ok\",\"broker_connected\":%s,\"journal_backlog_bytes\":%llu}",
           conn ? "true" : "false", (unsigned long long)hub_writer_backlog(r->h));
    out->status = 200;
    return 0;
}

static void prom_label(jbuf_t *j, const char *s)
{
    jb_raw(j, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') { char e[3] = { '\\', *s, 0 }; jb_raw(j, e); }
        else if (*s == '\n') jb_raw(j, "\\n");
        else jb_rawn(j, s, 1);
    }
    jb_raw(j, "\"");
}

static int metrics(const api_req_t *r, api_resp_t *out)
{
    hub_metrics_t *m = &r->h->metrics;
    jbuf_t *j = &out->body;
    out->content_type = "text/plain; version=0.0.4; charset=utf-8";
    jb_fmt(j, "# HELP lepower_hub_messages_received_total MQTT messages received by the hub.\n"
              "# TYPE lepower_hub_messages_received_total counter\nlepower_hub_messages_received_total %llu\n",
           (unsigned long long)HUB_GET(m->received));
    jb_fmt(j, "# HELP lepower_hub_messages_stored_total Messages stored in the database.\n"
              "# TYPE lepower_hub_messages_stored_total counter\nlepower_hub_messages_stored_total %llu\n",
           (unsigned long long)HUB_GET(m->stored));
    jb_fmt(j, "# HELP lepower_hub_messages_duplicate_total Reports dropped as duplicates of (device, boot, seq, ts).\n"
              "# TYPE lepower_hub_messages_duplicate_total counter\nlepower_hub_messages_duplicate_total %llu\n",
           (unsigned long long)HUB_GET(m->duplicates));
    jb_raw(j, "# HELP lepower_hub_messages_rejected_total Messages rejected, by device and reason.\n"
              "# TYPE lepower_hub_messages_rejected_total counter\n");
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->nrejects; i++) {
        jb_raw(j, "lepower_hub_messages_rejected_total{device=");
        prom_label(j, m->rejects[i].device);
        jb_raw(j, ",reason=");
        prom_label(j, m->rejects[i].reason);
        jb_fmt(j, "} %llu\n", (unsigned long long)m->rejects[i].count);
    }
    pthread_mutex_unlock(&m->mu);
    static const char *const le[8] = { "0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1", "+Inf" };
    jb_raw(j, "# HELP lepower_hub_db_write_seconds Time of one database write batch (journal to commit).\n"
              "# TYPE lepower_hub_db_write_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b < 8; b++) {
        cum += HUB_GET(m->commit_hist[b]);
        jb_fmt(j, "lepower_hub_db_write_seconds_bucket{le=\"%s\"} %llu\n", le[b], (unsigned long long)cum);
    }
    jb_fmt(j, "lepower_hub_db_write_seconds_sum %.6f\nlepower_hub_db_write_seconds_count %llu\n",
           (double)HUB_GET(m->commit_us_sum) / 1e6, (unsigned long long)HUB_GET(m->batches));
    jb_fmt(j, "# HELP lepower_hub_db_write_seconds_max Longest database write batch.\n"
              "# TYPE lepower_hub_db_write_seconds_max gauge\nlepower_hub_db_write_seconds_max %.6f\n",
           (double)HUB_GET(m->commit_us_max) / 1e6);
    jb_fmt(j, "# HELP lepower_hub_last_commit_timestamp_seconds Unix time of the last database write batch (0: none yet).\n"
              "# TYPE lepower_hub_last_commit_timestamp_seconds gauge\nlepower_hub_last_commit_timestamp_seconds %.3f\n",
           (double)HUB_GET(m->last_commit_ms) / 1e3);
    size_t online = 0, n = 0;
    hub_store_t *st = hub_pool_get(r->h->pool);
    if (st) {
        hub_device_t *d = NULL;
        if (hub_store_device_list(st, &d, &n) == LP_OK) {
            int64_t now = hub_now_ms();
            for (size_t i = 0; i < n; i++) online += (size_t)device_online(&d[i], now);
        }
        free(d);
        hub_pool_put(r->h->pool, st);
    }
    jb_fmt(j, "# HELP lepower_hub_devices_online Devices online.\n# TYPE lepower_hub_devices_online gauge\n"
              "lepower_hub_devices_online %zu\n# HELP lepower_hub_devices Devices known.\n# TYPE lepower_hub_devices gauge\n"
              "lepower_hub_devices %zu\n", online, n);
    jb_fmt(j, "# HELP lepower_hub_journal_backlog_bytes Journal bytes not yet in the database.\n"
              "# TYPE lepower_hub_journal_backlog_bytes gauge\nlepower_hub_journal_backlog_bytes %llu\n",
           (unsigned long long)hub_writer_backlog(r->h));
    jb_fmt(j, "# HELP lepower_hub_broker_connected 1 when connected to the broker.\n"
              "# TYPE lepower_hub_broker_connected gauge\nlepower_hub_broker_connected %d\n",
           __atomic_load_n(&r->h->mqtt_connected, __ATOMIC_RELAXED));
    out->status = 200;
    return 0;
}

/* ---- live (Server-Sent Events) ---- */
typedef struct { hub_t *h; uint64_t seq; int idle_ms; } live_t;

static ssize_t live_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    live_t *l = cls;
    if (l->h->stop) return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = hub_live_read(l->h->live, &l->seq, buf, max, 1000);
    if (n > 0) { l->idle_ms = 0; return (ssize_t)n; }
    l->idle_ms += 1000;
    if (l->idle_ms >= 15000) {
        l->idle_ms = 0;
        static const char ka[] = ": keep-alive\n\n";
        if (max >= sizeof ka - 1) { memcpy(buf, ka, sizeof ka - 1); return (ssize_t)(sizeof ka - 1); }
    }
    return 0;
}

static void live_free(void *cls)
{
    live_t *l = cls;
    hub_live_leave(l->h->live);
    free(l);
}

static enum MHD_Result live_start(hub_t *h, struct MHD_Connection *con)
{
    live_t *l = calloc(1, sizeof *l);
    if (!l) return MHD_NO;
    l->h = h;
    l->seq = hub_live_join(h->live);
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, live_read, l, live_free);
    if (!resp) { live_free(l); return MHD_NO; }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    enum MHD_Result ret = MHD_queue_response(con, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- routing ---- */
typedef struct { char *body; size_t len; int too_large; } conn_state_t;

/* Counts Content-Length headers: a request with two is ambiguous about where
 * its body ends (RFC 9112 6.3: an invalid length is unrecoverable), so it is
 * answered 400 and the connection closed rather than read one way. */
static enum MHD_Result count_cl(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind; (void)value;
    if (key && !strcasecmp(key, "Content-Length")) (*(int *)cls)++;
    return MHD_YES;
}

static int route(api_req_t *r, const char *url, api_resp_t *out, int *is_live)
{
    const char *m = r->method;
    int get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
    if (!strcmp(url, "/healthz")) return get ? healthz(r, out) : api_error(out, 405, "method not allowed");
    if (!strcmp(url, "/metrics")) return get ? metrics(r, out) : api_error(out, 405, "method not allowed");
    if (strncmp(url, "/api/", 5) != 0) return api_error(out, 404, "not found");
    if (strncmp(url, "/api/v1/", 8) != 0) return api_error(out, 404, "not found");
    const char *p = url + 8;
    if (!strcmp(p, "devices")) return get ? devices_list(r, out) : api_error(out, 405, "method not allowed");
    if (!strcmp(p, "energy")) return get ? api_energy(r, out) : api_error(out, 405, "method not allowed");
    if (!strcmp(p, "profile")) return get ? api_profile(r, out) : api_error(out, 405, "method not allowed");
    if (!strcmp(p, "grid")) return get ? api_grid(r, out) : api_error(out, 405, "method not allowed");
    if (!strcmp(p, "live")) { if (!get) return api_error(out, 405, "method not allowed"); *is_live = 1; return 0; }
    if (!strcmp(p, "settings")) {
        if (get) return settings_get(r, out);
        if (!strcmp(m, "PUT")) return settings_put(r, out);
        return api_error(out, 405, "method not allowed");
    }
    if (!strncmp(p, "devices/", 8)) {
        char id[LP_PROTO_DEVICE_ID_MAX + 1];
        const char *s = p + 8, *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (lp_proto_device_id_check(s, n) != LP_OK) return api_error(out, 404, "no such device (ids are 1..32 of [a-z0-9-])");
        memcpy(id, s, n);
        id[n] = 0;
        r->device = id;
        int rc;
        if (!e) {
            if (get) rc = device_get(r, out);
            else if (!strcmp(m, "PATCH")) rc = device_patch(r, out);
            else if (!strcmp(m, "DELETE")) rc = device_delete(r, out);
            else rc = api_error(out, 405, "method not allowed");
        } else if (!strcmp(e, "/series")) rc = get ? api_series(r, out) : api_error(out, 405, "method not allowed");
        else if (!strcmp(e, "/commands")) rc = !strcmp(m, "POST") ? device_command(r, out) : api_error(out, 405, "method not allowed");
        else rc = api_error(out, 404, "not found");
        r->device = NULL;
        return rc;
    }
    return api_error(out, 404, "not found");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    hub_t *h = cls;
    conn_state_t *cs = *con_cls;
    if (!cs) {
        int ncl = 0;
        MHD_get_connection_values(con, MHD_HEADER_KIND, count_cl, &ncl);
        if (ncl > 1) {
            static const char msg[] = "{\"error\":\"more than one Content-Length header\"}";
            struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
            if (!resp) return MHD_NO;
            MHD_add_response_header(resp, "Content-Type", "application/json");
            MHD_add_response_header(resp, "Connection", "close");
            enum MHD_Result ret = MHD_queue_response(con, 400, resp);
            MHD_destroy_response(resp);
            return ret;
        }
        cs = calloc(1, sizeof *cs);
        if (!cs) return MHD_NO;
        *con_cls = cs;
        return MHD_YES;
    }
    if (*upload_size) {
        if (cs->len + *upload_size > MAX_BODY) cs->too_large = 1;
        else {
            char *nb = realloc(cs->body, cs->len + *upload_size + 1);
            if (!nb) return MHD_NO;
            cs->body = nb;
            memcpy(cs->body + cs->len, upload, *upload_size);
            cs->len += *upload_size;
            cs->body[cs->len] = 0;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) && strncmp(url, "/api/", 5) != 0 &&
        strcmp(url, "/healthz") != 0 && strcmp(url, "/metrics") != 0) {
        int ret;
        if (hub_static_serve(con, url, &ret)) return (enum MHD_Result)ret;
    }
    api_req_t r = { h, con, method, NULL, cs->body ? cs->body : "", cs->len };
    api_resp_t out;
    memset(&out, 0, sizeof out);
    jb_init(&out.body);
    int is_live = 0;
    if (cs->too_large) api_error(&out, 413, "request body too large");
    else route(&r, url, &out, &is_live);
    if (is_live) { jb_free(&out.body); return live_start(h, con); }
    if (out.body.oom) api_error(&out, 500, "out of memory");
    if (!out.status) api_error(&out, 500, "internal error");
    struct MHD_Response *resp = MHD_create_response_from_buffer(out.body.len, out.body.s ? out.body.s : (char *)"",
                                                                MHD_RESPMEM_MUST_COPY);
    jb_free(&out.body);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", out.content_type ? out.content_type : "application/json");
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)out.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *con, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls; (void)con; (void)toe;
    conn_state_t *cs = *con_cls;
    if (cs) { free(cs->body); free(cs); }
    *con_cls = NULL;
}

/* URL unescaping as libmicrohttpd's, except that %00 becomes DEL (0x7f): a decoded NUL would
 * cut the path short ("fridge%00" would reach the device "fridge"); DEL is accepted by no
 * route, device id or file name, so such a request gets 404. */
static size_t unescape_url(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls; (void)c;
    char *w = s;
    for (const char *r = s; *r; ) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
            char hex[3] = { r[1], r[2], 0 };
            long v = strtol(hex, NULL, 16);
            *w++ = v == 0 ? (char)0x7f : (char)v;
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

lp_status_t hub_http_start(hub_t *h)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)h->cfg.http_port);
    if (inet_pton(AF_INET, h->cfg.http_addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "lepower-hub: --http: '%s' is not an IPv4 address\n", h->cfg.http_addr);
        return HUB_ERR_IO;
    }
    g_daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ERROR_LOG,
                                (uint16_t)h->cfg.http_port, NULL, NULL, handler, h,
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                MHD_OPTION_NOTIFY_COMPLETED, completed, h,
                                MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL,
                                /* one thread per connection, poll() rather than select() (no
                                 * FD_SETSIZE ceiling at 1024 descriptors): idle requests are
                                 * dropped after 30 s of silence; a client that keeps many
                                 * connections trickling can still hold every slot (docs/hub.md) */
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                                MHD_OPTION_END);
    if (!g_daemon) {
        fprintf(stderr, "lepower-hub: cannot listen on %s:%d\n", h->cfg.http_addr, h->cfg.http_port);
        return HUB_ERR_IO;
    }
    return LP_OK;
}

void hub_http_stop(hub_t *h)
{
    if (!g_daemon) return;
    hub_live_wake(h->live);
    MHD_stop_daemon(g_daemon);
    g_daemon = NULL;
}
