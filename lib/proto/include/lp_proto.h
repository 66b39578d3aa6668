/**
 * @file lp_proto.h
 * @brief lepower protocol v1: topics, JSON encoding and strict decoding of every
 *        message (telemetry, grid, status, info, state, event, cmd, ack).
 *
 * The normative specification is docs/protocol.md; conformance vectors are in
 * tests/vectors/. This header is the C binding of that data model.
 *
 * ## Data model
 * Every message kind has a plain C struct with fixed-point integers whose unit is
 * in the field name (`voltage_mv` = millivolt, `current_ua` = microampere,
 * `power_mw` = milliwatt, `frequency_uhz` = microhertz, `ts_ms` = Unix time in
 * milliseconds, `energy_import_mwh` = milliwatt-hour). The JSON numbers carry the
 * SI unit (V, A, W, Hz, s, Wh) with at most as many decimals as the struct holds,
 * so decode(encode(x)) == x exactly. `milli_va` and `milli_var` are 1/1000 VA and
 * 1/1000 var (written out because `mva` reads as mega-volt-ampere).
 * Optional members have a `has_<name>` flag; when it is false the value is
 * meaningless (decoders set it to 0) and encoders omit the key.
 *
 * ## Decoding
 * Decoders validate strictly (RFC 8259 JSON, UTF-8, types, ranges, precision,
 * string lengths and characters, duplicate keys, size limits, cross-member
 * rules) and report the first error as an ::lp_proto_error_t: a status in
 * 200..299, the byte offset in the payload, the member name and a message.
 * Per-member errors are reported in document order; cross-member errors
 * (missing key: at the offset of the closing brace; conflicting key: at the
 * offending key) only when every member is valid. Unknown keys are ignored (but
 * must be valid JSON and not duplicated). Decoded structs are self-contained:
 * strings are copied, nothing points into the payload.
 *
 * ## Encoding
 * Encoders validate the struct with the same rules (an invalid struct returns the
 * status the decoder would return for the equivalent JSON) and write compact JSON
 * (no whitespace, keys in the order of docs/protocol.md, `"v":1` first, numbers
 * without trailing zeros) into the caller's buffer. Encoders never write past
 * `cap`; call with `buf == NULL, cap == 0` to learn the size.
 *
 * ## Usage
 * Receiver (hub), for every MQTT message:
 * ```c
 * lp_proto_kind_t kind;
 * char dev[LP_PROTO_DEVICE_ID_MAX + 1];
 * static lp_proto_msg_t msg;            // 800 B: keep it off small stacks
 * lp_proto_error_t err;
 * if (lp_proto_topic_parse(topic, strlen(topic), dev, &kind) != LP_OK) { count_bad_topic(); return; }
 * if (lp_proto_decode(kind, payload, payload_len, &msg, &err) != LP_OK) {
 *     count_bad(dev, lp_status_str(err.status));   // e.g. "too_many_decimals" at err.offset
 *     return;                                      // never store any part of it
 * }
 * if (kind == LP_PROTO_TELEMETRY) store(dev, &msg.telemetry);   // dedupe on (dev, boot, seq, ts_ms)
 * ```
 * Device (plug):
 * ```c
 * char topic[LP_PROTO_TOPIC_BUF], payload[LP_PROTO_PAYLOAD_MAX];
 * size_t len;
 * lp_proto_telemetry_t t = {0};
 * t.ts_ms = now_ms; t.boot = boot; t.seq = seq++; t.interval_ms = 1000;
 * t.power_mw = p_mw; t.energy_import_mwh = e_in; t.energy_export_mwh = e_out;
 * t.has_frequency = locked; t.frequency_uhz = f_uhz;
 * lp_proto_topic_build(topic, sizeof topic, "plug-01", LP_PROTO_TELEMETRY, NULL);
 * if (lp_proto_encode_telemetry(&t, payload, sizeof payload, &len) == LP_OK)
 *     mqtt_publish(topic, payload, len, lp_proto_kind_qos(LP_PROTO_TELEMETRY),
 *                  lp_proto_kind_retained(LP_PROTO_TELEMETRY));
 * ```
 *
 * ## Context and memory
 * No malloc, no OS calls, no floating point, no global state. Every function is
 * reentrant and thread-safe (caller-owned buffers), may be called from any thread,
 * and is not meant for an ISR (cost grows with the payload, up to 4 KiB).
 * Stack, Cortex-M0+ at -Os with inlining disabled (gcc -fstack-usage): a decoder
 * uses at most about 1.5 KiB (480 B frame, the rest is the allowance for unknown
 * values nested 8 deep), an encoder about 0.6 KiB. The caller supplies the output
 * struct (::lp_proto_grid_t is the largest, 800 bytes; ::lp_proto_msg_t is its
 * size). Code size about 14.6 KB (Cortex-M0+, -Os).
 */
