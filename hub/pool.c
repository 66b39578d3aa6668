/* A small pool of read-only database connections for the HTTP threads. */
#include "hub.h"

#include <stdlib.h>

struct hub_pool {
    pthread_mutex_t mu;
    const char *path;
    hub_store_t **free_list;
    int nfree, cap;
};

hub_pool_t *hub_pool_new(const char *path, int size)
{
    hub_pool_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->path = path;
    p->cap = size;
    p->free_list = calloc((size_t)size, sizeof *p->free_list);
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

void hub_pool_free(hub_pool_t *p)
{
    if (!p) return;
    for (int i = 0; i < p->nfree; i++) hub_store_close(p->free_list[i]);
    free(p->free_list);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

hub_store_t *hub_pool_get(hub_pool_t *p)
{
    hub_store_t *st = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->nfree > 0) st = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    if (!st && hub_store_open(p->path, 0, &st) != LP_OK) return NULL;
    return st;
}

void hub_pool_put(hub_pool_t *p, hub_store_t *st)
{
    if (!st) return;
    pthread_mutex_lock(&p->mu);
    if (p->nfree < p->cap) { p->free_list[p->nfree++] = st; st = NULL; }
    pthread_mutex_unlock(&p->mu);
    if (st) hub_store_close(st);
}
