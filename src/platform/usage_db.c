/* usage_db.c — see usage_db.h. SQL over the tables of migration 2 and the
 * history; the registry's lock is held for each call (reg_lock). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "platform/usage_db.h"

static bool fail(sqlite3 *db, perr *e, const char *what) {
    return perr_set(e, 500, "registry: %s: %s", what, sqlite3_errmsg(db));
}

static bool exec(sqlite3 *db, const char *sql, perr *e) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        perr_set(e, 500, "registry: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return false;
    }
    return true;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql, perr *e) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(db, e, "prepare");
        return NULL;
    }
    return st;
}

/* ---------------------------------------------------------------- writing */

bool udb_write(registry *r, const udb_row *rows, size_t n, perr *e) {
    if (!n) return true;
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    sqlite3_stmt *su = NULL, *sh = NULL;
    /* Usage is not worth an fsync per flush: in WAL mode NORMAL keeps every
     * commit safe from a crash of kiln and loses at most the last flushes on
     * a power cut, and the next FULL commit (any admin change) syncs them.
     * The connection goes back to FULL before anyone else uses it. */
    if (!exec(db, "PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE;", e)) goto out;
    su = prep(db,
              "INSERT INTO usage_minute(module_id, version_id, minute, requests, traps, errors, metered, latency_ns, "
              "instructions, cpu_ns, wall_ns, gib_seconds, peak_memory_sum, peak_memory_max, request_bytes, "
              "response_bytes, io_bytes, cost, compute_cost, cpu_samples) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
              "?12,?13,?14,?15,?16,?17,?18,?19,?20) ON CONFLICT(module_id, version_id, minute) DO UPDATE SET "
              "requests=requests+?4, traps=traps+?5, errors=errors+?6, metered=metered+?7, "
              "latency_ns=latency_ns+?8, instructions=instructions+?9, cpu_ns=cpu_ns+?10, wall_ns=wall_ns+?11, "
              "gib_seconds=gib_seconds+?12, peak_memory_sum=peak_memory_sum+?13, "
              "peak_memory_max=MAX(peak_memory_max, ?14), request_bytes=request_bytes+?15, "
              "response_bytes=response_bytes+?16, io_bytes=io_bytes+?17, cost=cost+?18, "
              "compute_cost=compute_cost+?19, cpu_samples=cpu_samples+?20",
              e);
    sh = prep(db,
              "INSERT INTO usage_latency(module_id, version_id, minute, bucket, count) VALUES(?1,?2,?3,?4,?5) "
              "ON CONFLICT(module_id, version_id, minute, bucket) DO UPDATE SET count=count+?5",
              e);
    if (!su || !sh) goto rollback;
    for (size_t i = 0; i < n; i++) {
        const udb_row *w = &rows[i];
        sqlite3_bind_int64(su, 1, w->module_id);
        sqlite3_bind_int64(su, 2, w->version_id);
        sqlite3_bind_int64(su, 3, w->minute);
        const uint64_t ints[] = {w->requests, w->traps, w->errors, w->metered, w->latency_ns, w->instructions,
                                 w->cpu_ns, w->wall_ns};
        for (int k = 0; k < 8; k++) sqlite3_bind_int64(su, 4 + k, (int64_t)ints[k]);
        sqlite3_bind_double(su, 12, w->gib_seconds);
        sqlite3_bind_int64(su, 13, (int64_t)w->peak_sum);
        sqlite3_bind_int64(su, 14, (int64_t)w->peak_max);
        sqlite3_bind_int64(su, 15, (int64_t)w->request_bytes);
        sqlite3_bind_int64(su, 16, (int64_t)w->response_bytes);
        sqlite3_bind_int64(su, 17, (int64_t)w->io_bytes);
        sqlite3_bind_double(su, 18, w->cost);
        sqlite3_bind_double(su, 19, w->compute_cost);
        sqlite3_bind_int64(su, 20, (int64_t)w->cpu_samples);
        if (sqlite3_step(su) != SQLITE_DONE) { fail(db, e, "usage write"); goto rollback; }
        sqlite3_reset(su);
        for (int b = 0; b < LAT_BUCKETS; b++) {
            if (!w->hist[b]) continue;
            sqlite3_bind_int64(sh, 1, w->module_id);
            sqlite3_bind_int64(sh, 2, w->version_id);
            sqlite3_bind_int64(sh, 3, w->minute);
            sqlite3_bind_int(sh, 4, b);
            sqlite3_bind_int64(sh, 5, (int64_t)w->hist[b]);
            if (sqlite3_step(sh) != SQLITE_DONE) { fail(db, e, "latency write"); goto rollback; }
            sqlite3_reset(sh);
        }
    }
    ok = exec(db, "COMMIT;", e);
    if (ok) goto out;
rollback:
    exec(db, "ROLLBACK;", NULL);
out:
    sqlite3_finalize(su);
    sqlite3_finalize(sh);
    exec(db, "PRAGMA synchronous=FULL;", NULL);
    reg_unlock(r);
    return ok;
}

