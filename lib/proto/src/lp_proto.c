/* lp_proto.c - lepower protocol v1: member tables of every message kind,
 * cross-member rules, topics. The tables are the normative tables of
 * docs/protocol.md (same names, order, ranges and resolutions). */
#include "lp_proto.h"
#include "lp_proto_json.h"

#include <string.h>

#define TS_MIN_MS 1000000000000LL   /* 2001-09-09T01:46:40Z */
#define TS_MAX_MS 4102444800000LL   /* 2100-01-01T00:00:00Z */
#define U32MAX 4294967295LL
#define ENERGY_MAX 999999999999999LL /* 999 999 999 999.999 Wh */

#define SZ(T, m) ((uint8_t)sizeof(((T *)0)->m))
#define SZE(T, m) ((uint8_t)sizeof(((T *)0)->m[0]))
#define OF(T, m) ((uint16_t)offsetof(T, m))

#define VERSION_FIELD { "v", LPJ_VERSION, 0, LPJ_REQ, 0, 0, 0, 1, 1, NULL }
/* required / optional (has flag) / plain (stored, no has flag) / default-false bool */
#define REQ(T, n, t, sc, m, lo, hi) { n, t, sc, LPJ_REQ, SZ(T, m), OF(T, m), 0, lo, hi, NULL }
#define OPT(T, n, t, sc, m, lo, hi) { #n, t, sc, LPJ_HAS, SZ(T, m), OF(T, m), OF(T, has_##n), lo, hi, NULL }
#define PLAIN(T, n, t, sc, m, lo, hi) { n, t, sc, 0, SZ(T, m), OF(T, m), 0, lo, hi, NULL }
#define DEFF(T, n, m) { n, LPJ_BOOL, 0, LPJ_DEFF, SZ(T, m), OF(T, m), 0, 0, 1, NULL }
#define REQ_ENUM(T, n, m, names, cnt) { n, LPJ_ENUM, 0, LPJ_REQ, SZ(T, m), OF(T, m), 0, 0, (cnt) - 1, names }
#define OPT_ENUM(T, n, m, names, cnt) { #n, LPJ_ENUM, 0, LPJ_HAS, SZ(T, m), OF(T, m), OF(T, has_##n), 0, (cnt) - 1, names }
#define TRUE_FIELD(n) { n, LPJ_TRUE, 0, 0, 0, 0, 0, 1, 1, NULL }

static const char *const cause_names[] = {"user", "schedule", "grid", "protection", "power_on"};
static const char *const power_on_names[] = {"off", "on", "previous"};
static const char *const metering_names[] = {"none", "shunt", "ct", "hall", "rogowski"};
static const char *const state_names[] = {"offline", "online"};
static const char *const event_names[] = {"relay", "grid", "fault", "counter_reset"};
static const char *const grid_event_names[] = {"under_frequency", "over_frequency", "rocof",
                                               "voltage_loss", "voltage_return"};
static const char *const relay_cmd_names[] = {"off", "on", "toggle"};
static const char *const kind_names[] = {"telemetry", "grid", "status", "info",
                                         "state", "event", "cmd", "ack"};

/* ---- telemetry ---- */
#define T lp_proto_telemetry_t
static const lpj_field_t telemetry_fields[] = {
    VERSION_FIELD,
    REQ(T, "ts", LPJ_DEC, 3, ts_ms, TS_MIN_MS, TS_MAX_MS),
    REQ(T, "boot", LPJ_INT, 0, boot, 0, U32MAX),
    REQ(T, "seq", LPJ_INT, 0, seq, 0, U32MAX),
    REQ(T, "interval", LPJ_DEC, 3, interval_ms, 1, 86400000),
    OPT(T, voltage, LPJ_DEC, 3, voltage_mv, 0, 1000000),
    OPT(T, current, LPJ_DEC, 6, current_ua, 0, 1000000000),
    REQ(T, "power", LPJ_DEC, 3, power_mw, -1000000000, 1000000000),
    OPT(T, apparent_power, LPJ_DEC, 3, apparent_power_milli_va, 0, 1000000000),
    OPT(T, reactive_power, LPJ_DEC, 3, reactive_power_milli_var, -1000000000, 1000000000),
    OPT(T, power_factor, LPJ_DEC, 3, power_factor_milli, -1000, 1000),
    OPT(T, frequency, LPJ_DEC, 6, frequency_uhz, 1000000, 1000000000),
    OPT(T, rocof, LPJ_DEC, 6, rocof_uhz_per_s, -100000000, 100000000),
    REQ(T, "energy_import", LPJ_DEC, 3, energy_import_mwh, 0, ENERGY_MAX),
    REQ(T, "energy_export", LPJ_DEC, 3, energy_export_mwh, 0, ENERGY_MAX),
    REQ(T, "energy_epoch", LPJ_INT, 0, energy_epoch, 0, U32MAX),
    OPT(T, relay, LPJ_BOOL, 0, relay, 0, 1),
    DEFF(T, "replay", replay),
};
#undef T

