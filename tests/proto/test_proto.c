/* test_proto.c - unit tests of lib/proto: round trips over generated structs and
 * extreme values, exact decoded values, number conversion, encoder validation,
 * buffer handling, topics. The conformance vectors run in test_vectors.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lp_proto.h"

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) /* xorshift64*, fixed seed: reproducible */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
/* uniform in [lo, hi], with the bounds themselves 1 time in 8 each */
static int64_t rr(int64_t lo, int64_t hi)
{
    uint64_t r = rnd();
    if ((r & 7u) == 0) return lo;
    if ((r & 7u) == 1) return hi;
    return lo + (int64_t)((rnd() >> 1) % (uint64_t)(hi - lo + 1));
}
static bool rb(void) { return (rnd() & 1u) != 0; }

static void rstr(char *dst, size_t max, const char *alphabet, size_t minlen)
{
    size_t n = (size_t)rr((int64_t)minlen, (int64_t)max), i, a = strlen(alphabet);
    for (i = 0; i < n; i++)
        dst[i] = alphabet[rnd() % a];
    dst[n] = '\0';
}
static const char ID_CHARS[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-";
static const char CODE_CHARS[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
static const char PRINT_CHARS[] = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~";

/* UTF-8 text without control characters, at most max bytes */
static void rtext(char *dst, size_t max)
{
    static const char *const pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\xc3\xa9", "\xe2\x80\xa6",
                                         "\xf0\x9f\x98\x80", "\xc2\xa0", "~", "{", "}"};
    size_t n = 0, target = (size_t)rr(0, (int64_t)max);
    while (n < target) {
        const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
        size_t l = strlen(p);
        if (n + l > target)
            break;
        memcpy(dst + n, p, l);
        n += l;
    }
    dst[n] = '\0';
}

#define TS_LO 1000000000000LL
#define TS_HI 4102444800000LL
#define ENERGY_HI 999999999999999LL

static char buf[LP_PROTO_GRID_PAYLOAD_MAX + 16];

/* encode kind/msg, decode, compare bytewise (structs are zero-initialised) */
static void round_trip(lp_proto_kind_t kind, const lp_proto_msg_t *in)
{
    static lp_proto_msg_t out;
    lp_proto_error_t err;
    size_t len = 0, need = 0;
    assert_int_equal(lp_proto_encode(kind, in, NULL, 0, &need), LP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(lp_proto_encode(kind, in, buf, sizeof buf, &len), LP_OK);
    assert_int_equal(len, need);
    assert_true(len <= lp_proto_payload_max(kind));
    assert_int_equal(strlen(buf), len);
    memset(&out, 0xA5, sizeof out);
    if (lp_proto_decode(kind, buf, len, &out, &err) != LP_OK)
        fail_msg("%s at %u (%s): %s\n%s", lp_status_str(err.status), err.offset,
                 err.key ? err.key : "-", err.message, buf);
    /* compare only the kind's struct: the decoder clears it entirely */
    {
        static const size_t sizes[LP_PROTO_KIND_COUNT] = {
            sizeof(lp_proto_telemetry_t), sizeof(lp_proto_grid_t), sizeof(lp_proto_status_t),
            sizeof(lp_proto_info_t), sizeof(lp_proto_state_t), sizeof(lp_proto_event_t),
            sizeof(lp_proto_cmd_t), sizeof(lp_proto_ack_t)};
        if (memcmp(in, &out, sizes[kind]) != 0)
            fail_msg("round trip differs for %s", buf);
    }
}

/* ---- generators (valid structs, zero-initialised) --------------------------- */

static void gen_telemetry(lp_proto_telemetry_t *t)
{
    memset(t, 0, sizeof *t);
    t->ts_ms = rr(TS_LO, TS_HI);
    t->boot = (uint32_t)rr(0, 4294967295LL);
    t->seq = (uint32_t)rr(0, 4294967295LL);
    t->interval_ms = (uint32_t)rr(1, 86400000);
    t->power_mw = (int32_t)rr(-1000000000, 1000000000);
    t->energy_import_mwh = (uint64_t)rr(0, ENERGY_HI);
    t->energy_export_mwh = (uint64_t)rr(0, ENERGY_HI);
    t->energy_epoch = (uint32_t)rr(0, 4294967295LL);
    if ((t->has_voltage = rb())) t->voltage_mv = (uint32_t)rr(0, 1000000);
    if ((t->has_current = rb())) t->current_ua = (uint32_t)rr(0, 1000000000);
    if ((t->has_apparent_power = rb())) t->apparent_power_milli_va = (int32_t)rr(0, 1000000000);
    if ((t->has_reactive_power = rb())) t->reactive_power_milli_var = (int32_t)rr(-1000000000, 1000000000);
    if ((t->has_power_factor = rb())) t->power_factor_milli = (int16_t)rr(-1000, 1000);
    if ((t->has_frequency = rb())) t->frequency_uhz = (uint32_t)rr(1000000, 1000000000);
    if ((t->has_rocof = rb())) t->rocof_uhz_per_s = (int32_t)rr(-100000000, 100000000);
    if ((t->has_relay = rb())) t->relay = rb();
    t->replay = rb();
}

static int32_t grid_val(int64_t lo, int64_t hi)
{
    return (rnd() % 10u) == 0 ? LP_PROTO_GRID_INVALID : (int32_t)rr(lo, hi);
}

static void gen_grid(lp_proto_grid_t *g)
{
    unsigned i;
    memset(g, 0, sizeof *g);
    g->boot = (uint32_t)rr(0, 4294967295LL);
    g->seq = (uint32_t)rr(0, 4294967295LL);
    g->t0_ms = rr(TS_LO, TS_HI);
    g->period_us = (uint32_t)rr(1, 60000000);
    g->count = (uint16_t)rr(1, LP_PROTO_GRID_MAX_VALUES);
    g->has_rocof = rb();
    g->has_voltage = rb();
    for (i = 0; i < g->count; i++) {
        g->frequency_uhz[i] = grid_val(1000000, 1000000000);
        if (g->has_rocof) g->rocof_uhz_per_s[i] = grid_val(-100000000, 100000000);
        if (g->has_voltage) g->voltage_mv[i] = grid_val(0, 1000000);
    }
}

static void gen_status(lp_proto_status_t *s)
{
    memset(s, 0, sizeof *s);
    s->online = rb();
    if ((s->has_boot = s->online || rb())) s->boot = (uint32_t)rr(0, 4294967295LL);
}

static void gen_info(lp_proto_info_t *i)
{
    memset(i, 0, sizeof *i);
    rstr(i->model, LP_PROTO_NAME_MAX, PRINT_CHARS, 1);
    rstr(i->firmware, LP_PROTO_NAME_MAX, PRINT_CHARS, 1);
    rstr(i->hardware, LP_PROTO_NAME_MAX, PRINT_CHARS, 1);
    i->nominal_voltage_v = (uint16_t)rr(1, 1000);
    i->nominal_frequency_hz = (uint16_t)rr(1, 1000);
    i->max_current_ma = (uint32_t)rr(1, 1000000);
    i->relay = rb();
    i->metering = (lp_proto_metering_t)rr(0, LP_PROTO_METERING_COUNT - 1);
    i->grid_stream = rb();
    if ((i->has_interval = rb())) i->interval_ms = (uint32_t)rr(1, 86400000);
    if ((i->has_min_on_time = rb())) i->min_on_time_s = (uint32_t)rr(0, 86400);
    if ((i->has_min_off_time = rb())) i->min_off_time_s = (uint32_t)rr(0, 86400);
    if ((i->has_power_on = rb())) i->power_on = (lp_proto_power_on_t)rr(0, LP_PROTO_POWER_ON_COUNT - 1);
    if ((i->has_overcurrent_limit = rb())) i->overcurrent_limit_ma = (uint32_t)rr(1, 1000000);
}

static void gen_state(lp_proto_state_t *s)
{
    memset(s, 0, sizeof *s);
    s->relay = rb();
    s->cause = (lp_proto_cause_t)rr(0, LP_PROTO_CAUSE_COUNT - 1);
    if ((s->has_ts = rb())) s->ts_ms = rr(TS_LO, TS_HI);
    if ((s->has_id = rb())) rstr(s->id, LP_PROTO_ID_MAX, ID_CHARS, 1);
    s->tripped = rb();
}

static void gen_event(lp_proto_event_t *e)
{
    memset(e, 0, sizeof *e);
    e->ts_ms = rr(TS_LO, TS_HI);
    e->boot = (uint32_t)rr(0, 4294967295LL);
    e->seq = (uint32_t)rr(0, 4294967295LL);
    e->type = (lp_proto_event_type_t)rr(0, LP_PROTO_EVENT_TYPE_COUNT - 1);
    switch (e->type) {
    case LP_PROTO_EVENT_RELAY:
        e->has_relay = e->has_cause = true;
        e->relay = rb();
        e->cause = (lp_proto_cause_t)rr(0, LP_PROTO_CAUSE_COUNT - 1);
        break;
    case LP_PROTO_EVENT_GRID:
        e->has_grid = true;
        e->grid = (lp_proto_grid_event_t)rr(0, LP_PROTO_GRID_EVENT_COUNT - 1);
        if ((e->has_frequency = rb())) e->frequency_uhz = (uint32_t)rr(1000000, 1000000000);
        if ((e->has_rocof = rb())) e->rocof_uhz_per_s = (int32_t)rr(-100000000, 100000000);
        if ((e->has_voltage = rb())) e->voltage_mv = (uint32_t)rr(0, 1000000);
        break;
    case LP_PROTO_EVENT_FAULT:
        e->has_fault = true;
        rstr(e->fault, LP_PROTO_NAME_MAX, CODE_CHARS, 1);
        break;
    default:
        e->has_energy_epoch = e->has_energy_import = e->has_energy_export = true;
        e->energy_epoch = (uint32_t)rr(0, 4294967295LL);
        e->energy_import_mwh = (uint64_t)rr(0, ENERGY_HI);
        e->energy_export_mwh = (uint64_t)rr(0, ENERGY_HI);
        break;
    }
    if ((e->has_message = rb())) rtext(e->message, LP_PROTO_MESSAGE_MAX);
}

static void gen_cmd(lp_proto_cmd_t *c)
{
    memset(c, 0, sizeof *c);
    rstr(c->id, LP_PROTO_ID_MAX, ID_CHARS, 1);
    c->expires_ms = rr(TS_LO, TS_HI);
    c->action = (lp_proto_action_t)rr(0, LP_PROTO_ACTION_COUNT - 1);
    switch (c->action) {
    case LP_PROTO_ACTION_RELAY: c->relay = (lp_proto_relay_cmd_t)rr(0, LP_PROTO_RELAY_CMD_COUNT - 1); break;
    case LP_PROTO_ACTION_INTERVAL: c->interval_ms = (uint32_t)rr(1, 86400000); break;
    case LP_PROTO_ACTION_SAFETY:
        do {
            if ((c->has_min_on_time = rb())) c->min_on_time_s = (uint32_t)rr(0, 86400);
            if ((c->has_min_off_time = rb())) c->min_off_time_s = (uint32_t)rr(0, 86400);
            if ((c->has_power_on = rb())) c->power_on = (lp_proto_power_on_t)rr(0, LP_PROTO_POWER_ON_COUNT - 1);
            if ((c->has_overcurrent_limit = rb())) c->overcurrent_limit_ma = (uint32_t)rr(1, 1000000);
        } while (!c->has_min_on_time && !c->has_min_off_time && !c->has_power_on && !c->has_overcurrent_limit);
        break;
    case LP_PROTO_ACTION_RESET_ENERGY: c->confirm_epoch = (uint32_t)rr(0, 4294967295LL); break;
    default: break;
    }
}

static void gen_ack(lp_proto_ack_t *a)
{
    memset(a, 0, sizeof *a);
    rstr(a->id, LP_PROTO_ID_MAX, ID_CHARS, 1);
    a->ok = rb();
    if (!a->ok) {
        a->has_error = true;
        rstr(a->error, LP_PROTO_NAME_MAX, CODE_CHARS, 1);
        if ((a->has_message = rb())) rtext(a->message, LP_PROTO_MESSAGE_MAX);
        if ((a->has_retry_after = rb())) a->retry_after_s = (uint32_t)rr(0, 86400);
    }
}

#define N_GENERATED 3000

static void test_round_trip_generated(void **state)
{
    static lp_proto_msg_t m;
    int i;
    (void)state;
    for (i = 0; i < N_GENERATED; i++) {
        memset(&m, 0, sizeof m); gen_telemetry(&m.telemetry); round_trip(LP_PROTO_TELEMETRY, &m);
        memset(&m, 0, sizeof m); gen_grid(&m.grid); round_trip(LP_PROTO_GRID, &m);
        memset(&m, 0, sizeof m); gen_status(&m.status); round_trip(LP_PROTO_STATUS, &m);
        memset(&m, 0, sizeof m); gen_info(&m.info); round_trip(LP_PROTO_INFO, &m);
        memset(&m, 0, sizeof m); gen_state(&m.state); round_trip(LP_PROTO_STATE, &m);
        memset(&m, 0, sizeof m); gen_event(&m.event); round_trip(LP_PROTO_EVENT, &m);
        memset(&m, 0, sizeof m); gen_cmd(&m.cmd); round_trip(LP_PROTO_CMD, &m);
        memset(&m, 0, sizeof m); gen_ack(&m.ack); round_trip(LP_PROTO_ACK, &m);
    }
}

/* Every numeric member at its minimum, then at its maximum, all optional present. */
static void test_round_trip_extremes(void **state)
{
    static lp_proto_msg_t m;
    int hi;
    (void)state;
    for (hi = 0; hi <= 1; hi++) {
        lp_proto_telemetry_t *t = &m.telemetry;
        lp_proto_grid_t *g = &m.grid;
        unsigned i;
        memset(&m, 0, sizeof m);
        t->ts_ms = hi ? TS_HI : TS_LO;
        t->boot = t->seq = t->energy_epoch = hi ? UINT32_MAX : 0;
        t->interval_ms = hi ? 86400000u : 1u;
        t->power_mw = hi ? 1000000000 : -1000000000;
        t->energy_import_mwh = t->energy_export_mwh = hi ? (uint64_t)ENERGY_HI : 0u;
        t->has_voltage = t->has_current = t->has_apparent_power = t->has_reactive_power = true;
        t->has_power_factor = t->has_frequency = t->has_rocof = t->has_relay = true;
        t->voltage_mv = hi ? 1000000u : 0u;
        t->current_ua = hi ? 1000000000u : 0u;
        t->apparent_power_milli_va = hi ? 1000000000 : 0;
        t->reactive_power_milli_var = hi ? 1000000000 : -1000000000;
        t->power_factor_milli = (int16_t)(hi ? 1000 : -1000);
        t->frequency_uhz = hi ? 1000000000u : 1000000u;
        t->rocof_uhz_per_s = hi ? 100000000 : -100000000;
        t->relay = hi != 0;
        t->replay = hi != 0;
        round_trip(LP_PROTO_TELEMETRY, &m);

        memset(&m, 0, sizeof m);
        g->boot = g->seq = hi ? UINT32_MAX : 0;
        g->t0_ms = hi ? TS_HI : TS_LO;
        g->period_us = hi ? 60000000u : 1u;
        g->count = (uint16_t)(hi ? LP_PROTO_GRID_MAX_VALUES : 1u);
        g->has_rocof = g->has_voltage = true;
        for (i = 0; i < g->count; i++) {
            g->frequency_uhz[i] = hi ? 1000000000 : 1000000;
            g->rocof_uhz_per_s[i] = hi ? 100000000 : -100000000;
            g->voltage_mv[i] = hi ? 1000000 : 0;
        }
        round_trip(LP_PROTO_GRID, &m);
    }
    /* the largest grid payload still fits its limit */
    {
        size_t len;
        memset(&m, 0, sizeof m);

        m.grid.t0_ms = TS_LO + 123;
        m.grid.period_us = 16667;
        m.grid.count = LP_PROTO_GRID_MAX_VALUES;
        m.grid.has_rocof = m.grid.has_voltage = true;
        {
            unsigned i;
            for (i = 0; i < LP_PROTO_GRID_MAX_VALUES; i++) {
                m.grid.frequency_uhz[i] = 999999999;
                m.grid.rocof_uhz_per_s[i] = -99999999;
                m.grid.voltage_mv[i] = 999999;
            }
        }
        assert_int_equal(lp_proto_encode(LP_PROTO_GRID, &m, buf, sizeof buf, &len), LP_OK);
        assert_true(len <= LP_PROTO_GRID_PAYLOAD_MAX);

    }
}

/* ---- exact values --------------------------------------------------------- */

static const char example[] =
    "{\"v\":1,\"ts\":1764500000.000,\"boot\":3,\"seq\":120,\"interval\":1.0,\"voltage\":230.12,"
    "\"current\":1.234,\"power\":283.5,\"apparent_power\":284.0,\"reactive_power\":-12.3,"
    "\"power_factor\":0.998,\"frequency\":49.9987,\"rocof\":-0.012,\"energy_import\":12345.678,"
    "\"energy_export\":0.0,\"energy_epoch\":0,\"relay\":true}";

static void test_decode_example_exact(void **state)
{
    lp_proto_telemetry_t t;
    lp_proto_error_t err;
    size_t len;
    (void)state;
    assert_int_equal(lp_proto_decode_telemetry(example, strlen(example), &t, &err), LP_OK);
    assert_int_equal(err.status, LP_OK);
    assert_string_equal(err.message, "ok");
    assert_true(t.ts_ms == 1764500000000LL);
    assert_int_equal(t.boot, 3);
    assert_int_equal(t.seq, 120);
    assert_int_equal(t.interval_ms, 1000);
    assert_true(t.has_voltage); assert_int_equal(t.voltage_mv, 230120);
    assert_true(t.has_current); assert_int_equal(t.current_ua, 1234000);
    assert_int_equal(t.power_mw, 283500);
    assert_int_equal(t.apparent_power_milli_va, 284000);
    assert_int_equal(t.reactive_power_milli_var, -12300);
    assert_int_equal(t.power_factor_milli, 998);
    assert_true(t.has_frequency); assert_int_equal(t.frequency_uhz, 49998700);
    assert_int_equal(t.rocof_uhz_per_s, -12000);
    assert_true(t.energy_import_mwh == 12345678u);
    assert_true(t.energy_export_mwh == 0u);
    assert_int_equal(t.energy_epoch, 0);
    assert_true(t.has_relay && t.relay);
    assert_false(t.replay);
    /* canonical encoding: compact, table order, no trailing zeros */
    assert_int_equal(lp_proto_encode_telemetry(&t, buf, sizeof buf, &len), LP_OK);
    assert_string_equal(buf,
        "{\"v\":1,\"ts\":1764500000,\"boot\":3,\"seq\":120,\"interval\":1,\"voltage\":230.12,"
        "\"current\":1.234,\"power\":283.5,\"apparent_power\":284,\"reactive_power\":-12.3,"
        "\"power_factor\":0.998,\"frequency\":49.9987,\"rocof\":-0.012,\"energy_import\":12345.678,"
        "\"energy_export\":0,\"energy_epoch\":0,\"relay\":true}");
}

/* number text -> power_mw (resolution 1 mW) or the error */
static void test_number_conversion(void **state)
{
    static const struct { const char *text; lp_status_t st; int64_t mw; } cases[] = {
        {"0", LP_OK, 0}, {"-0", LP_OK, 0}, {"-0.0e-7", LP_OK, 0}, {"1", LP_OK, 1000},
        {"0.001", LP_OK, 1}, {"-0.001", LP_OK, -1}, {"1e-3", LP_OK, 1}, {"1E+3", LP_OK, 1000000},
        {"0.0010000000000000000000000", LP_OK, 1}, {"1000000", LP_OK, 1000000000},
        {"1000000.000", LP_OK, 1000000000}, {"-1000000", LP_OK, -1000000000},
        {"100000000e-2", LP_OK, 1000000000}, {"0.000000000000000000000001e24", LP_OK, 1000},
        {"1000000.001", LP_ERR_PROTO_RANGE, 0}, {"1e7", LP_ERR_PROTO_RANGE, 0},
        {"12345678901234567890123", LP_ERR_PROTO_RANGE, 0}, {"1e99999999999", LP_ERR_PROTO_RANGE, 0},
        {"0.0001", LP_ERR_PROTO_PRECISION, 0}, {"1e-99999999999", LP_ERR_PROTO_PRECISION, 0},
        {"1.23456789012345678901234", LP_ERR_PROTO_PRECISION, 0},
        {"01", LP_ERR_PROTO_SYNTAX, 0}, {"1.", LP_ERR_PROTO_SYNTAX, 0}, {".1", LP_ERR_PROTO_SYNTAX, 0},
        {"1e", LP_ERR_PROTO_SYNTAX, 0}, {"--1", LP_ERR_PROTO_SYNTAX, 0}, {"0x10", LP_ERR_PROTO_SYNTAX, 0},
        {"Infinity", LP_ERR_PROTO_SYNTAX, 0}, {"\"1\"", LP_ERR_PROTO_TYPE, 0},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char p[256];
        lp_proto_telemetry_t t;
        lp_proto_error_t err;
        int n = snprintf(p, sizeof p,
                         "{\"v\":1,\"ts\":1764500000,\"boot\":1,\"seq\":1,\"interval\":1,\"power\":%s,"
                         "\"energy_import\":0,\"energy_export\":0,\"energy_epoch\":0}", cases[i].text);
        lp_status_t st = lp_proto_decode_telemetry(p, (size_t)n, &t, &err);
        if (st != cases[i].st)
            fail_msg("%s: got %s, want %s", cases[i].text, lp_status_str(st), lp_status_str(cases[i].st));
        if (st == LP_OK && t.power_mw != cases[i].mw)
            fail_msg("%s: got %d mW", cases[i].text, (int)t.power_mw);
        if (st == LP_ERR_PROTO_RANGE || st == LP_ERR_PROTO_PRECISION || st == LP_ERR_PROTO_TYPE)
            assert_int_equal(err.offset, 61); /* start of the value */
    }
}

static void test_decode_edge_inputs(void **state)
{
    lp_proto_msg_t m;
    lp_proto_error_t err;
    (void)state;
    assert_int_equal(lp_proto_decode(LP_PROTO_TELEMETRY, "", 0, &m, &err), LP_ERR_PROTO_SYNTAX);
    assert_int_equal(err.offset, 0);
    assert_int_equal(lp_proto_decode(LP_PROTO_TELEMETRY, NULL, 0, &m, &err), LP_ERR_PROTO_SYNTAX);
    assert_int_equal(lp_proto_decode(LP_PROTO_TELEMETRY, NULL, 1, &m, &err), LP_ERR_NULL);
    assert_int_equal(err.status, LP_ERR_NULL);
    assert_int_equal(lp_proto_decode(LP_PROTO_TELEMETRY, "{}", 2, NULL, &err), LP_ERR_NULL);
    assert_int_equal(lp_proto_decode(LP_PROTO_KIND_COUNT, "{}", 2, &m, &err), LP_ERR_PROTO_KIND);
    assert_int_equal(lp_proto_decode(LP_PROTO_STATUS, "{\"v\":1,\"state\":\"offline\"}", 25, &m, NULL), LP_OK);
    /* the length bounds the parse: the same bytes cut short are a syntax error at the cut */
    assert_int_equal(lp_proto_decode(LP_PROTO_STATUS, "{\"v\":1,\"state\":\"offline\"}", 24, &m, &err), LP_ERR_PROTO_SYNTAX);
    assert_int_equal(err.offset, 24);
    /* embedded NUL */
    assert_int_equal(lp_proto_decode(LP_PROTO_STATUS, "{\"v\":1,\0\"state\":\"offline\"}", 26, &m, &err), LP_ERR_PROTO_SYNTAX);
    assert_int_equal(err.offset, 7);
    /* missing key names the first missing member in table order */
    assert_int_equal(lp_proto_decode(LP_PROTO_ACK, "{\"ok\":true}", 11, &m, &err), LP_ERR_PROTO_MISSING);
    assert_int_equal(err.offset, 10);
    assert_string_equal(err.key, "v");
    /* payload limit: checked before parsing, reported at the limit */
    {
        static char big[LP_PROTO_GRID_PAYLOAD_MAX + 1];
        memset(big, ' ', sizeof big);
        assert_int_equal(lp_proto_decode(LP_PROTO_ACK, big, LP_PROTO_PAYLOAD_MAX + 1, &m, &err), LP_ERR_PROTO_TOO_LARGE);
        assert_int_equal(err.offset, LP_PROTO_PAYLOAD_MAX);
        assert_int_equal(lp_proto_decode(LP_PROTO_GRID, big, LP_PROTO_GRID_PAYLOAD_MAX, &m, &err), LP_ERR_PROTO_SYNTAX);
        assert_int_equal(lp_proto_decode(LP_PROTO_GRID, big, LP_PROTO_GRID_PAYLOAD_MAX + 1, &m, &err), LP_ERR_PROTO_TOO_LARGE);
    }
}

/* ---- encoder validation and buffers ----------------------------------------- */

static void valid_telemetry(lp_proto_telemetry_t *t)
{
    memset(t, 0, sizeof *t);
    t->ts_ms = 1764500000000LL;
    t->interval_ms = 1000;
}

static void test_encode_rejects_invalid(void **state)
{
    static lp_proto_msg_t m;
    size_t len;
    (void)state;
    valid_telemetry(&m.telemetry);
    m.telemetry.interval_ms = 0;
    assert_int_equal(lp_proto_encode(LP_PROTO_TELEMETRY, &m, buf, sizeof buf, &len), LP_ERR_PROTO_RANGE);
    valid_telemetry(&m.telemetry);
    m.telemetry.has_frequency = true; /* frequency 0 Hz is below the 1 Hz minimum */
    assert_int_equal(lp_proto_encode(LP_PROTO_TELEMETRY, &m, buf, sizeof buf, &len), LP_ERR_PROTO_RANGE);
    m.telemetry.has_frequency = false; /* ...but ignored when absent */
    assert_int_equal(lp_proto_encode(LP_PROTO_TELEMETRY, &m, buf, sizeof buf, &len), LP_OK);
    m.telemetry.energy_import_mwh = (uint64_t)ENERGY_HI + 1u;
    assert_int_equal(lp_proto_encode(LP_PROTO_TELEMETRY, &m, buf, sizeof buf, &len), LP_ERR_PROTO_RANGE);

    memset(&m, 0, sizeof m);
    m.grid.t0_ms = TS_LO; m.grid.period_us = 1; m.grid.frequency_uhz[0] = 50000000;
    assert_int_equal(lp_proto_encode(LP_PROTO_GRID, &m, buf, sizeof buf, &len), LP_ERR_PROTO_ARRAY_LENGTH);
    m.grid.count = LP_PROTO_GRID_MAX_VALUES + 1;
    assert_int_equal(lp_proto_encode(LP_PROTO_GRID, &m, buf, sizeof buf, &len), LP_ERR_PROTO_ARRAY_LENGTH);
    m.grid.count = 1;
    assert_int_equal(lp_proto_encode(LP_PROTO_GRID, &m, buf, sizeof buf, &len), LP_OK);
    m.grid.frequency_uhz[0] = LP_PROTO_GRID_INVALID;
    assert_int_equal(lp_proto_encode(LP_PROTO_GRID, &m, buf, sizeof buf, &len), LP_OK);
    assert_non_null(strstr(buf, "\"frequency\":[null]"));

    memset(&m, 0, sizeof m);
    m.status.online = true;
    assert_int_equal(lp_proto_encode(LP_PROTO_STATUS, &m, buf, sizeof buf, &len), LP_ERR_PROTO_MISSING);

    memset(&m, 0, sizeof m);
    strcpy(m.info.model, "m"); strcpy(m.info.firmware, "f"); strcpy(m.info.hardware, "h");
    m.info.nominal_voltage_v = 230; m.info.nominal_frequency_hz = 50; m.info.max_current_ma = 16000;
    assert_int_equal(lp_proto_encode(LP_PROTO_INFO, &m, buf, sizeof buf, &len), LP_OK);
    m.info.metering = LP_PROTO_METERING_COUNT;
    assert_int_equal(lp_proto_encode(LP_PROTO_INFO, &m, buf, sizeof buf, &len), LP_ERR_PROTO_ENUM);
    m.info.metering = LP_PROTO_METERING_CT;
    m.info.model[0] = '\0';
    assert_int_equal(lp_proto_encode(LP_PROTO_INFO, &m, buf, sizeof buf, &len), LP_ERR_PROTO_STRING_LENGTH);
    memset(m.info.model, 'x', sizeof m.info.model); /* not NUL-terminated */
    assert_int_equal(lp_proto_encode(LP_PROTO_INFO, &m, buf, sizeof buf, &len), LP_ERR_PROTO_STRING_LENGTH);
    strcpy(m.info.model, "caf\xc3\xa9"); /* printable ASCII only */
    assert_int_equal(lp_proto_encode(LP_PROTO_INFO, &m, buf, sizeof buf, &len), LP_ERR_PROTO_STRING_CHARS);
    strcpy(m.info.model, "tab\there");
    assert_int_equal(lp_proto_encode(LP_PROTO_INFO, &m, buf, sizeof buf, &len), LP_ERR_PROTO_STRING_CHARS);

    memset(&m, 0, sizeof m);
    strcpy(m.event.fault, "x"); m.event.ts_ms = TS_LO;
    m.event.type = LP_PROTO_EVENT_FAULT; m.event.has_fault = true;
    assert_int_equal(lp_proto_encode(LP_PROTO_EVENT, &m, buf, sizeof buf, &len), LP_OK);
    m.event.has_grid = true;
    assert_int_equal(lp_proto_encode(LP_PROTO_EVENT, &m, buf, sizeof buf, &len), LP_ERR_PROTO_CONFLICT);
    m.event.has_grid = false;
    m.event.has_message = true;
    strcpy(m.event.message, "bad \xff utf-8");
    assert_int_equal(lp_proto_encode(LP_PROTO_EVENT, &m, buf, sizeof buf, &len), LP_ERR_PROTO_UTF8);
    strcpy(m.event.message, "bell \a");
    assert_int_equal(lp_proto_encode(LP_PROTO_EVENT, &m, buf, sizeof buf, &len), LP_ERR_PROTO_STRING_CHARS);
    m.event.has_message = false;
    m.event.type = LP_PROTO_EVENT_RELAY;
    assert_int_equal(lp_proto_encode(LP_PROTO_EVENT, &m, buf, sizeof buf, &len), LP_ERR_PROTO_CONFLICT); /* fault with relay */
    m.event.has_fault = false;
    assert_int_equal(lp_proto_encode(LP_PROTO_EVENT, &m, buf, sizeof buf, &len), LP_ERR_PROTO_MISSING);

    memset(&m, 0, sizeof m);
    strcpy(m.cmd.id, "c-1"); m.cmd.expires_ms = TS_LO;
    m.cmd.action = LP_PROTO_ACTION_SAFETY;
    assert_int_equal(lp_proto_encode(LP_PROTO_CMD, &m, buf, sizeof buf, &len), LP_ERR_PROTO_MISSING);
    m.cmd.action = LP_PROTO_ACTION_COUNT;
    assert_int_equal(lp_proto_encode(LP_PROTO_CMD, &m, buf, sizeof buf, &len), LP_ERR_PROTO_ENUM);
    assert_int_equal(lp_proto_encode_cmd(&m.cmd, buf, sizeof buf, &len), LP_ERR_PROTO_ENUM);
    m.cmd.action = LP_PROTO_ACTION_RELAY;
    m.cmd.relay = LP_PROTO_RELAY_TOGGLE;
    m.cmd.interval_ms = 5; /* members of other actions are not encoded */
    assert_int_equal(lp_proto_encode(LP_PROTO_CMD, &m, buf, sizeof buf, &len), LP_OK);
    assert_string_equal(buf, "{\"v\":1,\"id\":\"c-1\",\"expires\":1000000000,\"relay\":\"toggle\"}");
    strcpy(m.cmd.id, "c 1");
    assert_int_equal(lp_proto_encode(LP_PROTO_CMD, &m, buf, sizeof buf, &len), LP_ERR_PROTO_STRING_CHARS);

    memset(&m, 0, sizeof m);
    strcpy(m.ack.id, "c-1");
    assert_int_equal(lp_proto_encode(LP_PROTO_ACK, &m, buf, sizeof buf, &len), LP_ERR_PROTO_MISSING);
    m.ack.ok = true; m.ack.has_retry_after = true;
    assert_int_equal(lp_proto_encode(LP_PROTO_ACK, &m, buf, sizeof buf, &len), LP_ERR_PROTO_CONFLICT);

    assert_int_equal(lp_proto_encode(LP_PROTO_KIND_COUNT, &m, buf, sizeof buf, &len), LP_ERR_PROTO_KIND);
    assert_int_equal(lp_proto_encode(LP_PROTO_ACK, NULL, buf, sizeof buf, &len), LP_ERR_NULL);
    assert_int_equal(lp_proto_encode(LP_PROTO_ACK, &m, buf, sizeof buf, NULL), LP_ERR_NULL);
    assert_int_equal(lp_proto_encode(LP_PROTO_ACK, &m, NULL, 5, &len), LP_ERR_NULL);
}

static void test_encode_buffer_sizes(void **state)
{
    lp_proto_ack_t a;
    char small[64];
    size_t need = 0, len = 0, cap;
    (void)state;
    memset(&a, 0, sizeof a);
    strcpy(a.id, "c-42");
    a.ok = true;
    assert_int_equal(lp_proto_encode_ack(&a, NULL, 0, &need), LP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(need, strlen("{\"v\":1,\"id\":\"c-42\",\"ok\":true}"));
    for (cap = 0; cap < need; cap++) {
        memset(small, '#', sizeof small);
        assert_int_equal(lp_proto_encode_ack(&a, small, cap, &len), LP_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(len, need);
        assert_int_equal(small[cap], '#'); /* never written past cap */
    }
    memset(small, '#', sizeof small);
    assert_int_equal(lp_proto_encode_ack(&a, small, need, &len), LP_OK); /* exact fit: no NUL */
    assert_int_equal(len, need);
    assert_memory_equal(small, "{\"v\":1,\"id\":\"c-42\",\"ok\":true}", need);
    assert_int_equal(small[need], '#');
    assert_int_equal(lp_proto_encode_ack(&a, small, need + 1, &len), LP_OK);
    assert_int_equal(small[need], '\0');
}

static void test_strings_escaped(void **state)
{
    lp_proto_ack_t a, b;
    lp_proto_error_t err;
    size_t len;
    (void)state;
    memset(&a, 0, sizeof a);
    strcpy(a.id, "c-1");
    a.has_error = true;
    strcpy(a.error, "bad_confirm");
    a.has_message = true;
    strcpy(a.message, "say \"hi\" \\ / \xe2\x80\xa6");
    assert_int_equal(lp_proto_encode_ack(&a, buf, sizeof buf, &len), LP_OK);
    assert_string_equal(buf, "{\"v\":1,\"id\":\"c-1\",\"ok\":false,\"error\":\"bad_confirm\","
                             "\"message\":\"say \\\"hi\\\" \\\\ / \xe2\x80\xa6\"}");
    assert_int_equal(lp_proto_decode_ack(buf, len, &b, &err), LP_OK);
    assert_string_equal(b.message, a.message);
    /* escapes decode to UTF-8 */
    {
        const char *p = "{\"v\":1,\"id\":\"c-1\",\"ok\":false,\"error\":\"x\",\"message\":\"\\u00e9\\ud83d\\ude00\\/\"}";
        assert_int_equal(lp_proto_decode_ack(p, strlen(p), &b, &err), LP_OK);
        assert_string_equal(b.message, "\xc3\xa9\xf0\x9f\x98\x80/");
    }
}

/* ---- topics, kinds, status names --------------------------------------------- */

static void test_topics(void **state)
{
    char t[LP_PROTO_TOPIC_BUF], id[LP_PROTO_DEVICE_ID_MAX + 1];
    char longid[LP_PROTO_DEVICE_ID_MAX + 2];
    lp_proto_kind_t k, got;
    size_t len;
    (void)state;
    memset(longid, 'a', sizeof longid);
    longid[LP_PROTO_DEVICE_ID_MAX] = '\0';
    for (k = LP_PROTO_TELEMETRY; k < LP_PROTO_KIND_COUNT; k = (lp_proto_kind_t)(k + 1)) {
        assert_int_equal(lp_proto_topic_build(t, sizeof t, longid, k, &len), LP_OK);
        assert_int_equal(len, strlen(t));
        assert_int_equal(lp_proto_topic_parse(t, len, id, &got), LP_OK);
        assert_int_equal(got, k);
        assert_string_equal(id, longid);
    }
    assert_int_equal(lp_proto_topic_build(t, sizeof t, "plug-7", LP_PROTO_CMD, &len), LP_OK);
    assert_string_equal(t, "lepower/plug-7/cmd");
    assert_int_equal(lp_proto_topic_build(t, 18, "plug-7", LP_PROTO_CMD, &len), LP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 18);
    assert_int_equal(lp_proto_topic_build(t, 19, "plug-7", LP_PROTO_CMD, &len), LP_OK);
    longid[LP_PROTO_DEVICE_ID_MAX] = 'a';
    longid[LP_PROTO_DEVICE_ID_MAX + 1] = '\0';
    assert_int_equal(lp_proto_topic_build(t, sizeof t, longid, LP_PROTO_CMD, &len), LP_ERR_PROTO_DEVICE_ID);
    assert_int_equal(lp_proto_topic_build(t, sizeof t, "", LP_PROTO_CMD, &len), LP_ERR_PROTO_DEVICE_ID);
    assert_int_equal(lp_proto_topic_build(t, sizeof t, "Plug", LP_PROTO_CMD, &len), LP_ERR_PROTO_DEVICE_ID);
    assert_int_equal(lp_proto_topic_build(t, sizeof t, "plug", LP_PROTO_KIND_COUNT, &len), LP_ERR_PROTO_KIND);
    assert_int_equal(lp_proto_topic_build(NULL, 0, "plug", LP_PROTO_CMD, &len), LP_ERR_NULL);
    assert_int_equal(lp_proto_topic_parse("lepower/a/cmd", 13, NULL, NULL), LP_OK);
    assert_int_equal(lp_proto_topic_parse("lepower/a/cmdx", 13, NULL, NULL), LP_OK); /* len bounds it */
    assert_int_equal(lp_proto_topic_parse("lepower/a/cm", 12, NULL, NULL), LP_ERR_PROTO_KIND);
    assert_int_equal(lp_proto_topic_parse("lepower/a/c\0d", 13, NULL, NULL), LP_ERR_PROTO_KIND);
    assert_int_equal(lp_proto_topic_parse(NULL, 0, NULL, NULL), LP_ERR_NULL);
    assert_int_equal(lp_proto_device_id_check("abc-123", 7), LP_OK);
    assert_int_equal(lp_proto_device_id_check("abc 123", 7), LP_ERR_PROTO_DEVICE_ID);
}

static void test_kinds_and_status_names(void **state)
{
    int s, s2;
    (void)state;
    assert_string_equal(lp_proto_kind_name(LP_PROTO_TELEMETRY), "telemetry");
    assert_string_equal(lp_proto_kind_name(LP_PROTO_ACK), "ack");
    assert_null(lp_proto_kind_name(LP_PROTO_KIND_COUNT));
    assert_int_equal(lp_proto_kind_qos(LP_PROTO_GRID), 0);
    assert_int_equal(lp_proto_kind_qos(LP_PROTO_TELEMETRY), 1);
    assert_int_equal(lp_proto_kind_qos(LP_PROTO_CMD), 1);
    assert_true(lp_proto_kind_retained(LP_PROTO_STATUS));
    assert_true(lp_proto_kind_retained(LP_PROTO_INFO));
    assert_true(lp_proto_kind_retained(LP_PROTO_STATE));
    assert_false(lp_proto_kind_retained(LP_PROTO_CMD));
    assert_false(lp_proto_kind_retained(LP_PROTO_TELEMETRY));
    assert_int_equal(lp_proto_payload_max(LP_PROTO_TELEMETRY), 1024);
    assert_int_equal(lp_proto_payload_max(LP_PROTO_GRID), 4096);
    assert_string_equal(lp_status_str(LP_ERR_PROTO_SYNTAX), "json_syntax");
    assert_string_equal(lp_status_str(LP_ERR_PROTO_KIND), "unknown_kind");
    for (s = LP_ERR_PROTO_SYNTAX; s <= LP_ERR_PROTO_KIND; s++) {
        assert_string_not_equal(lp_status_str((lp_status_t)s), "unknown");
        for (s2 = LP_ERR_PROTO_SYNTAX; s2 < s; s2++)
            assert_string_not_equal(lp_status_str((lp_status_t)s), lp_status_str((lp_status_t)s2));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_generated),
        cmocka_unit_test(test_round_trip_extremes),
        cmocka_unit_test(test_decode_example_exact),
        cmocka_unit_test(test_number_conversion),
        cmocka_unit_test(test_decode_edge_inputs),
        cmocka_unit_test(test_encode_rejects_invalid),
        cmocka_unit_test(test_encode_buffer_sizes),
        cmocka_unit_test(test_strings_escaped),
        cmocka_unit_test(test_topics),
        cmocka_unit_test(test_kinds_and_status_names),
    };
    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
