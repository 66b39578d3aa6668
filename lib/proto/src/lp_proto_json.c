/* lp_proto_json.c - strict single-pass JSON decoder and compact encoder driven by
 * the member tables of lp_proto.c. No malloc, no floating point, no recursion
 * deeper than LP_PROTO_MAX_DEPTH. Rules: docs/protocol.md, "Validation". */
#include "lp_proto_json.h"

#include <string.h>

/* ======================================================================== */
/* decoder                                                                  */
/* ======================================================================== */

typedef struct dctx {
    const char *p;
    size_t len;
    size_t pos;
    lp_status_t st;
    size_t err_off;
    const char *err_key;
    const char *err_msg;
    /* unknown top-level keys: offset of the opening quote and a hash */
    uint32_t uk_off[LP_PROTO_MAX_UNKNOWN_KEYS];
    uint32_t uk_hash[LP_PROTO_MAX_UNKNOWN_KEYS];
    unsigned n_uk;
} dctx_t;

static int fail(dctx_t *c, lp_status_t st, size_t off, const char *key, const char *msg)
{
    if (c->st == LP_OK) {
        c->st = st;
        c->err_off = off;
        c->err_key = key;
        c->err_msg = msg;
    }
    return -1;
}

static int peek(const dctx_t *c)
{
    return c->pos < c->len ? (int)(unsigned char)c->p[c->pos] : -1;
}

static void skip_ws(dctx_t *c)
{
    while (c->pos < c->len) {
        char ch = c->p[c->pos];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
            break;
        c->pos++;
    }
}

