/* Commands to devices: publish a cmd, wait for the matching ack. */
#include "hub.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct pending {
    char device[LP_PROTO_DEVICE_ID_MAX + 1];
    char id[LP_PROTO_ID_MAX + 1];
    int done;
    char ack[LP_PROTO_PAYLOAD_MAX + 1];
    struct pending *next;
} pending_t;

struct hub_cmds {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pending_t *list;
    uint64_t counter;
};

hub_cmds_t *hub_cmds_new(void)
{
    hub_cmds_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    return c;
}

void hub_cmds_free(hub_cmds_t *c)
{
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}

void hub_cmds_ack(hub_cmds_t *c, const char *device, const lp_proto_ack_t *ack, const char *payload, size_t len)
{
    pthread_mutex_lock(&c->mu);
    for (pending_t *p = c->list; p; p = p->next) {
        if (!p->done && !strcmp(p->device, device) && !strcmp(p->id, ack->id)) {
            size_t n = len < LP_PROTO_PAYLOAD_MAX ? len : LP_PROTO_PAYLOAD_MAX;
            memcpy(p->ack, payload, n);
            p->ack[n] = 0;
            p->done = 1;
            pthread_cond_broadcast(&c->cv);
        }
    }
    pthread_mutex_unlock(&c->mu);
}

lp_status_t hub_cmd_relay(hub_t *h, const char *device, lp_proto_relay_cmd_t relay,
                          char *ack_json, size_t cap, char *cmd_id, size_t idcap)
{
    hub_cmds_t *c = h->cmds;
    if (lp_proto_device_id_check(device, strlen(device)) != LP_OK) return LP_ERR_RANGE;
    if (!__atomic_load_n(&h->mqtt_connected, __ATOMIC_RELAXED)) return HUB_ERR_IO;
    pending_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.device, sizeof p.device, "%s", device);
    int64_t now = hub_now_ms();
    pthread_mutex_lock(&c->mu);
    unsigned long long n = ++c->counter;
    pthread_mutex_unlock(&c->mu);
    snprintf(p.id, sizeof p.id, "hub-%lld-%llu", (long long)(now % 100000000000LL), n);
    lp_proto_msg_t m;
    memset(&m, 0, sizeof m);
    snprintf(m.cmd.id, sizeof m.cmd.id, "%s", p.id);
    m.cmd.expires_ms = now + h->cfg.cmd_timeout_ms;
    m.cmd.action = LP_PROTO_ACTION_RELAY;
    m.cmd.relay = relay;
    char payload[LP_PROTO_PAYLOAD_MAX + 1], topic[LP_PROTO_TOPIC_BUF];
    size_t len;
    if (lp_proto_encode(LP_PROTO_CMD, &m, payload, sizeof payload, &len) != LP_OK) return LP_ERR_RANGE;
    if (lp_proto_topic_build(topic, sizeof topic, device, LP_PROTO_CMD, NULL) != LP_OK) return LP_ERR_RANGE;
    snprintf(cmd_id, idcap, "%s", p.id);
    pthread_mutex_lock(&c->mu);
    p.next = c->list;
    c->list = &p;
    pthread_mutex_unlock(&c->mu);
    lp_status_t res = LP_OK;
    if (mosquitto_publish(h->mosq, NULL, topic, (int)len, payload, 1, false) != MOSQ_ERR_SUCCESS) res = HUB_ERR_IO;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += h->cfg.cmd_timeout_ms / 1000;
    ts.tv_nsec += (long)(h->cfg.cmd_timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&c->mu);
    while (res == LP_OK && !p.done && !h->stop) {
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) break;
    }
    if (res == LP_OK) {
        if (p.done) snprintf(ack_json, cap, "%s", p.ack);
        else res = HUB_ERR_TIMEOUT;
    }
    for (pending_t **pp = &c->list; *pp; pp = &(*pp)->next) if (*pp == &p) { *pp = p.next; break; }
    pthread_mutex_unlock(&c->mu);
    return res;
}
