/* serve_cost.c — where one kiln serve request's time goes, measured in
 * process with the same calls invoke.c makes (no HTTP), for bench/serve.sh:
 *
 *   setup        kiln_wasi_new + kiln_store_new + kiln_wasi_attach
 *   instantiate  kiln_instantiate (memory reserved, data segments applied)
 *   run          _start
 *   teardown     kiln_store_free + kiln_wasi_free (memory unmapped)
 *   faults       minor page faults per request (getrusage), the kernel work
 *                that a fresh memory costs
 *
 * and, for context, what the operating system charges for a fresh linear
 * memory (reserve, commit, first touch of some pages, unmap) against reusing
 * one (madvise(MADV_DONTNEED), touch again): the difference a pooled or
 * copy-on-write memory image would make.
 *
 * Usage: serve_cost MODULE.wasm [ITERATIONS]   (prints JSON) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "kiln.h"
#include "kiln_wasi.h"

static uint64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double p50_us(uint64_t *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return (double)v[n / 2] / 1000.0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: serve_cost MODULE.wasm [ITERATIONS]\n"); return 2; }
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    if (n < 10) n = 10;
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    static uint8_t buf[16 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = e ? kiln_module_new(e, buf, len, &err) : NULL;
    kiln_linker *l = m ? kiln_linker_new(e) : NULL;
    if (!l || !kiln_wasi_define(l, &err)) { fprintf(stderr, "serve_cost: %s\n", err.message); return 1; }
    uint64_t *ph[5];
    for (int k = 0; k < 5; k++) ph[k] = calloc((size_t)n, sizeof(uint64_t));
    const char *args[] = {"hello"};
    const char *env[] = {"REQUEST_METHOD=GET", "PATH_INFO=/"};
    for (int i = 0; i < n; i++) {
        kiln_wasi_config wc = {
            .argv = args, .argc = 1, .env = env, .envc = 2,
            .stdio = {{.kind = KILN_WASI_STDIO_BUFFER}, {.kind = KILN_WASI_STDIO_BUFFER}, {.kind = KILN_WASI_STDIO_BUFFER}},
        };
        struct rusage ru0, ru1;
        getrusage(RUSAGE_SELF, &ru0);
        uint64_t t0 = now();
        kiln_limits lim = {.max_memory_bytes = 1ull << 30, .timeout_ns = 30000000000ull};
        kiln_wasi *w = kiln_wasi_new(&wc, &err);
        kiln_store *s = kiln_store_new(e, &lim, NULL);
        kiln_wasi_attach(w, s, &err);
        uint64_t t1 = now();
        kiln_trap *trap = NULL;
        kiln_instance *inst = kiln_instantiate(s, l, m, &trap, &err);
        uint64_t t2 = now();
        if (!inst) { fprintf(stderr, "serve_cost: cannot instantiate: %s\n", err.message); return 1; }
        kiln_status st = kiln_call(s, kiln_instance_func(inst, "_start"), NULL, 0, NULL, 0, &trap, &err);
        uint64_t t3 = now();
        if (st == KILN_TRAPPED && trap->kind != KILN_TRAP_EXIT) { fprintf(stderr, "serve_cost: trapped\n"); return 1; }
        if (trap) kiln_trap_free(trap);
        kiln_store_free(s);
        kiln_wasi_free(w);
        uint64_t t4 = now();
        getrusage(RUSAGE_SELF, &ru1);
        ph[4][i] = (uint64_t)(ru1.ru_minflt - ru0.ru_minflt) * 1000; /* p50_us() divides by 1000 */
        ph[0][i] = t1 - t0; ph[1][i] = t2 - t1; ph[2][i] = t3 - t2; ph[3][i] = t4 - t3;
    }
    uint64_t *tot = calloc((size_t)n, sizeof(uint64_t));
    for (int i = 0; i < n; i++) tot[i] = ph[0][i] + ph[1][i] + ph[2][i] + ph[3][i];
    printf("{\"iterations\": %d, \"p50_us\": {\"setup\": %.2f, \"instantiate\": %.2f, \"run\": %.2f, "
           "\"teardown\": %.2f, \"total\": %.2f}, \"page_faults_p50\": %.0f,\n",
           n, p50_us(ph[0], n), p50_us(ph[1], n), p50_us(ph[2], n), p50_us(ph[3], n), p50_us(tot, n),
           p50_us(ph[4], n));

    /* The operating system's share: a fresh 8 GiB reservation with 17
     * pages committed (what a wasi-libc module with a 1 MiB stack starts
     * with), 16 4-KiB pages touched, unmapped; against the same memory
     * reused through madvise(MADV_DONTNEED). */
    const size_t reserve = ((size_t)8 << 30) + 65536, commit = 17 * 65536;
    int reps = n / 4 > 50 ? n / 4 : 50;
    uint64_t *fresh = calloc((size_t)reps, sizeof(uint64_t)), *reuse = calloc((size_t)reps, sizeof(uint64_t));
    uint64_t *bare = calloc((size_t)reps, sizeof(uint64_t));
    for (int i = 0; i < reps; i++) {
        uint64_t t0 = now();
        char *p = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        mprotect(p, commit, PROT_READ | PROT_WRITE);
        munmap(p, reserve);
        uint64_t t1 = now();
        p = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        mprotect(p, commit, PROT_READ | PROT_WRITE);
        for (int k = 0; k < 16; k++) p[(size_t)k * 65536] = 1;
        munmap(p, reserve);
        uint64_t t2 = now();
        bare[i] = t1 - t0;
        fresh[i] = t2 - t1;
    }
    char *p = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    mprotect(p, commit, PROT_READ | PROT_WRITE);
    for (int i = 0; i < reps; i++) {
        uint64_t t0 = now();
        madvise(p, commit, MADV_DONTNEED);
        for (int k = 0; k < 16; k++) p[(size_t)k * 65536] = 1;
        reuse[i] = now() - t0;
    }
    /* Reuse without giving pages back: reset the committed area in place
     * (what a pool that keeps memories resident would pay at most). */
    uint64_t *reset = calloc((size_t)reps, sizeof(uint64_t));
    memset(p, 0, commit);
    for (int i = 0; i < reps; i++) {
        uint64_t t0 = now();
        memset(p, 0, commit);
        for (int k = 0; k < 16; k++) p[(size_t)k * 65536] = 1;
        reset[i] = now() - t0;
    }
    munmap(p, reserve);
    printf(" \"os_p50_us\": {\"reserve_commit_unmap\": %.2f, \"reserve_commit_touch16_unmap\": %.2f, "
           "\"reuse_dontneed_touch16\": %.2f, \"reuse_resident_memset_17pages\": %.2f}}\n",
           p50_us(bare, reps), p50_us(fresh, reps), p50_us(reuse, reps), p50_us(reset, reps));
    return 0;
}
