/* db.h — the registry's SQL connection, one interface over two backends:
 * SQLite (a file, one node) and PostgreSQL (a postgresql:// URL, a cluster
 * of nodes; docs/cluster.md). The registry and its extensions write their
 * SQL once, in the dialect both accept (? or ?N placeholders, rewritten to
 * $N for libpq; ON CONFLICT upserts; RETURNING; IS DISTINCT FROM), and never
 * ask which backend they run on; only the schema and its migrations exist
 * once per backend (db_dialect).
 *
 * The calls mirror SQLite's (prepare, bind, step, column, finalize), so a
 * statement reads the same as before. Parameters are typed by the bind call
 * (int64, double, text, blob, null); columns are read as the caller asks.
 * A connection is not thread-safe: the registry serialises its use. */
#ifndef KILN_PLATFORM_DB_H
#define KILN_PLATFORM_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/perr.h"

typedef struct db db;
typedef struct db_stmt db_stmt;

enum { DB_ROW = 100, DB_DONE = 101, DB_CONSTRAINT = 19, DB_ERROR = 1 };
enum db_dialect { DB_SQLITE, DB_POSTGRES };

/* True when target names a PostgreSQL server (postgresql:// or postgres://). */
bool db_target_is_url(const char *target);
/* Opens a SQLite file (created as needed) or connects to PostgreSQL. */
db *db_open(const char *target, perr *e);
void db_close(db *d);
enum db_dialect db_dialect(const db *d);
/* Whether other nodes share this database (module bytes then live in it). */
bool db_shared(const db *d);

/* The last error, and the status it deserves: 503 when the server cannot be
 * reached (the caller may retry), 500 otherwise. */
const char *db_errmsg(db *d);
int db_errstatus(db *d);
/* Fills e from the last error: "registry: WHAT: message". Returns false. */
bool db_fail(db *d, perr *e, const char *what);

/* Runs statements without parameters or results (several, ;-separated). */
bool db_exec(db *d, const char *sql, perr *e);
/* A transaction. durable: changes every node must see and keep (SQLite:
 * BEGIN IMMEDIATE, synchronous FULL; PostgreSQL: serialised across the
 * cluster by an advisory lock). Not durable: usage batches (SQLite:
 * synchronous NORMAL; PostgreSQL: synchronous_commit off). */
bool db_begin(db *d, bool durable, perr *e);
bool db_commit(db *d, perr *e);
void db_rollback(db *d);
/* Rows changed by the last INSERT/UPDATE/DELETE. */
int64_t db_changes(db *d);

/* After rows were copied with their ids: the table's identity continues
 * after the largest (PostgreSQL; nothing to do on SQLite). */
bool db_identity_sync(db *d, const char *table, perr *e);

/* The schema version (SQLite: user_version; PostgreSQL: a table). */
bool db_schema_version(db *d, int *out, perr *e);
bool db_set_schema_version(db *d, int v, perr *e);

db_stmt *db_prepare(db *d, const char *sql, perr *e);
void db_bind_int64(db_stmt *s, int i, int64_t v);
void db_bind_int(db_stmt *s, int i, int v);
void db_bind_double(db_stmt *s, int i, double v);
void db_bind_text(db_stmt *s, int i, const char *v); /* copied; NULL binds NULL */
void db_bind_blob(db_stmt *s, int i, const void *p, size_t n);
void db_bind_null(db_stmt *s, int i);
/* DB_ROW, DB_DONE, DB_CONSTRAINT (a unique or foreign key refused it) or DB_ERROR. */
int db_step(db_stmt *s);
int64_t db_column_int64(db_stmt *s, int i);
int db_column_int(db_stmt *s, int i);
double db_column_double(db_stmt *s, int i);
const char *db_column_text(db_stmt *s, int i); /* NULL for NULL */
const void *db_column_blob(db_stmt *s, int i);
size_t db_column_bytes(db_stmt *s, int i);
bool db_column_null(db_stmt *s, int i);
/* Runs the statement again with new bindings. */
void db_reset(db_stmt *s);
void db_finalize(db_stmt *s);

/* A watch on the cluster's changes (PostgreSQL only; NULL for SQLite,
 * which has one node): a thread with its own connection that LISTENs on
 * the registry's channel and, on a notification, after a reconnect and
 * every period_ms, reads the generation with gen_sql and calls
 * on_gen(ctx, generation, connected). A missed notification is caught by the
 * periodic read; a lost connection reports connected=false. */
typedef struct db_watch db_watch;
db_watch *db_watch_start(const char *target, const char *channel, const char *gen_sql, int period_ms,
                         void (*on_gen)(void *ctx, int64_t gen, bool connected), void *ctx);
void db_watch_stop(db_watch *w);

#endif
