/* Unit tests: the message journal (append, read, torn tail, reset, mapped chunks, CRC, no space). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../hub/journal.h"

static char path[256];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/lp-hub-journal-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}
static int teardown(void **state) { (void)state; unlink(path); return 0; }

typedef struct { int n; char topics[8][64]; char payloads[8][64]; int64_t recv[8]; } got_t;

static int collect(void *ctx, int64_t recv_ms, const char *topic, size_t tlen, const char *payload, size_t plen)
{
    got_t *g = ctx;
    if (g->n < 8) {
        snprintf(g->topics[g->n], 64, "%.*s", (int)tlen, topic);
        snprintf(g->payloads[g->n], 64, "%.*s", (int)plen, payload);
        g->recv[g->n] = recv_ms;
    }
    g->n++;
    return 0;
}

/* The journal holds exactly the records "first" and "third"; closes it. */
static void expect_first_third(hub_journal_t *j)
{
    uint64_t pos = 0;
    got_t g = { 0 };
    assert_int_equal(hub_journal_read(j, &pos, 100, collect, &g), LP_OK);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.payloads[0], "first");
    assert_string_equal(g.payloads[1], "third");
    hub_journal_close(j);
}

static void test_append_read(void **state)
{
    (void)state;
    hub_journal_t *j;
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    assert_int_equal(hub_journal_end(j), 0);
    assert_int_equal(hub_journal_append(j, 1000, "lepower/a/telemetry", 19, "{\"v\":1}", 7), LP_OK);
    assert_int_equal(hub_journal_append(j, 2000, "lepower/b/status", 16, "", 0), LP_OK);
    uint64_t pos = 0;
    got_t g = { 0 };
    assert_int_equal(hub_journal_read(j, &pos, 100, collect, &g), LP_OK);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.topics[0], "lepower/a/telemetry");
    assert_string_equal(g.payloads[0], "{\"v\":1}");
    assert_int_equal(g.recv[1], 2000);
    assert_string_equal(g.payloads[1], "");
    assert_int_equal(pos, hub_journal_end(j));
    /* nothing more to read */
    g.n = 0;
    assert_int_equal(hub_journal_read(j, &pos, 100, collect, &g), LP_OK);
    assert_int_equal(g.n, 0);
    /* too large */
    char *big = calloc(1, HUB_JOURNAL_MAX_BODY + 1);
    assert_int_equal(hub_journal_append(j, 3000, "t", 1, big, HUB_JOURNAL_MAX_BODY + 1), LP_ERR_RANGE);
    free(big);
    hub_journal_close(j);
}

static void test_torn_tail_cut(void **state)
{
    (void)state;
    hub_journal_t *j;
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    assert_int_equal(hub_journal_append(j, 1, "lepower/a/telemetry", 19, "first", 5), LP_OK);
    uint64_t good = hub_journal_end(j);
    assert_int_equal(hub_journal_append(j, 2, "lepower/a/telemetry", 19, "second", 6), LP_OK);
    uint64_t full = hub_journal_end(j);
    hub_journal_close(j);
    /* a kill in the middle of write(): only part of the second record reached the file */
    assert_int_equal(truncate(path, (off_t)(full - 3)), 0);
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    assert_int_equal(hub_journal_end(j), good);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, good);
    /* appends continue after the last complete record */
    assert_int_equal(hub_journal_append(j, 3, "lepower/a/telemetry", 19, "third", 5), LP_OK);
    expect_first_third(j);
}

static void test_corrupt_tail_cut(void **state)
{
    (void)state;
    hub_journal_t *j;
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    assert_int_equal(hub_journal_append(j, 1, "x", 1, "aaaa", 4), LP_OK);
    uint64_t good = hub_journal_end(j);
    assert_int_equal(hub_journal_append(j, 2, "x", 1, "bbbb", 4), LP_OK);
    uint64_t full = hub_journal_end(j);
    hub_journal_close(j);
    /* flip a payload byte of the last record: its CRC no longer matches */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, (long)full - 1, SEEK_SET);
    fputc('X', f);
    fclose(f);
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    assert_int_equal(hub_journal_end(j), good);
    hub_journal_close(j);
}

static int zero_called;
static int commit_zero(void *ctx) { (void)ctx; zero_called++; return 0; }

static void test_reset(void **state)
{
    (void)state;
    hub_journal_t *j;
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    assert_int_equal(hub_journal_append(j, 1, "x", 1, "aaaa", 4), LP_OK);
    uint64_t end = hub_journal_end(j);
    /* not consumed up to the end: no reset */
    assert_int_equal(hub_journal_reset_if(j, 0, 0, commit_zero, NULL), 0);
    /* below the size threshold: no reset */
    assert_int_equal(hub_journal_reset_if(j, end, end + 1, commit_zero, NULL), 0);
    assert_int_equal(hub_journal_reset_if(j, end, 1, commit_zero, NULL), 1);
    assert_int_equal(zero_called, 1);
    assert_int_equal(hub_journal_end(j), 0);
    assert_int_equal(hub_journal_wait(j, 0, 10), 0);
    assert_int_equal(hub_journal_append(j, 2, "y", 1, "b", 1), LP_OK);
    assert_int_equal(hub_journal_wait(j, 0, 10), 1);
    hub_journal_close(j);
}

