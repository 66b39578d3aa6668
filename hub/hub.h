/**
 * @file hub.h
 * @brief The hub's shared context: configuration, connections, metrics, live
 *        events and pending commands. One ::hub_t per process.
 */
#ifndef HUB_HUB_H
#define HUB_HUB_H

#include <pthread.h>
#include <stdint.h>
#include "calendar.h"
#include "journal.h"
#include "store.h"

struct mosquitto;

typedef struct {
    const char *broker_host; int broker_port;
    const char *username, *password;
    const char *cafile, *capath, *certfile, *keyfile; int tls_insecure;
    const char *client_id;
    const char *db_path;
    char journal_path[1024];
    const char *http_addr; int http_port;
    const char *tz;            /**< default zone of the API */
    int retention_days, grid_retention_days;
    int cmd_timeout_ms;
    int journal_sync;          /**< fdatasync the journal before each commit */
    int journal_max_mb;        /**< truncate the consumed journal once larger than this */
    const char *web_dir;       /**< dashboard folder (--web), NULL: default */
} hub_config_t;

/** Rejections per device and reason (bounded table). */
#define HUB_REJECT_SLOTS 1024
typedef struct {
    char device[LP_PROTO_DEVICE_ID_MAX + 1];
    char reason[32];
    uint64_t count;
} hub_reject_t;

typedef struct {
    uint64_t received, stored, duplicates, invalid, batches;
    uint64_t commit_us_sum, commit_us_max;
    uint64_t last_commit_ms; /* Unix ms of the last committed batch, 0: none yet */
    uint64_t commit_hist[8]; /* <=1,5,10,50,100,500,1000 ms, +Inf */
    pthread_mutex_t mu;      /* protects rejects and log times */
    hub_reject_t rejects[HUB_REJECT_SLOTS];
    size_t nrejects;
    uint64_t rejects_dropped;
    struct { char device[LP_PROTO_DEVICE_ID_MAX + 1]; int64_t ms; } logged[256];
} hub_metrics_t;

typedef struct hub_live hub_live_t;
typedef struct hub_cmds hub_cmds_t;
typedef struct hub_writer hub_writer_t;
typedef struct hub_pool hub_pool_t;

typedef struct hub {
    hub_config_t cfg;
    hub_tz_t *tz;
    hub_journal_t *journal;
    hub_writer_t *writer;
    hub_pool_t *pool;
    struct mosquitto *mosq;
    int mqtt_connected;
    hub_metrics_t metrics;
    hub_live_t *live;
    hub_cmds_t *cmds;
    volatile int stop;
} hub_t;

/** @brief Unix time now, ms. */
int64_t hub_now_ms(void);

/* ---- metrics (metrics.c) ---- */
void hub_metrics_init(hub_metrics_t *m);
/** @brief Count one rejected message and log it (at most once a minute per device). */
void hub_metrics_reject(hub_metrics_t *m, const char *device, const char *reason, const char *detail);
void hub_metrics_commit(hub_metrics_t *m, uint64_t us);
#define HUB_ADD(field, n) __atomic_add_fetch(&(field), (n), __ATOMIC_RELAXED)
#define HUB_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* ---- live events (live.c): a ring of recent events for SSE clients ---- */
hub_live_t *hub_live_new(size_t capacity);
void hub_live_free(hub_live_t *l);
/** @brief Number of connected clients (events are only built when > 0). */
int hub_live_clients(hub_live_t *l);
/** @brief Publish one SSE event (`event: <name>`, `data: <json>`). */
void hub_live_push(hub_live_t *l, const char *name, const char *json);
/** @brief Register a client; returns the sequence to read from. */
uint64_t hub_live_join(hub_live_t *l);
void hub_live_leave(hub_live_t *l);
/**
 * @brief Copy the SSE text of events from *seq on into buf (whole events only),
 *        waiting up to @p wait_ms for one. @return bytes written (0: none yet).
 */
size_t hub_live_read(hub_live_t *l, uint64_t *seq, char *buf, size_t cap, int wait_ms);
void hub_live_wake(hub_live_t *l);

/* ---- commands (commands.c) ---- */
hub_cmds_t *hub_cmds_new(void);
void hub_cmds_free(hub_cmds_t *c);
/**
 * @brief Publish a relay command to @p device and wait for its ack.
 * @param ack_json out: the ack payload as received (NUL-terminated).
 * @return LP_OK (ack received), HUB_ERR_TIMEOUT, HUB_ERR_IO (not connected /
 *         publish failed), LP_ERR_RANGE (bad device id).
 */
lp_status_t hub_cmd_relay(hub_t *h, const char *device, lp_proto_relay_cmd_t relay,
                          char *ack_json, size_t cap, char *cmd_id, size_t idcap);
/** @brief Called by the message handler for every ack. */
void hub_cmds_ack(hub_cmds_t *c, const char *device, const lp_proto_ack_t *ack, const char *payload, size_t len);

/* ---- writer (writer.c): journal -> database ---- */
lp_status_t hub_writer_start(hub_t *h);
void hub_writer_stop(hub_t *h);
/** @brief Run @p fn on the writer's connection inside a transaction, serialised with ingest. */
lp_status_t hub_writer_exec(hub_t *h, lp_status_t (*fn)(hub_store_t *, void *), void *ctx);
/** @brief Delete a device and its data, and drop the writer's state of it, atomically
 *         with respect to ingest. @return LP_OK, HUB_ERR_NOT_FOUND, HUB_ERR_DB. */
lp_status_t hub_writer_delete_device(hub_t *h, const char *device);
/** @brief Wait until everything journaled so far is in the database (tests, shutdown). */
int hub_writer_flush(hub_t *h, int timeout_ms);
/** @brief Reports waiting in the journal, bytes. */
uint64_t hub_writer_backlog(hub_t *h);

/* ---- read connections (pool.c) ---- */
hub_pool_t *hub_pool_new(const char *path, int size);
void hub_pool_free(hub_pool_t *p);
hub_store_t *hub_pool_get(hub_pool_t *p);
void hub_pool_put(hub_pool_t *p, hub_store_t *st);

/* ---- MQTT (ingest.c) ---- */
lp_status_t hub_ingest_start(hub_t *h);
void hub_ingest_stop(hub_t *h);

/* ---- dashboard files (static.c) ---- */
/** @brief Folder to serve: @p dir, else <exe>/../../../web, else <exe>/../share/lepower/web, else none. */
void hub_static_init(const char *dir);
const char *hub_static_dir(void);
/** @brief Serve @p url from the folder: 1 and *ret when queued, 0 when it is no file of it. */
int hub_static_serve(void *connection, const char *url, int *ret);

/* ---- HTTP (http_api.c) ---- */
lp_status_t hub_http_start(hub_t *h);
void hub_http_stop(hub_t *h);

#endif
