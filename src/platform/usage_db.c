/* usage_db.c — see usage_db.h. SQL over the tables of migration 2 and the
 * history; the registry's lock is held for each call (reg_lock). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/db.h"
#include "platform/usage_db.h"

static bool fail(db *d, perr *e, const char *what) { return db_fail(d, e, what); }

static db_stmt *prep(db *d, const char *sql, perr *e) { return db_prepare(d, sql, e); }

/* ---------------------------------------------------------------- writing */

bool udb_write(registry *r, const udb_row *rows, size_t n, perr *e) {
    if (!n) return true;
    const char *node = reg_node_id(r); /* each node's rows: cluster totals are their sums */
    db *db = reg_lock(r);
    bool ok = false;
    db_stmt *su = NULL, *sh = NULL;
    /* Not durable: usage is not worth an fsync per flush (db.h). */
    if (!db_begin(db, false, e)) goto out;
    su = prep(db,
              "INSERT INTO usage_minute(module_id, version_id, minute, requests, traps, errors, metered, latency_ns, "
              "instructions, cpu_ns, wall_ns, gib_seconds, peak_memory_sum, peak_memory_max, request_bytes, "
              "response_bytes, io_bytes, cost, compute_cost, cpu_samples, node) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
              "?12,?13,?14,?15,?16,?17,?18,?19,?20,?21) ON CONFLICT(module_id, version_id, minute, node) DO UPDATE SET "
              "requests=usage_minute.requests+?4, traps=usage_minute.traps+?5, errors=usage_minute.errors+?6, metered=usage_minute.metered+?7, "
              "latency_ns=usage_minute.latency_ns+?8, instructions=usage_minute.instructions+?9, cpu_ns=usage_minute.cpu_ns+?10, wall_ns=usage_minute.wall_ns+?11, "
              "gib_seconds=usage_minute.gib_seconds+?12, peak_memory_sum=usage_minute.peak_memory_sum+?13, "
              "peak_memory_max=CASE WHEN ?14>usage_minute.peak_memory_max THEN ?14 ELSE usage_minute.peak_memory_max END, request_bytes=usage_minute.request_bytes+?15, "
              "response_bytes=usage_minute.response_bytes+?16, io_bytes=usage_minute.io_bytes+?17, cost=usage_minute.cost+?18, "
              "compute_cost=usage_minute.compute_cost+?19, cpu_samples=usage_minute.cpu_samples+?20",
              e);
    sh = prep(db,
              "INSERT INTO usage_latency(module_id, version_id, minute, bucket, count, node) VALUES(?1,?2,?3,?4,?5,?6) "
              "ON CONFLICT(module_id, version_id, minute, bucket, node) DO UPDATE SET count=usage_latency.count+?5",
              e);
    if (!su || !sh) goto rollback;
    for (size_t i = 0; i < n; i++) {
        const udb_row *w = &rows[i];
        db_bind_int64(su, 1, w->module_id);
        db_bind_int64(su, 2, w->version_id);
        db_bind_int64(su, 3, w->minute);
        const uint64_t ints[] = {w->requests, w->traps, w->errors, w->metered, w->latency_ns, w->instructions,
                                 w->cpu_ns, w->wall_ns};
        for (int k = 0; k < 8; k++) db_bind_int64(su, 4 + k, (int64_t)ints[k]);
        db_bind_double(su, 12, w->gib_seconds);
        db_bind_int64(su, 13, (int64_t)w->peak_sum);
        db_bind_int64(su, 14, (int64_t)w->peak_max);
        db_bind_int64(su, 15, (int64_t)w->request_bytes);
        db_bind_int64(su, 16, (int64_t)w->response_bytes);
        db_bind_int64(su, 17, (int64_t)w->io_bytes);
        db_bind_double(su, 18, w->cost);
        db_bind_double(su, 19, w->compute_cost);
        db_bind_int64(su, 20, (int64_t)w->cpu_samples);
        db_bind_text(su, 21, node);
        if (db_step(su) != DB_DONE) { fail(db, e, "usage write"); goto rollback; }
        db_reset(su);
        for (int b = 0; b < LAT_BUCKETS; b++) {
            if (!w->hist[b]) continue;
            db_bind_int64(sh, 1, w->module_id);
            db_bind_int64(sh, 2, w->version_id);
            db_bind_int64(sh, 3, w->minute);
            db_bind_int(sh, 4, b);
            db_bind_int64(sh, 5, (int64_t)w->hist[b]);
            db_bind_text(sh, 6, node);
            if (db_step(sh) != DB_DONE) { fail(db, e, "latency write"); goto rollback; }
            db_reset(sh);
        }
    }
    ok = db_commit(db, e);
    if (ok) goto out;
rollback:
    db_rollback(db);
out:
    db_finalize(su);
    db_finalize(sh);
    reg_unlock(r);
    return ok;
}

