/* server.c — a kiln serve process: opening the data directory (with crash
 * recovery), the shared engine and WASI linker, and the /metrics text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln_wasi.h"
#include "platform/delivery.h"
#include "platform/server.h"
#include "platform/vconfig.h"

static bool keep_blob(void *ctx, const char *digest) { return reg_has_digest(ctx, digest); }

server *server_start(const server_config *cfg, perr *e) {
    pjson_init(); /* before any thread builds JSON */
    server *s = calloc(1, sizeof *s);
    if (!s) { perr_set(e, 503, "out of memory"); return NULL; }
    s->cfg = *cfg;
    s->lock_fd = s->listen_fd = -1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu <= 0) ncpu = 2;
    if (!s->cfg.threads) s->cfg.threads = (unsigned)ncpu;
    /* Guests are mostly CPU-bound, but a thread waiting on a slow guest
     * must not be the one a quick guest needs: more threads than cores,
     * the kernel shares the cores among them. */
    if (!s->cfg.guest_threads) s->cfg.guest_threads = ncpu * 4 > 8 ? (unsigned)ncpu * 4 : 8;
    /* One module never holds every guest thread. */
    if (!s->cfg.max_in_flight) s->cfg.max_in_flight = s->cfg.guest_threads > 1 ? s->cfg.guest_threads / 2 : 1;
    if (mkdir(cfg->data_dir, 0700) && errno != EEXIST) {
        perr_set(e, 500, "cannot create data directory %s: %s", cfg->data_dir, strerror(errno));
        goto fail;
    }
    /* Before anything in the directory is read or changed. */
    if ((s->lock_fd = datadir_lock(cfg->data_dir, e)) < 0) goto fail;
    /* Bound early, so a busy port fails before any recovery work; requests
     * wait in the backlog until http_start. */
    if ((s->listen_fd = listen_socket(cfg->listen_host, cfg->port, &s->port, e)) < 0) goto fail;
    if (!token_load_or_create(cfg->data_dir, s->token, e)) goto fail;
    if (!vconfig_key_load_or_create(cfg->data_dir, s->secrets_key, e)) goto fail;
    if (!token_file_load_or_create(cfg->data_dir, "readonly.token", s->ro_token, e)) goto fail;
    char address[128];
    snprintf(address, sizeof address, "%s:%u", cfg->listen_host, (unsigned)s->port);
    reg_options ro = {.url = cfg->registry_url, .node_id = cfg->node_id ? cfg->node_id : address,
                      .address = address, .tier = cfg->interp_only ? "interp" : "auto", .serve = true};
    if (!(s->reg = reg_open(cfg->data_dir, &ro, e))) goto fail;
    if (!(s->blobs = blobs_open(cfg->data_dir, e))) goto fail;
    blobs_set_remote(s->blobs, reg_blob_store, reg_blob_fetch, s->reg); /* no-ops unless shared */
    /* Crash recovery: a deploy killed after writing its blob but before its
     * version committed leaves a blob nothing names; remove it (and any
     * half-written temporary file). The registry is the truth. */
    if (blobs_sweep(s->blobs, keep_blob, s->reg, e) < 0) goto fail;
    kiln_error err = {0};
    kiln_config kc = {.max_module_bytes = cfg->max_module_bytes,
                      .max_module_bytes_option = "kiln serve --max-compiled-size"};
    if (!(s->engine = kiln_engine_new(&kc, &err))) { perr_set(e, 500, "%s", err.message); goto fail; }
    if (!(s->linker = kiln_linker_new(s->engine))) { perr_set(e, 503, "out of memory"); goto fail; }
    if (!kiln_wasi_define(s->linker, &err)) { perr_set(e, 500, "%s", err.message); goto fail; }
    s->cache = mc_new(s->engine, s->blobs, cfg->cache_bytes, cfg->cache_entries);
    s->metrics = metrics_new();
    s->logs = logs_new(2048, 4096);
    s->vcache = vcache_new();
    s->trapcap = trapcap_new();
    if (!s->cache || !s->metrics || !s->logs || !s->vcache || !s->trapcap) { perr_set(e, 503, "out of memory"); goto fail; }
    if (!cfg->interp_only) {
        /* Native code for every version, compiled in the background into
         * the data directory (private: the server's own). */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/native", cfg->data_dir);
        if (!mc_native_start(s->cache, dir, e)) goto fail;
    }
    if (!cfg->usage_off) {
        agg_config ac = {.flush_ms = cfg->usage_flush_ms, .prices = cfg->prices,
                         .regression_threshold = cfg->regression_threshold > 0 ? cfg->regression_threshold : 0.20};
        if (!ac.prices.name[0]) kiln_prices_builtin("aws-lambda-x86", &ac.prices);
        if (!(s->agg = agg_start(s, &ac, e))) goto fail;
    }
    if (cfg->webhook_url && *cfg->webhook_url) {
        char self[128];
        snprintf(self, sizeof self, "http://%s:%u", cfg->listen_host, (unsigned)s->port);
        if (!(s->webhook = webhook_start(cfg->webhook_url, self, e))) goto fail;
    }
    if (!(s->rollouts = rollouts_start(s, e))) goto fail;
    if (getrandom(&s->request_salt, sizeof s->request_salt, 0) != sizeof s->request_salt)
        s->request_salt = (uint32_t)getpid();
    if (!http_start(s, e)) goto fail;
    return s;
