/* registry.c — the SQLite registry (see registry.h). The schema and its
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

#include <sqlite3.h>

#include "platform/registry.h"
#include "platform/split.h"
#include "platform/vconfig.h"

/* ---------------------------------------------------------------- schema */

/* Migration i brings the database from user_version i to i+1. Never edit a
 * released step: add one. */
static const char *const migrations[] = {
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
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* ---------------------------------------------------------------- the resolution cache */

#define CACHE_SLOTS 512 /* a power of two */

typedef struct cache_slot {
    bool used;
    char key[160]; /* "module\x01selector" */
    reg_target target;
} cache_slot;

struct registry {
    sqlite3 *db;
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

static bool db_fail(registry *r, perr *e, const char *what) {
    return perr_set(e, 500, "registry: %s: %s", what, sqlite3_errmsg(r->db));
}

static bool exec_sql(registry *r, const char *sql, perr *e) {
    char *msg = NULL;
    if (sqlite3_exec(r->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        perr_set(e, 500, "registry: %s", msg ? msg : sqlite3_errmsg(r->db));
        sqlite3_free(msg);
        return false;
    }
    return true;
}

static sqlite3_stmt *prep(registry *r, const char *sql, perr *e) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(r, e, "prepare");
        return NULL;
    }
    return st;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s) {
    if (s && *s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i) {
    return (const char *)sqlite3_column_text(st, i);
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

static void json_version(cJSON *o, const char *k, sqlite3_stmt *st, int col) {
    if (sqlite3_column_type(st, col) == SQLITE_NULL) { cJSON_AddNullToObject(o, k); return; }
    char buf[24];
    snprintf(buf, sizeof buf, "v%d", sqlite3_column_int(st, col));
    cJSON_AddStringToObject(o, k, buf);
}

/* ---------------------------------------------------------------- open */

registry *reg_open(const char *data_dir, perr *e) {
    registry *r = calloc(1, sizeof *r);
    if (!r) { perr_set(e, 500, "out of memory"); return NULL; }
    pthread_mutex_init(&r->db_lock, NULL);
    pthread_rwlock_init(&r->cache_lock, NULL);
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/registry.db", data_dir) >= (int)sizeof path) {
        perr_set(e, 500, "data directory path too long");
        goto fail;
    }
    /* NOMUTEX: the registry serialises use of the connection itself. */
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        perr_set(e, 500, "cannot open %s: %s", path, r->db ? sqlite3_errmsg(r->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(r->db, 5000); /* an operator's sqlite3 shell may hold a lock */
    /* WAL: readers (an operator's shell, a backup) never block the server.
     * synchronous=FULL: a deploy or rollback that was answered survives a
     * power cut, not only a crash; changes are rare, so the fsync is cheap. */
    if (!exec_sql(r, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", e)) goto fail;

    sqlite3_stmt *st = prep(r, "PRAGMA user_version", e);
    if (!st) goto fail;
    int have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (have > NMIGRATIONS) {
        perr_set(e, 500, "%s has schema version %d, newer than this kiln knows (%d): use a newer kiln", path, have,
                 NMIGRATIONS);
        goto fail;
    }
    for (int v = have; v < NMIGRATIONS; v++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version=%d;", v + 1);
        if (!exec_sql(r, "BEGIN IMMEDIATE;", e)) goto fail;
        if (!exec_sql(r, migrations[v], e) || !exec_sql(r, bump, e)) {
            exec_sql(r, "ROLLBACK;", NULL);
            goto fail;
        }
        if (!exec_sql(r, "COMMIT;", e)) goto fail;
    }
    return r;
fail:
    reg_close(r);
    return NULL;
}

void reg_close(registry *r) {
    if (!r) return;
    if (r->db) sqlite3_close(r->db);
    pthread_mutex_destroy(&r->db_lock);
    pthread_rwlock_destroy(&r->cache_lock);
    free(r);
}

/* The connection for the registry's extensions in other files (usage_db.c):
 * they keep to their own tables and never change what reg_resolve caches. */
sqlite3 *reg_lock(registry *r) {
    pthread_mutex_lock(&r->db_lock);
    return r->db;
}

void reg_unlock(registry *r) { pthread_mutex_unlock(&r->db_lock); }

/* ---------------------------------------------------------------- lookups (db_lock held) */

static int64_t module_id(registry *r, const char *module, perr *e) {
    sqlite3_stmt *st = prep(r, "SELECT id FROM modules WHERE name=?", e);
    if (!st) return -1;
    sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
    int64_t id = -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE) perr_set(e, 404, "no module named '%s'", module);
    else db_fail(r, e, "module lookup");
    sqlite3_finalize(st);
    return id;
}

static bool load_target(registry *r, sqlite3_stmt *st, reg_target *t) {
    t->version_id = sqlite3_column_int64(st, 0);
    t->number = sqlite3_column_int(st, 1);
    snprintf(t->digest, sizeof t->digest, "%s", col_text(st, 2) ? col_text(st, 2) : "");
    t->limits.fuel = (uint64_t)sqlite3_column_int64(st, 3);
    t->limits.timeout_ms = (uint64_t)sqlite3_column_int64(st, 4);
    t->limits.max_memory_bytes = (uint64_t)sqlite3_column_int64(st, 5);
    (void)r;
    return true;
}

#define TARGET_COLS "v.id, v.number, v.digest, v.fuel, v.timeout_ms, v.max_memory"

static bool version_by_number(registry *r, int64_t mid, const char *module, int number, reg_target *t, perr *e) {
    sqlite3_stmt *st = prep(r, "SELECT " TARGET_COLS " FROM versions v WHERE module_id=? AND number=?", e);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_int(st, 2, number);
    int rc = sqlite3_step(st);
    bool ok = rc == SQLITE_ROW;
    if (ok) load_target(r, st, t);
    else if (rc == SQLITE_DONE) perr_set(e, 404, "module '%s' has no version v%d", module, number);
    else db_fail(r, e, "version lookup");
    sqlite3_finalize(st);
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
    sqlite3_stmt *st = prep(r,
                            "SELECT v.number, a.pinned, a.pinned_by, a.pinned_at, a.pin_reason FROM aliases a "
                            "JOIN versions v ON v.id=a.version_id WHERE a.module_id=? AND a.name=?",
                            e);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        a->exists = true;
        a->number = sqlite3_column_int(st, 0);
        a->pinned = sqlite3_column_int(st, 1) != 0;
        snprintf(a->pinned_by, sizeof a->pinned_by, "%s", col_text(st, 2) ? col_text(st, 2) : "?");
        a->pinned_at = sqlite3_column_int64(st, 3);
        snprintf(a->pin_reason, sizeof a->pin_reason, "%s", col_text(st, 4) ? col_text(st, 4) : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_fail(r, e, "alias lookup");
    return true;
}

/* A running rollout of the module splits live's traffic: its new version
 * and weight go into live's target (and so into the cache). */
static void rollout_of(registry *r, int64_t mid, reg_target *t) {
    t->rollout_to = 0;
    t->rollout_bp = 0;
    sqlite3_stmt *st = prep(r, "SELECT to_version, steps, step FROM rollouts WHERE module_id=? AND state='running'", NULL);
    if (!st) return;
    sqlite3_bind_int64(st, 1, mid);
    if (sqlite3_step(st) == SQLITE_ROW) {
        int steps[SPLIT_MAX_STEPS], n;
        char why[128];
        int i = sqlite3_column_int(st, 2);
        if (split_parse_steps(col_text(st, 1), steps, &n, why, sizeof why) && i >= 0 && i < n) {
            t->rollout_to = sqlite3_column_int(st, 0);
            t->rollout_bp = steps[i];
        }
    }
    sqlite3_finalize(st);
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
    sqlite3_stmt *st = prep(r,
                            "SELECT " TARGET_COLS " FROM aliases a JOIN versions v ON v.id=a.version_id "
                            "WHERE a.module_id=? AND a.name=?",
                            e);
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_text(st, 2, selector, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        load_target(r, st, out);
        out->module_id = mid;
        ok = true;
        if (!strcmp(selector, "live")) rollout_of(r, mid, out);
    } else if (rc == SQLITE_DONE) {
        if (!strcmp(selector, "live"))
            perr_set(e, 404, "module '%s' has no live version yet: promote one (kiln promote %s VERSION)", module,
                     module);
        else
            perr_set(e, 404, "module '%s' has no alias '%s'", module, selector);
    } else {
        db_fail(r, e, "alias lookup");
    }
    sqlite3_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    if (ok && cacheable) cache_put(r, key, out, gen);
    return ok;
}

/* ---------------------------------------------------------------- changes (db_lock held) */

static bool begin(registry *r, perr *e) { return exec_sql(r, "BEGIN IMMEDIATE;", e); }

static bool commit(registry *r, perr *e) {
    if (!exec_sql(r, "COMMIT;", e)) {
        exec_sql(r, "ROLLBACK;", NULL);
        return false;
    }
    cache_invalidate(r);
    return true;
}

static void rollback_tx(registry *r) { exec_sql(r, "ROLLBACK;", NULL); }

static bool add_history(registry *r, int64_t mid, const char *actor, const char *action, const char *alias,
                        int from, int to, const char *reason, perr *e) {
    sqlite3_stmt *st = prep(r,
                            "INSERT INTO history(module_id, at, actor, action, alias, from_version, to_version, "
                            "reason) VALUES(?,?,?,?,?,?,?,?)",
                            e);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_int64(st, 2, reg_now_ms());
    sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
    bind_text_or_null(st, 5, alias);
    if (from > 0) sqlite3_bind_int(st, 6, from);
    else sqlite3_bind_null(st, 6);
    if (to > 0) sqlite3_bind_int(st, 7, to);
    else sqlite3_bind_null(st, 7);
    bind_text_or_null(st, 8, reason);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok || db_fail(r, e, "history");
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
    sqlite3_stmt *st = prep(r,
                            "INSERT INTO aliases(module_id, name, version_id, updated_at, pinned, pinned_by, "
                            "pinned_at, pin_reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8) "
                            "ON CONFLICT(module_id, name) DO UPDATE SET version_id=?3, updated_at=?4, "
                            "pinned=CASE WHEN ?9=0 THEN pinned ELSE ?5 END, "
                            "pinned_by=CASE WHEN ?9=0 THEN pinned_by ELSE ?6 END, "
                            "pinned_at=CASE WHEN ?9=0 THEN pinned_at ELSE ?7 END, "
                            "pin_reason=CASE WHEN ?9=0 THEN pin_reason ELSE ?8 END",
                            e);
    if (!st) return false;
    int64_t now = reg_now_ms();
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, version_id);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int(st, 5, pin > 0);
    if (pin > 0) {
        sqlite3_bind_text(st, 6, actor, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, now);
        bind_text_or_null(st, 8, reason);
    }
    sqlite3_bind_int(st, 9, pin);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok) return db_fail(r, e, "alias update");
    if (strcmp(alias, "live")) return true;
    /* A person's promote, pin or rollback acts at once: a rollout running
     * for this module ends there (the rollout's own last step marks itself
     * done afterwards). */
    st = prep(r, "UPDATE rollouts SET state='superseded', updated_at=?, reason=? WHERE module_id=? AND state='running'", e);
    if (!st) return false;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, "live was changed while it ran", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, mid);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok || db_fail(r, e, "rollout update");
}

static cJSON *change_json(const char *module, const char *alias, const char *action, int from, int to, bool changed,
                          bool pinned) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
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
    return o;
}

bool reg_deploy_limits(registry *r, const reg_deploy *d, reg_limits *out, perr *e) {
    *out = (reg_limits){0};
    pthread_mutex_lock(&r->db_lock);
    sqlite3_stmt *st = prep(r, "SELECT v.fuel, v.timeout_ms, v.max_memory FROM versions v JOIN modules m "
                               "ON m.id=v.module_id WHERE m.name=? ORDER BY v.number DESC LIMIT 1", e);
    bool ok = st != NULL;
    if (st) {
        sqlite3_bind_text(st, 1, d->module, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            out->fuel = (uint64_t)sqlite3_column_int64(st, 0);
            out->timeout_ms = (uint64_t)sqlite3_column_int64(st, 1);
            out->max_memory_bytes = (uint64_t)sqlite3_column_int64(st, 2);
        } else if (rc != SQLITE_DONE) {
            ok = db_fail(r, e, "version limits");
        }
        sqlite3_finalize(st);
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
    sqlite3_stmt *st = prep(r, "INSERT OR IGNORE INTO modules(name, created_at) VALUES(?,?)", e);
    if (!st) goto fail;
    sqlite3_bind_text(st, 1, d->module, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) { db_fail(r, e, "module insert"); goto fail; }
    int64_t mid = module_id(r, d->module, e);
    if (mid < 0) goto fail;

    /* The next number, and the limits a deploy without flags inherits. */
    int number = 1;
    reg_limits lim = {0};
    st = prep(r, "SELECT number, fuel, timeout_ms, max_memory, id FROM versions WHERE module_id=? "
                 "ORDER BY number DESC LIMIT 1", e);
    if (!st) goto fail;
    sqlite3_bind_int64(st, 1, mid);
    int64_t prev_id = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        number = sqlite3_column_int(st, 0) + 1;
        lim.fuel = (uint64_t)sqlite3_column_int64(st, 1);
        lim.timeout_ms = (uint64_t)sqlite3_column_int64(st, 2);
        lim.max_memory_bytes = (uint64_t)sqlite3_column_int64(st, 3);
        prev_id = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
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
              "deployed_by, fuel, timeout_ms, max_memory) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
              e);
    if (!st) goto fail;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_int(st, 2, number);
    sqlite3_bind_text(st, 3, d->digest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (int64_t)d->size);
    sqlite3_bind_int64(st, 5, now);
    bind_text_or_null(st, 6, d->commit);
    bind_text_or_null(st, 7, d->commit_time);
    bind_text_or_null(st, 8, d->message);
    sqlite3_bind_text(st, 9, d->actor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, (int64_t)lim.fuel);
    sqlite3_bind_int64(st, 11, (int64_t)lim.timeout_ms);
    sqlite3_bind_int64(st, 12, (int64_t)lim.max_memory_bytes);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) { db_fail(r, e, "version insert"); goto fail; }
    int64_t vid = sqlite3_last_insert_rowid(r->db);
    /* Configuration: the deploy's, else (like limits) the previous
     * version's, copied in the same transaction. */
    if (d->has_config) {
        st = prep(r, "UPDATE versions SET env=?, secret_names=?, secrets=? WHERE id=?", e);
        if (!st) goto fail;
        bind_text_or_null(st, 1, d->env_json);
        bind_text_or_null(st, 2, d->secret_names_json);
        if (d->sealed) sqlite3_bind_blob(st, 3, d->sealed, (int)d->sealed_len, SQLITE_STATIC);
        else sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, vid);
    } else {
        st = prep(r, "UPDATE versions SET (env, secret_names, secrets) = "
                     "(SELECT env, secret_names, secrets FROM versions WHERE id=?) WHERE id=?", e);
        if (!st) goto fail;
        sqlite3_bind_int64(st, 1, prev_id);
        sqlite3_bind_int64(st, 2, vid);
    }
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) { db_fail(r, e, "version configuration"); goto fail; }

    /* TO is the new version either way; only a promote moves an alias (DORA
     * and rollback read rows with an alias). */
    if (!add_history(r, mid, d->actor, "deploy", d->promote ? "live" : NULL, d->promote ? live.number : 0, number, d->reason ? d->reason : d->message, e))
        goto fail;
    if (d->promote && !alias_write(r, mid, "live", vid, live.pinned ? -1 : 0, d->actor, NULL, e)) goto fail;
    if (!commit(r, e)) goto out;
    ok = true;

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
    goto out;
