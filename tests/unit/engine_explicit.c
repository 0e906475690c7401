/*
 * engine_explicit.c — the contract of kiln_config.explicit_bounds_checks
 * (include/kiln.h): an engine that checks every access installs no signal
 * handler, and each linear memory reserves the address space of its
 * maximum, not the 8 GiB that guard pages need. This program creates only
 * such engines, so kiln's handler must be nowhere in the process. Modules
 * (assembled with wat2wasm):
 *
 *   (module (memory (export "memory") 1 3)
 *     (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
 *     (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
 *   (module (memory (export "memory") 1)
 *     (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "tap.h"

static const unsigned char with_max[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x00, 0x05, 0x04, 0x01,
  0x01, 0x01, 0x03, 0x07, 0x18, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72,
  0x79, 0x02, 0x00, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x00, 0x04, 0x67,
  0x72, 0x6f, 0x77, 0x00, 0x01, 0x0a, 0x10, 0x02, 0x07, 0x00, 0x20, 0x00,
  0x28, 0x02, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b};
static const unsigned char no_max[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00,
  0x01, 0x07, 0x11, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02,
  0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x0a, 0x08, 0x01, 0x06,
  0x00, 0x20, 0x00, 0x40, 0x00, 0x0b};

static kiln_val i32(int32_t v) { kiln_val x; memset(&x, 0, sizeof x); x.type = KILN_I32; x.of.i32 = v; return x; }

/* A memory's reservation: from its base to the end of the mapping just
 * past its accessible bytes (the inaccessible rest of the reservation,
 * /proc/self/maps), 0 if none. */
static unsigned long long reservation(kiln_memory *m) {
    uintptr_t base = (uintptr_t)kiln_memory_data(m), past = base + kiln_memory_size(m);
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return 0;
    unsigned long long lo, hi, found = 0;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && past >= lo && past < hi) { found = hi - base; break; }
    fclose(f);
    return found;
}

/* The SIGSEGV disposition the process had before any engine existed: SIG_DFL
 * in a plain build, the sanitizer's own handler under ASan. kiln must leave
 * it exactly as it found it. */
static struct sigaction before;

static bool segv_handler_unchanged(void) {
    struct sigaction sa;
    if (sigaction(SIGSEGV, NULL, &sa) != 0) return false;
    if ((sa.sa_flags & SA_SIGINFO) != (before.sa_flags & SA_SIGINFO)) return false;
    return (sa.sa_flags & SA_SIGINFO) ? sa.sa_sigaction == before.sa_sigaction : sa.sa_handler == before.sa_handler;
}

int main(void) {
    CHECK(sigaction(SIGSEGV, NULL, &before) == 0, "read the SIGSEGV disposition before any engine exists");
    kiln_config cfg = {.explicit_bounds_checks = true};
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(&cfg, &err);
    CHECK(e != NULL, "an engine with explicit bounds checks: %s", e ? "made" : err.message);
    if (!e) TAP_DONE();
    CHECK(segv_handler_unchanged(), "it installs no SIGSEGV handler (the disposition is unchanged)");

    kiln_module *m = kiln_module_new(e, with_max, sizeof with_max, &err);
    kiln_store *s = kiln_store_new(e, NULL, NULL);
    kiln_trap *t = NULL;
    kiln_instance *in = m && s ? kiln_instantiate(s, NULL, m, &t, &err) : NULL;
    CHECK(in != NULL, "a module with a memory of 1..3 pages instantiates");
    if (!in) TAP_DONE();
    kiln_memory *mem = kiln_instance_memory(in, "memory");
    unsigned long long r = reservation(mem);
    CHECK(r == 3 * 65536, "its reservation is its maximum, 3 pages (%llu bytes, not 8 GiB)", r);

    kiln_val a = i32(65536 - 2), res;
    kiln_status st = kiln_call(s, kiln_instance_func(in, "load"), &a, 1, &res, 1, &t, &err);
    CHECK(st == KILN_TRAPPED && t && t->kind == KILN_TRAP_MEMORY_OUT_OF_BOUNDS,
          "a load across the end traps as out of bounds, with no handler to catch a fault");
    if (t) { kiln_trap_free(t); t = NULL; }
    CHECK(segv_handler_unchanged(), "still no handler after the trap");

    a = i32(2);
    st = kiln_call(s, kiln_instance_func(in, "grow"), &a, 1, &res, 1, &t, &err);
    CHECK(st == KILN_OK && res.of.i32 == 1, "memory.grow to the maximum works (old size %d)", res.of.i32);
    a = i32(65536 * 3 - 4);
    st = kiln_call(s, kiln_instance_func(in, "load"), &a, 1, &res, 1, &t, &err);
    CHECK(st == KILN_OK && res.of.i32 == 0, "the last word of the grown memory reads as zero");
    if (t) { kiln_trap_free(t); t = NULL; }
    a = i32(1);
    st = kiln_call(s, kiln_instance_func(in, "grow"), &a, 1, &res, 1, &t, &err);
    CHECK(st == KILN_OK && res.of.i32 == -1, "growing past the maximum fails with -1");
    kiln_store_free(s);
    kiln_module_free(m);

    /* No maximum: the store's memory limit bounds the reservation. */
    kiln_limits lim = {.max_memory_bytes = 1u << 20};
    m = kiln_module_new(e, no_max, sizeof no_max, &err);
    s = kiln_store_new(e, &lim, NULL);
    in = m && s ? kiln_instantiate(s, NULL, m, &t, &err) : NULL;
    CHECK(in != NULL, "a memory with no maximum in a store limited to 1 MiB instantiates");
    if (in) {
        r = reservation(kiln_instance_memory(in, "memory"));
        CHECK(r == (1u << 20), "its reservation is the store's limit (%llu bytes)", r);
        a = i32(15);
        st = kiln_call(s, kiln_instance_func(in, "grow"), &a, 1, &res, 1, &t, &err);
        CHECK(st == KILN_OK && res.of.i32 == 1, "it grows to the limit");
        a = i32(1);
        st = kiln_call(s, kiln_instance_func(in, "grow"), &a, 1, &res, 1, &t, &err);
        CHECK(st == KILN_OK && res.of.i32 == -1, "and no further");
    }
    kiln_store_free(s);
    kiln_module_free(m);
    kiln_engine_free(e);
    TAP_DONE();
}