#ifndef LP_PROTO_H
#define LP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ------------------------------------------------------------- */

/** Protocol version carried in every payload as `"v":1`. */
#define LP_PROTO_VERSION 1
/** Topic prefix; topics are `lepower/<device_id>/<kind>`. */
#define LP_PROTO_TOPIC_PREFIX "lepower/"
/** Device id length, characters [a-z0-9-]: 1..32. */
#define LP_PROTO_DEVICE_ID_MAX 32u
/** Longest topic ("lepower/" + 32 + "/" + "telemetry") = 50; buffer size incl. NUL. */
#define LP_PROTO_TOPIC_BUF 51u
/** Largest payload of every kind except grid, bytes. */
#define LP_PROTO_PAYLOAD_MAX 1024u
/** Largest grid payload, bytes. */
#define LP_PROTO_GRID_PAYLOAD_MAX 4096u
/** Most values per grid array. */
#define LP_PROTO_GRID_MAX_VALUES 64u
/** Marks an invalid (JSON `null`) value in a grid array. */
#define LP_PROTO_GRID_INVALID INT32_MIN
/** Longest command id (characters [A-Za-z0-9._:-]). */
#define LP_PROTO_ID_MAX 32u
/** Longest model / firmware / hardware string (printable ASCII) and longest
 *  error / fault code (characters [a-z0-9_]). */
#define LP_PROTO_NAME_MAX 32u
/** Longest human-readable message (UTF-8, no control characters), bytes. */
#define LP_PROTO_MESSAGE_MAX 128u
/** Deepest nesting accepted inside the values of unknown keys (the top-level
 *  object is depth 1). */
#define LP_PROTO_MAX_DEPTH 8u
/** Most unknown keys in one payload. */
#define LP_PROTO_MAX_UNKNOWN_KEYS 32u

/* ---- status codes (values 200..299 live in lp_status.h) ---------------------
 * LP_ERR_PROTO_SYNTAX        json_syntax          not RFC 8259 JSON / not one object
 * LP_ERR_PROTO_TOO_LARGE     payload_too_large    payload above its size limit
 * LP_ERR_PROTO_DEPTH         nesting_too_deep     unknown value nested deeper than 8
 * LP_ERR_PROTO_DUPLICATE     duplicate_key        a key occurs twice
 * LP_ERR_PROTO_MISSING       missing_key          a required key is absent
 * LP_ERR_PROTO_TYPE          wrong_type           JSON type not the one specified
 * LP_ERR_PROTO_RANGE         value_out_of_range   number (or literal) outside its range
 * LP_ERR_PROTO_PRECISION     too_many_decimals    more decimals than the resolution
 * LP_ERR_PROTO_VERSION       unsupported_version  "v" is not 1
 * LP_ERR_PROTO_ENUM          unknown_enum_value   string not in the allowed set
 * LP_ERR_PROTO_STRING_LENGTH string_length        string empty or too long
 * LP_ERR_PROTO_STRING_CHARS  string_chars         character not allowed in that string
 * LP_ERR_PROTO_UTF8          invalid_utf8         invalid UTF-8 or lone surrogate
 * LP_ERR_PROTO_ARRAY_LENGTH  array_length         grid array empty, too long, or lengths differ
 * LP_ERR_PROTO_CONFLICT      conflicting_keys     key not allowed with the other members
 * LP_ERR_PROTO_TOO_MANY_KEYS too_many_keys        more than 32 unknown keys
 * LP_ERR_PROTO_TOPIC         bad_topic            topic not lepower/<id>/<kind>
 * LP_ERR_PROTO_DEVICE_ID     bad_device_id        device id not 1..32 of [a-z0-9-]
 * LP_ERR_PROTO_KIND          unknown_kind         kind not one of the eight
 */

