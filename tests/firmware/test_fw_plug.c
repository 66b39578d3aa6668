/* Plug application through fake ports: time before the clock is set, offline ring
 * replay, commands (acks, dedupe, expiry, retained, garbage), persisted counters across
 * a warned cut, over-current trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lp_fw_plug.h"
#include "lp_fw_ramflash.h"

/* ---- fake ports ---- */
#define FS 4000.0
#define MAX_PUB 4096
typedef struct pub { char topic[64]; char payload[1100]; int32_t token; int retain; } pub_t;
static struct {
    uint64_t samples;          /* samples produced = the clock */
    uint64_t avail;            /* samples allowed by the test */
    double amps_rms;           /* load current when the relay is on */
    int relay;
    int wall_set;
    int64_t wall0_ms;          /* wall time at sample 0 */
    int connected;
    int32_t next_token;
    pub_t pubs[MAX_PUB];
    int npub;
} F;

static uint32_t f_adc(void *ctx, int16_t *v, int16_t *i, uint32_t max)
{
    (void)ctx;
    uint32_t n = 0;
    while (n < max && F.samples < F.avail) {
        double th = 2.0 * M_PI * 50.0 * (double)F.samples / FS;
        double vv = 230.0 * sqrt(2.0) * sin(th) / (400.0 / 2048.0);
        double ii = F.relay ? F.amps_rms * sqrt(2.0) * sin(th) / (25.0 / 2048.0) : 0.0;
        v[n] = (int16_t)lround(vv);
        i[n] = (int16_t)lround(ii);
        n++;
        F.samples++;
    }
    return n;
}
static uint64_t f_mono(void *ctx) { (void)ctx; return F.samples * 1000u / 4000u; }
static int f_wall(void *ctx, int64_t *ms)
{
    (void)ctx;
    if (!F.wall_set) return 0;
    *ms = F.wall0_ms + (int64_t)(F.samples / 4u);
    return 1;
}
static void f_relay(void *ctx, int on) { (void)ctx; F.relay = on; }
static lp_status_t f_pub(void *ctx, const char *topic, const void *payload, size_t len, int qos,
                         int retain, int32_t *token)
{
    (void)ctx; (void)qos;
    if (!F.connected) return LP_ERR_FW_NOT_CONNECTED;
    assert_true(F.npub < MAX_PUB);
    pub_t *p = &F.pubs[F.npub++];
    snprintf(p->topic, sizeof p->topic, "%s", topic);
    assert_true(len < sizeof p->payload);
    memcpy(p->payload, payload, len);
    p->payload[len] = 0;
    p->retain = retain;
    p->token = ++F.next_token;
    if (token) *token = p->token;
    return LP_OK;
}
static lp_status_t f_sub(void *ctx, const char *topic) { (void)ctx; (void)topic; return F.connected ? LP_OK : LP_ERR_FW_NOT_CONNECTED; }

static uint8_t flash_mem[8 * 2048], settings_mem[2 * 2048];
static lp_fw_ramflash_t flash, settings;
static const lp_fw_adc_port_t adc = {NULL, FS, f_adc};
static const lp_fw_clock_port_t clk = {NULL, f_mono, f_wall};
static const lp_fw_relay_port_t rel = {NULL, f_relay};
static const lp_fw_net_port_t net = {NULL, f_pub, f_sub};
static lp_fw_plug_t plug;
static lp_fw_pending_t ring[64];

static void boot(uint32_t ring_cap, int erase)
{
    F.samples = F.avail = 0;
    F.relay = 0;
    F.npub = 0;
    if (erase) {
        lp_fw_ramflash_init(&flash, flash_mem, 2048, 8, 1);
        lp_fw_ramflash_init(&settings, settings_mem, 2048, 2, 1);
    }
    lp_fw_ports_t ports = {&adc, &clk, &flash.port, &rel, &net, NULL, &settings.port};
    lp_fw_plug_config_t cfg;
    lp_fw_plug_config_default(&cfg);
    cfg.relay.power_on = LP_FW_POWER_ON_ON;
    cfg.relay.limit_ma = 10000;
    cfg.step_mw = 0;
    assert_int_equal(lp_fw_plug_init(&plug, &cfg, &ports, ring, ring_cap), LP_OK);
}

