/* metrics.c — see metrics.h. One mutex guards everything: a request adds to
 * a handful of integers under it (tens of nanoseconds), far below the cost of
 * the request itself, and a scrape sees a consistent snapshot. */
#define _GNU_SOURCE /* vasprintf-free growth below still wants vsnprintf */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/metrics.h"

static const double buckets[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                 0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,    5,    10};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

typedef struct req_counter {
    char module[72];
    int version;
    int status;
    uint64_t count;
} req_counter;

typedef struct mod_stats {
    char module[72];
    uint64_t bucket[NBUCKETS + 1]; /* the last is +Inf */
    double sum;
    uint64_t count;
    uint64_t traps;
} mod_stats;

typedef struct admin_counter {
    char module[72];
    char op[16];
    bool ok;
    uint64_t count;
} admin_counter;

#define RING 65536
typedef struct timing {
    uint32_t total, queue, resolve, instantiate, run, teardown, respond; /* ns, saturated */
} timing;

struct metrics {
    pthread_mutex_t lock;
    req_counter *reqs;
    size_t nreqs, capreqs;
    mod_stats *mods;
    size_t nmods, capmods;
    admin_counter *admins;
    size_t nadmins, capadmins;
    timing *ring;
    size_t ring_next, ring_count;
    uint64_t uncounted;   /* counts lost: no memory for a new series */
};

metrics *metrics_new(void) {
    metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->ring = calloc(RING, sizeof *m->ring);
    if (!m->ring) { free(m); return NULL; }
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void metrics_free(metrics *m) {
    if (!m) return;
    free(m->reqs);
    free(m->mods);
    free(m->admins);
    free(m->ring);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* Grows an array by one element; NULL when out of memory. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t size) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        void *na = realloc(*arr, nc * size);
        if (!na) return NULL;
        *arr = na;
        *cap = nc;
    }
    void *slot = (char *)*arr + (*n)++ * size;
    memset(slot, 0, size);
    return slot;
}

static uint32_t sat(uint64_t ns) { return ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns; }

void metrics_request(metrics *m, const usage_record *u) {
    const char *mod = u->module ? u->module : "";
    double secs = (double)u->total_ns / 1e9;
    pthread_mutex_lock(&m->lock);
    req_counter *rc = NULL;
    for (size_t i = 0; i < m->nreqs; i++)
        if (m->reqs[i].version == u->version && m->reqs[i].status == u->status && !strcmp(m->reqs[i].module, mod)) {
            rc = &m->reqs[i];
            break;
        }
    if (!rc && (rc = grow((void **)&m->reqs, &m->nreqs, &m->capreqs, sizeof *rc))) {
        snprintf(rc->module, sizeof rc->module, "%s", mod);
        rc->version = u->version;
        rc->status = u->status;
    }
    if (rc) rc->count++;
    else m->uncounted++;
    mod_stats *ms = NULL;
    for (size_t i = 0; i < m->nmods; i++)
        if (!strcmp(m->mods[i].module, mod)) { ms = &m->mods[i]; break; }
    if (!ms && (ms = grow((void **)&m->mods, &m->nmods, &m->capmods, sizeof *ms)))
        snprintf(ms->module, sizeof ms->module, "%s", mod);
    if (ms) {
        size_t b = 0;
        while (b < NBUCKETS && secs > buckets[b]) b++;
        ms->bucket[b]++;
        ms->sum += secs;
        ms->count++;
        if (u->trap != KILN_TRAP_NONE) ms->traps++;
    } else {
        m->uncounted++;
    }
    m->ring[m->ring_next] = (timing){sat(u->total_ns), sat(u->queue_ns), sat(u->resolve_ns), sat(u->instantiate_ns), sat(u->run_ns),
                                     sat(u->teardown_ns), sat(u->respond_ns)};
    m->ring_next = (m->ring_next + 1) % RING;
    if (m->ring_count < RING) m->ring_count++;
    pthread_mutex_unlock(&m->lock);
}

void metrics_admin(metrics *m, const char *module, const char *op, bool ok) {
    pthread_mutex_lock(&m->lock);
    admin_counter *ac = NULL;
    for (size_t i = 0; i < m->nadmins; i++)
        if (m->admins[i].ok == ok && !strcmp(m->admins[i].op, op) && !strcmp(m->admins[i].module, module)) {
            ac = &m->admins[i];
            break;
        }
    if (!ac && (ac = grow((void **)&m->admins, &m->nadmins, &m->capadmins, sizeof *ac))) {
        snprintf(ac->module, sizeof ac->module, "%s", module);
        snprintf(ac->op, sizeof ac->op, "%s", op);
        ac->ok = ok;
    }
    if (ac) ac->count++;
    else m->uncounted++;
    pthread_mutex_unlock(&m->lock);
}

bool metrics_appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = *cap - *len;
        int n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return false;
        if (*buf && (size_t)n < room) { *len += (size_t)n; return true; }
        size_t nc = (*cap ? *cap : 4096);
        while (nc < *len + (size_t)n + 1) nc *= 2;
        char *nb = realloc(*buf, nc);
        if (!nb) return false;
        *buf = nb;
        *cap = nc;
    }
}

