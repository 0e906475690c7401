/* registry.c — the registry (see registry.h), on SQLite or PostgreSQL (db.h). The schema and its
 * migrations come first, then the resolution cache of the request path, then
 * the operations, then the listings. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kiln.h"
#include "platform/db.h"

#include "platform/pjson.h"
#include "platform/registry.h"
#include "platform/split.h"
#include "platform/vconfig.h"

/* ---------------------------------------------------------------- schema */

#define REG_CHANNEL "kiln_registry" /* NOTIFY channel of changes (PostgreSQL) */

/* Migration i brings the database from schema version i to i+1. Never edit a
 * released step: add one. */
static const char *const sqlite_migrations[] = {
    /* 1: the first schema. Versions are immutable rows: nothing updates them.
     * history is append-only: nothing updates or deletes it. */
    "CREATE TABLE modules ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE versions ("
    "  id INTEGER PRIMARY KEY,"
    "  module_id INTEGER NOT NULL REFERENCES modules(id),"
    "  number INTEGER NOT NULL,"
    "  digest TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  commit_sha TEXT, commit_time TEXT, message TEXT,"
    "  deployed_by TEXT NOT NULL,"
    "  fuel INTEGER NOT NULL DEFAULT 0,"
    "  timeout_ms INTEGER NOT NULL DEFAULT 0,"
    "  max_memory INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (module_id, number));"
    "CREATE INDEX versions_digest ON versions(digest);"
    "CREATE TABLE aliases ("
    "  module_id INTEGER NOT NULL REFERENCES modules(id),"
    "  name TEXT NOT NULL,"
    "  version_id INTEGER NOT NULL REFERENCES versions(id),"
    "  updated_at INTEGER NOT NULL,"
    "  pinned INTEGER NOT NULL DEFAULT 0,"
    "  pinned_by TEXT, pinned_at INTEGER, pin_reason TEXT,"
    "  PRIMARY KEY (module_id, name));"
    "CREATE TABLE history ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  module_id INTEGER NOT NULL REFERENCES modules(id),"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"  /* deploy promote pin unpin rollback */
    "  alias TEXT,"            /* NULL for a deploy that promoted nothing */
    "  from_version INTEGER,"  /* version numbers; NULL: the alias was unset */
    "  to_version INTEGER,"
    "  reason TEXT);"
    "CREATE INDEX history_module ON history(module_id, id);"
    "CREATE TRIGGER history_append_only_u BEFORE UPDATE ON history"
    "  BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;"
    "CREATE TRIGGER history_append_only_d BEFORE DELETE ON history"
    "  BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;"
    "CREATE TABLE traps ("
    "  id INTEGER PRIMARY KEY,"
    "  module_id INTEGER NOT NULL REFERENCES modules(id),"
    "  version_id INTEGER NOT NULL REFERENCES versions(id),"
    "  at INTEGER NOT NULL,"
    "  request_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  message TEXT NOT NULL,"
    "  report TEXT, report_json TEXT, stderr BLOB);"
    "CREATE INDEX traps_module ON traps(module_id, id);",
    /* 2: delivery metrics (src/platform/usage_db.c, docs/delivery.md). Usage
     * aggregated per module, version and minute (sums, so that any window is
     * a SUM over its minutes), the latency histogram of each such minute in
     * fixed buckets (so percentiles come from merged counts), and per-module
     * policies: auto-rollback, cost-regression threshold, daily budget. */
    "CREATE TABLE usage_minute ("
    "  module_id INTEGER NOT NULL REFERENCES modules(id),"
    "  version_id INTEGER NOT NULL REFERENCES versions(id),"
    "  minute INTEGER NOT NULL,"          /* unix seconds / 60 of the requests' arrival */
    "  requests INTEGER NOT NULL, traps INTEGER NOT NULL, errors INTEGER NOT NULL,"
    "  metered INTEGER NOT NULL,"         /* requests whose guest ran (have a usage record) */
    "  latency_ns INTEGER NOT NULL, instructions INTEGER NOT NULL,"
    "  cpu_ns INTEGER NOT NULL, cpu_samples INTEGER NOT NULL," /* CPU is measured on a sample */
    "  wall_ns INTEGER NOT NULL, gib_seconds REAL NOT NULL,"
    "  peak_memory_sum INTEGER NOT NULL, peak_memory_max INTEGER NOT NULL,"
    "  request_bytes INTEGER NOT NULL, response_bytes INTEGER NOT NULL, io_bytes INTEGER NOT NULL,"
    "  cost REAL NOT NULL, compute_cost REAL NOT NULL,"
    "  PRIMARY KEY (module_id, version_id, minute)) WITHOUT ROWID;"
    "CREATE INDEX usage_minute_module ON usage_minute(module_id, minute);"
    "CREATE TABLE usage_latency ("
    "  module_id INTEGER NOT NULL, version_id INTEGER NOT NULL, minute INTEGER NOT NULL,"
    "  bucket INTEGER NOT NULL, count INTEGER NOT NULL,"
    "  PRIMARY KEY (module_id, version_id, minute, bucket)) WITHOUT ROWID;"
    "CREATE TABLE policies ("
    "  module_id INTEGER PRIMARY KEY REFERENCES modules(id),"
    "  rollback_spec TEXT,"               /* NULL: no auto-rollback */
    "  regression_threshold REAL,"        /* NULL: the server default */
    "  budget_per_day REAL,"              /* NULL: none */
    "  updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL);",
    /* 3: configuration per version (vconfig.h): env as a JSON object, the
     * secrets' names as a JSON array, their values sealed (AES-256-GCM under
     * DATA/secrets.key; never stored in the clear). */
    "ALTER TABLE versions ADD COLUMN env TEXT;"
    "ALTER TABLE versions ADD COLUMN secret_names TEXT;"
    "ALTER TABLE versions ADD COLUMN secrets BLOB;",
    /* 4: gradual rollouts (one row per module: its latest; history keeps
     * every start, step and end) and routes (a path prefix served by a
     * module's live version, besides /run/NAME). */
    "CREATE TABLE rollouts ("
    "  module_id INTEGER PRIMARY KEY REFERENCES modules(id),"
    "  from_version INTEGER NOT NULL, to_version INTEGER NOT NULL,"
    "  steps TEXT NOT NULL,"              /* split_format_steps: \"10,25,50,100\" */
    "  step INTEGER NOT NULL,"            /* index of the current step */
    "  interval_ms INTEGER NOT NULL,"
    "  step_started_at INTEGER NOT NULL, started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  state TEXT NOT NULL,"              /* running done aborted rolled-back superseded */
    "  actor TEXT NOT NULL, reason TEXT);"
    "CREATE TABLE routes ("
    "  prefix TEXT PRIMARY KEY,"
    "  module_id INTEGER NOT NULL REFERENCES modules(id),"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL);",
    /* 5: the cluster (docs/cluster.md). Usage rows carry the node that
     * counted them (a cluster's totals are sums over nodes); the generation,
     * bumped by every change, lets nodes notice changes they missed; nodes
     * report a heartbeat; module bytes are stored here only when the
     * database is shared (PostgreSQL), so on SQLite the table stays empty. */
    /* The key's columns first: SQLite 3.40's integrity_check misreads a
     * WITHOUT ROWID table whose key has a column after other columns. */
    "CREATE TABLE usage_minute5 ("
    "  module_id INTEGER NOT NULL REFERENCES modules(id),"
    "  version_id INTEGER NOT NULL REFERENCES versions(id),"
    "  minute INTEGER NOT NULL,"
    "  node TEXT NOT NULL DEFAULT '',"
    "  requests INTEGER NOT NULL, traps INTEGER NOT NULL, errors INTEGER NOT NULL,"
    "  metered INTEGER NOT NULL,"
    "  latency_ns INTEGER NOT NULL, instructions INTEGER NOT NULL,"
    "  cpu_ns INTEGER NOT NULL, cpu_samples INTEGER NOT NULL,"
    "  wall_ns INTEGER NOT NULL, gib_seconds REAL NOT NULL,"
    "  peak_memory_sum INTEGER NOT NULL, peak_memory_max INTEGER NOT NULL,"
    "  request_bytes INTEGER NOT NULL, response_bytes INTEGER NOT NULL, io_bytes INTEGER NOT NULL,"
    "  cost REAL NOT NULL, compute_cost REAL NOT NULL,"
    "  PRIMARY KEY (module_id, version_id, minute, node)) WITHOUT ROWID;"
    "INSERT INTO usage_minute5 SELECT module_id, version_id, minute, '', requests, traps, errors, metered, latency_ns,"
    "  instructions, cpu_ns, cpu_samples, wall_ns, gib_seconds, peak_memory_sum, peak_memory_max, request_bytes,"
    "  response_bytes, io_bytes, cost, compute_cost FROM usage_minute;"
    "DROP TABLE usage_minute;"
    "ALTER TABLE usage_minute5 RENAME TO usage_minute;"
    "CREATE INDEX usage_minute_module ON usage_minute(module_id, minute);"
    "CREATE TABLE usage_latency5 ("
    "  module_id INTEGER NOT NULL, version_id INTEGER NOT NULL, minute INTEGER NOT NULL,"
    "  bucket INTEGER NOT NULL, node TEXT NOT NULL DEFAULT '', count INTEGER NOT NULL,"
    "  PRIMARY KEY (module_id, version_id, minute, bucket, node)) WITHOUT ROWID;"
    "INSERT INTO usage_latency5 SELECT module_id, version_id, minute, bucket, '', count FROM usage_latency;"
    "DROP TABLE usage_latency;"
    "ALTER TABLE usage_latency5 RENAME TO usage_latency;"
    "CREATE TABLE generation (n INTEGER NOT NULL);"
    "INSERT INTO generation VALUES (0);"
    "CREATE TABLE nodes ("
    "  id TEXT PRIMARY KEY, address TEXT NOT NULL, kiln_version TEXT NOT NULL, tier TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL, generation INTEGER NOT NULL);"
    "CREATE TABLE blobs (digest TEXT PRIMARY KEY, bytes BLOB NOT NULL);",
};

/* The same schema on PostgreSQL, step for step (the version numbers agree,
 * so kiln registry migrate can compare them): 64-bit integers, identity
 * keys, bytea, and triggers as functions. */