/* ---- message kinds and topics -------------------------------------------- */

/** Message kinds; each is the last topic level. */
typedef enum lp_proto_kind {
    LP_PROTO_TELEMETRY = 0, /**< "telemetry": QoS 1, not retained */
    LP_PROTO_GRID,          /**< "grid": QoS 0, not retained */
    LP_PROTO_STATUS,        /**< "status": QoS 1, retained (also the last will) */
    LP_PROTO_INFO,          /**< "info": QoS 1, retained */
    LP_PROTO_STATE,         /**< "state": QoS 1, retained */
    LP_PROTO_EVENT,         /**< "event": QoS 1, not retained */
    LP_PROTO_CMD,           /**< "cmd": QoS 1, never retained */
    LP_PROTO_ACK,           /**< "ack": QoS 1, not retained */
    LP_PROTO_KIND_COUNT
} lp_proto_kind_t;

/**
 * @brief Topic level name of a kind ("telemetry", ...).
 * @param kind any value.
 * @return static string, or NULL when @p kind is not a valid kind.
 */
const char *lp_proto_kind_name(lp_proto_kind_t kind);

/**
 * @brief MQTT QoS a kind must be published with (0 or 1).
 * @param kind any value.
 * @return 0 for grid, 1 for every other kind (1 for an invalid kind).
 */
uint8_t lp_proto_kind_qos(lp_proto_kind_t kind);

/**
 * @brief Whether a kind is published with the retain flag (status, info, state).
 * @param kind any value.
 * @return true for status, info and state; false otherwise.
 */
bool lp_proto_kind_retained(lp_proto_kind_t kind);

/**
 * @brief Largest valid payload for a kind, bytes (1024, or 4096 for grid).
 * @param kind any value; an invalid kind gives 1024.
 */
size_t lp_proto_payload_max(lp_proto_kind_t kind);

/**
 * @brief Check a device id: 1..32 characters, each in [a-z0-9-].
 * @param id   characters, need not be NUL-terminated; may be NULL only if len is 0.
 * @param len  number of characters.
 * @return LP_OK, or LP_ERR_PROTO_DEVICE_ID.
 */
lp_status_t lp_proto_device_id_check(const char *id, size_t len);

/**
 * @brief Build `lepower/<device_id>/<kind>` into @p buf (NUL-terminated).
 * @param buf        caller buffer; ::LP_PROTO_TOPIC_BUF bytes always suffice.
 * @param cap        size of @p buf in bytes.
 * @param device_id  NUL-terminated device id (checked, see lp_proto_device_id_check()).
 * @param kind       message kind.
 * @param len        out, optional: topic length without the NUL; on
 *                   LP_ERR_BUFFER_TOO_SMALL the length needed (without the NUL).
 * @return LP_OK; LP_ERR_NULL (buf or device_id NULL); LP_ERR_PROTO_DEVICE_ID;
 *         LP_ERR_PROTO_KIND; LP_ERR_BUFFER_TOO_SMALL (nothing useful written).
 */
lp_status_t lp_proto_topic_build(char *buf, size_t cap, const char *device_id,
                                 lp_proto_kind_t kind, size_t *len);

