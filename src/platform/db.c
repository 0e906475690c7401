/* db.c — see db.h. SQLite calls pass straight through; PostgreSQL
 * statements collect their typed parameters and run with PQexecParams at
 * the first step (text results, bytea decoded on demand). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "platform/db.h"

#define MAX_PARAMS 32
/* PostgreSQL type oids (pg_type.h is a server header). */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25
#define OID_FLOAT8 701
/* One key for the advisory lock that serialises durable transactions. */
#define CHANGE_LOCK_KEY 0x6b696c6e /* "kiln" */

struct db {
    enum db_dialect dialect;
    sqlite3 *lite;
    PGconn *pg;
    char *target;
    int64_t changes;
    bool relaxed;          /* SQLite: synchronous=NORMAL until the commit */
    bool nomem;            /* the last failure was out of memory (a bind's copy, a statement's text) */
    sqlite3_stmt *rollback;/* SQLite: ROLLBACK, prepared at open: undoing a change must not need memory */
    bool down;             /* PostgreSQL: the last failure was the connection */
    int64_t next_reconnect_ms;
    char err[512];
};

struct db_stmt {
    db *d;
    sqlite3_stmt *lite;
    /* PostgreSQL */
    char *sql;
    int nparams;
    char *vals[MAX_PARAMS];
    int lens[MAX_PARAMS], fmts[MAX_PARAMS];
    unsigned types[MAX_PARAMS];
    PGresult *res;
    int row, nrows;
    bool ran;
    unsigned char *blob; /* the last bytea decoded */
    size_t blob_len;
    int blob_row, blob_col;
    bool bind_failed;    /* a parameter could not be copied: the statement must not run without it */
};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool db_target_is_url(const char *t) {
    return t && (!strncmp(t, "postgresql://", 13) || !strncmp(t, "postgres://", 11));
}

enum db_dialect db_dialect(const db *d) { return d->dialect; }
bool db_shared(const db *d) { return d->dialect == DB_POSTGRES; }

/* libpq's messages end in a newline; keep one line. */
static void pg_error(db *d, const char *msg) {
    snprintf(d->err, sizeof d->err, "%s", msg && *msg ? msg : "unknown PostgreSQL error");
    size_t n = strlen(d->err);
    while (n && (d->err[n - 1] == '\n' || d->err[n - 1] == ' ')) d->err[--n] = 0;
    for (char *p = d->err; *p; p++)
        if (*p == '\n') *p = ' ';
    d->down = PQstatus(d->pg) != CONNECTION_OK;
}

/* Reconnects a lost PostgreSQL connection, at most every 250 ms (a request
 * that misses the cache while the server is down must fail fast). */
static bool pg_ready(db *d) {
    if (PQstatus(d->pg) == CONNECTION_OK) return true;
    int64_t now = now_ms();
    if (now < d->next_reconnect_ms) {
        d->down = true;
        snprintf(d->err, sizeof d->err, "PostgreSQL is unreachable (reconnecting)");
        return false;
    }
    d->next_reconnect_ms = now + 250;
    PQreset(d->pg);
    if (PQstatus(d->pg) != CONNECTION_OK) {
        pg_error(d, PQerrorMessage(d->pg));
        d->down = true;
        return false;
    }
    d->down = false;
    return true;
}

