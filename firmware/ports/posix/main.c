/* lepower-plug - the virtual plug: the plug firmware core on a POSIX port, fed with
 * samples synthesised from a power trace (or a recorded waveform), on a simulated clock,
 * publishing to a real MQTT broker through libmosquitto. See docs/firmware.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <mosquitto.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lp_fw_plug.h"
#include "lp_fw_ramflash.h"
#include "../../../tools/common/lp_recording.h"
#include "synth.h"
#include "trace.h"

#define FLASH_SECTOR_SIZE 2048u
#define FLASH_SECTORS 16u          /* energy record store */
#define SETTINGS_SECTORS 2u        /* settings store, after the energy sectors */
#define MAX_SPEED 1000.0

static volatile sig_atomic_t g_stop, g_pwr;
static void on_signal(int sig)
{
    if (sig == SIGPWR) g_pwr = 1;
    else g_stop = 1;
}

typedef struct app {
    /* options */
    const char *trace_path, *waveform_path, *freq_path, *broker, *user, *pass;
    const char *cafile, *capath, *certfile, *keyfile, *state_dir;
    int tls_insecure, catch_up, fast_history, verbose, have_start, count;
    double speed, voltage, duration_s;
    int64_t start_ms;
    load_kind_t load;
    uint64_t seed;
    uint32_t ring_cap;
    double fs;
    /* shared, read-only sources */
    trace_t trace;
    int have_trace;
    freq_trace_t ft;
    int have_ft;
    lp_recording_t rec;
    int have_rec;
    char host[256];
    int port;
} app_t;

/* One virtual plug: the firmware core and everything its ports need. The simulated clock
 * of a plug is its own ADC sample count: elapsed = base_s + samples / fs. */
typedef struct vplug {
    int idx;
    char id[LP_PROTO_DEVICE_ID_MAX + 1];
    lp_fw_plug_t plug;
    lp_fw_pending_t *ring;
    trace_t trace;          /* shallow copy of A.trace with its own lookup cursor */
    double trace_origin_s;  /* trace time at elapsed 0 */
    synth_t syn;
    size_t rec_idx;
    double base_s;
    uint64_t samples, adc_avail;
    int sample_mode;        /* 1: ADC samples; 0: cycle-level */
    void *mem;              /* mapped flash image */
    lp_fw_ramflash_t flash, settings_flash;
    int relay_on;
    struct mosquitto *mosq;
    int connected, closing, connecting;
    double next_connect_real;  /* earliest next connect attempt; while connecting: give-up time */
    lp_fw_adc_port_t adc;
    lp_fw_clock_port_t clk;
    lp_fw_relay_port_t rel;
    lp_fw_net_port_t net;
    lp_fw_log_port_t log;
} vplug_t;

static app_t A;

static double real_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
static int64_t wall_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static double elapsed_s(const vplug_t *v) { return v->base_s + (double)v->samples / A.fs; }

/* ---- ports ------------------------------------------------------------------ */

static uint64_t clk_mono(void *ctx) { return (uint64_t)(elapsed_s(ctx) * 1000.0); }
static int clk_wall(void *ctx, int64_t *ms)
{
    *ms = A.start_ms + (int64_t)(elapsed_s(ctx) * 1000.0);
    return 1;
}

static void update_power(vplug_t *v)
{
    if (!A.have_trace) return;
    double p, q;
    trace_at(&v->trace, v->trace_origin_s + elapsed_s(v), &p, &q);
    synth_set_power(&v->syn, p, q, A.trace.q_var != NULL);
}

static uint32_t adc_read(void *ctx, int16_t *vs, int16_t *is, uint32_t max)
{
    vplug_t *v = ctx;
    uint64_t avail = v->adc_avail > v->samples ? v->adc_avail - v->samples : 0;
    uint32_t n = avail < max ? (uint32_t)avail : max;
    if (n == 0) return 0;
    if (A.have_rec) {
        const double vpc = v->plug.cfg.meter.fe.volts_per_count, apc = v->plug.cfg.meter.fe.amps_per_count;
        for (uint32_t k = 0; k < n; k++) {
            double vv = A.rec.v_v[v->rec_idx] / vpc, ii = v->relay_on ? A.rec.i_a[v->rec_idx] / apc : 0.0;
            vs[k] = (int16_t)fmax(-2048, fmin(2047, floor(vv + 0.5)));
            is[k] = (int16_t)fmax(-2048, fmin(2047, floor(ii + 0.5)));
            if (++v->rec_idx >= A.rec.n) v->rec_idx = 0;
        }
    } else {
        update_power(v);
        synth_block(&v->syn, vs, is, n, v->relay_on);
    }
    v->samples += n;
    return n;
}

static void relay_set(void *ctx, int on) { ((vplug_t *)ctx)->relay_on = on; }

