/* lepower-proto-check - validate lepower protocol v1 payloads (docs/protocol.md).
 *
 *   lepower-proto-check [--topic TOPIC] [--dump] [FILE...]
 *
 * Reads one JSON document per line from each FILE ("-" or none: stdin). TOPIC is a
 * full topic (lepower/<device_id>/<kind>) or a bare kind (telemetry, grid, status,
 * info, state, event, cmd, ack); default telemetry. For every line prints
 *   OK                                  (with --dump: OK <decoded values as JSON>)
 *   ERROR <status> at <offset>: <message>
 * Empty lines are skipped; a line of only spaces is checked like any payload (and is
 * invalid JSON: a payload of blanks is a syntax error, tests/vectors/invalid.json).
 * `--parse-topic TOPIC` only checks a topic and prints
 * "OK <device_id> <kind>" or "ERROR <status>". Exit 0 if every line is valid, 1 otherwise, 2 on usage
 * or I/O errors. --dump prints the decoded struct members (integers in the units
 * of the member names, e.g. voltage_mv), as used by tests/vectors/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "lp_proto.h"

static const char *usage =
    "usage: lepower-proto-check [--topic TOPIC] [--dump] [FILE...]\n"
    "       lepower-proto-check --parse-topic TOPIC\n"
    "  TOPIC: lepower/<device_id>/<kind> or a kind (telemetry, grid, status, info,\n"
    "         state, event, cmd, ack); default telemetry\n"
    "  one JSON payload per line; prints OK or ERROR <status> at <offset>: <message>\n"
    "  exit 0 all valid, 1 some invalid, 2 usage or I/O error\n";

/* ---- --dump ---- */
static int first;
static void key(const char *k) { printf("%s\"%s\":", first ? "" : ",", k); first = 0; }
static void d_i(const char *k, int64_t v) { key(k); printf("%" PRId64, v); }
static void d_u(const char *k, uint64_t v) { key(k); printf("%" PRIu64, v); }
static void d_b(const char *k, bool v) { key(k); printf(v ? "true" : "false"); }
static void d_s(const char *k, const char *s)
{
    key(k);
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') printf("\\%c", ch);
        else if (ch < 0x20) printf("\\u%04x", ch);
        else putchar(ch);
    }
    putchar('"');
}
static void d_arr(const char *k, const int32_t *a, unsigned n)
{
    unsigned i;
    key(k);
    putchar('[');
    for (i = 0; i < n; i++) {
        if (i) putchar(',');
        if (a[i] == LP_PROTO_GRID_INVALID) printf("null");
        else printf("%" PRId32, a[i]);
    }
    putchar(']');
}

static const char *const cause_s[] = {"user", "schedule", "grid", "protection", "power_on"};
static const char *const pwr_s[] = {"off", "on", "previous"};
static const char *const met_s[] = {"none", "shunt", "ct", "hall", "rogowski"};
static const char *const evt_s[] = {"relay", "grid", "fault", "counter_reset"};
static const char *const gev_s[] = {"under_frequency", "over_frequency", "rocof", "voltage_loss", "voltage_return"};
static const char *const act_s[] = {"relay", "interval", "safety", "clear_trip", "reset_energy", "info"};
static const char *const rly_s[] = {"off", "on", "toggle"};