/* ---------------------------------------------------------------- reading */

#define SUM_COLS                                                                                              \
    "SUM(requests), SUM(traps), SUM(errors), SUM(metered), SUM(latency_ns), SUM(instructions), SUM(cpu_ns), " \
    "SUM(wall_ns), SUM(gib_seconds), SUM(peak_memory_sum), MAX(peak_memory_max), SUM(request_bytes), "        \
    "SUM(response_bytes), SUM(io_bytes), SUM(cost), SUM(compute_cost), MIN(minute), MAX(minute), SUM(cpu_samples)"

static void load_sums(db_stmt *st, int c, udb_row *w) {
    uint64_t *f[] = {&w->requests, &w->traps, &w->errors, &w->metered, &w->latency_ns, &w->instructions,
                     &w->cpu_ns, &w->wall_ns};
    for (int k = 0; k < 8; k++) *f[k] = (uint64_t)db_column_int64(st, c + k);
    w->gib_seconds = db_column_double(st, c + 8);
    w->peak_sum = (uint64_t)db_column_int64(st, c + 9);
    w->peak_max = (uint64_t)db_column_int64(st, c + 10);
    w->request_bytes = (uint64_t)db_column_int64(st, c + 11);
    w->response_bytes = (uint64_t)db_column_int64(st, c + 12);
    w->io_bytes = (uint64_t)db_column_int64(st, c + 13);
    w->cost = db_column_double(st, c + 14);
    w->compute_cost = db_column_double(st, c + 15);
    w->first_minute = db_column_int64(st, c + 16);
    w->last_minute = db_column_int64(st, c + 17);
    w->cpu_samples = (uint64_t)db_column_int64(st, c + 18);
}

