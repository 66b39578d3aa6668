/**
 * @file lp_fw_plug.h
 * @brief The plug application: metering fed by the ADC port, report scheduler, relay
 *        safety, persisted energy counters, offline buffer, MQTT session and commands.
 *
 * Platform-free: every effect goes through the ports of lp_fw_ports.h. Messages are
 * encoded and decoded with lib/proto (docs/protocol.md); topics `lepower/<id>/<kind>`.
 *
 * ## Main loop contract
 * The port calls lp_fw_plug_step() often (every few ms on a board, after every block of
 * synthesised samples on the posix port) and forwards session events:
 * lp_fw_plug_on_connect() once the broker accepted the session (with the last will of
 * lp_fw_plug_will()), lp_fw_plug_on_disconnect(), lp_fw_plug_on_message() for every
 * message on the cmd topic, lp_fw_plug_on_published() for every QoS 1 PUBACK. All of
 * these run in the same thread; none may be called from an interrupt.
 *
 * ## Energy counters and saves (docs/firmware.md, "Save policy")
 * Published counters are always the last values saved in flash, so a reported counter
 * never goes backwards, whatever happens to the power. The running total is saved when
 * (a) it grew by save_step_uwh and save_min_interval_ms passed since the last save,
 * (b) anything is unsaved and save_max_interval_ms passed, (c) the relay state changed
 * and save_min_interval_ms passed, (d) at once on an over-current trip, an energy reset,
 * lp_fw_plug_power_fail() and lp_fw_plug_stop().
 *
 * ## Time (docs/firmware.md, "Time")
 * Reports need a wall-clock time (protocol: ts >= 1e12 ms). Until the clock port reports
 * a set clock, reports are queued in the offline ring with their monotonic time; once it
 * is set they are stamped with wall_now - (mono_now - mono_at_report) and sent (as
 * replays). Commands carrying `expires` are refused with "no_time" until then.
 *
 * No malloc. The caller owns ::lp_fw_plug_t (a few KiB) and the ring storage.
 */
#ifndef LP_FW_PLUG_H
#define LP_FW_PLUG_H

#include <stdint.h>
#include "lp_fw_ports.h"
#include "lp_fw_store.h"
#include "lp_fw_relay.h"
#include "lp_fw_ring.h"
#include "lp_fw_dedupe.h"
#include "lp_fw_sched.h"
#include "lp_meter.h"
#include "lp_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Firmware version string published in `info`. */
#define LP_FW_VERSION "0.1.0"
/** Telemetry reports sent but not yet acknowledged, at most. */
#define LP_FW_PLUG_INFLIGHT_MAX 16u
/** Most values per grid message: the encoded batch must fit the 1 KiB payload buffer
 *  (worst case 33 bytes per value plus 100 bytes of keys). */
#define LP_FW_GRID_BATCH_MAX 25u
/** Sample pairs read from the ADC port per read call. */
#define LP_FW_PLUG_ADC_BLOCK 256u

/** Configuration (lp_fw_plug_config_default() fills every member). */
typedef struct lp_fw_plug_config {
    char device_id[LP_PROTO_DEVICE_ID_MAX + 1]; /**< [a-z0-9-], 1..32 chars */
    char model[LP_PROTO_NAME_MAX + 1];          /**< info "model" */
    char hardware[LP_PROTO_NAME_MAX + 1];       /**< info "hardware" */
    lp_meter_config_t meter;        /**< metering front end; report_ms is the internal window (default 1000) */
    uint32_t interval_ms;           /**< telemetry period, 1000..86 400 000 ms (default 10 000) */
    uint32_t step_mw;               /**< power step that reports at once, mW, 0 = off (default 50 000) */
    lp_fw_relay_config_t relay;     /**< relay safety */
    uint64_t save_step_uwh;         /**< energy growth that asks for a save, µWh (default 5 Wh) */
    uint32_t save_min_interval_ms;  /**< minimum spacing of policy saves (default 60 000) */
    uint32_t save_max_interval_ms;  /**< longest time energy stays unsaved (default 3 600 000) */
    uint8_t grid_stream;            /**< publish `grid` (QoS 0): one frequency/ROCOF/voltage value
                                         per engine window (meter.report_ms), default 0 = off */
    uint8_t grid_batch;             /**< values per grid message, 1..LP_FW_GRID_BATCH_MAX (default 10) */
    uint16_t nominal_voltage_v;     /**< info, default 230 */
    uint32_t max_current_ma;        /**< info rating, default 16 000 */
} lp_fw_plug_config_t;

