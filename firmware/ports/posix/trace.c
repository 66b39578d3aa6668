/* trace.c - power trace reader and lookup (see trace.h). */
#include "trace.h"
#include "../../../tools/common/lp_recording.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* days since 1970-01-01 of a civil date (proleptic Gregorian) */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int push(trace_t *tr, size_t *cap, double t, double p, double q, int has_q)
{
    if (tr->n > 0 && t == tr->t_s[tr->n - 1]) { /* same time: the last wins */
        tr->p_w[tr->n - 1] = p;
        if (has_q) tr->q_var[tr->n - 1] = q;
        return 0;
    }
    if (tr->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4096;
        double *a = realloc(tr->t_s, nc * sizeof *a), *b, *c = NULL;
        if (!a) return -1;
        tr->t_s = a;
        b = realloc(tr->p_w, nc * sizeof *b);
        if (!b) return -1;
        tr->p_w = b;
        if (has_q) {
            c = realloc(tr->q_var, nc * sizeof *c);
            if (!c) return -1;
            tr->q_var = c;
        }
        *cap = nc;
    }
    tr->t_s[tr->n] = t;
    tr->p_w[tr->n] = p;
    if (has_q) tr->q_var[tr->n] = q;
    tr->n++;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = 0;
    return s;
}

static int parse_num(const char *s, double *out)
{
    char *end;
    while (*s == ' ') s++;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\r' || *end == '\n') end++;
    if (end == s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int trace_load(const char *path, trace_t *tr, char *err, size_t errcap)
{
    memset(tr, 0, sizeof *tr);
    FILE *f = fopen(path, "r");
    if (!f) { snprintf(err, errcap, "%s: cannot open", path); return -1; }
    char line[1024];
    size_t cap = 0, lineno = 0;
    int tracebase = -1, col_t = -1, col_p = -1, col_q = -1, has_q = 0;
    long day0 = 0;
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (!*s) continue;
        if (tracebase < 0) {
            int d, mo, y, h, mi, se;
            if (sscanf(s, "%d/%d/%d %d:%d:%d", &d, &mo, &y, &h, &mi, &se) == 6) {
                tracebase = 1;
                tr->time_of_day = 1;
                day0 = days_from_civil(y, mo, d);
            } else {
                tracebase = 0;
                int k = 0;
                for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","), k++) {
                    tok = trim(tok);
                    if (!strcasecmp(tok, "t_s")) col_t = k;
                    else if (!strcasecmp(tok, "p_w")) col_p = k;
                    else if (!strcasecmp(tok, "q_var")) col_q = k;
                }
                if (col_t < 0 || col_p < 0) {
                    snprintf(err, errcap, "%s:1: need columns t_s and p_w (or a tracebase file)", path);
                    goto out;
                }
                has_q = col_q >= 0;
                continue;
            }
        }
        double t, p, q = 0.0;
        if (tracebase) {
            int d, mo, y, h, mi, se;
            char *semi = strchr(s, ';');
            if (!semi || sscanf(s, "%d/%d/%d %d:%d:%d", &d, &mo, &y, &h, &mi, &se) != 6) {
                snprintf(err, errcap, "%s:%zu: bad tracebase time", path, lineno);
                goto out;
            }
            char *semi2 = strchr(semi + 1, ';');
            if (semi2) *semi2 = 0;
            if (parse_num(semi + 1, &p)) {
                snprintf(err, errcap, "%s:%zu: bad power", path, lineno);
                goto out;
            }
            t = (double)(days_from_civil(y, mo, d) - day0) * 86400.0 + h * 3600.0 + mi * 60.0 + se;
        } else {
            int k = 0, got_t = 0, got_p = 0;
            for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","), k++) {
                double v;
                if (k != col_t && k != col_p && k != col_q) continue;
                if (parse_num(tok, &v)) {
                    snprintf(err, errcap, "%s:%zu: column %d is not a number", path, lineno, k + 1);
                    goto out;
                }
                if (k == col_t) { t = v; got_t = 1; }
                if (k == col_p) { p = v; got_p = 1; }
                if (k == col_q) q = v;
            }
            if (!got_t || !got_p) {
                snprintf(err, errcap, "%s:%zu: short row", path, lineno);
                goto out;
            }
        }
        if (tr->n > 0 && t < tr->t_s[tr->n - 1]) {
            snprintf(err, errcap, "%s:%zu: time goes backwards", path, lineno);
            goto out;
        }
        if (push(tr, &cap, t, p, q, has_q)) { snprintf(err, errcap, "out of memory"); goto out; }
    }
    if (tr->n < 2) { snprintf(err, errcap, "%s: fewer than 2 samples", path); goto out; }
    double med; /* the trace's spacing */
    if (lp_rec_median_interval(tr->t_s, tr->n, &med) != LP_REC_OK) { snprintf(err, errcap, "out of memory"); goto out; }
    tr->loop_s = tr->t_s[tr->n - 1] - tr->t_s[0] + med;
    rc = 0;
out:
    fclose(f);
    if (rc) trace_free(tr);
    return rc;
}

void trace_free(trace_t *tr)
{
    free(tr->t_s);
    free(tr->p_w);
    free(tr->q_var);
    memset(tr, 0, sizeof *tr);
}

void trace_at(trace_t *tr, double t, double *p, double *q)
{
    double x = fmod(t - tr->t_s[0], tr->loop_s);
    if (x < 0) x += tr->loop_s;
    x += tr->t_s[0];
    size_t k = tr->cursor < tr->n ? tr->cursor : 0;
    if (tr->t_s[k] > x) k = 0;
    while (k + 1 < tr->n && tr->t_s[k + 1] <= x) k++;
    tr->cursor = k;
    double next = k + 1 < tr->n ? tr->t_s[k + 1] : tr->t_s[0] + tr->loop_s;
    int gap = next - tr->t_s[k] > TRACE_GAP_S;
    *p = gap ? 0.0 : tr->p_w[k];
    if (q) *q = (gap || !tr->q_var) ? 0.0 : tr->q_var[k];
}

double trace_loop_energy_wh(const trace_t *tr)
{
    double e = 0.0;
    for (size_t k = 0; k < tr->n; k++) {
        double next = k + 1 < tr->n ? tr->t_s[k + 1] : tr->t_s[0] + tr->loop_s;
        double dt = next - tr->t_s[k];
        if (dt <= TRACE_GAP_S) e += tr->p_w[k] * dt;
    }
    return e / 3600.0;
}
