/*
 * pool.c — recycling what every store needs and is slow to make: linear
 * memory reservations and the value and call stacks.
 *
 * A server makes a store per request. Mapping 8 GiB of address space,
 * faulting in the pages a guest touches and unmapping it all again costs
 * hundreds of microseconds on a VM (page faults and TLB shootdowns are
 * expensive there), far more than running a small guest. So a released
 * memory goes back to the engine with its pages still resident, and the next
 * store resets it in place: mincore() tells which pages are resident, and
 * those are zeroed with memset; the others are dropped (MADV_DONTNEED), which
 * is nearly free for pages never touched and, for pages swapped out, throws
 * the last guest's bytes away instead of reading them back. Pages past the new size are made
 * inaccessible and dropped (MADV_DONTNEED), so the invariant holds that
 * every page of a reservation beyond its accessible size is zero.
 *
 * The pool keeps at most POOL_MEMORIES reservations and POOL_KEEP_BYTES of
 * each; the rest is returned to the kernel.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/runtime.h"

#define POOL_MEMORIES 64
#define POOL_STACKS 64
#define POOL_KEEP_BYTES ((size_t)16 << 20)
/* Above this many resident bytes, dropping pages beats zeroing them. */
#define ZERO_BY_MEMSET_MAX ((size_t)8 << 20)

struct pool {
    pthread_mutex_t lock;
    struct { uint8_t *base; size_t reserved, committed; } mem[POOL_MEMORIES];
    uint32_t nmem;
    struct { uint64_t *stack; size_t stack_bytes; frame *frames; size_t nframes; } stk[POOL_STACKS];
    uint32_t nstk;
};

static size_t os_page(void) {
    static size_t p;
    if (!p) p = (size_t)sysconf(_SC_PAGESIZE);
    return p;
}

static struct pool *pool_get(kiln_engine *e) {
    pthread_mutex_lock(&e->lock);
    if (!e->pool) {
        struct pool *p = calloc(1, sizeof *p);
        if (p) { pthread_mutex_init(&p->lock, NULL); e->pool = p; }
    }
    struct pool *p = e->pool;
    pthread_mutex_unlock(&e->lock);
    return p;
}

/* Makes every page of [base, base + len) read as zero. Residency only
 * chooses how: a resident page is cheaper to memset than to fault in again,
 * and a page mincore calls not resident is dropped with MADV_DONTNEED, which
 * on a private anonymous mapping discards its contents wherever they are
 * (never touched, or swapped out with the last guest's bytes) so that it
 * reads as zero. Trusting "not resident" to mean "never written" leaked one
 * tenant's swapped-out pages to the next (docs/security.md). */
static void zero_pages(uint8_t *at, size_t len, bool resident) {
    if (resident || madvise(at, len, MADV_DONTNEED) != 0) memset(at, 0, len);
}

static void zero_reused(kiln_engine *e, uint8_t *base, size_t len) {
    int (*resident_probe)(void *, size_t, unsigned char *) = e->residency ? e->residency : mincore;
    size_t pg = os_page(), npages = (len + pg - 1) / pg;
    if (!npages) return;
    unsigned char vec[4096];
    for (size_t first = 0; first < npages; first += sizeof vec) {
        size_t n = npages - first < sizeof vec ? npages - first : sizeof vec;
        uint8_t *at = base + first * pg;
        size_t span = n * pg;
        if (first * pg + span > len) span = len - first * pg;
        if (resident_probe(at, span, vec) != 0) { memset(at, 0, span); continue; }
        size_t resident = 0;
        for (size_t i = 0; i < n; i++) resident += vec[i] & 1;
        if (resident * pg > ZERO_BY_MEMSET_MAX) { zero_pages(at, span, false); continue; }
        for (size_t i = 0; i < n; i++) { /* runs of equal residency */
            bool in = vec[i] & 1;
            size_t j = i;
            while (j + 1 < n && (bool)(vec[j + 1] & 1) == in) j++;
            size_t off = i * pg, end = (j + 1) * pg;
            if (end > span) end = span;
            zero_pages(at + off, end - off, in);
            i = j;
        }
    }
}

