/* agg.c — usage aggregation and probation (see agg.h).
 *
 * The request path's share is agg_push: one ~100-byte copy into a buffer
 * under a mutex, plus two counters when the version is on probation. All
 * the rest (folding, histogram buckets, prices, SQL, judging) runs on the
 * aggregation thread.
 *
 * Probation: after a promote the new version is watched. With an
 * auto-rollback policy, the request path counts its requests and traps and
 * wakes the thread as soon as the verdict is certain (delivery_calc.c,
 * rollback_rule_judge), so a bad version is rolled back within
 * milliseconds, not at the next flush. The cost-regression check waits
 * for REGRESSION_MIN_REQUESTS metered requests of the new version and
 * compares its compute cost per request with the previous live version's. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/agg.h"
#include "platform/budget.h"
#include "platform/delivery_calc.h"
#include "platform/server.h"
#include "platform/usage_db.h"

#define MAX_BUFFERED (1u << 20)      /* records held at most while the registry lags */
#define MAX_PROBATION 64             /* modules on probation at once */
#define REGRESSION_MIN_REQUESTS 100  /* metered requests of the new version */
#define REGRESSION_MIN_BASELINE 10   /* metered requests of the previous one */
#define MAX_PENDING_ROWS 100000      /* folded rows kept for a retry after a failed write */

typedef struct rec {
    int64_t module_id, version_id, start_ms;
    uint64_t total_ns, instructions, cpu_ns, wall_ns, peak, io, req_bytes, resp_bytes;
    double gib;
    double cost, compute;     /* filled by the thread */
    uint16_t status;
    uint8_t trap, metered, cpu_measured;
} rec;

/* A version's CPU per request so far (measured samples), for the requests
 * whose CPU was not measured. Thread only. */
typedef struct cpu_mean {
    int64_t version_id;
    uint64_t ns, samples;
} cpu_mean;

typedef struct probation {
    bool active;
    uint64_t gen;             /* bumped when the slot is reused */
    char module[72];
    int64_t module_id, version_id;
    int version, baseline;    /* baseline: live before the promote (0: none) */
    int64_t since_ms;
    /* auto-rollback: counted on the request path */
    bool rollback, rollback_done, early;
    rollback_rule rule;
    char rule_text[96];
    uint64_t requests, traps; /* traps: the failures the rule counts (traps, or every 5xx) */
    uint64_t *hist;           /* p99 rules: the version's latency histogram (LAT_BUCKETS), thread-filled */
    /* cost regression: accumulated by the thread */
    bool regression_pending;
    double threshold;
    uint64_t reg_requests, reg_instr, reg_cpu_ns, reg_cpu_n;
    double reg_compute;
} probation;

typedef struct counter {
    int64_t version_id;
    char module[72];
    int version;
    uint64_t requests, instructions;
    double cost, cpu_s, gib_s;
} counter;

typedef struct module_counter {
    char module[72];
    uint64_t auto_rollbacks;
} module_counter;

struct agg {
    server *s;
    agg_config cfg;
    pthread_mutex_t lock;     /* buffer, probation, flush generations */
    pthread_cond_t wake, done;
    rec *buf, *spare;
    size_t n, cap, spare_cap;
    bool stop;
    uint64_t flush_requested, flush_done;
    probation prob[MAX_PROBATION];
    size_t nprob_active;
    uint64_t next_gen;
    pthread_t thread;
    bool started;
    udb_row *pending;         /* rows whose write failed, retried next time (thread only) */
    size_t npending;
    cpu_mean *means;          /* thread only */
    size_t nmeans, capmeans;
    /* metrics: written by the thread, read by scrapes */
    pthread_mutex_t mlock;
    counter *ctr;
    size_t nctr, capctr;
    module_counter *mctr;
    size_t nmctr, capmctr;
    uint64_t dropped, flushes, flush_errors, lost_rows;
    bool last_write_failed;
    int last_write_status;   /* its perr status: 503 when out of memory or the registry is down */
    budget_watch *budgets;    /* thread only */
};

/* ---------------------------------------------------------------- cost */

void agg_cost(const kiln_prices *p, uint64_t instructions, uint64_t cpu_ns, double gib_seconds, uint64_t io_bytes,
              double *total, double *compute) {
    kiln_usage u;
    memset(&u, 0, sizeof u);
    u.instructions = instructions;
    u.cpu_ns = cpu_ns;
    u.memory_gib_seconds = gib_seconds;
    u.stdin_bytes = io_bytes; /* only the sum of the I/O fields is priced */
    kiln_cost c;
    kiln_cost_of(&u, p, &c);
    *total = c.per_call;
    *compute = c.memory + c.cpu + c.instructions + c.io;
}

const kiln_prices *agg_prices(const agg *a) { return &a->cfg.prices; }
double agg_default_threshold(const agg *a) { return a->cfg.regression_threshold; }

/* ---------------------------------------------------------------- the request path */

