/**
 * @file energy.h
 * @brief Energy from lifetime counters: segments and interpolation into slots.
 *
 * Consumption over a period comes from the device's lifetime energy counters,
 * linearly interpolated between consecutive reports, never from integrating
 * power. Two consecutive reports (by timestamp) belong to the same segment when
 * they carry the same energy epoch, neither counter went backwards and neither rose
 * faster than any connection can draw (HUB_ENERGY_MAX_POWER_W); between
 * segments (new epoch, reset, replaced device) nothing is attributed: no
 * negative values, no spikes. Inside a segment a gap of any length loses no
 * energy: the counter difference is spread linearly over the gap.
 *
 * Pure functions, reentrant, no allocation.
 */
#ifndef HUB_ENERGY_H
#define HUB_ENERGY_H

#include <stddef.h>
#include <stdint.h>

/** One counter reading. */
typedef struct {
    int64_t ts_ms;        /**< report instant, Unix ms */
    int64_t import_mwh;   /**< lifetime import counter, milliwatt-hours */
    int64_t export_mwh;   /**< lifetime export counter, milliwatt-hours */
    uint32_t epoch;       /**< energy epoch (changes when the device restarts its counters) */
} hub_counter_t;

/** Largest power a counter may show between two readings, W: above any single- or
 *  three-phase household connection (a 3 x 63 A supply is 43 kW). A faster rise is a
 *  counter discontinuity and starts a new segment, so it never shows as a spike. */
#define HUB_ENERGY_MAX_POWER_W 100000.0
/** Step allowed on top of that, mWh (counter resolution, readings at the same instant). */
#define HUB_ENERGY_SLACK_MWH 10000.0

/** @brief Nonzero when @p b continues the segment of @p a (a before b): same epoch, neither
 *  counter backwards, and neither rising faster than HUB_ENERGY_MAX_POWER_W allows. */
int hub_energy_same_segment(const hub_counter_t *a, const hub_counter_t *b);

/**
 * @brief Add the energy of the pair (@p a, @p b) to slots.
 *
 * Slots are [slot0_ms + k*slot_ms, slot0_ms + (k+1)*slot_ms) for k < nslots;
 * the part of the pair's interval outside the slots is ignored. Nothing is added
 * when the pair crosses segments. A pair with equal timestamps and a counter
 * step adds the step to the slot holding that instant.
 * @param imp_wh, exp_wh arrays of nslots (Wh), accumulated into (+=).
 */
void hub_energy_add_pair(const hub_counter_t *a, const hub_counter_t *b,
                         int64_t slot0_ms, int64_t slot_ms, size_t nslots,
                         double *imp_wh, double *exp_wh);

/**
 * @brief Energy of a sorted run of readings spread into slots (+=).
 * @param s readings sorted by ts_ms ascending, @p n of them (any n).
 */
void hub_energy_distribute(const hub_counter_t *s, size_t n,
                           int64_t slot0_ms, int64_t slot_ms, size_t nslots,
                           double *imp_wh, double *exp_wh);

/** Running min / time-weighted mean / max of one quantity. */
typedef struct {
    double min, max, wsum; /**< wsum = sum of value * weight_ms */
    double w_ms;           /**< weight of the reports that carried this quantity, ms */
} hub_stat_t;

/** Statistics of telemetry over one slot (a rollup row). */
typedef struct {
    int64_t n;          /**< reports */
    double w_ms;        /**< total weight, ms */
    hub_stat_t q[5];    /**< power W, voltage V, current A, frequency Hz, power factor */
} hub_stats_t;

enum { HUB_Q_POWER, HUB_Q_VOLTAGE, HUB_Q_CURRENT, HUB_Q_FREQ, HUB_Q_PF, HUB_NQ };

/** Maximum weight of one report: a report older than this does not extend over a gap. */
#define HUB_STATS_MAX_WEIGHT_MS 60000.0

/**
 * @brief Weight of a report for time-weighted means: the time since the
 * previous report, clamped to [1 ms, ::HUB_STATS_MAX_WEIGHT_MS]; 1000 ms when
 * there is no previous report (@p prev_ts_ms < 0).
 */
double hub_stats_weight(int64_t prev_ts_ms, int64_t ts_ms);
/** @brief Reset @p st to empty. */
void hub_stats_clear(hub_stats_t *st);
/** @brief Add one report's values @p v[HUB_NQ] (NaN = not reported) with weight @p w_ms. */
void hub_stats_add(hub_stats_t *st, const double v[HUB_NQ], double w_ms);
/** @brief Merge @p b into @p a. */
void hub_stats_merge(hub_stats_t *a, const hub_stats_t *b);
/** @brief Time-weighted mean of quantity @p q over the reports that carried it (NaN when none did). */
double hub_stats_mean(const hub_stats_t *st, int q);

#endif