/* ---- grid ---- */
#define T lp_proto_grid_t
static const lpj_field_t grid_fields[] = {
    VERSION_FIELD,
    REQ(T, "boot", LPJ_INT, 0, boot, 0, U32MAX),
    REQ(T, "seq", LPJ_INT, 0, seq, 0, U32MAX),
    REQ(T, "t0", LPJ_DEC, 3, t0_ms, TS_MIN_MS, TS_MAX_MS),
    REQ(T, "period", LPJ_DEC, 6, period_us, 1, 60000000),
    { "frequency", LPJ_ARRAY, 6, LPJ_REQ, SZE(T, frequency_uhz), OF(T, frequency_uhz), 0, 1000000, 1000000000, NULL },
    { "rocof", LPJ_ARRAY, 6, LPJ_HAS, SZE(T, rocof_uhz_per_s), OF(T, rocof_uhz_per_s), OF(T, has_rocof), -100000000, 100000000, NULL },
    { "voltage", LPJ_ARRAY, 3, LPJ_HAS, SZE(T, voltage_mv), OF(T, voltage_mv), OF(T, has_voltage), 0, 1000000, NULL },
};
#undef T

/* ---- status ---- */
#define T lp_proto_status_t
static const lpj_field_t status_fields[] = {
    VERSION_FIELD,
    { "state", LPJ_ENUM, 0, LPJ_REQ, SZ(T, online), OF(T, online), 0, 0, 1, state_names },
    OPT(T, boot, LPJ_INT, 0, boot, 0, U32MAX),
};
#undef T
enum { ST_V, ST_STATE, ST_BOOT };

static lp_status_t status_check(const void *msg, uint32_t present, const uint32_t *order,
                                int *field, const char **key, const char **what)
{
    const lp_proto_status_t *m = (const lp_proto_status_t *)msg;
    (void)order;
    if (m->online && !(present & ((uint32_t)1u << ST_BOOT))) {
        *field = -1;
        *key = "boot";
        *what = "\"boot\" is required when online";
        return LP_ERR_PROTO_MISSING;
    }
    return LP_OK;
}

/* ---- info ---- */
#define T lp_proto_info_t
static const lpj_field_t info_fields[] = {
    VERSION_FIELD,
    REQ(T, "model", LPJ_STR, LPJ_CLASS_PRINT, model, 1, LP_PROTO_NAME_MAX),
    REQ(T, "firmware", LPJ_STR, LPJ_CLASS_PRINT, firmware, 1, LP_PROTO_NAME_MAX),
    REQ(T, "hardware", LPJ_STR, LPJ_CLASS_PRINT, hardware, 1, LP_PROTO_NAME_MAX),
    REQ(T, "nominal_voltage", LPJ_INT, 0, nominal_voltage_v, 1, 1000),
    REQ(T, "nominal_frequency", LPJ_INT, 0, nominal_frequency_hz, 1, 1000),
    REQ(T, "max_current", LPJ_DEC, 3, max_current_ma, 1, 1000000),
    REQ(T, "relay", LPJ_BOOL, 0, relay, 0, 1),
    REQ_ENUM(T, "metering", metering, metering_names, LP_PROTO_METERING_COUNT),
    DEFF(T, "grid_stream", grid_stream),
    OPT(T, interval, LPJ_DEC, 3, interval_ms, 1, 86400000),
    OPT(T, min_on_time, LPJ_INT, 0, min_on_time_s, 0, 86400),
    OPT(T, min_off_time, LPJ_INT, 0, min_off_time_s, 0, 86400),
    OPT_ENUM(T, power_on, power_on, power_on_names, LP_PROTO_POWER_ON_COUNT),
    OPT(T, overcurrent_limit, LPJ_DEC, 3, overcurrent_limit_ma, 1, 1000000),
};
#undef T

