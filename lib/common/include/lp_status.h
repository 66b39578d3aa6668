/**
 * @file lp_status.h
 * @brief Status codes shared by every lepower library.
 *
 * Every lepower function that can fail returns an ::lp_status_t. ::LP_OK is 0,
 * every failure has its own value, grouped by module in ranges of 100 so that a
 * number seen in a log identifies the module:
 *
 * | range   | module                       |
 * |---------|------------------------------|
 * | 1-99    | common (arguments, buffers)  |
 * | 100-199 | lib/meter (metering, frequency) |
 * | 200-299 | lib/proto (protocol v1)      |
 * | 300-399 | firmware core                |
 * | 400-499 | hub                          |
 *
 * Values are part of the ABI: never renumber, only append inside a range.
 * Thread/ISR context: lp_status_str() is pure and reentrant.
 */
#ifndef LP_STATUS_H
#define LP_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lp_status {
    LP_OK = 0,                      /**< success */

    /* ---- common: 1-99 ---- */
    LP_ERR_NULL = 1,                /**< a required pointer argument was NULL */
    LP_ERR_RANGE = 2,               /**< an argument is outside its documented range */
    LP_ERR_BUFFER_TOO_SMALL = 3,    /**< the caller's buffer cannot hold the result */
    LP_ERR_STATE = 4,               /**< call not valid in the object's current state */

    /* ---- lib/meter: 100-199 ---- */
    LP_ERR_METER_RATE = 100,        /**< sample rate outside 400..8000 Hz */
    LP_ERR_METER_ADC_BITS = 101,    /**< ADC bits outside 8..16 */
    LP_ERR_METER_SCALE = 102,       /**< volts or amps per count not finite and > 0 */
    LP_ERR_METER_NOMINAL = 103,     /**< nominal frequency is not 50 or 60 Hz */
    LP_ERR_METER_SKEW = 104,        /**< channel skew + phase correction outside -1..+1 sample period */
    LP_ERR_METER_GAIN = 105,        /**< a calibration gain not finite or outside 0.5..2 */
    LP_ERR_METER_REPORT = 106,      /**< report interval outside 20 ms..3600 s */
    LP_ERR_METER_CAL_INPUT = 107,   /**< calibration reference or measurement not usable */
    LP_ERR_METER_SAMPLE = 108,      /**< sample outside the configured ADC range */
    LP_ERR_METER_FREQ_CONFIG = 109, /**< frequency estimator configuration invalid */

    /* ---- lib/proto: 200-299 (see lp_proto.h) ---- */
    /* LP_PROTO_STATUS_BLOCK: lib/proto adds its values here, 200..299 */
    LP_ERR_PROTO_SYNTAX = 200,      /**< payload is not RFC 8259 JSON, or not one object */
    LP_ERR_PROTO_TOO_LARGE = 201,   /**< payload above its kind's size limit */
    LP_ERR_PROTO_DEPTH = 202,       /**< value of an unknown key nested too deep */
    LP_ERR_PROTO_DUPLICATE = 203,   /**< a key occurs twice in one object */
    LP_ERR_PROTO_MISSING = 204,     /**< a required key is absent */
    LP_ERR_PROTO_TYPE = 205,        /**< JSON type differs from the specified one */
    LP_ERR_PROTO_RANGE = 206,       /**< value outside its specified range */
    LP_ERR_PROTO_PRECISION = 207,   /**< number has more decimals than its resolution */
    LP_ERR_PROTO_VERSION = 208,     /**< "v" is not a supported protocol version */
    LP_ERR_PROTO_ENUM = 209,        /**< string is not one of the allowed values */
    LP_ERR_PROTO_STRING_LENGTH = 210, /**< string empty or longer than allowed */
    LP_ERR_PROTO_STRING_CHARS = 211, /**< string holds a character not allowed there */
    LP_ERR_PROTO_UTF8 = 212,        /**< invalid UTF-8 or lone surrogate escape */
    LP_ERR_PROTO_ARRAY_LENGTH = 213, /**< array empty, too long, or lengths differ */
    LP_ERR_PROTO_CONFLICT = 214,    /**< key not allowed together with the other members */
    LP_ERR_PROTO_TOO_MANY_KEYS = 215, /**< more unknown keys than a receiver tracks */
    LP_ERR_PROTO_TOPIC = 216,       /**< topic is not lepower/<device_id>/<kind> */
    LP_ERR_PROTO_DEVICE_ID = 217,   /**< device id not 1..32 characters [a-z0-9-] */
    LP_ERR_PROTO_KIND = 218,        /**< unknown message kind */

    LP_STATUS_END_                  /**< not a status; keeps the list open for appends */
} lp_status_t;

/**
 * @brief Short, stable, lower-case name of a status, e.g. "buffer_too_small".
 * @param status any value, valid or not.
 * @return a static string, never NULL ("unknown" for a value not listed above).
 */
const char *lp_status_str(lp_status_t status);

#ifdef __cplusplus
}
#endif
#endif /* LP_STATUS_H */