static void dump(lp_proto_kind_t kind, const lp_proto_msg_t *m)
{
    first = 1;
    putchar('{');
    switch (kind) {
    case LP_PROTO_TELEMETRY: {
        const lp_proto_telemetry_t *t = &m->telemetry;
        d_i("ts_ms", t->ts_ms); d_u("boot", t->boot); d_u("seq", t->seq);
        d_u("interval_ms", t->interval_ms);
        if (t->has_voltage) d_u("voltage_mv", t->voltage_mv);
        if (t->has_current) d_u("current_ua", t->current_ua);
        d_i("power_mw", t->power_mw);
        if (t->has_apparent_power) d_i("apparent_power_milli_va", t->apparent_power_milli_va);
        if (t->has_reactive_power) d_i("reactive_power_milli_var", t->reactive_power_milli_var);
        if (t->has_power_factor) d_i("power_factor_milli", t->power_factor_milli);
        if (t->has_frequency) d_u("frequency_uhz", t->frequency_uhz);
        if (t->has_rocof) d_i("rocof_uhz_per_s", t->rocof_uhz_per_s);
        d_u("energy_import_mwh", t->energy_import_mwh);
        d_u("energy_export_mwh", t->energy_export_mwh);
        d_u("energy_epoch", t->energy_epoch);
        if (t->has_relay) d_b("relay", t->relay);
        d_b("replay", t->replay);
        break;
    }
    case LP_PROTO_GRID: {
        const lp_proto_grid_t *g = &m->grid;
        d_u("boot", g->boot); d_u("seq", g->seq); d_i("t0_ms", g->t0_ms);
        d_u("period_us", g->period_us);
        d_arr("frequency_uhz", g->frequency_uhz, g->count);
        if (g->has_rocof) d_arr("rocof_uhz_per_s", g->rocof_uhz_per_s, g->count);
        if (g->has_voltage) d_arr("voltage_mv", g->voltage_mv, g->count);
        break;
    }
    case LP_PROTO_STATUS:
        d_s("state", m->status.online ? "online" : "offline");
        if (m->status.has_boot) d_u("boot", m->status.boot);
        break;
    case LP_PROTO_INFO: {
        const lp_proto_info_t *i = &m->info;
        d_s("model", i->model); d_s("firmware", i->firmware); d_s("hardware", i->hardware);
        d_u("nominal_voltage_v", i->nominal_voltage_v);
        d_u("nominal_frequency_hz", i->nominal_frequency_hz);
        d_u("max_current_ma", i->max_current_ma);
        d_b("relay", i->relay); d_s("metering", met_s[i->metering]);
        d_b("grid_stream", i->grid_stream);
        if (i->has_interval) d_u("interval_ms", i->interval_ms);
        if (i->has_min_on_time) d_u("min_on_time_s", i->min_on_time_s);
        if (i->has_min_off_time) d_u("min_off_time_s", i->min_off_time_s);
        if (i->has_power_on) d_s("power_on", pwr_s[i->power_on]);
        if (i->has_overcurrent_limit) d_u("overcurrent_limit_ma", i->overcurrent_limit_ma);
        break;
    }
    case LP_PROTO_STATE:
        d_b("relay", m->state.relay); d_s("cause", cause_s[m->state.cause]);
        if (m->state.has_ts) d_i("ts_ms", m->state.ts_ms);
        if (m->state.has_id) d_s("id", m->state.id);
        d_b("tripped", m->state.tripped);
        break;
    case LP_PROTO_EVENT: {
        const lp_proto_event_t *e = &m->event;
        d_i("ts_ms", e->ts_ms); d_u("boot", e->boot); d_u("seq", e->seq);
        d_s("type", evt_s[e->type]);
        if (e->has_relay) d_b("relay", e->relay);
        if (e->has_cause) d_s("cause", cause_s[e->cause]);
        if (e->has_grid) d_s("grid", gev_s[e->grid]);
        if (e->has_frequency) d_u("frequency_uhz", e->frequency_uhz);
        if (e->has_rocof) d_i("rocof_uhz_per_s", e->rocof_uhz_per_s);
        if (e->has_voltage) d_u("voltage_mv", e->voltage_mv);
        if (e->has_fault) d_s("fault", e->fault);
        if (e->has_energy_epoch) d_u("energy_epoch", e->energy_epoch);
        if (e->has_energy_import) d_u("energy_import_mwh", e->energy_import_mwh);
        if (e->has_energy_export) d_u("energy_export_mwh", e->energy_export_mwh);
        if (e->has_message) d_s("message", e->message);
        break;
    }
    case LP_PROTO_CMD: {
        const lp_proto_cmd_t *c = &m->cmd;
        d_s("id", c->id); d_i("expires_ms", c->expires_ms); d_s("action", act_s[c->action]);
        switch (c->action) {
        case LP_PROTO_ACTION_RELAY: d_s("relay", rly_s[c->relay]); break;
        case LP_PROTO_ACTION_INTERVAL: d_u("interval_ms", c->interval_ms); break;
        case LP_PROTO_ACTION_SAFETY:
            if (c->has_min_on_time) d_u("min_on_time_s", c->min_on_time_s);
            if (c->has_min_off_time) d_u("min_off_time_s", c->min_off_time_s);
            if (c->has_power_on) d_s("power_on", pwr_s[c->power_on]);
            if (c->has_overcurrent_limit) d_u("overcurrent_limit_ma", c->overcurrent_limit_ma);
            break;
        case LP_PROTO_ACTION_RESET_ENERGY: d_u("confirm_epoch", c->confirm_epoch); break;
        default: break;
        }
        break;
    }
    case LP_PROTO_ACK:
        d_s("id", m->ack.id); d_b("ok", m->ack.ok);
        if (m->ack.has_error) d_s("error", m->ack.error);
        if (m->ack.has_message) d_s("message", m->ack.message);
        if (m->ack.has_retry_after) d_u("retry_after_s", m->ack.retry_after_s);
        break;
    default: break;
    }
    putchar('}');
}

