/* trace.h - power traces for the virtual plug (host only; malloc, stdio).
 *
 * Formats (detected from the first line):
 *  - tracebase: `DD/MM/YYYY HH:MM:SS;P_1s_W;P_8s_W`, no header, ';' separated, CRLF,
 *    leading spaces allowed; the 1 s power column is used; times are seconds since the
 *    midnight of the first sample's date (calendar arithmetic, no time zone).
 *  - CSV with a header: columns `t_s` and `p_w` (case-insensitive; `p_W` of the espresso
 *    traces), optional `q_var`; other columns ignored.
 * Rules: samples must be in time order (an earlier time is an error naming the line); of
 * several samples with the same time the last wins; each sample holds until the next; a
 * gap longer than 300 s is 0 W (and 0 var); the loop length is the span plus the median
 * spacing (the last sample holds for one median spacing), and the trace repeats after it.
 */
#ifndef LP_PLUG_TRACE_H
#define LP_PLUG_TRACE_H

#include <stddef.h>

#define TRACE_GAP_S 300.0

typedef struct trace {
    size_t n;
    double *t_s;      /* strictly increasing */
    double *p_w;
    double *q_var;    /* NULL when the trace has no reactive power */
    double loop_s;    /* loop length */
    int time_of_day;  /* 1: t_s are seconds since a midnight (tracebase) */
    size_t cursor;    /* lookup hint */
} trace_t;

/* 0 on success; on error -1 and a message in err (errcap bytes). */
int trace_load(const char *path, trace_t *tr, char *err, size_t errcap);
void trace_free(trace_t *tr);
/* Power (and reactive power, when q != NULL) at trace time t (any real; wrapped into the
 * loop). Fast for increasing t (cursor). */
void trace_at(trace_t *tr, double t, double *p, double *q);
/* Energy of one loop, Wh (the trace's own energy under the rules above). */
double trace_loop_energy_wh(const trace_t *tr);

#endif
