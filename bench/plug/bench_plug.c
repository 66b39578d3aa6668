/* bench_plug - how many virtual plugs at 4 kHz one core sustains in real time.
 * Runs N plug instances (firmware core + metering engine + sample synthesis from a real
 * trace) in one thread on one core, each on its own simulated clock, for S simulated
 * seconds, and prints CPU time per simulated second per plug, split into synthesis (the
 * simulation's cost) and firmware (core + metering engine: the cost on a board), plus
 * memory per plug. Usage: bench_plug TRACE [N] [SIM_SECONDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lp_fw_plug.h"
#include "lp_fw_ramflash.h"
#include "../../firmware/ports/posix/synth.h"
#include "../../firmware/ports/posix/trace.h"

#define FS 4000.0
#define RING 64u

typedef struct vplug {
    lp_fw_plug_t plug;
    lp_fw_ramflash_t flash;
    uint8_t flash_mem[16 * 2048];
    lp_fw_pending_t ring[RING];
    synth_t syn;
    trace_t *tr;
    double origin;
    uint64_t samples, avail;
    int relay;
    int16_t v[LP_FW_PLUG_ADC_BLOCK], i[LP_FW_PLUG_ADC_BLOCK];
    uint32_t nbuf, pos;     /* pre-synthesised block and read position */
    uint32_t published;
    lp_fw_adc_port_t adc;
    lp_fw_clock_port_t clk;
    lp_fw_relay_port_t rel;
    lp_fw_net_port_t net;
} vplug_t;

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* the ADC port hands out the block synthesised beforehand (timed separately) */
static uint32_t adc_read(void *ctx, int16_t *v, int16_t *i, uint32_t max)
{
    vplug_t *p = ctx;
    uint32_t n = p->nbuf - p->pos;
    if (n > max) n = max;
    memcpy(v, p->v + p->pos, n * sizeof *v);
    memcpy(i, p->i + p->pos, n * sizeof *i);
    p->pos += n;
    p->samples += n;
    return n;
}
static uint64_t mono(void *ctx) { return ((vplug_t *)ctx)->samples / 4u; }
static int wall(void *ctx, int64_t *ms) { *ms = 1767225600000LL + (int64_t)(((vplug_t *)ctx)->samples / 4u); return 1; }
static void relay(void *ctx, int on) { ((vplug_t *)ctx)->relay = on; }
static lp_status_t pub(void *ctx, const char *t, const void *b, size_t n, int q, int r, int32_t *tok)
{
    (void)t; (void)b; (void)n; (void)q; (void)r;
    vplug_t *p = ctx;
    p->published++;
    if (tok) *tok = (int32_t)p->published;
    return LP_OK;
}
static lp_status_t sub(void *ctx, const char *t) { (void)ctx; (void)t; return LP_OK; }

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: bench_plug TRACE [N] [SIM_SECONDS]\n"); return 2; }
    int n = argc > 2 ? atoi(argv[2]) : 50;
    double sim = argc > 3 ? atof(argv[3]) : 20.0;
    static trace_t tr;
    char err[256];
    if (trace_load(argv[1], &tr, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    vplug_t *ps = calloc((size_t)n, sizeof *ps);
    if (!ps) return 1;
    lp_fw_plug_config_t cfg;
    lp_fw_plug_config_default(&cfg);
    cfg.relay.power_on = LP_FW_POWER_ON_ON;
    cfg.meter.fe.i_noise_rms_counts = 0.3;
    cfg.meter.fe.v_noise_rms_counts = 0.5;
    for (int k = 0; k < n; k++) {
        vplug_t *p = &ps[k];
        lp_fw_ramflash_init(&p->flash, p->flash_mem, 2048, 16, 1);
        p->adc = (lp_fw_adc_port_t){p, FS, adc_read};
        p->clk = (lp_fw_clock_port_t){p, mono, wall};
        p->rel = (lp_fw_relay_port_t){p, relay};
        p->net = (lp_fw_net_port_t){p, pub, sub};
        lp_fw_ports_t ports = {&p->adc, &p->clk, &p->flash.port, &p->rel, &p->net, NULL, NULL};
        snprintf(cfg.device_id, sizeof cfg.device_id, "bench-%d", k);
        if (lp_fw_plug_init(&p->plug, &cfg, &ports, p->ring, RING) != LP_OK) return 1;
        lp_fw_plug_on_connect(&p->plug);
        p->origin = 21600.0 + 997.0 * k; /* different points of the day */
        synth_init(&p->syn, FS, 230.0, cfg.meter.fe.volts_per_count, cfg.meter.fe.amps_per_count,
                   cfg.meter.fe.adc_bits, (load_kind_t)(k % LOAD_COUNT), NULL, (uint64_t)k + 1u, p->origin);
    }
    double t_syn = 0.0, t_fw = 0.0;
    uint64_t blocks = (uint64_t)(sim * FS / LP_FW_PLUG_ADC_BLOCK);
    for (uint64_t b = 0; b < blocks; b++) {
        for (int k = 0; k < n; k++) {
            vplug_t *p = &ps[k];
            double c0 = cpu_s();
            double pw, q;
            trace_at(&tr, p->origin + (double)p->samples / FS, &pw, &q);
            synth_set_power(&p->syn, pw, q, 0);
            synth_block(&p->syn, p->v, p->i, LP_FW_PLUG_ADC_BLOCK, p->relay);
            p->nbuf = LP_FW_PLUG_ADC_BLOCK;
            p->pos = 0;
            double c1 = cpu_s();
            lp_fw_plug_step(&p->plug);
            for (uint32_t t = 1; t <= p->published; t++) lp_fw_plug_on_published(&p->plug, (int32_t)t);
            double c2 = cpu_s();
            t_syn += c1 - c0;
            t_fw += c2 - c1;
        }
    }
    double simd = (double)blocks * LP_FW_PLUG_ADC_BLOCK / FS;
    double per_fw = t_fw / simd / n, per_syn = t_syn / simd / n;
    printf("bench_plug: %d plugs x %.1f simulated s at %.0f Hz (loads mixed: resistive/motor/smps/led)\n", n, simd, FS);
    printf("  firmware (core + metering engine): %.1f us CPU per simulated second per plug (%.3f %% of a core)\n",
           per_fw * 1e6, per_fw * 100.0);
    printf("  sample synthesis:                  %.1f us CPU per simulated second per plug\n", per_syn * 1e6);
    printf("  plugs one core sustains in real time: %.0f (sample level, synthesis included), %.0f (firmware only)\n",
           1.0 / (per_fw + per_syn), 1.0 / per_fw);
    printf("  memory per plug: lp_fw_plug_t %zu B (meter engine %zu B inside), offline ring %zu B per report,\n"
           "                   emulated flash %u B, synthesiser %zu B\n",
           sizeof(lp_fw_plug_t), sizeof(lp_meter_t), sizeof(lp_fw_pending_t), 16u * 2048u, sizeof(synth_t));
    uint32_t reports = 0;
    for (int k = 0; k < n; k++) reports += ps[k].plug.stats.reports;
    printf("  telemetry reports made: %u\n", reports);
    free(ps);
    trace_free(&tr);
    return 0;
}