fail:
    server_stop(s);
    return NULL;
}

void server_stop(server *s) {
    if (!s) return;
    http_stop(s);
    rollouts_stop(s->rollouts);
    agg_stop(s->agg); /* after the last request: flushes what is buffered */
    webhook_stop(s->webhook); /* after the threads that notify: sends what is queued */
    mc_free(s->cache);
    trapcap_free(s->trapcap);
    metrics_free(s->metrics);
    logs_free(s->logs);
    vcache_free(s->vcache);
    memset(s->secrets_key, 0, sizeof s->secrets_key);
    if (s->linker) kiln_linker_free(s->linker);
    if (s->engine) kiln_engine_free(s->engine);
    blobs_close(s->blobs);
    reg_close(s->reg);
    if (s->listen_fd >= 0) close(s->listen_fd);
    if (s->lock_fd >= 0) close(s->lock_fd); /* releases the lock: last, after the registry is closed */
    free(s);
}

void server_kiln_limits(const server *s, const reg_limits *lim, kiln_limits *out) {
    const reg_limits *def = &s->cfg.default_limits;
    /* Deploy refuses longer timeouts; one stored before it did saturates
     * (a far deadline) instead of wrapping to a near one or to none. */
    uint64_t timeout_ms = lim->timeout_ms ? lim->timeout_ms : def->timeout_ms;
    *out = (kiln_limits){
        .fuel = lim->fuel ? lim->fuel : def->fuel,
        .timeout_ns = timeout_ms > KILN_MAX_TIMEOUT_MS ? UINT64_MAX : timeout_ms * 1000000ull,
        .timeout_whole_store = true, /* one deadline for the whole request */
        .max_memory_bytes = lim->max_memory_bytes ? lim->max_memory_bytes : def->max_memory_bytes,
        .max_table_elements = s->cfg.max_table_elements,
    };
}

void server_request_id(server *s, char out[17]) {
    uint64_t n = atomic_fetch_add(&s->next_request, 1);
    /* "%08x%08x" of the salt and n, without printf (on every request). */
    uint64_t v = (uint64_t)s->request_salt << 32 | (uint32_t)n;
    for (int i = 15; i >= 0; i--, v >>= 4) out[i] = "0123456789abcdef"[v & 15];
    out[16] = 0;
}

