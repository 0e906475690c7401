/*
 * memory.c — linear memory. Each memory reserves 8 GiB + 64 KiB of address
 * space up front (PROT_NONE, no backing), and grows by making the front of
 * the reservation accessible. A wasm32 effective address is a 32-bit index
 * plus a 32-bit offset, so every access lands inside the reservation: past
 * the accessible part it faults, and trap.c turns the fault into a trap.
 * The base never moves, so the interpreter can keep it in a register.
 *
 * With kiln_config.explicit_bounds_checks every access is checked and
 * nothing may fault (the engine installs no signal handler): a memory then
 * reserves only what it may grow to (its maximum, within the store's
 * memory limit), so that the base still never moves.
 *
 * A memory64 memory is always accessed with explicit checks (guard pages
 * cannot cover 64-bit addresses), so it reserves the same way: what it may
 * grow to, which can pass 4 GiB when the store's memory limit does. Its
 * reservation's size varies with that, so it does not go through the
 * engine's pool of reservations (pool.c), which reuses one size.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/runtime.h"
#include "engine/errkind.h"

#define RESERVE (((size_t)8 << 30) + 65536)

kiln_memory *memory_create(kiln_store *s, uint64_t min_pages, uint64_t max_pages, bool has_max, bool is64,
                           kiln_error *err) {
    uint64_t limit = s->limits.max_memory_bytes;
    uint64_t top = is64 ? KILN_MAX_PAGES64 : KILN_MAX_PAGES;
    if (min_pages > top || (uint64_t)min_pages * KILN_PAGE_SIZE > limit) {
        if (err)
            error_set(err, KILN_ERR_LIMIT, 
                     "memory needs %llu pages (%llu bytes) at start but the limit is %llu bytes",
                     (unsigned long long)min_pages,
                     (unsigned long long)min_pages * KILN_PAGE_SIZE, (unsigned long long)limit);
        return NULL;
    }
    if (!store_budget_fits(s, (uint64_t)min_pages * KILN_PAGE_SIZE)) {
        if (err)
            error_set(err, KILN_ERR_LIMIT, 
                     "memory needs %llu pages (%llu bytes) at start but the memory limit of %llu bytes has %llu left "
                     "(tables and other memories hold the rest)", (unsigned long long)min_pages,
                     (unsigned long long)min_pages * KILN_PAGE_SIZE, (unsigned long long)limit,
                     (unsigned long long)store_budget_left(s));
        return NULL;
    }
    kiln_memory *m = calloc(1, sizeof *m);
    if (!m) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    size_t want = (size_t)min_pages * KILN_PAGE_SIZE;
    size_t reserve = RESERVE;
    if (has_max && max_pages > top) max_pages = top;
    if (is64 || engine_explicit_bounds(s->engine)) {
        uint64_t most = (uint64_t)(has_max ? max_pages : top) * KILN_PAGE_SIZE;
        if (most > limit) most = limit / KILN_PAGE_SIZE * KILN_PAGE_SIZE;
        if (most < want) most = want;
        reserve = most ? (size_t)most : KILN_PAGE_SIZE;
    }
    uint8_t *pooled;
    if (!is64 && pool_take_memory(s->engine, reserve, want, &pooled)) {
        m->base = pooled;
        m->reserved = reserve;
        goto ready;
    }
    void *p = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        error_set(err, KILN_ERR_NO_MEMORY, "cannot reserve address space for linear memory: %s", strerror(errno));
        free(m);
        return NULL;
    }
    m->base = p;
    m->reserved = reserve;
    if (min_pages && mprotect(p, want, PROT_READ | PROT_WRITE) != 0) {
        error_set(err, KILN_ERR_NO_MEMORY, "cannot commit %llu pages of linear memory: %s", (unsigned long long)min_pages,
                  strerror(errno));
        munmap(p, reserve);
        free(m);
        return NULL;
    }
ready:
    m->max_pages = has_max ? max_pages : top;
    m->has_max = has_max;
    m->is64 = is64;
    m->limit_bytes = limit;
    m->store = s;
    m->size = (uint64_t)min_pages * KILN_PAGE_SIZE;
    m->next = s->memories;
    s->memories = m;
    store_memory_changed(s, (int64_t)m->size);
    return m;
}

void store_memory_changed(kiln_store *s, int64_t delta) {
    uint64_t t = engine_now_ns();
    if (s->mem_t) s->memory_byte_ns += (double)s->memory_bytes * (double)(t - s->mem_t);
    s->mem_t = t;
    s->memory_bytes = (uint64_t)((int64_t)s->memory_bytes + delta);
    if (s->memory_bytes > s->peak_memory_bytes) s->peak_memory_bytes = s->memory_bytes;
}

/* One budget per store: a module cannot step around --max-memory with
 * tables (40 tables of 10M slots are 3.2 GB of host memory) or with
 * requests that make the host allocate for it. */
bool store_budget_fits(const kiln_store *s, uint64_t more) {
    uint64_t used = s->memory_bytes + s->table_bytes + s->host_bytes, lim = s->limits.max_memory_bytes;
    return used <= lim && more <= lim - used;
}

uint64_t store_budget_left(const kiln_store *s) {
    uint64_t used = s->memory_bytes + s->table_bytes + s->host_bytes, lim = s->limits.max_memory_bytes;
    return used < lim ? lim - used : 0;
}

bool kiln_store_hold(kiln_store *s, uint64_t bytes) {
    if (!store_budget_fits(s, bytes)) return false;
    s->host_bytes += bytes;
    return true;
}

void kiln_store_release(kiln_store *s, uint64_t bytes) {
    s->host_bytes -= bytes < s->host_bytes ? bytes : s->host_bytes;
}

int64_t memory_grow(kiln_memory *m, uint64_t delta) {
    uint64_t old = m->size / KILN_PAGE_SIZE;
    if (delta == 0) return (int64_t)old;
    if (delta > m->max_pages) return -1; /* also keeps old + delta from wrapping (memory64) */
    uint64_t pages = old + delta;
    if (pages > m->max_pages || pages * KILN_PAGE_SIZE > m->limit_bytes) return -1;
    if (!store_budget_fits(m->store, delta * KILN_PAGE_SIZE)) return -1;
    if (pages * KILN_PAGE_SIZE > m->reserved) return -1; /* explicit checks: the reservation is the maximum */
    if (mprotect(m->base + m->size, delta * KILN_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) return -1;
    m->size = pages * KILN_PAGE_SIZE;
    KILN_ASSERT(m->size <= m->reserved);
    store_memory_changed(m->store, (int64_t)(delta * KILN_PAGE_SIZE));
    return (int64_t)old;
}

void memory_destroy(kiln_memory *m) {
    if (m->is64) munmap(m->base, m->reserved); /* not pooled: see the top */
    else pool_give_memory(m->store->engine, m->base, m->reserved, m->size);
    free(m);
}

uint8_t *kiln_memory_data(kiln_memory *m) { return m->base; }
uint64_t kiln_memory_size(const kiln_memory *m) { return m->size; }
int64_t kiln_memory_grow(kiln_memory *m, uint32_t delta) { return memory_grow(m, delta); }

kiln_memory *kiln_memory_new(kiln_store *s, uint32_t min, uint32_t max, kiln_error *err) {
    bool has_max = max != UINT32_MAX;
    if (min > KILN_MAX_PAGES || (has_max && (max > KILN_MAX_PAGES || max < min))) {
        error_set(err, KILN_ERR_ARGUMENT, "invalid memory limits %u..%u pages", min, max);
        return NULL;
    }
    return memory_create(s, min, max, has_max, false, err);
}
