/* bench_hub_load: load generator and probes for bench/hub/run.sh.
 *
 *   bench_hub_load pub  --broker H:P --devices D --conns C --count N [--prefix P] [--t0 MS]
 *       C MQTT connections, driven by one thread, publish N telemetry reports in
 *       total at QoS 1, spread over D devices (device k on connection k % C,
 *       each device's reports in order); prints the start instant (Unix ms) and
 *       when every PUBACK arrived.
 *   bench_hub_load sub  --broker H:P --count N
 *       a bare QoS 1 subscriber on lepower/+/telemetry; prints the instant of
 *       the last of N messages.
 *   bench_hub_load fill --db PATH --devices D --days N
 *       writes D devices with N days of quarter-hour energy rollups through the
 *       hub's storage interface (for the energy query timing). */
#include <mosquitto.h>
#include <poll.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lp_proto.h"
#include "../../hub/store.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char g_host[256];
static int g_port;
static int g_devices = 100, g_conns = 100;
static long g_count = 100000;
static const char *g_prefix = "bench";
static int64_t g_t0 = 1774738800000LL;

/* One MQTT connection of the load: its devices, the next report to send and
 * how many of its QoS 1 publishes are not acknowledged yet. */
typedef struct { int idx; struct mosquitto *m; long seq; int dev; long sent; long acked; int connected; } conn_t;

static void pub_on_publish(struct mosquitto *m, void *o, int mid) { (void)m; (void)mid; ((conn_t *)o)->acked++; }
static void pub_on_connect(struct mosquitto *m, void *o, int rc) { (void)m; if (!rc) ((conn_t *)o)->connected = 1; }

/* Publishes this connection's next report; returns 0 when it has none left. */
static int pub_next(conn_t *c, long per_dev)
{
    if (c->seq >= per_dev) return 0;
    char buf[LP_PROTO_PAYLOAD_MAX + 1], topic[LP_PROTO_TOPIC_BUF], dev[LP_PROTO_DEVICE_ID_MAX + 1];
    long seq = c->seq;
    snprintf(dev, sizeof dev, "%s-%d", g_prefix, c->dev);
    lp_proto_msg_t msg;
    memset(&msg, 0, sizeof msg);
    lp_proto_telemetry_t *t = &msg.telemetry;
    t->ts_ms = g_t0 + seq * 1000;
    t->boot = 1; t->seq = (uint32_t)seq; t->interval_ms = 1000;
    t->power_mw = 100000 + (int32_t)(seq % 1000);
    t->energy_import_mwh = (uint64_t)seq * 28;
    t->has_voltage = true; t->voltage_mv = 230000;
    t->has_current = true; t->current_ua = 435000;
    t->has_frequency = true; t->frequency_uhz = 50000000;
    t->has_power_factor = true; t->power_factor_milli = 1000;
    size_t len;
    lp_proto_encode(LP_PROTO_TELEMETRY, &msg, buf, sizeof buf, &len);
    lp_proto_topic_build(topic, sizeof topic, dev, LP_PROTO_TELEMETRY, NULL);
    if (mosquitto_publish(c->m, NULL, topic, (int)len, buf, 1, false) != MOSQ_ERR_SUCCESS) return -1;
    c->sent++;
    /* devices of this connection in turn, then the next sequence number */
    c->dev += g_conns;
    if (c->dev >= g_devices) { c->dev = c->idx; c->seq++; }
    return 1;
}

/* Every connection is driven by one thread without libmosquitto's own threads
 * (poll() over all sockets), so the load generator costs as little CPU as the
 * protocol allows and the broker and the subscriber get the rest. At most
 * PUB_WINDOW publishes per connection are unacknowledged at a time. */