bool udb_sums(registry *r, int64_t module_id, int64_t since_minute, udb_group g, int64_t version_id, udb_row **out,
              size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    db *db = reg_lock(r);
    bool ok = false;
    udb_row *rows = NULL;
    size_t nrows = 0, cap = 0;
    db_stmt *sh = NULL;
    /* One statement per shape, written out: the PostgreSQL backend prepares
     * them as they are, with no optional-parameter tricks to type. */
    static const char *const sums_sql[2][2] = {
        {"SELECT u.version_id, v.number, " SUM_COLS " FROM usage_minute u JOIN versions v "
         "ON v.id=u.version_id WHERE u.module_id=?1 AND u.minute>=?2 GROUP BY u.version_id, v.number "
         "ORDER BY v.number",
         "SELECT u.version_id, v.number, " SUM_COLS " FROM usage_minute u JOIN versions v "
         "ON v.id=u.version_id WHERE u.module_id=?1 AND u.minute>=?2 AND u.version_id=?3 "
         "GROUP BY u.version_id, v.number ORDER BY v.number"},
        {"SELECT minute/1440, 0, " SUM_COLS " FROM usage_minute WHERE module_id=?1 AND "
         "minute>=?2 GROUP BY minute/1440 ORDER BY minute/1440",
         "SELECT minute/1440, 0, " SUM_COLS " FROM usage_minute WHERE module_id=?1 AND "
         "minute>=?2 AND version_id=?3 GROUP BY minute/1440 ORDER BY minute/1440"}};
    static const char *const hist_sql[2][2] = {
        {"SELECT version_id, bucket, SUM(count) FROM usage_latency WHERE module_id=?1 AND minute>=?2 "
         "GROUP BY version_id, bucket",
         "SELECT version_id, bucket, SUM(count) FROM usage_latency WHERE module_id=?1 AND minute>=?2 "
         "AND version_id=?3 GROUP BY version_id, bucket"},
        {"SELECT minute/1440, bucket, SUM(count) FROM usage_latency WHERE module_id=?1 AND minute>=?2 "
         "GROUP BY minute/1440, bucket",
         "SELECT minute/1440, bucket, SUM(count) FROM usage_latency WHERE module_id=?1 AND minute>=?2 "
         "AND version_id=?3 GROUP BY minute/1440, bucket"}};
    int gi = g == UDB_BY_VERSION ? 0 : 1, vi = version_id > 0;
    db_stmt *st = prep(db, sums_sql[gi][vi], e);
    if (!st) goto out;
    db_bind_int64(st, 1, module_id);
    db_bind_int64(st, 2, since_minute);
    if (vi) db_bind_int64(st, 3, version_id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (nrows == cap) {
            size_t nc = cap ? cap * 2 : 8;
            udb_row *nr = realloc(rows, nc * sizeof *nr);
            if (!nr) { perr_set(e, 503, "out of memory"); goto out; }
            rows = nr;
            cap = nc;
        }
        udb_row *w = &rows[nrows++];
        memset(w, 0, sizeof *w);
        w->module_id = module_id;
        if (g == UDB_BY_VERSION) {
            w->version_id = db_column_int64(st, 0);
            w->version = db_column_int(st, 1);
        } else {
            w->day = db_column_int64(st, 0);
        }
        load_sums(st, 2, w);
    }
    if (rc != DB_DONE) { fail(db, e, "usage read"); goto out; }
    sh = prep(db, hist_sql[gi][vi], e);
    if (!sh) goto out;
    db_bind_int64(sh, 1, module_id);
    db_bind_int64(sh, 2, since_minute);
    if (vi) db_bind_int64(sh, 3, version_id);
    while ((rc = db_step(sh)) == DB_ROW) {
        int64_t key = db_column_int64(sh, 0);
        int b = db_column_int(sh, 1);
        if (b < 0 || b >= LAT_BUCKETS) continue;
        for (size_t i = 0; i < nrows; i++)
            if ((g == UDB_BY_VERSION ? rows[i].version_id : rows[i].day) == key) {
                rows[i].hist[b] += (uint64_t)db_column_int64(sh, 2);
                break;
            }
    }
    if (rc != DB_DONE) { fail(db, e, "latency read"); goto out; }
    ok = true;
out:
    db_finalize(st);
    db_finalize(sh);
    reg_unlock(r);
    if (ok) {
        *out = rows;
        *n = nrows;
    } else {
        free(rows);
    }
    return ok;
}

bool udb_version_sums(registry *r, int64_t version_id, int64_t since_minute, udb_row *out, perr *e) {
    memset(out, 0, sizeof *out);
    db *db = reg_lock(r);
    bool ok = false;
    db_stmt *st = prep(db, "SELECT " SUM_COLS " FROM usage_minute WHERE version_id=?1 AND minute>=?2", e);
    if (st) {
        db_bind_int64(st, 1, version_id);
        db_bind_int64(st, 2, since_minute);
        if (db_step(st) == DB_ROW) {
            load_sums(st, 0, out);
            ok = true;
        } else {
            fail(db, e, "usage read");
        }
    }
    db_finalize(st);
    reg_unlock(r);
    out->version_id = version_id;
    return ok;
}

bool udb_cost_since(registry *r, int64_t module_id, int64_t since_minute, double *cost, perr *e) {
    *cost = 0;
    db *db = reg_lock(r);
    bool ok = false;
    db_stmt *st = prep(db, "SELECT COALESCE(SUM(cost), 0.0) FROM usage_minute WHERE module_id=?1 AND minute>=?2", e);
    if (st) {
        db_bind_int64(st, 1, module_id);
        db_bind_int64(st, 2, since_minute);
        if (db_step(st) == DB_ROW) {
            *cost = db_column_double(st, 0);
            ok = true;
        } else {
            fail(db, e, "cost read");
        }
    }
    db_finalize(st);
    reg_unlock(r);
    return ok;
}