db *db_open(const char *target, perr *e) {
    db *d = calloc(1, sizeof *d);
    if (!d || !(d->target = strdup(target))) {
        free(d);
        perr_set(e, 503, "out of memory");
        return NULL;
    }
    if (db_target_is_url(target)) {
        d->dialect = DB_POSTGRES;
        d->pg = PQconnectdb(target);
        if (!d->pg || PQstatus(d->pg) != CONNECTION_OK) {
            /* The URL may hold a password: name the host part only. */
            const char *at = strrchr(target, '@');
            const char *shown = at ? at + 1 : target + (target[8] == 'q' ? 13 : 11);
            pg_error(d, d->pg ? PQerrorMessage(d->pg) : "out of memory");
            perr_set(e, 503, "cannot connect to the registry at PostgreSQL %s: %s", shown, d->err);
            db_close(d);
            return NULL;
        }
        PQsetNoticeProcessor(d->pg, NULL, NULL);
        if (!db_exec(d, "SET client_min_messages=warning", e)) { db_close(d); return NULL; }
        return d;
    }
    d->dialect = DB_SQLITE;
    /* NOMUTEX: the registry serialises use of the connection itself. */
    if (sqlite3_open_v2(target, &d->lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        perr_set(e, 500, "cannot open %s: %s", target, d->lite ? sqlite3_errmsg(d->lite) : "out of memory");
        db_close(d);
        return NULL;
    }
    sqlite3_busy_timeout(d->lite, 5000); /* an operator's sqlite3 shell may hold a lock */
    /* WAL: readers (an operator's shell, a backup) never block the server.
     * synchronous=FULL: a deploy or rollback that was answered survives a
     * power cut, not only a crash; changes are rare, so the fsync is cheap. */
    if (!db_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", e)) {
        db_close(d);
        return NULL;
    }
    if (sqlite3_prepare_v2(d->lite, "ROLLBACK", -1, &d->rollback, NULL) != SQLITE_OK) {
        db_fail(d, e, "prepare");
        db_close(d);
        return NULL;
    }
    return d;
}

void db_close(db *d) {
    if (!d) return;
    sqlite3_finalize(d->rollback);
    if (d->lite) sqlite3_close(d->lite);
    if (d->pg) PQfinish(d->pg);
    free(d->target);
    free(d);
}

const char *db_errmsg(db *d) {
    if (d->dialect == DB_SQLITE) return sqlite3_errmsg(d->lite);
    return d->err[0] ? d->err : "unknown error";
}

/* Out of memory, in kiln (a bind) or in SQLite: 503, retry later. */
static bool db_nomem(db *d) {
    return d->nomem || (d->dialect == DB_SQLITE && (sqlite3_errcode(d->lite) & 0xff) == SQLITE_NOMEM);
}

int db_errstatus(db *d) { return (d->dialect == DB_POSTGRES && d->down) || db_nomem(d) ? 503 : 500; }

bool db_fail(db *d, perr *e, const char *what) {
    if (db_nomem(d)) return perr_set(e, 503, "registry: %s: out of memory", what);
    if (db_errstatus(d) == 503)
        return perr_set(e, 503, "registry unavailable (PostgreSQL): %s: %s; this node serves the versions it has "
                                "cached, changes are refused until it returns", what, db_errmsg(d));
    return perr_set(e, 500, "registry: %s: %s", what, db_errmsg(d));
}

bool db_exec(db *d, const char *sql, perr *e) {
    d->nomem = false;
    if (d->dialect == DB_SQLITE) {
        char *msg = NULL;
        int rc = sqlite3_exec(d->lite, sql, NULL, NULL, &msg);
        if (rc != SQLITE_OK) {
            perr_set(e, (rc & 0xff) == SQLITE_NOMEM ? 503 : 500, "registry: %s", msg ? msg : sqlite3_errmsg(d->lite));
            sqlite3_free(msg);
            return false;
        }
        return true;
    }
    if (!pg_ready(d)) return db_fail(d, e, "connect");
    PGresult *res = PQexec(d->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) pg_error(d, PQresultErrorMessage(res));
    PQclear(res);
    return ok || db_fail(d, e, "exec");
}

static bool sqlite_rollback(db *d);

bool db_begin(db *d, bool durable, perr *e) {
    if (d->dialect == DB_SQLITE) {
        /* What a failed ROLLBACK or PRAGMA (out of memory) left behind is
         * put right before the next change, or the change is refused: it
         * must neither join an abandoned transaction nor commit without the
         * fsync it is owed. */
        if (!sqlite3_get_autocommit(d->lite) && !sqlite_rollback(d))
            return perr_set(e, 503, "registry: a failed change could not be rolled back yet (out of memory?)");
        if (d->relaxed && durable && !db_exec(d, "PRAGMA synchronous=FULL;", e)) return false;
        /* Usage is not worth an fsync per flush: in WAL mode NORMAL keeps
         * every commit safe from a crash of kiln and loses at most the last
         * flushes on a power cut, and the next FULL commit syncs them. */
        if (!db_exec(d, durable ? "BEGIN IMMEDIATE;" : "PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE;", e))
            return false;
        d->relaxed = !durable;
        return true;
    }
    char sql[128];
    if (durable) /* one writer of registry changes at a time, cluster-wide, as SQLite's BEGIN IMMEDIATE */
        snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%d);", CHANGE_LOCK_KEY);
    else
        snprintf(sql, sizeof sql, "BEGIN; SET LOCAL synchronous_commit=off;");
    if (db_exec(d, sql, e)) return true;
    db_rollback(d);
    return false;
}

