/* lepower-hub-feed: publishes scripted lepower messages (for the hub's tests and
 * demo), or answers commands like a plug.
 *
 *   lepower-hub-feed --broker HOST:PORT [--id CLIENT] < script
 *     T dev boot seq ts_ms power_mw import_mwh export_mwh epoch [voltage_mv frequency_uhz]
 *     P topic payload...        (payload published as is: may be invalid on purpose)
 *     X topic                   (empty payload)
 *   Every line is published at QoS 1; exits after the broker acknowledged all.
 *
 *   lepower-hub-feed --broker HOST:PORT --ack DEVICE [--no-ack]
 *     subscribes to lepower/DEVICE/cmd and answers each relay command with an ack
 *     (and a state); with --no-ack it stays silent (timeouts). Runs until killed. */
#include <mosquitto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lp_proto.h"

static volatile int g_stop;
static int g_sent, g_acked, g_connected, g_relay;
static const char *g_dev;
static int g_silent;

static void on_publish(struct mosquitto *m, void *o, int mid) { (void)m; (void)o; (void)mid; __atomic_add_fetch(&g_acked, 1, __ATOMIC_SEQ_CST); }
static void on_connect(struct mosquitto *m, void *o, int rc)
{
    (void)o;
    if (rc) { fprintf(stderr, "hub-feed: connect refused %d\n", rc); return; }
    if (g_dev) {
        char t[LP_PROTO_TOPIC_BUF];
        lp_proto_topic_build(t, sizeof t, g_dev, LP_PROTO_CMD, NULL);
        mosquitto_subscribe(m, NULL, t, 1);
    }
    __atomic_store_n(&g_connected, 1, __ATOMIC_SEQ_CST);
}

static void on_message(struct mosquitto *m, void *o, const struct mosquitto_message *msg)
{
    (void)o;
    lp_proto_cmd_t cmd;
    if (lp_proto_decode_cmd(msg->payload, (size_t)msg->payloadlen, &cmd, NULL) != LP_OK) return;
    if (g_silent || cmd.action != LP_PROTO_ACTION_RELAY) return;
    g_relay = cmd.relay == LP_PROTO_RELAY_TOGGLE ? !g_relay : cmd.relay == LP_PROTO_RELAY_ON;
    lp_proto_msg_t st;
    memset(&st, 0, sizeof st);
    st.state.relay = g_relay;
    st.state.cause = LP_PROTO_CAUSE_USER;
    st.state.has_id = true;
    snprintf(st.state.id, sizeof st.state.id, "%s", cmd.id);
    char buf[LP_PROTO_PAYLOAD_MAX + 1], topic[LP_PROTO_TOPIC_BUF];
    size_t len;
    if (lp_proto_encode(LP_PROTO_STATE, &st, buf, sizeof buf, &len) == LP_OK) {
        lp_proto_topic_build(topic, sizeof topic, g_dev, LP_PROTO_STATE, NULL);
        mosquitto_publish(m, NULL, topic, (int)len, buf, 1, true);
    }
    lp_proto_msg_t ack;
    memset(&ack, 0, sizeof ack);
    snprintf(ack.ack.id, sizeof ack.ack.id, "%s", cmd.id);
    ack.ack.ok = true;
    if (lp_proto_encode(LP_PROTO_ACK, &ack, buf, sizeof buf, &len) == LP_OK) {
        lp_proto_topic_build(topic, sizeof topic, g_dev, LP_PROTO_ACK, NULL);
        mosquitto_publish(m, NULL, topic, (int)len, buf, 1, false);
    }
}

static void on_sig(int s) { (void)s; g_stop = 1; }

static int publish(struct mosquitto *m, const char *topic, const char *p, size_t n)
{
    for (;;) {
        int r = mosquitto_publish(m, NULL, topic, (int)n, p, 1, false);
        if (r == MOSQ_ERR_SUCCESS) { g_sent++; return 0; }
        if (r != MOSQ_ERR_NO_CONN && r != MOSQ_ERR_OVERSIZE_PACKET) { fprintf(stderr, "hub-feed: publish: %s\n", mosquitto_strerror(r)); return -1; }
        usleep(10000);
    }
}