/** One queued telemetry report (an element of the offline ring). */
typedef struct lp_fw_pending {
    lp_proto_telemetry_t t;   /**< ts_ms is 0 until stamped */
    uint64_t mono_ms;         /**< monotonic time of the window end */
    int32_t token;            /**< port token of the last publish */
    uint8_t sent, acked;
} lp_fw_pending_t;

/** Per-cycle input of the cycle-level simulation (lp_fw_plug_feed_cycle()). */
typedef struct lp_fw_cycle_input {
    double duration_s;   /**< cycle length, s (1/f) */
    double vrms_v, irms_a, p_w, q_var, f_hz;
} lp_fw_cycle_input_t;

/** Counters for diagnostics and tests. */
typedef struct lp_fw_plug_stats {
    uint32_t reports;        /**< telemetry reports made this boot */
    uint32_t published;      /**< telemetry publishes (including resends) */
    uint32_t acked;          /**< telemetry reports acknowledged by the broker */
    uint32_t dropped;        /**< reports dropped from the full offline ring */
    uint32_t saves, save_errors;
    uint32_t commands, command_errors, duplicates;
    uint32_t ignored;          /**< retained commands ignored */
    uint32_t dropped_commands; /**< undecodable commands without a recoverable id */
    uint32_t trips;
    uint32_t grid_messages;    /**< grid messages published */
} lp_fw_plug_stats_t;

/** Plug state; treat as opaque. */
typedef struct lp_fw_plug {
    lp_fw_plug_config_t cfg;
    lp_fw_ports_t ports;
    lp_meter_t meter;
    lp_fw_store_t store;
    lp_fw_store_t settings;        /* valid when has_settings */
    uint8_t has_settings;
    lp_fw_relay_t relay;
    lp_fw_ring_t ring;
    lp_fw_dedupe_t dedupe;
    lp_fw_sched_t sched;
    lp_fw_record_t saved;          /* what flash holds (published counters) */
    uint32_t boot;
    uint32_t epoch;
    uint32_t tel_seq, event_seq;
    uint64_t saved_at_ms;          /* mono time of the last save */
    uint8_t relay_dirty;           /* relay state differs from the saved one */
    uint8_t connected, stopped;
    uint8_t cause;                 /* lp_proto_cause_t of the last relay change */
    int64_t relay_ts_ms;           /* wall time of the last change, 0 unknown */
    char relay_id[LP_PROTO_ID_MAX + 1];
    /* energy (running totals, µWh) */
    uint64_t e_imp_uwh, e_exp_uwh;
    double e_rem_imp_uwh, e_rem_exp_uwh; /* cycle-level remainders per direction (fast path) */
    uint64_t meter_base_imp, meter_base_exp; /* meter counters correspond to these */
    /* telemetry window accumulation */
    double w_vv, w_ii, w_p, w_q, w_f, w_s;
    double w_n, w_fn;
    double w_r, w_rn;              /* Σ n·ROCOF and Σ n over windows with a measured ROCOF */
    uint64_t w_start_ms;
    double last_p_w;
    uint8_t last_v_present;
    /* time */
    uint64_t mono_ms;              /* at the last step */
    int16_t adc_v[LP_FW_PLUG_ADC_BLOCK], adc_i[LP_FW_PLUG_ADC_BLOCK];
    char topic[LP_PROTO_TOPIC_BUF];
    char payload[LP_PROTO_PAYLOAD_MAX + 1];
    /* grid stream batch */
    lp_proto_grid_t g;             /* batch being filled (count = values so far) */
    uint32_t grid_seq;
    lp_fw_plug_stats_t stats;
} lp_fw_plug_t;

/** @brief Defaults as documented per member (device id "plug-1"). LP_OK or LP_ERR_NULL. */
lp_status_t lp_fw_plug_config_default(lp_fw_plug_config_t *cfg);

