/*
 * engine_pool.c — recycled linear memories (src/engine/pool.c) must come
 * back as fresh as new ones: a store that dirties memory, grows it and is
 * freed must leave nothing for the next store of the same engine to see,
 * whatever the sizes, and the guard beyond the accessible size must still
 * trap. The module (assembled from this text with wat2wasm):
 *
 *   (module
 *     (memory (export "memory") 2)
 *     (data (i32.const 100) "seed")
 *     ;; fill [0, n) with 0xAB, then grow by g pages and fill the new part too
 *     (func (export "dirty") (param $n i32) (param $g i32)
 *       (memory.fill (i32.const 0) (i32.const 0xAB) (local.get $n))
 *       (if (i32.gt_u (local.get $g) (i32.const 0))
 *         (then
 *           (drop (memory.grow (local.get $g)))
 *           (memory.fill (i32.const 131072) (i32.const 0xCD) (i32.mul (local.get $g) (i32.const 65536))))))
 *     ;; sum of all bytes of memory except the data segment's 4 bytes
 *     (func (export "sum") (result i64) (local $i i32) (local $s i64)
 *       (block $done (loop $l
 *         (br_if $done (i32.ge_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))
 *         (if (i32.or (i32.lt_u (local.get $i) (i32.const 100)) (i32.ge_u (local.get $i) (i32.const 104)))
 *           (then (local.set $s (i64.add (local.get $s) (i64.load8_u (local.get $i))))))
 *         (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *         (br $l)))
 *       (local.get $s))
 *     (func (export "pages") (result i32) (memory.size))
 *     (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
 *     (func (export "seed") (result i32) (i32.load (i32.const 100))))
 */
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "kiln.h"
#include "engine/engine.h" /* the residency seam */
#include "tap.h"

static const unsigned char wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x04, 0x60,
  0x02, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x01, 0x7e, 0x60, 0x00, 0x01, 0x7f,
  0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x06, 0x05, 0x00, 0x01, 0x02, 0x03,
  0x02, 0x05, 0x03, 0x01, 0x00, 0x02, 0x07, 0x2e, 0x06, 0x06, 0x6d, 0x65,
  0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x05, 0x64, 0x69, 0x72, 0x74, 0x79,
  0x00, 0x00, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x01, 0x05, 0x70, 0x61, 0x67,
  0x65, 0x73, 0x00, 0x02, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x03, 0x04,
  0x73, 0x65, 0x65, 0x64, 0x00, 0x04, 0x0a, 0x7f, 0x05, 0x2a, 0x00, 0x41,
  0x00, 0x41, 0xab, 0x01, 0x20, 0x00, 0xfc, 0x0b, 0x00, 0x20, 0x01, 0x41,
  0x00, 0x4b, 0x04, 0x40, 0x20, 0x01, 0x40, 0x00, 0x1a, 0x41, 0x80, 0x80,
  0x08, 0x41, 0xcd, 0x01, 0x20, 0x01, 0x41, 0x80, 0x80, 0x04, 0x6c, 0xfc,
  0x0b, 0x00, 0x0b, 0x0b, 0x3d, 0x02, 0x01, 0x7f, 0x01, 0x7e, 0x02, 0x40,
  0x03, 0x40, 0x20, 0x00, 0x3f, 0x00, 0x41, 0x80, 0x80, 0x04, 0x6c, 0x4f,
  0x0d, 0x01, 0x20, 0x00, 0x41, 0xe4, 0x00, 0x49, 0x20, 0x00, 0x41, 0xe8,
  0x00, 0x4f, 0x72, 0x04, 0x40, 0x20, 0x01, 0x20, 0x00, 0x31, 0x00, 0x00,
  0x7c, 0x21, 0x01, 0x0b, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x0c,
  0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b, 0x06,
  0x00, 0x20, 0x00, 0x40, 0x00, 0x0b, 0x08, 0x00, 0x41, 0xe4, 0x00, 0x28,
  0x02, 0x00, 0x0b, 0x0b, 0x0b, 0x01, 0x00, 0x41, 0xe4, 0x00, 0x0b, 0x04,
  0x73, 0x65, 0x65, 0x64
};

static kiln_val i32(int32_t v) { kiln_val x; memset(&x, 0, sizeof x); x.type = KILN_I32; x.of.i32 = v; return x; }

/* Instantiates the module in a fresh store; dirties n bytes and grows g
 * pages; returns the checksum a fresh store sees afterwards. */