/* ---- state ---- */
#define T lp_proto_state_t
static const lpj_field_t state_fields[] = {
    VERSION_FIELD,
    REQ(T, "relay", LPJ_BOOL, 0, relay, 0, 1),
    REQ_ENUM(T, "cause", cause, cause_names, LP_PROTO_CAUSE_COUNT),
    OPT(T, ts, LPJ_DEC, 3, ts_ms, TS_MIN_MS, TS_MAX_MS),
    OPT(T, id, LPJ_STR, LPJ_CLASS_ID, id, 1, LP_PROTO_ID_MAX),
    DEFF(T, "tripped", tripped),
};
#undef T

/* ---- event ---- */
#define T lp_proto_event_t
static const lpj_field_t event_fields[] = {
    VERSION_FIELD,
    REQ(T, "ts", LPJ_DEC, 3, ts_ms, TS_MIN_MS, TS_MAX_MS),
    REQ(T, "boot", LPJ_INT, 0, boot, 0, U32MAX),
    REQ(T, "seq", LPJ_INT, 0, seq, 0, U32MAX),
    REQ_ENUM(T, "type", type, event_names, LP_PROTO_EVENT_TYPE_COUNT),
    OPT(T, relay, LPJ_BOOL, 0, relay, 0, 1),
    OPT_ENUM(T, cause, cause, cause_names, LP_PROTO_CAUSE_COUNT),
    OPT_ENUM(T, grid, grid, grid_event_names, LP_PROTO_GRID_EVENT_COUNT),
    OPT(T, frequency, LPJ_DEC, 6, frequency_uhz, 1000000, 1000000000),
    OPT(T, rocof, LPJ_DEC, 6, rocof_uhz_per_s, -100000000, 100000000),
    OPT(T, voltage, LPJ_DEC, 3, voltage_mv, 0, 1000000),
    OPT(T, fault, LPJ_STR, LPJ_CLASS_CODE, fault, 1, LP_PROTO_NAME_MAX),
    OPT(T, energy_epoch, LPJ_INT, 0, energy_epoch, 0, U32MAX),
    OPT(T, energy_import, LPJ_DEC, 3, energy_import_mwh, 0, ENERGY_MAX),
    OPT(T, energy_export, LPJ_DEC, 3, energy_export_mwh, 0, ENERGY_MAX),
    OPT(T, message, LPJ_STR, LPJ_CLASS_TEXT, message, 0, LP_PROTO_MESSAGE_MAX),
};
#undef T
enum { EV_V, EV_TS, EV_BOOT, EV_SEQ, EV_TYPE, EV_RELAY, EV_CAUSE, EV_GRID, EV_FREQUENCY,
       EV_ROCOF, EV_VOLTAGE, EV_FAULT, EV_EPOCH, EV_IMPORT, EV_EXPORT, EV_MESSAGE };

#define B(i) ((uint32_t)1u << (i))

/* Among the members in `mask`, the one first in document order, or -1. */
static int first_in_order(uint32_t mask, const uint32_t *order)
{
    int best = -1;
    unsigned i;
    for (i = 0; i < LPJ_MAX_FIELDS; i++) {
        if ((mask & B(i)) && (best < 0 || order[i] < order[best]))
            best = (int)i;
    }
    return best;
}

/* First member of `required` absent from `present` in table order, or -1. */
static int first_missing(uint32_t required, uint32_t present)
{
    unsigned i;
    for (i = 0; i < LPJ_MAX_FIELDS; i++) {
        if ((required & B(i)) && !(present & B(i)))
            return (int)i;
    }
    return -1;
}

static lp_status_t event_check(const void *msg, uint32_t present, const uint32_t *order,
                               int *field, const char **key, const char **what)
{
    static const uint32_t group[LP_PROTO_EVENT_TYPE_COUNT] = {
        B(EV_RELAY) | B(EV_CAUSE),
        B(EV_GRID) | B(EV_FREQUENCY) | B(EV_ROCOF) | B(EV_VOLTAGE),
        B(EV_FAULT),
        B(EV_EPOCH) | B(EV_IMPORT) | B(EV_EXPORT)};
    static const uint32_t required[LP_PROTO_EVENT_TYPE_COUNT] = {
        B(EV_RELAY) | B(EV_CAUSE), B(EV_GRID), B(EV_FAULT),
        B(EV_EPOCH) | B(EV_IMPORT) | B(EV_EXPORT)};
    const lp_proto_event_t *m = (const lp_proto_event_t *)msg;
    uint32_t all = group[0] | group[1] | group[2] | group[3];
    unsigned t = (unsigned)m->type;
    int i;
    if (t >= LP_PROTO_EVENT_TYPE_COUNT)
        return LP_OK; /* rejected by the member check */
    i = first_in_order(present & all & ~group[t], order);
    if (i >= 0) {
        *field = i;
        *key = event_fields[i].name;
        *what = "key not allowed with this event type";
        return LP_ERR_PROTO_CONFLICT;
    }
    i = first_missing(required[t], present);
    if (i >= 0) {
        *field = -1;
        *key = event_fields[i].name;
        *what = "key required by this event type is missing";
        return LP_ERR_PROTO_MISSING;
    }
    return LP_OK;
}

