/* SQLite backend of the storage interface (store.h). WAL mode, prepared
 * statements only (every value is a bound parameter). */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_DEV_KEY, Q_DEV_INS, Q_DEV_GET, Q_DEV_LIST, Q_DEV_SAVE, Q_DEV_PATCH,
    Q_TEL_INS, Q_GRID_INS, Q_REP_INS, Q_NB_BEFORE, Q_NB_AFTER, Q_COUNTERS, Q_TEL_RANGE,
    Q_EN_GET, Q_EN_PUT, Q_EN_RANGE, Q_ENH_PUT, Q_ENH_RANGE, Q_ST_GET, Q_ST_PUT, Q_ST_RANGE, Q_GRID_RANGE, Q_GRID_COUNT,
    Q_META_GET, Q_META_SET, Q_COUNT
};

/* The grid-stream values and telemetry frequencies of every device in [?1, ?2):
 * one definition for the query and its count. */
#define GRID_VALUES(grid_cols, tel_cols)                                                      \
    "SELECT " grid_cols " FROM grid WHERE ts_ms>=?1 AND ts_ms<?2 "                              \
    "UNION ALL SELECT " tel_cols " FROM device d JOIN telemetry t "                             \
    "ON t.dev=d.k AND t.ts_ms>=?1 AND t.ts_ms<?2 WHERE t.frequency_uhz IS NOT NULL"

/* Columns and key of the telemetry table (the schema and the migration of older files). */
#define TELEMETRY_TABLE(name)                                                                  \
    name "(dev INTEGER NOT NULL, boot INTEGER NOT NULL, seq INTEGER NOT NULL,"                  \
    " ts_ms INTEGER NOT NULL, power_mw INTEGER NOT NULL, voltage_mv INTEGER, current_ua INTEGER, frequency_uhz INTEGER," \
    " pf_milli INTEGER, import_mwh INTEGER NOT NULL, export_mwh INTEGER NOT NULL, epoch INTEGER NOT NULL," \
    " PRIMARY KEY(dev,ts_ms,boot,seq)) WITHOUT ROWID;"