void agg_push(agg *a, const usage_record *u) {
    rec r = {
        .module_id = u->module_id, .version_id = u->version_id, .start_ms = u->start_unix_ms,
        .total_ns = u->total_ns, .req_bytes = u->request_bytes, .resp_bytes = u->response_bytes,
        .status = (uint16_t)u->status, .trap = u->trap != KILN_TRAP_NONE,
    };
    if (!r.version_id) return; /* resolved no version: nothing to charge it to */
    if (u->meter) {
        r.metered = 1;
        r.cpu_measured = u->cpu_measured;
        r.instructions = u->meter->instructions;
        r.cpu_ns = u->meter->cpu_ns;
        r.wall_ns = u->meter->wall_ns;
        r.peak = u->meter->peak_memory_bytes;
        r.gib = u->meter->memory_gib_seconds;
        r.io = kiln_usage_io_bytes(u->meter);
    }
    bool wake = false;
    pthread_mutex_lock(&a->lock);
    if (a->n == a->cap) {
        /* The thread is behind (a slow disk): grow rather than lose, up to
         * a bound; past it records are counted as dropped. */
        size_t nc = a->cap * 2;
        rec *nb = nc <= MAX_BUFFERED ? realloc(a->buf, nc * sizeof *nb) : NULL;
        if (nb) { a->buf = nb; a->cap = nc; }
    }
    if (a->n < a->cap) {
        a->buf[a->n++] = r;
        wake = a->n == a->cfg.flush_records;
    } else {
        a->dropped++;
    }
    for (size_t i = 0; a->nprob_active && i < MAX_PROBATION; i++) {
        probation *p = &a->prob[i];
        if (!p->active || !p->rollback || p->rollback_done || p->early || p->version_id != r.version_id ||
            r.start_ms < p->since_ms)
            continue;
        if (p->rule.requests && p->requests >= p->rule.requests) continue; /* only the first N count */
        p->requests++;
        p->traps += p->rule.errors ? (r.trap || r.status >= 500) : r.trap;
        if (rollback_rule_judge(&p->rule, p->requests, p->traps, r.start_ms - p->since_ms) != PROBATION_GOING) {
            p->early = true;
            wake = true;
        }
    }
    pthread_mutex_unlock(&a->lock);
    if (wake) pthread_cond_signal(&a->wake);
}

/* ---------------------------------------------------------------- folding and writing */

/* The rows of one flush, found by (module, version, minute): open
 * addressing over a power-of-two table of row indexes (+1; 0 is empty). */
typedef struct rowmap {
    uint32_t *slot;
    size_t mask;
} rowmap;

static size_t row_hash(int64_t module_id, int64_t version_id, int64_t minute) {
    uint64_t h = (uint64_t)module_id * 0x9E3779B97F4A7C15u ^ (uint64_t)version_id * 0xC2B2AE3D27D4EB4Fu ^
                 (uint64_t)minute * 0x165667B19E3779F9u;
    return (size_t)(h ^ h >> 29);
}

static counter *counter_for(agg *a, const rec *r) {
    for (size_t i = 0; i < a->nctr; i++)
        if (a->ctr[i].version_id == r->version_id) return &a->ctr[i];
    return NULL;
}

/* Names for the metrics of versions first seen in this batch. */
static void add_counter(agg *a, int64_t version_id, const char *module, int version) {
    pthread_mutex_lock(&a->mlock);
    bool have = false;
    for (size_t i = 0; i < a->nctr && !have; i++) have = a->ctr[i].version_id == version_id;
    if (!have && a->nctr == a->capctr) {
        size_t nc = a->capctr ? a->capctr * 2 : 16;
        counter *n = realloc(a->ctr, nc * sizeof *n);
        if (n) { a->ctr = n; a->capctr = nc; }
    }
    if (!have && a->nctr < a->capctr) {
        counter *c = &a->ctr[a->nctr++];
        memset(c, 0, sizeof *c);
        c->version_id = version_id;
        snprintf(c->module, sizeof c->module, "%s", module);
        c->version = version;
    }
    pthread_mutex_unlock(&a->mlock);
}

/* The names of the module and version behind a version id, for metrics. */
static void name_version(agg *a, int64_t version_id, char module[72], int *version) {
    if (!udb_version_name(a->s->reg, version_id, module, version)) {
        snprintf(module, 72, "?");
        *version = 0;
    }
}

static cpu_mean *mean_for(agg *a, int64_t version_id) {
    for (size_t i = 0; i < a->nmeans; i++)
        if (a->means[i].version_id == version_id) return &a->means[i];
    if (a->nmeans == a->capmeans) {
        size_t nc = a->capmeans ? a->capmeans * 2 : 16;
        cpu_mean *nm = realloc(a->means, nc * sizeof *nm);
        if (!nm) return NULL;
        a->means = nm;
        a->capmeans = nc;
    }
    cpu_mean *m = &a->means[a->nmeans++];
    *m = (cpu_mean){.version_id = version_id};
    return m;
}

/* Prices every record: CPU where measured, else the version's mean CPU
 * per request over every sample since the server started (this batch's
 * included). */
static void price(agg *a, rec *batch, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (batch[i].cpu_measured) {
            cpu_mean *m = mean_for(a, batch[i].version_id);
            if (m) { m->ns += batch[i].cpu_ns; m->samples++; }
        }
    for (size_t i = 0; i < n; i++) {
        rec *r = &batch[i];
        uint64_t cpu = r->cpu_ns;
        if (r->metered && !r->cpu_measured) {
            cpu_mean *m = mean_for(a, r->version_id);
            cpu = m && m->samples ? m->ns / m->samples : 0;
        }
        agg_cost(&a->cfg.prices, r->instructions, cpu, r->gib, r->io, &r->cost, &r->compute);
    }
}

