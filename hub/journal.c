/* Append-only message journal. See journal.h. */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HDR 12u
#define BODY_FIXED 10u

struct hub_journal {
    int fd;
    uint64_t end;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *rbuf;
    size_t rcap;
};

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}
static uint32_t crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static uint32_t get32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

/* Parse one record at buf[0..n). Returns its size, 0 if incomplete, -1 if corrupt.
 * The CRC is checked when the journal is opened (torn tail); records appended
 * by this process are read back without it. */
static long parse_chk(const unsigned char *b, size_t n, int check)
{
    if (n < HDR) return 0;
    if (memcmp(b, "LPJ1", 4) != 0) return -1;
    uint32_t len = get32(b + 4);
    if (len < BODY_FIXED || len > HUB_JOURNAL_MAX_BODY + BODY_FIXED) return -1;
    if (n < HDR + len) return 0;
    if (check && crc32(b + HDR, len) != get32(b + 8)) return -1;
    return (long)(HDR + len);
}
static long parse(const unsigned char *b, size_t n) { return parse_chk(b, n, 1); }

lp_status_t hub_journal_open(const char *path, hub_journal_t **out)
{
    if (!path || !out) return LP_ERR_NULL;
    pthread_once(&crc_once, crc_init);
    *out = NULL;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) { fprintf(stderr, "lepower-hub: journal %s: %s\n", path, strerror(errno)); return HUB_ERR_IO; }
    hub_journal_t *j = calloc(1, sizeof *j);
    if (!j) { close(fd); return HUB_ERR_IO; }
    j->fd = fd;
    j->rcap = 1u << 22;
    j->rbuf = malloc(j->rcap);
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    /* scan for the end of the last complete record */
    uint64_t pos = 0;
    for (;;) {
        ssize_t n = pread(fd, j->rbuf, j->rcap, (off_t)pos);
        if (n <= 0) break;
        size_t off = 0;
        long r = 0;
        while ((r = parse(j->rbuf + off, (size_t)n - off)) > 0) off += (size_t)r;
        pos += off;
        if (r < 0 || off == 0) break;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    if ((uint64_t)size != pos) {
        fprintf(stderr, "lepower-hub: journal: cutting %lld torn bytes at %llu\n",
                (long long)((uint64_t)size - pos), (unsigned long long)pos);
        if (ftruncate(fd, (off_t)pos) != 0) { hub_journal_close(j); return HUB_ERR_IO; }
    }
    lseek(fd, (off_t)pos, SEEK_SET);
    j->end = pos;
    *out = j;
    return LP_OK;
}

void hub_journal_close(hub_journal_t *j)
{
    if (!j) return;
    close(j->fd);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j->rbuf);
    free(j);
}

lp_status_t hub_journal_append(hub_journal_t *j, int64_t recv_ms, const char *topic, size_t tlen,
                               const void *payload, size_t plen)
{
    if (!j || (!topic && tlen) || (!payload && plen)) return LP_ERR_NULL;
    if (tlen > 0xFFFF || tlen + plen > HUB_JOURNAL_MAX_BODY) return LP_ERR_RANGE;
    size_t body = BODY_FIXED + tlen + plen;
    unsigned char stackbuf[2048];
    unsigned char *b = HDR + body <= sizeof stackbuf ? stackbuf : malloc(HDR + body);
    if (!b) return HUB_ERR_IO;
    memcpy(b, "LPJ1", 4);
    put32(b + 4, (uint32_t)body);
    uint64_t r = (uint64_t)recv_ms;
    put32(b + HDR, (uint32_t)r);
    put32(b + HDR + 4, (uint32_t)(r >> 32));
    b[HDR + 8] = (unsigned char)tlen;
    b[HDR + 9] = (unsigned char)(tlen >> 8);
    if (tlen) memcpy(b + HDR + BODY_FIXED, topic, tlen);
    if (plen) memcpy(b + HDR + BODY_FIXED + tlen, payload, plen);
    put32(b + 8, crc32(b + HDR, body));
    lp_status_t st = LP_OK;
    pthread_mutex_lock(&j->mu);
    size_t done = 0;
    while (done < HDR + body) {
        ssize_t n = write(j->fd, b + done, HDR + body - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { st = HUB_ERR_IO; break; }
        done += (size_t)n;
    }
    if (st == LP_OK) {
        j->end += HDR + body;
        pthread_cond_broadcast(&j->cv);
    } else {
        /* keep the file record-aligned */
        if (ftruncate(j->fd, (off_t)j->end) != 0 || lseek(j->fd, (off_t)j->end, SEEK_SET) < 0) { /* reported below */ }
        fprintf(stderr, "lepower-hub: journal append failed: %s\n", strerror(errno));
    }
    pthread_mutex_unlock(&j->mu);
    if (b != stackbuf) free(b);
    return st;
}

uint64_t hub_journal_end(hub_journal_t *j)
{
    pthread_mutex_lock(&j->mu);
    uint64_t e = j->end;
    pthread_mutex_unlock(&j->mu);
    return e;
}

int hub_journal_wait(hub_journal_t *j, uint64_t pos, int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&j->mu);
    if (j->end <= pos) pthread_cond_timedwait(&j->cv, &j->mu, &ts);
    int r = j->end > pos;
    pthread_mutex_unlock(&j->mu);
    return r;
}

void hub_journal_wake(hub_journal_t *j)
{
    pthread_mutex_lock(&j->mu);
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

lp_status_t hub_journal_sync(hub_journal_t *j)
{
    return fdatasync(j->fd) == 0 ? LP_OK : HUB_ERR_IO;
}

lp_status_t hub_journal_read(hub_journal_t *j, uint64_t *pos, size_t max, hub_journal_cb cb, void *ctx)
{
    if (!j || !pos || !cb) return LP_ERR_NULL;
    uint64_t end = hub_journal_end(j);
    size_t delivered = 0;
    while (*pos < end && delivered < max) {
        size_t want = (size_t)(end - *pos) < j->rcap ? (size_t)(end - *pos) : j->rcap;
        ssize_t n = pread(j->fd, j->rbuf, want, (off_t)*pos);
        if (n <= 0) return HUB_ERR_IO;
        size_t off = 0;
        long r;
        while (delivered < max && (r = parse_chk(j->rbuf + off, (size_t)n - off, 0)) > 0) {
            const unsigned char *b = j->rbuf + off + HDR;
            uint64_t rv = (uint64_t)get32(b) | (uint64_t)get32(b + 4) << 32;
            size_t tlen = (size_t)b[8] | (size_t)b[9] << 8;
            size_t plen = (size_t)r - HDR - BODY_FIXED - tlen;
            int stop = cb(ctx, (int64_t)rv, (const char *)b + BODY_FIXED, tlen, (const char *)b + BODY_FIXED + tlen, plen);
            off += (size_t)r;
            *pos += (uint64_t)r;
            delivered++;
            if (stop) return LP_OK;
        }
        if (off == 0) return HUB_ERR_IO; /* corrupt record below the end: cannot happen */
    }
    return LP_OK;
}

int hub_journal_reset_if(hub_journal_t *j, uint64_t pos, uint64_t min_bytes, int (*commit_zero)(void *), void *ctx)
{
    int done = 0;
    pthread_mutex_lock(&j->mu);
    if (j->end == pos && pos >= min_bytes) {
        if (ftruncate(j->fd, 0) == 0 && lseek(j->fd, 0, SEEK_SET) == 0) {
            j->end = 0;
            done = 1;
            commit_zero(ctx);
        }
    }
    pthread_mutex_unlock(&j->mu);
    return done;
}