/* ---- cmd ---- */
#define T lp_proto_cmd_t
static const lpj_field_t cmd_fields[] = {
    VERSION_FIELD,
    REQ(T, "id", LPJ_STR, LPJ_CLASS_ID, id, 1, LP_PROTO_ID_MAX),
    REQ(T, "expires", LPJ_DEC, 3, expires_ms, TS_MIN_MS, TS_MAX_MS),
    { "relay", LPJ_ENUM, 0, 0, SZ(T, relay), OF(T, relay), 0, 0, LP_PROTO_RELAY_CMD_COUNT - 1, relay_cmd_names },
    PLAIN(T, "interval", LPJ_DEC, 3, interval_ms, 1, 86400000),
    OPT(T, min_on_time, LPJ_INT, 0, min_on_time_s, 0, 86400),
    OPT(T, min_off_time, LPJ_INT, 0, min_off_time_s, 0, 86400),
    OPT_ENUM(T, power_on, power_on, power_on_names, LP_PROTO_POWER_ON_COUNT),
    OPT(T, overcurrent_limit, LPJ_DEC, 3, overcurrent_limit_ma, 1, 1000000),
    TRUE_FIELD("clear_trip"),
    TRUE_FIELD("reset_energy"),
    PLAIN(T, "confirm", LPJ_INT, 0, confirm_epoch, 0, U32MAX),
    TRUE_FIELD("info"),
};
#undef T
enum { CM_V, CM_ID, CM_EXPIRES, CM_RELAY, CM_INTERVAL, CM_MIN_ON, CM_MIN_OFF, CM_POWER_ON,
       CM_OVERCURRENT, CM_CLEAR_TRIP, CM_RESET, CM_CONFIRM, CM_INFO };

/* members that select each action (index = lp_proto_action_t) */
static const uint32_t cmd_group[LP_PROTO_ACTION_COUNT] = {
    B(CM_RELAY), B(CM_INTERVAL),
    B(CM_MIN_ON) | B(CM_MIN_OFF) | B(CM_POWER_ON) | B(CM_OVERCURRENT),
    B(CM_CLEAR_TRIP), B(CM_RESET), B(CM_INFO)};

static int cmd_action_of(int field)
{
    int a;
    for (a = 0; a < LP_PROTO_ACTION_COUNT; a++) {
        if (cmd_group[a] & B(field))
            return a;
    }
    return -1;
}

static lp_status_t cmd_check(const void *msg, uint32_t present, const uint32_t *order,
                             int *field, const char **key, const char **what)
{
    uint32_t actions = 0, bad;
    int a, first, i;
    (void)msg;
    for (a = 0; a < LP_PROTO_ACTION_COUNT; a++)
        actions |= cmd_group[a];
    first = first_in_order(present & actions, order);
    if (first < 0) {
        if (present & B(CM_CONFIRM)) {
            *field = CM_CONFIRM;
            *key = "confirm";
            *what = "\"confirm\" is only allowed with \"reset_energy\"";
            return LP_ERR_PROTO_CONFLICT;
        }
        *field = -1;
        *key = NULL;
        *what = "command carries no action";
        return LP_ERR_PROTO_MISSING;
    }
    a = cmd_action_of(first);
    bad = present & actions & ~cmd_group[a];
    if (a != LP_PROTO_ACTION_RESET_ENERGY)
        bad |= present & B(CM_CONFIRM);
    i = first_in_order(bad, order);
    if (i >= 0) {
        *field = i;
        *key = cmd_fields[i].name;
        *what = i == CM_CONFIRM ? "\"confirm\" is only allowed with \"reset_energy\""
                                : "a command carries exactly one action";
        return LP_ERR_PROTO_CONFLICT;
    }
    if (a == LP_PROTO_ACTION_RESET_ENERGY && !(present & B(CM_CONFIRM))) {
        *field = -1;
        *key = "confirm";
        *what = "\"reset_energy\" requires \"confirm\"";
        return LP_ERR_PROTO_MISSING;
    }
    return LP_OK;
}