static const char *const pg_migrations[] = {
    "CREATE TABLE modules ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created_at BIGINT NOT NULL);"
    "CREATE TABLE versions ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  module_id BIGINT NOT NULL REFERENCES modules(id),"
    "  number BIGINT NOT NULL, digest TEXT NOT NULL, size BIGINT NOT NULL, created_at BIGINT NOT NULL,"
    "  commit_sha TEXT, commit_time TEXT, message TEXT, deployed_by TEXT NOT NULL,"
    "  fuel BIGINT NOT NULL DEFAULT 0, timeout_ms BIGINT NOT NULL DEFAULT 0, max_memory BIGINT NOT NULL DEFAULT 0,"
    "  UNIQUE (module_id, number));"
    "CREATE INDEX versions_digest ON versions(digest);"
    "CREATE TABLE aliases ("
    "  module_id BIGINT NOT NULL REFERENCES modules(id), name TEXT NOT NULL,"
    "  version_id BIGINT NOT NULL REFERENCES versions(id), updated_at BIGINT NOT NULL,"
    "  pinned BIGINT NOT NULL DEFAULT 0, pinned_by TEXT, pinned_at BIGINT, pin_reason TEXT,"
    "  PRIMARY KEY (module_id, name));"
    "CREATE TABLE history ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  module_id BIGINT NOT NULL REFERENCES modules(id), at BIGINT NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, alias TEXT, from_version BIGINT, to_version BIGINT, reason TEXT);"
    "CREATE INDEX history_module ON history(module_id, id);"
    "CREATE FUNCTION kiln_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "  $$ BEGIN RAISE EXCEPTION 'history is append-only'; END $$;"
    "CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history"
    "  FOR EACH ROW EXECUTE FUNCTION kiln_append_only();"
    "CREATE TABLE traps ("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  module_id BIGINT NOT NULL REFERENCES modules(id), version_id BIGINT NOT NULL REFERENCES versions(id),"
    "  at BIGINT NOT NULL, request_id TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL,"
    "  report TEXT, report_json TEXT, stderr BYTEA);"
    "CREATE INDEX traps_module ON traps(module_id, id);"
    /* SQLite's group_concat(X, SEP), so that the listings' SQL is one */
    "CREATE FUNCTION kiln_concat(acc text, v text, sep text) RETURNS text LANGUAGE sql IMMUTABLE AS "
    "  $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END $$;"
    "CREATE AGGREGATE group_concat(text, text) (SFUNC = kiln_concat, STYPE = text);",
    "CREATE TABLE usage_minute ("
    "  module_id BIGINT NOT NULL REFERENCES modules(id), version_id BIGINT NOT NULL REFERENCES versions(id),"
    "  minute BIGINT NOT NULL,"
    "  requests BIGINT NOT NULL, traps BIGINT NOT NULL, errors BIGINT NOT NULL, metered BIGINT NOT NULL,"
    "  latency_ns BIGINT NOT NULL, instructions BIGINT NOT NULL, cpu_ns BIGINT NOT NULL, cpu_samples BIGINT NOT NULL,"
    "  wall_ns BIGINT NOT NULL, gib_seconds DOUBLE PRECISION NOT NULL,"
    "  peak_memory_sum BIGINT NOT NULL, peak_memory_max BIGINT NOT NULL,"
    "  request_bytes BIGINT NOT NULL, response_bytes BIGINT NOT NULL, io_bytes BIGINT NOT NULL,"
    "  cost DOUBLE PRECISION NOT NULL, compute_cost DOUBLE PRECISION NOT NULL,"
    "  PRIMARY KEY (module_id, version_id, minute));"
    "CREATE INDEX usage_minute_module ON usage_minute(module_id, minute);"
    "CREATE TABLE usage_latency ("
    "  module_id BIGINT NOT NULL, version_id BIGINT NOT NULL, minute BIGINT NOT NULL,"
    "  bucket BIGINT NOT NULL, count BIGINT NOT NULL,"
    "  PRIMARY KEY (module_id, version_id, minute, bucket));"
    "CREATE TABLE policies ("
    "  module_id BIGINT PRIMARY KEY REFERENCES modules(id), rollback_spec TEXT,"
    "  regression_threshold DOUBLE PRECISION, budget_per_day DOUBLE PRECISION,"
    "  updated_at BIGINT NOT NULL, updated_by TEXT NOT NULL);",
    "ALTER TABLE versions ADD COLUMN env TEXT, ADD COLUMN secret_names TEXT, ADD COLUMN secrets BYTEA;",
    "CREATE TABLE rollouts ("
    "  module_id BIGINT PRIMARY KEY REFERENCES modules(id),"
    "  from_version BIGINT NOT NULL, to_version BIGINT NOT NULL, steps TEXT NOT NULL, step BIGINT NOT NULL,"
    "  interval_ms BIGINT NOT NULL, step_started_at BIGINT NOT NULL, started_at BIGINT NOT NULL,"
    "  updated_at BIGINT NOT NULL, state TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT);"
    "CREATE TABLE routes ("
    "  prefix TEXT PRIMARY KEY, module_id BIGINT NOT NULL REFERENCES modules(id),"
    "  created_at BIGINT NOT NULL, created_by TEXT NOT NULL);",
    /* 5: as SQLite's; a change of the generation notifies every node. */
    "ALTER TABLE usage_minute ADD COLUMN node TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE usage_minute DROP CONSTRAINT usage_minute_pkey,"
    "  ADD PRIMARY KEY (module_id, version_id, minute, node);"
    "ALTER TABLE usage_latency ADD COLUMN node TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE usage_latency DROP CONSTRAINT usage_latency_pkey,"
    "  ADD PRIMARY KEY (module_id, version_id, minute, bucket, node);"
    "CREATE TABLE generation (n BIGINT NOT NULL);"
    "INSERT INTO generation VALUES (0);"
    "CREATE FUNCTION kiln_notify() RETURNS trigger LANGUAGE plpgsql AS "
    "  $$ BEGIN PERFORM pg_notify('" REG_CHANNEL "', NEW.n::text); RETURN NEW; END $$;"
    "CREATE TRIGGER generation_notify AFTER UPDATE ON generation FOR EACH ROW EXECUTE FUNCTION kiln_notify();"
    "CREATE TABLE nodes ("
    "  id TEXT PRIMARY KEY, address TEXT NOT NULL, kiln_version TEXT NOT NULL, tier TEXT NOT NULL,"
    "  started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL, generation BIGINT NOT NULL);"
    "CREATE TABLE blobs (digest TEXT PRIMARY KEY, bytes BYTEA NOT NULL);",
};
#define NMIGRATIONS ((int)(sizeof sqlite_migrations / sizeof sqlite_migrations[0]))
_Static_assert(sizeof sqlite_migrations == sizeof pg_migrations, "one migration per step on each backend");

/* ---------------------------------------------------------------- the resolution cache */

#define CACHE_SLOTS 512 /* a power of two */

typedef struct cache_slot {
    bool used;
    char key[160]; /* "module\x01selector" */
    reg_target target;
} cache_slot;

struct registry {
    db *db;
    char node[64], address[128], tier[16];
    int64_t started_ms;
    db_watch *watch;              /* PostgreSQL: the cluster's changes (db.h) */
    pthread_t beat;               /* the heartbeat (nodes table) */
    bool beat_started, stopping;
    pthread_mutex_t beat_lock;
    pthread_cond_t beat_cond;
    /* what the watch last saw (under cache_lock) */
    int64_t seen_generation;
    bool watch_connected;
    pthread_mutex_t db_lock;      /* the connection and every transaction */
    pthread_rwlock_t cache_lock;  /* the slots and their generation */
    uint64_t generation;          /* bumped (under both locks) by every change */
    size_t cache_used;
    cache_slot cache[CACHE_SLOTS];
};

static uint32_t fnv1a(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static bool cache_key(char key[160], const char *module, const char *selector) {
    return snprintf(key, 160, "%s\x01%s", module, selector) < 160;
}

static bool cache_get(registry *r, const char *key, reg_target *out) {
    bool hit = false;
    pthread_rwlock_rdlock(&r->cache_lock);
    for (uint32_t i = fnv1a(key) & (CACHE_SLOTS - 1), n = 0; n < CACHE_SLOTS; i = (i + 1) & (CACHE_SLOTS - 1), n++) {
        if (!r->cache[i].used) break;
        if (!strcmp(r->cache[i].key, key)) { *out = r->cache[i].target; hit = true; break; }
    }
    pthread_rwlock_unlock(&r->cache_lock);
    return hit;
}

/* Inserts only if nothing changed since the lookup was made (generation):
 * otherwise a resolution racing a promote could re-insert the old target. */
static void cache_put(registry *r, const char *key, const reg_target *t, uint64_t generation) {
    pthread_rwlock_wrlock(&r->cache_lock);
    if (r->generation == generation) {
        if (r->cache_used >= CACHE_SLOTS / 2) { /* full enough: start over */
            memset(r->cache, 0, sizeof r->cache);
            r->cache_used = 0;
        }
        uint32_t i = fnv1a(key) & (CACHE_SLOTS - 1);
        while (r->cache[i].used && strcmp(r->cache[i].key, key)) i = (i + 1) & (CACHE_SLOTS - 1);
        if (!r->cache[i].used) r->cache_used++;
        r->cache[i].used = true;
        snprintf(r->cache[i].key, sizeof r->cache[i].key, "%s", key);
        r->cache[i].target = *t;
    }
    pthread_rwlock_unlock(&r->cache_lock);
}

/* Called with db_lock held, right after a commit. */
static void cache_invalidate(registry *r) {
    pthread_rwlock_wrlock(&r->cache_lock);
    memset(r->cache, 0, sizeof r->cache);
    r->cache_used = 0;
    r->generation++;
    pthread_rwlock_unlock(&r->cache_lock);
}

/* ---------------------------------------------------------------- helpers */

int64_t reg_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void reg_iso8601(int64_t ms, char out[32]) {
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - 20, ".%03uZ", (unsigned)(ms % 1000) % 1000u);
}

static bool name_chars(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !isalnum((unsigned char)s[0])) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-') return false;
    return true;
}

bool reg_parse_version(const char *s, int *out) {
    if (*s == 'v') s++;
    if (!*s || strlen(s) > 9) return false;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p)) return false;
    int n = atoi(s);
    if (n <= 0) return false;
    *out = n;
    return true;
}

bool reg_valid_name(const char *s) { return s && name_chars(s); }

bool reg_valid_alias(const char *s) {
    int n;
    return s && name_chars(s) && !reg_parse_version(s, &n);
}

static bool reg_fail(registry *r, perr *e, const char *what) { return db_fail(r->db, e, what); }

static bool exec_sql(registry *r, const char *sql, perr *e) { return db_exec(r->db, sql, e); }

static db_stmt *prep(registry *r, const char *sql, perr *e) { return db_prepare(r->db, sql, e); }

static void bind_text_or_null(db_stmt *st, int i, const char *s) {
    if (s && *s) db_bind_text(st, i, s);
    else db_bind_null(st, i);
}

static const char *col_text(db_stmt *st, int i) {
    return (const char *)db_column_text(st, i);
}