bool pool_take_memory(kiln_engine *e, size_t reserve, size_t want, uint8_t **base) {
    struct pool *p = pool_get(e);
    if (!p) return false;
    pthread_mutex_lock(&p->lock);
    if (p->nmem == 0) { pthread_mutex_unlock(&p->lock); return false; }
    p->nmem--;
    uint8_t *b = p->mem[p->nmem].base;
    size_t have = p->mem[p->nmem].committed;
    if (p->mem[p->nmem].reserved != reserve) { /* not ours to reuse: give it back */
        munmap(b, p->mem[p->nmem].reserved);
        pthread_mutex_unlock(&p->lock);
        return false;
    }
    pthread_mutex_unlock(&p->lock);
    zero_reused(e, b, have < want ? have : want);
    if (have > want) {
        mprotect(b + want, have - want, PROT_NONE);
        madvise(b + want, have - want, MADV_DONTNEED);
    } else if (have < want && mprotect(b + have, want - have, PROT_READ | PROT_WRITE) != 0) {
        munmap(b, reserve);
        return false;
    }
    *base = b;
    return true;
}

void pool_give_memory(kiln_engine *e, uint8_t *base, size_t reserve, size_t committed) {
    struct pool *p = pool_get(e);
    if (committed > POOL_KEEP_BYTES) {
        /* Keep the pool's footprint bounded: drop what is past the cap. */
        mprotect(base + POOL_KEEP_BYTES, committed - POOL_KEEP_BYTES, PROT_NONE);
        madvise(base + POOL_KEEP_BYTES, committed - POOL_KEEP_BYTES, MADV_DONTNEED);
        committed = POOL_KEEP_BYTES;
    }
    if (p) {
        pthread_mutex_lock(&p->lock);
        if (p->nmem < POOL_MEMORIES) {
            p->mem[p->nmem].base = base;
            p->mem[p->nmem].reserved = reserve;
            p->mem[p->nmem].committed = committed;
            p->nmem++;
            pthread_mutex_unlock(&p->lock);
            return;
        }
        pthread_mutex_unlock(&p->lock);
    }
    munmap(base, reserve);
}

/* Stacks need no clearing: a frame's locals are zeroed on entry and its
 * temporaries are written before they are read. */
bool pool_take_stacks(kiln_engine *e, size_t stack_bytes, size_t nframes, uint64_t **stack, frame **frames) {
    struct pool *p = pool_get(e);
    if (!p) return false;
    pthread_mutex_lock(&p->lock);
    for (uint32_t i = p->nstk; i-- > 0;) {
        if (p->stk[i].stack_bytes != stack_bytes || p->stk[i].nframes != nframes) continue;
        *stack = p->stk[i].stack;
        *frames = p->stk[i].frames;
        p->stk[i] = p->stk[--p->nstk];
        pthread_mutex_unlock(&p->lock);
        return true;
    }
    pthread_mutex_unlock(&p->lock);
    return false;
}

void pool_give_stacks(kiln_engine *e, uint64_t *stack, size_t stack_bytes, frame *frames, size_t nframes) {
    struct pool *p = pool_get(e);
    if (p) {
        pthread_mutex_lock(&p->lock);
        if (p->nstk < POOL_STACKS) {
            p->stk[p->nstk].stack = stack;
            p->stk[p->nstk].stack_bytes = stack_bytes;
            p->stk[p->nstk].frames = frames;
            p->stk[p->nstk].nframes = nframes;
            p->nstk++;
            pthread_mutex_unlock(&p->lock);
            return;
        }
        pthread_mutex_unlock(&p->lock);
    }
    free(stack);
    free(frames);
}

void pool_free(kiln_engine *e) {
    struct pool *p = e->pool;
    if (!p) return;
    for (uint32_t i = 0; i < p->nmem; i++) munmap(p->mem[i].base, p->mem[i].reserved);
    for (uint32_t i = 0; i < p->nstk; i++) { free(p->stk[i].stack); free(p->stk[i].frames); }
    pthread_mutex_destroy(&p->lock);
    free(p);
    e->pool = NULL;
}