fail:
    rollback_tx(r);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_set_alias(registry *r, const char *module, const char *alias, int number, const char *action,
                   const char *actor, const char *reason, bool force, cJSON **out, perr *e) {
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
    if (changed || pin) {
        /* A forced promote over a pin releases it: the pin's promise no longer holds. */
        if (!alias_write(r, mid, alias, t.version_id, pin ? 1 : (a.pinned ? -1 : 0), actor, reason, e)) goto fail;
        if (!add_history(r, mid, actor, action, alias, a.number, number, reason, e)) goto fail;
        if (!commit(r, e)) goto out;
    } else {
        rollback_tx(r);
    }
    ok = true;
    if (out) *out = change_json(module, alias, action, a.number, number, changed, pin || (a.pinned && !changed));
    goto out;
fail:
    rollback_tx(r);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
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
    sqlite3_stmt *st = prep(r,
                            "UPDATE aliases SET pinned=0, pinned_by=NULL, pinned_at=NULL, pin_reason=NULL, "
                            "updated_at=? WHERE module_id=? AND name=?",
                            e);
    if (!st) goto fail;
    sqlite3_bind_int64(st, 1, reg_now_ms());
    sqlite3_bind_int64(st, 2, mid);
    sqlite3_bind_text(st, 3, alias, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) { db_fail(r, e, "unpin"); goto fail; }
    if (!add_history(r, mid, actor, "unpin", alias, a.number, a.number, reason, e)) goto fail;
    if (!commit(r, e)) goto out;
    ok = true;
    if (out) *out = change_json(module, alias, "unpin", a.number, a.number, false, false);
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
        sqlite3_stmt *st = prep(r,
                                "SELECT from_version FROM history WHERE module_id=? AND alias=? AND "
                                "to_version IS NOT NULL AND from_version IS NOT to_version ORDER BY id DESC LIMIT 1",
                                e);
        if (!st) goto fail;
        sqlite3_bind_int64(st, 1, mid);
        sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) to = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (to <= 0) {
            perr_set(e, 409, "%s of %s has no earlier version to return to (it is at v%d, its first)", alias,
                     module, a.number);
            goto fail;
        }
    }
    reg_target t;
    if (!version_by_number(r, mid, module, to, &t, e)) goto fail;
    bool changed = a.number != to;
    if (changed) {
        if (!alias_write(r, mid, alias, t.version_id, a.pinned ? -1 : 0, actor, NULL, e)) goto fail;
        if (!add_history(r, mid, actor, "rollback", alias, a.number, to, reason, e)) goto fail;
        if (!commit(r, e)) goto out;
    } else {
        rollback_tx(r);
    }
    ok = true;
    if (out) *out = change_json(module, alias, "rollback", a.number, to, changed, false);
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
    sqlite3_stmt *st = prep(r,
                            "INSERT INTO traps(module_id, version_id, at, request_id, kind, message, report, "
                            "report_json, stderr) VALUES(?,?,?,?,?,?,?,?,?)",
                            e);
    if (st) {
        sqlite3_bind_int64(st, 1, t->module_id);
        sqlite3_bind_int64(st, 2, t->version_id);
        sqlite3_bind_int64(st, 3, reg_now_ms());
        sqlite3_bind_text(st, 4, request_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, message, -1, SQLITE_STATIC);
        bind_text_or_null(st, 7, report);
        bind_text_or_null(st, 8, report_json);
        if (stderr_bytes && stderr_len) sqlite3_bind_blob(st, 9, stderr_bytes, (int)stderr_len, SQLITE_STATIC);
        else sqlite3_bind_null(st, 9);
        ok = sqlite3_step(st) == SQLITE_DONE;
        if (!ok) db_fail(r, e, "trap insert");
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_has_digest(registry *r, const char *digest) {
    pthread_mutex_lock(&r->db_lock);
    bool found = true; /* on error keep the blob: never delete what may be used */
    sqlite3_stmt *st = prep(r, "SELECT 1 FROM versions WHERE digest=? LIMIT 1", NULL);
    if (st) {
        sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) found = false;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&r->db_lock);
    return found;
}