/* cJSON helpers that tolerate NULL (an optional column). */
static void json_str(cJSON *o, const char *k, const char *v) {
    if (v) cJSON_AddStringToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

static void json_time(cJSON *o, const char *k, int64_t ms) {
    char buf[32];
    reg_iso8601(ms, buf);
    cJSON_AddStringToObject(o, k, buf);
}

static void json_version(cJSON *o, const char *k, db_stmt *st, int col) {
    if (db_column_null(st, col)) { cJSON_AddNullToObject(o, k); return; }
    char buf[24];
    snprintf(buf, sizeof buf, "v%d", db_column_int(st, col));
    cJSON_AddStringToObject(o, k, buf);
}

/* ---------------------------------------------------------------- open */

/* Brings the schema up to date in one durable transaction: on PostgreSQL
 * the advisory lock (db_begin) makes nodes that start together take turns,
 * and each reads the version only once it holds the lock. */
static bool migrate(registry *r, const char *where, perr *e) {
    if (!db_begin(r->db, true, e)) return false;
    int have;
    if (!db_schema_version(r->db, &have, e)) goto fail;
    if (have > NMIGRATIONS) {
        perr_set(e, 500, "%s has schema version %d, newer than this kiln knows (%d): use a newer kiln", where, have,
                 NMIGRATIONS);
        goto fail;
    }
    const char *const *steps = db_dialect(r->db) == DB_POSTGRES ? pg_migrations : sqlite_migrations;
    for (int v = have; v < NMIGRATIONS; v++)
        if (!exec_sql(r, steps[v], e)) goto fail;
    if (have < NMIGRATIONS && !db_set_schema_version(r->db, NMIGRATIONS, e)) goto fail;
    return db_commit(r->db, e);
fail:
    db_rollback(r->db);
    return false;
}

#define REG_GENERATION_SQL "SELECT n FROM generation"

/* The watch (db.h) saw generation gen: a change made anywhere in the
 * cluster since this node last looked, the notification of which may have
 * been lost, empties the resolution cache. While PostgreSQL is unreachable
 * the cache stays: it is what this node serves from. */
static void on_generation(void *ctx, int64_t gen, bool connected) {
    registry *r = ctx;
    pthread_rwlock_wrlock(&r->cache_lock);
    r->watch_connected = connected;
    if (connected && gen != r->seen_generation) {
        r->seen_generation = gen;
        memset(r->cache, 0, sizeof r->cache);
        r->cache_used = 0;
        r->generation++;
    }
    pthread_rwlock_unlock(&r->cache_lock);
}

static void heartbeat(registry *r) {
    int64_t gen;
    pthread_rwlock_rdlock(&r->cache_lock);
    gen = r->seen_generation;
    pthread_rwlock_unlock(&r->cache_lock);
    pthread_mutex_lock(&r->db_lock);
    if (db_begin(r->db, false, NULL)) {
        db_stmt *st = prep(r, "INSERT INTO nodes(id, address, kiln_version, tier, started_at, heartbeat_at, generation) "
                              "VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(id) DO UPDATE SET address=?2, kiln_version=?3, "
                              "tier=?4, started_at=?5, heartbeat_at=?6, generation=?7", NULL);
        bool ok = st != NULL;
        if (st) {
            db_bind_text(st, 1, r->node);
            db_bind_text(st, 2, r->address);
            db_bind_text(st, 3, KILN_VERSION);
            db_bind_text(st, 4, r->tier);
            db_bind_int64(st, 5, r->started_ms);
            db_bind_int64(st, 6, reg_now_ms());
            db_bind_int64(st, 7, gen);
            ok = db_step(st) == DB_DONE;
            db_finalize(st);
        }
        if (ok) db_commit(r->db, NULL);
        else db_rollback(r->db);
    }
    pthread_mutex_unlock(&r->db_lock);
}

static void *beat_main(void *arg) {
    registry *r = arg;
    pthread_mutex_lock(&r->beat_lock);
    while (!r->stopping) {
        pthread_mutex_unlock(&r->beat_lock);
        heartbeat(r);
        pthread_mutex_lock(&r->beat_lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += REG_HEARTBEAT_MS / 1000;
        if (!r->stopping) pthread_cond_timedwait(&r->beat_cond, &r->beat_lock, &ts);
    }
    pthread_mutex_unlock(&r->beat_lock);
    return NULL;
}

registry *reg_open(const char *data_dir, const reg_options *o, perr *e) {
    registry *r = calloc(1, sizeof *r);
    if (!r) { perr_set(e, 503, "out of memory"); return NULL; }
    pthread_mutex_init(&r->db_lock, NULL);
    pthread_rwlock_init(&r->cache_lock, NULL);
    pthread_mutex_init(&r->beat_lock, NULL);
    pthread_cond_init(&r->beat_cond, NULL);
    r->started_ms = reg_now_ms();
    r->watch_connected = true;
    snprintf(r->node, sizeof r->node, "%s", o && o->node_id ? o->node_id : "");
    snprintf(r->address, sizeof r->address, "%s", o && o->address ? o->address : "");
    snprintf(r->tier, sizeof r->tier, "%s", o && o->tier ? o->tier : "auto");
    const char *url = o && o->url && *o->url ? o->url : NULL;
    char path[PATH_MAX];
    if (!url && snprintf(path, sizeof path, "%s/registry.db", data_dir) >= (int)sizeof path) {
        perr_set(e, 500, "data directory path too long");
        goto fail;
    }
    if (url && !db_target_is_url(url)) {
        perr_set(e, 400, "--registry: want a postgresql://USER@HOST:PORT/DB URL (or none: DATA/registry.db)");
        goto fail;
    }
    if (!(r->db = db_open(url ? url : path, e))) goto fail;
    if (!migrate(r, url ? "the PostgreSQL registry" : path, e)) goto fail;
    if (o && o->serve) {
        if (url) {
            r->watch = db_watch_start(url, REG_CHANNEL, REG_GENERATION_SQL, REG_RECHECK_MS, on_generation, r);
            if (!r->watch) { perr_set(e, 500, "cannot start the registry's change watch"); goto fail; }
        }
        /* A heartbeat only where other nodes read it: one node's own SQLite
         * file gets no write a second (kiln nodes answers from memory). */
        if (db_shared(r->db)) {
            if (pthread_create(&r->beat, NULL, beat_main, r)) { perr_set(e, 500, "cannot start the heartbeat"); goto fail; }
            r->beat_started = true;
        }
    }
    return r;
fail:
    reg_close(r);
    return NULL;
}

void reg_close(registry *r) {
    if (!r) return;
    db_watch_stop(r->watch);
    if (r->beat_started) {
        pthread_mutex_lock(&r->beat_lock);
        r->stopping = true;
        pthread_cond_signal(&r->beat_cond);
        pthread_mutex_unlock(&r->beat_lock);
        pthread_join(r->beat, NULL);
    }
    db_close(r->db);
    pthread_mutex_destroy(&r->db_lock);
    pthread_rwlock_destroy(&r->cache_lock);
    pthread_mutex_destroy(&r->beat_lock);
    pthread_cond_destroy(&r->beat_cond);
    free(r);
}

const char *reg_node_id(registry *r) { return r->node; }

/* The connection for the registry's extensions in other files (usage_db.c):
 * they keep to their own tables and never change what reg_resolve caches. */
db *reg_lock(registry *r) {
    pthread_mutex_lock(&r->db_lock);
    return r->db;
}

void reg_unlock(registry *r) { pthread_mutex_unlock(&r->db_lock); }

bool reg_health(registry *r, reg_health_info *out) {
    pthread_rwlock_rdlock(&r->cache_lock);
    out->registry_reachable = r->watch_connected;
    out->cached = r->cache_used;
    out->generation = r->seen_generation;
    pthread_rwlock_unlock(&r->cache_lock);
    if (!r->watch) { /* SQLite, or a command that does not serve: ask */
        pthread_mutex_lock(&r->db_lock);
        db_stmt *st = prep(r, REG_GENERATION_SQL, NULL);
        out->registry_reachable = st && db_step(st) == DB_ROW;
        if (out->registry_reachable) out->generation = db_column_int64(st, 0);
        db_finalize(st);
        pthread_mutex_unlock(&r->db_lock);
    }
    out->shared = db_shared(r->db);
    snprintf(out->node, sizeof out->node, "%s", r->node);
    /* Serves: the registry answers, or the cache can answer for what it holds. */
    return out->registry_reachable || out->cached > 0;
}

/* ---------------------------------------------------------------- module bytes in a shared registry */

bool reg_blob_store(void *ctx, const char *digest, const uint8_t *data, size_t len, perr *e) {
    registry *r = ctx;
    if (!db_shared(r->db)) return true; /* one node: the blob store is the truth */
    pthread_mutex_lock(&r->db_lock);
    db_stmt *st = prep(r, "INSERT INTO blobs(digest, bytes) VALUES(?,?) ON CONFLICT(digest) DO NOTHING", e);
    bool ok = false;
    if (st) {
        db_bind_text(st, 1, digest);
        db_bind_blob(st, 2, data, len);
        ok = db_step(st) == DB_DONE || reg_fail(r, e, "module bytes");
        db_finalize(st);
    }
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

uint8_t *reg_blob_fetch(void *ctx, const char *digest, size_t *len, perr *e) {
    registry *r = ctx;
    if (!db_shared(r->db)) { perr_set(e, 404, "no blob %s", digest); return NULL; }
    pthread_mutex_lock(&r->db_lock);
    uint8_t *out = NULL;
    db_stmt *st = prep(r, "SELECT bytes FROM blobs WHERE digest=?", e);
    if (st) {
        db_bind_text(st, 1, digest);
        int rc = db_step(st);
        if (rc == DB_ROW) {
            *len = db_column_bytes(st, 0);
            if ((out = malloc(*len ? *len : 1))) memcpy(out, db_column_blob(st, 0), *len);
            else perr_set(e, 503, "out of memory");
        } else if (rc == DB_DONE) {
            perr_set(e, 404, "no blob %s in the registry", digest);
        } else {
            reg_fail(r, e, "module bytes");
        }
        db_finalize(st);
    }
    pthread_mutex_unlock(&r->db_lock);
    return out;
}

/* One node on its own registry: itself, now. */
static cJSON *self_node(registry *r) {
    cJSON *arr = cJSON_CreateArray(), *o = cJSON_CreateObject();
    if (!arr || !o) { cJSON_Delete(arr); cJSON_Delete(o); return NULL; }
    cJSON_AddItemToArray(arr, o);
    int64_t gen;
    pthread_rwlock_rdlock(&r->cache_lock);
    gen = r->seen_generation;
    pthread_rwlock_unlock(&r->cache_lock);
    json_str(o, "node", r->node);
    json_str(o, "address", r->address);
    json_str(o, "kiln_version", KILN_VERSION);
    json_str(o, "tier", r->tier);
    json_time(o, "started", r->started_ms);
    json_time(o, "heartbeat", reg_now_ms());
    cJSON_AddNumberToObject(o, "heartbeat_age_ms", 0);
    cJSON_AddBoolToObject(o, "alive", true);
    cJSON_AddNumberToObject(o, "generation", (double)gen);
    cJSON_AddBoolToObject(o, "self", true);
    return arr;
}

cJSON *reg_nodes(registry *r, perr *e) {
    if (!db_shared(r->db)) return self_node(r);
    pthread_mutex_lock(&r->db_lock);
    cJSON *arr = cJSON_CreateArray();
    db_stmt *st = prep(r, "SELECT id, address, kiln_version, tier, started_at, heartbeat_at, generation FROM nodes "
                          "ORDER BY id", e);
    if (!st || !arr) { cJSON_Delete(arr); arr = NULL; goto out; }
    int64_t now = reg_now_ms();
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddItemToArray(arr, o);
        json_str(o, "node", col_text(st, 0));
        json_str(o, "address", col_text(st, 1));
        json_str(o, "kiln_version", col_text(st, 2));
        json_str(o, "tier", col_text(st, 3));
        json_time(o, "started", db_column_int64(st, 4));
        json_time(o, "heartbeat", db_column_int64(st, 5));
        int64_t age = now - db_column_int64(st, 5);
        cJSON_AddNumberToObject(o, "heartbeat_age_ms", (double)age);
        cJSON_AddBoolToObject(o, "alive", age < 3 * REG_HEARTBEAT_MS);
        cJSON_AddNumberToObject(o, "generation", (double)db_column_int64(st, 6));
        cJSON_AddBoolToObject(o, "self", !strcmp(col_text(st, 0), r->node));
    }
    if (rc != DB_DONE && rc != DB_ROW) { cJSON_Delete(arr); arr = NULL; reg_fail(r, e, "nodes"); }
out:
    db_finalize(st);
    pthread_mutex_unlock(&r->db_lock);
    return arr;
}

/* ---------------------------------------------------------------- lookups (db_lock held) */

static int64_t module_id(registry *r, const char *module, perr *e) {
    db_stmt *st = prep(r, "SELECT id FROM modules WHERE name=?", e);
    if (!st) return -1;
    db_bind_text(st, 1, module);
    int64_t id = -1;
    int rc = db_step(st);
    if (rc == DB_ROW) id = db_column_int64(st, 0);
    else if (rc == DB_DONE) perr_set(e, 404, "no module named '%s'", module);
    else reg_fail(r, e, "module lookup");
    db_finalize(st);
    return id;
}

static bool load_target(registry *r, db_stmt *st, reg_target *t) {
    t->version_id = db_column_int64(st, 0);
    t->number = db_column_int(st, 1);
    snprintf(t->digest, sizeof t->digest, "%s", col_text(st, 2) ? col_text(st, 2) : "");
    t->limits.fuel = (uint64_t)db_column_int64(st, 3);
    t->limits.timeout_ms = (uint64_t)db_column_int64(st, 4);
    t->limits.max_memory_bytes = (uint64_t)db_column_int64(st, 5);
    (void)r;
    return true;
}

#define TARGET_COLS "v.id, v.number, v.digest, v.fuel, v.timeout_ms, v.max_memory"

static bool version_by_number(registry *r, int64_t mid, const char *module, int number, reg_target *t, perr *e) {
    db_stmt *st = prep(r, "SELECT " TARGET_COLS " FROM versions v WHERE module_id=? AND number=?", e);
    if (!st) return false;
    db_bind_int64(st, 1, mid);
    db_bind_int(st, 2, number);
    int rc = db_step(st);
    bool ok = rc == DB_ROW;
    if (ok) load_target(r, st, t);
    else if (rc == DB_DONE) perr_set(e, 404, "module '%s' has no version v%d", module, number);
    else reg_fail(r, e, "version lookup");
    db_finalize(st);
    t->module_id = mid;
    return ok;
}

typedef struct alias_row {
    bool exists;
    int number;     /* the version it points at */
    bool pinned;
    char pinned_by[256];
    int64_t pinned_at;
    char pin_reason[512];
} alias_row;

static bool alias_get(registry *r, int64_t mid, const char *alias, alias_row *a, perr *e) {
    memset(a, 0, sizeof *a);
    db_stmt *st = prep(r,
                            "SELECT v.number, a.pinned, a.pinned_by, a.pinned_at, a.pin_reason FROM aliases a "
                            "JOIN versions v ON v.id=a.version_id WHERE a.module_id=? AND a.name=?",
                            e);
    if (!st) return false;
    db_bind_int64(st, 1, mid);
    db_bind_text(st, 2, alias);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        a->exists = true;
        a->number = db_column_int(st, 0);
        a->pinned = db_column_int(st, 1) != 0;
        snprintf(a->pinned_by, sizeof a->pinned_by, "%s", col_text(st, 2) ? col_text(st, 2) : "?");
        a->pinned_at = db_column_int64(st, 3);
        snprintf(a->pin_reason, sizeof a->pin_reason, "%s", col_text(st, 4) ? col_text(st, 4) : "");
    }
    db_finalize(st);
    if (rc != DB_ROW && rc != DB_DONE) return reg_fail(r, e, "alias lookup");
    return true;
}

/* A running rollout of the module splits live's traffic: its new version
 * and weight go into live's target (and so into the cache). False (e) when
 * the registry cannot say: live's target is not resolved (nor cached)
 * without its rollout. */
static bool rollout_of(registry *r, int64_t mid, reg_target *t, perr *e) {
    t->rollout_to = 0;
    t->rollout_bp = 0;
    db_stmt *st = prep(r, "SELECT to_version, steps, step FROM rollouts WHERE module_id=? AND state='running'", e);
    if (!st) return false;
    db_bind_int64(st, 1, mid);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        int steps[SPLIT_MAX_STEPS], n;
        char why[128];
        int i = db_column_int(st, 2);
        if (split_parse_steps(col_text(st, 1), steps, &n, why, sizeof why) && i >= 0 && i < n) {
            t->rollout_to = db_column_int(st, 0);
            t->rollout_bp = steps[i];
        }
    }
    db_finalize(st);
    return rc == DB_ROW || rc == DB_DONE || reg_fail(r, e, "rollout lookup");
}