/**
 * @brief Parse a topic `lepower/<device_id>/<kind>`.
 * @param topic      topic bytes (need not be NUL-terminated); only read during the call.
 * @param len        topic length in bytes; above 256 is LP_ERR_PROTO_TOPIC.
 * @param device_id  out, optional (may be NULL): NUL-terminated id, buffer of at
 *                   least LP_PROTO_DEVICE_ID_MAX + 1 bytes.
 * @param kind       out, optional.
 * @return LP_OK; LP_ERR_NULL (topic NULL); LP_ERR_PROTO_TOPIC (wrong prefix,
 *         level count, or empty level); LP_ERR_PROTO_DEVICE_ID; LP_ERR_PROTO_KIND.
 *         Outputs are written only on LP_OK.
 */
lp_status_t lp_proto_topic_parse(const char *topic, size_t len, char *device_id,
                                 lp_proto_kind_t *kind);

/* ---- enumerations ------------------------------------------------------- */

/** Cause of the last relay change ("user", "schedule", "grid", "protection", "power_on"). */
typedef enum lp_proto_cause {
    LP_PROTO_CAUSE_USER = 0,   /**< "user": command, button or app */
    LP_PROTO_CAUSE_SCHEDULE,   /**< "schedule": local schedule or timer */
    LP_PROTO_CAUSE_GRID,       /**< "grid": grid-support rule (e.g. under-frequency) */
    LP_PROTO_CAUSE_PROTECTION, /**< "protection": over-current or over-temperature trip */
    LP_PROTO_CAUSE_POWER_ON,   /**< "power_on": state applied at power-on */
    LP_PROTO_CAUSE_COUNT
} lp_proto_cause_t;

/** Relay state after power-on ("off", "on", "previous"). */
typedef enum lp_proto_power_on {
    LP_PROTO_POWER_ON_OFF = 0, LP_PROTO_POWER_ON_ON, LP_PROTO_POWER_ON_PREVIOUS,
    LP_PROTO_POWER_ON_COUNT
} lp_proto_power_on_t;

/** Current-metering method ("none", "shunt", "ct", "hall", "rogowski"). */
typedef enum lp_proto_metering {
    LP_PROTO_METERING_NONE = 0, LP_PROTO_METERING_SHUNT, LP_PROTO_METERING_CT,
    LP_PROTO_METERING_HALL, LP_PROTO_METERING_ROGOWSKI, LP_PROTO_METERING_COUNT
} lp_proto_metering_t;

/* ---- telemetry ---------------------------------------------------------- */

/** `telemetry`: one measurement report (window averages). Ranges are inclusive. */
typedef struct lp_proto_telemetry {
    int64_t ts_ms;               /**< "ts" end of window, Unix ms, 1e12..4102444800000 */
    uint32_t boot;               /**< "boot" start counter, 0..4294967295 */
    uint32_t seq;                /**< "seq" telemetry counter within the boot, 0..4294967295 */
    uint32_t interval_ms;        /**< "interval" window length, 1..86400000 ms */
    int32_t power_mw;            /**< "power" active power, ±1e9 mW (import > 0) */
    uint64_t energy_import_mwh;  /**< "energy_import" lifetime, 0..999999999999999 mWh */
    uint64_t energy_export_mwh;  /**< "energy_export" lifetime, 0..999999999999999 mWh */
    uint32_t energy_epoch;       /**< "energy_epoch" counter-reset count, 0..4294967295 */
    bool has_voltage;   uint32_t voltage_mv;             /**< "voltage" RMS, 0..1000000 mV */
    bool has_current;   uint32_t current_ua;             /**< "current" RMS, 0..1000000000 µA */
    bool has_apparent_power; int32_t apparent_power_milli_va; /**< "apparent_power" 0..1e9 mVA(1/1000 VA) */
    bool has_reactive_power; int32_t reactive_power_milli_var; /**< "reactive_power" ±1e9 (1/1000 var), inductive > 0 */
    bool has_power_factor; int16_t power_factor_milli;   /**< "power_factor" -1000..1000 (1/1000) */
    bool has_frequency; uint32_t frequency_uhz;          /**< "frequency" 1000000..1000000000 µHz; absent = invalid */
    bool has_rocof;     int32_t rocof_uhz_per_s;         /**< "rocof" ±100000000 µHz/s */
    bool has_relay;     bool relay;                      /**< "relay" closed = true */
    bool replay;                 /**< "replay": sent late with the original ts (omitted when false) */
} lp_proto_telemetry_t;

