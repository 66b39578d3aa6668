/* fuzz_proto.c - libFuzzer target for every lib/proto decoder and the topic parser.
 * Input: first byte selects the target (byte % 9: 0..7 = message kind in
 * lp_proto_kind_t order, 8 = topic parser), the rest is the payload.
 * Invariants checked (abort on violation):
 *  - a decoder never reads past len (ASan) and reports an offset <= len;
 *  - an accepted payload re-encodes (LP_OK, or payload_too_large when exponents
 *    made it longer), and the re-encoded payload decodes to the same struct;
 *  - an accepted topic rebuilds byte-identically. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lp_proto.h"

static lp_proto_msg_t a, b;
static char enc[LP_PROTO_GRID_PAYLOAD_MAX + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_proto_error_t err;
    size_t n = 0;
    unsigned sel;
    const char *p;
    if (size < 1)
        return 0;
    sel = data[0] % 9u;
    p = (const char *)data + 1;
    size -= 1;
    if (sel == 8) {
        char id[LP_PROTO_DEVICE_ID_MAX + 1];
        char topic[LP_PROTO_TOPIC_BUF];
        lp_proto_kind_t kind;
        if (lp_proto_topic_parse(p, size, id, &kind) == LP_OK) {
            if (lp_proto_topic_build(topic, sizeof topic, id, kind, &n) != LP_OK || n != size ||
                memcmp(topic, p, n) != 0)
                abort();
        }
        return 0;
    }
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (lp_proto_decode((lp_proto_kind_t)sel, p, size, &a, &err) != LP_OK) {
        if (err.offset > size && err.status != LP_ERR_PROTO_TOO_LARGE)
            abort();
        if (err.message == NULL || err.status < 200 || err.status > 299)
            abort();
        return 0;
    }
    {
        lp_status_t st = lp_proto_encode((lp_proto_kind_t)sel, &a, enc, sizeof enc, &n);
        if (st == LP_ERR_PROTO_TOO_LARGE)
            return 0;
        if (st != LP_OK)
            abort();
        if (lp_proto_decode((lp_proto_kind_t)sel, enc, n, &b, &err) != LP_OK)
            abort();
        if (memcmp(&a, &b, sizeof a) != 0)
            abort();
    }
    return 0;
}