/* ---------------------------------------------------------------- modules */

bool udb_module(registry *r, const char *name, int64_t *module_id, int *live, bool *pinned, perr *e) {
    db *db = reg_lock(r);
    bool ok = false;
    db_stmt *st = prep(db,
                            "SELECT m.id, (SELECT v.number FROM aliases a JOIN versions v ON v.id=a.version_id "
                            "WHERE a.module_id=m.id AND a.name='live'), (SELECT pinned FROM aliases WHERE "
                            "module_id=m.id AND name='live') FROM modules m WHERE m.name=?1",
                            e);
    if (st) {
        db_bind_text(st, 1, name);
        int rc = db_step(st);
        if (rc == DB_ROW) {
            *module_id = db_column_int64(st, 0);
            if (live) *live = db_column_int(st, 1);
            if (pinned) *pinned = db_column_int(st, 2) != 0;
            ok = true;
        } else if (rc == DB_DONE) {
            perr_set(e, 404, "no module named '%s'", name);
        } else {
            fail(db, e, "module lookup");
        }
    }
    db_finalize(st);
    reg_unlock(r);
    return ok;
}

bool udb_modules(registry *r, udb_module_ref **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    db *db = reg_lock(r);
    bool ok = false;
    udb_module_ref *v = NULL;
    size_t cnt = 0, cap = 0;
    db_stmt *st = prep(db, "SELECT id, name FROM modules ORDER BY name", e);
    if (st) {
        int rc;
        ok = true;
        while ((rc = db_step(st)) == DB_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 16;
                udb_module_ref *nv = realloc(v, nc * sizeof *nv);
                if (!nv) { ok = perr_set(e, 503, "out of memory"); break; }
                v = nv;
                cap = nc;
            }
            v[cnt].id = db_column_int64(st, 0);
            snprintf(v[cnt].name, sizeof v[cnt].name, "%s", (const char *)db_column_text(st, 1));
            cnt++;
        }
        if (ok && rc != DB_DONE) ok = fail(db, e, "module list");
    }
    db_finalize(st);
    reg_unlock(r);
    if (ok) { *out = v; *n = cnt; }
    else free(v);
    return ok;
}

bool udb_version_name(registry *r, int64_t version_id, char module[72], int *number) {
    db *db = reg_lock(r);
    bool ok = false;
    db_stmt *st =
        prep(db, "SELECT m.name, v.number FROM versions v JOIN modules m ON m.id=v.module_id WHERE v.id=?1", NULL);
    if (st) {
        db_bind_int64(st, 1, version_id);
        if (db_step(st) == DB_ROW) {
            snprintf(module, 72, "%s", (const char *)db_column_text(st, 0));
            *number = db_column_int(st, 1);
            ok = true;
        }
    }
    db_finalize(st);
    reg_unlock(r);
    return ok;
}

int64_t udb_version_id(registry *r, int64_t module_id, int number) {
    db *db = reg_lock(r);
    int64_t id = -1;
    db_stmt *st = prep(db, "SELECT id FROM versions WHERE module_id=?1 AND number=?2", NULL);
    if (st) {
        db_bind_int64(st, 1, module_id);
        db_bind_int(st, 2, number);
        if (db_step(st) == DB_ROW) id = db_column_int64(st, 0);
    }
    db_finalize(st);
    reg_unlock(r);
    return id;
}

/* ---------------------------------------------------------------- policies */