static uint32_t cmd_present(const void *msg);

static void cmd_finish(void *msg, uint32_t present)
{
    lp_proto_cmd_t *m = (lp_proto_cmd_t *)msg;
    int a;
    for (a = 0; a < LP_PROTO_ACTION_COUNT; a++) {
        if (present & cmd_group[a]) {
            m->action = (lp_proto_action_t)a;
            return;
        }
    }
}

/* ---- ack ---- */
#define T lp_proto_ack_t
static const lpj_field_t ack_fields[] = {
    VERSION_FIELD,
    REQ(T, "id", LPJ_STR, LPJ_CLASS_ID, id, 1, LP_PROTO_ID_MAX),
    REQ(T, "ok", LPJ_BOOL, 0, ok, 0, 1),
    OPT(T, error, LPJ_STR, LPJ_CLASS_CODE, error, 1, LP_PROTO_NAME_MAX),
    OPT(T, message, LPJ_STR, LPJ_CLASS_TEXT, message, 0, LP_PROTO_MESSAGE_MAX),
    OPT(T, retry_after, LPJ_INT, 0, retry_after_s, 0, 86400),
};
#undef T
enum { AK_V, AK_ID, AK_OK, AK_ERROR, AK_MESSAGE, AK_RETRY };

static lp_status_t ack_check(const void *msg, uint32_t present, const uint32_t *order,
                             int *field, const char **key, const char **what)
{
    const lp_proto_ack_t *m = (const lp_proto_ack_t *)msg;
    if (m->ok) {
        int i = first_in_order(present & (B(AK_ERROR) | B(AK_MESSAGE) | B(AK_RETRY)), order);
        if (i >= 0) {
            *field = i;
            *key = ack_fields[i].name;
            *what = "not allowed when \"ok\" is true";
            return LP_ERR_PROTO_CONFLICT;
        }
    } else if (!(present & B(AK_ERROR))) {
        *field = -1;
        *key = "error";
        *what = "\"error\" is required when \"ok\" is false";
        return LP_ERR_PROTO_MISSING;
    }
    return LP_OK;
}

/* ---- kind table ---- */
#define NF(a) ((uint8_t)(sizeof(a) / sizeof((a)[0]) & 0xFFu))
static const lpj_kind_t kinds[LP_PROTO_KIND_COUNT] = {
    { telemetry_fields, NF(telemetry_fields), sizeof(lp_proto_telemetry_t), LP_PROTO_PAYLOAD_MAX, NULL, NULL, NULL, 0 },
    { grid_fields, NF(grid_fields), sizeof(lp_proto_grid_t), LP_PROTO_GRID_PAYLOAD_MAX, NULL, NULL, NULL, OF(lp_proto_grid_t, count) },
    { status_fields, NF(status_fields), sizeof(lp_proto_status_t), LP_PROTO_PAYLOAD_MAX, status_check, NULL, NULL, 0 },
    { info_fields, NF(info_fields), sizeof(lp_proto_info_t), LP_PROTO_PAYLOAD_MAX, NULL, NULL, NULL, 0 },
    { state_fields, NF(state_fields), sizeof(lp_proto_state_t), LP_PROTO_PAYLOAD_MAX, NULL, NULL, NULL, 0 },
    { event_fields, NF(event_fields), sizeof(lp_proto_event_t), LP_PROTO_PAYLOAD_MAX, event_check, NULL, NULL, 0 },
    { cmd_fields, NF(cmd_fields), sizeof(lp_proto_cmd_t), LP_PROTO_PAYLOAD_MAX, cmd_check, cmd_present, cmd_finish, 0 },
    { ack_fields, NF(ack_fields), sizeof(lp_proto_ack_t), LP_PROTO_PAYLOAD_MAX, ack_check, NULL, NULL, 0 },
};