bool reg_resolve(registry *r, const char *module, const char *selector, reg_target *out, perr *e) {
    if (!selector || !*selector) selector = "live";
    char key[160];
    bool cacheable = cache_key(key, module, selector);
    if (cacheable && cache_get(r, key, out)) return true;

    pthread_mutex_lock(&r->db_lock);
    uint64_t gen;
    pthread_rwlock_rdlock(&r->cache_lock);
    gen = r->generation;
    pthread_rwlock_unlock(&r->cache_lock);
    bool ok = false;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto out;
    int number;
    if (reg_parse_version(selector, &number)) {
        ok = version_by_number(r, mid, module, number, out, e);
        goto out;
    }
    db_stmt *st = prep(r,
                            "SELECT " TARGET_COLS " FROM aliases a JOIN versions v ON v.id=a.version_id "
                            "WHERE a.module_id=? AND a.name=?",
                            e);
    if (!st) goto out;
    db_bind_int64(st, 1, mid);
    db_bind_text(st, 2, selector);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        load_target(r, st, out);
        out->module_id = mid;
        ok = strcmp(selector, "live") || rollout_of(r, mid, out, e);
    } else if (rc == DB_DONE) {
        if (!strcmp(selector, "live"))
            perr_set(e, 404, "module '%s' has no live version yet: promote one (kiln promote %s VERSION)", module,
                     module);
        else
            perr_set(e, 404, "module '%s' has no alias '%s'", module, selector);
    } else {
        reg_fail(r, e, "alias lookup");
    }
    db_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    if (ok && cacheable) cache_put(r, key, out, gen);
    return ok;
}

/* ---------------------------------------------------------------- changes (db_lock held) */

static bool begin(registry *r, perr *e) { return db_begin(r->db, true, e); }

/* Every change bumps the generation in its own transaction: on PostgreSQL
 * its trigger notifies every node at the commit, and a node that missed
 * the notification sees the new number at its next check (db_watch). */
static bool commit(registry *r, perr *e) {
    if (!exec_sql(r, "UPDATE generation SET n=n+1", e)) {
        db_rollback(r->db);
        return false;
    }
    if (!db_commit(r->db, e)) return false;
    cache_invalidate(r);
    return true;
}

static void rollback_tx(registry *r) { db_rollback(r->db); }

static bool add_history(registry *r, int64_t mid, const char *actor, const char *action, const char *alias,
                        int from, int to, const char *reason, perr *e) {
    db_stmt *st = prep(r,
                            "INSERT INTO history(module_id, at, actor, action, alias, from_version, to_version, "
                            "reason) VALUES(?,?,?,?,?,?,?,?)",
                            e);
    if (!st) return false;
    db_bind_int64(st, 1, mid);
    db_bind_int64(st, 2, reg_now_ms());
    db_bind_text(st, 3, actor);
    db_bind_text(st, 4, action);
    bind_text_or_null(st, 5, alias);
    if (from > 0) db_bind_int(st, 6, from);
    else db_bind_null(st, 6);
    if (to > 0) db_bind_int(st, 7, to);
    else db_bind_null(st, 7);
    bind_text_or_null(st, 8, reason);
    bool ok = db_step(st) == DB_DONE;
    db_finalize(st);
    return ok || reg_fail(r, e, "history");
}

/* The refusal a pinned alias gives. */
static bool pinned_refusal(perr *e, const char *module, const char *alias, const alias_row *a, const char *what) {
    char when[32];
    reg_iso8601(a->pinned_at, when);
    return perr_set(e, 409,
                    "%s of %s is pinned at v%d by %s at %s%s%s%s: %s refused (unpin it first, or use --force)",
                    alias, module, a->number, a->pinned_by, when, a->pin_reason[0] ? " (reason: " : "",
                    a->pin_reason, a->pin_reason[0] ? ")" : "", what);
}

/* Points an alias at a version, inside a transaction. pin: 1 pin, -1 clear
 * the pin, 0 leave it. */
static bool alias_write(registry *r, int64_t mid, const char *alias, int64_t version_id, int pin, const char *actor,
                        const char *reason, perr *e) {
    db_stmt *st = prep(r,
                            "INSERT INTO aliases(module_id, name, version_id, updated_at, pinned, pinned_by, "
                            "pinned_at, pin_reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8) "
                            "ON CONFLICT(module_id, name) DO UPDATE SET version_id=?3, updated_at=?4, "
                            "pinned=CASE WHEN ?9=0 THEN aliases.pinned ELSE ?5 END, "
                            "pinned_by=CASE WHEN ?9=0 THEN aliases.pinned_by ELSE ?6 END, "
                            "pinned_at=CASE WHEN ?9=0 THEN aliases.pinned_at ELSE ?7 END, "
                            "pin_reason=CASE WHEN ?9=0 THEN aliases.pin_reason ELSE ?8 END",
                            e);
    if (!st) return false;
    int64_t now = reg_now_ms();
    db_bind_int64(st, 1, mid);
    db_bind_text(st, 2, alias);
    db_bind_int64(st, 3, version_id);
    db_bind_int64(st, 4, now);
    db_bind_int(st, 5, pin > 0);
    if (pin > 0) {
        db_bind_text(st, 6, actor);
        db_bind_int64(st, 7, now);
        bind_text_or_null(st, 8, reason);
    }
    db_bind_int(st, 9, pin);
    bool ok = db_step(st) == DB_DONE;
    db_finalize(st);
    if (!ok) return reg_fail(r, e, "alias update");
    if (strcmp(alias, "live")) return true;
    /* A person's promote, pin or rollback acts at once: a rollout running
     * for this module ends there (the rollout's own last step is already
     * marked done in this transaction: set_alias). */
    st = prep(r, "UPDATE rollouts SET state='superseded', updated_at=?, reason=? WHERE module_id=? AND state='running'", e);
    if (!st) return false;
    db_bind_int64(st, 1, now);
    db_bind_text(st, 2, "live was changed while it ran");
    db_bind_int64(st, 3, mid);
    ok = db_step(st) == DB_DONE;
    db_finalize(st);
    return ok || reg_fail(r, e, "rollout update");
}

/* A change's answer, built before its commit and whole (pjson.h), or NULL
 * (e: out of memory) and the change is rolled back: once committed, a
 * change must not be answered as failed. */
static cJSON *change_json(const char *module, const char *alias, const char *action, int from, int to, bool changed,
                          bool pinned, perr *e) {
    unsigned mark = pjson_mark();
    cJSON *o = cJSON_CreateObject();
    if (!o) { perr_set(e, 503, "out of memory"); return NULL; }
    char buf[24];
    cJSON_AddStringToObject(o, "module", module);
    cJSON_AddStringToObject(o, "alias", alias);
    cJSON_AddStringToObject(o, "action", action);
    if (from > 0) { snprintf(buf, sizeof buf, "v%d", from); cJSON_AddStringToObject(o, "from", buf); }
    else cJSON_AddNullToObject(o, "from");
    snprintf(buf, sizeof buf, "v%d", to);
    cJSON_AddStringToObject(o, "to", buf);
    cJSON_AddBoolToObject(o, "changed", changed);
    cJSON_AddBoolToObject(o, "pinned", pinned);
    if (!(o = pjson_checked(o, mark))) perr_set(e, 503, "out of memory");
    return o;
}

