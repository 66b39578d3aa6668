/* lepower-hub: collects lepower reports from an MQTT broker into a database and
 * serves them over HTTP. See docs/hub.md. */
#include "hub.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static hub_t g_hub;

static void on_signal(int sig) { (void)sig; g_hub.stop = 1; }

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lepower-hub [options]\n"
            "  --broker HOST:PORT      MQTT broker (default 127.0.0.1:1883)\n"
            "  --username U --password P\n"
            "  --cafile F | --capath D  enable TLS; --cert F --key F client certificate; --tls-insecure\n"
            "  --client-id ID          MQTT client id of the persistent session (default lepower-hub)\n"
            "  --db PATH               SQLite database (default ./var/lepower.db; folder created)\n"
            "  --journal PATH          message journal (default <db>.journal)\n"
            "  --http ADDR:PORT        HTTP API (default 127.0.0.1:8080)\n"
            "  --tz ZONE               default IANA time zone of the API (default $TZ or UTC)\n"
            "  --retention-days N      raw reports kept (default 30)\n"
            "  --grid-retention-days N grid stream kept (default 7)\n"
            "  --cmd-timeout-ms N      wait for a command's ack (default 5000)\n"
            "  --journal-sync          fdatasync the journal before each database commit\n"
            "  --journal-max-mb N      truncate the journal once consumed and larger (default 64)\n"
            "  --web DIR               dashboard files served at / (default: the source tree's web/,\n"
            "                          else <exe>/../share/lepower/web)\n");
}

static int split_hostport(const char *s, const char **host, int *port)
{
    const char *c = strrchr(s, ':');
    if (!c || c == s) return -1;
    char *end;
    long p = strtol(c + 1, &end, 10);
    if (*end || p < 1 || p > 65535) return -1;
    size_t n = (size_t)(c - s);
    char *hcopy = malloc(n + 1);
    if (!hcopy) return -1;
    memcpy(hcopy, s, n);
    hcopy[n] = 0;
    *host = hcopy;
    *port = (int)p;
    return 0;
}

static int int_arg(const char *v, int lo, int hi, int *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < lo || x > hi) return -1;
    *out = (int)x;
    return 0;
}

int main(int argc, char **argv)
{
    hub_t *h = &g_hub;
    hub_config_t *c = &h->cfg;
    c->broker_host = "127.0.0.1"; c->broker_port = 1883;
    c->client_id = "lepower-hub";
    c->db_path = "./var/lepower.db";
    c->http_addr = "127.0.0.1"; c->http_port = 8080;
    c->tz = getenv("TZ") && getenv("TZ")[0] && getenv("TZ")[0] != ':' ? getenv("TZ") : "UTC";
    c->retention_days = 30; c->grid_retention_days = 7;
    c->cmd_timeout_ms = 5000;
    c->journal_max_mb = 64;
    const char *journal = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0, used = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
        else if (!strcmp(a, "--tls-insecure")) { c->tls_insecure = 1; used = 0; }
        else if (!strcmp(a, "--journal-sync")) { c->journal_sync = 1; used = 0; }
        else if (!v) bad = 1;
        else if (!strcmp(a, "--broker")) bad = split_hostport(v, &c->broker_host, &c->broker_port);
        else if (!strcmp(a, "--http")) bad = split_hostport(v, &c->http_addr, &c->http_port);
        else if (!strcmp(a, "--username")) c->username = v;
        else if (!strcmp(a, "--password")) c->password = v;
        else if (!strcmp(a, "--cafile")) c->cafile = v;
        else if (!strcmp(a, "--capath")) c->capath = v;
        else if (!strcmp(a, "--cert")) c->certfile = v;
        else if (!strcmp(a, "--key")) c->keyfile = v;
        else if (!strcmp(a, "--client-id")) c->client_id = v;
        else if (!strcmp(a, "--db")) c->db_path = v;
        else if (!strcmp(a, "--journal")) journal = v;
        else if (!strcmp(a, "--tz")) c->tz = v;
        else if (!strcmp(a, "--web")) c->web_dir = v;
        else if (!strcmp(a, "--retention-days")) bad = int_arg(v, 1, 36500, &c->retention_days);
        else if (!strcmp(a, "--grid-retention-days")) bad = int_arg(v, 1, 36500, &c->grid_retention_days);
        else if (!strcmp(a, "--cmd-timeout-ms")) bad = int_arg(v, 10, 600000, &c->cmd_timeout_ms);
        else if (!strcmp(a, "--journal-max-mb")) bad = int_arg(v, 1, 1 << 20, &c->journal_max_mb);
        else bad = 2;
        if (bad) { fprintf(stderr, "lepower-hub: bad option %s%s%s\n", a, v ? " " : "", v && bad != 2 ? v : ""); usage(stderr); return 2; }
        i += used;
    }
    if (journal) snprintf(c->journal_path, sizeof c->journal_path, "%s", journal);
    else snprintf(c->journal_path, sizeof c->journal_path, "%s.journal", c->db_path);
    hub_static_init(c->web_dir);
    if (hub_tz_load(c->tz, &h->tz) != LP_OK) { fprintf(stderr, "lepower-hub: unknown time zone '%s'\n", c->tz); return 2; }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* past a file-size limit a write or posix_fallocate() then fails with EFBIG
     * (counted, journal_io) instead of the signal killing the hub */
    signal(SIGXFSZ, SIG_IGN);

    hub_metrics_init(&h->metrics);
    h->live = hub_live_new(4096);
    h->cmds = hub_cmds_new();
    /* the writer creates the folder and the schema before the journal opens */
    hub_store_t *probe;
    if (hub_store_open(c->db_path, 1, &probe) != LP_OK) return 1;
    hub_store_close(probe);
    if (hub_journal_open(c->journal_path, &h->journal) != LP_OK) return 1;
    if (hub_writer_start(h) != LP_OK) return 1;
    h->pool = hub_pool_new(c->db_path, 8);
    if (hub_http_start(h) != LP_OK) { h->stop = 1; hub_writer_stop(h); return 1; }
    if (hub_ingest_start(h) != LP_OK) { h->stop = 1; hub_http_stop(h); hub_writer_stop(h); return 1; }
    fprintf(stderr, "lepower-hub: broker %s:%d, database %s, http %s:%d, tz %s, dashboard %s\n", c->broker_host,
            c->broker_port, c->db_path, c->http_addr, c->http_port, c->tz, hub_static_dir() ? hub_static_dir() : "(none)");

    while (!h->stop) {
        struct timespec ts = { 0, 100000000L };
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "lepower-hub: stopping\n");
    hub_ingest_stop(h);
    hub_http_stop(h);
    hub_writer_stop(h);
    hub_pool_free(h->pool);
    hub_journal_close(h->journal);
    hub_live_free(h->live);
    hub_cmds_free(h->cmds);
    hub_tz_free(h->tz);
    return 0;
}