/* ---- grid --------------------------------------------------------------- */

/** `grid`: batch of fast values; value k describes t0 + k·period.
 *  Invalid (null) values are ::LP_PROTO_GRID_INVALID. */
typedef struct lp_proto_grid {
    uint32_t boot;           /**< "boot" 0..4294967295 */
    uint32_t seq;            /**< "seq" grid-message counter within the boot */
    int64_t t0_ms;           /**< "t0" instant of value 0, Unix ms, 1e12..4102444800000 */
    uint32_t period_us;      /**< "period" spacing, 1..60000000 µs */
    uint16_t count;          /**< values per array, 1..LP_PROTO_GRID_MAX_VALUES */
    bool has_rocof;          /**< "rocof" array present */
    bool has_voltage;        /**< "voltage" array present */
    int32_t frequency_uhz[LP_PROTO_GRID_MAX_VALUES];   /**< "frequency" (required), 1e6..1e9 µHz */
    int32_t rocof_uhz_per_s[LP_PROTO_GRID_MAX_VALUES]; /**< "rocof" ±1e8 µHz/s */
    int32_t voltage_mv[LP_PROTO_GRID_MAX_VALUES];      /**< "voltage" 0..1000000 mV */
} lp_proto_grid_t;

/* ---- status ------------------------------------------------------------- */

/** `status` (retained; the last will is {"v":1,"state":"offline"}). */
typedef struct lp_proto_status {
    bool online;        /**< "state": "online" (true) / "offline" (false) */
    bool has_boot;      /**< "boot" present; required when online */
    uint32_t boot;      /**< "boot" 0..4294967295 */
} lp_proto_status_t;

/* ---- info --------------------------------------------------------------- */

/** `info` (retained): device descriptor and current settings. */
typedef struct lp_proto_info {
    char model[LP_PROTO_NAME_MAX + 1];     /**< "model" 1..32 printable ASCII */
    char firmware[LP_PROTO_NAME_MAX + 1];  /**< "firmware" version, 1..32 printable ASCII */
    char hardware[LP_PROTO_NAME_MAX + 1];  /**< "hardware" revision, 1..32 printable ASCII */
    uint16_t nominal_voltage_v;            /**< "nominal_voltage" 1..1000 V (integer) */
    uint16_t nominal_frequency_hz;         /**< "nominal_frequency" 1..1000 Hz (integer; 50 or 60) */
    uint32_t max_current_ma;               /**< "max_current" rating, 1..1000000 mA */
    bool relay;                            /**< "relay" the device has a relay */
    lp_proto_metering_t metering;          /**< "metering" method */
    bool grid_stream;                      /**< "grid_stream" publishes `grid` (omitted when false) */
    bool has_interval;       uint32_t interval_ms;        /**< "interval" 1..86400000 ms */
    bool has_min_on_time;    uint32_t min_on_time_s;      /**< "min_on_time" 0..86400 s */
    bool has_min_off_time;   uint32_t min_off_time_s;     /**< "min_off_time" 0..86400 s */
    bool has_power_on;       lp_proto_power_on_t power_on; /**< "power_on" */
    bool has_overcurrent_limit; uint32_t overcurrent_limit_ma; /**< "overcurrent_limit" 1..1000000 mA */
} lp_proto_info_t;

/* ---- state -------------------------------------------------------------- */