bool reg_deploy_limits(registry *r, const reg_deploy *d, reg_limits *out, perr *e) {
    *out = (reg_limits){0};
    pthread_mutex_lock(&r->db_lock);
    db_stmt *st = prep(r, "SELECT v.fuel, v.timeout_ms, v.max_memory FROM versions v JOIN modules m "
                               "ON m.id=v.module_id WHERE m.name=? ORDER BY v.number DESC LIMIT 1", e);
    bool ok = st != NULL;
    if (st) {
        db_bind_text(st, 1, d->module);
        int rc = db_step(st);
        if (rc == DB_ROW) {
            out->fuel = (uint64_t)db_column_int64(st, 0);
            out->timeout_ms = (uint64_t)db_column_int64(st, 1);
            out->max_memory_bytes = (uint64_t)db_column_int64(st, 2);
        } else if (rc != DB_DONE) {
            ok = reg_fail(r, e, "version limits");
        }
        db_finalize(st);
    }
    pthread_mutex_unlock(&r->db_lock);
    if (d->has_fuel) out->fuel = d->limits.fuel;
    if (d->has_timeout) out->timeout_ms = d->limits.timeout_ms;
    if (d->has_memory) out->max_memory_bytes = d->limits.max_memory_bytes;
    return ok;
}

bool reg_add_version(registry *r, const reg_deploy *d, cJSON **out, perr *e) {
    *out = NULL;
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    if (!begin(r, e)) goto out;
    int64_t now = reg_now_ms();
    db_stmt *st = prep(r, "INSERT INTO modules(name, created_at) VALUES(?,?) ON CONFLICT(name) DO NOTHING", e);
    if (!st) goto fail;
    db_bind_text(st, 1, d->module);
    db_bind_int64(st, 2, now);
    int rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE) { reg_fail(r, e, "module insert"); goto fail; }
    int64_t mid = module_id(r, d->module, e);
    if (mid < 0) goto fail;

    /* The next number, and the limits a deploy without flags inherits. */
    int number = 1;
    reg_limits lim = {0};
    st = prep(r, "SELECT number, fuel, timeout_ms, max_memory, id FROM versions WHERE module_id=? "
                 "ORDER BY number DESC LIMIT 1", e);
    if (!st) goto fail;
    db_bind_int64(st, 1, mid);
    int64_t prev_id = 0;
    rc = db_step(st);
    if (rc == DB_ROW) {
        number = db_column_int(st, 0) + 1;
        lim.fuel = (uint64_t)db_column_int64(st, 1);
        lim.timeout_ms = (uint64_t)db_column_int64(st, 2);
        lim.max_memory_bytes = (uint64_t)db_column_int64(st, 3);
        prev_id = db_column_int64(st, 4);
    }
    db_finalize(st);
    if (rc != DB_ROW && rc != DB_DONE) { reg_fail(r, e, "version number"); goto fail; }
    if (d->has_fuel) lim.fuel = d->limits.fuel;
    if (d->has_timeout) lim.timeout_ms = d->limits.timeout_ms;
    if (d->has_memory) lim.max_memory_bytes = d->limits.max_memory_bytes;

    alias_row live;
    if (!alias_get(r, mid, "live", &live, e)) goto fail;
    if (d->promote && live.pinned && !d->force) {
        pinned_refusal(e, d->module, "live", &live, "deploy --promote");
        goto fail;
    }

    st = prep(r,
              "INSERT INTO versions(module_id, number, digest, size, created_at, commit_sha, commit_time, message, "
              "deployed_by, fuel, timeout_ms, max_memory) VALUES(?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
              e);
    if (!st) goto fail;
    db_bind_int64(st, 1, mid);
    db_bind_int(st, 2, number);
    db_bind_text(st, 3, d->digest);
    db_bind_int64(st, 4, (int64_t)d->size);
    db_bind_int64(st, 5, now);
    bind_text_or_null(st, 6, d->commit);
    bind_text_or_null(st, 7, d->commit_time);
    bind_text_or_null(st, 8, d->message);
    db_bind_text(st, 9, d->actor);
    db_bind_int64(st, 10, (int64_t)lim.fuel);
    db_bind_int64(st, 11, (int64_t)lim.timeout_ms);
    db_bind_int64(st, 12, (int64_t)lim.max_memory_bytes);
    rc = db_step(st);
    int64_t vid = rc == DB_ROW ? db_column_int64(st, 0) : 0;
    db_finalize(st);
    if (rc != DB_ROW) { reg_fail(r, e, "version insert"); goto fail; }
    /* Configuration: the deploy's, else (like limits) the previous
     * version's, copied in the same transaction. */
    if (d->has_config) {
        st = prep(r, "UPDATE versions SET env=?, secret_names=?, secrets=? WHERE id=?", e);
        if (!st) goto fail;
        bind_text_or_null(st, 1, d->env_json);
        bind_text_or_null(st, 2, d->secret_names_json);
        if (d->sealed) db_bind_blob(st, 3, d->sealed, (int)d->sealed_len);
        else db_bind_null(st, 3);
        db_bind_int64(st, 4, vid);
    } else {
        st = prep(r, "UPDATE versions SET (env, secret_names, secrets) = "
                     "(SELECT env, secret_names, secrets FROM versions WHERE id=?) WHERE id=?", e);
        if (!st) goto fail;
        db_bind_int64(st, 1, prev_id);
        db_bind_int64(st, 2, vid);
    }
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE) { reg_fail(r, e, "version configuration"); goto fail; }

    /* TO is the new version either way; only a promote moves an alias (DORA
     * and rollback read rows with an alias). */
    if (!add_history(r, mid, d->actor, "deploy", d->promote ? "live" : NULL, d->promote ? live.number : 0, number, d->reason ? d->reason : d->message, e))
        goto fail;
    if (d->promote && !alias_write(r, mid, "live", vid, live.pinned ? -1 : 0, d->actor, NULL, e)) goto fail;

    /* The answer before the commit, whole (see change_json). */
    unsigned mark = pjson_mark();
    *out = cJSON_CreateObject();
    if (*out) {
        char buf[24];
        snprintf(buf, sizeof buf, "v%d", number);
        cJSON_AddStringToObject(*out, "module", d->module);
        cJSON_AddStringToObject(*out, "version", buf);
        cJSON_AddNumberToObject(*out, "number", number);
        cJSON_AddStringToObject(*out, "digest", d->digest);
        cJSON_AddNumberToObject(*out, "size", (double)d->size);
        cJSON_AddBoolToObject(*out, "promoted", d->promote);
        if (d->promote && live.number) { snprintf(buf, sizeof buf, "v%d", live.number); cJSON_AddStringToObject(*out, "previous_live", buf); }
        cJSON *l = cJSON_AddObjectToObject(*out, "limits");
        if (l) {
            cJSON_AddNumberToObject(l, "fuel", (double)lim.fuel);
            cJSON_AddNumberToObject(l, "timeout_ms", (double)lim.timeout_ms);
            cJSON_AddNumberToObject(l, "max_memory_bytes", (double)lim.max_memory_bytes);
        }
    }
    if (!(*out = pjson_checked(*out, mark))) { perr_set(e, 503, "out of memory"); goto fail; }
    if (!commit(r, e)) goto out;
    ok = true;
    goto out;
fail:
    rollback_tx(r);
out:
    if (!ok) { cJSON_Delete(*out); *out = NULL; }
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

static bool rollout_write(registry *r, const reg_rollout *ro, const char *expect_state, perr *e);

/* done: a rollout this change completes. It is marked done in the same
 * transaction, before the alias moves: were it two, a reader between them
 * would see it superseded by its own promote. */