static int check_stream(FILE *f, lp_proto_kind_t kind, int do_dump, int *bad)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    static lp_proto_msg_t msg;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lp_proto_error_t err;
        size_t len = (size_t)n;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len == 0)
            continue;
        if (lp_proto_decode(kind, line, len, &msg, &err) == LP_OK) {
            printf("OK");
            if (do_dump) {
                putchar(' ');
                dump(kind, &msg);
            }
            putchar('\n');
        } else {
            *bad = 1;
            printf("ERROR %s at %" PRIu32 ": %s%s%s%s\n", lp_status_str(err.status), err.offset,
                   err.key ? "\"" : "", err.key ? err.key : "", err.key ? "\": " : "", err.message);
        }
    }
    free(line);
    return ferror(f) ? -1 : 0;
}

static int parse_kind(const char *s, lp_proto_kind_t *kind)
{
    unsigned k;
    if (lp_proto_topic_parse(s, strlen(s), NULL, kind) == LP_OK)
        return 0;
    for (k = 0; k < LP_PROTO_KIND_COUNT; k++) {
        if (strcmp(s, lp_proto_kind_name((lp_proto_kind_t)k)) == 0) {
            *kind = (lp_proto_kind_t)k;
            return 0;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    lp_proto_kind_t kind = LP_PROTO_TELEMETRY;
    int i, bad = 0, do_dump = 0, nfiles = 0;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--parse-topic") == 0) {
            char id[LP_PROTO_DEVICE_ID_MAX + 1];
            lp_proto_kind_t k;
            lp_status_t st;
            if (i + 1 >= argc) {
                fputs(usage, stderr);
                return 2;
            }
            st = lp_proto_topic_parse(argv[i + 1], strlen(argv[i + 1]), id, &k);
            if (st != LP_OK) {
                printf("ERROR %s\n", lp_status_str(st));
                return 1;
            }
            printf("OK %s %s\n", id, lp_proto_kind_name(k));
            return 0;
        } else if (strcmp(a, "--dump") == 0) {
            do_dump = 1;
        } else if (strcmp(a, "--topic") == 0 || strncmp(a, "--topic=", 8) == 0) {
            const char *t = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (t == NULL || parse_kind(t, &kind) != 0) {
                fprintf(stderr, "lepower-proto-check: bad or missing topic%s%s\n%s", t ? ": " : "",
                        t ? t : "", usage);
                return 2;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "lepower-proto-check: unknown option %s\n%s", a, usage);
            return 2;
        } else {
            break;
        }
    }
    for (; i < argc; i++) {
        FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "rb");
        int rc;
        nfiles++;
        if (f == NULL) {
            perror(argv[i]);
            return 2;
        }
        rc = check_stream(f, kind, do_dump, &bad);
        if (f != stdin)
            fclose(f);
        if (rc != 0) {
            fprintf(stderr, "lepower-proto-check: read error on %s\n", argv[i]);
            return 2;
        }
    }
    if (nfiles == 0 && check_stream(stdin, kind, do_dump, &bad) != 0) {
        fprintf(stderr, "lepower-proto-check: read error on stdin\n");
        return 2;
    }
    if (fflush(stdout) != 0)
        return 2;
    return bad ? 1 : 0;
}
