/* Unit tests: the message journal (append, read, torn tail, reset). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    uint64_t pos = 0;
    got_t g = { 0 };
    assert_int_equal(hub_journal_read(j, &pos, 100, collect, &g), LP_OK);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.payloads[0], "first");
    assert_string_equal(g.payloads[1], "third");
    hub_journal_close(j);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_tail_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