/* ---------------------------------------------------------------- reading */

#define SUM_COLS                                                                                              \
    "SUM(requests), SUM(traps), SUM(errors), SUM(metered), SUM(latency_ns), SUM(instructions), SUM(cpu_ns), " \
    "SUM(wall_ns), SUM(gib_seconds), SUM(peak_memory_sum), MAX(peak_memory_max), SUM(request_bytes), "        \
    "SUM(response_bytes), SUM(io_bytes), SUM(cost), SUM(compute_cost), MIN(minute), MAX(minute), SUM(cpu_samples)"

static void load_sums(sqlite3_stmt *st, int c, udb_row *w) {
    uint64_t *f[] = {&w->requests, &w->traps, &w->errors, &w->metered, &w->latency_ns, &w->instructions,
                     &w->cpu_ns, &w->wall_ns};
    for (int k = 0; k < 8; k++) *f[k] = (uint64_t)sqlite3_column_int64(st, c + k);
    w->gib_seconds = sqlite3_column_double(st, c + 8);
    w->peak_sum = (uint64_t)sqlite3_column_int64(st, c + 9);
    w->peak_max = (uint64_t)sqlite3_column_int64(st, c + 10);
    w->request_bytes = (uint64_t)sqlite3_column_int64(st, c + 11);
    w->response_bytes = (uint64_t)sqlite3_column_int64(st, c + 12);
    w->io_bytes = (uint64_t)sqlite3_column_int64(st, c + 13);
    w->cost = sqlite3_column_double(st, c + 14);
    w->compute_cost = sqlite3_column_double(st, c + 15);
    w->first_minute = sqlite3_column_int64(st, c + 16);
    w->last_minute = sqlite3_column_int64(st, c + 17);
    w->cpu_samples = (uint64_t)sqlite3_column_int64(st, c + 18);
}

bool udb_sums(registry *r, int64_t module_id, int64_t since_minute, udb_group g, udb_row **out, size_t *n,
              perr *e) {
    *out = NULL;
    *n = 0;
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    udb_row *rows = NULL;
    size_t nrows = 0, cap = 0;
    sqlite3_stmt *sh = NULL;
    sqlite3_stmt *st = prep(db,
                            g == UDB_BY_VERSION
                                ? "SELECT u.version_id, v.number, " SUM_COLS " FROM usage_minute u JOIN versions v "
                                  "ON v.id=u.version_id WHERE u.module_id=?1 AND u.minute>=?2 GROUP BY u.version_id "
                                  "ORDER BY v.number"
                                : "SELECT minute/1440, 0, " SUM_COLS " FROM usage_minute WHERE module_id=?1 AND "
                                  "minute>=?2 GROUP BY minute/1440 ORDER BY minute/1440",
                            e);
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, module_id);
    sqlite3_bind_int64(st, 2, since_minute);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (nrows == cap) {
            size_t nc = cap ? cap * 2 : 8;
            udb_row *nr = realloc(rows, nc * sizeof *nr);
            if (!nr) { perr_set(e, 500, "out of memory"); goto out; }
            rows = nr;
            cap = nc;
        }
        udb_row *w = &rows[nrows++];
        memset(w, 0, sizeof *w);
        w->module_id = module_id;
        if (g == UDB_BY_VERSION) {
            w->version_id = sqlite3_column_int64(st, 0);
            w->version = sqlite3_column_int(st, 1);
        } else {
            w->day = sqlite3_column_int64(st, 0);
        }
        load_sums(st, 2, w);
    }
    if (rc != SQLITE_DONE) { fail(db, e, "usage read"); goto out; }
    sh = prep(db,
              g == UDB_BY_VERSION
                  ? "SELECT version_id, bucket, SUM(count) FROM usage_latency WHERE module_id=?1 AND minute>=?2 "
                    "GROUP BY version_id, bucket"
                  : "SELECT minute/1440, bucket, SUM(count) FROM usage_latency WHERE module_id=?1 AND minute>=?2 "
                    "GROUP BY minute/1440, bucket",
              e);
    if (!sh) goto out;
    sqlite3_bind_int64(sh, 1, module_id);
    sqlite3_bind_int64(sh, 2, since_minute);
    while ((rc = sqlite3_step(sh)) == SQLITE_ROW) {
        int64_t key = sqlite3_column_int64(sh, 0);
        int b = sqlite3_column_int(sh, 1);
        if (b < 0 || b >= LAT_BUCKETS) continue;
        for (size_t i = 0; i < nrows; i++)
            if ((g == UDB_BY_VERSION ? rows[i].version_id : rows[i].day) == key) {
                rows[i].hist[b] += (uint64_t)sqlite3_column_int64(sh, 2);
                break;
            }
    }
    if (rc != SQLITE_DONE) { fail(db, e, "latency read"); goto out; }
    ok = true;
