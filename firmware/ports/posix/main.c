/* lepower-plug - the virtual plug: the plug firmware core on a POSIX port, fed with
 * samples synthesised from a power trace (or a recorded waveform), on a simulated clock,
 * publishing to a real MQTT broker through libmosquitto. See docs/firmware.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <mosquitto.h>
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
    int tls_insecure, catch_up, fast_history, verbose, have_start;
    double speed, voltage, duration_s;
    int64_t start_ms;
    load_kind_t load;
    uint64_t seed;
    uint32_t ring_cap;
    /* simulated clock: elapsed = base_s + samples / fs */
    double base_s;
    uint64_t samples;
    double fs;
    int sample_mode;       /* 1: ADC samples; 0: cycle-level */
    /* sources */
    trace_t trace;
    int have_trace;
    freq_trace_t ft;
    int have_ft;
    lp_recording_t rec;
    int have_rec;
    size_t rec_idx;
    double trace_origin_s;  /* trace time at elapsed 0 */
    synth_t syn;
    uint64_t adc_avail;     /* samples the simulated clock allows so far */
    /* ports */
    lp_fw_ramflash_t flash, settings_flash;
    int relay_on;
    struct mosquitto *mosq;
    int connected, closing;
    double next_connect_real;
    char host[256];
    int port;
    lp_fw_plug_t *plug;
} app_t;

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
static double elapsed_s(void) { return A.base_s + (double)A.samples / A.fs; }

/* ---- ports ------------------------------------------------------------------ */

static uint64_t clk_mono(void *ctx) { (void)ctx; return (uint64_t)(elapsed_s() * 1000.0); }
static int clk_wall(void *ctx, int64_t *ms)
{
    (void)ctx;
    *ms = A.start_ms + (int64_t)(elapsed_s() * 1000.0);
    return 1;
}

static void update_power(void)
{
    if (!A.have_trace) return;
    double p, q;
    trace_at(&A.trace, A.trace_origin_s + elapsed_s(), &p, &q);
    synth_set_power(&A.syn, p, q, A.trace.q_var != NULL);
}

static uint32_t adc_read(void *ctx, int16_t *v, int16_t *i, uint32_t max)
{
    (void)ctx;
    uint64_t avail = A.adc_avail > A.samples ? A.adc_avail - A.samples : 0;
    uint32_t n = avail < max ? (uint32_t)avail : max;
    if (n == 0) return 0;
    if (A.have_rec) {
        const double vpc = A.plug->cfg.meter.fe.volts_per_count, apc = A.plug->cfg.meter.fe.amps_per_count;
        for (uint32_t k = 0; k < n; k++) {
            double vv = A.rec.v_v[A.rec_idx] / vpc, ii = A.relay_on ? A.rec.i_a[A.rec_idx] / apc : 0.0;
            v[k] = (int16_t)fmax(-2048, fmin(2047, floor(vv + 0.5)));
            i[k] = (int16_t)fmax(-2048, fmin(2047, floor(ii + 0.5)));
            if (++A.rec_idx >= A.rec.n) A.rec_idx = 0;
        }
    } else {
        update_power();
        synth_block(&A.syn, v, i, n, A.relay_on);
    }
    A.samples += n;
    return n;
}

static void relay_set(void *ctx, int on) { (void)ctx; A.relay_on = on; }

static lp_status_t net_publish(void *ctx, const char *topic, const void *payload, size_t len, int qos,
                               int retain, int32_t *token)
{
    (void)ctx;
    if (!A.mosq || !A.connected) return LP_ERR_FW_NOT_CONNECTED;
    int mid = 0;
    int rc = mosquitto_publish(A.mosq, &mid, topic, (int)len, payload, qos, retain != 0);
    if (rc != MOSQ_ERR_SUCCESS) return LP_ERR_FW_NOT_CONNECTED;
    if (token) *token = mid;
    return LP_OK;
}
static lp_status_t net_subscribe(void *ctx, const char *topic)
{
    (void)ctx;
    if (!A.mosq || !A.connected) return LP_ERR_FW_NOT_CONNECTED;
    return mosquitto_subscribe(A.mosq, NULL, topic, 1) == MOSQ_ERR_SUCCESS ? LP_OK : LP_ERR_FW_NOT_CONNECTED;
}

static void log_line(void *ctx, int level, const char *text)
{
    (void)ctx;
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (level > LP_FW_LOG_INFO && !A.verbose) return;
    fprintf(stderr, "lepower-plug: t=%.3f %s: %s\n", elapsed_s(), names[level & 3], text);
}

