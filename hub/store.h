/**
 * @file store.h
 * @brief Storage interface of the hub. store_sqlite.c implements it on SQLite
 *        (WAL mode); a PostgreSQL backend implements the same functions.
 *
 * A ::hub_store_t is one connection: use it from one thread at a time. The
 * ingest writer holds one; the HTTP server keeps a pool. Every function returns
 * LP_OK, LP_ERR_NULL for a NULL required pointer, HUB_ERR_DB for a backend
 * error (logged to stderr), or the other statuses listed with it.
 *
 * Data model (times in Unix ms unless named _s):
 * - device: registry row per device id ([a-z0-9-]{1,32}), with editable name,
 *   room, kind, critical and the latest values.
 * - telemetry: raw reports, unique on (device, boot, seq), kept N days.
 * - grid: fast frequency values, kept 7 days.
 * - report: status, info, state, event and ack payloads (JSON text as received),
 *   unique on (device, kind, boot, seq) when the kind has a sequence number.
 * - energy rollup: per device and UTC day (day >= 0), 96 quarter-hour slots of imported and
 *   exported energy (Wh, double), kept forever. Any zone's local hour, day, week
 *   or month boundary is a quarter-hour boundary in UTC. The same per hour (24
 *   slots) serves long ranges in zones with whole-hour offsets.
 * - stats rollup: per device, per minute and per hour (res_s = 60 or 3600):
 *   ::hub_stats_t of power, voltage, current, frequency, power factor; forever.
 * - meta: key/value text (journal position, settings).
 */
#ifndef HUB_STORE_H
#define HUB_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "lp_proto.h"
#include "energy.h"
#include "hub_status.h"

#define HUB_SLOTS_PER_DAY 96
#define HUB_SLOT_MS 900000LL
#define HUB_TEXT_MAX 64

typedef struct hub_store hub_store_t;

/** One registry row with the latest values. */
typedef struct {
    int64_t key;                      /**< backend row key */
    char id[LP_PROTO_DEVICE_ID_MAX + 1];
    char name[HUB_TEXT_MAX + 1], room[HUB_TEXT_MAX + 1], kind[HUB_TEXT_MAX + 1];
    int critical;                     /**< 0 / 1 */
    int64_t first_ms, last_ms;        /**< first and last telemetry instant; -1 when none */
    int64_t seen_ms;                  /**< last message received (hub clock); -1 when none */
    int online;                       /**< -1 unknown, 0 offline, 1 online (from status) */
    int has_telemetry;                /**< latest values below are valid */
    int32_t power_mw; int64_t voltage_mv, current_ua, frequency_uhz; int pf_milli;
    int has_voltage, has_current, has_frequency, has_pf;
    int64_t import_mwh, export_mwh; uint32_t epoch;
    int relay;                        /**< -1 unknown, 0 open, 1 closed */
} hub_device_t;

/**
 * @brief Open a connection. The writer (@p writer = 1; open it first) creates the
 *        folder, the file and the schema and sets WAL mode; readers (0) only open.
 * @return LP_OK, LP_ERR_NULL, HUB_ERR_DB.
 */
lp_status_t hub_store_open(const char *path, int writer, hub_store_t **out);
void hub_store_close(hub_store_t *st);
lp_status_t hub_store_begin(hub_store_t *st);
lp_status_t hub_store_commit(hub_store_t *st);
lp_status_t hub_store_rollback(hub_store_t *st);

/** @brief Key of device @p id, inserting the row on first sight. */
lp_status_t hub_store_device_ensure(hub_store_t *st, const char *id, int64_t *key);
/** @return LP_OK, HUB_ERR_NOT_FOUND. */
lp_status_t hub_store_device_get(hub_store_t *st, const char *id, hub_device_t *out);
/** @brief All devices ordered by id; *out is malloc'd (free()), *n rows. */
lp_status_t hub_store_device_list(hub_store_t *st, hub_device_t **out, size_t *n);
/** @brief Write first/last/seen/online/latest values of @p d (by key). */
lp_status_t hub_store_device_save_latest(hub_store_t *st, const hub_device_t *d);
/** @brief Edit; NULL strings and critical < 0 keep the value. @return LP_OK, HUB_ERR_NOT_FOUND. */
lp_status_t hub_store_device_patch(hub_store_t *st, const char *id, const char *name,
                                   const char *room, const char *kind, int critical);
/** @brief Remove the device and all its data. @return LP_OK, HUB_ERR_NOT_FOUND. */
lp_status_t hub_store_device_delete(hub_store_t *st, const char *id);