/* Back to synchronous=FULL after a relaxed transaction; should the pragma
 * fail, relaxed stays set and the next durable begin tries again. */
static void relax_end(db *d) {
    if (d->dialect == DB_SQLITE && d->relaxed && db_exec(d, "PRAGMA synchronous=FULL;", NULL)) d->relaxed = false;
}

/* The prepared ROLLBACK (SQLite): true when no transaction is open after it.
 * SQLite may have rolled back by itself (it does on out of memory inside a
 * change); then there is nothing to do. */
static bool sqlite_rollback(db *d) {
    if (sqlite3_get_autocommit(d->lite)) return true;
    sqlite3_step(d->rollback);
    sqlite3_reset(d->rollback);
    return sqlite3_get_autocommit(d->lite) != 0;
}

bool db_commit(db *d, perr *e) {
    bool ok = db_exec(d, "COMMIT;", e);
    if (!ok) db_rollback(d);
    relax_end(d);
    return ok;
}

void db_rollback(db *d) {
    if (d->dialect == DB_SQLITE) {
        sqlite_rollback(d); /* if it fails, db_begin tries again before the next change */
        relax_end(d);
        return;
    }
    if (PQstatus(d->pg) != CONNECTION_OK) return; /* nothing is open */
    db_exec(d, "ROLLBACK;", NULL);
}

int64_t db_changes(db *d) { return d->dialect == DB_SQLITE ? sqlite3_changes(d->lite) : d->changes; }

bool db_identity_sync(db *d, const char *table, perr *e) {
    if (d->dialect == DB_SQLITE) return true;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE(max(id), 0) + 1, false) FROM %s",
             table, table);
    return db_exec(d, sql, e);
}

bool db_schema_version(db *d, int *out, perr *e) {
    *out = 0;
    if (d->dialect == DB_POSTGRES &&
        !db_exec(d, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", e))
        return false;
    db_stmt *s = db_prepare(d, d->dialect == DB_SQLITE ? "PRAGMA user_version" : "SELECT max(version) FROM schema_version", e);
    if (!s) return false;
    int rc = db_step(s);
    if (rc == DB_ROW) *out = db_column_int(s, 0);
    db_finalize(s);
    return rc == DB_ROW || rc == DB_DONE || db_fail(d, e, "schema version");
}

bool db_set_schema_version(db *d, int v, perr *e) {
    char sql[96];
    if (d->dialect == DB_SQLITE) snprintf(sql, sizeof sql, "PRAGMA user_version=%d;", v);
    else snprintf(sql, sizeof sql, "DELETE FROM schema_version; INSERT INTO schema_version VALUES(%d);", v);
    return db_exec(d, sql, e);
}

/* ---------------------------------------------------------------- statements */

/* ? and ?N become $N (outside string literals); the highest N is the count. */
static char *pg_sql(const char *sql, int *nparams) {
    size_t n = strlen(sql);
    char *out = malloc(n * 4 + 1);
    if (!out) return NULL;
    char *o = out;
    int next = 0, max = 0;
    bool quoted = false;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'') quoted = !quoted;
        if (*p != '?' || quoted) { *o++ = *p; continue; }
        int k;
        if (p[1] >= '0' && p[1] <= '9') {
            k = (int)strtol(p + 1, (char **)&p, 10);
            p--;
        } else {
            k = ++next;
        }
        if (k > max) max = k;
        o += sprintf(o, "$%d", k);
    }
    *o = 0;
    *nparams = max;
    return out;
}