/* Reference CRC-32 (IEEE 802.3), one bit at a time. */
static uint32_t crc_ref(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

typedef struct { int n; size_t bytes; int bad; } sum_t;
static int check_big(void *ctx, int64_t recv_ms, const char *topic, size_t tlen, const char *payload, size_t plen)
{
    sum_t *g = ctx;
    /* record k: topic "t<k>", payload of 40 000 + k bytes, byte i = (k + i) % 251 */
    char want[32];
    snprintf(want, sizeof want, "t%d", g->n);
    if (recv_ms != g->n || tlen != strlen(want) || memcmp(topic, want, tlen) || plen != 40000u + (size_t)g->n) g->bad++;
    else for (size_t i = 0; i < plen; i++) if ((unsigned char)payload[i] != (unsigned char)(((size_t)g->n + i) % 251)) { g->bad++; break; }
    g->n++;
    g->bytes += plen;
    return 0;
}

/* Appends go through 16 MiB mapped chunks: records straddle chunk boundaries,
 * survive a close and reopen byte for byte (the reserved zeros past the end are
 * not a torn record), and every stored CRC equals the bit-serial reference. */
static void test_chunks_and_crc(void **state)
{
    (void)state;
    hub_journal_t *j;
    enum { N = 1000 }; /* about 40 MB: two chunk boundaries */
    unsigned char *buf = malloc(40000 + N);
    assert_non_null(buf);
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    for (int k = 0; k < N; k++) {
        char t[32];
        snprintf(t, sizeof t, "t%d", k);
        for (size_t i = 0; i < 40000u + (size_t)k; i++) buf[i] = (unsigned char)(((size_t)k + i) % 251);
        assert_int_equal(hub_journal_append(j, k, t, strlen(t), buf, 40000u + (size_t)k), LP_OK);
    }
    uint64_t end = hub_journal_end(j);
    assert_true(end > (32u << 20));
    hub_journal_close(j);
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    assert_int_equal(hub_journal_end(j), end);
    uint64_t pos = 0;
    sum_t g = { 0, 0, 0 };
    assert_int_equal(hub_journal_read(j, &pos, 100000, check_big, &g), LP_OK);
    assert_int_equal(g.n, N);
    assert_int_equal(g.bad, 0);
    /* appends continue at the end after the reopen */
    assert_int_equal(hub_journal_append(j, 7, "z", 1, "tail", 4), LP_OK);
    hub_journal_close(j);
    /* the stored CRCs, checked against the reference from the raw file */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *raw = malloc((size_t)end + 64);
    assert_non_null(raw);
    size_t got = fread(raw, 1, (size_t)end + 64, f);
    fclose(f);
    assert_true(got >= (size_t)end + 27);
    size_t off = 0;
    int recs = 0;
    while (off < (size_t)end + 27) {
        uint32_t len = (uint32_t)raw[off + 4] | (uint32_t)raw[off + 5] << 8 | (uint32_t)raw[off + 6] << 16 | (uint32_t)raw[off + 7] << 24;
        uint32_t crc = (uint32_t)raw[off + 8] | (uint32_t)raw[off + 9] << 8 | (uint32_t)raw[off + 10] << 16 | (uint32_t)raw[off + 11] << 24;
        assert_memory_equal(raw + off, "LPJ1", 4);
        assert_int_equal(crc, crc_ref(raw + off + 12, len));
        off += 12 + len;
        recs++;
    }
    assert_int_equal(recs, N + 1);
    free(raw);
    free(buf);
}

/* A file that cannot grow (full disk; here a file-size limit) makes an append
 * fail with HUB_ERR_IO before anything is mapped: no SIGBUS, the journal keeps
 * its records, and appends work again once space returns. */
static void test_no_space(void **state)
{
    (void)state;
    hub_journal_t *j;
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    assert_int_equal(hub_journal_append(j, 1, "a", 1, "first", 5), LP_OK);
    uint64_t end = hub_journal_end(j);
    hub_journal_close(j);
    /* reopen with a limit below the next chunk: nothing is mapped yet */
    lim = old;
    lim.rlim_cur = 1u << 20;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(hub_journal_open(path, &j), LP_OK);
    assert_int_equal(hub_journal_append(j, 2, "b", 1, "second", 6), HUB_ERR_IO);
    assert_int_equal(hub_journal_end(j), end);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(hub_journal_append(j, 3, "c", 1, "third", 5), LP_OK);
    expect_first_third(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_tail_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunks_and_crc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_space, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
