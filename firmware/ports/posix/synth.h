/* synth.h - ADC sample synthesis for the virtual plug (host only).
 *
 * Voltage: v(t) = sqrt(2)·V·[sin θ + 0.01·sin(3θ + π) + 0.02·sin 5θ], θ advancing with the
 * grid frequency (a frequency trace, linearly interpolated and looped, or a slow random
 * walk around 50 Hz: mean-reverting, time constant 100 s, ±0.02 Hz typical), V = the
 * nominal voltage times a slow ±0.5 % random walk.
 * Current for active power P and reactive power Q (fundamental, inductive > 0):
 * i(t) = sqrt(2)·I1·Σ_h k_h·sin(hθ + β_h); the load kind gives the harmonic content and,
 * without Q from the trace, the displacement power factor:
 *   resistive  current proportional to the voltage (harmonics included), PF 1
 *   motor      displacement PF 0.80 lagging, 3rd harmonic 5 %
 *   smps       displacement PF 0.97 leading, 3rd..11th harmonics 85/65/45/25/10 %
 *              (uncorrected rectifier-capacitor input, true PF about 0.6)
 *   led        displacement PF 0.90 leading, 3rd/5th/7th 60/35/20 %
 * I1 is solved so that the mean of v·i equals P exactly, harmonics included.
 * Quantisation: counts = round(value / per_count + noise), noise Gaussian with 0.5 count
 * RMS (voltage) and 0.3 count RMS (current), clamped to the ADC range. While the relay is
 * open the current samples are exactly 0.
 */
#ifndef LP_PLUG_SYNTH_H
#define LP_PLUG_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#define SYNTH_H_MAX 11

typedef enum { LOAD_RESISTIVE = 0, LOAD_MOTOR, LOAD_SMPS, LOAD_LED, LOAD_COUNT } load_kind_t;

typedef struct freq_trace {
    double *t_s, *f_hz;
    double *v_rel;   /* voltage relative to the trace's median (NULL: no voltage column) */
    size_t n;
    double loop_s;
} freq_trace_t;

typedef struct synth {
    double fs, v_nom, v_per_count, a_per_count;
    int32_t adc_max;
    load_kind_t load;
    const freq_trace_t *ft;   /* NULL: random walk */
    double f_hz, theta, v_gain, v_rel, t_s;
    uint64_t rng;
    /* voltage and current coefficients per harmonic: sin and cos parts, counts */
    double vs[SYNTH_H_MAX + 1], vc[SYNTH_H_MAX + 1];
    double is[SYNTH_H_MAX + 1], ic[SYNTH_H_MAX + 1];
    double p_w, q_var;
    int has_q;
    double i1_a, phi1;        /* fundamental current RMS and angle (for cycle values) */
    double irms_a, vrms_v;
    double walk_acc_s;
} synth_t;

int load_kind_parse(const char *s, load_kind_t *out);
const char *load_kind_name(load_kind_t k);

/* fs: sample rate; v_nom: RMS volts; per-count scales and ADC bits as the meter's. */
void synth_init(synth_t *s, double fs, double v_nom, double v_per_count, double a_per_count,
                int adc_bits, load_kind_t load, const freq_trace_t *ft, uint64_t seed, double t0_s);
/* New power target (has_q: use q, else the load's displacement PF). */
void synth_set_power(synth_t *s, double p_w, double q_var, int has_q);
/* n sample pairs continuing at time s->t_s (seconds, the frequency trace's time). */
void synth_block(synth_t *s, int16_t *v, int16_t *i, uint32_t n, int relay_on);
/* Advance one mains cycle without samples; fills the cycle's values (cycle-level path). */
void synth_cycle(synth_t *s, int relay_on, double *dur_s, double *vrms, double *irms,
                 double *p, double *q, double *f);

/* Frequency trace (a file, or a folder: its first .csv by name): CSV with a frequency column (name containing "freq") and a time
 * column `t_s` (seconds since midnight) or `time` ("DD-Mon-YYYY HH:MM:SS", read as seconds
 * since the first row's midnight); like power traces it is indexed by the simulated
 * clock's UTC time of day and loops over its span. Values outside 45..65 Hz or not
 * numbers (e.g. after a blackout) hold the last valid value. A voltage column (name
 * containing "L1" and "volt", or else the first containing "volt") scales the synthesised
 * voltage by its ratio to the column's median, so a supply collapse is replayed too; below
 * 90 % of nominal voltage loads turn from constant power into constant impedance.
 * 0 ok, -1 error. */
int freq_trace_load(const char *path, freq_trace_t *ft, char *err, size_t errcap);
void freq_trace_free(freq_trace_t *ft);

#endif