/** `state` (retained): relay state and the cause of its last change. */
typedef struct lp_proto_state {
    bool relay;                  /**< "relay" closed = true */
    lp_proto_cause_t cause;      /**< "cause" of the last change */
    bool has_ts;  int64_t ts_ms; /**< "ts" of the last change, Unix ms */
    bool has_id;  char id[LP_PROTO_ID_MAX + 1]; /**< "id" of the command that caused it */
    bool tripped;                /**< "tripped": protection trip latched (omitted when false) */
} lp_proto_state_t;

/* ---- event -------------------------------------------------------------- */

/** Event types ("relay", "grid", "fault", "counter_reset"). */
typedef enum lp_proto_event_type {
    LP_PROTO_EVENT_RELAY = 0, LP_PROTO_EVENT_GRID, LP_PROTO_EVENT_FAULT,
    LP_PROTO_EVENT_COUNTER_RESET, LP_PROTO_EVENT_TYPE_COUNT
} lp_proto_event_type_t;

/** Grid event kinds. */
typedef enum lp_proto_grid_event {
    LP_PROTO_GRID_UNDER_FREQUENCY = 0, /**< "under_frequency" */
    LP_PROTO_GRID_OVER_FREQUENCY,      /**< "over_frequency" */
    LP_PROTO_GRID_ROCOF,               /**< "rocof": |ROCOF| above threshold */
    LP_PROTO_GRID_VOLTAGE_LOSS,        /**< "voltage_loss" */
    LP_PROTO_GRID_VOLTAGE_RETURN,      /**< "voltage_return" */
    LP_PROTO_GRID_EVENT_COUNT
} lp_proto_grid_event_t;

/** `event`: one discrete event. Which optional members are required or allowed
 *  depends on `type` (docs/protocol.md): relay → relay + cause; grid → grid
 *  (+ frequency, rocof, voltage); fault → fault; counter_reset → energy_epoch,
 *  energy_import, energy_export. `message` is allowed with every type. */
typedef struct lp_proto_event {
    int64_t ts_ms;                 /**< "ts" Unix ms */
    uint32_t boot;                 /**< "boot" */
    uint32_t seq;                  /**< "seq" event counter within the boot */
    lp_proto_event_type_t type;    /**< "type" */
    bool has_relay;  bool relay;   /**< "relay" new state (relay) */
    bool has_cause;  lp_proto_cause_t cause; /**< "cause" (relay) */
    bool has_grid;   lp_proto_grid_event_t grid; /**< "grid" (grid) */
    bool has_frequency; uint32_t frequency_uhz;  /**< "frequency" (grid) */
    bool has_rocof;  int32_t rocof_uhz_per_s;    /**< "rocof" (grid) */
    bool has_voltage; uint32_t voltage_mv;       /**< "voltage" (grid) */
    bool has_fault;  char fault[LP_PROTO_NAME_MAX + 1]; /**< "fault" code [a-z0-9_] (fault) */
    bool has_energy_epoch; uint32_t energy_epoch;       /**< "energy_epoch" new epoch (counter_reset) */
    bool has_energy_import; uint64_t energy_import_mwh; /**< "energy_import" before the reset */
    bool has_energy_export; uint64_t energy_export_mwh; /**< "energy_export" before the reset */
    bool has_message; char message[LP_PROTO_MESSAGE_MAX + 1]; /**< "message" UTF-8 text */
} lp_proto_event_t;

/* ---- cmd ---------------------------------------------------------------- */

/** Command actions: exactly one per cmd. */
typedef enum lp_proto_action {
    LP_PROTO_ACTION_RELAY = 0,     /**< "relay": "on" | "off" | "toggle" */
    LP_PROTO_ACTION_INTERVAL,      /**< "interval": report interval, s */
    LP_PROTO_ACTION_SAFETY,        /**< any of min_on_time, min_off_time, power_on, overcurrent_limit */
    LP_PROTO_ACTION_CLEAR_TRIP,    /**< "clear_trip": true */
    LP_PROTO_ACTION_RESET_ENERGY,  /**< "reset_energy": true with "confirm": current energy_epoch */
    LP_PROTO_ACTION_INFO,          /**< "info": true — publish info again */
    LP_PROTO_ACTION_COUNT
} lp_proto_action_t;