/* ---------------------------------------------------------------- listings */

/* The aliases of a module as {"live":{"version":"v3","pinned":false}, ...}. */
static cJSON *aliases_json(registry *r, int64_t mid, perr *e) {
    sqlite3_stmt *st = prep(r,
                            "SELECT a.name, v.number, a.pinned, a.pinned_by, a.pinned_at, a.pin_reason, "
                            "a.updated_at FROM aliases a JOIN versions v ON v.id=a.version_id "
                            "WHERE a.module_id=? ORDER BY a.name",
                            e);
    if (!st) return NULL;
    cJSON *o = cJSON_CreateObject();
    sqlite3_bind_int64(st, 1, mid);
    while (o && sqlite3_step(st) == SQLITE_ROW) {
        cJSON *a = cJSON_AddObjectToObject(o, col_text(st, 0));
        if (!a) continue;
        json_version(a, "version", st, 1);
        bool pinned = sqlite3_column_int(st, 2) != 0;
        cJSON_AddBoolToObject(a, "pinned", pinned);
        if (pinned) {
            json_str(a, "pinned_by", col_text(st, 3));
            json_time(a, "pinned_at", sqlite3_column_int64(st, 4));
            json_str(a, "pin_reason", col_text(st, 5));
        }
        json_time(a, "updated", sqlite3_column_int64(st, 6));
    }
    sqlite3_finalize(st);
    if (!o) perr_set(e, 500, "out of memory");
    return o;
}

