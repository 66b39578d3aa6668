/* libFuzzer target: the CSV and WAV readers of tools/common/lp_recording.c. */
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include "../../tools/common/lp_recording.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_rec_opts_t o = {0, 0, 0, 400.0, 25.0};
    lp_recording_t r;
    lp_rec_error_t e;
    if (lp_recording_parse_csv((const char *)data, size, &o, &r, &e) == LP_REC_OK) {
        for (size_t k = 0; k < r.n; k++) {
            if (!isfinite(r.v_v[k]) || !isfinite(r.i_a[k])) __builtin_trap();
        }
        if (!(r.rate_hz >= 1.0 && r.rate_hz <= 1e6)) __builtin_trap();
        lp_recording_free(&r);
    }
    if (lp_recording_parse_wav(data, size, &o, &r, &e) == LP_REC_OK) {
        if (r.n == 0) __builtin_trap();
        lp_recording_free(&r);
    }
    o.rate_hz = 2000.0;
    if (lp_recording_parse_csv((const char *)data, size, &o, &r, &e) == LP_REC_OK) {
        lp_recording_free(&r);
    }
    return 0;
}