/* True when the batch's usage is in the registry. */
static bool fold_and_write(agg *a, rec *batch, size_t n) {
    if (!n && !a->npending) return true;
    price(a, batch, n);
    /* One pass: each record is added to its (module, version, minute) row,
     * found through a hash map. A batch has few distinct keys (versions x
     * minutes) and a row is big (its latency histogram), so rows grow as
     * keys appear. */
    size_t cap = a->npending + 8;
    udb_row *rows = calloc(cap, sizeof *rows);
    rowmap map = {0};
    size_t slots = 16;
    while (slots < 2 * n) slots *= 2;
    if (n) map.slot = calloc(slots, sizeof *map.slot);
    map.mask = slots - 1;
    if (!rows || (n && !map.slot)) { /* out of memory: the records of this batch are lost, and say so */
        free(rows);
        free(map.slot);
        pthread_mutex_lock(&a->mlock);
        a->lost_rows += n;
        pthread_mutex_unlock(&a->mlock);
        return false;
    }
    if (a->npending) memcpy(rows, a->pending, a->npending * sizeof *rows);
    size_t first_new = a->npending, k = a->npending;
    udb_row *w = NULL;
    for (size_t i = 0; i < n; i++) {
        const rec *r = &batch[i];
        int64_t minute = r->start_ms / 60000;
        if (!w || w->version_id != r->version_id || w->module_id != r->module_id || w->minute != minute) {
            size_t h = row_hash(r->module_id, r->version_id, minute) & map.mask;
            for (;; h = (h + 1) & map.mask) {
                if (!map.slot[h]) {
                    if (k == cap) {
                        udb_row *nr = realloc(rows, 2 * cap * sizeof *rows);
                        if (!nr) { w = NULL; break; }
                        memset(nr + cap, 0, cap * sizeof *nr);
                        rows = nr;
                        cap *= 2;
                    }
                    w = &rows[k];
                    map.slot[h] = (uint32_t)(++k - first_new);
                    w->module_id = r->module_id;
                    w->version_id = r->version_id;
                    w->minute = minute;
                    break;
                }
                w = &rows[first_new + map.slot[h] - 1];
                if (w->version_id == r->version_id && w->module_id == r->module_id && w->minute == minute) break;
            }
            if (!w) { /* out of memory for a new row: this record is lost, and counted */
                pthread_mutex_lock(&a->mlock);
                a->lost_rows++;
                pthread_mutex_unlock(&a->mlock);
                continue;
            }
        }
        w->requests++;
        w->traps += r->trap;
        w->errors += r->status >= 500;
        w->metered += r->metered;
        w->latency_ns += r->total_ns;
        w->instructions += r->instructions;
        if (r->cpu_measured) {
            w->cpu_ns += r->cpu_ns;
            w->cpu_samples++;
        }
        w->wall_ns += r->wall_ns;
        w->gib_seconds += r->gib;
        w->peak_sum += r->peak;
        if (r->peak > w->peak_max) w->peak_max = r->peak;
        w->request_bytes += r->req_bytes;
        w->response_bytes += r->resp_bytes;
        w->io_bytes += r->io;
        w->cost += r->cost;
        w->compute_cost += r->compute;
        w->hist[lat_bucket(r->total_ns)]++;
    }
    free(map.slot);
    /* Versions first seen in this batch get names for the metrics. */
    for (size_t i = first_new; i < k; i++) {
        if (i > first_new && rows[i].version_id == rows[i - 1].version_id) continue;
        pthread_mutex_lock(&a->mlock);
        bool known = counter_for(a, &(rec){.version_id = rows[i].version_id}) != NULL;
        pthread_mutex_unlock(&a->mlock);
        if (!known) {
            char module[72];
            int version;
            name_version(a, rows[i].version_id, module, &version);
            add_counter(a, rows[i].version_id, module, version);
        }
    }
    perr e = {0};
    bool ok = udb_write(a->s->reg, rows, k, &e);
    pthread_mutex_lock(&a->mlock);
    a->flushes++;
    if (!ok) a->flush_errors++;
    a->last_write_failed = !ok;
    a->last_write_status = ok ? 0 : e.status;
    pthread_mutex_unlock(&a->mlock);
    if (ok) {
        free(a->pending);
        a->pending = NULL;
        a->npending = 0;
    } else if (k <= MAX_PENDING_ROWS) {
        free(a->pending);
        a->pending = rows; /* retried with the next batch (upserts add, so repeats are fine) */
        a->npending = k;
        rows = NULL;
    } else {
        pthread_mutex_lock(&a->mlock);
        a->lost_rows += k;
        pthread_mutex_unlock(&a->mlock);
        free(a->pending);
        a->pending = NULL;
        a->npending = 0;
    }
    free(rows);

    /* Counters for /metrics (per version since start): one lock for the
     * whole batch. */
    pthread_mutex_lock(&a->mlock);
    counter *c = NULL;
    for (size_t i = 0; i < n; i++) {
        const rec *r = &batch[i];
        if (!c || c->version_id != r->version_id) c = counter_for(a, r);
        if (!c) continue;
        c->requests++;
        c->instructions += r->instructions;
        c->cost += r->cost;
        c->cpu_s += (double)r->cpu_ns / 1e9; /* measured samples only */
        c->gib_s += r->gib;
    }
    pthread_mutex_unlock(&a->mlock);
    return ok;
}