static const char *const SQL[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_DEV_KEY] = "SELECT k FROM device WHERE id=?1",
    [Q_DEV_INS] = "INSERT INTO device(id) VALUES(?1)",
    [Q_DEV_GET] = "SELECT k,id,name,room,kind,critical,first_ms,last_ms,seen_ms,online,has_tel,power_mw,voltage_mv,"
                  "current_ua,frequency_uhz,pf_milli,import_mwh,export_mwh,epoch,relay FROM device WHERE id=?1",
    [Q_DEV_LIST] = "SELECT k,id,name,room,kind,critical,first_ms,last_ms,seen_ms,online,has_tel,power_mw,voltage_mv,"
                   "current_ua,frequency_uhz,pf_milli,import_mwh,export_mwh,epoch,relay FROM device ORDER BY id",
    [Q_DEV_SAVE] = "UPDATE device SET first_ms=?2,last_ms=?3,seen_ms=?4,online=?5,has_tel=?6,power_mw=?7,voltage_mv=?8,"
                   "current_ua=?9,frequency_uhz=?10,pf_milli=?11,import_mwh=?12,export_mwh=?13,epoch=?14,relay=?15 WHERE k=?1",
    [Q_DEV_PATCH] = "UPDATE device SET name=coalesce(?2,name),room=coalesce(?3,room),kind=coalesce(?4,kind),"
                    "critical=CASE WHEN ?5<0 THEN critical ELSE ?5 END WHERE id=?1",
    [Q_TEL_INS] = "INSERT OR IGNORE INTO telemetry(dev,boot,seq,ts_ms,power_mw,voltage_mv,current_ua,frequency_uhz,pf_milli,"
                  "import_mwh,export_mwh,epoch) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    [Q_GRID_INS] = "INSERT OR IGNORE INTO grid(dev,ts_ms,frequency_uhz) VALUES(?1,?2,?3)",
    [Q_REP_INS] = "INSERT OR IGNORE INTO report(dev,kind,ts_ms,boot,seq,payload) VALUES(?1,?2,?3,?4,?5,?6)",
    [Q_NB_BEFORE] = "SELECT max(ts_ms) FROM telemetry WHERE dev=?1 AND ts_ms<?2",
    [Q_NB_AFTER] = "SELECT min(ts_ms) FROM telemetry WHERE dev=?1 AND ts_ms>?2",
    [Q_COUNTERS] = "SELECT ts_ms,import_mwh,export_mwh,epoch FROM telemetry "
                   "WHERE dev=?1 AND ts_ms>=?2 AND ts_ms<=?3 ORDER BY ts_ms,boot,seq",
    [Q_TEL_RANGE] = "SELECT ts_ms,power_mw,voltage_mv,current_ua,frequency_uhz,pf_milli FROM telemetry "
                    "WHERE dev=?1 AND ts_ms>=?2 AND ts_ms<=?3 ORDER BY ts_ms,boot,seq",
    [Q_EN_GET] = "SELECT imp,exp FROM energy_q WHERE k=(?1<<20)+?2",
    [Q_EN_PUT] = "INSERT OR REPLACE INTO energy_q(k,imp,exp) VALUES((?1<<20)+?2,?3,?4)",
    [Q_EN_RANGE] = "SELECT k&1048575,imp,exp FROM energy_q WHERE k>=(?1<<20)+?2 AND k<(?1<<20)+?3 ORDER BY k",
    [Q_ENH_PUT] = "INSERT OR REPLACE INTO energy_h(k,imp,exp) VALUES((?1<<20)+?2,?3,?4)",
    [Q_ENH_RANGE] = "SELECT k&1048575,imp,exp FROM energy_h WHERE k>=(?1<<20)+?2 AND k<(?1<<20)+?3 ORDER BY k",
    [Q_ST_GET] = "SELECT s FROM stats WHERE dev=?1 AND res=?2 AND t=?3",
    [Q_ST_PUT] = "INSERT OR REPLACE INTO stats(dev,res,t,s) VALUES(?1,?2,?3,?4)",
    [Q_ST_RANGE] = "SELECT t,s FROM stats WHERE dev=?1 AND res=?2 AND t>=?3 AND t<?4 ORDER BY t",
    [Q_GRID_RANGE] = GRID_VALUES("dev,ts_ms,frequency_uhz,1", "t.dev,t.ts_ms,t.frequency_uhz,0"),
    [Q_GRID_COUNT] = "SELECT count(*) FROM (" GRID_VALUES("1", "1") " LIMIT ?3)",
    [Q_META_GET] = "SELECT v FROM meta WHERE k=?1",
    [Q_META_SET] = "INSERT OR REPLACE INTO meta(k,v) VALUES(?1,?2)",
};

/* Layout of files written before (device_id, boot, seq, ts) became the report
 * key (docs/protocol.md 5.2): telemetry keyed on (dev, boot, seq) with a second
 * index on (dev, ts_ms); events unique on (dev, kind, boot, seq). Moved to the
 * current layout on open, in the schema transaction. */
