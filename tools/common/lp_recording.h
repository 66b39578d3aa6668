/**
 * @file lp_recording.h
 * @brief Reader of voltage/current recordings for the host tools (lepower-meter,
 *        lepower-plug --waveform): CSV with a header and WAV (PCM 16/24-bit, 1 or 2
 *        channels). Host only: allocates with malloc, reads files with stdio.
 *
 * CSV: the first line names the columns, case-insensitively: `t_s` (seconds), `v_V`
 * (volts) and `i_A` (amps) or `i_mA` (milliamps); other columns are ignored. Fields
 * are plain decimal numbers, separated by commas; CRLF line ends are accepted; a
 * final empty line is allowed. The sample rate comes from `t_s` ((t_last − t_first)
 * / (n − 1); every interval within ±10 % of the median interval) unless the caller
 * gives one; `t_s`
 * may then be absent.
 *
 * WAV: RIFF/WAVE, format PCM (1) or EXTENSIBLE with PCM subformat, 16 or 24 bits,
 * 1 channel (voltage) or 2 (voltage, then current). Values are counts × scale.
 *
 * Errors name the line (CSV, from 1 = header) or byte offset (WAV) in
 * lp_rec_error_t; nothing is returned half-filled.
 */
#ifndef LP_RECORDING_H
#define LP_RECORDING_H

#include <stddef.h>
#include <stdint.h>

typedef enum lp_rec_status {
    LP_REC_OK = 0,
    LP_REC_ERR_NULL,        /**< NULL argument */
    LP_REC_ERR_IO,          /**< file cannot be opened or read */
    LP_REC_ERR_EMPTY,       /**< no header or no data rows */
    LP_REC_ERR_COLUMN,      /**< a required column is missing or duplicated */
    LP_REC_ERR_NUMBER,      /**< a field is not a finite decimal number, or a row is short */
    LP_REC_ERR_TIME,        /**< time not increasing, or irregular sampling */
    LP_REC_ERR_WAV,         /**< WAV header invalid or unsupported (format, bits, channels) */
    LP_REC_ERR_TRUNCATED,   /**< WAV data chunk shorter than declared */
    LP_REC_ERR_NOMEM,       /**< out of memory */
    LP_REC_ERR_RATE         /**< sample rate unknown, not finite or outside 1..1e6 Hz */
} lp_rec_status_t;

/** Where and why reading failed. */
typedef struct lp_rec_error {
    size_t line;            /**< CSV line (1 = header), 0 when not applicable */
    size_t offset;          /**< WAV byte offset, 0 when not applicable */
    char msg[200];          /**< human-readable reason */
} lp_rec_error_t;

/** A recording in physical units. Arrays are owned by the struct (lp_recording_free). */
typedef struct lp_recording {
    size_t n;               /**< number of sample pairs */
    double rate_hz;         /**< sample rate */
    double t0_s;            /**< time of the first sample (0 for WAV) */
    double *v_v;            /**< voltage, V, n values */
    double *i_a;            /**< current, A, n values (zeros for a 1-channel WAV) */
    int wav_bits;           /**< 16 or 24 for WAV, 0 for CSV */
    int channels;           /**< 2 for CSV; 1 or 2 for WAV */
} lp_recording_t;

/** Options for reading. */
typedef struct lp_rec_opts {
    double rate_hz;         /**< > 0 overrides the rate from t_s / the WAV header */
    double v_scale;         /**< WAV: volts per count (> 0); 0 = full scale maps to v_full_scale */
    double i_scale;         /**< WAV: amps per count; 0 = full scale maps to i_full_scale */
    double v_full_scale;    /**< V, used when v_scale is 0 */
    double i_full_scale;    /**< A, used when i_scale is 0 */
} lp_rec_opts_t;

/** Parse CSV text (len bytes, need not be NUL-terminated). */
lp_rec_status_t lp_recording_parse_csv(const char *buf, size_t len, const lp_rec_opts_t *opts,
                                       lp_recording_t *out, lp_rec_error_t *err);
/** Parse a WAV image. */
lp_rec_status_t lp_recording_parse_wav(const uint8_t *buf, size_t len, const lp_rec_opts_t *opts,
                                       lp_recording_t *out, lp_rec_error_t *err);
/** Load a file ("-" = standard input): WAV when it starts with "RIFF", CSV otherwise. */
lp_rec_status_t lp_recording_load(const char *path, const lp_rec_opts_t *opts,
                                  lp_recording_t *out, lp_rec_error_t *err);
/** Free the arrays (safe on a zeroed or already freed struct). */
void lp_recording_free(lp_recording_t *r);
/** Short name of a status. */
const char *lp_rec_status_str(lp_rec_status_t s);

/**
 * @brief Median of @p m values (the upper one for an even count): sorts @p v in place.
 * @param v caller's array, m >= 1 finite values. @return v[m / 2] after sorting; NAN when m is 0.
 */
double lp_rec_median_sort(double *v, size_t m);

/**
 * @brief Median interval of @p n increasing times @p t (s): the spacing a recording or
 *        trace is sampled at, robust to a few gaps.
 * @param med_s receives the median of t[k + 1] - t[k], s.
 * @return LP_REC_OK; LP_REC_ERR_NULL; LP_REC_ERR_EMPTY (n < 2); LP_REC_ERR_NOMEM.
 */
lp_rec_status_t lp_rec_median_interval(const double *t, size_t n, double *med_s);

#endif
