/* m4_freq.c - bare-metal Cortex-M4F image measuring the frequency estimator's instruction
 * count under QEMU. Build variants (see run.sh):
 *   -DNSAMP=N     samples processed
 *   -DMODE=0      signal generation only (baseline)
 *   -DMODE=1      + lp_freq_push() only (ISR cost)
 *   -DMODE=2      + lp_freq_push() and lp_freq_poll() (whole estimator, amortised)
 * per-sample cost = (count(N2) - count(N1)) / (N2 - N1), minus the baseline's. The signal is a
 * 49.95 Hz, 12-bit sine from an integer-free float recurrence (same in every mode). */
#include <stdio.h>
#include <stdint.h>
#include "lp_freq.h"

#ifndef NSAMP
#define NSAMP 4000
#endif
#ifndef MODE
#define MODE 2
#endif

static lp_freq_t f;
volatile int32_t sink;

int main(void)
{
    lp_freq_config_t c;
    lp_freq_config_default(&c);
    if (lp_freq_init(&f, &c) != LP_OK) return 1;
    /* s[n] = 2 cos(w) s[n-1] - s[n-2], w = 2π·49.95/4000 */
    const float k2 = 1.99384699f; /* 2 cos(w) */
    float s1 = 0.0f, s2 = -1300.0f * 0.07838055f; /* s[-1] = -A sin(w) */
    unsigned ev = 0;
    for (uint32_t n = 0; n < NSAMP; n++) {
        float s0 = k2 * s1 - s2;
        s2 = s1; s1 = s0;
        int32_t v = (int32_t)s0;
#if MODE == 0
        sink = v;
#elif MODE == 1
        ev |= lp_freq_push(&f, v);
#else
        if (lp_freq_push(&f, v)) ev |= lp_freq_poll(&f);
#endif
    }
    lp_freq_estimate_t e;
    if (MODE == 2 && lp_freq_estimate(&f, &e) == LP_OK)
        printf("f %d mHz valid %d ev %u\n", (int)(e.f_hz * 1000.0 + 0.5), e.valid, ev);
    else
        printf("ev %u\n", ev);
    return 0;
}