static bool set_alias(registry *r, const char *module, const char *alias, int number, const char *action,
                      const char *actor, const char *reason, bool force, const reg_rollout *done, cJSON **out,
                      perr *e) {
    if (out) *out = NULL;
    if (!alias) alias = "live";
    bool pin = !strcmp(action, "pin");
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    if (!begin(r, e)) goto out;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto fail;
    reg_target t;
    if (!version_by_number(r, mid, module, number, &t, e)) goto fail;
    alias_row a;
    if (!alias_get(r, mid, alias, &a, e)) goto fail;
    /* A pin holds the alias: moving it elsewhere needs --force. Re-pinning
     * where it already is just updates who and why. */
    if (a.pinned && !force && a.number != number) { pinned_refusal(e, module, alias, &a, action); goto fail; }
    if (a.pinned && !force && !pin) { pinned_refusal(e, module, alias, &a, action); goto fail; }
    bool changed = !a.exists || a.number != number;
    cJSON *res = NULL;
    if (out && !(res = change_json(module, alias, action, a.number, number, changed, pin || (a.pinned && !changed), e)))
        goto fail;
    if (done && !rollout_write(r, done, "running", e)) { cJSON_Delete(res); goto fail; }
    /* A forced promote over a pin releases it: the pin's promise no longer holds. */
    if ((changed || pin) &&
        (!alias_write(r, mid, alias, t.version_id, pin ? 1 : (a.pinned ? -1 : 0), actor, reason, e) ||
         !add_history(r, mid, actor, action, alias, a.number, number, reason, e))) {
        cJSON_Delete(res);
        goto fail;
    }
    if (changed || pin || done) {
        if (!commit(r, e)) { cJSON_Delete(res); goto out; }
    } else {
        rollback_tx(r);
    }
    ok = true;
    if (out) *out = res;
    goto out;
fail:
    rollback_tx(r);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_set_alias(registry *r, const char *module, const char *alias, int number, const char *action,
                   const char *actor, const char *reason, bool force, cJSON **out, perr *e) {
    return set_alias(r, module, alias, number, action, actor, reason, force, NULL, out, e);
}

bool reg_rollout_complete(registry *r, const reg_rollout *ro, const char *actor, cJSON **out, perr *e) {
    return set_alias(r, ro->module, "live", ro->to, "promote", actor, ro->reason, false, ro, out, e);
}

bool reg_unpin(registry *r, const char *module, const char *alias, const char *actor, const char *reason,
               cJSON **out, perr *e) {
    if (out) *out = NULL;
    if (!alias) alias = "live";
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    if (!begin(r, e)) goto out;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto fail;
    alias_row a;
    if (!alias_get(r, mid, alias, &a, e)) goto fail;
    if (!a.exists) { perr_set(e, 404, "module '%s' has no alias '%s'", module, alias); goto fail; }
    if (!a.pinned) { perr_set(e, 409, "%s of %s is not pinned (it is at v%d)", alias, module, a.number); goto fail; }
    db_stmt *st = prep(r,
                            "UPDATE aliases SET pinned=0, pinned_by=NULL, pinned_at=NULL, pin_reason=NULL, "
                            "updated_at=? WHERE module_id=? AND name=?",
                            e);
    if (!st) goto fail;
    db_bind_int64(st, 1, reg_now_ms());
    db_bind_int64(st, 2, mid);
    db_bind_text(st, 3, alias);
    int rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE) { reg_fail(r, e, "unpin"); goto fail; }
    if (!add_history(r, mid, actor, "unpin", alias, a.number, a.number, reason, e)) goto fail;
    cJSON *res = NULL;
    if (out && !(res = change_json(module, alias, "unpin", a.number, a.number, false, false, e))) goto fail;
    if (!commit(r, e)) { cJSON_Delete(res); goto out; }
    ok = true;
    if (out) *out = res;
    goto out;
fail:
    rollback_tx(r);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

/* expect_from > 0: only if the alias is at that version now (else 409), as
 * kiln's own auto-rollback wants: it must not undo a change made after the
 * one it judged. */
static bool rollback_impl(registry *r, const char *module, const char *alias, int expect_from, int to,
                          const char *actor, const char *reason, bool force, cJSON **out, perr *e);

bool reg_rollback(registry *r, const char *module, const char *alias, int to, const char *actor,
                  const char *reason, bool force, cJSON **out, perr *e) {
    return rollback_impl(r, module, alias, 0, to, actor, reason, force, out, e);
}

bool reg_rollback_from(registry *r, const char *module, const char *alias, int from, int to, const char *actor,
                       const char *reason, cJSON **out, perr *e) {
    return rollback_impl(r, module, alias, from, to, actor, reason, false, out, e);
}

bool reg_add_event(registry *r, const char *module, const char *actor, const char *action, int from, int to,
                   const char *reason, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    if (!begin(r, e)) goto out;
    int64_t mid = module_id(r, module, e);
    reg_target t;
    if (mid < 0 || (to > 0 && !version_by_number(r, mid, module, to, &t, e)) ||
        !add_history(r, mid, actor, action, NULL, from, to, reason, e)) {
        rollback_tx(r);
        goto out;
    }
    ok = commit(r, e);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

static bool rollback_impl(registry *r, const char *module, const char *alias, int expect_from, int to,
                          const char *actor, const char *reason, bool force, cJSON **out, perr *e) {
    if (out) *out = NULL;
    if (!alias) alias = "live";
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    if (!begin(r, e)) goto out;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto fail;
    alias_row a;
    if (!alias_get(r, mid, alias, &a, e)) goto fail;
    if (!a.exists) { perr_set(e, 409, "%s of %s was never set: nothing to roll back", alias, module); goto fail; }
    if (a.pinned && !force) { pinned_refusal(e, module, alias, &a, "rollback"); goto fail; }
    if (expect_from > 0 && a.number != expect_from) {
        perr_set(e, 409, "%s of %s is at v%d now, not v%d", alias, module, a.number, expect_from);
        goto fail;
    }
    if (to <= 0) {
        /* "Before its last change": the from-side of the newest history row
         * that moved this alias. A second rollback thus undoes the first. */
        db_stmt *st = prep(r,
                                "SELECT from_version FROM history WHERE module_id=? AND alias=? AND "
                                "to_version IS NOT NULL AND from_version IS DISTINCT FROM to_version ORDER BY id DESC LIMIT 1",
                                e);
        if (!st) goto fail;
        db_bind_int64(st, 1, mid);
        db_bind_text(st, 2, alias);
        int rc = db_step(st);
        if (rc == DB_ROW && !db_column_null(st, 0)) to = db_column_int(st, 0);
        db_finalize(st);
        if (rc != DB_ROW && rc != DB_DONE) { reg_fail(r, e, "rollback target"); goto fail; }
        if (to <= 0) {
            perr_set(e, 409, "%s of %s has no earlier version to return to (it is at v%d, its first)", alias,
                     module, a.number);
            goto fail;
        }
    }
    reg_target t;
    if (!version_by_number(r, mid, module, to, &t, e)) goto fail;
    bool changed = a.number != to;
    cJSON *res = NULL;
    if (out && !(res = change_json(module, alias, "rollback", a.number, to, changed, false, e))) goto fail;
    if (changed) {
        if (!alias_write(r, mid, alias, t.version_id, a.pinned ? -1 : 0, actor, NULL, e) ||
            !add_history(r, mid, actor, "rollback", alias, a.number, to, reason, e)) {
            cJSON_Delete(res);
            goto fail;
        }
        if (!commit(r, e)) { cJSON_Delete(res); goto out; }
    } else {
        rollback_tx(r);
    }
    ok = true;
    if (out) *out = res;
    goto out;
fail:
    rollback_tx(r);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_add_trap(registry *r, const reg_target *t, const char *request_id, const char *kind,
                  const char *message, const char *report, const char *report_json,
                  const uint8_t *stderr_bytes, size_t stderr_len, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    db_stmt *st = prep(r,
                            "INSERT INTO traps(module_id, version_id, at, request_id, kind, message, report, "
                            "report_json, stderr) VALUES(?,?,?,?,?,?,?,?,?)",
                            e);
    if (st) {
        db_bind_int64(st, 1, t->module_id);
        db_bind_int64(st, 2, t->version_id);
        db_bind_int64(st, 3, reg_now_ms());
        db_bind_text(st, 4, request_id);
        db_bind_text(st, 5, kind);
        db_bind_text(st, 6, message);
        bind_text_or_null(st, 7, report);
        bind_text_or_null(st, 8, report_json);
        if (stderr_bytes && stderr_len) db_bind_blob(st, 9, stderr_bytes, (int)stderr_len);
        else db_bind_null(st, 9);
        ok = db_step(st) == DB_DONE;
        if (!ok) reg_fail(r, e, "trap insert");
        db_finalize(st);
    }
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_has_digest(registry *r, const char *digest) {
    pthread_mutex_lock(&r->db_lock);
    bool found = true; /* on error keep the blob: never delete what may be used */
    db_stmt *st = prep(r, "SELECT 1 FROM versions WHERE digest=? LIMIT 1", NULL);
    if (st) {
        db_bind_text(st, 1, digest);
        int rc = db_step(st);
        if (rc == DB_DONE) found = false;
        db_finalize(st);
    }
    pthread_mutex_unlock(&r->db_lock);
    return found;
}

/* ---------------------------------------------------------------- listings */

/* The aliases of a module as {"live":{"version":"v3","pinned":false}, ...}. */
static cJSON *aliases_json(registry *r, int64_t mid, perr *e) {
    db_stmt *st = prep(r,
                            "SELECT a.name, v.number, a.pinned, a.pinned_by, a.pinned_at, a.pin_reason, "
                            "a.updated_at FROM aliases a JOIN versions v ON v.id=a.version_id "
                            "WHERE a.module_id=? ORDER BY a.name",
                            e);
    if (!st) return NULL;
    cJSON *o = cJSON_CreateObject();
    db_bind_int64(st, 1, mid);
    int rc = DB_DONE;
    while (o && (rc = db_step(st)) == DB_ROW) {
        cJSON *a = cJSON_AddObjectToObject(o, col_text(st, 0));
        if (!a) { pjson_note_failure(); continue; }
        json_version(a, "version", st, 1);
        bool pinned = db_column_int(st, 2) != 0;
        cJSON_AddBoolToObject(a, "pinned", pinned);
        if (pinned) {
            json_str(a, "pinned_by", col_text(st, 3));
            json_time(a, "pinned_at", db_column_int64(st, 4));
            json_str(a, "pin_reason", col_text(st, 5));
        }
        json_time(a, "updated", db_column_int64(st, 6));
    }
    if (rc != DB_DONE) { reg_fail(r, e, "aliases"); cJSON_Delete(o); o = NULL; }
    else if (!o) perr_set(e, 503, "out of memory");
    db_finalize(st);
    return o;
}

cJSON *reg_modules(registry *r, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *arr = cJSON_CreateArray();
    db_stmt *st = prep(r,
                            "SELECT m.id, m.name, m.created_at, "
                            "(SELECT COUNT(*) FROM versions WHERE module_id=m.id), "
                            "(SELECT MAX(number) FROM versions WHERE module_id=m.id), "
                            "(SELECT COUNT(*) FROM traps WHERE module_id=m.id) "
                            "FROM modules m ORDER BY m.name",
                            e);
    if (!st || !arr) { cJSON_Delete(arr); arr = NULL; goto out; }
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        cJSON *m = cJSON_CreateObject();
        if (!m) break;
        cJSON_AddItemToArray(arr, m);
        cJSON_AddStringToObject(m, "name", col_text(st, 1));
        json_time(m, "created", db_column_int64(st, 2));
        cJSON_AddNumberToObject(m, "versions", db_column_int(st, 3));
        json_version(m, "latest", st, 4);
        cJSON_AddNumberToObject(m, "traps", db_column_int(st, 5));
        cJSON *al = aliases_json(r, db_column_int64(st, 0), e);
        if (!al) { rc = DB_ERROR; break; }
        cJSON_AddItemToObject(m, "aliases", al);
    }
    if (rc == DB_ROW) rc = DB_DONE; /* stopped by cJSON: pjson.h */
    if (rc != DB_DONE) {
        if (!e || !e->status) reg_fail(r, e, "modules");
        cJSON_Delete(arr);
        arr = NULL;
    }
out:
    if (st) db_finalize(st);
    pthread_mutex_unlock(&r->db_lock);
    return arr;
}

cJSON *reg_module(registry *r, const char *module, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *m = NULL;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto out;
    db_stmt *st = prep(r,
                            "SELECT created_at, (SELECT COUNT(*) FROM versions WHERE module_id=?1), "
                            "(SELECT MAX(number) FROM versions WHERE module_id=?1), "
                            "(SELECT COUNT(*) FROM traps WHERE module_id=?1) FROM modules WHERE id=?1",
                            e);
    if (!st) goto out;
    db_bind_int64(st, 1, mid);
    int rc = db_step(st);
    if (rc == DB_ROW && (m = cJSON_CreateObject())) {
        cJSON_AddStringToObject(m, "name", module);
        json_time(m, "created", db_column_int64(st, 0));
        cJSON_AddNumberToObject(m, "versions", db_column_int(st, 1));
        json_version(m, "latest", st, 2);
        cJSON_AddNumberToObject(m, "traps", db_column_int(st, 3));
        cJSON *al = aliases_json(r, mid, e);
        if (al) cJSON_AddItemToObject(m, "aliases", al);
        else { cJSON_Delete(m); m = NULL; }
    } else if (rc == DB_ROW) {
        perr_set(e, 503, "out of memory");
    } else {
        reg_fail(r, e, "module");
    }
    db_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return m;
}

cJSON *reg_versions(registry *r, const char *module, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *arr = NULL;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto out;
    db_stmt *st = prep(r,
                            "SELECT v.number, v.digest, v.size, v.created_at, v.commit_sha, v.commit_time, "
                            "v.message, v.deployed_by, v.fuel, v.timeout_ms, v.max_memory, "
                            "(SELECT group_concat(name, ',') FROM (SELECT name FROM aliases "
                            "  WHERE version_id=v.id ORDER BY name) AS a), v.env, v.secret_names "
                            "FROM versions v WHERE v.module_id=? ORDER BY v.number",
                            e);
    if (!st) goto out;
    db_bind_int64(st, 1, mid);
    arr = cJSON_CreateArray();
    int rc = DB_DONE;
    while (arr && (rc = db_step(st)) == DB_ROW) {
        cJSON *v = cJSON_CreateObject();
        if (!v) break;
        cJSON_AddItemToArray(arr, v);
        json_version(v, "version", st, 0);
        cJSON_AddNumberToObject(v, "number", db_column_int(st, 0));
        json_str(v, "digest", col_text(st, 1));
        cJSON_AddNumberToObject(v, "size", (double)db_column_int64(st, 2));
        json_time(v, "created", db_column_int64(st, 3));
        json_str(v, "commit", col_text(st, 4));
        json_str(v, "commit_time", col_text(st, 5));
        json_str(v, "message", col_text(st, 6));
        json_str(v, "deployed_by", col_text(st, 7));
        cJSON *l = cJSON_AddObjectToObject(v, "limits");
        if (l) {
            cJSON_AddNumberToObject(l, "fuel", (double)db_column_int64(st, 8));
            cJSON_AddNumberToObject(l, "timeout_ms", (double)db_column_int64(st, 9));
            cJSON_AddNumberToObject(l, "max_memory_bytes", (double)db_column_int64(st, 10));
        }
        /* Secrets by name only: their values never leave the server. */
        const char *ej = col_text(st, 12), *sj = col_text(st, 13);
        cJSON *env = ej ? cJSON_Parse(ej) : NULL, *snames = sj ? cJSON_Parse(sj) : NULL;
        if ((ej && !env) || (sj && !snames)) pjson_note_failure(); /* stored valid: out of memory */
        cJSON *cfg = vconfig_redacted(env, snames);
        cJSON_Delete(env);
        cJSON_Delete(snames);
        if (cfg) cJSON_AddItemToObject(v, "config", cfg);
        cJSON *al = cJSON_AddArrayToObject(v, "aliases");
        const char *names = col_text(st, 11);
        if (al && names) {
            char *copy = strdup(names), *save = NULL;
            if (!copy) pjson_note_failure();
            for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save))
                cJSON_AddItemToArray(al, cJSON_CreateString(tok));
            free(copy);
        }
    }
    if (arr && rc != DB_DONE && rc != DB_ROW) { reg_fail(r, e, "versions"); cJSON_Delete(arr); arr = NULL; }
    db_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return arr;
}

cJSON *reg_history(registry *r, const char *module, int limit, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *arr = NULL;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto out;
    /* The newest `limit` entries, shown oldest first (a log reads down). */
    db_stmt *st = prep(r,
                            "SELECT * FROM (SELECT id, at, actor, action, alias, from_version, to_version, reason "
                            "FROM history WHERE module_id=? ORDER BY id DESC LIMIT ?) AS h ORDER BY id",
                            e);
    if (!st) goto out;
    db_bind_int64(st, 1, mid);
    db_bind_int64(st, 2, limit > 0 ? limit : INT64_MAX);
    arr = cJSON_CreateArray();
    int rc = DB_DONE;
    while (arr && (rc = db_step(st)) == DB_ROW) {
        cJSON *h = cJSON_CreateObject();
        if (!h) break;
        cJSON_AddItemToArray(arr, h);
        cJSON_AddNumberToObject(h, "id", (double)db_column_int64(st, 0));
        json_time(h, "at", db_column_int64(st, 1));
        json_str(h, "actor", col_text(st, 2));
        json_str(h, "action", col_text(st, 3));
        json_str(h, "alias", col_text(st, 4));
        json_version(h, "from", st, 5);
        json_version(h, "to", st, 6);
        json_str(h, "reason", col_text(st, 7));
    }
    if (arr && rc != DB_DONE && rc != DB_ROW) { reg_fail(r, e, "history"); cJSON_Delete(arr); arr = NULL; }
    db_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return arr;
}

cJSON *reg_traps(registry *r, const char *module, int limit, bool all, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *arr = NULL;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto out;
    /* The failures that are not traps (invoke.c's failure_record) share the
     * table; `kind` tells them apart. */
    db_stmt *st = prep(r,
                            all ? "SELECT t.id, t.at, t.request_id, v.number, t.kind, t.message, t.report, "
                                  "t.report_json, t.stderr FROM traps t JOIN versions v ON v.id=t.version_id "
                                  "WHERE t.module_id=? ORDER BY t.id DESC LIMIT ?"
                                : "SELECT t.id, t.at, t.request_id, v.number, t.kind, t.message, t.report, "
                                  "t.report_json, t.stderr FROM traps t JOIN versions v ON v.id=t.version_id "
                                  "WHERE t.module_id=? AND t.kind NOT IN " REG_FAILURE_KINDS
                                  " ORDER BY t.id DESC LIMIT ?",
                            e);
    if (!st) goto out;
    db_bind_int64(st, 1, mid);
    db_bind_int64(st, 2, limit > 0 ? limit : INT64_MAX);
    arr = cJSON_CreateArray();
    int rc = DB_DONE;
    while (arr && (rc = db_step(st)) == DB_ROW) {
        cJSON *t = cJSON_CreateObject();
        if (!t) break;
        cJSON_AddItemToArray(arr, t);
        cJSON_AddNumberToObject(t, "id", (double)db_column_int64(st, 0));
        json_time(t, "at", db_column_int64(st, 1));
        json_str(t, "request_id", col_text(st, 2));
        json_version(t, "version", st, 3);
        json_str(t, "kind", col_text(st, 4));
        json_str(t, "message", col_text(st, 5));
        json_str(t, "report", col_text(st, 6));
        const char *rj = col_text(st, 7);
        cJSON *parsed = rj ? cJSON_Parse(rj) : NULL;
        if (rj && !parsed) pjson_note_failure(); /* stored valid: out of memory */
        if (parsed) cJSON_AddItemToObject(t, "trap", parsed);
        int n = db_column_bytes(st, 8);
        const void *b = db_column_blob(st, 8);
        if (b && n > 0) {
            /* stderr as text; bytes that are not UTF-8 are replaced by '?'
             * so the JSON stays valid. */
            char *s = malloc((size_t)n + 1);
            if (s) {
                for (int i = 0; i < n; i++) {
                    unsigned char c = ((const unsigned char *)b)[i];
                    s[i] = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' ? (char)c : '?';
                }
                s[n] = 0;
                cJSON_AddStringToObject(t, "stderr", s);
                free(s);
            } else {
                pjson_note_failure();
            }
        } else {
            cJSON_AddStringToObject(t, "stderr", "");
        }
    }
    if (arr && rc != DB_DONE && rc != DB_ROW) { reg_fail(r, e, "traps"); cJSON_Delete(arr); arr = NULL; }
    db_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return arr;
}

bool reg_version_config(registry *r, int64_t version_id, char **env_json, uint8_t **sealed, size_t *sealed_len,
                        perr *e) {
    *env_json = NULL;
    *sealed = NULL;
    *sealed_len = 0;
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    db_stmt *st = prep(r, "SELECT env, secrets FROM versions WHERE id=?", e);
    if (!st) goto out;
    db_bind_int64(st, 1, version_id);
    int rc = db_step(st);
    if (rc == DB_DONE) { perr_set(e, 404, "no version with id %lld", (long long)version_id); goto fin; }
    if (rc != DB_ROW) { reg_fail(r, e, "version configuration"); goto fin; }
    const char *ej = col_text(st, 0);
    if (!ej && !db_column_null(st, 0)) { perr_set(e, 503, "out of memory"); goto fin; }
    const void *blob = db_column_blob(st, 1);
    int n = db_column_bytes(st, 1);
    if (ej && !(*env_json = strdup(ej))) { perr_set(e, 503, "out of memory"); goto fin; }
    if (blob && n > 0) {
        if (!(*sealed = malloc((size_t)n))) { free(*env_json); *env_json = NULL; perr_set(e, 503, "out of memory"); goto fin; }
        memcpy(*sealed, blob, (size_t)n);
        *sealed_len = (size_t)n;
    }
    ok = true;
fin:
    db_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

/* ---------------------------------------------------------------- rollouts */

#define ROLLOUT_COLS "m.name, r.module_id, r.from_version, r.to_version, r.steps, r.step, r.interval_ms, " \
                     "r.step_started_at, r.started_at, r.updated_at, r.state, r.actor, r.reason"

static void load_rollout(db_stmt *st, reg_rollout *o) {
    memset(o, 0, sizeof *o);
    snprintf(o->module, sizeof o->module, "%s", col_text(st, 0));
    o->module_id = db_column_int64(st, 1);
    o->from = db_column_int(st, 2);
    o->to = db_column_int(st, 3);
    char why[128];
    if (!split_parse_steps(col_text(st, 4), o->steps, &o->nsteps, why, sizeof why)) o->nsteps = 0;
    o->step = db_column_int(st, 5);
    o->interval_ms = db_column_int64(st, 6);
    o->step_started_ms = db_column_int64(st, 7);
    o->started_ms = db_column_int64(st, 8);
    o->updated_ms = db_column_int64(st, 9);
    snprintf(o->state, sizeof o->state, "%s", col_text(st, 10));
    snprintf(o->actor, sizeof o->actor, "%s", col_text(st, 11));
    const char *why2 = col_text(st, 12);
    snprintf(o->reason, sizeof o->reason, "%s", why2 ? why2 : "");
}

bool reg_rollout_start(registry *r, const char *module, int to, const int *steps_bp, int nsteps, int64_t interval_ms,
                       const char *actor, reg_rollout *out, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto out;
    if (!begin(r, e)) goto out;
    alias_row live;
    reg_target t;
    if (!alias_get(r, mid, "live", &live, e)) goto fail;
    if (!live.exists) {
        perr_set(e, 409, "module '%s' has no live version: a rollout moves traffic from live (promote one first)", module);
        goto fail;
    }
    if (live.pinned) { pinned_refusal(e, module, "live", &live, "rollout"); goto fail; }
    if (!version_by_number(r, mid, module, to, &t, e)) goto fail;
    if (live.number == to) { perr_set(e, 409, "v%d of %s is live already", to, module); goto fail; }
    db_stmt *st = prep(r, "SELECT to_version FROM rollouts WHERE module_id=? AND state='running'", e);
    if (!st) goto fail;
    db_bind_int64(st, 1, mid);
    int running = db_step(st) == DB_ROW ? db_column_int(st, 0) : 0;
    db_finalize(st);
    if (running) {
        perr_set(e, 409, "a rollout of %s to v%d is running: kiln rollout abort %s first", module, running, module);
        goto fail;
    }
    char steps[160];
    split_format_steps(steps_bp, nsteps, steps, sizeof steps);
    int64_t now = reg_now_ms();
    st = prep(r, "INSERT INTO rollouts(module_id, from_version, to_version, steps, step, interval_ms, "
                 "step_started_at, started_at, updated_at, state, actor, reason) VALUES(?,?,?,?,0,?,?,?,?,'running',?,NULL) "
                 "ON CONFLICT(module_id) DO UPDATE SET from_version=excluded.from_version, to_version=excluded.to_version, "
                 "steps=excluded.steps, step=0, interval_ms=excluded.interval_ms, step_started_at=excluded.step_started_at, "
                 "started_at=excluded.started_at, updated_at=excluded.updated_at, state='running', actor=excluded.actor, "
                 "reason=NULL", e);
    if (!st) goto fail;
    db_bind_int64(st, 1, mid);
    db_bind_int(st, 2, live.number);
    db_bind_int(st, 3, to);
    db_bind_text(st, 4, steps);
    db_bind_int64(st, 5, interval_ms);
    db_bind_int64(st, 6, now);
    db_bind_int64(st, 7, now);
    db_bind_int64(st, 8, now);
    db_bind_text(st, 9, actor);
    int rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE) { reg_fail(r, e, "rollout insert"); goto fail; }
    char why[256];
    snprintf(why, sizeof why, "steps %s%%, every %lld s; at %g%% now", steps, (long long)(interval_ms / 1000),
             steps_bp[0] / 100.0);
    /* No alias: the row moves nothing (live moves when the rollout
     * completes, by a promote), so DORA does not count it as a deployment
     * and rollback does not take it for a change of live. */
    if (!add_history(r, mid, actor, "rollout", NULL, live.number, to, why, e)) goto fail;
    if (!commit(r, e)) goto out;
    cache_invalidate(r);
    ok = true;
    memset(out, 0, sizeof *out);
    snprintf(out->module, sizeof out->module, "%s", module);
    out->module_id = mid;
    out->from = live.number;
    out->to = to;
    memcpy(out->steps, steps_bp, (size_t)nsteps * sizeof *steps_bp);
    out->nsteps = nsteps;
    out->interval_ms = interval_ms;
    out->step_started_ms = out->started_ms = out->updated_ms = now;
    snprintf(out->state, sizeof out->state, "running");
    snprintf(out->actor, sizeof out->actor, "%s", actor);
    goto out;
fail:
    rollback_tx(r);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_rollout_get(registry *r, const char *module, reg_rollout *out, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto out;
    db_stmt *st = prep(r, "SELECT " ROLLOUT_COLS " FROM rollouts r JOIN modules m ON m.id=r.module_id "
                               "WHERE r.module_id=?", e);
    if (!st) goto out;
    db_bind_int64(st, 1, mid);
    int rc = db_step(st);
    if (rc == DB_ROW) { load_rollout(st, out); ok = true; }
    else if (rc == DB_DONE) perr_set(e, 404, "%s has had no rollout", module);
    else reg_fail(r, e, "rollout");
    db_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_rollouts_running(registry *r, reg_rollout **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    db_stmt *st = prep(r, "SELECT " ROLLOUT_COLS " FROM rollouts r JOIN modules m ON m.id=r.module_id "
                               "WHERE r.state='running' ORDER BY r.module_id", e);
    if (!st) goto out;
    size_t cap = 0;
    ok = true;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            reg_rollout *nv = realloc(*out, nc * sizeof *nv);
            if (!nv) { ok = perr_set(e, 503, "out of memory"); break; }
            *out = nv;
            cap = nc;
        }
        load_rollout(st, &(*out)[(*n)++]);
    }
    if (ok && rc != DB_DONE) ok = reg_fail(r, e, "rollouts");
    if (!ok) { free(*out); *out = NULL; *n = 0; }
    db_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

/* Inside a transaction: ro's step, times, state and reason, if the stored
 * rollout is still in expect_state (409 otherwise). */
static bool rollout_write(registry *r, const reg_rollout *ro, const char *expect_state, perr *e) {
    db_stmt *st = prep(r, "UPDATE rollouts SET step=?, step_started_at=?, updated_at=?, state=?, reason=? "
                               "WHERE module_id=? AND to_version=? AND state=?", e);
    if (!st) return false;
    db_bind_int(st, 1, ro->step);
    db_bind_int64(st, 2, ro->step_started_ms);
    db_bind_int64(st, 3, reg_now_ms());
    db_bind_text(st, 4, ro->state);
    bind_text_or_null(st, 5, ro->reason);
    db_bind_int64(st, 6, ro->module_id);
    db_bind_int(st, 7, ro->to);
    db_bind_text(st, 8, expect_state);
    int rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE) return reg_fail(r, e, "rollout update");
    if (db_changes(r->db) != 1) return perr_set(e, 409, "the rollout of %s is no longer %s", ro->module, expect_state);
    return true;
}

bool reg_rollout_update(registry *r, const reg_rollout *ro, const char *expect_state, const char *history_action,
                        const char *actor, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    if (!begin(r, e)) goto out;
    if (!rollout_write(r, ro, expect_state, e)) goto fail;
    if (history_action && !add_history(r, ro->module_id, actor, history_action, NULL, ro->from, ro->to, ro->reason, e))
        goto fail;
    if (!commit(r, e)) goto out;
    cache_invalidate(r);
    ok = true;
    goto out;
fail:
    rollback_tx(r);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

cJSON *reg_rollout_json(const reg_rollout *ro, int64_t now) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    char buf[160];
    cJSON_AddStringToObject(o, "module", ro->module);
    snprintf(buf, sizeof buf, "v%d", ro->from);
    cJSON_AddStringToObject(o, "from", buf);
    snprintf(buf, sizeof buf, "v%d", ro->to);
    cJSON_AddStringToObject(o, "to", buf);
    cJSON_AddStringToObject(o, "state", ro->state);
    split_format_steps(ro->steps, ro->nsteps, buf, sizeof buf);
    cJSON_AddStringToObject(o, "steps", buf);
    cJSON_AddNumberToObject(o, "step", ro->step + 1);
    cJSON_AddNumberToObject(o, "percent", ro->nsteps && ro->step < ro->nsteps ? ro->steps[ro->step] / 100.0 : 0);
    cJSON_AddNumberToObject(o, "interval_ms", (double)ro->interval_ms);
    json_time(o, "started", ro->started_ms);
    json_time(o, "step_started", ro->step_started_ms);
    json_time(o, "updated", ro->updated_ms);
    if (!strcmp(ro->state, "running")) {
        int64_t left = ro->step_started_ms + ro->interval_ms - now;
        cJSON_AddNumberToObject(o, "next_step_in_ms", (double)(left > 0 ? left : 0));
    }
    cJSON_AddStringToObject(o, "actor", ro->actor);
    json_str(o, "reason", ro->reason[0] ? ro->reason : NULL);
    return o;
}

/* ---------------------------------------------------------------- routes */

bool reg_valid_route(const char *p, char *why, size_t size) {
    size_t n = strlen(p);
    if (n == 0 || p[0] != '/' || n > 128) {
        snprintf(why, size, "route '%.140s': want a path starting with '/' (at most 128 characters), e.g. /thumbs", p);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!isalnum((unsigned char)c) && !strchr("/._~-", c)) {
            snprintf(why, size, "route '%.140s': only letters, digits and / . _ ~ - are allowed", p);
            return false;
        }
        if (c == '/' && (p[i + 1] == '/' || (i + 1 == n && n > 1))) {
            snprintf(why, size, "route '%.140s': no empty segment and no trailing '/'", p);
            return false;
        }
        if (c == '.' && (i == 0 || p[i - 1] == '/') && (p[i + 1] == '/' || !p[i + 1] || (p[i + 1] == '.' && (p[i + 2] == '/' || !p[i + 2])))) {
            snprintf(why, size, "route '%.140s': no '.' or '..' segment", p);
            return false;
        }
    }
    static const char *const own[] = {"/run", "/api", "/ui", "/healthz", "/metrics"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        size_t k = strlen(own[i]);
        if (!strncmp(p, own[i], k) && (p[k] == 0 || p[k] == '/')) {
            snprintf(why, size, "route '%.140s': %s is kiln's own", p, own[i]);
            return false;
        }
    }
    if (!strcmp(p, "/")) {
        snprintf(why, size, "route '/': name a path such as /app (every other path would be taken)");
        return false;
    }
    return true;
}