/** @brief Insert a telemetry report; *inserted = 0 for a duplicate (device, boot, seq). */
lp_status_t hub_store_put_telemetry(hub_store_t *st, int64_t key, const lp_proto_telemetry_t *t, int *inserted);
/** @brief Insert one grid value (duplicates on (device, ts) ignored). */
lp_status_t hub_store_put_grid(hub_store_t *st, int64_t key, int64_t ts_ms, int32_t frequency_uhz);
/** @brief Insert a status/info/state/event/ack payload; seq < 0: no dedup key. */
lp_status_t hub_store_put_report(hub_store_t *st, int64_t key, const char *kind, int64_t ts_ms,
                                 int64_t boot, int64_t seq, const char *payload, size_t len, int *inserted);

/** @brief Latest telemetry instant < @p ts_ms (*before) and earliest > @p ts_ms2 (*after); -1 when none. */
lp_status_t hub_store_neighbors(hub_store_t *st, int64_t key, int64_t ts_ms, int64_t ts_ms2,
                                int64_t *before, int64_t *after);
/** @brief Counter readings with from_ms <= ts <= to_ms, sorted; *out malloc'd. */
lp_status_t hub_store_counters(hub_store_t *st, int64_t key, int64_t from_ms, int64_t to_ms,
                               hub_counter_t **out, size_t *n);
/** Callback for raw telemetry: values in W, V, A, Hz, 1 (NaN when absent). Return nonzero to stop. */
typedef int (*hub_tele_cb)(void *ctx, int64_t ts_ms, const double v[HUB_NQ]);
/** @brief Raw telemetry with from_ms <= ts <= to_ms in time order. */
lp_status_t hub_store_telemetry(hub_store_t *st, int64_t key, int64_t from_ms, int64_t to_ms, hub_tele_cb cb, void *ctx);

/** @brief Energy rollup row; *found = 0 (and zeros) when absent. */
lp_status_t hub_store_energy_get(hub_store_t *st, int64_t key, int64_t day, double imp[HUB_SLOTS_PER_DAY],
                                 double exp[HUB_SLOTS_PER_DAY], int *found);
lp_status_t hub_store_energy_put(hub_store_t *st, int64_t key, int64_t day, const double imp[HUB_SLOTS_PER_DAY],
                                 const double exp[HUB_SLOTS_PER_DAY]);
/** Callback for energy rows: @p imp / @p exp point to 86400 / res_s native doubles
 *  (bytes, maybe unaligned: memcpy them), NULL when not wanted or absent; valid
 *  during the call only. */
typedef int (*hub_energy_cb)(void *ctx, int64_t day, const void *imp, const void *exp);
/**
 * @brief Energy rows with day_from <= day < day_to, in order, at @p res_s = 900
 *        (quarter hours, 96 per day) or 3600 (hours, 24 per day: the sums of the
 *        quarter hours, written by hub_store_energy_put() too); @p want: 1 import,
 *        2 export, 3 both. @return LP_OK, LP_ERR_RANGE (res_s), HUB_ERR_DB.
 */
lp_status_t hub_store_energy_range(hub_store_t *st, int64_t key, int res_s, int64_t day_from, int64_t day_to, int want,
                                   hub_energy_cb cb, void *ctx);

lp_status_t hub_store_stats_get(hub_store_t *st, int64_t key, int res_s, int64_t t_s, hub_stats_t *out, int *found);
lp_status_t hub_store_stats_put(hub_store_t *st, int64_t key, int res_s, int64_t t_s, const hub_stats_t *s);
typedef int (*hub_stats_cb)(void *ctx, int64_t t_s, const hub_stats_t *s);
/** @brief Stats rows with from_s <= t < to_s, in order. */
lp_status_t hub_store_stats_range(hub_store_t *st, int64_t key, int res_s, int64_t from_s, int64_t to_s, hub_stats_cb cb, void *ctx);

/** Callback for grid values of every device: @p from_grid is 1 for a grid-stream value, 0 for a telemetry frequency. */
typedef int (*hub_grid_cb)(void *ctx, int64_t key, int64_t ts_ms, int32_t frequency_uhz, int from_grid);
/** @brief Grid-stream values and telemetry frequencies of every device with from_ms <= ts < to_ms (any order). */
lp_status_t hub_store_grid(hub_store_t *st, int64_t from_ms, int64_t to_ms, hub_grid_cb cb, void *ctx);
/** @brief How many values hub_store_grid() would pass, counting at most @p limit. @return LP_OK, LP_ERR_NULL, HUB_ERR_DB. */
lp_status_t hub_store_grid_count(hub_store_t *st, int64_t from_ms, int64_t to_ms, uint64_t limit, uint64_t *n);

/** @brief Meta text; @return LP_OK, HUB_ERR_NOT_FOUND, LP_ERR_BUFFER_TOO_SMALL. */
lp_status_t hub_store_meta_get(hub_store_t *st, const char *k, char *buf, size_t cap);
lp_status_t hub_store_meta_set(hub_store_t *st, const char *k, const char *v);

/** @brief Delete telemetry and reports before @p raw_before_ms and grid values before @p grid_before_ms. */
lp_status_t hub_store_prune(hub_store_t *st, int64_t raw_before_ms, int64_t grid_before_ms);

#endif