#define PUB_WINDOW 100
static int run_pub(void)
{
    mosquitto_lib_init();
    conn_t *cs = calloc((size_t)g_conns, sizeof *cs);
    struct pollfd *pf = calloc((size_t)g_conns, sizeof *pf);
    if (!cs || !pf) return 1;
    for (int i = 0; i < g_conns; i++) {
        char id[64];
        snprintf(id, sizeof id, "%s-pub-%d", g_prefix, i);
        cs[i].idx = cs[i].dev = i;
        cs[i].m = mosquitto_new(id, true, &cs[i]);
        mosquitto_int_option(cs[i].m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
        mosquitto_max_inflight_messages_set(cs[i].m, 0);
        mosquitto_publish_callback_set(cs[i].m, pub_on_publish);
        mosquitto_connect_callback_set(cs[i].m, pub_on_connect);
        if (mosquitto_connect(cs[i].m, g_host, g_port, 60) != MOSQ_ERR_SUCCESS) { fprintf(stderr, "pub: connect failed\n"); return 1; }
    }
    long per_dev = g_count / g_devices, total = 0, acked = 0;
    for (int i = 0; i < g_conns; i++) total += per_dev * (long)((g_devices - 1 - i) / g_conns + 1);
    for (int left = g_conns, spins = 0; left > 0 && spins < 10000; spins++) {
        left = 0;
        for (int i = 0; i < g_conns; i++) {
            if (!cs[i].connected) { mosquitto_loop(cs[i].m, 1, 1); left += !cs[i].connected; }
        }
    }
    int64_t t0 = now_ms(), last_misc = t0;
    while (acked < total) {
        for (int i = 0; i < g_conns; i++) {
            conn_t *c = &cs[i];
            while (c->sent - c->acked < PUB_WINDOW && pub_next(c, per_dev) > 0) {}
            pf[i].fd = mosquitto_socket(c->m);
            pf[i].events = POLLIN | (mosquitto_want_write(c->m) ? POLLOUT : 0);
            pf[i].revents = 0;
        }
        if (poll(pf, (nfds_t)g_conns, 100) < 0) continue;
        acked = 0;
        for (int i = 0; i < g_conns; i++) {
            if (pf[i].revents & POLLIN) mosquitto_loop_read(cs[i].m, 1);
            if (pf[i].revents & POLLOUT) mosquitto_loop_write(cs[i].m, 1);
            acked += cs[i].acked;
        }
        int64_t t = now_ms();
        if (t - last_misc > 1000) { for (int i = 0; i < g_conns; i++) mosquitto_loop_misc(cs[i].m); last_misc = t; }
    }
    int64_t t1 = now_ms();
    printf("pub_start_ms %lld\npub_acked_ms %lld\npub_messages %ld\n", (long long)t0, (long long)t1, total);
    for (int i = 0; i < g_conns; i++) { mosquitto_disconnect(cs[i].m); mosquitto_destroy(cs[i].m); }
    free(cs);
    free(pf);
    return 0;
}

static volatile long g_recv;
static volatile int64_t g_last_ms, g_sub_ready;
static void sub_on_message(struct mosquitto *m, void *o, const struct mosquitto_message *msg)
{
    (void)m; (void)o; (void)msg;
    g_recv++;
    g_last_ms = now_ms();
}
static void sub_on_subscribe(struct mosquitto *m, void *o, int mid, int n, const int *q) { (void)m; (void)o; (void)mid; (void)n; (void)q; g_sub_ready = 1; }
static void sub_on_connect(struct mosquitto *m, void *o, int rc) { (void)o; if (!rc) mosquitto_subscribe(m, NULL, "lepower/+/telemetry", 1); }

static int run_sub(void)
{
    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new("bench-bare-subscriber", true, NULL);
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_message_callback_set(m, sub_on_message);
    mosquitto_subscribe_callback_set(m, sub_on_subscribe);
    mosquitto_connect_callback_set(m, sub_on_connect);
    if (mosquitto_connect(m, g_host, g_port, 60) != MOSQ_ERR_SUCCESS) { fprintf(stderr, "sub: connect failed\n"); return 1; }
    mosquitto_loop_start(m);
    while (!g_sub_ready) usleep(1000);
    printf("sub_ready\n");
    fflush(stdout);
    int64_t idle_since = now_ms();
    long last = 0;
    while (g_recv < g_count) {
        usleep(10000);
        if (g_recv != last) { last = g_recv; idle_since = now_ms(); }
        else if (now_ms() - idle_since > 20000) break;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L;
    printf("sub_messages %ld\nsub_last_ms %lld\nsub_cpu_ms %ld\n", (long)g_recv, (long long)g_last_ms, cpu_ms);
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, true);
    return g_recv == g_count ? 0 : 1;
}

static int run_fill(const char *db, int days)
{
    hub_store_t *st;
    if (hub_store_open(db, 1, &st) != LP_OK) return 1;
    int64_t day0 = 1774738800000LL / 86400000LL - days;
    hub_store_begin(st);
    for (int d = 0; d < g_devices; d++) {
        char id[40];
        snprintf(id, sizeof id, "%s-%d", g_prefix, d);
        int64_t key;
        hub_store_device_ensure(st, id, &key);
        hub_device_t dv;
        hub_store_device_get(st, id, &dv);
        dv.has_telemetry = 1;
        dv.first_ms = day0 * 86400000LL;
        dv.last_ms = (day0 + days) * 86400000LL;
        hub_store_device_save_latest(st, &dv);
        double imp[HUB_SLOTS_PER_DAY], exp[HUB_SLOTS_PER_DAY];
        for (int k = 0; k < HUB_SLOTS_PER_DAY; k++) { imp[k] = 25.0 + d; exp[k] = 0; }
        for (int64_t day = day0; day < day0 + days; day++) hub_store_energy_put(st, key, day, imp, exp);
    }
    hub_store_commit(st);
    hub_store_close(st);
    printf("fill_devices %d\nfill_days %d\n", g_devices, days);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: bench_hub_load pub|sub|fill [options]\n"); return 2; }
    const char *mode = argv[1], *db = NULL;
    int days = 365;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--broker")) {
            const char *c = strrchr(v, ':');
            if (!c) return 2;
            snprintf(g_host, sizeof g_host, "%.*s", (int)(c - v), v);
            g_port = atoi(c + 1);
        } else if (!strcmp(a, "--devices")) g_devices = atoi(v);
        else if (!strcmp(a, "--conns")) g_conns = atoi(v);
        else if (!strcmp(a, "--count")) g_count = atol(v);
        else if (!strcmp(a, "--prefix")) g_prefix = v;
        else if (!strcmp(a, "--t0")) g_t0 = atoll(v);
        else if (!strcmp(a, "--db")) db = v;
        else if (!strcmp(a, "--days")) days = atoi(v);
        else { fprintf(stderr, "unknown option %s\n", a); return 2; }
    }
    if (g_conns > g_devices) g_conns = g_devices;
    if (!strcmp(mode, "pub")) return run_pub();
    if (!strcmp(mode, "sub")) return run_sub();
    if (!strcmp(mode, "fill") && db) return run_fill(db, days);
    return 2;
}