/* run the plug for ms of simulated time in 50 ms steps, acknowledging every publish */
static void run(uint32_t ms)
{
    uint64_t end = F.avail + (uint64_t)ms * 4u;
    while (F.avail < end) {
        F.avail += 200;
        lp_fw_plug_step(&plug);
        for (int k = 0; k < F.npub; k++)
            if (F.connected) lp_fw_plug_on_published(&plug, F.pubs[k].token);
    }
}

static int count(const char *kind, const char *needle)
{
    int n = 0;
    for (int k = 0; k < F.npub; k++) {
        const char *slash = strrchr(F.pubs[k].topic, '/');
        if (strcmp(slash + 1, kind) == 0 && (!needle || strstr(F.pubs[k].payload, needle))) n++;
    }
    return n;
}
static const pub_t *nth(const char *kind, int idx)
{
    for (int k = 0; k < F.npub; k++) {
        const char *slash = strrchr(F.pubs[k].topic, '/');
        if (strcmp(slash + 1, kind) == 0 && idx-- == 0) return &F.pubs[k];
    }
    return NULL;
}
static double num(const char *payload, const char *key)
{
    char pat[40];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(payload, pat);
    return p ? atof(p + strlen(pat)) : NAN;
}

static void cmd(const char *json, int retained)
{
    char topic[64];
    snprintf(topic, sizeof topic, "lepower/%s/cmd", plug.cfg.device_id);
    lp_fw_plug_on_message(&plug, topic, json, strlen(json), retained);
}

/* ---- tests ---- */

static void test_no_time_then_stamped_replays(void **st)
{
    (void)st;
    memset(&F, 0, sizeof F);
    F.amps_rms = 1.0;
    boot(64, 1);
    F.connected = 1;
    lp_fw_plug_on_connect(&plug);
    run(35000); /* 35 s without a clock: reports queue */
    assert_int_equal(count("telemetry", NULL), 0);
    assert_int_equal(lp_fw_plug_pending(&plug), 4); /* at 0, 10, 20, 30 s */
    /* a command cannot be checked against its expiry: no_time */
    cmd("{\"v\":1,\"id\":\"t1\",\"expires\":1800000000,\"relay\":\"off\"}", 0);
    assert_int_equal(count("ack", "\"id\":\"t1\",\"ok\":false,\"error\":\"no_time\""), 1);
    F.wall_set = 1;
    F.wall0_ms = 1767225600000LL; /* 2026-01-01 */
    run(1000);
    assert_int_equal(count("telemetry", NULL), 4);
    for (int k = 0; k < 4; k++) {
        const pub_t *p = nth("telemetry", k);
        assert_non_null(p);
        assert_int_equal((int)num(p->payload, "seq"), k);
        assert_non_null(strstr(p->payload, "\"replay\":true"));
        /* ts back-computed from the monotonic clock: the window ends, exactly */
        double ts = num(p->payload, "ts");
        double expect = 1767225601.0 + 10.0 * k; /* first window ends at 1 s, then every 10 s */
        assert_true(fabs(ts - expect) < 0.6);
    }
}