static lp_status_t migrate(sqlite3 *db)
{
    sqlite3_stmt *s;
    int old_tel = 0, old_rep = 0;
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='index' AND name IN ('telemetry_ts','report_seq')",
                           -1, &s, NULL) != SQLITE_OK) return HUB_ERR_DB;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *n = (const char *)sqlite3_column_text(s, 0);
        if (n && !strcmp(n, "telemetry_ts")) old_tel = 1;
        if (n && !strcmp(n, "report_seq")) old_rep = 1;
    }
    sqlite3_finalize(s);
    if (old_tel) {
        fprintf(stderr, "lepower-hub: moving the telemetry table to the (device, ts, boot, seq) key...\n");
        if (sqlite3_exec(db,
                         "CREATE TABLE " TELEMETRY_TABLE("telemetry_v2")
                         "INSERT INTO telemetry_v2(dev,boot,seq,ts_ms,power_mw,voltage_mv,current_ua,frequency_uhz,pf_milli,import_mwh,export_mwh,epoch)"
                         " SELECT dev,boot,seq,ts_ms,power_mw,voltage_mv,current_ua,frequency_uhz,pf_milli,import_mwh,export_mwh,epoch"
                         " FROM telemetry ORDER BY dev,ts_ms,boot,seq;"
                         "DROP TABLE telemetry;"
                         "ALTER TABLE telemetry_v2 RENAME TO telemetry;", NULL, NULL, NULL) != SQLITE_OK)
            return HUB_ERR_DB;
        fprintf(stderr, "lepower-hub: telemetry table moved (%d rows)\n", sqlite3_changes(db));
    }
    if (old_rep && sqlite3_exec(db, "DROP INDEX report_seq;", NULL, NULL, NULL) != SQLITE_OK) return HUB_ERR_DB;
    return LP_OK;
}

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS device(k INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, name TEXT NOT NULL DEFAULT '',"
    " room TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '', critical INTEGER NOT NULL DEFAULT 0,"
    " first_ms INTEGER NOT NULL DEFAULT -1, last_ms INTEGER NOT NULL DEFAULT -1, seen_ms INTEGER NOT NULL DEFAULT -1,"
    " online INTEGER NOT NULL DEFAULT -1, has_tel INTEGER NOT NULL DEFAULT 0, power_mw INTEGER, voltage_mv INTEGER,"
    " current_ua INTEGER, frequency_uhz INTEGER, pf_milli INTEGER, import_mwh INTEGER, export_mwh INTEGER, epoch INTEGER,"
    " relay INTEGER NOT NULL DEFAULT -1);"
    "CREATE TABLE IF NOT EXISTS " TELEMETRY_TABLE("telemetry")
    "CREATE TABLE IF NOT EXISTS grid(dev INTEGER NOT NULL, ts_ms INTEGER NOT NULL, frequency_uhz INTEGER NOT NULL,"
    " PRIMARY KEY(dev,ts_ms)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS grid_time ON grid(ts_ms);"
    "CREATE TABLE IF NOT EXISTS report(dev INTEGER NOT NULL, kind TEXT NOT NULL, ts_ms INTEGER NOT NULL,"
    " boot INTEGER, seq INTEGER, payload TEXT NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS report_seq2 ON report(dev,kind,ts_ms,boot,seq) WHERE seq IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS report_time ON report(dev,ts_ms);"
    /* energy rollups: key = device << 20 | UTC day number (days up to year 4840); a
     * rowid table keeps each 1.5 KiB row inside one page */
    "CREATE TABLE IF NOT EXISTS energy_q(k INTEGER PRIMARY KEY, imp BLOB NOT NULL, exp BLOB NOT NULL);"
    /* the same per UTC hour (24 values): long ranges in whole-hour zones read 8x less */
    "CREATE TABLE IF NOT EXISTS energy_h(k INTEGER PRIMARY KEY, imp BLOB NOT NULL, exp BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS stats(dev INTEGER NOT NULL, res INTEGER NOT NULL, t INTEGER NOT NULL, s BLOB NOT NULL,"
    " PRIMARY KEY(dev,res,t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);";

struct hub_store {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
};

static lp_status_t dberr(hub_store_t *st, const char *what)
{
    fprintf(stderr, "lepower-hub: database: %s: %s\n", what, sqlite3_errmsg(st->db));
    return HUB_ERR_DB;
}

static sqlite3_stmt *q(hub_store_t *st, int i)
{
    if (!st->q[i] && sqlite3_prepare_v3(st->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &st->q[i], NULL) != SQLITE_OK) {
        dberr(st, SQL[i]);
        return NULL;
    }
    sqlite3_reset(st->q[i]);
    sqlite3_clear_bindings(st->q[i]);
    return st->q[i];
}

static lp_status_t exec1(hub_store_t *st, int i)
{
    sqlite3_stmt *s = q(st, i);
    if (!s) return HUB_ERR_DB;
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? LP_OK : dberr(st, SQL[i]);
}

static void mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') { *p = 0; mkdir(buf, 0755); *p = '/'; }
    }
}

static pthread_once_t config_once = PTHREAD_ONCE_INIT;
/* no global allocation statistics: each sqlite3_malloc would take a global mutex */
static void config(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

lp_status_t hub_store_open(const char *path, int writer, hub_store_t **out)
{
    if (!path || !out) return LP_ERR_NULL;
    pthread_once(&config_once, config);
    *out = NULL;
    mkdirs(path);
    hub_store_t *st = calloc(1, sizeof *st);
    if (!st) return HUB_ERR_DB;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        fprintf(stderr, "lepower-hub: cannot open database %s\n", path);
        sqlite3_close(st->db);
        free(st);
        return HUB_ERR_DB;
    }
    sqlite3_busy_timeout(st->db, 10000);
    char *err = NULL;
    if (!writer) {
        /* readers map the file: long rollup scans then copy nothing from the kernel */
        sqlite3_exec(st->db, "PRAGMA cache_size=-8000; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;", NULL, NULL, NULL);
        *out = st;
        return LP_OK;
    }
    if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;"
                     "PRAGMA cache_size=-16000; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=8192;", NULL, NULL, &err) != SQLITE_OK ||
        sqlite3_exec(st->db, "BEGIN IMMEDIATE;", NULL, NULL, &err) != SQLITE_OK ||
        (migrate(st->db) != LP_OK && (err = sqlite3_mprintf("migration: %s", sqlite3_errmsg(st->db)))) ||
        sqlite3_exec(st->db, SCHEMA, NULL, NULL, &err) != SQLITE_OK ||
        sqlite3_exec(st->db, "COMMIT;", NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "lepower-hub: database schema: %s\n", err ? err : "?");
        sqlite3_free(err);
        sqlite3_close(st->db);
        free(st);
        return HUB_ERR_DB;
    }
    *out = st;
    return LP_OK;
}