cJSON *reg_modules(registry *r, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *arr = cJSON_CreateArray();
    sqlite3_stmt *st = prep(r,
                            "SELECT m.id, m.name, m.created_at, "
                            "(SELECT COUNT(*) FROM versions WHERE module_id=m.id), "
                            "(SELECT MAX(number) FROM versions WHERE module_id=m.id), "
                            "(SELECT COUNT(*) FROM traps WHERE module_id=m.id) "
                            "FROM modules m ORDER BY m.name",
                            e);
    if (!st || !arr) { cJSON_Delete(arr); arr = NULL; goto out; }
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *m = cJSON_CreateObject();
        if (!m) break;
        cJSON_AddItemToArray(arr, m);
        cJSON_AddStringToObject(m, "name", col_text(st, 1));
        json_time(m, "created", sqlite3_column_int64(st, 2));
        cJSON_AddNumberToObject(m, "versions", sqlite3_column_int(st, 3));
        json_version(m, "latest", st, 4);
        cJSON_AddNumberToObject(m, "traps", sqlite3_column_int(st, 5));
        cJSON *al = aliases_json(r, sqlite3_column_int64(st, 0), e);
        if (al) cJSON_AddItemToObject(m, "aliases", al);
    }
out:
    if (st) sqlite3_finalize(st);
    pthread_mutex_unlock(&r->db_lock);
    return arr;
}

