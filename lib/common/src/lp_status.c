/* lp_status.c - names of lepower status codes (see lp_status.h). */
#include "lp_status.h"

const char *lp_status_str(lp_status_t status)
{
    switch (status) {
    case LP_OK: return "ok";
    case LP_ERR_NULL: return "null_argument";
    case LP_ERR_RANGE: return "out_of_range";
    case LP_ERR_BUFFER_TOO_SMALL: return "buffer_too_small";
    case LP_ERR_STATE: return "bad_state";
    case LP_ERR_METER_RATE: return "meter_rate";
    case LP_ERR_METER_ADC_BITS: return "meter_adc_bits";
    case LP_ERR_METER_SCALE: return "meter_scale";
    case LP_ERR_METER_NOMINAL: return "meter_nominal";
    case LP_ERR_METER_SKEW: return "meter_skew";
    case LP_ERR_METER_GAIN: return "meter_gain";
    case LP_ERR_METER_REPORT: return "meter_report_interval";
    case LP_ERR_METER_CAL_INPUT: return "meter_calibration_input";
    case LP_ERR_METER_SAMPLE: return "meter_sample_range";
    case LP_ERR_METER_FREQ_CONFIG: return "meter_frequency_config";
    /* LP_PROTO_STATUS_NAMES: lib/proto adds its names here */
    case LP_ERR_PROTO_SYNTAX: return "json_syntax";
    case LP_ERR_PROTO_TOO_LARGE: return "payload_too_large";
    case LP_ERR_PROTO_DEPTH: return "nesting_too_deep";
    case LP_ERR_PROTO_DUPLICATE: return "duplicate_key";
    case LP_ERR_PROTO_MISSING: return "missing_key";
    case LP_ERR_PROTO_TYPE: return "wrong_type";
    case LP_ERR_PROTO_RANGE: return "value_out_of_range";
    case LP_ERR_PROTO_PRECISION: return "too_many_decimals";
    case LP_ERR_PROTO_VERSION: return "unsupported_version";
    case LP_ERR_PROTO_ENUM: return "unknown_enum_value";
    case LP_ERR_PROTO_STRING_LENGTH: return "string_length";
    case LP_ERR_PROTO_STRING_CHARS: return "string_chars";
    case LP_ERR_PROTO_UTF8: return "invalid_utf8";
    case LP_ERR_PROTO_ARRAY_LENGTH: return "array_length";
    case LP_ERR_PROTO_CONFLICT: return "conflicting_keys";
    case LP_ERR_PROTO_TOO_MANY_KEYS: return "too_many_keys";
    case LP_ERR_PROTO_TOPIC: return "bad_topic";
    case LP_ERR_PROTO_DEVICE_ID: return "bad_device_id";
    case LP_ERR_PROTO_KIND: return "unknown_kind";
    case LP_STATUS_END_: break;
    default: break;
    }
    return "unknown";
}