static int64_t round_trip(kiln_engine *e, kiln_module *m, int32_t n, int32_t g, int32_t *pages, int32_t *seed) {
    kiln_error err = {0};
    kiln_trap *t = NULL;
    kiln_store *s = kiln_store_new(e, NULL, NULL);
    kiln_instance *in = kiln_instantiate(s, NULL, m, &t, &err);
    kiln_val args[2] = {i32(n), i32(g)};
    kiln_call(s, kiln_instance_func(in, "dirty"), args, 2, NULL, 0, &t, &err);
    kiln_store_free(s); /* the memory goes back to the pool */

    s = kiln_store_new(e, NULL, NULL);
    in = kiln_instantiate(s, NULL, m, &t, &err);
    kiln_val r;
    kiln_call(s, kiln_instance_func(in, "pages"), NULL, 0, &r, 1, &t, &err);
    *pages = r.of.i32;
    kiln_call(s, kiln_instance_func(in, "seed"), NULL, 0, &r, 1, &t, &err);
    *seed = r.of.i32;
    /* Pages grown again, where the last store had been, must be zero too. */
    kiln_val g10 = i32(10);
    kiln_call(s, kiln_instance_func(in, "grow"), &g10, 1, &r, 1, &t, &err);
    kiln_call(s, kiln_instance_func(in, "sum"), NULL, 0, &r, 1, &t, &err);
    kiln_store_free(s);
    return r.of.i64;
}

/* Residency probes that report pages the last guest wrote as not resident,
 * as mincore does when they have been swapped out: the reset must zero
 * them all the same (the bytes come back from swap on the next read). */
static int all_swapped(void *addr, size_t len, unsigned char *vec) {
    if (mincore(addr, len, vec) != 0) return -1;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < (len + pg - 1) / pg; i++) vec[i] &= (unsigned char)~1u;
    return 0;
}
static int odd_swapped(void *addr, size_t len, unsigned char *vec) {
    if (mincore(addr, len, vec) != 0) return -1;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 1; i < (len + pg - 1) / pg; i += 2) vec[i] &= (unsigned char)~1u;
    return 0;
}

static void swapped_pages(int (*probe)(void *, size_t, unsigned char *), const char *what) {
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = e ? kiln_module_new(e, wasm, sizeof wasm, &err) : NULL;
    if (!m) { CHECK(0, "engine for the swap case (%s)", err.message); return; }
    e->residency = probe;
    static const struct { int32_t n, g; } cases[] = {{131072, 0}, {131072, 3}, {4096, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t pages, seed;
        int64_t sum = round_trip(e, m, cases[i].n, cases[i].g, &pages, &seed);
        CHECK(sum == 0 && pages == 2 && seed == 0x64656573,
              "%s: after a store dirtied %d bytes and grew %d pages, the next store reads zeros everywhere (sum %lld, %d pages)",
              what, cases[i].n, cases[i].g, (long long)sum, pages);
    }
    kiln_module_free(m);
    kiln_engine_free(e);
}

int main(void) {
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = e ? kiln_module_new(e, wasm, sizeof wasm, &err) : NULL;
    CHECK(m != NULL, "the test module compiles (%s)", err.message);
    if (!m) TAP_DONE();
    static const struct { int32_t n, g; } cases[] = {{100, 0}, {131072, 0}, {131072, 3}, {131072, 300}, {4096, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t pages, seed;
        int64_t sum = round_trip(e, m, cases[i].n, cases[i].g, &pages, &seed);
        CHECK(sum == 0 && pages == 2 && seed == 0x64656573,
              "after a store dirtied %d bytes and grew %d pages, the next store sees 2 zeroed pages, its data, and 10 zeroed pages when it grows (sum %lld, %d pages)",
              cases[i].n, cases[i].g, (long long)sum, pages);
    }

    /* The guard: a recycled memory still faults past its accessible size. */
    kiln_store *s = kiln_store_new(e, NULL, NULL);
    kiln_trap *t = NULL;
    kiln_instance *in = kiln_instantiate(s, NULL, m, &t, &err);
    kiln_val args[2] = {i32(131072 + 1), i32(0)};
    kiln_status st = kiln_call(s, kiln_instance_func(in, "dirty"), args, 2, NULL, 0, &t, &err);
    CHECK(st == KILN_TRAPPED && t && t->kind == KILN_TRAP_MEMORY_OUT_OF_BOUNDS,
          "a fill one byte past a recycled memory's end traps as out of bounds");
    kiln_trap_free(t);
    kiln_store_free(s);

    /* Many stores at once: more than the pool keeps, all fresh. */
    enum { N = 80 };
    kiln_store *many[N];
    int fresh = 0;
    for (int i = 0; i < N; i++) {
        many[i] = kiln_store_new(e, NULL, NULL);
        in = kiln_instantiate(many[i], NULL, m, &t, &err);
        kiln_val r;
        if (in && kiln_call(many[i], kiln_instance_func(in, "sum"), NULL, 0, &r, 1, &t, &err) == KILN_OK && r.of.i64 == 0) fresh++;
        kiln_val d[2] = {i32(65536), i32(1)};
        if (in) kiln_call(many[i], kiln_instance_func(in, "dirty"), d, 2, NULL, 0, &t, &err);
    }
    for (int i = 0; i < N; i++) kiln_store_free(many[i]);
    CHECK(fresh == N, "%d stores alive at once each start with zeroed memory (%d did)", N, fresh);

    kiln_module_free(m);
    kiln_engine_free(e);

    /* Swap cannot be forced in a test; a probe that says what swap would. */
    swapped_pages(all_swapped, "pages swapped out");
    swapped_pages(odd_swapped, "every other page swapped out");
    TAP_DONE();
}