cJSON *reg_module(registry *r, const char *module, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *m = NULL;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto out;
    sqlite3_stmt *st = prep(r,
                            "SELECT created_at, (SELECT COUNT(*) FROM versions WHERE module_id=?1), "
                            "(SELECT MAX(number) FROM versions WHERE module_id=?1), "
                            "(SELECT COUNT(*) FROM traps WHERE module_id=?1) FROM modules WHERE id=?1",
                            e);
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, mid);
    if (sqlite3_step(st) == SQLITE_ROW && (m = cJSON_CreateObject())) {
        cJSON_AddStringToObject(m, "name", module);
        json_time(m, "created", sqlite3_column_int64(st, 0));
        cJSON_AddNumberToObject(m, "versions", sqlite3_column_int(st, 1));
        json_version(m, "latest", st, 2);
        cJSON_AddNumberToObject(m, "traps", sqlite3_column_int(st, 3));
        cJSON *al = aliases_json(r, mid, e);
        if (al) cJSON_AddItemToObject(m, "aliases", al);
    }
    sqlite3_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return m;
}

cJSON *reg_versions(registry *r, const char *module, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *arr = NULL;
    int64_t mid = module_id(r, module, e);
    if (mid < 0) goto out;
    sqlite3_stmt *st = prep(r,
                            "SELECT v.number, v.digest, v.size, v.created_at, v.commit_sha, v.commit_time, "
                            "v.message, v.deployed_by, v.fuel, v.timeout_ms, v.max_memory, "
                            "(SELECT group_concat(name, ',') FROM (SELECT name FROM aliases "
                            "  WHERE version_id=v.id ORDER BY name)), v.env, v.secret_names "
                            "FROM versions v WHERE v.module_id=? ORDER BY v.number",
                            e);
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, mid);
    arr = cJSON_CreateArray();
    while (arr && sqlite3_step(st) == SQLITE_ROW) {
        cJSON *v = cJSON_CreateObject();
        if (!v) break;
        cJSON_AddItemToArray(arr, v);
        json_version(v, "version", st, 0);
        cJSON_AddNumberToObject(v, "number", sqlite3_column_int(st, 0));
        json_str(v, "digest", col_text(st, 1));
        cJSON_AddNumberToObject(v, "size", (double)sqlite3_column_int64(st, 2));
        json_time(v, "created", sqlite3_column_int64(st, 3));
        json_str(v, "commit", col_text(st, 4));
        json_str(v, "commit_time", col_text(st, 5));
        json_str(v, "message", col_text(st, 6));
        json_str(v, "deployed_by", col_text(st, 7));
        cJSON *l = cJSON_AddObjectToObject(v, "limits");
        if (l) {
            cJSON_AddNumberToObject(l, "fuel", (double)sqlite3_column_int64(st, 8));
            cJSON_AddNumberToObject(l, "timeout_ms", (double)sqlite3_column_int64(st, 9));
            cJSON_AddNumberToObject(l, "max_memory_bytes", (double)sqlite3_column_int64(st, 10));
        }
        /* Secrets by name only: their values never leave the server. */
        const char *ej = col_text(st, 12), *sj = col_text(st, 13);
        cJSON *env = ej ? cJSON_Parse(ej) : NULL, *snames = sj ? cJSON_Parse(sj) : NULL;
        cJSON *cfg = vconfig_redacted(env, snames);
        cJSON_Delete(env);
        cJSON_Delete(snames);
        if (cfg) cJSON_AddItemToObject(v, "config", cfg);
        cJSON *al = cJSON_AddArrayToObject(v, "aliases");
        const char *names = col_text(st, 11);
        if (al && names) {
            char *copy = strdup(names), *save = NULL;
            for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save))
                cJSON_AddItemToArray(al, cJSON_CreateString(tok));
            free(copy);
        }
    }
    sqlite3_finalize(st);
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
    sqlite3_stmt *st = prep(r,
                            "SELECT * FROM (SELECT id, at, actor, action, alias, from_version, to_version, reason "
                            "FROM history WHERE module_id=? ORDER BY id DESC LIMIT ?) ORDER BY id",
                            e);
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    arr = cJSON_CreateArray();
    while (arr && sqlite3_step(st) == SQLITE_ROW) {
        cJSON *h = cJSON_CreateObject();
        if (!h) break;
        cJSON_AddItemToArray(arr, h);
        cJSON_AddNumberToObject(h, "id", (double)sqlite3_column_int64(st, 0));
        json_time(h, "at", sqlite3_column_int64(st, 1));
        json_str(h, "actor", col_text(st, 2));
        json_str(h, "action", col_text(st, 3));
        json_str(h, "alias", col_text(st, 4));
        json_version(h, "from", st, 5);
        json_version(h, "to", st, 6);
        json_str(h, "reason", col_text(st, 7));
    }
    sqlite3_finalize(st);
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
    sqlite3_stmt *st = prep(r,
                            all ? "SELECT t.id, t.at, t.request_id, v.number, t.kind, t.message, t.report, "
                                  "t.report_json, t.stderr FROM traps t JOIN versions v ON v.id=t.version_id "
                                  "WHERE t.module_id=? ORDER BY t.id DESC LIMIT ?"
                                : "SELECT t.id, t.at, t.request_id, v.number, t.kind, t.message, t.report, "
                                  "t.report_json, t.stderr FROM traps t JOIN versions v ON v.id=t.version_id "
                                  "WHERE t.module_id=? AND t.kind NOT IN " REG_FAILURE_KINDS
                                  " ORDER BY t.id DESC LIMIT ?",
                            e);
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    arr = cJSON_CreateArray();
    while (arr && sqlite3_step(st) == SQLITE_ROW) {
        cJSON *t = cJSON_CreateObject();
        if (!t) break;
        cJSON_AddItemToArray(arr, t);
        cJSON_AddNumberToObject(t, "id", (double)sqlite3_column_int64(st, 0));
        json_time(t, "at", sqlite3_column_int64(st, 1));
        json_str(t, "request_id", col_text(st, 2));
        json_version(t, "version", st, 3);
        json_str(t, "kind", col_text(st, 4));
        json_str(t, "message", col_text(st, 5));
        json_str(t, "report", col_text(st, 6));
        const char *rj = col_text(st, 7);
        cJSON *parsed = rj ? cJSON_Parse(rj) : NULL;
        if (parsed) cJSON_AddItemToObject(t, "trap", parsed);
        int n = sqlite3_column_bytes(st, 8);
        const void *b = sqlite3_column_blob(st, 8);
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
            }
        } else {
            cJSON_AddStringToObject(t, "stderr", "");
        }
    }
    sqlite3_finalize(st);
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
    sqlite3_stmt *st = prep(r, "SELECT env, secrets FROM versions WHERE id=?", e);
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, version_id);
    if (sqlite3_step(st) != SQLITE_ROW) { perr_set(e, 404, "no version with id %lld", (long long)version_id); goto fin; }
    const char *ej = col_text(st, 0);
    const void *blob = sqlite3_column_blob(st, 1);
    int n = sqlite3_column_bytes(st, 1);
    if (ej && !(*env_json = strdup(ej))) { perr_set(e, 500, "out of memory"); goto fin; }
    if (blob && n > 0) {
        if (!(*sealed = malloc((size_t)n))) { free(*env_json); *env_json = NULL; perr_set(e, 500, "out of memory"); goto fin; }
        memcpy(*sealed, blob, (size_t)n);
        *sealed_len = (size_t)n;
    }
    ok = true;