/**
 * @brief Boot: open the record store, count the boot (saved at once), restore counters,
 *        relay trip and power-on state, start the meter. With ports->settings_flash, the
 *        settings last changed by command (safety settings, interval) override cfg.
 * @param ports every port except log must be non-NULL; copied (the port structs
 *        themselves must outlive the plug).
 * @param ring_storage ring_cap elements of sizeof(lp_fw_pending_t); ring_cap >= 1.
 * @return LP_OK; LP_ERR_NULL; LP_ERR_RANGE (a config value outside its range);
 *         LP_ERR_PROTO_DEVICE_ID; a lp_meter_init() status; LP_ERR_FW_FLASH_GEOM;
 *         LP_ERR_FW_FLASH or LP_ERR_FW_STORE_FULL (the boot record could not be saved).
 */
lp_status_t lp_fw_plug_init(lp_fw_plug_t *p, const lp_fw_plug_config_t *cfg,
                            const lp_fw_ports_t *ports, void *ring_storage, uint32_t ring_cap);

/** @brief Run the main loop once: samples, cycles, reports, saves, sending. */
void lp_fw_plug_step(lp_fw_plug_t *p);

/**
 * @brief Cycle-level simulation (the posix port's --fast-history): account one mains
 *        cycle given directly as measured values, skipping the per-sample DSP. Energy,
 *        relay protection, telemetry windows, saves and the scheduler behave as with
 *        samples. The monotonic clock must advance consistently with duration_s.
 *        Switch back to samples with lp_fw_plug_resync_meter().
 */
void lp_fw_plug_feed_cycle(lp_fw_plug_t *p, const lp_fw_cycle_input_t *c);

/** @brief Hand the running energy totals to the meter engine (after feed_cycle use). */
void lp_fw_plug_resync_meter(lp_fw_plug_t *p);

/**
 * @brief Last will for the port's MQTT connect: topic `lepower/<id>/status` and payload
 *        {"v":1,"state":"offline"}, QoS 1, retained.
 * @param topic [out] LP_PROTO_TOPIC_BUF bytes; payload [out] cap bytes (64 suffice).
 * @return LP_OK or an encoder status.
 */
lp_status_t lp_fw_plug_will(const lp_fw_plug_t *p, char *topic, char *payload, size_t cap,
                            size_t *len);

/** @brief Topic of the commands (`lepower/<id>/cmd`) the port subscribes to. */
const char *lp_fw_plug_cmd_topic(lp_fw_plug_t *p);

/** @brief Session up: subscribe, publish retained status/info/state, resend the ring. */
void lp_fw_plug_on_connect(lp_fw_plug_t *p);
/** @brief Session lost: unacknowledged reports will be sent again. */
void lp_fw_plug_on_disconnect(lp_fw_plug_t *p);
/**
 * @brief One message (topic NUL-terminated, payload len bytes, not NUL-terminated;
 *        retained: the MQTT retain flag). Commands are executed at most once per id,
 *        refused after `expires` or before the clock is set, and answered by one ack.
 *        A retained command is ignored (protocol 7.1). A payload that does not decode is
 *        answered with error "invalid" when its id can be recovered, else dropped and
 *        counted (protocol 7.9).
 */
void lp_fw_plug_on_message(lp_fw_plug_t *p, const char *topic, const void *payload, size_t len,
                           int retained);
/** @brief The broker acknowledged the QoS 1 publish with this token; waiting reports are
 *         published at once up to the in-flight limit (not only after the next window). */
void lp_fw_plug_on_published(lp_fw_plug_t *p, int32_t token);

/**
 * @brief Power-fail warning (supply monitor interrupt → main loop; SIGPWR on posix):
 *        close the telemetry window, save the exact running totals, queue/send a last
 *        report. Afterwards the plug is stopped (step does nothing).
 * @return the save status (LP_OK when the totals are safe).
 */
lp_status_t lp_fw_plug_power_fail(lp_fw_plug_t *p);

/** @brief Clean stop: same as power_fail (final save and report). */
lp_status_t lp_fw_plug_stop(lp_fw_plug_t *p);

/** @brief Running totals (µWh), including what is not saved yet. */
void lp_fw_plug_energy(const lp_fw_plug_t *p, uint64_t *import_uwh, uint64_t *export_uwh);

/** @brief Diagnostic counters. */
void lp_fw_plug_stats(const lp_fw_plug_t *p, lp_fw_plug_stats_t *out);

/** @brief Reports waiting in the offline ring (sent-unacked included). */
uint32_t lp_fw_plug_pending(const lp_fw_plug_t *p);

#ifdef __cplusplus
}
#endif
#endif /* LP_FW_PLUG_H */
