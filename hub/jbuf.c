/* Text buffer, JSON output and time formats. See jbuf.h. */
#include "jbuf.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"

void jb_init(jbuf_t *b) { memset(b, 0, sizeof *b); }
void jb_free(jbuf_t *b) { free(b->s); memset(b, 0, sizeof *b); }

static int grow(jbuf_t *b, size_t extra)
{
    if (b->oom) return 0;
    if (b->len + extra + 1 <= b->cap) return 1;
    size_t nc = b->cap ? b->cap : 1024;
    while (nc < b->len + extra + 1) nc *= 2;
    char *ns = realloc(b->s, nc);
    if (!ns) { b->oom = 1; return 0; }
    b->s = ns;
    b->cap = nc;
    return 1;
}

void jb_rawn(jbuf_t *b, const char *s, size_t n)
{
    if (!grow(b, n)) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void jb_raw(jbuf_t *b, const char *s) { jb_rawn(b, s, strlen(s)); }

void jb_fmt(jbuf_t *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) { jb_rawn(b, tmp, (size_t)n); return; }
    if (!grow(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void jb_str(jbuf_t *b, const char *s)
{
    jb_raw(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') { char e[3] = { '\\', (char)*p, 0 }; jb_raw(b, e); }
        else if (*p < 0x20) jb_fmt(b, "\\u%04x", *p);
        else jb_rawn(b, (const char *)p, 1);
    }
    jb_raw(b, "\"");
}

void jb_num(jbuf_t *b, double v, int decimals)
{
    if (!isfinite(v)) { jb_raw(b, "null"); return; }
    static const double P10[7] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
    if (decimals >= 0 && decimals <= 6 && fabs(v) * P10[decimals] < 9e15) {
        /* fast path: fixed point through integers (same text as %.*f, zeros cut) */
        long long q = llround(v * P10[decimals]);
        char tmp[40];
        char *e = tmp + sizeof tmp, *p = e;
        unsigned long long a = q < 0 ? (unsigned long long)(-q) : (unsigned long long)q;
        int d = decimals, started = 0;
        while (d-- > 0) {
            unsigned digit = (unsigned)(a % 10);
            a /= 10;
            if (digit || started) { *--p = (char)('0' + digit); started = 1; }
        }
        if (started) *--p = '.';
        do { *--p = (char)('0' + a % 10); a /= 10; } while (a);
        if (q < 0) *--p = '-';
        jb_rawn(b, p, (size_t)(e - p));
        return;
    }
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    if (n <= 0 || (size_t)n >= sizeof tmp) { jb_raw(b, "null"); return; }
    if (decimals > 0) {
        while (n > 0 && tmp[n - 1] == '0') tmp[--n] = 0;
        if (n > 0 && tmp[n - 1] == '.') tmp[--n] = 0;
    }
    if (!strcmp(tmp, "-0")) strcpy(tmp, "0");
    jb_raw(b, tmp);
}

static int64_t fdiv(int64_t a, int64_t d) { int64_t q = a / d; return (a % d != 0 && (a < 0) != (d < 0)) ? q - 1 : q; }

static void civil(int64_t s, char *out, size_t cap, int with_ms, int ms)
{
    int64_t day = fdiv(s, 86400), sod = s - day * 86400;
    int64_t y; unsigned m, d;
    hub_civil_from_days(day, &y, &m, &d);
    int n = snprintf(out, cap, "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, m, d,
                     (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
    if (with_ms && n > 0 && (size_t)n < cap) snprintf(out + n, cap - (size_t)n, ".%03d", ms);
}

void hub_fmt_time(char *out, size_t cap, int64_t ms)
{
    int64_t s = fdiv(ms, 1000);
    int rem = (int)(ms - s * 1000);
    char tmp[48];
    civil(s, tmp, sizeof tmp, rem != 0, rem);
    snprintf(out, cap, "%sZ", tmp);
}

void jb_time(jbuf_t *b, int64_t ms)
{
    char tmp[48];
    hub_fmt_time(tmp, sizeof tmp, ms);
    jb_fmt(b, "\"%s\"", tmp);
}

void jb_local(jbuf_t *b, int64_t utc_s, int32_t off)
{
    char tmp[48];
    civil(utc_s + off, tmp, sizeof tmp, 0, 0);
    int a = off < 0 ? -off : off;
    jb_fmt(b, "\"%s%c%02d:%02d\"", tmp, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**p)) return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

int hub_parse_time(const char *s, int64_t *ms)
{
    if (!s || !*s || !ms) return -1;
    const char *p = s;
    int all_num = 1;
    for (const char *q = s; *q; q++) if (!(isdigit((unsigned char)*q) || *q == '.' || (*q == '-' && q == s))) all_num = 0;
    if (all_num) {
        char *end;
        double v = strtod(s, &end);
        if (*end || !isfinite(v) || fabs(v) > 1e11) return -1;
        *ms = (int64_t)llround(v * 1000.0);
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d)) return -1;
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap)) return -1; /* 2026-02-30 is no date */
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi)) return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &se)) return -1;
            if (*p == '.') {
                p++;
                int nd = 0;
                while (isdigit((unsigned char)*p)) { if (nd < 3) { frac = frac * 10 + (*p - '0'); nd++; } p++; }
                if (nd == 0) return -1;
                while (nd < 3) { frac *= 10; nd++; }
            }
        }
    } else return -1;
    if (h > 23 || mi > 59 || se > 60) return -1;
    int off = 0;
    if (*p == 'Z' || *p == 'z') p++;
    else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (digits(&p, 2, &oh)) return -1;
        if (*p == ':') p++;
        if (*p && digits(&p, 2, &om)) return -1;
        if (oh > 23 || om > 59) return -1;
        off = sign * (oh * 3600 + om * 60);
    } else return -1;
    if (*p) return -1;
    int64_t t = hub_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    *ms = t * 1000 + frac;
    return 0;
}
