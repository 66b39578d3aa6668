/* Adapter to lib/proto. See decode.h. */
#include "decode.h"

#include <string.h>

int64_t hub_msg_ts(const hub_msg_t *m)
{
    switch (m->kind) {
    case LP_PROTO_TELEMETRY: return m->m.telemetry.ts_ms;
    case LP_PROTO_GRID: return m->m.grid.t0_ms;
    case LP_PROTO_EVENT: return m->m.event.ts_ms;
    case LP_PROTO_STATE: return m->m.state.has_ts ? m->m.state.ts_ms : -1;
    default: return -1;
    }
}

lp_status_t hub_decode(const char *topic, size_t tlen, const char *payload, size_t plen,
                       int64_t recv_ms, hub_msg_t *out, const char **reason)
{
    static const char *r_dummy;
    if (!reason) reason = &r_dummy;
    *reason = "";
    if (!topic || !out || (!payload && plen)) { *reason = "null"; return LP_ERR_NULL; }
    memset(out, 0, sizeof *out);
    out->recv_ms = recv_ms;
    lp_status_t st = lp_proto_topic_parse(topic, tlen, out->device, &out->kind);
    if (st != LP_OK) {
        out->device[0] = 0;
        /* keep the device for per-device counts when only the kind is wrong */
        if (tlen > 8 && !memcmp(topic, LP_PROTO_TOPIC_PREFIX, 8)) {
            const char *s = topic + 8, *e = memchr(s, '/', tlen - 8);
            if (e && lp_proto_device_id_check(s, (size_t)(e - s)) == LP_OK) {
                memcpy(out->device, s, (size_t)(e - s));
                out->device[e - s] = 0;
            }
        }
        *reason = "bad_topic";
        return HUB_ERR_DECODE;
    }
    lp_proto_error_t err;
    st = lp_proto_decode(out->kind, payload, plen, &out->m, &err);
    if (st != LP_OK) {
        *reason = lp_status_str(st);
        return HUB_ERR_DECODE;
    }
    int64_t ts = hub_msg_ts(out);
    if (ts >= 0) {
        if (ts < HUB_MIN_TS_MS) { *reason = "ts_before_2000"; return HUB_ERR_TIME; }
        if (ts > recv_ms + HUB_MAX_FUTURE_MS) { *reason = "ts_in_future"; return HUB_ERR_TIME; }
    }
    if (out->kind == LP_PROTO_GRID && out->m.grid.count > 0) {
        /* every value of the stream, not only its first, obeys the future rule */
        int64_t last = out->m.grid.t0_ms + (int64_t)(out->m.grid.count - 1) * (int64_t)out->m.grid.period_us / 1000;
        if (last > recv_ms + HUB_MAX_FUTURE_MS) { *reason = "ts_in_future"; return HUB_ERR_TIME; }
    }
    return LP_OK;
}