static void test_offline_ring_drops_oldest_and_replays(void **st)
{
    (void)st;
    memset(&F, 0, sizeof F);
    F.amps_rms = 2.0;
    F.wall_set = 1;
    F.wall0_ms = 1767225600000LL;
    boot(5, 1);
    run(95000); /* never connected: 10 reports, ring of 5 */
    lp_fw_plug_stats_t s;
    lp_fw_plug_stats(&plug, &s);
    assert_int_equal(s.reports, 10);
    assert_int_equal(s.dropped, 5);
    assert_int_equal(lp_fw_plug_pending(&plug), 5);
    F.connected = 1;
    lp_fw_plug_on_connect(&plug);
    run(200);
    assert_int_equal(count("telemetry", NULL), 5);
    for (int k = 0; k < 5; k++) {
        const pub_t *p = nth("telemetry", k);
        assert_int_equal((int)num(p->payload, "seq"), 5 + k);
        assert_true(fabs(num(p->payload, "ts") - (1767225601.0 + 10.0 * (5 + k))) < 0.6);
        assert_non_null(strstr(p->payload, "\"replay\":true"));
        assert_true(fabs(num(p->payload, "power") - 460.0) < 2.0);
    }
    assert_int_equal(lp_fw_plug_pending(&plug), 0);
    /* unacknowledged reports are sent again after a reconnect, same boot and seq */
    F.npub = 0;
    run(10000);
    int sent = count("telemetry", NULL);
    assert_int_equal(sent, 1);
    char first[1100];
    snprintf(first, sizeof first, "%s", nth("telemetry", 0)->payload);
    F.npub = 0;
    F.connected = 0;
    lp_fw_plug_on_disconnect(&plug);
    F.connected = 1;
    lp_fw_plug_on_connect(&plug);
    assert_int_equal(count("telemetry", NULL), 0); /* that one was acknowledged already */
}

static void test_commands(void **st)
{
    (void)st;
    memset(&F, 0, sizeof F);
    F.amps_rms = 1.0;
    F.wall_set = 1;
    F.wall0_ms = 1767225600000LL;
    F.connected = 1;
    boot(64, 1);
    lp_fw_plug_on_connect(&plug);
    run(2000);
    assert_int_equal(F.relay, 1);
    assert_int_equal(count("status", "\"state\":\"online\",\"boot\":1"), 1);
    F.npub = 0;
    cmd("{\"v\":1,\"id\":\"a1\",\"expires\":1800000000,\"relay\":\"off\"}", 0);
    assert_int_equal(F.relay, 0);
    assert_int_equal(count("ack", "{\"v\":1,\"id\":\"a1\",\"ok\":true}"), 1);
    assert_int_equal(count("state", "\"relay\":false,\"cause\":\"user\""), 1);
    assert_int_equal(count("event", "\"type\":\"relay\""), 1);
    /* the repeat is answered the same, not executed again */
    cmd("{\"v\":1,\"id\":\"a1\",\"expires\":1800000000,\"relay\":\"toggle\"}", 0);
    assert_int_equal(F.relay, 0);
    assert_int_equal(count("ack", "{\"v\":1,\"id\":\"a1\",\"ok\":true}"), 2);
    assert_int_equal(count("state", NULL), 1);
    /* minimum off time set by command, then a refusal with retry_after */
    cmd("{\"v\":1,\"id\":\"a2\",\"expires\":1800000000,\"min_off_time\":120}", 0);
    assert_int_equal(count("info", "\"min_off_time\":120"), 1);
    run(20000);
    cmd("{\"v\":1,\"id\":\"a3\",\"expires\":1800000000,\"relay\":\"on\"}", 0);
    const pub_t *a = NULL;
    for (int k = 0; k < F.npub; k++) if (strstr(F.pubs[k].payload, "\"a3\"")) a = &F.pubs[k];
    assert_non_null(a);
    assert_non_null(strstr(a->payload, "\"ok\":false,\"error\":\"min_off_time\""));
    assert_int_equal((int)num(a->payload, "retry_after"), 100);
    /* expired, retained, garbage, unknown id */
    cmd("{\"v\":1,\"id\":\"a4\",\"expires\":1767225600,\"relay\":\"on\"}", 0);
    assert_int_equal(count("ack", "\"id\":\"a4\",\"ok\":false,\"error\":\"expired\""), 1);
    int before = F.npub;
    cmd("{\"v\":1,\"id\":\"a5\",\"expires\":1800000000,\"relay\":\"on\"}", 1);
    assert_int_equal(F.npub, before);
    cmd("\x01\x02garbage", 0);
    cmd("{\"v\":1,\"id\":\"a6\",\"expires\":1800000000,\"relay\":\"on\",\"relay\":\"off\"}", 0);
    assert_int_equal(count("ack", "\"id\":\"a6\",\"ok\":false,\"error\":\"invalid\",\"message\":\"duplicate_key"), 1);
    cmd("{\"v\":1,\"id\":\"a7\",\"expires\":1800000000,\"reset_energy\":true,\"confirm\":5}", 0);
    assert_int_equal(count("ack", "\"id\":\"a7\",\"ok\":false,\"error\":\"bad_confirm\""), 1);
    lp_fw_plug_stats_t s;
    lp_fw_plug_stats(&plug, &s);
    assert_int_equal(s.ignored, 1);
    assert_int_equal(s.dropped_commands, 1);
    assert_int_equal(s.duplicates, 1);
    /* other devices' topics are not ours */
    before = F.npub;
    lp_fw_plug_on_message(&plug, "lepower/other/cmd", "{}", 2, 0);
    assert_int_equal(F.npub, before);
}