bool udb_policy_get(registry *r, int64_t module_id, udb_policy *out, perr *e) {
    memset(out, 0, sizeof *out);
    db *db = reg_lock(r);
    bool ok = false;
    db_stmt *st = prep(db,
                            "SELECT rollback_spec, regression_threshold, budget_per_day, updated_at, updated_by "
                            "FROM policies WHERE module_id=?1",
                            e);
    if (st) {
        db_bind_int64(st, 1, module_id);
        int rc = db_step(st);
        if (rc == DB_ROW) {
            if (!db_column_null(st, 0)) {
                out->has_rollback = true;
                snprintf(out->rollback_spec, sizeof out->rollback_spec, "%s",
                         (const char *)db_column_text(st, 0));
            }
            if (!db_column_null(st, 1)) {
                out->has_threshold = true;
                out->threshold = db_column_double(st, 1);
            }
            if (!db_column_null(st, 2)) {
                out->has_budget = true;
                out->budget_per_day = db_column_double(st, 2);
            }
            out->updated_at = db_column_int64(st, 3);
            const char *by = (const char *)db_column_text(st, 4);
            snprintf(out->updated_by, sizeof out->updated_by, "%s", by ? by : "");
        }
        ok = rc == DB_ROW || rc == DB_DONE;
        if (!ok) fail(db, e, "policy read");
    }
    db_finalize(st);
    reg_unlock(r);
    return ok;
}

bool udb_policy_set(registry *r, int64_t module_id, const udb_policy *p, const char *actor, perr *e) {
    db *db = reg_lock(r);
    bool ok = false;
    db_stmt *st = prep(db,
                            "INSERT INTO policies(module_id, rollback_spec, regression_threshold, budget_per_day, "
                            "updated_at, updated_by) VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(module_id) DO UPDATE SET "
                            "rollback_spec=?2, regression_threshold=?3, budget_per_day=?4, updated_at=?5, "
                            "updated_by=?6",
                            e);
    if (st) {
        db_bind_int64(st, 1, module_id);
        if (p->has_rollback) db_bind_text(st, 2, p->rollback_spec);
        else db_bind_null(st, 2);
        if (p->has_threshold) db_bind_double(st, 3, p->threshold);
        else db_bind_null(st, 3);
        if (p->has_budget) db_bind_double(st, 4, p->budget_per_day);
        else db_bind_null(st, 4);
        db_bind_int64(st, 5, reg_now_ms());
        db_bind_text(st, 6, actor);
        ok = db_step(st) == DB_DONE;
        if (!ok) fail(db, e, "policy write");
    }
    db_finalize(st);
    reg_unlock(r);
    return ok;
}

/* ---------------------------------------------------------------- history */

bool udb_events(registry *r, int64_t module_id, dora_event **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    db *db = reg_lock(r);
    bool ok = false;
    dora_event *v = NULL;
    size_t cnt = 0, cap = 0;
    db_stmt *st = prep(db,
                            "SELECT at, action, alias, from_version, to_version, actor FROM history "
                            "WHERE module_id=?1 ORDER BY id",
                            e);
    if (st) {
        db_bind_int64(st, 1, module_id);
        int rc;
        ok = true;
        while ((rc = db_step(st)) == DB_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 32;
                dora_event *nv = realloc(v, nc * sizeof *nv);
                if (!nv) { ok = perr_set(e, 503, "out of memory"); break; }
                v = nv;
                cap = nc;
            }
            dora_event *d = &v[cnt++];
            memset(d, 0, sizeof *d);
            d->at_ms = db_column_int64(st, 0);
            const char *action = (const char *)db_column_text(st, 1);
            const char *alias = (const char *)db_column_text(st, 2);
            const char *actor = (const char *)db_column_text(st, 5);
            d->from = db_column_int(st, 3);
            d->to = db_column_int(st, 4);
            bool live = alias && !strcmp(alias, "live") && d->to > 0 && d->from != d->to;
            d->kind = EV_OTHER;
            if (live && action && !strcmp(action, "rollback")) d->kind = EV_ROLLBACK;
            else if (live) d->kind = EV_DEPLOY; /* deploy --promote, promote, pin */
            else if (action && !strcmp(action, "mark-failed")) d->kind = EV_MARK_FAILED;
            d->by_kiln = actor && !strcmp(actor, "kiln");
        }
        if (ok && rc != DB_DONE) ok = fail(db, e, "history read");
    }
    db_finalize(st);
    reg_unlock(r);
    if (ok) { *out = v; *n = cnt; }
    else free(v);
    return ok;
}