void hub_store_close(hub_store_t *st)
{
    if (!st) return;
    for (int i = 0; i < Q_COUNT; i++) sqlite3_finalize(st->q[i]);
    sqlite3_close(st->db);
    free(st);
}

lp_status_t hub_store_begin(hub_store_t *st) { return st ? exec1(st, Q_BEGIN) : LP_ERR_NULL; }
lp_status_t hub_store_commit(hub_store_t *st) { return st ? exec1(st, Q_COMMIT) : LP_ERR_NULL; }
lp_status_t hub_store_rollback(hub_store_t *st) { return st ? exec1(st, Q_ROLLBACK) : LP_ERR_NULL; }

lp_status_t hub_store_device_ensure(hub_store_t *st, const char *id, int64_t *key)
{
    if (!st || !id || !key) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_DEV_KEY);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) { *key = sqlite3_column_int64(s, 0); sqlite3_reset(s); return LP_OK; }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return dberr(st, "device key");
    s = q(st, Q_DEV_INS);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) { sqlite3_reset(s); return dberr(st, "device insert"); }
    sqlite3_reset(s);
    *key = sqlite3_last_insert_rowid(st->db);
    return LP_OK;
}

static void text_col(sqlite3_stmt *s, int c, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, c);
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static void row_device(sqlite3_stmt *s, hub_device_t *d)
{
    memset(d, 0, sizeof *d);
    d->key = sqlite3_column_int64(s, 0);
    text_col(s, 1, d->id, sizeof d->id);
    text_col(s, 2, d->name, sizeof d->name);
    text_col(s, 3, d->room, sizeof d->room);
    text_col(s, 4, d->kind, sizeof d->kind);
    d->critical = sqlite3_column_int(s, 5);
    d->first_ms = sqlite3_column_int64(s, 6);
    d->last_ms = sqlite3_column_int64(s, 7);
    d->seen_ms = sqlite3_column_int64(s, 8);
    d->online = sqlite3_column_int(s, 9);
    d->has_telemetry = sqlite3_column_int(s, 10);
    d->power_mw = sqlite3_column_int(s, 11);
    d->has_voltage = sqlite3_column_type(s, 12) != SQLITE_NULL; d->voltage_mv = sqlite3_column_int64(s, 12);
    d->has_current = sqlite3_column_type(s, 13) != SQLITE_NULL; d->current_ua = sqlite3_column_int64(s, 13);
    d->has_frequency = sqlite3_column_type(s, 14) != SQLITE_NULL; d->frequency_uhz = sqlite3_column_int64(s, 14);
    d->has_pf = sqlite3_column_type(s, 15) != SQLITE_NULL; d->pf_milli = sqlite3_column_int(s, 15);
    d->import_mwh = sqlite3_column_int64(s, 16);
    d->export_mwh = sqlite3_column_int64(s, 17);
    d->epoch = (uint32_t)sqlite3_column_int64(s, 18);
    d->relay = sqlite3_column_int(s, 19);
}

lp_status_t hub_store_device_get(hub_store_t *st, const char *id, hub_device_t *out)
{
    if (!st || !id || !out) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_DEV_GET);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    lp_status_t r = LP_OK;
    if (rc == SQLITE_ROW) row_device(s, out);
    else r = rc == SQLITE_DONE ? HUB_ERR_NOT_FOUND : dberr(st, "device get");
    sqlite3_reset(s);
    return r;
}

