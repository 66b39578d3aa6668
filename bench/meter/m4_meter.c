/* Cortex-M4 benchmark image: pushes N_PAIRS sample pairs (a 1 kW, PF 0.8 load at 4 kHz,
 * 12 bits) through lp_meter. Two images that differ only in N_PAIRS give the cost per
 * pair: (C2 - C1) / (N2 - N1). With PUSH_ONLY the main-loop work (lp_meter_poll) is
 * left out, giving the cost of the per-sample path alone. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "lp_meter.h"

#ifndef N_PAIRS
#define N_PAIRS 4000
#endif
#define BUF 8000

static int16_t vbuf[BUF], ibuf[BUF];
static lp_meter_t meter;

int main(void)
{
    static int16_t vt[80], it[80]; /* one 50 Hz cycle at 4 kHz */
    for (int k = 0; k < 80; k++) {
        float th = 2.0f * 3.14159265f * (float)k / 80.0f;
        vt[k] = (int16_t)(1665.0f * sinf(th));
        it[k] = (int16_t)(502.0f * sinf(th - 0.6435f));
    }
    for (int k = 0; k < BUF; k++) {
        vbuf[k] = vt[k % 80];
        ibuf[k] = it[k % 80];
    }
    lp_meter_config_t cfg;
    lp_meter_config_default(&cfg);
    lp_meter_init(&meter, &cfg);
    unsigned reports = 0;
    for (int k = 0; k < N_PAIRS; k++) {
        if (lp_meter_push(&meter, vbuf[k], ibuf[k])) {
#ifndef PUSH_ONLY
            reports += (lp_meter_poll(&meter) & LP_METER_EV_REPORT) != 0;
#endif
        }
    }
    printf("pairs %d reports %u sizeof(lp_meter_t) %u\n", N_PAIRS, reports,
           (unsigned)sizeof(lp_meter_t));
    return 0;
}