out:
    sqlite3_finalize(st);
    sqlite3_finalize(sh);
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
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    sqlite3_stmt *st = prep(db, "SELECT " SUM_COLS " FROM usage_minute WHERE version_id=?1 AND minute>=?2", e);
    if (st) {
        sqlite3_bind_int64(st, 1, version_id);
        sqlite3_bind_int64(st, 2, since_minute);
        if (sqlite3_step(st) == SQLITE_ROW) {
            load_sums(st, 0, out);
            ok = true;
        } else {
            fail(db, e, "usage read");
        }
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    out->version_id = version_id;
    return ok;
}

bool udb_cost_since(registry *r, int64_t module_id, int64_t since_minute, double *cost, perr *e) {
    *cost = 0;
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    sqlite3_stmt *st = prep(db, "SELECT TOTAL(cost) FROM usage_minute WHERE module_id=?1 AND minute>=?2", e);
    if (st) {
        sqlite3_bind_int64(st, 1, module_id);
        sqlite3_bind_int64(st, 2, since_minute);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *cost = sqlite3_column_double(st, 0);
            ok = true;
        } else {
            fail(db, e, "cost read");
        }
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    return ok;
}

/* ---------------------------------------------------------------- modules */

bool udb_module(registry *r, const char *name, int64_t *module_id, int *live, bool *pinned, perr *e) {
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    sqlite3_stmt *st = prep(db,
                            "SELECT m.id, (SELECT v.number FROM aliases a JOIN versions v ON v.id=a.version_id "
                            "WHERE a.module_id=m.id AND a.name='live'), (SELECT pinned FROM aliases WHERE "
                            "module_id=m.id AND name='live') FROM modules m WHERE m.name=?1",
                            e);
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *module_id = sqlite3_column_int64(st, 0);
            if (live) *live = sqlite3_column_int(st, 1);
            if (pinned) *pinned = sqlite3_column_int(st, 2) != 0;
            ok = true;
        } else if (rc == SQLITE_DONE) {
            perr_set(e, 404, "no module named '%s'", name);
        } else {
            fail(db, e, "module lookup");
        }
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    return ok;
}

bool udb_modules(registry *r, udb_module_ref **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    udb_module_ref *v = NULL;
    size_t cnt = 0, cap = 0;
    sqlite3_stmt *st = prep(db, "SELECT id, name FROM modules ORDER BY name", e);
    if (st) {
        int rc;
        ok = true;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 16;
                udb_module_ref *nv = realloc(v, nc * sizeof *nv);
                if (!nv) { ok = perr_set(e, 500, "out of memory"); break; }
                v = nv;
                cap = nc;
            }
            v[cnt].id = sqlite3_column_int64(st, 0);
            snprintf(v[cnt].name, sizeof v[cnt].name, "%s", (const char *)sqlite3_column_text(st, 1));
            cnt++;
        }
        if (ok && rc != SQLITE_DONE) ok = fail(db, e, "module list");
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    if (ok) { *out = v; *n = cnt; }
    else free(v);
    return ok;
}