lp_status_t hub_store_device_list(hub_store_t *st, hub_device_t **out, size_t *n)
{
    if (!st || !out || !n) return LP_ERR_NULL;
    *out = NULL; *n = 0;
    sqlite3_stmt *s = q(st, Q_DEV_LIST);
    if (!s) return HUB_ERR_DB;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            hub_device_t *nd = realloc(*out, cap * sizeof *nd);
            if (!nd) { sqlite3_reset(s); return HUB_ERR_DB; }
            *out = nd;
        }
        row_device(s, &(*out)[(*n)++]);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "device list");
}

static void bind_opt(sqlite3_stmt *s, int i, int has, int64_t v)
{
    if (has) sqlite3_bind_int64(s, i, v); else sqlite3_bind_null(s, i);
}

lp_status_t hub_store_device_save_latest(hub_store_t *st, const hub_device_t *d)
{
    if (!st || !d) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_DEV_SAVE);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, d->key);
    sqlite3_bind_int64(s, 2, d->first_ms);
    sqlite3_bind_int64(s, 3, d->last_ms);
    sqlite3_bind_int64(s, 4, d->seen_ms);
    sqlite3_bind_int(s, 5, d->online);
    sqlite3_bind_int(s, 6, d->has_telemetry);
    sqlite3_bind_int64(s, 7, d->power_mw);
    bind_opt(s, 8, d->has_voltage, d->voltage_mv);
    bind_opt(s, 9, d->has_current, d->current_ua);
    bind_opt(s, 10, d->has_frequency, d->frequency_uhz);
    bind_opt(s, 11, d->has_pf, d->pf_milli);
    sqlite3_bind_int64(s, 12, d->import_mwh);
    sqlite3_bind_int64(s, 13, d->export_mwh);
    sqlite3_bind_int64(s, 14, d->epoch);
    sqlite3_bind_int(s, 15, d->relay);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "device save");
}

lp_status_t hub_store_device_patch(hub_store_t *st, const char *id, const char *name,
                                   const char *room, const char *kind, int critical)
{
    if (!st || !id) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_DEV_PATCH);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (name) sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    if (room) sqlite3_bind_text(s, 3, room, -1, SQLITE_STATIC);
    if (kind) sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, critical);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return dberr(st, "device patch");
    return sqlite3_changes(st->db) ? LP_OK : HUB_ERR_NOT_FOUND;
}

lp_status_t hub_store_device_delete(hub_store_t *st, const char *id)
{
    if (!st || !id) return LP_ERR_NULL;
    int64_t key;
    sqlite3_stmt *s = q(st, Q_DEV_KEY);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) { sqlite3_reset(s); return rc == SQLITE_DONE ? HUB_ERR_NOT_FOUND : dberr(st, "device key"); }
    key = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    static const char *const del[] = { "DELETE FROM telemetry WHERE dev=?1", "DELETE FROM grid WHERE dev=?1",
                                       "DELETE FROM report WHERE dev=?1", "DELETE FROM energy_q WHERE k>=(?1<<20) AND k<((?1+1)<<20)",
                                       "DELETE FROM energy_h WHERE k>=(?1<<20) AND k<((?1+1)<<20)",
                                       "DELETE FROM stats WHERE dev=?1", "DELETE FROM device WHERE k=?1" };
    for (size_t i = 0; i < sizeof del / sizeof del[0]; i++) {
        sqlite3_stmt *d;
        if (sqlite3_prepare_v2(st->db, del[i], -1, &d, NULL) != SQLITE_OK) return dberr(st, del[i]);
        sqlite3_bind_int64(d, 1, key);
        rc = sqlite3_step(d);
        sqlite3_finalize(d);
        if (rc != SQLITE_DONE) return dberr(st, del[i]);
    }
    return LP_OK;
}

lp_status_t hub_store_put_telemetry(hub_store_t *st, int64_t key, const lp_proto_telemetry_t *t, int *inserted)
{
    if (!st || !t || !inserted) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_TEL_INS);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, t->boot);
    sqlite3_bind_int64(s, 3, t->seq);
    sqlite3_bind_int64(s, 4, t->ts_ms);
    sqlite3_bind_int64(s, 5, t->power_mw);
    bind_opt(s, 6, t->has_voltage, t->voltage_mv);
    bind_opt(s, 7, t->has_current, t->current_ua);
    bind_opt(s, 8, t->has_frequency, t->frequency_uhz);
    bind_opt(s, 9, t->has_power_factor, t->power_factor_milli);
    sqlite3_bind_int64(s, 10, (int64_t)t->energy_import_mwh);
    sqlite3_bind_int64(s, 11, (int64_t)t->energy_export_mwh);
    sqlite3_bind_int64(s, 12, t->energy_epoch);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return dberr(st, "telemetry insert");
    *inserted = sqlite3_changes(st->db) > 0;
    return LP_OK;
}

