/**
 * @file lp_fw_ports.h
 * @brief Port interfaces of the plug firmware core: everything the platform-free core
 *        needs from hardware or an OS, injected as structs of function pointers.
 *
 * The core (firmware/core) includes no OS or vendor header. A port (firmware/ports/posix
 * for the virtual plug, a board port for the STM32) fills these structs and hands them
 * to lp_fw_plug_init(). Every function receives the port's own `ctx` pointer back.
 *
 * Ownership: the port structs and everything their ctx points to belong to the port and
 * must outlive the plug. Context: unless stated otherwise every port function is called
 * from the core's main loop (lp_fw_plug_step() and the lp_fw_plug_on_*() entry points),
 * never from an interrupt, and never reentrantly.
 *
 * Status codes of the firmware core (range 300-399 of lp_status.h) are defined here as
 * constants; lp_fw_status_str() names them (and defers to lp_status_str() for the rest).
 */
#ifndef LP_FW_PORTS_H
#define LP_FW_PORTS_H

#include <stddef.h>
#include <stdint.h>
#include "lp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- firmware core status codes: 300-399 ---- */
#define LP_ERR_FW_FLASH        ((lp_status_t)300) /**< flash port reported an error (power lost, bad cell) */
#define LP_ERR_FW_FLASH_GEOM   ((lp_status_t)301) /**< flash geometry unusable by the record store */
#define LP_ERR_FW_STORE_EMPTY  ((lp_status_t)302) /**< no valid record in flash (first boot) */
#define LP_ERR_FW_STORE_FULL   ((lp_status_t)303) /**< no slot could be written (every retry failed) */
#define LP_ERR_FW_RELAY_MIN_ON ((lp_status_t)310) /**< relay switch blocked: minimum on time not over */
#define LP_ERR_FW_RELAY_MIN_OFF ((lp_status_t)311)/**< relay switch blocked: minimum off time not over */
#define LP_ERR_FW_RELAY_TRIPPED ((lp_status_t)312)/**< relay switch blocked: over-current protection tripped */
#define LP_ERR_FW_NOT_CONNECTED ((lp_status_t)320)/**< network port: no broker session */
#define LP_ERR_FW_CMD_EXPIRED  ((lp_status_t)330) /**< command arrived after its `expires` time */
#define LP_ERR_FW_CMD_UNKNOWN  ((lp_status_t)331) /**< command not known to this firmware */
#define LP_ERR_FW_CMD_MALFORMED ((lp_status_t)332)/**< command payload not decodable */
#define LP_ERR_FW_NO_TIME      ((lp_status_t)333) /**< wall clock not set yet */

/**
 * @brief Name of a status, including the firmware core's 300-399 values.
 * @return a static string, never NULL. Pure, reentrant.
 */
const char *lp_fw_status_str(lp_status_t st);

/** ADC: pairs of simultaneous voltage and current samples, in ADC counts. */
typedef struct lp_fw_adc_port {
    void *ctx;
    double sample_rate_hz;  /**< pairs per second (the metering engine's rate) */
    /**
     * Copy up to max sample pairs that have arrived since the last call (on a board: from
     * the DMA ring; on the posix port: synthesised up to the simulated clock).
     * v, i: [out] arrays of at least max elements, owned by the core.
     * Returns the number of pairs written (0..max). Must not block.
     */
    uint32_t (*read)(void *ctx, int16_t *v, int16_t *i, uint32_t max);
} lp_fw_adc_port_t;

/** Clocks. */
typedef struct lp_fw_clock_port {
    void *ctx;
    /** Monotonic milliseconds since boot; never goes backwards. */
    uint64_t (*mono_ms)(void *ctx);
    /**
     * Wall clock (Unix time, ms, UTC). Returns 1 and writes *unix_ms once the clock is
     * set (SNTP on a board, the simulated clock on the posix port); returns 0 before.
     */
    int (*wall_ms)(void *ctx, int64_t *unix_ms);
} lp_fw_clock_port_t;

