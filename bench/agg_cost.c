/* agg_cost.c — what usage aggregation adds to one request's CPU, in
 * process, without HTTP (bench/delivery.sh builds and runs it): the work
 * invoke.c and usage_emit do per request only when aggregation is on.
 *
 *   unsampled request: kiln_store_stats_get on the request's store, copy of
 *                      the WASI byte counters, agg_push (mutex + ~100-byte copy)
 *   sampled request:   kiln_meter_start/stop instead of the stats read (two
 *                      reads of the thread CPU clock), once in --cpu-sample
 *                      (64) under load
 *
 * Prints JSON: ns per call of each piece, and the mean added per request at
 * the default sampling (1 in 64; a thread also measures any request 10 ms
 * after its last measured one, at most 100 a second, not counted here). agg_push runs against a real aggregator
 * whose thread writes to a real registry in a temporary directory, on two
 * threads at once (the server's worker count on this machine). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiln.h"
#include "kiln_meter.h"
#include "kiln_wasi.h"
#include "platform/server.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define N 400000
#define ROUNDS 200
#define PER_ROUND 1000 /* per thread: 2,000 a round stay below the flush size, as at any real request rate */
static agg *A;
static usage_record U;
static pthread_barrier_t bar;
static double push_time[2];

/* Two threads push at once; between rounds the main thread flushes (not
 * timed), so the buffer never grows: what is measured is the push itself,
 * with its mutex contended. */
static void *pusher(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_wait(&bar);
        double t0 = now();
        for (int i = 0; i < PER_ROUND; i++) agg_push(A, &U);
        push_time[id] += now() - t0;
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp/kiln-agg-bench";
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_store *st = e ? kiln_store_new(e, NULL, NULL) : NULL;
    kiln_wasi_config wc = {0};
    kiln_wasi *w = kiln_wasi_new(&wc, &err);
    if (!st || !w || !kiln_wasi_attach(w, st, &err)) { fprintf(stderr, "setup: %s\n", err.message); return 1; }

    /* the per-request reads */
    kiln_store_stats ss;
    kiln_wasi_usage wu;
    double t0 = now();
    for (int i = 0; i < N; i++) {
        kiln_store_stats_get(st, &ss);
        kiln_wasi_get_usage(w, &wu);
    }
    double reads_ns = (now() - t0) / N * 1e9;
    kiln_meter m;
    kiln_usage u;
    t0 = now();
    for (int i = 0; i < N / 10; i++) {
        kiln_meter_start(&m, st, w);
        kiln_meter_stop(&m, &u);
    }
    double meter_ns = (now() - t0) / (N / 10) * 1e9;

    /* agg_push against a live aggregator and registry */
    perr pe = {0};
    server *s = calloc(1, sizeof *s);
    if (!s || !(s->reg = reg_open(dir, &pe))) { fprintf(stderr, "registry: %s\n", pe.message); return 1; }
    s->metrics = metrics_new();
    reg_deploy d = {.module = "bench", .digest = "00", .size = 1, .actor = "bench"};
    cJSON *out = NULL;
    reg_add_version(s->reg, &d, &out, &pe);
    cJSON_Delete(out);
    reg_target t;
    if (!reg_resolve(s->reg, "bench", "v1", &t, &pe)) { fprintf(stderr, "resolve: %s\n", pe.message); return 1; }
    agg_config ac = {.flush_ms = 1000, .regression_threshold = 0.2};
    kiln_prices_builtin("aws-lambda-x86", &ac.prices);
    if (!(A = agg_start(s, &ac, &pe))) { fprintf(stderr, "agg: %s\n", pe.message); return 1; }
    U = (usage_record){.module = "bench", .version = 1, .module_id = t.module_id, .version_id = t.version_id,
                       .status = 200, .start_unix_ms = reg_now_ms(), .total_ns = 20000, .meter = &u};
    pthread_t th[2];
    pthread_barrier_init(&bar, NULL, 3);
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, pusher, (void *)(intptr_t)i);
    double flush_s = 0;
    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_wait(&bar);
        pthread_barrier_wait(&bar);
        t0 = now();
        agg_flush(A, &pe);
        flush_s += now() - t0;
    }
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    double push_ns = (push_time[0] + push_time[1]) / 2 / (ROUNDS * PER_ROUND) * 1e9;
    flush_s /= ROUNDS;
    agg_stop(A);
    metrics_free(s->metrics);
    reg_close(s->reg);
    free(s);
    double added = reads_ns + push_ns + meter_ns / 64;
    printf("{\"store_and_wasi_reads_ns\":%.1f,\"meter_pair_ns\":%.1f,\"agg_push_ns_two_threads\":%.1f,"
           "\"flush_of_2000_records_s\":%.4f,\"added_per_request_ns_at_1_in_64\":%.1f}\n",
           reads_ns, meter_ns, push_ns, flush_s, added);
    kiln_wasi_free(w);
    kiln_store_free(st);
    kiln_engine_free(e);
    return 0;
}