/* Budgets of the modules this batch charged (budget.c). A batch holds few
 * modules, mostly in runs: a short list of the ones already seen. */
static void check_budgets(agg *a, const rec *batch, size_t n) {
    if (!a->budgets) return;
    const char *cur = a->cfg.prices.currency[0] ? a->cfg.prices.currency : "USD";
    int64_t seen[32];
    size_t nseen = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && batch[i].module_id == batch[i - 1].module_id) continue;
        bool dup = false;
        for (size_t k = 0; k < nseen && !dup; k++) dup = seen[k] == batch[i].module_id;
        if (dup) continue;
        /* Past 32 modules in one batch a module may be checked twice:
         * harmless (a breach is announced once). */
        if (nseen < 32) seen[nseen++] = batch[i].module_id;
        budget_check(a->budgets, a->s, cur, batch[i].module_id, batch[i].version_id);
    }
}

/* ---------------------------------------------------------------- probation */

typedef struct action {
    enum { ACT_ROLLBACK, ACT_REGRESSION, ACT_LATENCY } kind;
    probation p; /* a copy; p.hist is the action's own copy for ACT_LATENCY */
} action;

static void count_auto_rollback(agg *a, const char *module) {
    pthread_mutex_lock(&a->mlock);
    module_counter *m = NULL;
    for (size_t i = 0; i < a->nmctr && !m; i++)
        if (!strcmp(a->mctr[i].module, module)) m = &a->mctr[i];
    if (!m && a->nmctr == a->capmctr) {
        size_t nc = a->capmctr ? a->capmctr * 2 : 8;
        module_counter *nm = realloc(a->mctr, nc * sizeof *nm);
        if (nm) { a->mctr = nm; a->capmctr = nc; }
    }
    if (!m && a->nmctr < a->capmctr) {
        m = &a->mctr[a->nmctr++];
        memset(m, 0, sizeof *m);
        snprintf(m->module, sizeof m->module, "%s", module);
    }
    if (m) m->auto_rollbacks++;
    pthread_mutex_unlock(&a->mlock);
}

static void log_skipped(server *s, const probation *p, const char *why) {
    unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
    cJSON *f = cJSON_CreateObject();
    if (f) {
        char v[24];
        snprintf(v, sizeof v, "v%d", p->version);
        cJSON_AddStringToObject(f, "module", p->module);
        cJSON_AddStringToObject(f, "version", v);
        cJSON_AddStringToObject(f, "actor", "kiln");
        cJSON_AddStringToObject(f, "reason", why);
    }
    server_log(s, "auto-rollback-skipped", f, fmark);
}

static void do_rollback(agg *a, const probation *p, const char *slow) {
    char reason[768];
    double rate = p->requests ? 100.0 * (double)p->traps / (double)p->requests : 0;
    if (slow)
        snprintf(reason, sizeof reason, "auto-rollback: v%d is slow: %s, %.1f s after it went live; policy %s",
                 p->version, slow, (double)(reg_now_ms() - p->since_ms) / 1000, p->rule_text);
    else
        snprintf(reason, sizeof reason,
                 "auto-rollback: v%d %s in %" PRIu64 " of its first %" PRIu64 " requests (%.1f%%) since it went "
                 "live, %.1f s before; policy %s",
                 p->version, p->rule.errors ? "failed (5xx)" : "trapped", p->traps, p->requests, rate,
                 (double)(reg_now_ms() - p->since_ms) / 1000, p->rule_text);
    perr e = {0};
    if (!p->baseline) {
        char why[1024];
        snprintf(why, sizeof why, "%.900s; not rolled back: no version was live before v%d", reason, p->version);
        reg_add_event(a->s->reg, p->module, "kiln", "auto-rollback-skipped", 0, p->version, why, &e);
        log_skipped(a->s, p, why);
        return;
    }
    cJSON *res = NULL;
    if (reg_rollback_from(a->s->reg, p->module, "live", p->version, p->baseline, "kiln", reason, &res, &e)) {
        server_log_change(a->s, "auto-rollback", p->module, "kiln", reason, res);
        cJSON_Delete(res);
        server_notify(a->s, "auto-rollback", p->module, p->version, p->baseline, reason);
        count_auto_rollback(a, p->module);
        metrics_admin(a->s->metrics, p->module, "auto-rollback", true);
        return;
    }
    /* Pinned, or live moved since: a person decided; kiln does not fight
     * that, it records that it would have. */
    char why[2048];
    snprintf(why, sizeof why, "%s; not rolled back: %.1000s", reason, e.message);
    perr e2 = {0};
    reg_add_event(a->s->reg, p->module, "kiln", "auto-rollback-skipped", 0, p->version, why, &e2);
    log_skipped(a->s, p, why);
    metrics_admin(a->s->metrics, p->module, "auto-rollback", false);
}