static uint32_t cmd_present(const void *msg)
{
    const lp_proto_cmd_t *m = (const lp_proto_cmd_t *)msg;
    uint32_t p = B(CM_V) | B(CM_ID) | B(CM_EXPIRES);
    switch (m->action) {
    case LP_PROTO_ACTION_RELAY: p |= B(CM_RELAY); break;
    case LP_PROTO_ACTION_INTERVAL: p |= B(CM_INTERVAL); break;
    case LP_PROTO_ACTION_SAFETY:
        p |= lpj_present_generic(&kinds[LP_PROTO_CMD], msg) & cmd_group[LP_PROTO_ACTION_SAFETY];
        break;
    case LP_PROTO_ACTION_CLEAR_TRIP: p |= B(CM_CLEAR_TRIP); break;
    case LP_PROTO_ACTION_RESET_ENERGY: p |= B(CM_RESET) | B(CM_CONFIRM); break;
    case LP_PROTO_ACTION_INFO: p |= B(CM_INFO); break;
    default: break;
    }
    return p;
}

/* ======================================================================== */
/* public API                                                               */
/* ======================================================================== */

const char *lp_proto_kind_name(lp_proto_kind_t kind)
{
    return (unsigned)kind < LP_PROTO_KIND_COUNT ? kind_names[kind] : NULL;
}

uint8_t lp_proto_kind_qos(lp_proto_kind_t kind)
{
    return (uint8_t)(kind == LP_PROTO_GRID ? 0 : 1);
}

bool lp_proto_kind_retained(lp_proto_kind_t kind)
{
    return kind == LP_PROTO_STATUS || kind == LP_PROTO_INFO || kind == LP_PROTO_STATE;
}

size_t lp_proto_payload_max(lp_proto_kind_t kind)
{
    return kind == LP_PROTO_GRID ? LP_PROTO_GRID_PAYLOAD_MAX : LP_PROTO_PAYLOAD_MAX;
}

