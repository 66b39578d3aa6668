/* bench_hub_load: load generator and probes for bench/hub/run.sh.
 *
 *   bench_hub_load pub  --broker H:P --devices D --conns C --count N [--prefix P] [--t0 MS]
 *       C MQTT connections publish N telemetry reports in total at QoS 1, spread
 *       over D devices (device k on connection k % C); prints the start instant
 *       (Unix ms) and when every PUBACK arrived.
 *   bench_hub_load sub  --broker H:P --count N
 *       a bare QoS 1 subscriber on lepower/+/telemetry; prints the instant of
 *       the last of N messages.
 *   bench_hub_load fill --db PATH --devices D --days N
 *       writes D devices with N days of quarter-hour energy rollups through the
 *       hub's storage interface (for the energy query timing). */
#include <mosquitto.h>
#include <pthread.h>
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

typedef struct { int idx; struct mosquitto *m; long sent; volatile long acked; volatile int connected; } conn_t;

static void pub_on_publish(struct mosquitto *m, void *o, int mid) { (void)m; (void)mid; __atomic_add_fetch(&((conn_t *)o)->acked, 1, __ATOMIC_RELAXED); }
static void pub_on_connect(struct mosquitto *m, void *o, int rc) { (void)m; if (!rc) ((conn_t *)o)->connected = 1; }

static void *pub_thread(void *arg)
{
    conn_t *c = arg;
    long per_dev = g_count / g_devices;
    char buf[LP_PROTO_PAYLOAD_MAX + 1], topic[LP_PROTO_TOPIC_BUF], dev[LP_PROTO_DEVICE_ID_MAX + 1];
    for (long seq = 0; seq < per_dev; seq++) {
        for (int d = c->idx; d < g_devices; d += g_conns) {
            snprintf(dev, sizeof dev, "%s-%d", g_prefix, d);
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
            while (mosquitto_publish(c->m, NULL, topic, (int)len, buf, 1, false) != MOSQ_ERR_SUCCESS) usleep(1000);
            c->sent++;
            /* keep at most 2000 unacknowledged per connection in the client */
            while (c->sent - __atomic_load_n(&c->acked, __ATOMIC_RELAXED) > 2000) usleep(200);
        }
    }
    return NULL;
}

static int run_pub(void)
{
    mosquitto_lib_init();
    conn_t *cs = calloc((size_t)g_conns, sizeof *cs);
    for (int i = 0; i < g_conns; i++) {
        char id[64];
        snprintf(id, sizeof id, "%s-pub-%d", g_prefix, i);
        cs[i].idx = i;
        cs[i].m = mosquitto_new(id, true, &cs[i]);
        mosquitto_int_option(cs[i].m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
        mosquitto_max_inflight_messages_set(cs[i].m, 100);
        mosquitto_publish_callback_set(cs[i].m, pub_on_publish);
        mosquitto_connect_callback_set(cs[i].m, pub_on_connect);
        if (mosquitto_connect(cs[i].m, g_host, g_port, 60) != MOSQ_ERR_SUCCESS) { fprintf(stderr, "pub: connect failed\n"); return 1; }
        mosquitto_loop_start(cs[i].m);
    }
    for (int i = 0; i < g_conns; i++) while (!cs[i].connected) usleep(1000);
    pthread_t *th = calloc((size_t)g_conns, sizeof *th);
    int64_t t0 = now_ms();
    for (int i = 0; i < g_conns; i++) pthread_create(&th[i], NULL, pub_thread, &cs[i]);
    for (int i = 0; i < g_conns; i++) pthread_join(th[i], NULL);
    long total = 0;
    for (int i = 0; i < g_conns; i++) {
        while (__atomic_load_n(&cs[i].acked, __ATOMIC_RELAXED) < cs[i].sent) usleep(1000);
        total += cs[i].sent;
    }
    int64_t t1 = now_ms();
    printf("pub_start_ms %lld\npub_acked_ms %lld\npub_messages %ld\n", (long long)t0, (long long)t1, total);
    for (int i = 0; i < g_conns; i++) { mosquitto_disconnect(cs[i].m); mosquitto_loop_stop(cs[i].m, true); mosquitto_destroy(cs[i].m); }
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
    printf("sub_messages %ld\nsub_last_ms %lld\n", (long)g_recv, (long long)g_last_ms);
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