/**
 * Flash (NOR semantics): erase sets a whole sector to 0xFF; write can only clear bits
 * (a write over non-erased bytes stores old AND new). Reads return the stored bytes.
 * A power cut during write or erase leaves the affected bytes in any state.
 */
typedef struct lp_fw_flash_port {
    void *ctx;
    uint32_t sector_size;   /**< bytes per erasable sector (multiple of 32, >= 64) */
    uint32_t sector_count;  /**< sectors reserved for the energy record store (>= 2) */
    /** Read len bytes at byte address addr (0 .. sector_size*sector_count). LP_OK or LP_ERR_FW_FLASH. */
    lp_status_t (*read)(void *ctx, uint32_t addr, void *buf, uint32_t len);
    /** Program len bytes at addr (never crosses a sector). LP_OK or LP_ERR_FW_FLASH. */
    lp_status_t (*write)(void *ctx, uint32_t addr, const void *buf, uint32_t len);
    /** Erase one sector (0 .. sector_count-1). LP_OK or LP_ERR_FW_FLASH. */
    lp_status_t (*erase)(void *ctx, uint32_t sector);
} lp_fw_flash_port_t;

/** Relay GPIO. */
typedef struct lp_fw_relay_port {
    void *ctx;
    /** Drive the relay coil: on != 0 closes the contact. Must take effect at once. */
    void (*set)(void *ctx, int on);
} lp_fw_relay_port_t;

/**
 * Network / MQTT session. The port owns the connection (reconnects on its own, sets the
 * last will the core gives it with lp_fw_plug_will()) and calls back into the core:
 * lp_fw_plug_on_connect(), lp_fw_plug_on_disconnect(), lp_fw_plug_on_message() and
 * lp_fw_plug_on_published() (QoS 1 PUBACK).
 */
typedef struct lp_fw_net_port {
    void *ctx;
    /**
     * Publish payload (len bytes, copied by the port before returning) on topic (NUL-
     * terminated). qos 0 or 1; retain 0 or 1.
     * *token [out]: for QoS 1, an id the port passes back to lp_fw_plug_on_published()
     * once the broker acknowledged the message. Returns LP_OK or LP_ERR_FW_NOT_CONNECTED
     * (nothing queued).
     */
    lp_status_t (*publish)(void *ctx, const char *topic, const void *payload, size_t len,
                           int qos, int retain, int32_t *token);
    /** Subscribe to topic (QoS 1). LP_OK or LP_ERR_FW_NOT_CONNECTED. */
    lp_status_t (*subscribe)(void *ctx, const char *topic);
} lp_fw_net_port_t;

/** Log levels. */
enum { LP_FW_LOG_ERROR = 0, LP_FW_LOG_WARN = 1, LP_FW_LOG_INFO = 2, LP_FW_LOG_DEBUG = 3 };

/** Log sink. */
typedef struct lp_fw_log_port {
    void *ctx;
    /** One line of text (NUL-terminated, no newline), level LP_FW_LOG_*. May be NULL (no log). */
    void (*line)(void *ctx, int level, const char *text);
} lp_fw_log_port_t;

/** All ports of a plug. Any pointer may be NULL only where the plug API says so. */
typedef struct lp_fw_ports {
    const lp_fw_adc_port_t *adc;
    const lp_fw_clock_port_t *clock;
    const lp_fw_flash_port_t *flash;
    const lp_fw_relay_port_t *relay;
    const lp_fw_net_port_t *net;
    const lp_fw_log_port_t *log;   /**< may be NULL */
    /** Flash sectors of the settings store (>= 2 sectors, separate from `flash`); may be
     *  NULL: settings changed by command then last until the next boot only. */
    const lp_fw_flash_port_t *settings_flash;
} lp_fw_ports_t;

#ifdef __cplusplus
}
#endif
#endif /* LP_FW_PORTS_H */
