/* Ingest counters and rejection log throttling. */
#include "hub.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t hub_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hub_metrics_init(hub_metrics_t *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
}

void hub_metrics_reject(hub_metrics_t *m, const char *device, const char *reason, const char *detail)
{
    HUB_ADD(m->invalid, 1);
    if (!device) device = "";
    pthread_mutex_lock(&m->mu);
    size_t i;
    for (i = 0; i < m->nrejects; i++)
        if (!strcmp(m->rejects[i].device, device) && !strcmp(m->rejects[i].reason, reason)) break;
    if (i == m->nrejects) {
        if (m->nrejects < HUB_REJECT_SLOTS) {
            snprintf(m->rejects[i].device, sizeof m->rejects[i].device, "%s", device);
            snprintf(m->rejects[i].reason, sizeof m->rejects[i].reason, "%s", reason);
            m->nrejects++;
        } else {
            /* table full: count under an anonymous device */
            for (i = 0; i < m->nrejects; i++)
                if (!m->rejects[i].device[0] && !strcmp(m->rejects[i].reason, reason)) break;
            if (i == m->nrejects) { m->rejects_dropped++; pthread_mutex_unlock(&m->mu); return; }
        }
    }
    m->rejects[i].count++;
    /* log at most once a minute per device (slot by hash; a collision only delays a log) */
    unsigned hsh = 5381;
    for (const char *p = device; *p; p++) hsh = hsh * 33 + (unsigned char)*p;
    hsh %= 256;
    int64_t now = hub_now_ms();
    int log = strcmp(m->logged[hsh].device, device) != 0 || now - m->logged[hsh].ms >= 60000;
    if (log) {
        snprintf(m->logged[hsh].device, sizeof m->logged[hsh].device, "%s", device);
        m->logged[hsh].ms = now;
    }
    pthread_mutex_unlock(&m->mu);
    if (log) fprintf(stderr, "lepower-hub: rejected message from '%s': %s%s%s (further rejections of this device counted, logged again in 1 min)\n",
                     device, reason, detail && detail[0] ? ": " : "", detail ? detail : "");
}

void hub_metrics_commit(hub_metrics_t *m, uint64_t us)
{
    static const uint64_t le_us[7] = { 1000, 5000, 10000, 50000, 100000, 500000, 1000000 };
    HUB_ADD(m->batches, 1);
    __atomic_store_n(&m->last_commit_ms, (uint64_t)hub_now_ms(), __ATOMIC_RELAXED);
    HUB_ADD(m->commit_us_sum, us);
    uint64_t mx = HUB_GET(m->commit_us_max);
    if (us > mx) __atomic_store_n(&m->commit_us_max, us, __ATOMIC_RELAXED);
    int b = 0;
    while (b < 7 && us > le_us[b]) b++;
    HUB_ADD(m->commit_hist[b], 1);
}