bool metrics_render(metrics *m, char **buf, size_t *len, size_t *cap) {
    bool ok = true;
    pthread_mutex_lock(&m->lock);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_requests_total Invocations answered, by module, version and status.\n"
                               "# TYPE kiln_requests_total counter\n");
    for (size_t i = 0; ok && i < m->nreqs; i++)
        ok = metrics_appendf(buf, len, cap, "kiln_requests_total{module=\"%s\",version=\"%s%d\",status=\"%d\"} %llu\n",
                             m->reqs[i].module, m->reqs[i].version ? "v" : "", m->reqs[i].version,
                             m->reqs[i].status, (unsigned long long)m->reqs[i].count);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_request_duration_seconds Time from a request's arrival to its "
                               "response being queued, by module.\n"
                               "# TYPE kiln_request_duration_seconds histogram\n");
    for (size_t i = 0; ok && i < m->nmods; i++) {
        mod_stats *ms = &m->mods[i];
        uint64_t cum = 0;
        for (size_t b = 0; ok && b <= NBUCKETS; b++) {
            cum += ms->bucket[b];
            if (b < NBUCKETS)
                ok = metrics_appendf(buf, len, cap, "kiln_request_duration_seconds_bucket{module=\"%s\",le=\"%g\"} %llu\n",
                                     ms->module, buckets[b], (unsigned long long)cum);
            else
                ok = metrics_appendf(buf, len, cap, "kiln_request_duration_seconds_bucket{module=\"%s\",le=\"+Inf\"} %llu\n",
                                     ms->module, (unsigned long long)cum);
        }
        ok = ok && metrics_appendf(buf, len, cap,
                                   "kiln_request_duration_seconds_sum{module=\"%s\"} %.9f\n"
                                   "kiln_request_duration_seconds_count{module=\"%s\"} %llu\n",
                                   ms->module, ms->sum, ms->module, (unsigned long long)ms->count);
    }
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_traps_total Invocations that trapped, by module.\n"
                               "# TYPE kiln_traps_total counter\n");
    for (size_t i = 0; ok && i < m->nmods; i++)
        if (m->mods[i].module[0])
            ok = metrics_appendf(buf, len, cap, "kiln_traps_total{module=\"%s\"} %llu\n", m->mods[i].module,
                                 (unsigned long long)m->mods[i].traps);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_admin_operations_total Deploys, promotes, pins, unpins and rollbacks, "
                               "by module, operation and result.\n"
                               "# TYPE kiln_admin_operations_total counter\n");
    for (size_t i = 0; ok && i < m->nadmins; i++)
        ok = metrics_appendf(buf, len, cap, "kiln_admin_operations_total{module=\"%s\",op=\"%s\",result=\"%s\"} %llu\n",
                             m->admins[i].module, m->admins[i].op, m->admins[i].ok ? "ok" : "refused",
                             (unsigned long long)m->admins[i].count);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_deploys_total Versions accepted, by module.\n"
                               "# TYPE kiln_deploys_total counter\n");
    for (size_t i = 0; ok && i < m->nadmins; i++)
        if (!strcmp(m->admins[i].op, "deploy") && m->admins[i].ok)
            ok = metrics_appendf(buf, len, cap, "kiln_deploys_total{module=\"%s\"} %llu\n", m->admins[i].module,
                                 (unsigned long long)m->admins[i].count);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_metrics_uncounted_total Counts the metrics above could not add: no "
                               "memory for a new series (module, version, status or operation).\n"
                               "# TYPE kiln_metrics_uncounted_total counter\n"
                               "kiln_metrics_uncounted_total %llu\n", (unsigned long long)m->uncounted);
    pthread_mutex_unlock(&m->lock);
    return ok;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void add_phase(cJSON *o, const char *name, uint32_t *v, size_t n) {
    cJSON *p = cJSON_AddObjectToObject(o, name);
    if (!p || n == 0) return;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += v[i];
    qsort(v, n, sizeof *v, cmp_u32);
    cJSON_AddNumberToObject(p, "p50_us", v[n * 50 / 100] / 1000.0);
    cJSON_AddNumberToObject(p, "p90_us", v[n * 90 / 100] / 1000.0);
    cJSON_AddNumberToObject(p, "p99_us", v[n * 99 / 100] / 1000.0);
    cJSON_AddNumberToObject(p, "max_us", v[n - 1] / 1000.0);
    cJSON_AddNumberToObject(p, "mean_us", sum / (double)n / 1000.0);
}

cJSON *metrics_timings(metrics *m, bool reset) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    pthread_mutex_lock(&m->lock);
    size_t n = m->ring_count;
    timing *copy = n ? malloc(n * sizeof *copy) : NULL;
    if (copy) memcpy(copy, m->ring, n * sizeof *copy); /* order does not matter for percentiles */
    if (reset && (copy || !n)) m->ring_next = m->ring_count = 0; /* not when the answer will be 503 */
    pthread_mutex_unlock(&m->lock);
    if (n && !copy) { cJSON_Delete(o); return NULL; }
    cJSON_AddNumberToObject(o, "count", (double)n);
    uint32_t *v = n ? malloc(n * sizeof *v) : NULL;
    if (n && !v) { free(copy); cJSON_Delete(o); return NULL; }
    static const char *const names[] = {"total", "queue", "resolve", "instantiate", "run", "teardown", "respond"};
    for (int k = 0; k < 7; k++) {
        for (size_t i = 0; i < n; i++) {
            const timing *t = &copy[i];
            const uint32_t f[] = {t->total, t->queue, t->resolve, t->instantiate, t->run, t->teardown, t->respond};
            v[i] = f[k];
        }
        add_phase(o, names[k], v, n);
    }
    free(v);
    free(copy);
    return o;
}