/** Relay command values. */
typedef enum lp_proto_relay_cmd {
    LP_PROTO_RELAY_OFF = 0, LP_PROTO_RELAY_ON, LP_PROTO_RELAY_TOGGLE, LP_PROTO_RELAY_CMD_COUNT
} lp_proto_relay_cmd_t;

/** `cmd`: never retained; executed at most once per id, ignored after expires. */
typedef struct lp_proto_cmd {
    char id[LP_PROTO_ID_MAX + 1];  /**< "id" 1..32 of [A-Za-z0-9._:-] */
    int64_t expires_ms;            /**< "expires" Unix ms, 1e12..4102444800000 */
    lp_proto_action_t action;      /**< which action the command carries */
    lp_proto_relay_cmd_t relay;    /**< RELAY: "relay" */
    uint32_t interval_ms;          /**< INTERVAL: "interval" 1..86400000 ms */
    bool has_min_on_time;  uint32_t min_on_time_s;   /**< SAFETY: "min_on_time" 0..86400 s */
    bool has_min_off_time; uint32_t min_off_time_s;  /**< SAFETY: "min_off_time" 0..86400 s */
    bool has_power_on;     lp_proto_power_on_t power_on; /**< SAFETY: "power_on" */
    bool has_overcurrent_limit; uint32_t overcurrent_limit_ma; /**< SAFETY: "overcurrent_limit" 1..1000000 mA */
    uint32_t confirm_epoch;        /**< RESET_ENERGY: "confirm" = device's current energy_epoch */
} lp_proto_cmd_t;

/* ---- ack ---------------------------------------------------------------- */

/** `ack`: answer to one cmd. */
typedef struct lp_proto_ack {
    char id[LP_PROTO_ID_MAX + 1];  /**< "id" of the command */
    bool ok;                       /**< "ok" */
    bool has_error;  char error[LP_PROTO_NAME_MAX + 1]; /**< "error" code [a-z0-9_]; required iff !ok */
    bool has_message; char message[LP_PROTO_MESSAGE_MAX + 1]; /**< "message" UTF-8 text; only with error */
    bool has_retry_after; uint32_t retry_after_s;       /**< "retry_after" 0..86400 s; only with error */
} lp_proto_ack_t;

/* ---- generic ------------------------------------------------------------ */

/** Any message; the member to read is given by the kind. */
typedef union lp_proto_msg {
    lp_proto_telemetry_t telemetry;
    lp_proto_grid_t grid;
    lp_proto_status_t status;
    lp_proto_info_t info;
    lp_proto_state_t state;
    lp_proto_event_t event;
    lp_proto_cmd_t cmd;
    lp_proto_ack_t ack;
} lp_proto_msg_t;

/** First error found by a decoder. */
typedef struct lp_proto_error {
    lp_status_t status;  /**< LP_OK or one LP_ERR_PROTO_* value (or LP_ERR_NULL) */
    uint32_t offset;     /**< byte offset into the payload (0 when not applicable) */
    const char *key;     /**< static name of the member concerned, or NULL */
    const char *message; /**< static English description, never NULL after a decode */
} lp_proto_error_t;

/**
 * @brief Decode and validate one payload of the given kind.
 *
 * @param kind     message kind (from the topic).
 * @param payload  payload bytes (not NUL-terminated; NUL bytes are invalid JSON).
 *                 Only read during the call.
 * @param len      payload length in bytes; above lp_proto_payload_max(kind) is an error.
 * @param out      out: the member of the union for @p kind is filled; on error its
 *                 content is unspecified. Must not be NULL.
 * @param err      out, optional (may be NULL): status, byte offset, key, message.
 * @return LP_OK or the first error (also in err->status):
 *         LP_ERR_NULL (out NULL, or payload NULL with len > 0), LP_ERR_PROTO_KIND,
 *         or any LP_ERR_PROTO_* payload error listed at the top of this header.
 */