lp_status_t lp_proto_device_id_check(const char *id, size_t len)
{
    size_t i;
    if (len < 1 || len > LP_PROTO_DEVICE_ID_MAX || id == NULL)
        return LP_ERR_PROTO_DEVICE_ID;
    for (i = 0; i < len; i++) {
        char ch = id[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
            return LP_ERR_PROTO_DEVICE_ID;
    }
    return LP_OK;
}

lp_status_t lp_proto_topic_build(char *buf, size_t cap, const char *device_id,
                                 lp_proto_kind_t kind, size_t *len)
{
    size_t idlen = 0, klen, plen = sizeof LP_PROTO_TOPIC_PREFIX - 1u, need;
    lp_status_t st;
    if (buf == NULL || device_id == NULL)
        return LP_ERR_NULL;
    while (idlen <= LP_PROTO_DEVICE_ID_MAX && device_id[idlen] != '\0')
        idlen++;
    st = lp_proto_device_id_check(device_id, idlen);
    if (st != LP_OK)
        return st;
    if ((unsigned)kind >= LP_PROTO_KIND_COUNT)
        return LP_ERR_PROTO_KIND;
    klen = strlen(kind_names[kind]);
    need = plen + idlen + 1u + klen;
    if (len != NULL)
        *len = need;
    if (need + 1u > cap)
        return LP_ERR_BUFFER_TOO_SMALL;
    memcpy(buf, LP_PROTO_TOPIC_PREFIX, plen);
    memcpy(buf + plen, device_id, idlen);
    buf[plen + idlen] = '/';
    memcpy(buf + plen + idlen + 1u, kind_names[kind], klen);
    buf[need] = '\0';
    return LP_OK;
}

lp_status_t lp_proto_topic_parse(const char *topic, size_t len, char *device_id,
                                 lp_proto_kind_t *kind)
{
    size_t plen = sizeof LP_PROTO_TOPIC_PREFIX - 1u, i, slash = 0, n = 0;
    unsigned k;
    if (topic == NULL)
        return LP_ERR_NULL;
    if (len > 256u || len < plen || memcmp(topic, LP_PROTO_TOPIC_PREFIX, plen) != 0)
        return LP_ERR_PROTO_TOPIC;
    for (i = plen; i < len; i++) {
        if (topic[i] == '/') {
            if (n++ == 0)
                slash = i;
        }
    }
    if (n != 1 || slash == plen || slash + 1u == len)
        return LP_ERR_PROTO_TOPIC;
    if (lp_proto_device_id_check(topic + plen, slash - plen) != LP_OK)
        return LP_ERR_PROTO_DEVICE_ID;
    for (k = 0; k < LP_PROTO_KIND_COUNT; k++) {
        size_t kl = strlen(kind_names[k]);
        if (kl == len - slash - 1u && memcmp(topic + slash + 1u, kind_names[k], kl) == 0)
            break;
    }
    if (k == LP_PROTO_KIND_COUNT)
        return LP_ERR_PROTO_KIND;
    if (device_id != NULL) {
        memcpy(device_id, topic + plen, slash - plen);
        device_id[slash - plen] = '\0';
    }
    if (kind != NULL)
        *kind = (lp_proto_kind_t)k;
    return LP_OK;
}

static lp_status_t set_err(lp_proto_error_t *err, lp_status_t st, const char *msg)
{
    if (err != NULL) {
        err->status = st;
        err->offset = 0;
        err->key = NULL;
        err->message = msg;
    }
    return st;
}

lp_status_t lp_proto_decode(lp_proto_kind_t kind, const char *payload, size_t len,
                            lp_proto_msg_t *out, lp_proto_error_t *err)
{
    if (out == NULL || (payload == NULL && len > 0))
        return set_err(err, LP_ERR_NULL, "NULL argument");
    if ((unsigned)kind >= LP_PROTO_KIND_COUNT)
        return set_err(err, LP_ERR_PROTO_KIND, "unknown message kind");
    if (payload == NULL)
        payload = "";
    return lpj_decode(&kinds[kind], payload, len, out, err);
}

lp_status_t lp_proto_encode(lp_proto_kind_t kind, const lp_proto_msg_t *msg,
                            char *buf, size_t cap, size_t *len)
{
    if (msg == NULL || len == NULL || (buf == NULL && cap > 0))
        return LP_ERR_NULL;
    if ((unsigned)kind >= LP_PROTO_KIND_COUNT)
        return LP_ERR_PROTO_KIND;
    if (kind == LP_PROTO_CMD && (unsigned)msg->cmd.action >= LP_PROTO_ACTION_COUNT)
        return LP_ERR_PROTO_ENUM;
    return lpj_encode(&kinds[kind], msg, buf, cap, len);
}

/* Typed wrappers. The union view is only used for the kind's own member, so
 * passing a pointer to the member as a union pointer is avoided: each wrapper
 * goes through the generic engine directly. */
#define WRAP(name, T, K)                                                                    \
    lp_status_t lp_proto_decode_##name(const char *p, size_t len, T *out, lp_proto_error_t *err) \
    {                                                                                       \
        if (out == NULL || (p == NULL && len > 0))                                          \
            return set_err(err, LP_ERR_NULL, "NULL argument");                              \
        return lpj_decode(&kinds[K], p != NULL ? p : "", len, out, err);                    \
    }                                                                                       \
    lp_status_t lp_proto_encode_##name(const T *m, char *buf, size_t cap, size_t *len)      \
    {                                                                                       \
        if (m == NULL || len == NULL || (buf == NULL && cap > 0))                           \
            return LP_ERR_NULL;                                                             \
        return lpj_encode(&kinds[K], m, buf, cap, len);                                     \
    }

WRAP(telemetry, lp_proto_telemetry_t, LP_PROTO_TELEMETRY)
WRAP(grid, lp_proto_grid_t, LP_PROTO_GRID)
WRAP(status, lp_proto_status_t, LP_PROTO_STATUS)
WRAP(info, lp_proto_info_t, LP_PROTO_INFO)
WRAP(state, lp_proto_state_t, LP_PROTO_STATE)
WRAP(event, lp_proto_event_t, LP_PROTO_EVENT)
WRAP(ack, lp_proto_ack_t, LP_PROTO_ACK)

lp_status_t lp_proto_decode_cmd(const char *p, size_t len, lp_proto_cmd_t *out, lp_proto_error_t *err)
{
    if (out == NULL || (p == NULL && len > 0))
        return set_err(err, LP_ERR_NULL, "NULL argument");
    return lpj_decode(&kinds[LP_PROTO_CMD], p != NULL ? p : "", len, out, err);
}

lp_status_t lp_proto_encode_cmd(const lp_proto_cmd_t *m, char *buf, size_t cap, size_t *len)
{
    if (m == NULL || len == NULL || (buf == NULL && cap > 0))
        return LP_ERR_NULL;
    if ((unsigned)m->action >= LP_PROTO_ACTION_COUNT)
        return LP_ERR_PROTO_ENUM;
    return lpj_encode(&kinds[LP_PROTO_CMD], m, buf, cap, len);
}