static lp_status_t net_publish(void *ctx, const char *topic, const void *payload, size_t len, int qos,
                               int retain, int32_t *token)
{
    vplug_t *v = ctx;
    if (!v->mosq || !v->connected) return LP_ERR_FW_NOT_CONNECTED;
    int mid = 0;
    int rc = mosquitto_publish(v->mosq, &mid, topic, (int)len, payload, qos, retain != 0);
    if (rc != MOSQ_ERR_SUCCESS) return LP_ERR_FW_NOT_CONNECTED;
    if (token) *token = mid;
    return LP_OK;
}
static lp_status_t net_subscribe(void *ctx, const char *topic)
{
    vplug_t *v = ctx;
    if (!v->mosq || !v->connected) return LP_ERR_FW_NOT_CONNECTED;
    return mosquitto_subscribe(v->mosq, NULL, topic, 1) == MOSQ_ERR_SUCCESS ? LP_OK : LP_ERR_FW_NOT_CONNECTED;
}

static void log_line(void *ctx, int level, const char *text)
{
    vplug_t *v = ctx;
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (level > LP_FW_LOG_INFO && !A.verbose) return;
    fprintf(stderr, "lepower-plug: %s t=%.3f %s: %s\n", v->id, elapsed_s(v), names[level & 3], text);
}

/* ---- MQTT ------------------------------------------------------------------- */

static void cb_connect(struct mosquitto *m, void *ud, int rc)
{
    vplug_t *v = ud;
    (void)m;
    if (rc != 0) {
        fprintf(stderr, "lepower-plug: %s: broker refused the connection: %s\n", v->id, mosquitto_connack_string(rc));
        return;
    }
    v->connected = 1;
    v->connecting = 0;
    if (A.verbose) fprintf(stderr, "lepower-plug: %s connected\n", v->id);
    lp_fw_plug_on_connect(&v->plug);
}
static void cb_disconnect(struct mosquitto *m, void *ud, int rc)
{
    vplug_t *v = ud;
    (void)m; (void)rc;
    if (v->connected && A.verbose) fprintf(stderr, "lepower-plug: %s disconnected\n", v->id);
    v->connected = 0;
    if (v->connecting) { v->connecting = 0; v->next_connect_real = real_now() + 0.5; }
    lp_fw_plug_on_disconnect(&v->plug);
}
static void cb_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
    vplug_t *v = ud;
    (void)m;
    lp_fw_plug_on_message(&v->plug, msg->topic, msg->payload, (size_t)(msg->payloadlen > 0 ? msg->payloadlen : 0),
                          msg->retain);
}
static void cb_publish(struct mosquitto *m, void *ud, int mid)
{
    (void)m;
    lp_fw_plug_on_published(&((vplug_t *)ud)->plug, mid);
}

/* (re)connect every 0.5 s while there is no session; a connection waiting for its CONNACK
 * is given 10 s before it is abandoned */
static void mqtt_try_connect(vplug_t *v)
{
    if (!v->mosq || v->connected || v->closing || real_now() < v->next_connect_real) return;
    int rc = mosquitto_connect(v->mosq, A.host, A.port, 30);
    v->connecting = rc == MOSQ_ERR_SUCCESS;
    v->next_connect_real = real_now() + (v->connecting ? 10.0 : 0.5);
    if (rc != MOSQ_ERR_SUCCESS && A.verbose)
        fprintf(stderr, "lepower-plug: %s: connect %s:%d: %s\n", v->id, A.host, A.port, mosquitto_strerror(rc));
}

static void net_error(vplug_t *v, int rc)
{
    if (rc == MOSQ_ERR_SUCCESS) return;
    if (A.verbose && v->connected) fprintf(stderr, "lepower-plug: %s network: %s\n", v->id, mosquitto_strerror(rc));
    if (v->connected || v->connecting) cb_disconnect(v->mosq, v, rc);
}

/* network work of every plug, waiting up to timeout_ms for traffic. One plug: the
 * library's own loop. Several: poll() over the sockets (the library's loop uses select(),
 * limited to 1024 descriptors, and it keeps a socket pair per client). */
