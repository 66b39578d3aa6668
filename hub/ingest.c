/* MQTT ingest: a persistent QoS 1 session on lepower/+/#; every message is
 * appended to the journal before the handler returns.
 *
 * Window: libmosquitto acknowledges a QoS 1 PUBLISH (PUBACK) just before it
 * calls the message handler, so a kill -9 between the two loses that one
 * message (microseconds). Energy totals do not depend on it: they come from the
 * lifetime counters of the next report. */
#include "hub.h"

#include <mosquitto.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags)
{
    hub_t *h = obj;
    if (rc != 0) {
        fprintf(stderr, "lepower-hub: broker refused the connection: %s\n", mosquitto_connack_string(rc));
        return;
    }
    __atomic_store_n(&h->mqtt_connected, 1, __ATOMIC_RELAXED);
    /* a resumed session keeps its subscription; subscribing again would make
     * the broker resend every retained message */
    if (flags & 1) { fprintf(stderr, "lepower-hub: broker session resumed\n"); return; }
    int r = mosquitto_subscribe(mosq, NULL, "lepower/+/#", 1);
    if (r != MOSQ_ERR_SUCCESS) fprintf(stderr, "lepower-hub: subscribe: %s\n", mosquitto_strerror(r));
    else fprintf(stderr, "lepower-hub: subscribed to lepower/+/# (QoS 1, persistent session)\n");
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    (void)mosq;
    hub_t *h = obj;
    __atomic_store_n(&h->mqtt_connected, 0, __ATOMIC_RELAXED);
    if (rc != 0 && !h->stop) fprintf(stderr, "lepower-hub: broker connection lost (%s), reconnecting\n", mosquitto_strerror(rc));
}

static int ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && !memcmp(s + n - k, suf, k);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    (void)mosq;
    hub_t *h = obj;
    int64_t now = hub_now_ms();
    size_t tlen = strlen(msg->topic);
    if (ends_with(msg->topic, tlen, "/cmd")) { /* our own commands; a malformed one is counted below */
        char dev[LP_PROTO_DEVICE_ID_MAX + 1];
        lp_proto_kind_t k;
        if (lp_proto_topic_parse(msg->topic, tlen, dev, &k) == LP_OK && k == LP_PROTO_CMD) return;
    }
    size_t plen = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
    HUB_ADD(h->metrics.received, 1);
    lp_status_t st = hub_journal_append(h->journal, now, msg->topic, tlen, msg->payload, plen);
    if (st == LP_ERR_RANGE) { hub_metrics_reject(&h->metrics, "", "payload_too_large", msg->topic); return; }
    if (st != LP_OK) { hub_metrics_reject(&h->metrics, "", "journal_io", msg->topic); return; }
    if (ends_with(msg->topic, tlen, "/ack")) {
        hub_msg_t m;
        if (hub_decode(msg->topic, tlen, msg->payload, plen, now, &m, NULL) == LP_OK && m.kind == LP_PROTO_ACK)
            hub_cmds_ack(h->cmds, m.device, &m.m.ack, msg->payload, plen);
    }
}

lp_status_t hub_ingest_start(hub_t *h)
{
    mosquitto_lib_init();
    h->mosq = mosquitto_new(h->cfg.client_id, false, h);
    if (!h->mosq) { fprintf(stderr, "lepower-hub: mosquitto_new failed\n"); return HUB_ERR_IO; }
    mosquitto_int_option(h->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    if (h->cfg.username && mosquitto_username_pw_set(h->mosq, h->cfg.username, h->cfg.password) != MOSQ_ERR_SUCCESS)
        return HUB_ERR_IO;
    if (h->cfg.cafile || h->cfg.capath) {
        int r = mosquitto_tls_set(h->mosq, h->cfg.cafile, h->cfg.capath, h->cfg.certfile, h->cfg.keyfile, NULL);
        if (r != MOSQ_ERR_SUCCESS) { fprintf(stderr, "lepower-hub: TLS: %s\n", mosquitto_strerror(r)); return HUB_ERR_IO; }
        if (h->cfg.tls_insecure) mosquitto_tls_insecure_set(h->mosq, true);
    }
    mosquitto_connect_with_flags_callback_set(h->mosq, on_connect);
    mosquitto_disconnect_callback_set(h->mosq, on_disconnect);
    mosquitto_message_callback_set(h->mosq, on_message);
    mosquitto_reconnect_delay_set(h->mosq, 1, 10, true);
    int r = mosquitto_connect_async(h->mosq, h->cfg.broker_host, h->cfg.broker_port, 30);
    if (r != MOSQ_ERR_SUCCESS)
        fprintf(stderr, "lepower-hub: broker %s:%d: %s (retrying)\n", h->cfg.broker_host, h->cfg.broker_port, mosquitto_strerror(r));
    if (mosquitto_loop_start(h->mosq) != MOSQ_ERR_SUCCESS) return HUB_ERR_IO;
    return LP_OK;
}

void hub_ingest_stop(hub_t *h)
{
    if (!h->mosq) return;
    mosquitto_disconnect(h->mosq);
    mosquitto_loop_stop(h->mosq, true);
    mosquitto_destroy(h->mosq);
    h->mosq = NULL;
    mosquitto_lib_cleanup();
}