bool udb_versions(registry *r, int64_t module_id, dora_version **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    db *db = reg_lock(r);
    bool ok = false;
    dora_version *v = NULL;
    size_t cnt = 0, cap = 0;
    db_stmt *st = prep(db, "SELECT number, commit_time FROM versions WHERE module_id=?1 ORDER BY number", e);
    if (st) {
        db_bind_int64(st, 1, module_id);
        int rc;
        ok = true;
        while ((rc = db_step(st)) == DB_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 32;
                dora_version *nv = realloc(v, nc * sizeof *nv);
                if (!nv) { ok = perr_set(e, 503, "out of memory"); break; }
                v = nv;
                cap = nc;
            }
            dora_version *d = &v[cnt++];
            memset(d, 0, sizeof *d);
            d->number = db_column_int(st, 0);
            const char *ct = (const char *)db_column_text(st, 1);
            d->has_commit_time = ct && parse_iso8601_ms(ct, &d->commit_ms);
        }
        if (ok && rc != DB_DONE) ok = fail(db, e, "version read");
    }
    db_finalize(st);
    reg_unlock(r);
    if (ok) { *out = v; *n = cnt; }
    else free(v);
    return ok;
}

bool udb_regressions(registry *r, int64_t module_id, udb_flag **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    db *db = reg_lock(r);
    bool ok = false;
    udb_flag *v = NULL;
    size_t cnt = 0, cap = 0;
    db_stmt *st = prep(db,
                            "SELECT at, to_version, from_version, reason FROM history WHERE module_id=?1 AND "
                            "action='cost-regression' ORDER BY id DESC",
                            e);
    if (st) {
        db_bind_int64(st, 1, module_id);
        int rc;
        ok = true;
        while ((rc = db_step(st)) == DB_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 8;
                udb_flag *nv = realloc(v, nc * sizeof *nv);
                if (!nv) { ok = perr_set(e, 503, "out of memory"); break; }
                v = nv;
                cap = nc;
            }
            udb_flag *f = &v[cnt++];
            f->at_ms = db_column_int64(st, 0);
            f->version = db_column_int(st, 1);
            f->baseline = db_column_int(st, 2);
            const char *why = (const char *)db_column_text(st, 3);
            snprintf(f->reason, sizeof f->reason, "%s", why ? why : "");
        }
        if (ok && rc != DB_DONE) ok = fail(db, e, "history read");
    }
    db_finalize(st);
    reg_unlock(r);
    if (ok) { *out = v; *n = cnt; }
    else free(v);
    return ok;
}

bool udb_last_action_at(registry *r, int64_t module_id, const char *action, int64_t *at_ms, perr *e) {
    *at_ms = 0;
    db *db = reg_lock(r);
    bool ok = false;
    db_stmt *st = prep(db, "SELECT COALESCE(MAX(at), 0) FROM history WHERE module_id=?1 AND action=?2", e);
    if (st) {
        db_bind_int64(st, 1, module_id);
        db_bind_text(st, 2, action);
        if (db_step(st) == DB_ROW) {
            *at_ms = db_column_int64(st, 0);
            ok = true;
        } else {
            fail(db, e, "history read");
        }
    }
    db_finalize(st);
    reg_unlock(r);
    return ok;
}

bool udb_last_live_change(registry *r, int64_t module_id, udb_live_change *out, perr *e) {
    memset(out, 0, sizeof *out);
    db *db = reg_lock(r);
    bool found = false;
    db_stmt *st = prep(db,
                            "SELECT at, action, actor, from_version, to_version FROM history "
                            "WHERE module_id=?1 AND alias='live' ORDER BY id DESC LIMIT 1",
                            e);
    if (st) {
        db_bind_int64(st, 1, module_id);
        int rc = db_step(st);
        if (rc == DB_ROW) {
            const char *action = (const char *)db_column_text(st, 1);
            const char *actor = (const char *)db_column_text(st, 2);
            out->at_ms = db_column_int64(st, 0);
            snprintf(out->action, sizeof out->action, "%s", action ? action : "");
            out->by_kiln = actor && !strcmp(actor, "kiln");
            out->from = db_column_int(st, 3);
            out->to = db_column_int(st, 4);
            found = true;
        } else if (rc != DB_DONE) {
            fail(db, e, "history read");
        }
    }
    db_finalize(st);
    reg_unlock(r);
    return found;
}