static void mqtt_service(vplug_t *vs, int n, int timeout_ms)
{
    if (n == 1 && vs[0].mosq) {
        mqtt_try_connect(&vs[0]);
        int rc = mosquitto_loop(vs[0].mosq, timeout_ms, 1);
        if (rc != MOSQ_ERR_SUCCESS) {
            net_error(&vs[0], rc);
            if (timeout_ms > 0) usleep((useconds_t)timeout_ms * 1000u);
        }
        return;
    }
    static struct pollfd *pfd;
    static int *who, cap;
    if (cap < n) {
        free(pfd);
        free(who);
        pfd = calloc((size_t)n, sizeof *pfd);
        who = calloc((size_t)n, sizeof *who);
        cap = pfd && who ? n : 0;
        if (!cap) return;
    }
    int m = 0;
    for (int k = 0; k < n; k++) {
        vplug_t *v = &vs[k];
        if (!v->mosq) continue;
        mqtt_try_connect(v);
        int fd = mosquitto_socket(v->mosq);
        if (fd < 0) continue;
        pfd[m].fd = fd;
        pfd[m].events = (short)(POLLIN | (mosquitto_want_write(v->mosq) ? POLLOUT : 0));
        pfd[m].revents = 0;
        who[m++] = k;
    }
    if (m == 0) {
        if (timeout_ms > 0) usleep((useconds_t)timeout_ms * 1000u);
        return;
    }
    int r = poll(pfd, (nfds_t)m, timeout_ms);
    for (int j = 0; j < m; j++) {
        vplug_t *v = &vs[who[j]];
        int rc = MOSQ_ERR_SUCCESS;
        if (r > 0 && (pfd[j].revents & (POLLIN | POLLHUP | POLLERR))) rc = mosquitto_loop_read(v->mosq, 1);
        if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(v->mosq) >= 0 && mosquitto_want_write(v->mosq))
            rc = mosquitto_loop_write(v->mosq, 1);
        if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_misc(v->mosq);
        net_error(v, rc);
    }
}

static int mqtt_setup(vplug_t *v)
{
    char cid[64];
    snprintf(cid, sizeof cid, "lepower-plug-%s", v->id);
    v->mosq = mosquitto_new(cid, true, v);
    if (!v->mosq) return -1;
    mosquitto_int_option(v->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(v->mosq, 0);
    mosquitto_connect_callback_set(v->mosq, cb_connect);
    mosquitto_disconnect_callback_set(v->mosq, cb_disconnect);
    mosquitto_message_callback_set(v->mosq, cb_message);
    mosquitto_publish_callback_set(v->mosq, cb_publish);
    char wtopic[LP_PROTO_TOPIC_BUF], wpay[64];
    size_t wlen = 0;
    if (lp_fw_plug_will(&v->plug, wtopic, wpay, sizeof wpay, &wlen) != LP_OK) return -1;
    mosquitto_will_set(v->mosq, wtopic, (int)wlen, wpay, 1, true);
    if (A.user) mosquitto_username_pw_set(v->mosq, A.user, A.pass);
    if (A.cafile || A.capath) {
        int rc = mosquitto_tls_set(v->mosq, A.cafile, A.capath, A.certfile, A.keyfile, NULL);
        if (rc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "lepower-plug: TLS setup: %s\n", mosquitto_strerror(rc));
            return -1;
        }
        if (A.tls_insecure) mosquitto_tls_insecure_set(v->mosq, true);
    }
    return 0;
}

/* ---- flash file --------------------------------------------------------------- */

static void *flash_map(const char *dir)
{
    char path[4200];
    size_t size = (size_t)FLASH_SECTOR_SIZE * (FLASH_SECTORS + SETTINGS_SECTORS);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "lepower-plug: %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    snprintf(path, sizeof path, "%s/flash.bin", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) { fprintf(stderr, "lepower-plug: %s: %s\n", path, strerror(errno)); return NULL; }
    struct stat st;
    fstat(fd, &st);
    if ((size_t)st.st_size > size || st.st_size % FLASH_SECTOR_SIZE != 0) {
        fprintf(stderr, "lepower-plug: %s: not a flash image of this plug (%lld bytes)\n", path, (long long)st.st_size);
        close(fd);
        return NULL;
    }
    if ((size_t)st.st_size < size) { /* new chip, or an image without the settings sectors: erased */
        uint8_t ff[FLASH_SECTOR_SIZE];
        memset(ff, 0xFF, sizeof ff);
        if (lseek(fd, st.st_size, SEEK_SET) < 0) { close(fd); return NULL; }
        for (size_t k = (size_t)st.st_size; k < size; k += sizeof ff)
            if (write(fd, ff, sizeof ff) != (ssize_t)sizeof ff) { close(fd); return NULL; }
    }
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (mem == MAP_FAILED) { fprintf(stderr, "lepower-plug: mmap %s: %s\n", path, strerror(errno)); return NULL; }
    return mem;
}

/* one cycle-level step of the fast history path */
static void feed_cycle(vplug_t *v)
{
    lp_fw_cycle_input_t ci;
    double p, q;
    trace_at(&v->trace, v->trace_origin_s + elapsed_s(v), &p, &q);
    synth_set_power(&v->syn, p, q, A.trace.q_var != NULL);
    synth_cycle(&v->syn, v->relay_on, &ci.duration_s, &ci.vrms_v, &ci.irms_a, &ci.p_w, &ci.q_var, &ci.f_hz);
    v->base_s += ci.duration_s;
    lp_fw_plug_feed_cycle(&v->plug, &ci);
}