fin:
    sqlite3_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

/* ---------------------------------------------------------------- rollouts */

#define ROLLOUT_COLS "m.name, r.module_id, r.from_version, r.to_version, r.steps, r.step, r.interval_ms, " \
                     "r.step_started_at, r.started_at, r.updated_at, r.state, r.actor, r.reason"

static void load_rollout(sqlite3_stmt *st, reg_rollout *o) {
    memset(o, 0, sizeof *o);
    snprintf(o->module, sizeof o->module, "%s", col_text(st, 0));
    o->module_id = sqlite3_column_int64(st, 1);
    o->from = sqlite3_column_int(st, 2);
    o->to = sqlite3_column_int(st, 3);
    char why[128];
    if (!split_parse_steps(col_text(st, 4), o->steps, &o->nsteps, why, sizeof why)) o->nsteps = 0;
    o->step = sqlite3_column_int(st, 5);
    o->interval_ms = sqlite3_column_int64(st, 6);
    o->step_started_ms = sqlite3_column_int64(st, 7);
    o->started_ms = sqlite3_column_int64(st, 8);
    o->updated_ms = sqlite3_column_int64(st, 9);
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
    sqlite3_stmt *st = prep(r, "SELECT to_version FROM rollouts WHERE module_id=? AND state='running'", e);
    if (!st) goto fail;
    sqlite3_bind_int64(st, 1, mid);
    int running = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (running) {
        perr_set(e, 409, "a rollout of %s to v%d is running: kiln rollout abort %s first", module, running, module);
        goto fail;
    }
    char steps[160];
    split_format_steps(steps_bp, nsteps, steps, sizeof steps);
    int64_t now = reg_now_ms();
    st = prep(r, "INSERT OR REPLACE INTO rollouts(module_id, from_version, to_version, steps, step, interval_ms, "
                 "step_started_at, started_at, updated_at, state, actor, reason) VALUES(?,?,?,?,0,?,?,?,?,'running',?,NULL)", e);
    if (!st) goto fail;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_int(st, 2, live.number);
    sqlite3_bind_int(st, 3, to);
    sqlite3_bind_text(st, 4, steps, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, interval_ms);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, now);
    sqlite3_bind_int64(st, 8, now);
    sqlite3_bind_text(st, 9, actor, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) { db_fail(r, e, "rollout insert"); goto fail; }
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
    sqlite3_stmt *st = prep(r, "SELECT " ROLLOUT_COLS " FROM rollouts r JOIN modules m ON m.id=r.module_id "
                               "WHERE r.module_id=?", e);
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, mid);
    if (sqlite3_step(st) == SQLITE_ROW) { load_rollout(st, out); ok = true; }
    else perr_set(e, 404, "%s has had no rollout", module);
    sqlite3_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_rollouts_running(registry *r, reg_rollout **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    sqlite3_stmt *st = prep(r, "SELECT " ROLLOUT_COLS " FROM rollouts r JOIN modules m ON m.id=r.module_id "
                               "WHERE r.state='running' ORDER BY r.module_id", e);
    if (!st) goto out;
    size_t cap = 0;
    ok = true;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            reg_rollout *nv = realloc(*out, nc * sizeof *nv);
            if (!nv) { ok = perr_set(e, 500, "out of memory"); break; }
            *out = nv;
            cap = nc;
        }
        load_rollout(st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_rollout_update(registry *r, const reg_rollout *ro, const char *expect_state, const char *history_action,
                        const char *actor, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    if (!begin(r, e)) goto out;
    sqlite3_stmt *st = prep(r, "UPDATE rollouts SET step=?, step_started_at=?, updated_at=?, state=?, reason=? "
                               "WHERE module_id=? AND to_version=? AND state=?", e);
    if (!st) goto fail;
    sqlite3_bind_int(st, 1, ro->step);
    sqlite3_bind_int64(st, 2, ro->step_started_ms);
    sqlite3_bind_int64(st, 3, reg_now_ms());
    sqlite3_bind_text(st, 4, ro->state, -1, SQLITE_STATIC);
    bind_text_or_null(st, 5, ro->reason);
    sqlite3_bind_int64(st, 6, ro->module_id);
    sqlite3_bind_int(st, 7, ro->to);
    sqlite3_bind_text(st, 8, expect_state, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) { db_fail(r, e, "rollout update"); goto fail; }
    if (sqlite3_changes(r->db) != 1) {
        perr_set(e, 409, "the rollout of %s is no longer %s", ro->module, expect_state);
        goto fail;
    }
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
    if (mid < 0) goto out;
    sqlite3_stmt *st = prep(r, "INSERT INTO routes(prefix, module_id, created_at, created_by) VALUES(?,?,?,?)", e);
    if (!st) goto out;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, mid);
    sqlite3_bind_int64(st, 3, reg_now_ms());
    sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT) perr_set(e, 409, "route %s exists already: kiln route rm %s first", prefix, prefix);
    else if (rc != SQLITE_DONE) db_fail(r, e, "route insert");
    else ok = true;
    if (ok) {
        char line[200];
        snprintf(line, sizeof line, "route %s added", prefix);
        add_history(r, mid, actor, "route", NULL, 0, 0, line, NULL);
        cache_invalidate(r);
    }
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