lp_status_t hub_store_put_grid(hub_store_t *st, int64_t key, int64_t ts_ms, int32_t frequency_uhz)
{
    if (!st) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_GRID_INS);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, ts_ms);
    sqlite3_bind_int64(s, 3, frequency_uhz);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "grid insert");
}

lp_status_t hub_store_put_report(hub_store_t *st, int64_t key, const char *kind, int64_t ts_ms,
                                 int64_t boot, int64_t seq, const char *payload, size_t len, int *inserted)
{
    if (!st || !kind || !payload || !inserted) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_REP_INS);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, ts_ms);
    bind_opt(s, 4, boot >= 0, boot);
    bind_opt(s, 5, seq >= 0, seq);
    sqlite3_bind_text(s, 6, payload, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return dberr(st, "report insert");
    *inserted = sqlite3_changes(st->db) > 0;
    return LP_OK;
}

static lp_status_t one_int(hub_store_t *st, int i, int64_t key, int64_t v, int64_t *out)
{
    sqlite3_stmt *s = q(st, i);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, v);
    int rc = sqlite3_step(s);
    *out = -1;
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) *out = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? LP_OK : dberr(st, SQL[i]);
}

lp_status_t hub_store_neighbors(hub_store_t *st, int64_t key, int64_t ts_ms, int64_t ts_ms2,
                                int64_t *before, int64_t *after)
{
    if (!st || !before || !after) return LP_ERR_NULL;
    lp_status_t r = one_int(st, Q_NB_BEFORE, key, ts_ms, before);
    return r != LP_OK ? r : one_int(st, Q_NB_AFTER, key, ts_ms2, after);
}

lp_status_t hub_store_counters(hub_store_t *st, int64_t key, int64_t from_ms, int64_t to_ms,
                               hub_counter_t **out, size_t *n)
{
    if (!st || !out || !n) return LP_ERR_NULL;
    *out = NULL; *n = 0;
    sqlite3_stmt *s = q(st, Q_COUNTERS);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, from_ms);
    sqlite3_bind_int64(s, 3, to_ms);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            hub_counter_t *nc = realloc(*out, cap * sizeof *nc);
            if (!nc) { sqlite3_reset(s); return HUB_ERR_DB; }
            *out = nc;
        }
        hub_counter_t *c = &(*out)[(*n)++];
        c->ts_ms = sqlite3_column_int64(s, 0);
        c->import_mwh = sqlite3_column_int64(s, 1);
        c->export_mwh = sqlite3_column_int64(s, 2);
        c->epoch = (uint32_t)sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "counters");
}

lp_status_t hub_store_telemetry(hub_store_t *st, int64_t key, int64_t from_ms, int64_t to_ms, hub_tele_cb cb, void *ctx)
{
    if (!st || !cb) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_TEL_RANGE);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, from_ms);
    sqlite3_bind_int64(s, 3, to_ms);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        double v[HUB_NQ];
        v[HUB_Q_POWER] = (double)sqlite3_column_int64(s, 1) / 1e3;
        v[HUB_Q_VOLTAGE] = sqlite3_column_type(s, 2) == SQLITE_NULL ? NAN : (double)sqlite3_column_int64(s, 2) / 1e3;
        v[HUB_Q_CURRENT] = sqlite3_column_type(s, 3) == SQLITE_NULL ? NAN : (double)sqlite3_column_int64(s, 3) / 1e6;
        v[HUB_Q_FREQ] = sqlite3_column_type(s, 4) == SQLITE_NULL ? NAN : (double)sqlite3_column_int64(s, 4) / 1e6;
        v[HUB_Q_PF] = sqlite3_column_type(s, 5) == SQLITE_NULL ? NAN : (double)sqlite3_column_int64(s, 5) / 1e3;
        if (cb(ctx, sqlite3_column_int64(s, 0), v)) { rc = SQLITE_DONE; break; }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "telemetry range");
}