/* ---- options ------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
"usage: lepower-plug (--trace FILE | --waveform FILE) [options]\n"
"The virtual plug: the plug firmware on a simulated clock, publishing to an MQTT broker.\n"
"Samples:\n"
"  --trace FILE           power trace: tracebase (DD/MM/YYYY HH:MM:SS;P;P8) or CSV t_s,p_w[,q_var]\n"
"  --load KIND            resistive|motor|smps|led (default resistive): PF and harmonics\n"
"  --waveform FILE        recorded CSV/WAV waveform (as lepower-meter reads it), looped\n"
"  --frequency-trace FILE grid frequency CSV (t_s or time, and a freq column), looped\n"
"  --voltage V            RMS voltage (default 230)\n"
"  --seed N               noise and random-walk seed (default 1)\n"
"Time:\n"
"  --speed X              X times real time, 0 < X <= 1000 (default 1)\n"
"  --start ISO8601        simulated start, UTC (YYYY-MM-DDTHH:MM:SS[Z]); default: the\n"
"                         trace's first time of day, today (yesterday if still ahead)\n"
"  --catch-up             run as fast as possible until the simulated clock reaches the\n"
"                         wall clock, then in real time\n"
"  --fast-history         while catching up, feed per-cycle values (no per-sample DSP)\n"
"  --duration S           stop cleanly after S simulated seconds\n"
"Session:\n"
"  --broker HOST:PORT     MQTT broker (without it the plug runs offline, buffering)\n"
"  --username U --password P\n"
"  --cafile F --capath D --certfile F --keyfile F --tls-insecure   TLS\n"
"  --id ID                device id, [a-z0-9-]{1,32} (default plug-1)\n"
"  --state-dir DIR        holds the emulated flash (default ./plug-state)\n"
"  --count N              run N plugs in this process (ids ID-1..ID-N, flash in\n"
"                         DIR/ID-k, each trace offset by k x 3607 s), default 1\n"
"Firmware settings:\n"
"  --interval S           telemetry period (default 10)\n"
"  --step W               report at once on a power change above W (default 50; 0 off)\n"
"  --ring N               offline buffer, reports (default 4096)\n"
"  --min-on S --min-off S relay minimum on/off times (default 0)\n"
"  --power-on off|on|last relay state after boot (default last)\n"
"  --overcurrent A        over-current cut-off, RMS amps (default 16; 0 off)\n"
"  --grid                 publish the grid stream (frequency, ROCOF, voltage; QoS 0)\n"
"  --grid-period S        spacing of grid values = metering window, 0.02..1 s (default 1)\n"
"  --verbose\n"
"Signals: SIGTERM/SIGINT clean stop; SIGPWR power-fail warning (final save), then exit;\n"
"SIGKILL is a sudden power cut.\n");
}

static int parse_iso(const char *s, int64_t *ms)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) < 3) return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    time_t t = timegm(&tm);
    if (t == (time_t)-1) return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

int main(int argc, char **argv)
{
    static lp_fw_plug_config_t cfg;
    lp_fw_plug_config_default(&cfg);
    memset(&A, 0, sizeof A);
    A.speed = 1.0;
    A.voltage = 230.0;
    A.seed = 1;
    A.ring_cap = 4096;
    A.state_dir = "plug-state";
    A.load = LOAD_RESISTIVE;
    A.count = 1;
    cfg.relay.limit_ma = 16000;
    enum { O_TRACE = 256, O_LOAD, O_WAVE, O_FREQ, O_VOLT, O_SEED, O_SPEED, O_START, O_CATCH, O_FAST,
           O_DUR, O_BROKER, O_USER, O_PASS, O_CAFILE, O_CAPATH, O_CERT, O_KEY, O_INSECURE, O_ID,
           O_STATE, O_INTERVAL, O_STEP, O_RING, O_MINON, O_MINOFF, O_PON, O_OC, O_VERBOSE, O_HELP,
           O_GRID, O_GRIDP, O_COUNT };
    static const struct option opts[] = {
        {"trace", 1, 0, O_TRACE}, {"load", 1, 0, O_LOAD}, {"waveform", 1, 0, O_WAVE},
        {"frequency-trace", 1, 0, O_FREQ}, {"voltage", 1, 0, O_VOLT}, {"seed", 1, 0, O_SEED},
        {"speed", 1, 0, O_SPEED}, {"start", 1, 0, O_START}, {"catch-up", 0, 0, O_CATCH},
        {"fast-history", 0, 0, O_FAST}, {"duration", 1, 0, O_DUR}, {"broker", 1, 0, O_BROKER},
        {"username", 1, 0, O_USER}, {"password", 1, 0, O_PASS}, {"cafile", 1, 0, O_CAFILE},
        {"capath", 1, 0, O_CAPATH}, {"certfile", 1, 0, O_CERT}, {"keyfile", 1, 0, O_KEY},
        {"tls-insecure", 0, 0, O_INSECURE}, {"id", 1, 0, O_ID}, {"state-dir", 1, 0, O_STATE},
        {"interval", 1, 0, O_INTERVAL}, {"step", 1, 0, O_STEP}, {"ring", 1, 0, O_RING},
        {"min-on", 1, 0, O_MINON}, {"min-off", 1, 0, O_MINOFF}, {"power-on", 1, 0, O_PON},
        {"overcurrent", 1, 0, O_OC}, {"verbose", 0, 0, O_VERBOSE}, {"help", 0, 0, O_HELP},
        {"grid", 0, 0, O_GRID}, {"grid-period", 1, 0, O_GRIDP}, {"count", 1, 0, O_COUNT},
        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_TRACE: A.trace_path = optarg; break;
        case O_LOAD:
            if (load_kind_parse(optarg, &A.load)) { fprintf(stderr, "lepower-plug: --load: unknown kind %s\n", optarg); return 2; }
            break;
        case O_WAVE: A.waveform_path = optarg; break;
        case O_FREQ: A.freq_path = optarg; break;
        case O_VOLT: A.voltage = atof(optarg); break;
        case O_SEED: A.seed = strtoull(optarg, NULL, 10); break;
        case O_SPEED: A.speed = atof(optarg); break;
        case O_START:
            if (parse_iso(optarg, &A.start_ms)) { fprintf(stderr, "lepower-plug: --start: not ISO 8601: %s\n", optarg); return 2; }
            A.have_start = 1;
            break;
        case O_CATCH: A.catch_up = 1; break;
        case O_FAST: A.fast_history = 1; break;
        case O_DUR: A.duration_s = atof(optarg); break;
        case O_BROKER: A.broker = optarg; break;
        case O_USER: A.user = optarg; break;
        case O_PASS: A.pass = optarg; break;
        case O_CAFILE: A.cafile = optarg; break;
        case O_CAPATH: A.capath = optarg; break;
        case O_CERT: A.certfile = optarg; break;
        case O_KEY: A.keyfile = optarg; break;
        case O_INSECURE: A.tls_insecure = 1; break;
        case O_ID:
            if (strlen(optarg) > LP_PROTO_DEVICE_ID_MAX) { fprintf(stderr, "lepower-plug: --id too long\n"); return 2; }
            snprintf(cfg.device_id, sizeof cfg.device_id, "%s", optarg);
            break;
        case O_STATE: A.state_dir = optarg; break;
        case O_INTERVAL: cfg.interval_ms = (uint32_t)(atof(optarg) * 1000.0); break;
        case O_STEP: cfg.step_mw = (uint32_t)(atof(optarg) * 1000.0); break;
        case O_RING: A.ring_cap = (uint32_t)atoi(optarg); break;
        case O_MINON: cfg.relay.min_on_ms = (uint32_t)(atof(optarg) * 1000.0); break;
        case O_MINOFF: cfg.relay.min_off_ms = (uint32_t)(atof(optarg) * 1000.0); break;
        case O_PON:
            if (!strcmp(optarg, "off")) cfg.relay.power_on = LP_FW_POWER_ON_OFF;
            else if (!strcmp(optarg, "on")) cfg.relay.power_on = LP_FW_POWER_ON_ON;
            else if (!strcmp(optarg, "last")) cfg.relay.power_on = LP_FW_POWER_ON_LAST;
            else { fprintf(stderr, "lepower-plug: --power-on off|on|last\n"); return 2; }
            break;
        case O_OC: cfg.relay.limit_ma = (uint32_t)(atof(optarg) * 1000.0); break;
        case O_VERBOSE: A.verbose = 1; break;
        case O_GRID: cfg.grid_stream = 1; break;
        case O_COUNT: A.count = atoi(optarg); break;
        case O_GRIDP: {
            double ms = atof(optarg) * 1000.0;
            if (!(ms >= 20.0 && ms <= 1000.0)) { fprintf(stderr, "lepower-plug: --grid-period must be 0.02..1 s\n"); return 2; }
            cfg.meter.report_ms = (uint32_t)(ms + 0.5);
            break;
        }
        case O_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || (!A.trace_path == !A.waveform_path)) {
        fprintf(stderr, "lepower-plug: give exactly one of --trace and --waveform\n");
        usage(stderr);
        return 2;
    }
    if (!(A.speed > 0.0 && A.speed <= MAX_SPEED)) { fprintf(stderr, "lepower-plug: --speed must be in (0, 1000]\n"); return 2; }
    if (!(A.voltage > 0.0 && A.voltage < 400.0 / sqrt(2.0) * 1.2)) { fprintf(stderr, "lepower-plug: --voltage out of range\n"); return 2; }
    if (A.ring_cap < 1 || A.ring_cap > 1000000) { fprintf(stderr, "lepower-plug: --ring must be 1..1000000\n"); return 2; }
    if (A.count < 1 || A.count > 100000) { fprintf(stderr, "lepower-plug: --count must be 1..100000\n"); return 2; }
    if (A.count > 1 && strlen(cfg.device_id) + 7 > LP_PROTO_DEVICE_ID_MAX) { fprintf(stderr, "lepower-plug: --id too long for --count\n"); return 2; }
    if (A.fast_history && !A.catch_up) { fprintf(stderr, "lepower-plug: --fast-history needs --catch-up\n"); return 2; }
    if (A.fast_history && A.waveform_path) { fprintf(stderr, "lepower-plug: --fast-history needs --trace\n"); return 2; }
    snprintf(cfg.model, sizeof cfg.model, "lepower-plug-virtual");
    snprintf(cfg.hardware, sizeof cfg.hardware, "posix");
    cfg.nominal_voltage_v = (uint16_t)(A.voltage + 0.5);
    cfg.meter.fe.i_noise_rms_counts = 0.3;
    cfg.meter.fe.v_noise_rms_counts = 0.5;

    char err[512];
    if (A.trace_path) {
        if (trace_load(A.trace_path, &A.trace, err, sizeof err)) { fprintf(stderr, "lepower-plug: %s\n", err); return 1; }
        A.have_trace = 1;
    } else {
        lp_rec_opts_t ro;
        lp_rec_error_t re;
        memset(&ro, 0, sizeof ro);
        ro.v_full_scale = 400.0;
        ro.i_full_scale = 25.0;
        lp_rec_status_t rs = lp_recording_load(A.waveform_path, &ro, &A.rec, &re);
        if (rs != LP_REC_OK) { fprintf(stderr, "lepower-plug: %s: %s\n", A.waveform_path, re.msg); return 1; }
        A.have_rec = 1;
        cfg.meter.fe.sample_rate_hz = A.rec.rate_hz;
        cfg.meter.fe.i_noise_rms_counts = 0.0;
        cfg.meter.fe.v_noise_rms_counts = 0.0;
    }
    if (A.freq_path) {
        if (freq_trace_load(A.freq_path, &A.ft, err, sizeof err)) { fprintf(stderr, "lepower-plug: %s\n", err); return 1; }
        A.have_ft = 1;
    }
    A.fs = cfg.meter.fe.sample_rate_hz;

    /* simulated start */
    int64_t now_ms = wall_now_ms();
    if (!A.have_start) {
        int64_t midnight = now_ms / 86400000 * 86400000;
        double first = A.have_trace ? fmod(A.trace.t_s[0], 86400.0) : 0.0;
        A.start_ms = midnight + (int64_t)(first * 1000.0);
        if (A.start_ms > now_ms) A.start_ms -= 86400000;
    }
    if (A.catch_up && A.start_ms > now_ms) { fprintf(stderr, "lepower-plug: --catch-up needs a --start in the past\n"); return 2; }
    if (A.broker) {
        const char *colon = strrchr(A.broker, ':');
        size_t hn = colon ? (size_t)(colon - A.broker) : strlen(A.broker);
        if (hn >= sizeof A.host) hn = sizeof A.host - 1;
        memcpy(A.host, A.broker, hn);
        A.host[hn] = 0;
        A.port = colon ? atoi(colon + 1) : 1883;
        mosquitto_lib_init();
    }

    const int n = A.count;
    vplug_t *vs = calloc((size_t)n, sizeof *vs);
    if (!vs) { fprintf(stderr, "lepower-plug: out of memory\n"); return 1; }
    for (int k = 0; k < n; k++) {
        vplug_t *v = &vs[k];
        v->idx = k;
        char idbuf[64]; /* the length was checked against the id limit above */
        if (n == 1) snprintf(idbuf, sizeof idbuf, "%s", cfg.device_id);
        else snprintf(idbuf, sizeof idbuf, "%s-%d", cfg.device_id, k + 1);
        memcpy(v->id, idbuf, sizeof v->id - 1u);
        v->id[sizeof v->id - 1u] = 0;
        /* trace position: trace times are read as seconds since midnight (UTC) */
        v->trace_origin_s = (double)(A.start_ms % 86400000) / 1000.0 + 3607.0 * k;
        if (A.have_trace) {
            v->trace = A.trace;
            v->trace.cursor = 0;
            synth_init(&v->syn, A.fs, A.voltage, cfg.meter.fe.volts_per_count, cfg.meter.fe.amps_per_count,
                       cfg.meter.fe.adc_bits, A.load, A.have_ft ? &A.ft : NULL, A.seed + (uint64_t)k,
                       (double)(A.start_ms % 86400000) / 1000.0);
        }
        char dir[4000];
        if (n == 1) snprintf(dir, sizeof dir, "%s", A.state_dir);
        else {
            if (mkdir(A.state_dir, 0755) != 0 && errno != EEXIST) { fprintf(stderr, "lepower-plug: %s: %s\n", A.state_dir, strerror(errno)); return 1; }
            snprintf(dir, sizeof dir, "%s/%s", A.state_dir, v->id);
        }
        v->mem = flash_map(dir);
        if (!v->mem) return 1;
        lp_fw_ramflash_init(&v->flash, v->mem, FLASH_SECTOR_SIZE, FLASH_SECTORS, 0);
        lp_fw_ramflash_init(&v->settings_flash, (uint8_t *)v->mem + (size_t)FLASH_SECTOR_SIZE * FLASH_SECTORS,
                            FLASH_SECTOR_SIZE, SETTINGS_SECTORS, 0);
        v->adc = (lp_fw_adc_port_t){v, A.fs, adc_read};
        v->clk = (lp_fw_clock_port_t){v, clk_mono, clk_wall};
        v->rel = (lp_fw_relay_port_t){v, relay_set};
        v->net = (lp_fw_net_port_t){v, net_publish, net_subscribe};
        v->log = (lp_fw_log_port_t){v, log_line};
        lp_fw_ports_t ports = {&v->adc, &v->clk, &v->flash.port, &v->rel, &v->net, &v->log,
                               &v->settings_flash.port};
        v->ring = calloc(A.ring_cap, sizeof *v->ring);
        if (!v->ring) { fprintf(stderr, "lepower-plug: out of memory\n"); return 1; }
        v->sample_mode = !(A.catch_up && A.fast_history);
        lp_fw_plug_config_t pc = cfg;
        snprintf(pc.device_id, sizeof pc.device_id, "%s", v->id);
        lp_status_t st = lp_fw_plug_init(&v->plug, &pc, &ports, v->ring, A.ring_cap);
        if (st != LP_OK) { fprintf(stderr, "lepower-plug: %s: init: %s\n", v->id, lp_fw_status_str(st)); return 1; }
        uint64_t e_imp0, e_exp0;
        lp_fw_plug_energy(&v->plug, &e_imp0, &e_exp0);
        if (n == 1 || A.verbose)
            fprintf(stderr, "lepower-plug: boot=%u id=%s energy_import_uwh=%llu energy_export_uwh=%llu start=%lld\n",
                    v->plug.boot, v->id, (unsigned long long)e_imp0, (unsigned long long)e_exp0,
                    (long long)A.start_ms);
        if (A.broker && mqtt_setup(v)) { fprintf(stderr, "lepower-plug: MQTT setup failed\n"); return 1; }
    }
    if (n > 1) fprintf(stderr, "lepower-plug: %d plugs started, start=%lld\n", n, (long long)A.start_ms);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGPWR, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* main loop: pace the simulated clock (all plugs in lockstep) */
    int catching = A.catch_up;
    double r0 = real_now(), e0 = 0.0;
    while (!g_stop && !g_pwr) {
        double e = elapsed_s(&vs[0]);
        if (A.duration_s > 0 && e >= A.duration_s) break;
        double target;
        if (catching) {
            double behind = (double)(wall_now_ms() - A.start_ms) / 1000.0;
            if (e >= behind) { /* caught up: real time from here */
                catching = 0;
                /* a cycle-level step may end up to one cycle past the wall clock: wait
                 * it out, so that no report is stamped after the instant it is sent */
                if (e > behind) usleep((useconds_t)((e - behind) * 1e6));
                r0 = real_now();
                e0 = e;
                A.speed = 1.0;
                for (int k = 0; k < n; k++) {
                    vplug_t *v = &vs[k];
                    if (!v->sample_mode) {
                        v->base_s = elapsed_s(v);
                        v->samples = 0;
                        v->sample_mode = 1;
                        lp_fw_plug_resync_meter(&v->plug);
                    }
                }
                if (A.verbose) fprintf(stderr, "lepower-plug: caught up at t=%.3f\n", e);
                continue;
            }
            target = e + (vs[0].sample_mode ? 0.25 : 10.0);
            if (target > behind) target = behind;
            /* back-pressure: let the broker acknowledge before simulating further */
            int busy = 0;
            for (int k = 0; k < n && !busy; k++)
                busy = vs[k].connected && lp_fw_plug_pending(&vs[k].plug) > 64;
            if (busy) { mqtt_service(vs, n, 5); continue; }
        } else {
            target = e0 + (real_now() - r0) * A.speed;
            double cap = 0.25 * (A.speed > 1 ? A.speed : 1);
            if (target > e + cap) target = e + cap;
        }
        if (A.duration_s > 0 && target > A.duration_s) target = A.duration_s;
        for (int k = 0; k < n; k++) {
            vplug_t *v = &vs[k];
            if (v->sample_mode) {
                uint64_t want = (uint64_t)((target - v->base_s) * A.fs);
                if (want > v->samples) {
                    v->adc_avail = want;
                    lp_fw_plug_step(&v->plug);
                }
            } else {
                while (elapsed_s(v) < target) feed_cycle(v);
            }
        }
        mqtt_service(vs, n, catching ? 0 : (A.speed >= 10.0 ? 2 : 10)); /* 10 ms ticks in real time */
    }

    uint64_t ei, ee;
    lp_fw_plug_stats_t stt;
    if (g_pwr) {
        for (int k = 0; k < n; k++) {
            vplug_t *v = &vs[k];
            lp_status_t st = lp_fw_plug_power_fail(&v->plug);
            lp_fw_plug_energy(&v->plug, &ei, &ee);
            fprintf(stderr, "lepower-plug: power-fail boot=%u saved=%s energy_import_uwh=%llu energy_export_uwh=%llu id=%s\n",
                    v->plug.boot, lp_fw_status_str(st), (unsigned long long)ei, (unsigned long long)ee, v->id);
        }
        /* the hold-up time: a moment to hand the last reports to the broker */
        double until = real_now() + 0.2;
        while (A.broker && real_now() < until) {
            int pending = 0;
            for (int k = 0; k < n; k++) pending += vs[k].connected && lp_fw_plug_pending(&vs[k].plug) > 0;
            if (!pending) break;
            mqtt_service(vs, n, 5);
        }
        fflush(stderr);
        _exit(0); /* no clean disconnect: the broker publishes the last will */
    }
    for (int k = 0; k < n; k++) lp_fw_plug_stop(&vs[k].plug);
    double until = real_now() + 3.0;
    while (A.broker && real_now() < until) {
        int pending = 0;
        for (int k = 0; k < n; k++) pending += vs[k].connected && lp_fw_plug_pending(&vs[k].plug) > 0;
        if (!pending) break;
        mqtt_service(vs, n, 5);
    }
    for (int k = 0; k < n; k++) {
        vplug_t *v = &vs[k];
        if (v->mosq && v->connected) {
            char wtopic[LP_PROTO_TOPIC_BUF], wpay[64];
            size_t wlen = 0;
            int mid = 0;
            lp_fw_plug_will(&v->plug, wtopic, wpay, sizeof wpay, &wlen);
            mosquitto_publish(v->mosq, &mid, wtopic, (int)wlen, wpay, 1, true);
        }
    }
    for (int r = 0; r < 20 && A.broker; r++) mqtt_service(vs, n, 5);
    uint64_t tot_imp = 0;
    uint32_t tot_rep = 0, tot_ack = 0, tot_pend = 0, tot_drop = 0;
    for (int k = 0; k < n; k++) {
        vplug_t *v = &vs[k];
        v->closing = 1;
        if (v->mosq && v->connected) mosquitto_disconnect(v->mosq);
    }
    for (int r = 0; r < 3 && A.broker; r++) mqtt_service(vs, n, 2);
    for (int k = 0; k < n; k++) {
        vplug_t *v = &vs[k];
        lp_fw_plug_energy(&v->plug, &ei, &ee);
        lp_fw_plug_stats(&v->plug, &stt);
        tot_imp += ei;
        tot_rep += stt.reports;
        tot_ack += stt.acked;
        tot_pend += lp_fw_plug_pending(&v->plug);
        tot_drop += stt.dropped;
        if (n == 1 || A.verbose)
            fprintf(stderr, "lepower-plug: stopped boot=%u saved=ok energy_import_uwh=%llu energy_export_uwh=%llu "
                    "reports=%u acked=%u pending=%u dropped=%u saves=%u t=%.3f id=%s\n",
                    v->plug.boot, (unsigned long long)ei, (unsigned long long)ee, stt.reports, stt.acked,
                    lp_fw_plug_pending(&v->plug), stt.dropped, stt.saves, elapsed_s(v), v->id);
        if (v->mosq) mosquitto_destroy(v->mosq);
        free(v->ring);
        munmap(v->mem, (size_t)FLASH_SECTOR_SIZE * (FLASH_SECTORS + SETTINGS_SECTORS));
    }
    if (n > 1)
        fprintf(stderr, "lepower-plug: %d plugs stopped: energy_import_uwh=%llu reports=%u acked=%u pending=%u dropped=%u t=%.3f\n",
                n, (unsigned long long)tot_imp, tot_rep, tot_ack, tot_pend, tot_drop, elapsed_s(&vs[0]));
    if (A.broker) mosquitto_lib_cleanup();
    free(vs);
    if (A.have_trace) trace_free(&A.trace);
    if (A.have_rec) lp_recording_free(&A.rec);
    if (A.have_ft) freq_trace_free(&A.ft);
    return 0;
}