static void do_regression(agg *a, const probation *p) {
    int64_t base_id = udb_version_id(a->s->reg, p->module_id, p->baseline);
    if (base_id < 0) return;
    udb_row base;
    perr e = {0};
    if (!udb_version_sums(a->s->reg, base_id, 0, &base, &e) || base.metered < REGRESSION_MIN_BASELINE) return;
    double nreq = (double)p->reg_requests, breq = (double)base.metered;
    double new_c = p->reg_compute / nreq, base_c = base.compute_cost / breq;
    double new_i = (double)p->reg_instr / nreq, base_i = (double)base.instructions / breq;
    /* A price table that charges nothing but requests prices every
     * version alike; then compare what it would charge for: instructions. */
    bool by_cost = base_c > 0;
    double ratio = by_cost ? new_c / base_c : (base_i > 0 ? new_i / base_i : 0);
    if (!(ratio > 1 + p->threshold)) return;
    char reason[768];
    snprintf(reason, sizeof reason,
             "v%d costs %+.1f%% per request against v%d (%s: %.4g vs %.4g per request over %.0f and %.0f requests; "
             "instructions %.0f vs %.0f, CPU %.3f ms vs %.3f ms); threshold %.0f%%",
             p->version, (ratio - 1) * 100, p->baseline, by_cost ? "compute cost" : "instructions",
             by_cost ? new_c : new_i, by_cost ? base_c : base_i, nreq, breq, new_i, base_i,
             p->reg_cpu_n ? (double)p->reg_cpu_ns / (double)p->reg_cpu_n / 1e6 : 0,
             base.cpu_samples ? (double)base.cpu_ns / (double)base.cpu_samples / 1e6 : 0, p->threshold * 100);
    reg_add_event(a->s->reg, p->module, "kiln", "cost-regression", p->baseline, p->version, reason, &e);
    unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
    cJSON *f = cJSON_CreateObject();
    if (f) {
        char v[24];
        cJSON_AddStringToObject(f, "module", p->module);
        snprintf(v, sizeof v, "v%d", p->version);
        cJSON_AddStringToObject(f, "version", v);
        cJSON_AddStringToObject(f, "actor", "kiln");
        cJSON_AddStringToObject(f, "reason", reason);
    }
    server_log(a->s, "regression", f, fmark);
    server_notify(a->s, "regression", p->module, p->baseline, p->version, reason);
}

/* A p99 rule whose window passed on errors: the version's latency against
 * its baseline's (every minute the registry holds of it). */
static void do_latency(agg *a, const probation *p) {
    if (!p->baseline || !p->hist) return;
    udb_row *rows = NULL;
    size_t n = 0;
    perr e = {0};
    if (!udb_sums(a->s->reg, p->module_id, 0, UDB_BY_VERSION, 0, &rows, &n, &e)) return;
    const udb_row *b = NULL;
    for (size_t i = 0; i < n && !b; i++)
        if (rows[i].version == p->baseline) b = &rows[i];
    double np99, bp99;
    if (b && rollback_rule_slow(&p->rule, p->hist, b->hist, 10, &np99, &bp99)) {
        char slow[256];
        snprintf(slow, sizeof slow, "p99 latency %.0f us against v%d's %.0f us (%.1fx, limit %gx)", np99 / 1000,
                 p->baseline, bp99 / 1000, np99 / bp99, p->rule.p99_factor);
        do_rollback(a, p, slow);
    }
    free(rows);
}