bool reg_route_rm(registry *r, const char *prefix, const char *actor, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    bool ok = false;
    sqlite3_stmt *st = prep(r, "SELECT module_id FROM routes WHERE prefix=?", e);
    if (!st) goto out;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    int64_t mid = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (mid < 0) { perr_set(e, 404, "no route %s (kiln route ls)", prefix); goto out; }
    st = prep(r, "DELETE FROM routes WHERE prefix=?", e);
    if (!st) goto out;
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE || db_fail(r, e, "route delete");
    sqlite3_finalize(st);
    if (ok) {
        char line[200];
        snprintf(line, sizeof line, "route %s removed", prefix);
        add_history(r, mid, actor, "route", NULL, 0, 0, line, NULL);
        cache_invalidate(r);
    }
out:
    pthread_mutex_unlock(&r->db_lock);
    return ok;
}

cJSON *reg_routes(registry *r, perr *e) {
    pthread_mutex_lock(&r->db_lock);
    cJSON *arr = cJSON_CreateArray();
    sqlite3_stmt *st = prep(r, "SELECT r.prefix, m.name, r.created_at, r.created_by FROM routes r "
                               "JOIN modules m ON m.id=r.module_id ORDER BY r.prefix", e);
    if (!st || !arr) { cJSON_Delete(arr); arr = NULL; goto out; }
    while (sqlite3_step(st) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "prefix", col_text(st, 0));
        cJSON_AddStringToObject(o, "module", col_text(st, 1));
        json_time(o, "created", sqlite3_column_int64(st, 2));
        cJSON_AddStringToObject(o, "created_by", col_text(st, 3));
    }
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&r->db_lock);
    return arr;
}