/* ---- MQTT ------------------------------------------------------------------- */

static void cb_connect(struct mosquitto *m, void *ud, int rc)
{
    (void)m; (void)ud;
    if (rc != 0) {
        fprintf(stderr, "lepower-plug: broker refused the connection: %s\n", mosquitto_connack_string(rc));
        return;
    }
    A.connected = 1;
    if (A.verbose) fprintf(stderr, "lepower-plug: connected\n");
    lp_fw_plug_on_connect(A.plug);
}
static void cb_disconnect(struct mosquitto *m, void *ud, int rc)
{
    (void)m; (void)ud; (void)rc;
    if (A.connected && A.verbose) fprintf(stderr, "lepower-plug: disconnected\n");
    A.connected = 0;
    lp_fw_plug_on_disconnect(A.plug);
}
static void cb_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
    (void)m; (void)ud;
    lp_fw_plug_on_message(A.plug, msg->topic, msg->payload, (size_t)(msg->payloadlen > 0 ? msg->payloadlen : 0),
                          msg->retain);
}
static void cb_publish(struct mosquitto *m, void *ud, int mid)
{
    (void)m; (void)ud;
    lp_fw_plug_on_published(A.plug, mid);
}

static void mqtt_try_connect(void)
{
    if (!A.mosq || A.connected || A.closing || real_now() < A.next_connect_real) return;
    A.next_connect_real = real_now() + 0.5;
    int rc = mosquitto_connect(A.mosq, A.host, A.port, 30);
    if (rc != MOSQ_ERR_SUCCESS && A.verbose)
        fprintf(stderr, "lepower-plug: connect %s:%d: %s\n", A.host, A.port, mosquitto_strerror(rc));
}

static void mqtt_service(int timeout_ms)
{
    if (!A.mosq) {
        if (timeout_ms > 0) usleep((useconds_t)timeout_ms * 1000u);
        return;
    }
    mqtt_try_connect();
    int rc = mosquitto_loop(A.mosq, timeout_ms, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
        if (A.verbose && A.connected) fprintf(stderr, "lepower-plug: network: %s\n", mosquitto_strerror(rc));
        if (A.connected) cb_disconnect(A.mosq, NULL, rc);
        if (timeout_ms > 0) usleep((useconds_t)timeout_ms * 1000u);
    }
}

static int mqtt_setup(lp_fw_plug_t *plug, const char *id)
{
    const char *colon = strrchr(A.broker, ':');
    if (colon) {
        size_t n = (size_t)(colon - A.broker);
        if (n >= sizeof A.host) n = sizeof A.host - 1;
        memcpy(A.host, A.broker, n);
        A.host[n] = 0;
        A.port = atoi(colon + 1);
    } else {
        snprintf(A.host, sizeof A.host, "%s", A.broker);
        A.port = 1883;
    }
    mosquitto_lib_init();
    char cid[64];
    snprintf(cid, sizeof cid, "lepower-plug-%s", id);
    A.mosq = mosquitto_new(cid, true, NULL);
    if (!A.mosq) return -1;
    mosquitto_int_option(A.mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(A.mosq, 0);
    mosquitto_connect_callback_set(A.mosq, cb_connect);
    mosquitto_disconnect_callback_set(A.mosq, cb_disconnect);
    mosquitto_message_callback_set(A.mosq, cb_message);
    mosquitto_publish_callback_set(A.mosq, cb_publish);
    char wtopic[LP_PROTO_TOPIC_BUF], wpay[64];
    size_t wlen = 0;
    if (lp_fw_plug_will(plug, wtopic, wpay, sizeof wpay, &wlen) != LP_OK) return -1;
    mosquitto_will_set(A.mosq, wtopic, (int)wlen, wpay, 1, true);
    if (A.user) mosquitto_username_pw_set(A.mosq, A.user, A.pass);
    if (A.cafile || A.capath) {
        int rc = mosquitto_tls_set(A.mosq, A.cafile, A.capath, A.certfile, A.keyfile, NULL);
        if (rc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "lepower-plug: TLS setup: %s\n", mosquitto_strerror(rc));
            return -1;
        }
        if (A.tls_insecure) mosquitto_tls_insecure_set(A.mosq, true);
    }
    return 0;
}

/* ---- flash file --------------------------------------------------------------- */