static void probation_step(agg *a, const rec *batch, size_t n) {
    /* Regression sums: matched outside the lock against a snapshot. */
    struct { uint64_t gen; int64_t version_id, since; uint64_t req, instr, cpu, cpu_n; double compute; } snap[MAX_PROBATION];
    size_t ns = 0;
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < MAX_PROBATION; i++)
        if (a->prob[i].active && a->prob[i].regression_pending) {
            snap[ns].gen = a->prob[i].gen;
            snap[ns].version_id = a->prob[i].version_id;
            snap[ns].since = a->prob[i].since_ms;
            snap[ns].req = snap[ns].instr = snap[ns].cpu = snap[ns].cpu_n = 0;
            snap[ns].compute = 0;
            ns++;
        }
    pthread_mutex_unlock(&a->lock);
    for (size_t i = 0; ns && i < n; i++) {
        const rec *r = &batch[i];
        if (!r->metered) continue;
        for (size_t j = 0; j < ns; j++)
            if (snap[j].version_id == r->version_id && r->start_ms >= snap[j].since) {
                snap[j].req++;
                snap[j].instr += r->instructions;
                snap[j].cpu += r->cpu_measured ? r->cpu_ns : 0;
                snap[j].cpu_n += r->cpu_measured;
                snap[j].compute += r->compute;
            }
    }
    action acts[MAX_PROBATION * 2];
    size_t nacts = 0;
    int64_t now = reg_now_ms();
    pthread_mutex_lock(&a->lock);
    for (size_t i = 0; i < MAX_PROBATION; i++) {
        probation *p = &a->prob[i];
        if (!p->active) continue;
        for (size_t j = 0; j < ns; j++)
            if (snap[j].gen == p->gen) {
                p->reg_requests += snap[j].req;
                p->reg_instr += snap[j].instr;
                p->reg_cpu_ns += snap[j].cpu;
                p->reg_cpu_n += snap[j].cpu_n;
                p->reg_compute += snap[j].compute;
            }
        if (p->rollback && !p->rollback_done && p->hist) {
            /* Only the requests the rule's window counts: from the promote
             * on, the first rule.requests of them. */
            uint64_t seen = 0;
            for (int b = 0; b < LAT_BUCKETS; b++) seen += p->hist[b];
            for (size_t k = 0; k < n; k++)
                if (batch[k].version_id == p->version_id && batch[k].start_ms >= p->since_ms &&
                    (!p->rule.requests || seen < p->rule.requests)) {
                    p->hist[lat_bucket(batch[k].total_ns)]++;
                    seen++;
                }
        }
        if (p->rollback && !p->rollback_done) {
            probation_verdict v = rollback_rule_judge(&p->rule, p->requests, p->traps, now - p->since_ms);
            if (v != PROBATION_GOING) {
                p->rollback_done = true;
                if (v == PROBATION_FAILED) {
                    acts[nacts].kind = ACT_ROLLBACK;
                    acts[nacts++].p = *p;
                    p->regression_pending = false; /* it is leaving live anyway */
                } else if (p->hist) {
                    acts[nacts].kind = ACT_LATENCY;
                    acts[nacts].p = *p;
                    acts[nacts++].p.hist = p->hist; /* handed over */
                    p->hist = NULL;
                }
            }
        }
        if (p->regression_pending && p->reg_requests >= REGRESSION_MIN_REQUESTS) {
            p->regression_pending = false;
            acts[nacts].kind = ACT_REGRESSION;
            acts[nacts++].p = *p;
        }
        if ((!p->rollback || p->rollback_done) && !p->regression_pending) {
            p->active = false;
            free(p->hist);
            p->hist = NULL;
            a->nprob_active--;
        }
    }
    pthread_mutex_unlock(&a->lock);
    for (size_t i = 0; i < nacts; i++) {
        if (acts[i].kind == ACT_ROLLBACK) do_rollback(a, &acts[i].p, NULL);
        else if (acts[i].kind == ACT_LATENCY) { do_latency(a, &acts[i].p); free(acts[i].p.hist); }
        else do_regression(a, &acts[i].p);
    }
}

/* Puts `to` on probation from since_ms. `resumed`: the promote happened
 * before this server started, so what the registry recorded of the version
 * since then counts already (see resume_probations). */
static void start_probation(agg *a, const char *module, int64_t mid, int from, int to, int64_t since_ms,
                            bool resumed) {
    perr e = {0};
    int64_t vid = udb_version_id(a->s->reg, mid, to);
    if (vid < 0) return;
    udb_policy pol;
    if (!udb_policy_get(a->s->reg, mid, &pol, &e)) memset(&pol, 0, sizeof pol);
    probation p;
    memset(&p, 0, sizeof p);
    p.active = true;
    snprintf(p.module, sizeof p.module, "%s", module);
    p.module_id = mid;
    p.version_id = vid;
    p.version = to;
    p.baseline = from;
    p.since_ms = since_ms;
    char why[256];
    if (pol.has_rollback && rollback_rule_parse(pol.rollback_spec, &p.rule, why, sizeof why)) {
        p.rollback = true;
        snprintf(p.rule_text, sizeof p.rule_text, "%s", pol.rollback_spec);
        /* A resumed probation's latency starts again at the restart (the
         * registry keeps histograms per minute, not per request). */
        if (p.rule.p99_factor && from > 0 && !(p.hist = calloc(LAT_BUCKETS, sizeof *p.hist))) p.rule.p99_factor = 0;
    }
    p.regression_pending = from > 0;
    p.threshold = pol.has_threshold ? pol.threshold : a->cfg.regression_threshold;
    if (resumed) {
        /* The version's requests since the promote, from the minutes the
         * registry holds (from the promote's minute on: at most a minute
         * of requests made through @vN before the promote counts too). */
        udb_row sums;
        if (!udb_version_sums(a->s->reg, vid, since_ms / 60000, &sums, &e)) { free(p.hist); return; }
        if (p.rollback) {
            /* Only the first N requests count under a request window. */
            p.requests = p.rule.requests && sums.requests > p.rule.requests ? p.rule.requests : sums.requests;
            p.traps = sums.traps < p.requests ? sums.traps : p.requests;
            probation_verdict v = rollback_rule_judge(&p.rule, p.requests, p.traps, reg_now_ms() - since_ms);
            if (v == PROBATION_PASSED) p.rollback_done = true;
            else if (v == PROBATION_FAILED) p.early = true; /* the thread acts at once */
        }
        if (p.regression_pending) {
            udb_flag *flags = NULL;
            size_t nf = 0;
            if (udb_regressions(a->s->reg, mid, &flags, &nf, &e))
                for (size_t i = 0; i < nf; i++)
                    if (flags[i].version == to && flags[i].at_ms >= since_ms) p.regression_pending = false;
            free(flags);
            p.reg_requests = sums.metered;
            p.reg_instr = sums.instructions;
            p.reg_cpu_ns = sums.cpu_ns;
            p.reg_cpu_n = sums.cpu_samples;
            p.reg_compute = sums.compute_cost;
        }
    }
    pthread_mutex_lock(&a->lock);
    /* One probation per module: a newer promote replaces the older one. */
    probation *slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < MAX_PROBATION; i++) {
        probation *q = &a->prob[i];
        if (q->active && q->module_id == mid) { slot = q; break; }
    }
    for (size_t i = 0; !slot && i < MAX_PROBATION; i++) {
        probation *q = &a->prob[i];
        if (!q->active) slot = q;
        else if (!oldest || q->since_ms < oldest->since_ms) oldest = q;
    }
    if (!slot) slot = oldest;
    if (slot->active) a->nprob_active--;
    free(slot->hist);
    slot->hist = NULL;
    p.gen = ++a->next_gen;
    bool wanted = p.rollback || p.regression_pending;
    if (wanted) {
        *slot = p;
        a->nprob_active++;
    } else {
        slot->active = false;
        free(p.hist);
    }
    pthread_mutex_unlock(&a->lock);
}