bool reg_route_match(registry *r, const char *path, char module[72], size_t *prefix_len) {
    /* Through the resolution cache: "\x02" + the first segments tried,
     * longest first; a miss is cached too (module ""), so that paths no
     * route serves cost no query. */
    char key[160];
    reg_target t;
    size_t n = strcspn(path, "?");
    if (n >= 128 || path[0] != '/') return false;
    char buf[130];
    memcpy(buf, path, n);
    buf[n] = 0;
    for (;;) {
        if (!cache_key(key, "\x02", buf)) return false;
        bool hit = cache_get(r, key, &t);
        if (!hit) {
            uint64_t gen;
            pthread_rwlock_rdlock(&r->cache_lock);
            gen = r->generation;
            pthread_rwlock_unlock(&r->cache_lock);
            memset(&t, 0, sizeof t);
            pthread_mutex_lock(&r->db_lock);
            sqlite3_stmt *st = prep(r, "SELECT m.name FROM routes r JOIN modules m ON m.id=r.module_id WHERE r.prefix=?", NULL);
            if (st) {
                sqlite3_bind_text(st, 1, buf, -1, SQLITE_STATIC);
                if (sqlite3_step(st) == SQLITE_ROW) snprintf(t.digest, sizeof t.digest, "%s", col_text(st, 0));
                sqlite3_finalize(st);
            }
            pthread_mutex_unlock(&r->db_lock);
            cache_put(r, key, &t, gen); /* the module name rides in digest */
        }
        if (t.digest[0]) {
            snprintf(module, 72, "%s", t.digest);
            *prefix_len = strlen(buf);
            return true;
        }
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf) return false;
        *slash = 0;
    }
}