static void blob_to(sqlite3_stmt *s, int c, double *dst, size_t n)
{
    const void *b = sqlite3_column_blob(s, c);
    size_t len = (size_t)sqlite3_column_bytes(s, c);
    memset(dst, 0, n * sizeof *dst);
    if (b) memcpy(dst, b, len < n * sizeof *dst ? len : n * sizeof *dst);
}

lp_status_t hub_store_energy_get(hub_store_t *st, int64_t key, int64_t day, double imp[HUB_SLOTS_PER_DAY],
                                 double exp[HUB_SLOTS_PER_DAY], int *found)
{
    if (!st || !imp || !exp || !found) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_EN_GET);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, day);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found) { blob_to(s, 0, imp, HUB_SLOTS_PER_DAY); blob_to(s, 1, exp, HUB_SLOTS_PER_DAY); }
    else { memset(imp, 0, HUB_SLOTS_PER_DAY * sizeof *imp); memset(exp, 0, HUB_SLOTS_PER_DAY * sizeof *exp); }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? LP_OK : dberr(st, "energy get");
}

lp_status_t hub_store_energy_put(hub_store_t *st, int64_t key, int64_t day, const double imp[HUB_SLOTS_PER_DAY],
                                 const double exp[HUB_SLOTS_PER_DAY])
{
    if (!st || !imp || !exp) return LP_ERR_NULL;
    double hi[24] = { 0 }, he[24] = { 0 };
    for (int k = 0; k < HUB_SLOTS_PER_DAY; k++) { hi[k / 4] += imp[k]; he[k / 4] += exp[k]; }
    for (int pass = 0; pass < 2; pass++) {
        sqlite3_stmt *s = q(st, pass ? Q_ENH_PUT : Q_EN_PUT);
        if (!s) return HUB_ERR_DB;
        int n = pass ? 24 : HUB_SLOTS_PER_DAY;
        sqlite3_bind_int64(s, 1, key);
        sqlite3_bind_int64(s, 2, day);
        sqlite3_bind_blob(s, 3, pass ? hi : imp, n * (int)sizeof *imp, SQLITE_STATIC);
        sqlite3_bind_blob(s, 4, pass ? he : exp, n * (int)sizeof *exp, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) return dberr(st, "energy put");
    }
    return LP_OK;
}

lp_status_t hub_store_energy_range(hub_store_t *st, int64_t key, int res_s, int64_t day_from, int64_t day_to, int want,
                                   hub_energy_cb cb, void *ctx)
{
    if (!st || !cb) return LP_ERR_NULL;
    if (res_s != 900 && res_s != 3600) return LP_ERR_RANGE;
    sqlite3_stmt *s = q(st, res_s == 900 ? Q_EN_RANGE : Q_ENH_RANGE);
    if (!s) return HUB_ERR_DB;
    int bytes = 86400 / res_s * (int)sizeof(double);
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, day_from);
    sqlite3_bind_int64(s, 3, day_to);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const void *bi = NULL, *be = NULL;
        if ((want & 1) && sqlite3_column_bytes(s, 1) == bytes) bi = sqlite3_column_blob(s, 1);
        if ((want & 2) && sqlite3_column_bytes(s, 2) == bytes) be = sqlite3_column_blob(s, 2);
        if (cb(ctx, sqlite3_column_int64(s, 0), bi, be)) { rc = SQLITE_DONE; break; }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "energy range");
}

/* Rollup rows written before each quantity had its own weight (136 bytes): a
 * quantity present in the slot gets the slot's whole weight, as then. */
typedef struct { int64_t n; double w_ms; struct { double min, max, wsum; } q[HUB_NQ]; } stats_v1_t;

static int stats_from_blob(const void *b, int len, hub_stats_t *out)
{
    if (len == (int)sizeof *out) { memcpy(out, b, sizeof *out); return 1; }
    if (len != (int)sizeof(stats_v1_t)) return 0;
    stats_v1_t v;
    memcpy(&v, b, sizeof v);
    out->n = v.n;
    out->w_ms = v.w_ms;
    for (int q = 0; q < HUB_NQ; q++) {
        out->q[q].min = v.q[q].min; out->q[q].max = v.q[q].max; out->q[q].wsum = v.q[q].wsum;
        out->q[q].w_ms = v.q[q].min <= v.q[q].max ? v.w_ms : 0;
    }
    return 1;
}