bool reg_route_add(registry *r, const char *prefix, const char *module, const char *actor, perr *e) {
    char why[256];
    if (!reg_valid_route(prefix, why, sizeof why)) return perr_set(e, 400, "%s", why);
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    int64_t mid = module_id(r, module, e);
    if (mid < 0 || !begin(r, e)) goto out;
    db_stmt *st = prep(r, "INSERT INTO routes(prefix, module_id, created_at, created_by) VALUES(?,?,?,?)", e);
    if (!st) { rollback_tx(r); goto out; }
    db_bind_text(st, 1, prefix);
    db_bind_int64(st, 2, mid);
    db_bind_int64(st, 3, reg_now_ms());
    db_bind_text(st, 4, actor);
    int rc = db_step(st);
    db_finalize(st);
    if (rc == DB_CONSTRAINT) perr_set(e, 409, "route %s exists already: kiln route rm %s first", prefix, prefix);
    else if (rc != DB_DONE) reg_fail(r, e, "route insert");
    else ok = true;
    if (ok) {
        char line[200];
        snprintf(line, sizeof line, "route %s added", prefix);
        ok = add_history(r, mid, actor, "route", NULL, 0, 0, line, e) && commit(r, e);
    }
    if (!ok) rollback_tx(r);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_route_rm(registry *r, const char *prefix, const char *actor, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    db_stmt *st = prep(r, "SELECT module_id FROM routes WHERE prefix=?", e);
    if (!st) goto out;
    db_bind_text(st, 1, prefix);
    int64_t mid = db_step(st) == DB_ROW ? db_column_int64(st, 0) : -1;
    db_finalize(st);
    if (mid < 0) { perr_set(e, 404, "no route %s (kiln route ls)", prefix); goto out; }
    if (!begin(r, e)) goto out;
    st = prep(r, "DELETE FROM routes WHERE prefix=?", e);
    if (st) {
        db_bind_text(st, 1, prefix);
        ok = db_step(st) == DB_DONE || reg_fail(r, e, "route delete");
        db_finalize(st);
    }
    if (ok) {
        char line[200];
        snprintf(line, sizeof line, "route %s removed", prefix);
        ok = add_history(r, mid, actor, "route", NULL, 0, 0, line, e) && commit(r, e);
    }
    if (!ok) rollback_tx(r);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

cJSON *reg_routes(registry *r, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *arr = cJSON_CreateArray();
    db_stmt *st = prep(r, "SELECT r.prefix, m.name, r.created_at, r.created_by FROM routes r "
                               "JOIN modules m ON m.id=r.module_id ORDER BY r.prefix", e);
    if (!st || !arr) { cJSON_Delete(arr); arr = NULL; goto out; }
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "prefix", col_text(st, 0));
        cJSON_AddStringToObject(o, "module", col_text(st, 1));
        json_time(o, "created", db_column_int64(st, 2));
        cJSON_AddStringToObject(o, "created_by", col_text(st, 3));
    }
    if (rc != DB_DONE && rc != DB_ROW) { cJSON_Delete(arr); arr = NULL; reg_fail(r, e, "routes"); }
out:
    db_finalize(st);
    pthread_mutex_unlock(&r->db_lock);
    return arr;
}