db_stmt *db_prepare(db *d, const char *sql, perr *e) {
    d->nomem = false;
    db_stmt *s = calloc(1, sizeof *s);
    if (!s) { d->nomem = true; perr_set(e, 503, "registry: prepare: out of memory"); return NULL; }
    s->d = d;
    if (d->dialect == DB_SQLITE) {
        if (sqlite3_prepare_v2(d->lite, sql, -1, &s->lite, NULL) != SQLITE_OK) {
            db_fail(d, e, "prepare");
            free(s);
            return NULL;
        }
        return s;
    }
    if (!(s->sql = pg_sql(sql, &s->nparams)) || s->nparams > MAX_PARAMS) {
        d->nomem = !s->sql;
        perr_set(e, s->sql ? 500 : 503, "registry: prepare: %s", s->sql ? "too many parameters" : "out of memory");
        free(s->sql);
        free(s);
        return NULL;
    }
    s->blob_row = -1;
    return s;
}

/* val NULL with want: its copy failed. */
static void pg_set(db_stmt *s, int i, unsigned type, char *val, int len, int fmt, bool want) {
    if (want && !val) s->bind_failed = true;
    if (i < 1 || i > s->nparams) { free(val); return; }
    free(s->vals[i - 1]);
    s->vals[i - 1] = val;
    s->types[i - 1] = type;
    s->lens[i - 1] = len;
    s->fmts[i - 1] = fmt;
}

/* A SQLite bind that fails (out of memory copying the value) leaves the
 * parameter NULL: the statement would then look up nothing or store NULL. */
static void lite_bound(db_stmt *s, int rc) {
    if (rc != SQLITE_OK) s->bind_failed = true;
}

void db_bind_int64(db_stmt *s, int i, int64_t v) {
    if (s->lite) { lite_bound(s, sqlite3_bind_int64(s->lite, i, v)); return; }
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    pg_set(s, i, OID_INT8, strdup(buf), 0, 0, true);
}

void db_bind_int(db_stmt *s, int i, int v) { db_bind_int64(s, i, v); }

void db_bind_double(db_stmt *s, int i, double v) {
    if (s->lite) { lite_bound(s, sqlite3_bind_double(s->lite, i, v)); return; }
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    pg_set(s, i, OID_FLOAT8, strdup(buf), 0, 0, true);
}

void db_bind_text(db_stmt *s, int i, const char *v) {
    if (!v) { db_bind_null(s, i); return; }
    if (s->lite) { lite_bound(s, sqlite3_bind_text(s->lite, i, v, -1, SQLITE_TRANSIENT)); return; }
    pg_set(s, i, OID_TEXT, strdup(v), 0, 0, true);
}

void db_bind_blob(db_stmt *s, int i, const void *p, size_t n) {
    if (s->lite) { lite_bound(s, sqlite3_bind_blob(s->lite, i, p, (int)n, SQLITE_TRANSIENT)); return; }
    char *c = malloc(n ? n : 1);
    if (c && n) memcpy(c, p, n);
    pg_set(s, i, OID_BYTEA, c, (int)n, 1, true);
}

void db_bind_null(db_stmt *s, int i) {
    if (s->lite) { lite_bound(s, sqlite3_bind_null(s->lite, i)); return; }
    pg_set(s, i, 0, NULL, 0, 0, false);
}