lp_status_t hub_store_stats_get(hub_store_t *st, int64_t key, int res_s, int64_t t_s, hub_stats_t *out, int *found)
{
    if (!st || !out || !found) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_ST_GET);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int(s, 2, res_s);
    sqlite3_bind_int64(s, 3, t_s);
    int rc = sqlite3_step(s);
    hub_stats_clear(out);
    *found = 0;
    if (rc == SQLITE_ROW && stats_from_blob(sqlite3_column_blob(s, 0), sqlite3_column_bytes(s, 0), out)) *found = 1;
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? LP_OK : dberr(st, "stats get");
}

lp_status_t hub_store_stats_put(hub_store_t *st, int64_t key, int res_s, int64_t t_s, const hub_stats_t *v)
{
    if (!st || !v) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_ST_PUT);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int(s, 2, res_s);
    sqlite3_bind_int64(s, 3, t_s);
    sqlite3_bind_blob(s, 4, v, (int)sizeof *v, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "stats put");
}

lp_status_t hub_store_stats_range(hub_store_t *st, int64_t key, int res_s, int64_t from_s, int64_t to_s, hub_stats_cb cb, void *ctx)
{
    if (!st || !cb) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_ST_RANGE);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int(s, 2, res_s);
    sqlite3_bind_int64(s, 3, from_s);
    sqlite3_bind_int64(s, 4, to_s);
    int rc;
    hub_stats_t v;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (!stats_from_blob(sqlite3_column_blob(s, 1), sqlite3_column_bytes(s, 1), &v)) continue;
        if (cb(ctx, sqlite3_column_int64(s, 0), &v)) { rc = SQLITE_DONE; break; }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "stats range");
}

lp_status_t hub_store_grid(hub_store_t *st, int64_t from_ms, int64_t to_ms, hub_grid_cb cb, void *ctx)
{
    if (!st || !cb) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_GRID_RANGE);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, from_ms);
    sqlite3_bind_int64(s, 2, to_ms);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (cb(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int(s, 2), sqlite3_column_int(s, 3))) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "grid range");
}

lp_status_t hub_store_grid_count(hub_store_t *st, int64_t from_ms, int64_t to_ms, uint64_t limit, uint64_t *n)
{
    if (!st || !n) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_GRID_COUNT);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_int64(s, 1, from_ms);
    sqlite3_bind_int64(s, 2, to_ms);
    sqlite3_bind_int64(s, 3, limit > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
    int rc = sqlite3_step(s);
    *n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? LP_OK : dberr(st, "grid count");
}

lp_status_t hub_store_meta_get(hub_store_t *st, const char *k, char *buf, size_t cap)
{
    if (!st || !k || !buf) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_META_GET);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    lp_status_t r = LP_OK;
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s, 0);
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        if (len + 1 > cap) r = LP_ERR_BUFFER_TOO_SMALL;
        else { memcpy(buf, v ? v : "", len); buf[len] = 0; }
    } else r = rc == SQLITE_DONE ? HUB_ERR_NOT_FOUND : dberr(st, "meta get");
    sqlite3_reset(s);
    return r;
}

lp_status_t hub_store_meta_set(hub_store_t *st, const char *k, const char *v)
{
    if (!st || !k || !v) return LP_ERR_NULL;
    sqlite3_stmt *s = q(st, Q_META_SET);
    if (!s) return HUB_ERR_DB;
    sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, v, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? LP_OK : dberr(st, "meta set");
}

lp_status_t hub_store_prune(hub_store_t *st, int64_t raw_before_ms, int64_t grid_before_ms)
{
    if (!st) return LP_ERR_NULL;
    /* per device, through the (dev, ts_ms) indexes */
    static const char *const del[] = {
        "DELETE FROM telemetry WHERE dev IN (SELECT k FROM device) AND ts_ms<?1",
        "DELETE FROM report WHERE dev IN (SELECT k FROM device) AND ts_ms<?1",
        "DELETE FROM grid WHERE ts_ms<?1" };
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *d;
        if (sqlite3_prepare_v2(st->db, del[i], -1, &d, NULL) != SQLITE_OK) return dberr(st, del[i]);
        sqlite3_bind_int64(d, 1, i < 2 ? raw_before_ms : grid_before_ms);
        int rc = sqlite3_step(d);
        sqlite3_finalize(d);
        if (rc != SQLITE_DONE) return dberr(st, del[i]);
    }
    return LP_OK;
}