static void *flash_map(const char *dir)
{
    char path[4096];
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
    static lp_fw_plug_t plug;
    static lp_fw_plug_config_t cfg;
    lp_fw_plug_config_default(&cfg);
    memset(&A, 0, sizeof A);
    A.speed = 1.0;
    A.voltage = 230.0;
    A.seed = 1;
    A.ring_cap = 4096;
    A.state_dir = "plug-state";
    A.load = LOAD_RESISTIVE;
    cfg.relay.limit_ma = 16000;
    enum { O_TRACE = 256, O_LOAD, O_WAVE, O_FREQ, O_VOLT, O_SEED, O_SPEED, O_START, O_CATCH, O_FAST,
           O_DUR, O_BROKER, O_USER, O_PASS, O_CAFILE, O_CAPATH, O_CERT, O_KEY, O_INSECURE, O_ID,
           O_STATE, O_INTERVAL, O_STEP, O_RING, O_MINON, O_MINOFF, O_PON, O_OC, O_VERBOSE, O_HELP,
           O_GRID, O_GRIDP };
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
        {"grid", 0, 0, O_GRID}, {"grid-period", 1, 0, O_GRIDP},
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
    /* trace position: trace times are read as seconds since midnight (UTC) */
    A.trace_origin_s = (double)(A.start_ms % 86400000) / 1000.0;
    if (A.have_trace)
        synth_init(&A.syn, A.fs, A.voltage, cfg.meter.fe.volts_per_count, cfg.meter.fe.amps_per_count,
                   cfg.meter.fe.adc_bits, A.load, A.have_ft ? &A.ft : NULL, A.seed, A.trace_origin_s);

    void *mem = flash_map(A.state_dir);
    if (!mem) return 1;
    lp_fw_ramflash_init(&A.flash, mem, FLASH_SECTOR_SIZE, FLASH_SECTORS, 0);
    lp_fw_ramflash_init(&A.settings_flash, (uint8_t *)mem + (size_t)FLASH_SECTOR_SIZE * FLASH_SECTORS,
                        FLASH_SECTOR_SIZE, SETTINGS_SECTORS, 0);

    static const lp_fw_clock_port_t clock_port = {NULL, clk_mono, clk_wall};
    static lp_fw_adc_port_t adc_port = {NULL, 4000.0, adc_read};
    static const lp_fw_relay_port_t relay_port = {NULL, relay_set};
    static const lp_fw_net_port_t net_port = {NULL, net_publish, net_subscribe};
    static const lp_fw_log_port_t log_port = {NULL, log_line};
    adc_port.sample_rate_hz = A.fs;
    lp_fw_ports_t ports = {&adc_port, &clock_port, &A.flash.port, &relay_port, &net_port, &log_port,
                           &A.settings_flash.port};
    lp_fw_pending_t *ring = calloc(A.ring_cap, sizeof *ring);
    if (!ring) { fprintf(stderr, "lepower-plug: out of memory\n"); return 1; }
    A.plug = &plug;
    A.sample_mode = !(A.catch_up && A.fast_history);
    lp_status_t st = lp_fw_plug_init(&plug, &cfg, &ports, ring, A.ring_cap);
    if (st != LP_OK) { fprintf(stderr, "lepower-plug: init: %s\n", lp_fw_status_str(st)); return 1; }
    uint64_t e_imp0, e_exp0;
    lp_fw_plug_energy(&plug, &e_imp0, &e_exp0);
    fprintf(stderr, "lepower-plug: boot=%u id=%s energy_import_uwh=%llu energy_export_uwh=%llu start=%lld\n",
            plug.boot, cfg.device_id, (unsigned long long)e_imp0, (unsigned long long)e_exp0,
            (long long)A.start_ms);
    if (A.broker && mqtt_setup(&plug, cfg.device_id)) { fprintf(stderr, "lepower-plug: MQTT setup failed\n"); return 1; }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGPWR, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* main loop: pace the simulated clock */
    int catching = A.catch_up;
    double r0 = real_now(), e0 = 0.0;
    while (!g_stop && !g_pwr) {
        double e = elapsed_s();
        if (A.duration_s > 0 && e >= A.duration_s) break;
        double target;
        if (catching) {
            double behind = (double)(wall_now_ms() - A.start_ms) / 1000.0;
            if (e >= behind) { /* caught up: real time from here */
                catching = 0;
                r0 = real_now();
                e0 = e;
                A.speed = 1.0;
                if (!A.sample_mode) {
                    A.base_s = e;
                    A.samples = 0;
                    A.sample_mode = 1;
                    lp_fw_plug_resync_meter(&plug);
                }
                if (A.verbose) fprintf(stderr, "lepower-plug: caught up at t=%.3f\n", e);
                continue;
            }
            target = e + (A.sample_mode ? 0.25 : 10.0);
            if (target > behind) target = behind;
            /* back-pressure: let the broker acknowledge before simulating further */
            if (A.connected && lp_fw_plug_pending(&plug) > 64) { mqtt_service(5); continue; }
        } else {
            target = e0 + (real_now() - r0) * A.speed;
            if (target > e + 0.25 * (A.speed > 1 ? A.speed : 1)) target = e + 0.25 * (A.speed > 1 ? A.speed : 1);
        }
        if (A.duration_s > 0 && target > A.duration_s) target = A.duration_s;
        if (A.sample_mode) {
            uint64_t want = (uint64_t)((target - A.base_s) * A.fs);
            if (want > A.samples) {
                A.adc_avail = want;
                lp_fw_plug_step(&plug);
            }
        } else {
            while (elapsed_s() < target) {
                lp_fw_cycle_input_t ci;
                double p, q;
                trace_at(&A.trace, A.trace_origin_s + elapsed_s(), &p, &q);
                synth_set_power(&A.syn, p, q, A.trace.q_var != NULL);
                synth_cycle(&A.syn, A.relay_on, &ci.duration_s, &ci.vrms_v, &ci.irms_a, &ci.p_w, &ci.q_var, &ci.f_hz);
                A.base_s += ci.duration_s;
                lp_fw_plug_feed_cycle(&plug, &ci);
            }
        }
        mqtt_service(catching ? 0 : (A.speed >= 10.0 ? 2 : 10)); /* 10 ms ticks in real time */
    }

    uint64_t ei, ee;
    lp_fw_plug_stats_t stt;
    if (g_pwr) {
        st = lp_fw_plug_power_fail(&plug);
        lp_fw_plug_energy(&plug, &ei, &ee);
        fprintf(stderr, "lepower-plug: power-fail boot=%u saved=%s energy_import_uwh=%llu energy_export_uwh=%llu\n",
                plug.boot, lp_fw_status_str(st), (unsigned long long)ei, (unsigned long long)ee);
        /* the hold-up time: a moment to hand the last report to the broker */
        double until = real_now() + 0.2;
        while (A.mosq && real_now() < until && lp_fw_plug_pending(&plug)) mqtt_service(5);
        fflush(stderr);
        _exit(0); /* no clean disconnect: the broker publishes the last will */
    }
    st = lp_fw_plug_stop(&plug);
    lp_fw_plug_energy(&plug, &ei, &ee);
    double until = real_now() + 3.0;
    while (A.mosq && A.connected && real_now() < until && lp_fw_plug_pending(&plug)) mqtt_service(5);
    lp_fw_plug_stats(&plug, &stt);
    if (A.mosq && A.connected) {
        char wtopic[LP_PROTO_TOPIC_BUF], wpay[64];
        size_t wlen = 0;
        int mid = 0;
        lp_fw_plug_will(&plug, wtopic, wpay, sizeof wpay, &wlen);
        mosquitto_publish(A.mosq, &mid, wtopic, (int)wlen, wpay, 1, true);
        for (int k = 0; k < 20; k++) mqtt_service(5);
        A.closing = 1;
        mosquitto_disconnect(A.mosq);
        mqtt_service(5);
    }
    fprintf(stderr, "lepower-plug: stopped boot=%u saved=%s energy_import_uwh=%llu energy_export_uwh=%llu "
            "reports=%u acked=%u pending=%u dropped=%u saves=%u t=%.3f\n",
            plug.boot, lp_fw_status_str(st), (unsigned long long)ei, (unsigned long long)ee, stt.reports,
            stt.acked, lp_fw_plug_pending(&plug), stt.dropped, stt.saves, elapsed_s());
    if (A.mosq) { mosquitto_destroy(A.mosq); mosquitto_lib_cleanup(); }
    free(ring);
    if (A.have_trace) trace_free(&A.trace);
    if (A.have_rec) lp_recording_free(&A.rec);
    if (A.have_ft) freq_trace_free(&A.ft);
    munmap(mem, (size_t)FLASH_SECTOR_SIZE * (FLASH_SECTORS + SETTINGS_SECTORS));
    return 0;
}