void agg_live_changed(agg *a, const char *module, int from, int to) {
    perr e = {0};
    int64_t mid;
    if (!udb_module(a->s->reg, module, &mid, NULL, NULL, &e)) return;
    start_probation(a, module, mid, from, to, reg_now_ms(), false);
}

/* Probations outlive a restart: for each module whose last change of live
 * was a promote (or deploy --promote) by a person, the probation starts
 * again from that promote's time, with the version's requests, traps and
 * usage since then taken from the registry. A rule already decided is not
 * judged twice (passed: nothing to watch; failed: rolled back at once), and
 * a cost regression already flagged is not flagged again. */
static void resume_probations(agg *a) {
    perr e = {0};
    udb_module_ref *mods = NULL;
    size_t nm = 0;
    if (!udb_modules(a->s->reg, &mods, &nm, &e)) return;
    for (size_t i = 0; i < nm; i++) {
        udb_live_change lc;
        if (!udb_last_live_change(a->s->reg, mods[i].id, &lc, &e)) continue;
        if (lc.by_kiln || lc.to <= 0 || (strcmp(lc.action, "promote") && strcmp(lc.action, "deploy"))) continue;
        start_probation(a, mods[i].name, mods[i].id, lc.from, lc.to, lc.at_ms, true);
    }
    free(mods);
}

/* ---------------------------------------------------------------- the thread */