int reg_route_match(registry *r, const char *path, char module[72], size_t *prefix_len, perr *e) {
    /* Through the resolution cache: "\x02" + the first segments tried,
     * longest first; a miss is cached too (module ""), so that paths no
     * route serves cost no query. */
    char key[160];
    reg_target t;
    size_t n = strcspn(path, "?");
    if (n >= 128 || path[0] != '/') return 0;
    char buf[130];
    memcpy(buf, path, n);
    buf[n] = 0;
    for (;;) {
        if (!cache_key(key, "\x02", buf)) return 0;
        bool hit = cache_get(r, key, &t);
        if (!hit) {
            uint64_t gen;
            pthread_rwlock_rdlock(&r->cache_lock);
            gen = r->generation;
            pthread_rwlock_unlock(&r->cache_lock);
            memset(&t, 0, sizeof t);
            pthread_mutex_lock(&r->db_lock);
            db_stmt *st = prep(r, "SELECT m.name FROM routes r JOIN modules m ON m.id=r.module_id WHERE r.prefix=?", e);
            int rc = DB_ERROR;
            if (st) {
                db_bind_text(st, 1, buf);
                rc = db_step(st);
                const char *name = rc == DB_ROW ? col_text(st, 0) : "";
                if (rc == DB_ROW && !name) rc = DB_ERROR; /* out of memory reading it */
                else if (rc == DB_ROW || rc == DB_DONE) snprintf(t.digest, sizeof t.digest, "%s", name);
                if (rc != DB_ROW && rc != DB_DONE) reg_fail(r, e, "route lookup");
                db_finalize(st);
            }
            pthread_mutex_unlock(&r->db_lock);
            /* A failed lookup is neither a match nor a miss, and is not
             * cached: a miss cached then would hide the route until the
             * next change. */
            if (rc != DB_ROW && rc != DB_DONE) return -1;
            cache_put(r, key, &t, gen); /* the module name rides in digest */
        }
        if (t.digest[0]) {
            snprintf(module, 72, "%s", t.digest);
            *prefix_len = strlen(buf);
            return 1;
        }
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf) return 0;
        *slash = 0;
    }
}