int db_step(db_stmt *s) {
    s->d->nomem = s->bind_failed;
    if (s->bind_failed) return DB_ERROR; /* db_fail then says out of memory (503) */
    if (s->lite) {
        int rc = sqlite3_step(s->lite);
        if (rc == SQLITE_ROW) return DB_ROW;
        if (rc == SQLITE_DONE) return DB_DONE;
        return (rc & 0xff) == SQLITE_CONSTRAINT ? DB_CONSTRAINT : DB_ERROR;
    }
    db *d = s->d;
    if (!s->ran) {
        s->ran = true;
        if (!pg_ready(d)) return DB_ERROR;
        s->res = PQexecParams(d->pg, s->sql, s->nparams, s->types, (const char *const *)s->vals, s->lens, s->fmts, 0);
        ExecStatusType st = PQresultStatus(s->res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            pg_error(d, PQresultErrorMessage(s->res));
            const char *state = PQresultErrorField(s->res, PG_DIAG_SQLSTATE);
            return state && !strncmp(state, "23", 2) ? DB_CONSTRAINT : DB_ERROR; /* class 23: integrity */
        }
        const char *ct = PQcmdTuples(s->res);
        d->changes = ct && *ct ? atoll(ct) : 0;
        s->nrows = st == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        s->row = -1;
    }
    if (!s->res || PQresultStatus(s->res) == PGRES_FATAL_ERROR) return DB_ERROR;
    if (s->row + 1 < s->nrows) { s->row++; return DB_ROW; }
    s->row = s->nrows;
    return DB_DONE;
}

static const char *pg_val(db_stmt *s, int i) {
    if (!s->res || s->row < 0 || s->row >= s->nrows || i < 0 || i >= PQnfields(s->res)) return NULL;
    if (PQgetisnull(s->res, s->row, i)) return NULL;
    return PQgetvalue(s->res, s->row, i);
}

int64_t db_column_int64(db_stmt *s, int i) {
    if (s->lite) return sqlite3_column_int64(s->lite, i);
    const char *v = pg_val(s, i);
    /* SUM() of bigint is numeric ("12" or "12.0"): strtod then, exact below 2^53 */
    return v ? (strpbrk(v, ".eE") ? (int64_t)strtod(v, NULL) : strtoll(v, NULL, 10)) : 0;
}

int db_column_int(db_stmt *s, int i) { return (int)db_column_int64(s, i); }

double db_column_double(db_stmt *s, int i) {
    if (s->lite) return sqlite3_column_double(s->lite, i);
    const char *v = pg_val(s, i);
    return v ? strtod(v, NULL) : 0;
}

const char *db_column_text(db_stmt *s, int i) {
    if (s->lite) return (const char *)sqlite3_column_text(s->lite, i);
    return pg_val(s, i);
}

static void pg_blob(db_stmt *s, int i) {
    if (s->blob_row == s->row && s->blob_col == i) return;
    if (s->blob) PQfreemem(s->blob);
    s->blob = NULL;
    s->blob_len = 0;
    s->blob_row = s->row;
    s->blob_col = i;
    const char *v = pg_val(s, i);
    if (v) s->blob = PQunescapeBytea((const unsigned char *)v, &s->blob_len);
}

const void *db_column_blob(db_stmt *s, int i) {
    if (s->lite) return sqlite3_column_blob(s->lite, i);
    pg_blob(s, i);
    return s->blob;
}

size_t db_column_bytes(db_stmt *s, int i) {
    if (s->lite) return (size_t)sqlite3_column_bytes(s->lite, i);
    pg_blob(s, i);
    return s->blob_len;
}

bool db_column_null(db_stmt *s, int i) {
    if (s->lite) return sqlite3_column_type(s->lite, i) == SQLITE_NULL;
    return pg_val(s, i) == NULL;
}

void db_reset(db_stmt *s) {
    if (s->lite) { sqlite3_reset(s->lite); return; }
    PQclear(s->res);
    s->res = NULL;
    s->ran = false;
    s->blob_row = -1;
}

void db_finalize(db_stmt *s) {
    if (!s) return;
    if (s->lite) sqlite3_finalize(s->lite);
    PQclear(s->res);
    if (s->blob) PQfreemem(s->blob);
    for (int i = 0; i < MAX_PARAMS; i++) free(s->vals[i]);
    free(s->sql);
    free(s);
}