int main(int argc, char **argv)
{
    const char *broker = "127.0.0.1:1883", *id = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--broker") && i + 1 < argc) broker = argv[++i];
        else if (!strcmp(argv[i], "--id") && i + 1 < argc) id = argv[++i];
        else if (!strcmp(argv[i], "--ack") && i + 1 < argc) g_dev = argv[++i];
        else if (!strcmp(argv[i], "--no-ack")) g_silent = 1;
        else { fprintf(stderr, "usage: lepower-hub-feed --broker HOST:PORT [--id ID] [--ack DEVICE [--no-ack]] < script\n"); return 2; }
    }
    char host[256];
    const char *c = strrchr(broker, ':');
    if (!c || (size_t)(c - broker) >= sizeof host) return 2;
    memcpy(host, broker, (size_t)(c - broker));
    host[c - broker] = 0;
    int port = atoi(c + 1);
    signal(SIGTERM, on_sig);
    signal(SIGINT, on_sig);
    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new(id, true, NULL);
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(m, 100);
    mosquitto_connect_callback_set(m, on_connect);
    mosquitto_publish_callback_set(m, on_publish);
    mosquitto_message_callback_set(m, on_message);
    if (mosquitto_connect(m, host, port, 30) != MOSQ_ERR_SUCCESS) { fprintf(stderr, "hub-feed: cannot connect to %s\n", broker); return 1; }
    mosquitto_loop_start(m);
    for (int i = 0; i < 500 && !__atomic_load_n(&g_connected, __ATOMIC_SEQ_CST); i++) usleep(10000);
    if (g_dev) {
        while (!g_stop) usleep(50000);
        mosquitto_disconnect(m);
        mosquitto_loop_stop(m, true);
        return 0;
    }
    char line[8192];
    int rc = 0, lineno = 0;
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (!n || line[0] == '#') continue;
        if (line[0] == 'T') {
            char dev[64];
            long long boot, seq, ts, pw, imp, exp, ep, v = -1, f = -1;
            int k = sscanf(line + 1, "%63s %lld %lld %lld %lld %lld %lld %lld %lld %lld", dev, &boot, &seq, &ts, &pw, &imp, &exp, &ep, &v, &f);
            if (k < 8) { fprintf(stderr, "hub-feed: line %d: bad T line\n", lineno); rc = 1; break; }
            lp_proto_msg_t msg;
            memset(&msg, 0, sizeof msg);
            lp_proto_telemetry_t *t = &msg.telemetry;
            t->ts_ms = ts; t->boot = (uint32_t)boot; t->seq = (uint32_t)seq; t->interval_ms = 1000;
            t->power_mw = (int32_t)pw; t->energy_import_mwh = (uint64_t)imp; t->energy_export_mwh = (uint64_t)exp;
            t->energy_epoch = (uint32_t)ep;
            if (k >= 9) { t->has_voltage = true; t->voltage_mv = (uint32_t)v; }
            if (k >= 10) { t->has_frequency = true; t->frequency_uhz = (uint32_t)f; }
            char buf[LP_PROTO_PAYLOAD_MAX + 1], topic[LP_PROTO_TOPIC_BUF];
            size_t len;
            if (lp_proto_encode(LP_PROTO_TELEMETRY, &msg, buf, sizeof buf, &len) != LP_OK ||
                lp_proto_topic_build(topic, sizeof topic, dev, LP_PROTO_TELEMETRY, NULL) != LP_OK) {
                fprintf(stderr, "hub-feed: line %d: cannot encode\n", lineno); rc = 1; break;
            }
            if (publish(m, topic, buf, len)) { rc = 1; break; }
        } else if (line[0] == 'P' || line[0] == 'X') {
            char *topic = line + 2, *sp = strchr(topic, ' ');
            const char *payload = "";
            if (sp) { *sp = 0; payload = sp + 1; }
            if (publish(m, topic, payload, line[0] == 'X' ? 0 : strlen(payload))) { rc = 1; break; }
        } else { fprintf(stderr, "hub-feed: line %d: unknown command\n", lineno); rc = 1; break; }
    }
    for (int i = 0; i < 3000 && __atomic_load_n(&g_acked, __ATOMIC_SEQ_CST) < g_sent; i++) usleep(10000);
    if (__atomic_load_n(&g_acked, __ATOMIC_SEQ_CST) < g_sent) { fprintf(stderr, "hub-feed: only %d of %d acknowledged\n", g_acked, g_sent); rc = 1; }
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, true);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    return rc;
}
