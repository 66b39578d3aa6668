/* Flat JSON objects for API request bodies. See jbody.h. */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "jbody.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int hexv(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }

/* Reads \uXXXX at s[i] (the 'u'); returns the value or -1. */
static long u4(const char *s, size_t n, size_t i)
{
    if (i + 4 >= n) return -1;
    long cp = 0;
    for (size_t k = 1; k <= 4; k++) { int v = hexv(s[i + k]); if (v < 0) return -1; cp = cp * 16 + v; }
    return cp;
}

/* Unescapes a JSON string body into UTF-8. Rejects invalid UTF-8 (overlong,
 * surrogates, beyond U+10FFFF, truncated), lone surrogate escapes, and control
 * characters (C0, DEL, C1: they would corrupt a name on a screen or in a log). */
static int unescape(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        unsigned long cp;
        if (c == '\\') {
            if (++i >= n) return -1;
            switch (s[i]) {
            case '"': cp = '"'; break; case '\\': cp = '\\'; break; case '/': cp = '/'; break;
            case 'b': cp = '\b'; break; case 'f': cp = '\f'; break; case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break; case 't': cp = '\t'; break;
            case 'u': {
                long u = u4(s, n, i);
                if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF)) return -1;
                i += 4;
                if (u >= 0xD800 && u <= 0xDBFF) { /* a surrogate pair: one code point */
                    if (i + 2 >= n || s[i + 1] != '\\' || s[i + 2] != 'u') return -1;
                    long lo = u4(s, n, i + 2);
                    if (lo < 0xDC00 || lo > 0xDFFF) return -1;
                    i += 6;
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                }
                cp = (unsigned long)u;
                break;
            }
            default: return -1;
            }
        } else if (c < 0x80) {
            cp = c;
        } else {
            size_t need;
            unsigned long min;
            if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; min = 0x80; }
            else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; min = 0x800; }
            else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; min = 0x10000; }
            else return -1;
            if (i + need >= n) return -1;
            for (size_t k = 1; k <= need; k++) {
                unsigned t = (unsigned char)s[i + k];
                if ((t & 0xC0) != 0x80) return -1;
                cp = (cp << 6) | (t & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
            i += need;
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) return -1;
        char buf[4]; size_t k = 0;
        if (cp < 0x80) buf[k++] = (char)cp;
        else if (cp < 0x800) { buf[k++] = (char)(0xC0 | (cp >> 6)); buf[k++] = (char)(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) { buf[k++] = (char)(0xE0 | (cp >> 12)); buf[k++] = (char)(0x80 | ((cp >> 6) & 0x3F)); buf[k++] = (char)(0x80 | (cp & 0x3F)); }
        else { buf[k++] = (char)(0xF0 | (cp >> 18)); buf[k++] = (char)(0x80 | ((cp >> 12) & 0x3F)); buf[k++] = (char)(0x80 | ((cp >> 6) & 0x3F)); buf[k++] = (char)(0x80 | (cp & 0x3F)); }
        if (o + k >= cap) return -1;
        memcpy(out + o, buf, k);
        o += k;
    }
    out[o] = 0;
    return 0;
}

int jbody_parse(const char *s, size_t len, jbody_t *out, const char **err)
{
    static const char *dummy;
    if (!err) err = &dummy;
    memset(out, 0, sizeof *out);
    jsmn_parser p;
    jsmntok_t t[2 * JBODY_MAX_KEYS + 2];
    jsmn_init(&p);
    int n = jsmn_parse(&p, s, len, t, sizeof t / sizeof t[0]);
    if (n == JSMN_ERROR_NOMEM) { *err = "too many members"; return -1; }
    if (n < 1) { *err = "body is not valid JSON"; return -1; }
    if (t[0].type != JSMN_OBJECT || t[0].start != 0) { *err = "body must be a JSON object"; return -1; }
    for (size_t i = (size_t)t[0].end; i < len; i++)
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t') { *err = "trailing data after the object"; return -1; }
    if (t[0].size > JBODY_MAX_KEYS) { *err = "too many members"; return -1; }
    int i = 1;
    for (int k = 0; k < t[0].size; k++) {
        if (i + 1 >= n || t[i].type != JSMN_STRING) { *err = "body is not valid JSON"; return -1; }
        jbody_member_t *m = &out->m[out->n];
        if (unescape(s + t[i].start, (size_t)(t[i].end - t[i].start), m->key, sizeof m->key)) { *err = "bad key"; return -1; }
        for (size_t j = 0; j < out->n; j++) if (!strcmp(out->m[j].key, m->key)) { *err = "duplicate key"; return -1; }
        const jsmntok_t *v = &t[i + 1];
        const char *vs = s + v->start;
        size_t vn = (size_t)(v->end - v->start);
        if (v->type == JSMN_OBJECT || v->type == JSMN_ARRAY) { *err = "nested values are not accepted"; return -1; }
        if (v->type == JSMN_STRING) {
            m->type = JB_STRING;
            if (unescape(vs, vn, m->text, sizeof m->text)) { *err = "string too long, badly escaped, not UTF-8, or with control characters"; return -1; }
        } else if (vn == 4 && !memcmp(vs, "true", 4)) m->type = JB_TRUE;
        else if (vn == 5 && !memcmp(vs, "false", 5)) m->type = JB_FALSE;
        else if (vn == 4 && !memcmp(vs, "null", 4)) m->type = JB_NULL;
        else {
            if (vn >= sizeof m->text) { *err = "number too long"; return -1; }
            memcpy(m->text, vs, vn);
            m->text[vn] = 0;
            /* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
            const char *q = m->text;
            if (*q == '-') q++;
            if (*q == '0') q++; else if (*q >= '1' && *q <= '9') while (*q >= '0' && *q <= '9') q++; else { *err = "bad number"; return -1; }
            if (*q == '.') { q++; if (!(*q >= '0' && *q <= '9')) { *err = "bad number"; return -1; } while (*q >= '0' && *q <= '9') q++; }
            if (*q == 'e' || *q == 'E') { q++; if (*q == '+' || *q == '-') q++; if (!(*q >= '0' && *q <= '9')) { *err = "bad number"; return -1; } while (*q >= '0' && *q <= '9') q++; }
            if (*q) { *err = "bad number"; return -1; }
            m->type = JB_NUMBER;
            m->number = strtod(m->text, NULL);
            if (!isfinite(m->number)) { *err = "bad number"; return -1; }
        }
        out->n++;
        i += 2;
    }
    return 0;
}

const jbody_member_t *jbody_get(const jbody_t *b, const char *key)
{
    for (size_t i = 0; i < b->n; i++) if (!strcmp(b->m[i].key, key)) return &b->m[i];
    return NULL;
}
