/**
 * @file decode.h
 * @brief The hub's one adapter to lib/proto: topic + payload -> decoded message,
 *        plus the hub's own acceptance rules (timestamps).
 */
#ifndef HUB_DECODE_H
#define HUB_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "lp_proto.h"
#include "hub_status.h"

/** Reports more than this ahead of the hub's clock are rejected. */
#define HUB_MAX_FUTURE_MS (5 * 60 * 1000LL)
/** Reports before 2000-01-01T00:00:00Z are rejected. */
#define HUB_MIN_TS_MS 946684800000LL

/** One decoded message. */
typedef struct {
    lp_proto_kind_t kind;
    char device[LP_PROTO_DEVICE_ID_MAX + 1];
    int64_t recv_ms;          /**< when the hub received it (hub clock, Unix ms) */
    lp_proto_msg_t m;         /**< member selected by kind */
} hub_msg_t;

/**
 * @brief Decode one MQTT message.
 * @param reason out: on failure, a short stable reason for metrics and logs
 *        ("bad_topic", a lib/proto status name such as "json_syntax",
 *        "ts_in_future", "ts_before_2000"); static string.
 * @return LP_OK; HUB_ERR_DECODE (topic or payload invalid, out->device is set when
 *         the topic named a valid device, else ""); HUB_ERR_TIME.
 * Thread context: reentrant.
 */
lp_status_t hub_decode(const char *topic, size_t tlen, const char *payload, size_t plen,
                       int64_t recv_ms, hub_msg_t *out, const char **reason);

/** @brief Instant a message is about (ts, t0, or the state change), or -1. */
int64_t hub_msg_ts(const hub_msg_t *m);

#endif