/* ---------------------------------------------------------------- the watch */

struct db_watch {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    char *target, *channel, *gen_sql;
    int period_ms;
    void (*on_gen)(void *, int64_t, bool);
    void *ctx;
};

static bool watch_stopping(db_watch *w, int wait_ms) {
    pthread_mutex_lock(&w->lock);
    if (wait_ms > 0 && !w->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait_ms / 1000;
        ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&w->cond, &w->lock, &ts);
    }
    bool stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    return stop;
}

static bool watch_read(db_watch *w, PGconn *c) {
    PGresult *res = PQexec(c, w->gen_sql);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    if (ok) w->on_gen(w->ctx, strtoll(PQgetvalue(res, 0, 0), NULL, 10), true);
    PQclear(res);
    return ok;
}

/* Keeps the largest generation a notification carried. */
static void note(PGnotify *nt, int64_t *gen) {
    char *end;
    long long g = nt->extra ? strtoll(nt->extra, &end, 10) : -1;
    if (nt->extra && *nt->extra && !*end && g > *gen) *gen = g;
    PQfreemem(nt);
}

static void *watch_main(void *arg) {
    db_watch *w = arg;
    while (!watch_stopping(w, 0)) {
        /* Named, so that an operator (and the cluster suite) can tell the
         * listener from the node's other connection in pg_stat_activity. */
        const char *const keys[] = {"dbname", "application_name", NULL};
        const char *const vals[] = {w->target, "kiln-watch", NULL};
        PGconn *c = PQconnectdbParams(keys, vals, 1);
        char listen[128];
        snprintf(listen, sizeof listen, "LISTEN %s", w->channel);
        PGresult *res = PQstatus(c) == CONNECTION_OK ? PQexec(c, listen) : NULL;
        bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        /* After every (re)connect: read the generation, whatever was missed. */
        if (ok) ok = watch_read(w, c);
        int64_t next_read = now_ms() + w->period_ms;
        while (ok && !watch_stopping(w, 0)) {
            /* A notification can arrive while the generation is read: libpq
             * then holds it already and the socket will not wake poll. */
            bool notified = false;
            int64_t gen = -1; /* the payload: the generation (no query needed) */
            PGnotify *nt;
            while ((nt = PQnotifies(c))) { notified = true; note(nt, &gen); }
            if (!notified) {
                struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
                int wait = (int)(next_read - now_ms());
                if (wait > 100) wait = 100; /* look at stop now and then */
                if (wait < 0) wait = 0;
                int n = poll(&p, 1, wait);
                if (n < 0 && errno != EINTR) break;
                if (n > 0) {
                    if (!PQconsumeInput(c)) break;
                    while ((nt = PQnotifies(c))) { notified = true; note(nt, &gen); }
                }
            }
            if (notified && gen >= 0) {
                w->on_gen(w->ctx, gen, true);
            } else if (notified || now_ms() >= next_read) {
                if (!watch_read(w, c)) break;
                next_read = now_ms() + w->period_ms;
            }
        }
        PQfinish(c);
        if (watch_stopping(w, 0)) break;
        w->on_gen(w->ctx, 0, false);
        watch_stopping(w, 200); /* then reconnect */
    }
    return NULL;
}

db_watch *db_watch_start(const char *target, const char *channel, const char *gen_sql, int period_ms,
                         void (*on_gen)(void *ctx, int64_t gen, bool connected), void *ctx) {
    if (!db_target_is_url(target)) return NULL;
    db_watch *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->target = strdup(target);
    w->channel = strdup(channel);
    w->gen_sql = strdup(gen_sql);
    w->period_ms = period_ms;
    w->on_gen = on_gen;
    w->ctx = ctx;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (!w->target || !w->channel || !w->gen_sql || pthread_create(&w->thread, NULL, watch_main, w)) {
        free(w->target); free(w->channel); free(w->gen_sql); free(w);
        return NULL;
    }
    return w;
}

void db_watch_stop(db_watch *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w->target); free(w->channel); free(w->gen_sql); free(w);
}