static void *agg_main(void *arg) {
    agg *a = arg;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += a->cfg.flush_ms / 1000;
        deadline.tv_nsec += (long)(a->cfg.flush_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000L; }
        for (;;) {
            bool early = false;
            for (size_t i = 0; a->nprob_active && i < MAX_PROBATION && !early; i++)
                early = a->prob[i].active && a->prob[i].early && !a->prob[i].rollback_done;
            if (a->stop || a->n >= a->cfg.flush_records || a->flush_requested != a->flush_done || early) break;
            if (pthread_cond_timedwait(&a->wake, &a->lock, &deadline) == ETIMEDOUT) break;
        }
        rec *batch = a->buf;
        size_t n = a->n, bcap = a->cap;
        a->buf = a->spare;
        a->cap = a->spare_cap;
        a->spare = NULL;
        a->n = 0;
        uint64_t target = a->flush_requested;
        bool stopping = a->stop;
        pthread_mutex_unlock(&a->lock);

        bool written = fold_and_write(a, batch, n);
        probation_step(a, batch, n);
        if (written) check_budgets(a, batch, n);

        pthread_mutex_lock(&a->lock);
        a->spare = batch;
        a->spare_cap = bcap;
        a->flush_done = target;
        pthread_cond_broadcast(&a->done);
        if (stopping && a->n == 0) break;
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

agg *agg_start(server *s, const agg_config *c, perr *e) {
    agg *a = calloc(1, sizeof *a);
    if (!a) { perr_set(e, 503, "out of memory"); return NULL; }
    a->s = s;
    a->cfg = *c;
    if (!a->cfg.flush_ms) a->cfg.flush_ms = 200; /* the most usage a kill -9 can lose */
    if (!a->cfg.flush_records) a->cfg.flush_records = 4096;
    a->cap = a->spare_cap = (size_t)a->cfg.flush_records * 2;
    a->buf = malloc(a->cap * sizeof *a->buf);
    a->spare = malloc(a->spare_cap * sizeof *a->spare);
    a->budgets = budget_watch_new();
    pthread_mutex_init(&a->lock, NULL);
    pthread_mutex_init(&a->mlock, NULL);
    pthread_cond_init(&a->wake, NULL);
    pthread_cond_init(&a->done, NULL);
    if (!a->buf || !a->spare || !a->budgets) {
        perr_set(e, 503, "out of memory");
        agg_stop(a);
        return NULL;
    }
    if (pthread_create(&a->thread, NULL, agg_main, a)) {
        perr_set(e, 500, "cannot start the usage aggregation thread");
        agg_stop(a);
        return NULL;
    }
    a->started = true;
    resume_probations(a);
    pthread_cond_signal(&a->wake); /* a probation that failed before the restart is acted on now */
    return a;
}

void agg_stop(agg *a) {
    if (!a) return;
    if (a->started) {
        pthread_mutex_lock(&a->lock);
        a->stop = true;
        pthread_mutex_unlock(&a->lock);
        pthread_cond_signal(&a->wake);
        pthread_join(a->thread, NULL);
    }
    for (size_t i = 0; i < MAX_PROBATION; i++) free(a->prob[i].hist);
    free(a->buf);
    free(a->spare);
    free(a->pending);
    free(a->means);
    free(a->ctr);
    free(a->mctr);
    budget_watch_free(a->budgets);
    pthread_mutex_destroy(&a->lock);
    pthread_mutex_destroy(&a->mlock);
    pthread_cond_destroy(&a->wake);
    pthread_cond_destroy(&a->done);
    free(a);
}

bool agg_flush(agg *a, perr *e) {
    pthread_mutex_lock(&a->lock);
    uint64_t mine = ++a->flush_requested;
    pthread_cond_signal(&a->wake);
    while (a->flush_done < mine && !a->stop) pthread_cond_wait(&a->done, &a->lock);
    pthread_mutex_unlock(&a->lock);
    pthread_mutex_lock(&a->mlock);
    bool failed = a->last_write_failed;
    int status = a->last_write_status == 503 ? 503 : 500;
    pthread_mutex_unlock(&a->mlock);
    if (failed) return perr_set(e, status, "usage could not be written to the registry (will retry)");
    return true;
}

/* ---------------------------------------------------------------- metrics */

bool agg_render_metrics(agg *a, char **buf, size_t *len, size_t *cap) {
    const char *cur = a->cfg.prices.currency[0] ? a->cfg.prices.currency : "USD";
    pthread_mutex_lock(&a->mlock);
    bool ok = metrics_appendf(buf, len, cap,
                              "# HELP kiln_cost_total What the requests served cost under the server's price table "
                              "(%s), by module and version, since the server started.\n"
                              "# TYPE kiln_cost_total counter\n",
                              a->cfg.prices.name);
    for (size_t i = 0; ok && i < a->nctr; i++)
        ok = metrics_appendf(buf, len, cap, "kiln_cost_total{module=\"%s\",version=\"v%d\",currency=\"%s\"} %.9g\n",
                             a->ctr[i].module, a->ctr[i].version, cur, a->ctr[i].cost);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_guest_cpu_seconds_total CPU time of guests (instantiate and run) in the "
                               "requests whose CPU was measured (a sample, see kiln serve --cpu-sample), by module "
                               "and version.\n# TYPE kiln_guest_cpu_seconds_total counter\n");
    for (size_t i = 0; ok && i < a->nctr; i++)
        ok = metrics_appendf(buf, len, cap, "kiln_guest_cpu_seconds_total{module=\"%s\",version=\"v%d\"} %.9f\n",
                             a->ctr[i].module, a->ctr[i].version, a->ctr[i].cpu_s);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_guest_instructions_total Fuel (weighted wasm instructions) spent by "
                               "guests, by module and version.\n# TYPE kiln_guest_instructions_total counter\n");
    for (size_t i = 0; ok && i < a->nctr; i++)
        ok = metrics_appendf(buf, len, cap, "kiln_guest_instructions_total{module=\"%s\",version=\"v%d\"} %llu\n",
                             a->ctr[i].module, a->ctr[i].version, (unsigned long long)a->ctr[i].instructions);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_guest_memory_gib_seconds_total Linear memory x time of guests.\n"
                               "# TYPE kiln_guest_memory_gib_seconds_total counter\n");
    for (size_t i = 0; ok && i < a->nctr; i++)
        ok = metrics_appendf(buf, len, cap, "kiln_guest_memory_gib_seconds_total{module=\"%s\",version=\"v%d\"} %.9g\n",
                             a->ctr[i].module, a->ctr[i].version, a->ctr[i].gib_s);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_auto_rollbacks_total Rollbacks kiln made itself (auto-rollback "
                               "policy), by module.\n# TYPE kiln_auto_rollbacks_total counter\n");
    for (size_t i = 0; ok && i < a->nmctr; i++)
        ok = metrics_appendf(buf, len, cap, "kiln_auto_rollbacks_total{module=\"%s\"} %llu\n", a->mctr[i].module,
                             (unsigned long long)a->mctr[i].auto_rollbacks);
    uint64_t dropped;
    pthread_mutex_unlock(&a->mlock);
    pthread_mutex_lock(&a->lock);
    dropped = a->dropped;
    pthread_mutex_unlock(&a->lock);
    pthread_mutex_lock(&a->mlock);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_usage_flushes_total Batches of usage written to the registry.\n"
                               "# TYPE kiln_usage_flushes_total counter\n"
                               "kiln_usage_flushes_total %llu\n"
                               "# HELP kiln_usage_flush_errors_total Batch writes that failed (retried).\n"
                               "# TYPE kiln_usage_flush_errors_total counter\n"
                               "kiln_usage_flush_errors_total %llu\n"
                               "# HELP kiln_usage_dropped_total Usage records not aggregated (buffer full or out "
                               "of memory).\n"
                               "# TYPE kiln_usage_dropped_total counter\n"
                               "kiln_usage_dropped_total %llu\n",
                               (unsigned long long)a->flushes, (unsigned long long)a->flush_errors,
                               (unsigned long long)(dropped + a->lost_rows));
    pthread_mutex_unlock(&a->mlock);
    return ok;
}