bool server_render_metrics(server *s, char **buf, size_t *len, size_t *cap) {
    if (!metrics_render(s->metrics, buf, len, cap)) return false;
    mc_stats cs;
    mc_get_stats(s->cache, &cs);
    bool ok = metrics_appendf(buf, len, cap,
                              "# HELP kiln_module_cache_hits_total Compiled-module cache lookups that hit.\n"
                              "# TYPE kiln_module_cache_hits_total counter\n"
                              "kiln_module_cache_hits_total %lu\n"
                              "# HELP kiln_module_cache_misses_total Lookups that loaded and compiled a blob.\n"
                              "# TYPE kiln_module_cache_misses_total counter\n"
                              "kiln_module_cache_misses_total %lu\n"
                              "# HELP kiln_module_cache_evictions_total Compiled modules dropped to stay within "
                              "--cache-size (or --cache).\n"
                              "# TYPE kiln_module_cache_evictions_total counter\n"
                              "kiln_module_cache_evictions_total %lu\n"
                              "# HELP kiln_module_cache_entries Compiled modules held.\n"
                              "# TYPE kiln_module_cache_entries gauge\n"
                              "kiln_module_cache_entries %lu\n"
                              "# HELP kiln_module_cache_bytes Memory the compiled modules held take (code, "
                              "tables, names, native artifacts, trap symbols).\n"
                              "# TYPE kiln_module_cache_bytes gauge\n"
                              "kiln_module_cache_bytes %zu\n"
                              "# HELP kiln_module_cache_budget_bytes The bound on kiln_module_cache_bytes (--cache-size).\n"
                              "# TYPE kiln_module_cache_budget_bytes gauge\n"
                              "kiln_module_cache_budget_bytes %zu\n"
                              "# HELP kiln_module_compile_seconds_total Time spent compiling on cache misses.\n"
                              "# TYPE kiln_module_compile_seconds_total counter\n"
                              "kiln_module_compile_seconds_total %.6f\n"
                              "# HELP kiln_module_native_entries Cached modules that run native code.\n"
                              "# TYPE kiln_module_native_entries gauge\n"
                              "kiln_module_native_entries %lu\n"
                              "# HELP kiln_native_compiles_total Native compiles done in the background.\n"
                              "# TYPE kiln_native_compiles_total counter\n"
                              "kiln_native_compiles_total %lu\n"
                              "# HELP kiln_native_failures_total Native compiles that failed (the module stays interpreted).\n"
                              "# TYPE kiln_native_failures_total counter\n"
                              "kiln_native_failures_total %lu\n"
                              "# HELP kiln_native_compile_seconds_total Time spent on native compiles (background).\n"
                              "# TYPE kiln_native_compile_seconds_total counter\n"
                              "kiln_native_compile_seconds_total %.6f\n",
                              cs.hits, cs.misses, cs.evictions, cs.entries, cs.bytes, cs.budget, cs.compile_seconds, cs.native_entries,
                              cs.native_compiles, cs.native_failures, cs.native_seconds);
    guest_stats gs;
    guests_get_stats(s->guests, &gs);
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_guest_threads Threads that run guests (serve --guest-threads).\n"
                               "# TYPE kiln_guest_threads gauge\n"
                               "kiln_guest_threads %u\n"
                               "# HELP kiln_guests_running Requests whose guest is running now.\n"
                               "# TYPE kiln_guests_running gauge\n"
                               "kiln_guests_running %u\n"
                               "# HELP kiln_guests_queued Requests waiting for a guest thread.\n"
                               "# TYPE kiln_guests_queued gauge\n"
                               "kiln_guests_queued %u\n"
                               "# HELP kiln_guests_refused_total Requests answered 503 without running: their "
                               "module's queue was full, they waited too long in it, or the server was stopping.\n"
                               "# TYPE kiln_guests_refused_total counter\n"
                               "kiln_guests_refused_total{reason=\"busy\"} %lu\n"
                               "kiln_guests_refused_total{reason=\"waited\"} %lu\n"
                               "kiln_guests_refused_total{reason=\"stopping\"} %lu\n"
                               "# HELP kiln_header_timeouts_total Connections shut down for not sending a request "
                               "head within --header-timeout.\n"
                               "# TYPE kiln_header_timeouts_total counter\n"
                               "kiln_header_timeouts_total %lu\n"
                               "# HELP kiln_trap_reports_dropped_total Failed requests whose report was not stored: "
                               "their module had stored its budget of reports for the minute.\n"
                               "# TYPE kiln_trap_reports_dropped_total counter\n"
                               "kiln_trap_reports_dropped_total %lu\n"
                               "# HELP kiln_trap_reports_lost_total Failed requests whose report could not be stored: "
                               "out of memory building it, or the registry refused it.\n"
                               "# TYPE kiln_trap_reports_lost_total counter\n"
                               "kiln_trap_reports_lost_total %lu\n",
                               gs.threads, gs.running, gs.queued, (unsigned long)gs.refused_module,
                               (unsigned long)gs.refused_wait, (unsigned long)gs.refused_stopping,
                               (unsigned long)headwatch_shut_total(s->headwatch),
                               (unsigned long)trapcap_dropped_total(s->trapcap), (unsigned long)atomic_load(&s->reports_lost));
    /* The live version of every module, as an info-style gauge: whole, or
     * the scrape fails (unless a shared registry is down: then none). */
    perr e = {0};
    unsigned mark = pjson_mark();
    cJSON *mods = pjson_checked(reg_modules(s->reg, &e), mark);
    if (!mods && (pjson_failed_since(mark) || !server_registry_down(s))) ok = false;
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_live_version_info The version each module's live alias serves "
                               "(value 1), and whether it is pinned.\n"
                               "# TYPE kiln_live_version_info gauge\n");
    cJSON *m;
    cJSON_ArrayForEach(m, mods) {
        cJSON *name = cJSON_GetObjectItem(m, "name");
        cJSON *live = cJSON_GetObjectItem(cJSON_GetObjectItem(m, "aliases"), "live");
        cJSON *ver = cJSON_GetObjectItem(live, "version");
        if (!ok || !cJSON_IsString(name) || !cJSON_IsString(ver)) continue;
        ok = metrics_appendf(buf, len, cap, "kiln_live_version_info{module=\"%s\",version=\"%s\",pinned=\"%s\"} 1\n",
                             name->valuestring, ver->valuestring,
                             cJSON_IsTrue(cJSON_GetObjectItem(live, "pinned")) ? "true" : "false");
    }
    ok = ok && metrics_appendf(buf, len, cap,
                               "# HELP kiln_module_versions Versions stored, by module.\n"
                               "# TYPE kiln_module_versions gauge\n");
    cJSON_ArrayForEach(m, mods) {
        cJSON *name = cJSON_GetObjectItem(m, "name");
        cJSON *n = cJSON_GetObjectItem(m, "versions");
        if (ok && cJSON_IsString(name) && cJSON_IsNumber(n))
            ok = metrics_appendf(buf, len, cap, "kiln_module_versions{module=\"%s\"} %d\n", name->valuestring,
                                 n->valueint);
    }
    cJSON_Delete(mods);
    return ok && delivery_render_metrics(s, buf, len, cap);
}