static void test_energy_saved_and_restored(void **st)
{
    (void)st;
    memset(&F, 0, sizeof F);
    F.amps_rms = 4.0; /* 920 W */
    F.wall_set = 1;
    F.wall0_ms = 1767225600000LL;
    F.connected = 1;
    boot(64, 1);
    lp_fw_plug_on_connect(&plug);
    run(600000); /* 10 min: 153.3 Wh */
    uint64_t imp, exp;
    lp_fw_plug_energy(&plug, &imp, &exp);
    assert_true(fabs((double)imp / 1e6 - 920.0 * 600.0 / 3600.0) < 0.5);
    /* published counters never exceed what is saved, and never go backwards */
    double prev = 0.0;
    for (int k = 0; k < count("telemetry", NULL); k++) {
        double e = num(nth("telemetry", k)->payload, "energy_import");
        assert_true(e >= prev);
        assert_true(e * 1000.0 <= (double)plug.saved.energy_import_uwh / 1000.0 + 1e-6);
        prev = e;
    }
    /* saved at least once a minute at 920 W (5 Wh step, 60 s minimum spacing) */
    assert_true(prev > 920.0 * 540.0 / 3600.0 - 0.5);
    assert_int_equal(lp_fw_plug_power_fail(&plug), LP_OK);
    uint64_t at_warning = imp;
    lp_fw_plug_energy(&plug, &imp, &exp);
    assert_true(imp >= at_warning);
    at_warning = imp;
    boot(64, 0); /* restart on the same flash */
    lp_fw_plug_energy(&plug, &imp, &exp);
    assert_int_equal(imp, at_warning);
    assert_int_equal(plug.boot, 2);
}

static void test_overcurrent_trip_persists(void **st)
{
    (void)st;
    memset(&F, 0, sizeof F);
    F.amps_rms = 12.0; /* above the 10 A limit */
    F.wall_set = 1;
    F.wall0_ms = 1767225600000LL;
    F.connected = 1;
    boot(64, 1);
    lp_fw_plug_on_connect(&plug);
    run(1000);
    assert_int_equal(F.relay, 0);
    assert_int_equal(count("state", "\"relay\":false,\"cause\":\"protection\""), 1);
    assert_int_equal(count("state", "\"tripped\":true"), 1);
    cmd("{\"v\":1,\"id\":\"b1\",\"expires\":1800000000,\"relay\":\"on\"}", 0);
    assert_int_equal(count("ack", "\"id\":\"b1\",\"ok\":false,\"error\":\"tripped\""), 1);
    boot(64, 0); /* the trip survives a reboot */
    run(1000);
    assert_int_equal(F.relay, 0);
    assert_true(plug.relay.tripped);
    F.connected = 1;
    lp_fw_plug_on_connect(&plug);
    cmd("{\"v\":1,\"id\":\"b2\",\"expires\":1800000000,\"clear_trip\":true}", 0);
    assert_int_equal(count("ack", "\"id\":\"b2\",\"ok\":true"), 1);
    F.amps_rms = 1.0;
    cmd("{\"v\":1,\"id\":\"b3\",\"expires\":1800000000,\"relay\":\"on\"}", 0);
    assert_int_equal(count("ack", "\"id\":\"b3\",\"ok\":true"), 1);
    assert_int_equal(F.relay, 1);
}