static int syntax(dctx_t *c, const char *msg)
{
    return fail(c, LP_ERR_PROTO_SYNTAX, c->pos, NULL,
                c->pos >= c->len ? "unexpected end of payload" : msg);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Read \uXXXX at c->pos (pointing at the backslash). Returns 0..0xFFFF or -1. */
static long read_u4(dctx_t *c)
{
    long v = 0;
    size_t i;
    if (c->len - c->pos < 6 || c->p[c->pos + 1] != 'u') {
        return -1;
    }
    for (i = 2; i < 6; i++) {
        int h = hexval((unsigned char)c->p[c->pos + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static int char_ok(uint8_t cls, uint32_t cp)
{
    switch (cls) {
    case LPJ_CLASS_ID:
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
               cp == '.' || cp == '_' || cp == ':' || cp == '-';
    case LPJ_CLASS_PRINT:
        return cp >= 0x20 && cp <= 0x7E;
    case LPJ_CLASS_CODE:
        return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '_';
    case LPJ_CLASS_TEXT:
        return cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F);
    default:
        return 1; /* no class: any code point */
    }
}

#define CLASS_ANY 0xFFu

static void put_utf8(char *out, size_t cap, size_t *n, uint32_t cp)
{
    unsigned char b[4];
    size_t k = 0, i;
    if (cp < 0x80) {
        b[k++] = (unsigned char)cp;
    } else if (cp < 0x800) {
        b[k++] = (unsigned char)(0xC0u | (cp >> 6));
        b[k++] = (unsigned char)(0x80u | (cp & 0x3Fu));
    } else if (cp < 0x10000) {
        b[k++] = (unsigned char)(0xE0u | (cp >> 12));
        b[k++] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
        b[k++] = (unsigned char)(0x80u | (cp & 0x3Fu));
    } else {
        b[k++] = (unsigned char)(0xF0u | (cp >> 18));
        b[k++] = (unsigned char)(0x80u | ((cp >> 12) & 0x3Fu));
        b[k++] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
        b[k++] = (unsigned char)(0x80u | (cp & 0x3Fu));
    }
    for (i = 0; i < k; i++) {
        if (out != NULL && *n < cap)
            out[*n] = (char)b[i];
        (*n)++;
    }
}

/* Decode one code point of a string body at c->pos (not the closing quote).
 * Validates escapes and UTF-8. Returns the code point, or -1 after fail(). */
static long string_cp(dctx_t *c)
{
    const unsigned char *s = (const unsigned char *)c->p;
    unsigned char b = s[c->pos];
    if (b == '\\') {
        long u, lo;
        size_t start = c->pos;
        if (c->pos + 1 >= c->len)
            return (c->pos = c->len, syntax(c, ""));
        switch (s[c->pos + 1]) {
        case '"': c->pos += 2; return '"';
        case '\\': c->pos += 2; return '\\';
        case '/': c->pos += 2; return '/';
        case 'b': c->pos += 2; return 0x08;
        case 'f': c->pos += 2; return 0x0C;
        case 'n': c->pos += 2; return 0x0A;
        case 'r': c->pos += 2; return 0x0D;
        case 't': c->pos += 2; return 0x09;
        case 'u': break;
        default: return syntax(c, "invalid escape sequence");
        }
        u = read_u4(c);
        if (u < 0)
            return syntax(c, "invalid \\u escape");
        if (u >= 0xDC00 && u <= 0xDFFF)
            return fail(c, LP_ERR_PROTO_UTF8, start, NULL, "lone low surrogate escape");
        c->pos += 6;
        if (u >= 0xD800 && u <= 0xDBFF) {
            lo = read_u4(c);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return fail(c, LP_ERR_PROTO_UTF8, start, NULL, "high surrogate escape not followed by a low one");
            c->pos += 6;
            return 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
        return u;
    }
    if (b < 0x20)
        return syntax(c, "control character in string");
    if (b < 0x80) {
        c->pos++;
        return b;
    }
    {
        size_t need, i;
        long cp, min;
        if (b >= 0xC2 && b <= 0xDF) { need = 1; cp = b & 0x1F; min = 0x80; }
        else if (b >= 0xE0 && b <= 0xEF) { need = 2; cp = b & 0x0F; min = 0x800; }
        else if (b >= 0xF0 && b <= 0xF4) { need = 3; cp = b & 0x07; min = 0x10000; }
        else return fail(c, LP_ERR_PROTO_UTF8, c->pos, NULL, "invalid UTF-8 lead byte");
        if (c->len - c->pos <= need)
            return fail(c, LP_ERR_PROTO_UTF8, c->pos, NULL, "truncated UTF-8 sequence");
        for (i = 1; i <= need; i++) {
            unsigned char t = s[c->pos + i];
            if ((t & 0xC0) != 0x80)
                return fail(c, LP_ERR_PROTO_UTF8, c->pos, NULL, "invalid UTF-8 continuation byte");
            cp = (cp << 6) | (t & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail(c, LP_ERR_PROTO_UTF8, c->pos, NULL, "overlong, surrogate or out-of-range UTF-8");
        c->pos += need + 1;
        return cp;
    }
}

/* Parse a string at c->pos (the opening quote). Writes up to cap bytes of UTF-8
 * to out (if not NULL), total decoded length to *n, FNV-1a hash of the decoded
 * bytes to *hash (if not NULL). Characters outside class `cls` fail with
 * string_chars at that character. Returns 0 or -1. */
static int parse_string(dctx_t *c, char *out, size_t cap, size_t *n, uint32_t *hash,
                        uint8_t cls, const char *key)
{
    uint32_t h = 2166136261u;
    const unsigned char *s = (const unsigned char *)c->p;
    *n = 0;
    c->pos++; /* opening quote */
    for (;;) {
        long cp;
        size_t at = c->pos;
        unsigned char b;
        if (c->pos >= c->len)
            return syntax(c, "");
        b = s[c->pos];
        if (b == '"') {
            c->pos++;
            break;
        }
        if (b >= 0x20 && b < 0x80 && b != '\\') {
            cp = b; /* plain ASCII: the common case, no escape or UTF-8 to decode */
            c->pos++;
        } else {
            cp = string_cp(c);
            if (cp < 0)
                return -1;
        }
        if (cls != CLASS_ANY && !char_ok(cls, (uint32_t)cp))
            return fail(c, LP_ERR_PROTO_STRING_CHARS, at, key, "character not allowed in this string");
        if (cp < 0x80) {
            if (out != NULL && *n < cap)
                out[*n] = (char)cp;
            (*n)++;
            h = (h ^ (uint32_t)cp) * 16777619u;
        } else {
            size_t i, m = 0;
            char tmp[4];
            put_utf8(out, cap, n, (uint32_t)cp);
            put_utf8(tmp, sizeof tmp, &m, (uint32_t)cp);
            for (i = 0; i < m; i++)
                h = (h ^ (unsigned char)tmp[i]) * 16777619u;
        }
    }
    if (hash != NULL)
        *hash = h;
    return 0;
}

/* Compare two already-validated strings (offsets of their opening quotes) by code points. */
static int strings_equal(dctx_t *c, size_t a, size_t b)
{
    size_t save = c->pos;
    size_t pa = a + 1, pb = b + 1;
    int eq = 1;
    for (;;) {
        long ca, cb;
        int enda = c->p[pa] == '"', endb = c->p[pb] == '"';
        if (enda || endb) {
            eq = enda && endb;
            break;
        }
        c->pos = pa; ca = string_cp(c); pa = c->pos;
        c->pos = pb; cb = string_cp(c); pb = c->pos;
        if (ca != cb) {
            eq = 0;
            break;
        }
    }
    c->pos = save;
    return eq;
}

/* ---- numbers ---- */

typedef struct num {
    int neg;
    int has_frac_or_exp;
    int overflow;      /* more than 19 significant digits */
    uint64_t d;        /* significant digits without trailing zeros */
    long e;            /* value = d * 10^e */
} num_t;

/* Scan a JSON number at c->pos (RFC 8259 grammar). The value is d * 10^e where
 * d holds the significant digits without leading or trailing zeros; e is exact
 * even when d overflowed (more than 19 significant digits). Returns 0 or -1. */
#define DIGIT(ch) ((ch) >= '0' && (ch) <= '9')
static void num_digit(num_t *nm, int dg, long idx, long *zeros, long *lnz)
{
    if (dg == 0) {
        if (nm->d != 0 || nm->overflow)
            (*zeros)++;
        return;
    }
    while (*zeros > 0 && !nm->overflow) {
        if (nm->d > UINT64_MAX / 10u)
            nm->overflow = 1;
        else
            nm->d *= 10u;
        (*zeros)--;
    }
    *zeros = 0;
    if (nm->overflow || nm->d > (UINT64_MAX - (uint64_t)dg) / 10u)
        nm->overflow = 1;
    else
        nm->d = nm->d * 10u + (uint64_t)dg;
    *lnz = idx;
}

/* One digit: the usual case (a nonzero digit, no pending zeros, room for it)
 * inline, the rest through num_digit. */
#define NUM_DIGIT(dg_)                                                          \
    do {                                                                        \
        int dg = (dg_);                                                         \
        if (dg != 0 && zeros == 0 && nm->d < 100000000000000000ULL) {           \
            nm->d = nm->d * 10u + (uint64_t)dg;                                 \
            lnz = idx++;                                                        \
        } else {                                                                \
            num_digit(nm, dg, idx++, &zeros, &lnz);                             \
        }                                                                       \
    } while (0)

static int scan_number(dctx_t *c, num_t *nm)
{
    long idx = 0, ni = 0, lnz = -1, zeros = 0, ex = 0;
    int exneg = 0;
    memset(nm, 0, sizeof *nm);
    if (peek(c) == '-') {
        nm->neg = 1;
        c->pos++;
    }
    if (peek(c) == '0') {
        c->pos++;
        idx = ni = 1;
        if (DIGIT(peek(c)))
            return syntax(c, "leading zero in number");
    } else if (DIGIT(peek(c))) {
        while (DIGIT(peek(c))) {
            NUM_DIGIT(peek(c) - '0');
            c->pos++;
        }
        ni = idx;
    } else {
        return syntax(c, "invalid number");
    }
    if (peek(c) == '.') {
        nm->has_frac_or_exp = 1;
        c->pos++;
        if (!DIGIT(peek(c)))
            return syntax(c, "digit expected after decimal point");
        while (DIGIT(peek(c))) {
            NUM_DIGIT(peek(c) - '0');
            c->pos++;
        }
    }
    if (peek(c) == 'e' || peek(c) == 'E') {
        nm->has_frac_or_exp = 1;
        c->pos++;
        if (peek(c) == '+' || peek(c) == '-') {
            exneg = peek(c) == '-';
            c->pos++;
        }
        if (!DIGIT(peek(c)))
            return syntax(c, "digit expected in exponent");
        while (DIGIT(peek(c))) {
            if (ex < 100000L)
                ex = ex * 10 + (peek(c) - '0');
            c->pos++;
        }
        if (exneg)
            ex = -ex;
    }
    if (lnz < 0) {
        nm->d = 0;
        nm->overflow = 0;
        nm->e = 0;
    } else {
        nm->e = ex + (ni - 1 - lnz);
    }
    return 0;
}
#undef NUM_DIGIT
#undef DIGIT

static const int64_t pow10_tab[19] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL,
    1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
    100000000000000LL, 1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
    1000000000000000000LL};

/* Convert to an integer scaled by 10^scale. Returns LP_OK, LP_ERR_PROTO_PRECISION
 * or LP_ERR_PROTO_RANGE (magnitude above 10^18). */
static lp_status_t num_scaled(const num_t *nm, unsigned scale, int64_t *out)
{
    long k;
    int64_t mag;
    if (!nm->overflow && nm->d == 0) {
        *out = 0;
        return LP_OK;
    }
    k = nm->e + (long)scale;
    if (k < 0)
        return LP_ERR_PROTO_PRECISION;
    if (nm->overflow || k > 18 || nm->d > (uint64_t)INT64_MAX)
        return LP_ERR_PROTO_RANGE;
    mag = (int64_t)nm->d;
    if (mag > INT64_MAX / pow10_tab[k])
        return LP_ERR_PROTO_RANGE;
    mag *= pow10_tab[k];
    if (mag > 1000000000000000000LL)
        return LP_ERR_PROTO_RANGE;
    *out = nm->neg ? -mag : mag;
    return LP_OK;
}

/* ---- skipping unknown values ---- */

static int skip_value(dctx_t *c, unsigned depth);

static int parse_literal(dctx_t *c, const char *lit)
{
    size_t n = strlen(lit), i;
    for (i = 0; i < n; i++) {
        if (c->pos >= c->len || c->p[c->pos] != lit[i])
            return syntax(c, "invalid literal");
        c->pos++;
    }
    return 0;
}

static int skip_container(dctx_t *c, unsigned depth, int obj)
{
    if (depth > LP_PROTO_MAX_DEPTH)
        return fail(c, LP_ERR_PROTO_DEPTH, c->pos, NULL, "nesting deeper than 8 levels");
    c->pos++;
    skip_ws(c);
    if (peek(c) == (obj ? '}' : ']')) {
        c->pos++;
        return 0;
    }
    for (;;) {
        if (obj) {
            size_t n;
            if (peek(c) != '"')
                return syntax(c, "string key expected");
            if (parse_string(c, NULL, 0, &n, NULL, CLASS_ANY, NULL) < 0)
                return -1;
            skip_ws(c);
            if (peek(c) != ':')
                return syntax(c, "':' expected");
            c->pos++;
            skip_ws(c);
        }
        if (skip_value(c, depth + 1) < 0)
            return -1;
        skip_ws(c);
        if (peek(c) == ',') {
            c->pos++;
            skip_ws(c);
            continue;
        }
        if (peek(c) == (obj ? '}' : ']')) {
            c->pos++;
            return 0;
        }
        return syntax(c, obj ? "',' or '}' expected" : "',' or ']' expected");
    }
}

static int skip_value(dctx_t *c, unsigned depth)
{
    int ch = peek(c);
    size_t n;
    num_t nm;
    switch (ch) {
    case '{': return skip_container(c, depth, 1);
    case '[': return skip_container(c, depth, 0);
    case '"': return parse_string(c, NULL, 0, &n, NULL, CLASS_ANY, NULL);
    case 't': return parse_literal(c, "true");
    case 'f': return parse_literal(c, "false");
    case 'n': return parse_literal(c, "null");
    default:
        if (ch == '-' || (ch >= '0' && ch <= '9'))
            return scan_number(c, &nm);
        return syntax(c, "value expected");
    }
}

/* ---- storage helpers ---- */

static void store_int(void *base, uint16_t off, uint8_t size, int64_t v)
{
    unsigned char *p = (unsigned char *)base + off;
    switch (size) {
    case 1: { int8_t x = (int8_t)v; memcpy(p, &x, 1); break; }
    case 2: { int16_t x = (int16_t)v; memcpy(p, &x, 2); break; }
    case 4: { int32_t x = (int32_t)(uint32_t)(uint64_t)v; memcpy(p, &x, 4); break; }
    case 8: memcpy(p, &v, 8); break;
    default: break;
    }
}

static int64_t load_int(const void *base, uint16_t off, uint8_t size, int is_signed)
{
    const unsigned char *p = (const unsigned char *)base + off;
    switch (size) {
    case 1: { if (is_signed) { int8_t x; memcpy(&x, p, 1); return x; } else { uint8_t x; memcpy(&x, p, 1); return x; } }
    case 2: { if (is_signed) { int16_t x; memcpy(&x, p, 2); return x; } else { uint16_t x; memcpy(&x, p, 2); return x; } }
    case 4: { if (is_signed) { int32_t x; memcpy(&x, p, 4); return x; } else { uint32_t x; memcpy(&x, p, 4); return x; } }
    case 8: { int64_t x; memcpy(&x, p, 8); return x; }
    default: return 0;
    }
}

static void set_bool(void *base, uint16_t off, bool v)
{
    memcpy((unsigned char *)base + off, &v, sizeof v);
}

static bool get_bool(const void *base, uint16_t off)
{
    bool v;
    memcpy(&v, (const unsigned char *)base + off, sizeof v);
    return v;
}

/* ---- typed values ---- */

static const char *type_name(uint8_t t)
{
    switch (t) {
    case LPJ_VERSION:
    case LPJ_INT: return "expected an integer";
    case LPJ_DEC: return "expected a number";
    case LPJ_BOOL:
    case LPJ_TRUE: return "expected true or false";
    case LPJ_STR:
    case LPJ_ENUM: return "expected a string";
    default: return "expected an array";
    }
}

static int parse_number_field(dctx_t *c, const lpj_field_t *f, unsigned scale, int integer,
                              int64_t *out)
{
    num_t nm;
    size_t at = c->pos;
    lp_status_t st;
    if (scan_number(c, &nm) < 0)
        return -1;
    if (integer && nm.has_frac_or_exp)
        return fail(c, LP_ERR_PROTO_TYPE, at, f->name, "expected an integer (no fraction or exponent)");
    st = num_scaled(&nm, scale, out);
    if (st == LP_ERR_PROTO_PRECISION)
        return fail(c, st, at, f->name, "more decimals than the member's resolution");
    if (st != LP_OK || *out < f->min || *out > f->max)
        return fail(c, LP_ERR_PROTO_RANGE, at, f->name, "value out of range");
    return 0;
}

static int is_number_start(int ch)
{
    return ch == '-' || (ch >= '0' && ch <= '9');
}

static int parse_array(dctx_t *c, const lpj_field_t *f, void *out,
                       uint16_t *count)
{
    size_t start = c->pos;
    uint16_t n = 0;
    c->pos++;
    skip_ws(c);
    if (peek(c) == ']') {
        c->pos++;
        return fail(c, LP_ERR_PROTO_ARRAY_LENGTH, start, f->name, "empty array");
    }
    for (;;) {
        int64_t v = 0;
        int ch = peek(c);
        if (n >= LP_PROTO_GRID_MAX_VALUES)
            return fail(c, LP_ERR_PROTO_ARRAY_LENGTH, c->pos, f->name, "more than 64 values");
        if (ch == 'n') {
            if (parse_literal(c, "null") < 0)
                return -1;
            store_int(out, (uint16_t)(f->off + n * f->size), f->size, (int64_t)LP_PROTO_GRID_INVALID);
        } else if (is_number_start(ch)) {
            if (parse_number_field(c, f, f->scale, 0, &v) < 0)
                return -1;
            store_int(out, (uint16_t)(f->off + n * f->size), f->size, v);
        } else if (ch == '"' || ch == '{' || ch == '[' || ch == 't' || ch == 'f') {
            return fail(c, LP_ERR_PROTO_TYPE, c->pos, f->name, "expected a number or null");
        } else {
            return syntax(c, "value expected");
        }
        n++;
        skip_ws(c);
        if (peek(c) == ',') {
            c->pos++;
            skip_ws(c);
            continue;
        }
        if (peek(c) == ']') {
            c->pos++;
            break;
        }
        return syntax(c, "',' or ']' expected");
    }
    if (*count != 0 && *count != n)
        return fail(c, LP_ERR_PROTO_ARRAY_LENGTH, start, f->name, "arrays differ in length");
    *count = n;
    return 0;
}

static int parse_member_value(dctx_t *c, const lpj_field_t *f, void *out,
                              uint16_t *count)
{
    int ch = peek(c);
    size_t at = c->pos;
    int64_t v = 0;
    int want_num = f->type == LPJ_VERSION || f->type == LPJ_INT || f->type == LPJ_DEC;
    int want_bool = f->type == LPJ_BOOL || f->type == LPJ_TRUE;
    int want_str = f->type == LPJ_STR || f->type == LPJ_ENUM;
    int is_num = is_number_start(ch);
    int is_bool = ch == 't' || ch == 'f';
    if (!(is_num || is_bool || ch == '"' || ch == '{' || ch == '[' || ch == 'n'))
        return syntax(c, "value expected");
    if ((want_num && !is_num) || (want_bool && !is_bool) || (want_str && ch != '"') ||
        (f->type == LPJ_ARRAY && ch != '['))
        return fail(c, LP_ERR_PROTO_TYPE, at, f->name, type_name(f->type));
    switch (f->type) {
    case LPJ_VERSION: {
        num_t nm;
        if (scan_number(c, &nm) < 0)
            return -1;
        if (nm.has_frac_or_exp)
            return fail(c, LP_ERR_PROTO_TYPE, at, f->name, "expected an integer (no fraction or exponent)");
        if (num_scaled(&nm, 0, &v) != LP_OK || v != LP_PROTO_VERSION)
            return fail(c, LP_ERR_PROTO_VERSION, at, f->name, "unsupported protocol version");
        return 0;
    }
    case LPJ_INT:
    case LPJ_DEC:
        if (parse_number_field(c, f, f->type == LPJ_DEC ? f->scale : 0u, f->type == LPJ_INT, &v) < 0)
            return -1;
        store_int(out, f->off, f->size, v);
        return 0;
    case LPJ_BOOL:
    case LPJ_TRUE: {
        bool b = ch == 't';
        if (parse_literal(c, b ? "true" : "false") < 0)
            return -1;
        if (f->type == LPJ_TRUE) {
            if (!b)
                return fail(c, LP_ERR_PROTO_RANGE, at, f->name, "must be true");
        } else {
            set_bool(out, f->off, b);
        }
        return 0;
    }
    case LPJ_STR: {
        size_t n;
        char *dst = (char *)out + f->off;
        if (parse_string(c, dst, (size_t)f->size - 1u, &n, NULL, f->scale, f->name) < 0)
            return -1;
        if ((int64_t)n < f->min || (int64_t)n > f->max)
            return fail(c, LP_ERR_PROTO_STRING_LENGTH, at, f->name,
                        n == 0 ? "empty string" : "string too long");
        dst[n] = '\0';
        return 0;
    }
    case LPJ_ENUM: {
        char buf[33];
        size_t n;
        int64_t i;
        if (parse_string(c, buf, sizeof buf - 1u, &n, NULL, CLASS_ANY, f->name) < 0)
            return -1;
        if (n < sizeof buf) {
            buf[n] = '\0';
            for (i = 0; i <= f->max; i++) {
                if (strlen(f->names[i]) == n && memcmp(f->names[i], buf, n) == 0) {
                    store_int(out, f->off, f->size, i);
                    return 0;
                }
            }
        }
        return fail(c, LP_ERR_PROTO_ENUM, at, f->name, "not one of the allowed values");
    }
    case LPJ_ARRAY:
        return parse_array(c, f, out, count);
    default:
        return syntax(c, "internal");
    }
}

/* Members usually come in table order: the search starts after the previous
 * match (`hint`) and wraps around; the first byte rules out most candidates
 * before any length is taken. */
static int find_field(const lpj_kind_t *k, const char *key, size_t n, unsigned hint)
{
    unsigned j;
    if (n == 0)
        return -1;
    for (j = 0; j < k->nfields; j++) {
        unsigned i = (hint + j) % k->nfields;
        const char *name = k->fields[i].name;
        if (name[0] == key[0] && strlen(name) == n && memcmp(name, key, n) == 0)
            return (int)i;
    }
    return -1;
}

static int parse_object(dctx_t *c, const lpj_kind_t *k, void *out, uint32_t *present,
                        uint32_t *order, size_t *close)
{
    uint16_t count = 0;
    unsigned hint = 0;
    skip_ws(c);
    if (peek(c) != '{') {
        int ch = peek(c);
        if (ch == '[' || ch == '"' || ch == 't' || ch == 'f' || ch == 'n' || is_number_start(ch))
            return fail(c, LP_ERR_PROTO_TYPE, c->pos, NULL, "payload is not a JSON object");
        return syntax(c, "'{' expected");
    }
    c->pos++;
    skip_ws(c);
    if (peek(c) == '}') {
        *close = c->pos++;
        return 0;
    }
    for (;;) {
        char key[33];
        size_t n, kat = c->pos;
        uint32_t h;
        int fi;
        if (peek(c) != '"')
            return syntax(c, "string key expected");
        if (parse_string(c, key, sizeof key - 1u, &n, &h, CLASS_ANY, NULL) < 0)
            return -1;
        fi = n < sizeof key ? find_field(k, key, n, hint) : -1;
        if (fi >= 0)
            hint = (unsigned)fi + 1u;
        if (fi >= 0) {
            if (*present & ((uint32_t)1u << fi))
                return fail(c, LP_ERR_PROTO_DUPLICATE, kat, k->fields[fi].name, "duplicate key");
        } else {
            unsigned i;
            for (i = 0; i < c->n_uk; i++) {
                if (c->uk_hash[i] == h && strings_equal(c, c->uk_off[i], kat))
                    return fail(c, LP_ERR_PROTO_DUPLICATE, kat, NULL, "duplicate key");
            }
            if (c->n_uk >= LP_PROTO_MAX_UNKNOWN_KEYS)
                return fail(c, LP_ERR_PROTO_TOO_MANY_KEYS, kat, NULL, "more than 32 unknown keys");
            c->uk_off[c->n_uk] = (uint32_t)kat;
            c->uk_hash[c->n_uk] = h;
            c->n_uk++;
        }
        skip_ws(c);
        if (peek(c) != ':')
            return syntax(c, "':' expected");
        c->pos++;
        skip_ws(c);
        if (fi >= 0) {
            const lpj_field_t *f = &k->fields[fi];
            if (parse_member_value(c, f, out, &count) < 0)
                return -1;
            *present |= (uint32_t)1u << fi;
            order[fi] = (uint32_t)kat;
            if (f->flags & LPJ_HAS)
                set_bool(out, f->has_off, true);
        } else if (skip_value(c, 2) < 0) {
            return -1;
        }
        skip_ws(c);
        if (peek(c) == ',') {
            c->pos++;
            skip_ws(c);
            continue;
        }
        if (peek(c) == '}') {
            *close = c->pos++;
            break;
        }
        return syntax(c, "',' or '}' expected");
    }
    if (k->count_off != 0)
        store_int(out, k->count_off, 2, count);
    return 0;
}

lp_status_t lpj_decode(const lpj_kind_t *k, const char *p, size_t len, void *out,
                       lp_proto_error_t *err)
{
    dctx_t c;
    uint32_t present = 0;
    uint32_t order[LPJ_MAX_FIELDS];
    size_t close = 0;
    unsigned i;
    memset(&c, 0, sizeof c);
    memset(order, 0, sizeof order);
    c.p = p;
    c.len = len;
    memset(out, 0, k->size);
    if (len > k->max_len) {
        fail(&c, LP_ERR_PROTO_TOO_LARGE, k->max_len, NULL, "payload larger than the limit");
    } else if (parse_object(&c, k, out, &present, order, &close) == 0) {
        skip_ws(&c);
        if (c.pos < c.len) {
            syntax(&c, "data after the JSON object");
        } else {
            int fi = -1;
            const char *key = NULL, *what = NULL;
            lp_status_t st = LP_OK;
            for (i = 0; i < k->nfields; i++) {
                if ((k->fields[i].flags & LPJ_REQ) && !(present & ((uint32_t)1u << i))) {
                    st = LP_ERR_PROTO_MISSING;
                    key = k->fields[i].name;
                    what = "required key missing";
                    break;
                }
            }
            if (st == LP_OK && k->check != NULL)
                st = k->check(out, present, order, &fi, &key, &what);
            if (st != LP_OK)
                fail(&c, st, fi >= 0 ? order[fi] : close, key, what);
            else if (k->finish != NULL)
                k->finish(out, present);
        }
    }
    if (err != NULL) {
        err->status = c.st;
        err->offset = c.st == LP_OK ? 0u : (uint32_t)c.err_off;
        err->key = c.st == LP_OK ? NULL : c.err_key;
        err->message = c.st == LP_OK ? "ok" : c.err_msg;
    }
    return c.st;
}

/* ======================================================================== */
/* encoder                                                                  */
/* ======================================================================== */

typedef struct wr {
    char *buf;
    size_t cap;
    size_t n;
} wr_t;

static void w_ch(wr_t *w, char ch)
{
    if (w->buf != NULL && w->n < w->cap)
        w->buf[w->n] = ch;
    w->n++;
}

static void w_str(wr_t *w, const char *s)
{
    while (*s)
        w_ch(w, *s++);
}

static void w_scaled(wr_t *w, int64_t v, unsigned scale)
{
    char tmp[24];
    int n = 0;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t ip = mag / (uint64_t)pow10_tab[scale];
    uint64_t fp = mag % (uint64_t)pow10_tab[scale];
    unsigned digits = scale;
    if (v < 0)
        w_ch(w, '-');
    do {
        tmp[n++] = (char)('0' + (int)(ip % 10u));
        ip /= 10u;
    } while (ip != 0);
    while (n > 0)
        w_ch(w, tmp[--n]);
    while (digits > 0 && fp % 10u == 0) {
        fp /= 10u;
        digits--;
    }
    if (digits > 0) {
        w_ch(w, '.');
        n = 0;
        while (digits-- > 0) {
            tmp[n++] = (char)('0' + (int)(fp % 10u));
            fp /= 10u;
        }
        while (n > 0)
            w_ch(w, tmp[--n]);
    }
}

/* Validate a NUL-terminated string in a struct member; returns LP_OK or a status. */
static lp_status_t check_cstr(const lpj_field_t *f, const char *s)
{
    size_t n = 0;
    while (n < f->size && s[n] != '\0')
        n++;
    if (n >= f->size || (int64_t)n < f->min || (int64_t)n > f->max)
        return LP_ERR_PROTO_STRING_LENGTH;
    /* validate UTF-8 and character class through the decoder's code path */
    {
        dctx_t c;
        memset(&c, 0, sizeof c);
        c.p = s;
        c.len = n;
        while (c.pos < n) {
            long cp;
            if (s[c.pos] == '\\' || s[c.pos] == '"') {
                cp = (unsigned char)s[c.pos];
                c.pos++;
            } else {
                cp = string_cp(&c);
                if (cp < 0)
                    return c.st == LP_ERR_PROTO_SYNTAX ? LP_ERR_PROTO_STRING_CHARS : c.st;
            }
            if (!char_ok(f->scale, (uint32_t)cp))
                return LP_ERR_PROTO_STRING_CHARS;
        }
    }
    return LP_OK;
}

uint32_t lpj_present_generic(const lpj_kind_t *k, const void *msg)
{
    uint32_t m = 0;
    unsigned i;
    for (i = 0; i < k->nfields; i++) {
        const lpj_field_t *f = &k->fields[i];
        if ((f->flags & LPJ_REQ) || ((f->flags & LPJ_HAS) && get_bool(msg, f->has_off)) ||
            ((f->flags & LPJ_DEFF) && get_bool(msg, f->off)))
            m |= (uint32_t)1u << i;
    }
    return m;
}

static lp_status_t check_value(const lpj_kind_t *k, const lpj_field_t *f, const void *msg)
{
    switch (f->type) {
    case LPJ_INT:
    case LPJ_DEC: {
        int64_t v = load_int(msg, f->off, f->size, f->min < 0);
        return (v < f->min || v > f->max) ? LP_ERR_PROTO_RANGE : LP_OK;
    }
    case LPJ_ENUM: {
        int64_t v = load_int(msg, f->off, f->size, 0);
        return (v < 0 || v > f->max) ? LP_ERR_PROTO_ENUM : LP_OK;
    }
    case LPJ_STR:
        return check_cstr(f, (const char *)msg + f->off);
    case LPJ_ARRAY: {
        int64_t cnt = load_int(msg, k->count_off, 2, 0);
        int64_t j;
        if (cnt < 1 || cnt > (int64_t)LP_PROTO_GRID_MAX_VALUES)
            return LP_ERR_PROTO_ARRAY_LENGTH;
        for (j = 0; j < cnt; j++) {
            int64_t v = load_int(msg, (uint16_t)(f->off + j * f->size), f->size, 1);
            if (v != (int64_t)LP_PROTO_GRID_INVALID && (v < f->min || v > f->max))
                return LP_ERR_PROTO_RANGE;
        }
        return LP_OK;
    }
    default:
        return LP_OK;
    }
}

static void w_value(wr_t *w, const lpj_kind_t *k, const lpj_field_t *f, const void *msg)
{
    switch (f->type) {
    case LPJ_VERSION: w_ch(w, '1'); break;
    case LPJ_INT:
    case LPJ_DEC:
        w_scaled(w, load_int(msg, f->off, f->size, f->min < 0), f->type == LPJ_DEC ? f->scale : 0u);
        break;
    case LPJ_BOOL: w_str(w, get_bool(msg, f->off) ? "true" : "false"); break;
    case LPJ_TRUE: w_str(w, "true"); break;
    case LPJ_STR: {
        const char *s = (const char *)msg + f->off;
        w_ch(w, '"');
        for (; *s; s++) {
            if (*s == '"' || *s == '\\')
                w_ch(w, '\\');
            w_ch(w, *s);
        }
        w_ch(w, '"');
        break;
    }
    case LPJ_ENUM:
        w_ch(w, '"');
        w_str(w, f->names[load_int(msg, f->off, f->size, 0)]);
        w_ch(w, '"');
        break;
    case LPJ_ARRAY: {
        int64_t cnt = load_int(msg, k->count_off, 2, 0), j;
        w_ch(w, '[');
        for (j = 0; j < cnt; j++) {
            int64_t v = load_int(msg, (uint16_t)(f->off + j * f->size), f->size, 1);
            if (j > 0)
                w_ch(w, ',');
            if (v == (int64_t)LP_PROTO_GRID_INVALID)
                w_str(w, "null");
            else
                w_scaled(w, v, f->scale);
        }
        w_ch(w, ']');
        break;
    }
    default: break;
    }
}

lp_status_t lpj_encode(const lpj_kind_t *k, const void *msg, char *buf, size_t cap, size_t *len)
{
    uint32_t present = k->present ? k->present(msg) : lpj_present_generic(k, msg);
    uint32_t order[LPJ_MAX_FIELDS];
    unsigned i;
    wr_t w;
    int first = 1;
    int fi = -1;
    const char *key = NULL, *what = NULL;
    lp_status_t st;
    for (i = 0; i < k->nfields; i++) {
        order[i] = i;
        if (present & ((uint32_t)1u << i)) {
            st = check_value(k, &k->fields[i], msg);
            if (st != LP_OK)
                return st;
        }
    }
    if (k->check != NULL) {
        st = k->check(msg, present, order, &fi, &key, &what);
        if (st != LP_OK)
            return st;
    }
    w.buf = buf;
    w.cap = cap;
    w.n = 0;
    w_ch(&w, '{');
    for (i = 0; i < k->nfields; i++) {
        const lpj_field_t *f = &k->fields[i];
        if (!(present & ((uint32_t)1u << i)))
            continue;
        if (!first)
            w_ch(&w, ',');
        first = 0;
        w_ch(&w, '"');
        w_str(&w, f->name);
        w_str(&w, "\":");
        w_value(&w, k, f, msg);
    }
    w_ch(&w, '}');
    *len = w.n;
    if (w.n > k->max_len)
        return LP_ERR_PROTO_TOO_LARGE;
    if (w.n > cap)
        return LP_ERR_BUFFER_TOO_SMALL;
    if (w.n < cap)
        buf[w.n] = '\0';
    return LP_OK;
}
