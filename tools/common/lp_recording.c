/* lp_recording.c - CSV/WAV recording reader for host tools (see lp_recording.h). */
#include "lp_recording.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lp_rec_status_str(lp_rec_status_t s)
{
    switch (s) {
    case LP_REC_OK: return "ok";
    case LP_REC_ERR_NULL: return "null_argument";
    case LP_REC_ERR_IO: return "io";
    case LP_REC_ERR_EMPTY: return "empty";
    case LP_REC_ERR_COLUMN: return "column";
    case LP_REC_ERR_NUMBER: return "number";
    case LP_REC_ERR_TIME: return "time";
    case LP_REC_ERR_WAV: return "wav_format";
    case LP_REC_ERR_TRUNCATED: return "truncated";
    case LP_REC_ERR_NOMEM: return "out_of_memory";
    case LP_REC_ERR_RATE: return "rate";
    }
    return "unknown";
}

static lp_rec_status_t fail(lp_rec_error_t *err, lp_rec_status_t st, size_t line, size_t off,
                            const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->line = line;
        err->offset = off;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

void lp_recording_free(lp_recording_t *r)
{
    if (r == NULL) {
        return;
    }
    free(r->v_v);
    free(r->i_a);
    r->v_v = NULL;
    r->i_a = NULL;
    r->n = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double lp_rec_median_sort(double *v, size_t m)
{
    if (v == NULL || m == 0) return NAN;
    qsort(v, m, sizeof *v, cmp_double);
    return v[m / 2];
}

lp_rec_status_t lp_rec_median_interval(const double *t, size_t n, double *med_s)
{
    if (t == NULL || med_s == NULL) return LP_REC_ERR_NULL;
    if (n < 2) return LP_REC_ERR_EMPTY;
    double *d = malloc((n - 1) * sizeof *d);
    if (d == NULL) return LP_REC_ERR_NOMEM;
    for (size_t k = 1; k < n; k++) d[k - 1] = t[k] - t[k - 1];
    *med_s = lp_rec_median_sort(d, n - 1);
    free(d);
    return LP_REC_OK;
}

static int rate_ok(double r) { return isfinite(r) && r >= 1.0 && r <= 1e6; }

/* ---- CSV ------------------------------------------------------------------- */

typedef struct span { const char *p; size_t n; } span_t;

/* Split one line [p, end) at commas into at most max fields; returns the count. */
static size_t split(const char *p, const char *end, span_t *f, size_t max)
{
    size_t k = 0;
    const char *s = p;
    for (const char *q = p;; q++) {
        if (q == end || *q == ',') {
            if (k < max) {
                f[k].p = s;
                f[k].n = (size_t)(q - s);
            }
            k++;
            if (q == end) {
                break;
            }
            s = q + 1;
        }
    }
    return k;
}

static void trim(span_t *s)
{
    while (s->n > 0 && isspace((unsigned char)s->p[0])) {
        s->p++;
        s->n--;
    }
    while (s->n > 0 && isspace((unsigned char)s->p[s->n - 1])) {
        s->n--;
    }
}

static int name_is(span_t s, const char *name)
{
    trim(&s);
    size_t n = strlen(name);
    if (s.n != n) {
        return 0;
    }
    for (size_t k = 0; k < n; k++) {
        if (tolower((unsigned char)s.p[k]) != tolower((unsigned char)name[k])) {
            return 0;
        }
    }
    return 1;
}

/* Strict decimal number: optional sign, digits, optional fraction and exponent. */
static int parse_num(span_t s, double *out)
{
    char tmp[64];
    trim(&s);
    if (s.n == 0 || s.n >= sizeof tmp) {
        return 0;
    }
    for (size_t k = 0; k < s.n; k++) {
        char c = s.p[k];
        if (!(isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.' || c == 'e' ||
              c == 'E')) {
            return 0;
        }
    }
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    char *endp = NULL;
    errno = 0;
    double v = strtod(tmp, &endp);
    if (endp != tmp + s.n || errno == ERANGE || !isfinite(v)) {
        return 0;
    }
    *out = v;
    return 1;
}

#define MAX_COLS 64

lp_rec_status_t lp_recording_parse_csv(const char *buf, size_t len, const lp_rec_opts_t *opts,
                                       lp_recording_t *out, lp_rec_error_t *err)
{
    if (buf == NULL || opts == NULL || out == NULL) {
        return fail(err, LP_REC_ERR_NULL, 0, 0, "null argument");
    }
    memset(out, 0, sizeof *out);
    const char *end = buf + len;
    const char *p = buf;
    /* header */
    const char *nl = memchr(p, '\n', len);
    const char *hend = nl ? nl : end;
    if (hend > p && hend[-1] == '\r') {
        hend--;
    }
    if (hend == p) {
        return fail(err, LP_REC_ERR_EMPTY, 1, 0, "empty file or empty header line");
    }
    span_t f[MAX_COLS];
    size_t ncols = split(p, hend, f, MAX_COLS);
    if (ncols > MAX_COLS) {
        return fail(err, LP_REC_ERR_COLUMN, 1, 0, "more than %d columns", MAX_COLS);
    }
    int ct = -1, cv = -1, ci = -1;
    double i_mult = 1.0;
    for (size_t k = 0; k < ncols; k++) {
        int *slot = NULL;
        if (name_is(f[k], "t_s")) {
            slot = &ct;
        } else if (name_is(f[k], "v_v")) {
            slot = &cv;
        } else if (name_is(f[k], "i_a") || name_is(f[k], "i_ma")) {
            slot = &ci;
            i_mult = name_is(f[k], "i_ma") ? 1e-3 : 1.0;
        }
        if (slot != NULL) {
            if (*slot >= 0) {
                return fail(err, LP_REC_ERR_COLUMN, 1, 0, "column %.*s appears twice",
                            (int)f[k].n, f[k].p);
            }
            *slot = (int)k;
        }
    }
    if (cv < 0) {
        return fail(err, LP_REC_ERR_COLUMN, 1, 0, "missing column v_V in the header");
    }
    if (ci < 0) {
        return fail(err, LP_REC_ERR_COLUMN, 1, 0, "missing column i_A or i_mA in the header");
    }
    if (ct < 0 && !(opts->rate_hz > 0.0)) {
        return fail(err, LP_REC_ERR_COLUMN, 1, 0,
                    "missing column t_s in the header (or give the rate with --rate)");
    }
    /* count rows for allocation */
    size_t cap = 1;
    for (const char *q = hend; q < end; q++) {
        cap += *q == '\n';
    }
    double *t = malloc(cap * sizeof *t);
    out->v_v = malloc(cap * sizeof *out->v_v);
    out->i_a = malloc(cap * sizeof *out->i_a);
    if (t == NULL || out->v_v == NULL || out->i_a == NULL) {
        free(t);
        lp_recording_free(out);
        return fail(err, LP_REC_ERR_NOMEM, 0, 0, "out of memory");
    }
    size_t n = 0, line = 1;
    lp_rec_status_t st = LP_REC_OK;
    p = nl ? nl + 1 : end;
    while (p < end) {
        line++;
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *le = e ? e : end;
        const char *next = e ? e + 1 : end;
        if (le > p && le[-1] == '\r') {
            le--;
        }
        if (le == p) { /* empty line: only allowed at the end */
            const char *q = next;
            while (q < end && (*q == '\n' || *q == '\r')) {
                q++;
            }
            if (q != end) {
                st = fail(err, LP_REC_ERR_NUMBER, line, 0, "empty line inside the data");
                goto out;
            }
            break;
        }
        size_t k = split(p, le, f, MAX_COLS);
        if (k != ncols) {
            st = fail(err, LP_REC_ERR_NUMBER, line, 0, "%zu fields, the header has %zu", k, ncols);
            goto out;
        }
        double tv = 0.0, vv, iv;
        if ((ct >= 0 && !parse_num(f[ct], &tv)) || !parse_num(f[cv], &vv) ||
            !parse_num(f[ci], &iv)) {
            st = fail(err, LP_REC_ERR_NUMBER, line, 0, "a field is not a finite decimal number");
            goto out;
        }
        if (ct >= 0 && n > 0 && !(tv > t[n - 1])) {
            st = fail(err, LP_REC_ERR_TIME, line, 0, "time %.9g s does not increase (previous %.9g s)",
                      tv, t[n - 1]);
            goto out;
        }
        t[n] = tv;
        out->v_v[n] = vv;
        out->i_a[n] = iv * i_mult;
        n++;
        p = next;
    }
    if (n == 0) {
        st = fail(err, LP_REC_ERR_EMPTY, line, 0, "no data rows");
        goto out;
    }
    out->n = n;
    out->channels = 2;
    out->t0_s = ct >= 0 ? t[0] : 0.0;
    if (opts->rate_hz > 0.0) {
        out->rate_hz = opts->rate_hz;
    } else {
        if (n < 2) {
            st = fail(err, LP_REC_ERR_RATE, line, 0, "one row: the rate cannot come from t_s");
            goto out;
        }
        /* every interval within ±10 % of the median interval; the first one that is not
         * names its line (the mean would be pulled by a single gap and blame line 3) */
        double med;
        if (lp_rec_median_interval(t, n, &med) != LP_REC_OK) {
            st = fail(err, LP_REC_ERR_NOMEM, 0, 0, "out of memory");
            goto out;
        }
        for (size_t k = 1; k < n; k++) {
            double dk = t[k] - t[k - 1];
            if (fabs(dk - med) > 0.1 * med) {
                st = fail(err, LP_REC_ERR_TIME, k + 2, 0,
                          "irregular sampling: interval %.9g s, median %.9g s", dk, med);
                goto out;
            }
        }
        out->rate_hz = (double)(n - 1) / (t[n - 1] - t[0]);
    }
    if (!rate_ok(out->rate_hz)) {
        st = fail(err, LP_REC_ERR_RATE, 0, 0, "sample rate %g Hz outside 1..1e6", out->rate_hz);
        goto out;
    }
out:
    free(t);
    if (st != LP_REC_OK) {
        lp_recording_free(out);
    }
    return st;
}

/* ---- WAV ------------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

lp_rec_status_t lp_recording_parse_wav(const uint8_t *buf, size_t len, const lp_rec_opts_t *opts,
                                       lp_recording_t *out, lp_rec_error_t *err)
{
    if (buf == NULL || opts == NULL || out == NULL) {
        return fail(err, LP_REC_ERR_NULL, 0, 0, "null argument");
    }
    memset(out, 0, sizeof *out);
    if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0) {
        return fail(err, LP_REC_ERR_WAV, 0, 0, "not a RIFF/WAVE file");
    }
    size_t off = 12;
    int have_fmt = 0;
    uint16_t channels = 0, bits = 0, block = 0;
    uint32_t rate = 0;
    while (off + 8 <= len) {
        const uint8_t *ck = buf + off;
        uint32_t sz = rd32(ck + 4);
        size_t body = off + 8;
        if (memcmp(ck, "fmt ", 4) == 0) {
            if (sz < 16 || body + 16 > len) {
                return fail(err, LP_REC_ERR_WAV, 0, off, "fmt chunk too short");
            }
            uint16_t fmt = rd16(buf + body);
            channels = rd16(buf + body + 2);
            rate = rd32(buf + body + 4);
            block = rd16(buf + body + 12);
            bits = rd16(buf + body + 14);
            if (fmt == 0xFFFEu) {
                if (sz < 40 || body + 26 > len) {
                    return fail(err, LP_REC_ERR_WAV, 0, off, "extensible fmt chunk too short");
                }
                fmt = rd16(buf + body + 24);
            }
            if (fmt != 1u) {
                return fail(err, LP_REC_ERR_WAV, 0, body, "format %u is not PCM", (unsigned)fmt);
            }
            if (bits != 16u && bits != 24u) {
                return fail(err, LP_REC_ERR_WAV, 0, body + 14, "%u bits: only 16 or 24 are read",
                            (unsigned)bits);
            }
            if (channels != 1u && channels != 2u) {
                return fail(err, LP_REC_ERR_WAV, 0, body + 2, "%u channels: only 1 or 2",
                            (unsigned)channels);
            }
            if (block != channels * (bits / 8u)) {
                return fail(err, LP_REC_ERR_WAV, 0, body + 12, "block align %u inconsistent",
                            (unsigned)block);
            }
            have_fmt = 1;
        } else if (memcmp(ck, "data", 4) == 0) {
            if (!have_fmt) {
                return fail(err, LP_REC_ERR_WAV, 0, off, "data chunk before fmt chunk");
            }
            size_t avail = len - body;
            if ((size_t)sz > avail) {
                return fail(err, LP_REC_ERR_TRUNCATED, 0, off,
                            "truncated: data chunk declares %lu bytes, %zu present",
                            (unsigned long)sz, avail);
            }
            size_t n = sz / block;
            if (n == 0) {
                return fail(err, LP_REC_ERR_EMPTY, 0, off, "no samples in the data chunk");
            }
            double fsv = (double)(1u << (bits - 1u));
            double vs = opts->v_scale > 0.0 ? opts->v_scale : opts->v_full_scale / fsv;
            double is = opts->i_scale > 0.0 ? opts->i_scale : opts->i_full_scale / fsv;
            if (!(vs > 0.0) || !isfinite(vs) || !(is > 0.0) || !isfinite(is)) {
                return fail(err, LP_REC_ERR_WAV, 0, 0, "no usable volts/amps per count");
            }
            out->v_v = malloc(n * sizeof *out->v_v);
            out->i_a = malloc(n * sizeof *out->i_a);
            if (out->v_v == NULL || out->i_a == NULL) {
                lp_recording_free(out);
                return fail(err, LP_REC_ERR_NOMEM, 0, 0, "out of memory");
            }
            const uint8_t *d = buf + body;
            for (size_t k = 0; k < n; k++) {
                for (unsigned c = 0; c < channels; c++) {
                    const uint8_t *s = d + k * block + c * (bits / 8u);
                    int32_t x;
                    if (bits == 16u) {
                        x = (int16_t)rd16(s);
                    } else {
                        uint32_t u = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16;
                        x = (int32_t)(u ^ 0x800000u) - 0x800000;
                    }
                    if (c == 0) {
                        out->v_v[k] = x * vs;
                    } else {
                        out->i_a[k] = x * is;
                    }
                }
                if (channels == 1u) {
                    out->i_a[k] = 0.0;
                }
            }
            out->n = n;
            out->channels = channels;
            out->wav_bits = bits;
            out->t0_s = 0.0;
            out->rate_hz = opts->rate_hz > 0.0 ? opts->rate_hz : (double)rate;
            if (!rate_ok(out->rate_hz)) {
                lp_recording_free(out);
                return fail(err, LP_REC_ERR_RATE, 0, 0, "sample rate %g Hz outside 1..1e6",
                            out->rate_hz);
            }
            return LP_REC_OK;
        }
        size_t next = body + (size_t)sz + (sz & 1u);
        if (next <= off || next > len + 1) {
            return fail(err, LP_REC_ERR_TRUNCATED, 0, off, "chunk runs past the end of the file");
        }
        off = next;
    }
    return fail(err, have_fmt ? LP_REC_ERR_TRUNCATED : LP_REC_ERR_WAV, 0, off,
                have_fmt ? "no data chunk" : "no fmt chunk");
}

lp_rec_status_t lp_recording_load(const char *path, const lp_rec_opts_t *opts,
                                  lp_recording_t *out, lp_rec_error_t *err)
{
    if (path == NULL || opts == NULL || out == NULL) {
        return fail(err, LP_REC_ERR_NULL, 0, 0, "null argument");
    }
    int is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (fp == NULL) {
        return fail(err, LP_REC_ERR_IO, 0, 0, "cannot open: %s", strerror(errno));
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (len < cap) {
            break;
        }
        uint8_t *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int rerr = ferror(fp);
    if (!is_stdin) {
        fclose(fp);
    }
    if (buf == NULL) {
        return fail(err, LP_REC_ERR_NOMEM, 0, 0, "out of memory");
    }
    if (rerr) {
        free(buf);
        return fail(err, LP_REC_ERR_IO, 0, 0, "read error");
    }
    lp_rec_status_t st;
    if (len >= 4 && memcmp(buf, "RIFF", 4) == 0) {
        st = lp_recording_parse_wav(buf, len, opts, out, err);
    } else {
        st = lp_recording_parse_csv((const char *)buf, len, opts, out, err);
    }
    free(buf);
    return st;
}