static void test_settings_persist(void **st)
{
    (void)st;
    memset(&F, 0, sizeof F);
    F.amps_rms = 1.0;
    F.wall_set = 1;
    F.wall0_ms = 1767225600000LL;
    F.connected = 1;
    boot(64, 1);
    lp_fw_plug_on_connect(&plug);
    run(1000);
    cmd("{\"v\":1,\"id\":\"s1\",\"expires\":1800000000,\"min_on_time\":30,\"min_off_time\":90,"
        "\"power_on\":\"off\",\"overcurrent_limit\":7.5}", 0);
    assert_int_equal(count("ack", "{\"v\":1,\"id\":\"s1\",\"ok\":true}"), 1);
    cmd("{\"v\":1,\"id\":\"s2\",\"expires\":1800000000,\"interval\":60}", 0);
    assert_int_equal(count("ack", "{\"v\":1,\"id\":\"s2\",\"ok\":true}"), 1);
    boot(64, 0); /* reboot: the settings changed by command are back */
    assert_int_equal(plug.relay.cfg.min_on_ms, 30000);
    assert_int_equal(plug.relay.cfg.min_off_ms, 90000);
    assert_int_equal(plug.relay.cfg.limit_ma, 7500);
    assert_int_equal(plug.relay.cfg.power_on, LP_FW_POWER_ON_OFF);
    assert_int_equal(plug.sched.period_ms, 60000);
    F.connected = 1;
    lp_fw_plug_on_connect(&plug);
    assert_int_equal(count("info", "\"interval\":60,\"min_on_time\":30,\"min_off_time\":90,\"power_on\":\"off\",\"overcurrent_limit\":7.5"), 1);
    run(3000);
    assert_int_equal(F.relay, 0); /* power-on state off now */
}

/* Cycle-level simulation (--fast-history): import and export each carry their
 * own fraction of a µWh. Cycles of +0.5 and -0.5 µWh in turn: 5 µWh each way
 * after 10 pairs (a shared remainder gave 0 imported and 10 exported). */
static void test_cycle_energy_remainders(void **st)
{
    (void)st;
    memset(&F, 0, sizeof F);
    boot(64, 1);
    lp_fw_plug_step(&plug);
    uint64_t imp0, exp0, imp, exp;
    lp_fw_plug_energy(&plug, &imp0, &exp0);
    for (int k = 0; k < 20; k++) {
        /* 0.09 W for 20 ms = 0.5 µWh */
        lp_fw_cycle_input_t c = { 0.02, 230.0, 0.1, k % 2 ? -0.09 : 0.09, 0.0, 50.0 };
        lp_fw_plug_feed_cycle(&plug, &c);
    }
    lp_fw_plug_energy(&plug, &imp, &exp);
    assert_int_equal(imp - imp0, 5);
    assert_int_equal(exp - exp0, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_time_then_stamped_replays),
        cmocka_unit_test(test_offline_ring_drops_oldest_and_replays),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_energy_saved_and_restored),
        cmocka_unit_test(test_overcurrent_trip_persists),
        cmocka_unit_test(test_settings_persist),
        cmocka_unit_test(test_cycle_energy_remainders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
