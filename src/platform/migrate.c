/* migrate.c — kiln registry migrate: a SQLite data directory's registry
 * copied into an empty PostgreSQL registry, table by table, ids kept (so
 * history, usage and rollouts keep pointing at the same rows), module bytes
 * from DATA/blobs into the registry. One transaction on the destination: a
 * migration that fails leaves it empty. The source is only read, under the
 * data directory's lock (no server may run on it meanwhile). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/blobs.h"
#include "platform/db.h"
#include "platform/migrate.h"

/* Every table of schema 5 but the cluster's own (generation, nodes,
 * blobs), parents first; each column's type: i integer, r real, t text,
 * b blob. */
static const struct { const char *table, *cols, *types; bool identity; } tables[] = {
    {"modules", "id, name, created_at", "iti", true},
    {"versions", "id, module_id, number, digest, size, created_at, commit_sha, commit_time, message, deployed_by, "
                 "fuel, timeout_ms, max_memory, env, secret_names, secrets", "iiitiittttiiittb", true},
    {"aliases", "module_id, name, version_id, updated_at, pinned, pinned_by, pinned_at, pin_reason", "itiiitit", false},
    {"history", "id, module_id, at, actor, action, alias, from_version, to_version, reason", "iiitttiit", true},
    {"traps", "id, module_id, version_id, at, request_id, kind, message, report, report_json, stderr", "iiiittttt" "b", true},
    {"usage_minute", "module_id, version_id, minute, requests, traps, errors, metered, latency_ns, instructions, "
                     "cpu_ns, cpu_samples, wall_ns, gib_seconds, peak_memory_sum, peak_memory_max, request_bytes, "
                     "response_bytes, io_bytes, cost, compute_cost, node", "iiiiiiiiiiiirii" "iiirrt", false},
    {"usage_latency", "module_id, version_id, minute, bucket, count, node", "iiiiit", false},
    {"policies", "module_id, rollback_spec, regression_threshold, budget_per_day, updated_at, updated_by", "itrrit", false},
    {"rollouts", "module_id, from_version, to_version, steps, step, interval_ms, step_started_at, started_at, "
                 "updated_at, state, actor, reason", "iiitiiiiittt", false},
    {"routes", "prefix, module_id, created_at, created_by", "tiit", false},
};

static bool copy_table(db *src, db *dst, int k, long *rows, perr *e) {
    char sql[1024], marks[128] = "";
    const char *types = tables[k].types;
    size_t n = strlen(types);
    for (size_t i = 0; i < n; i++) strcat(marks, i ? ",?" : "?");
    snprintf(sql, sizeof sql, "SELECT %s FROM %s", tables[k].cols, tables[k].table);
    db_stmt *s = db_prepare(src, sql, e);
    if (!s) return false;
    snprintf(sql, sizeof sql, "INSERT INTO %s(%s) VALUES(%s)", tables[k].table, tables[k].cols, marks);
    db_stmt *d = db_prepare(dst, sql, e);
    if (!d) { db_finalize(s); return false; }
    int rc;
    bool ok = true;
    while (ok && (rc = db_step(s)) == DB_ROW) {
        for (size_t i = 0; i < n; i++) {
            int c = (int)i, p = (int)i + 1;
            if (db_column_null(s, c)) { db_bind_null(d, p); continue; }
            switch (types[i]) {
            case 'i': db_bind_int64(d, p, db_column_int64(s, c)); break;
            case 'r': db_bind_double(d, p, db_column_double(s, c)); break;
            case 'b': {
                const void *b = db_column_blob(s, c);
                db_bind_blob(d, p, b, db_column_bytes(s, c));
                break;
            }
            default: db_bind_text(d, p, db_column_text(s, c)); break;
            }
        }
        if (db_step(d) != DB_DONE) ok = db_fail(dst, e, tables[k].table);
        db_reset(d);
        (*rows)++;
    }
    if (ok && rc != DB_DONE) ok = db_fail(src, e, tables[k].table);
    db_finalize(s);
    db_finalize(d);
    return ok;
}

static bool count_rows(db *d, const char *table, int64_t *n, perr *e) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    db_stmt *s = db_prepare(d, sql, e);
    if (!s) return false;
    bool ok = db_step(s) == DB_ROW;
    *n = ok ? db_column_int64(s, 0) : 0;
    db_finalize(s);
    return ok || db_fail(d, e, table);
}

/* Module bytes: every version's blob, read (and checked) from DATA/blobs. */
static bool copy_blobs(db *src, db *dst, blobstore *bs, long *nblobs, perr *e) {
    db_stmt *s = db_prepare(src, "SELECT DISTINCT digest FROM versions ORDER BY digest", e);
    if (!s) return false;
    db_stmt *d = db_prepare(dst, "INSERT INTO blobs(digest, bytes) VALUES(?,?) ON CONFLICT(digest) DO NOTHING", e);
    bool ok = d != NULL;
    while (ok && db_step(s) == DB_ROW) {
        const char *digest = db_column_text(s, 0);
        size_t len;
        uint8_t *bytes = blobs_get(bs, digest, &len, e);
        if (!bytes) { ok = false; break; }
        db_bind_text(d, 1, digest);
        db_bind_blob(d, 2, bytes, len);
        free(bytes);
        if (db_step(d) != DB_DONE) ok = db_fail(dst, e, "blobs");
        db_reset(d);
        (*nblobs)++;
    }
    db_finalize(s);
    db_finalize(d);
    return ok;
}

bool reg_migrate(const char *data_dir, const char *url, FILE *progress, perr *e) {
    if (!db_target_is_url(url)) return perr_set(e, 400, "--to: want a postgresql://USER@HOST:PORT/DB URL");
    reg_options to = {.url = url};
    registry *rs = NULL, *rd = NULL;
    blobstore *bs = NULL;
    bool ok = false;
    if (!(rs = reg_open(data_dir, NULL, e)) || !(rd = reg_open(data_dir, &to, e)) || !(bs = blobs_open(data_dir, e)))
        goto out;
    db *src = reg_lock(rs), *dst = reg_lock(rd);
    int64_t have = 0;
    if (!count_rows(dst, "modules", &have, e)) goto unlock;
    if (have) {
        perr_set(e, 409, "the PostgreSQL registry holds %lld modules already: migrate into an empty database",
                 (long long)have);
        goto unlock;
    }
    if (!db_begin(dst, true, e)) goto unlock;
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        long rows = 0;
        if (!copy_table(src, dst, (int)k, &rows, e)) goto rollback;
        if (tables[k].identity && !db_identity_sync(dst, tables[k].table, e)) goto rollback;
        if (progress) fprintf(progress, "registry migrate: %-13s %ld rows\n", tables[k].table, rows);
    }
    long nblobs = 0;
    if (!copy_blobs(src, dst, bs, &nblobs, e)) goto rollback;
    if (progress) fprintf(progress, "registry migrate: %-13s %ld module binaries\n", "blobs", nblobs);
    if (!db_exec(dst, "UPDATE generation SET n=n+1", e) || !db_commit(dst, e)) goto rollback;
    ok = true;
    goto unlock;
rollback:
    db_rollback(dst);
unlock:
    reg_unlock(rd);
    reg_unlock(rs);
out:
    blobs_close(bs);
    reg_close(rd);
    reg_close(rs);
    return ok;
}