bool udb_version_name(registry *r, int64_t version_id, char module[72], int *number) {
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    sqlite3_stmt *st =
        prep(db, "SELECT m.name, v.number FROM versions v JOIN modules m ON m.id=v.module_id WHERE v.id=?1", NULL);
    if (st) {
        sqlite3_bind_int64(st, 1, version_id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(module, 72, "%s", (const char *)sqlite3_column_text(st, 0));
            *number = sqlite3_column_int(st, 1);
            ok = true;
        }
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    return ok;
}

int64_t udb_version_id(registry *r, int64_t module_id, int number) {
    sqlite3 *db = reg_lock(r);
    int64_t id = -1;
    sqlite3_stmt *st = prep(db, "SELECT id FROM versions WHERE module_id=?1 AND number=?2", NULL);
    if (st) {
        sqlite3_bind_int64(st, 1, module_id);
        sqlite3_bind_int(st, 2, number);
        if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    return id;
}

/* ---------------------------------------------------------------- policies */

bool udb_policy_get(registry *r, int64_t module_id, udb_policy *out, perr *e) {
    memset(out, 0, sizeof *out);
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    sqlite3_stmt *st = prep(db,
                            "SELECT rollback_spec, regression_threshold, budget_per_day, updated_at, updated_by "
                            "FROM policies WHERE module_id=?1",
                            e);
    if (st) {
        sqlite3_bind_int64(st, 1, module_id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
                out->has_rollback = true;
                snprintf(out->rollback_spec, sizeof out->rollback_spec, "%s",
                         (const char *)sqlite3_column_text(st, 0));
            }
            if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
                out->has_threshold = true;
                out->threshold = sqlite3_column_double(st, 1);
            }
            if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
                out->has_budget = true;
                out->budget_per_day = sqlite3_column_double(st, 2);
            }
            out->updated_at = sqlite3_column_int64(st, 3);
            const char *by = (const char *)sqlite3_column_text(st, 4);
            snprintf(out->updated_by, sizeof out->updated_by, "%s", by ? by : "");
        }
        ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
        if (!ok) fail(db, e, "policy read");
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    return ok;
}

bool udb_policy_set(registry *r, int64_t module_id, const udb_policy *p, const char *actor, perr *e) {
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    sqlite3_stmt *st = prep(db,
                            "INSERT INTO policies(module_id, rollback_spec, regression_threshold, budget_per_day, "
                            "updated_at, updated_by) VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(module_id) DO UPDATE SET "
                            "rollback_spec=?2, regression_threshold=?3, budget_per_day=?4, updated_at=?5, "
                            "updated_by=?6",
                            e);
    if (st) {
        sqlite3_bind_int64(st, 1, module_id);
        if (p->has_rollback) sqlite3_bind_text(st, 2, p->rollback_spec, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, 2);
        if (p->has_threshold) sqlite3_bind_double(st, 3, p->threshold);
        else sqlite3_bind_null(st, 3);
        if (p->has_budget) sqlite3_bind_double(st, 4, p->budget_per_day);
        else sqlite3_bind_null(st, 4);
        sqlite3_bind_int64(st, 5, reg_now_ms());
        sqlite3_bind_text(st, 6, actor, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        if (!ok) fail(db, e, "policy write");
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    return ok;
}

/* ---------------------------------------------------------------- history */

bool udb_events(registry *r, int64_t module_id, dora_event **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    dora_event *v = NULL;
    size_t cnt = 0, cap = 0;
    sqlite3_stmt *st = prep(db,
                            "SELECT at, action, alias, from_version, to_version, actor FROM history "
                            "WHERE module_id=?1 ORDER BY id",
                            e);
    if (st) {
        sqlite3_bind_int64(st, 1, module_id);
        int rc;
        ok = true;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 32;
                dora_event *nv = realloc(v, nc * sizeof *nv);
                if (!nv) { ok = perr_set(e, 500, "out of memory"); break; }
                v = nv;
                cap = nc;
            }
            dora_event *d = &v[cnt++];
            memset(d, 0, sizeof *d);
            d->at_ms = sqlite3_column_int64(st, 0);
            const char *action = (const char *)sqlite3_column_text(st, 1);
            const char *alias = (const char *)sqlite3_column_text(st, 2);
            const char *actor = (const char *)sqlite3_column_text(st, 5);
            d->from = sqlite3_column_int(st, 3);
            d->to = sqlite3_column_int(st, 4);
            bool live = alias && !strcmp(alias, "live") && d->to > 0 && d->from != d->to;
            d->kind = EV_OTHER;
            if (live && action && !strcmp(action, "rollback")) d->kind = EV_ROLLBACK;
            else if (live) d->kind = EV_DEPLOY; /* deploy --promote, promote, pin */
            else if (action && !strcmp(action, "mark-failed")) d->kind = EV_MARK_FAILED;
            d->by_kiln = actor && !strcmp(actor, "kiln");
        }
        if (ok && rc != SQLITE_DONE) ok = fail(db, e, "history read");
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    if (ok) { *out = v; *n = cnt; }
    else free(v);
    return ok;
}

bool udb_versions(registry *r, int64_t module_id, dora_version **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    dora_version *v = NULL;
    size_t cnt = 0, cap = 0;
    sqlite3_stmt *st = prep(db, "SELECT number, commit_time FROM versions WHERE module_id=?1 ORDER BY number", e);
    if (st) {
        sqlite3_bind_int64(st, 1, module_id);
        int rc;
        ok = true;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 32;
                dora_version *nv = realloc(v, nc * sizeof *nv);
                if (!nv) { ok = perr_set(e, 500, "out of memory"); break; }
                v = nv;
                cap = nc;
            }
            dora_version *d = &v[cnt++];
            memset(d, 0, sizeof *d);
            d->number = sqlite3_column_int(st, 0);
            const char *ct = (const char *)sqlite3_column_text(st, 1);
            d->has_commit_time = ct && parse_iso8601_ms(ct, &d->commit_ms);
        }
        if (ok && rc != SQLITE_DONE) ok = fail(db, e, "version read");
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    if (ok) { *out = v; *n = cnt; }
    else free(v);
    return ok;
}

