/* bench_proto: host speed of lib/proto on a typical telemetry report (the hub
 * decodes one per message). Prints figures, never fails.
 *
 *   bench_proto [N]     N iterations per figure (default 2 000 000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lp_proto.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000L;
    if (n < 1) n = 1;
    static lp_proto_msg_t msg, out;
    lp_proto_telemetry_t *t = &msg.telemetry;
    t->ts_ms = 1774738805000LL; t->boot = 1; t->seq = 5; t->interval_ms = 1000;
    t->power_mw = 100123; t->energy_import_mwh = 140;
    t->has_voltage = true; t->voltage_mv = 230000;
    t->has_current = true; t->current_ua = 435000;
    t->has_frequency = true; t->frequency_uhz = 50000000;
    t->has_power_factor = true; t->power_factor_milli = 1000;
    char buf[LP_PROTO_PAYLOAD_MAX + 1];
    size_t len = 0;
    if (lp_proto_encode(LP_PROTO_TELEMETRY, &msg, buf, sizeof buf, &len) != LP_OK) return 1;
    buf[len] = 0;
    printf("== lib/proto bench: one telemetry report, %zu bytes\n%s\n", len, buf);
    lp_proto_error_t err;
    volatile unsigned sink = 0;
    double t0 = now_s();
    for (long i = 0; i < n; i++) sink += (unsigned)lp_proto_decode(LP_PROTO_TELEMETRY, buf, len, &out, &err);
    double t1 = now_s();
    printf("decode (strict, every rule of docs/protocol.md): %.3f us per report, %.0f MB/s\n",
           (t1 - t0) / (double)n * 1e6, (double)len * (double)n / (t1 - t0) / 1e6);
    t0 = now_s();
    for (long i = 0; i < n; i++) { size_t l; sink += (unsigned)lp_proto_encode(LP_PROTO_TELEMETRY, &msg, buf, sizeof buf, &l); }
    t1 = now_s();
    printf("encode: %.3f us per report\n", (t1 - t0) / (double)n * 1e6);
    char dev[LP_PROTO_DEVICE_ID_MAX + 1];
    lp_proto_kind_t kind;
    static const char topic[] = "lepower/kitchen-fridge/telemetry";
    t0 = now_s();
    for (long i = 0; i < n; i++) sink += (unsigned)lp_proto_topic_parse(topic, sizeof topic - 1, dev, &kind);
    t1 = now_s();
    printf("topic parse: %.3f us per topic\n", (t1 - t0) / (double)n * 1e6);
    return sink == 12345u ? 1 : 0;
}