lp_status_t lp_proto_decode(lp_proto_kind_t kind, const char *payload, size_t len,
                            lp_proto_msg_t *out, lp_proto_error_t *err);

/**
 * @brief Validate @p msg and encode it as compact JSON.
 *
 * @param kind  message kind; selects the member of @p msg.
 * @param msg   message; read only.
 * @param buf   out buffer (may be NULL when cap is 0). A NUL is appended when room
 *              remains (the payload length excludes it; MQTT does not send it).
 * @param cap   size of @p buf in bytes.
 * @param len   out: payload length on LP_OK; the length needed on
 *              LP_ERR_BUFFER_TOO_SMALL. Must not be NULL.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_PROTO_KIND; LP_ERR_BUFFER_TOO_SMALL (buf
 *         content unspecified, never written past cap); or the validation status
 *         the decoder would give for that value: LP_ERR_PROTO_RANGE,
 *         LP_ERR_PROTO_ENUM, LP_ERR_PROTO_STRING_LENGTH, LP_ERR_PROTO_STRING_CHARS,
 *         LP_ERR_PROTO_UTF8, LP_ERR_PROTO_ARRAY_LENGTH, LP_ERR_PROTO_MISSING,
 *         LP_ERR_PROTO_CONFLICT, LP_ERR_PROTO_TOO_LARGE (encoded payload above the
 *         kind's limit).
 */
lp_status_t lp_proto_encode(lp_proto_kind_t kind, const lp_proto_msg_t *msg,
                            char *buf, size_t cap, size_t *len);

/* Typed wrappers: same contract as lp_proto_decode() / lp_proto_encode(). */
lp_status_t lp_proto_decode_telemetry(const char *p, size_t len, lp_proto_telemetry_t *out, lp_proto_error_t *err);
lp_status_t lp_proto_decode_grid(const char *p, size_t len, lp_proto_grid_t *out, lp_proto_error_t *err);
lp_status_t lp_proto_decode_status(const char *p, size_t len, lp_proto_status_t *out, lp_proto_error_t *err);
lp_status_t lp_proto_decode_info(const char *p, size_t len, lp_proto_info_t *out, lp_proto_error_t *err);
lp_status_t lp_proto_decode_state(const char *p, size_t len, lp_proto_state_t *out, lp_proto_error_t *err);
lp_status_t lp_proto_decode_event(const char *p, size_t len, lp_proto_event_t *out, lp_proto_error_t *err);
lp_status_t lp_proto_decode_cmd(const char *p, size_t len, lp_proto_cmd_t *out, lp_proto_error_t *err);
lp_status_t lp_proto_decode_ack(const char *p, size_t len, lp_proto_ack_t *out, lp_proto_error_t *err);

lp_status_t lp_proto_encode_telemetry(const lp_proto_telemetry_t *m, char *buf, size_t cap, size_t *len);
lp_status_t lp_proto_encode_grid(const lp_proto_grid_t *m, char *buf, size_t cap, size_t *len);
lp_status_t lp_proto_encode_status(const lp_proto_status_t *m, char *buf, size_t cap, size_t *len);
lp_status_t lp_proto_encode_info(const lp_proto_info_t *m, char *buf, size_t cap, size_t *len);
lp_status_t lp_proto_encode_state(const lp_proto_state_t *m, char *buf, size_t cap, size_t *len);
lp_status_t lp_proto_encode_event(const lp_proto_event_t *m, char *buf, size_t cap, size_t *len);
lp_status_t lp_proto_encode_cmd(const lp_proto_cmd_t *m, char *buf, size_t cap, size_t *len);
lp_status_t lp_proto_encode_ack(const lp_proto_ack_t *m, char *buf, size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* LP_PROTO_H */