bool udb_regressions(registry *r, int64_t module_id, udb_flag **out, size_t *n, perr *e) {
    *out = NULL;
    *n = 0;
    sqlite3 *db = reg_lock(r);
    bool ok = false;
    udb_flag *v = NULL;
    size_t cnt = 0, cap = 0;
    sqlite3_stmt *st = prep(db,
                            "SELECT at, to_version, from_version, reason FROM history WHERE module_id=?1 AND "
                            "action='cost-regression' ORDER BY id DESC",
                            e);
    if (st) {
        sqlite3_bind_int64(st, 1, module_id);
        int rc;
        ok = true;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? cap * 2 : 8;
                udb_flag *nv = realloc(v, nc * sizeof *nv);
                if (!nv) { ok = perr_set(e, 500, "out of memory"); break; }
                v = nv;
                cap = nc;
            }
            udb_flag *f = &v[cnt++];
            f->at_ms = sqlite3_column_int64(st, 0);
            f->version = sqlite3_column_int(st, 1);
            f->baseline = sqlite3_column_int(st, 2);
            const char *why = (const char *)sqlite3_column_text(st, 3);
            snprintf(f->reason, sizeof f->reason, "%s", why ? why : "");
        }
        if (ok && rc != SQLITE_DONE) ok = fail(db, e, "history read");
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    if (ok) { *out = v; *n = cnt; }
    else free(v);
    return ok;
}

bool udb_last_live_change(registry *r, int64_t module_id, udb_live_change *out, perr *e) {
    memset(out, 0, sizeof *out);
    sqlite3 *db = reg_lock(r);
    bool found = false;
    sqlite3_stmt *st = prep(db,
                            "SELECT at, action, actor, from_version, to_version FROM history "
                            "WHERE module_id=?1 AND alias='live' ORDER BY id DESC LIMIT 1",
                            e);
    if (st) {
        sqlite3_bind_int64(st, 1, module_id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *action = (const char *)sqlite3_column_text(st, 1);
            const char *actor = (const char *)sqlite3_column_text(st, 2);
            out->at_ms = sqlite3_column_int64(st, 0);
            snprintf(out->action, sizeof out->action, "%s", action ? action : "");
            out->by_kiln = actor && !strcmp(actor, "kiln");
            out->from = sqlite3_column_int(st, 3);
            out->to = sqlite3_column_int(st, 4);
            found = true;
        } else if (rc != SQLITE_DONE) {
            fail(db, e, "history read");
        }
    }
    sqlite3_finalize(st);
    reg_unlock(r);
    return found;
}
