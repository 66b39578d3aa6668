/* Ring of recent live events for Server-Sent Events clients. */
#include "hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct hub_live {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char **ev;          /* formatted SSE text per event */
    size_t cap;
    uint64_t next;      /* sequence of the next event */
    int clients;
};

hub_live_t *hub_live_new(size_t capacity)
{
    hub_live_t *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->ev = calloc(capacity, sizeof *l->ev);
    l->cap = capacity;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    return l;
}

void hub_live_free(hub_live_t *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->cap; i++) free(l->ev[i]);
    free(l->ev);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    free(l);
}

int hub_live_clients(hub_live_t *l) { return __atomic_load_n(&l->clients, __ATOMIC_RELAXED); }

void hub_live_push(hub_live_t *l, const char *name, const char *json)
{
    size_t n = strlen(name) + strlen(json) + 20;
    char *s = malloc(n);
    if (!s) return;
    snprintf(s, n, "event: %s\ndata: %s\n\n", name, json);
    pthread_mutex_lock(&l->mu);
    size_t i = (size_t)(l->next % l->cap);
    free(l->ev[i]);
    l->ev[i] = s;
    l->next++;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

uint64_t hub_live_join(hub_live_t *l)
{
    pthread_mutex_lock(&l->mu);
    l->clients++;
    uint64_t s = l->next;
    pthread_mutex_unlock(&l->mu);
    return s;
}

void hub_live_leave(hub_live_t *l)
{
    pthread_mutex_lock(&l->mu);
    l->clients--;
    pthread_mutex_unlock(&l->mu);
}

void hub_live_wake(hub_live_t *l)
{
    pthread_mutex_lock(&l->mu);
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

size_t hub_live_read(hub_live_t *l, uint64_t *seq, char *buf, size_t cap, int wait_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += wait_ms / 1000;
    ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&l->mu);
    if (*seq >= l->next) pthread_cond_timedwait(&l->cv, &l->mu, &ts);
    if (l->next - *seq > l->cap) *seq = l->next - l->cap; /* too slow: skip the lost ones */
    size_t used = 0;
    while (*seq < l->next) {
        const char *e = l->ev[*seq % l->cap];
        size_t n = strlen(e);
        if (used + n > cap) break;
        memcpy(buf + used, e, n);
        used += n;
        (*seq)++;
    }
    pthread_mutex_unlock(&l->mu);
    return used;
}
