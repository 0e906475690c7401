/* modcache.c — the compiled-module cache (see modcache.h). A doubly linked
 * list in recency order, and a hash table by digest: a budget in bytes lets
 * it hold hundreds of small modules, too many for a scan under the lock on
 * every request. The lock is held only for pointer moves and counts; a
 * module's footprint is measured outside it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform/modcache.h"
#include "platform/sha256.h"

struct mc_entry {
    char digest[SHA256_HEX_LEN + 1];
    kiln_module *module;
    int refs;            /* requests holding it, +1 while it is cached */
    bool cached;         /* still in the list (not evicted) */
    mc_entry *prev, *next;
    mc_entry *hnext;     /* the hash chain */
    size_t bytes;        /* what it is counted for in the cache's bytes */
    size_t module_bytes; /* kiln_module_footprint, as last measured */
    pthread_once_t syms_once;
    diag_symbols *syms;
    int native;          /* NATIVE_*, under the cache's lock */
    mc_entry *qnext;     /* the native queue */
};

enum { NATIVE_NONE, NATIVE_QUEUED, NATIVE_FAILED };

static void entry_free(mc_entry *en);
static size_t entry_footprint(mc_entry *en);
static void measure_module(mc_entry *en);
static void recount_locked(modcache *c, mc_entry *en, size_t bytes);

struct modcache {
    kiln_engine *engine;
    blobstore *blobs;
    size_t budget, max_entries; /* bytes; entries (0: no bound) */
    size_t count, bytes;   /* entries cached, and their footprints' sum */
    mc_entry *head, *tail; /* head: most recently used */
    mc_entry **buckets;    /* by digest; nbuckets a power of two */
    size_t nbuckets;
    pthread_mutex_t lock;
    mc_stats stats;
    /* native tier (mc_native_start) */
    bool native_on, native_stop;
    int native_cancel;
    char native_dir[4096];
    pthread_t native_thread;
    pthread_cond_t native_cv;
    mc_entry *qhead, *qtail;
};

modcache *mc_new(kiln_engine *engine, blobstore *blobs, size_t budget_bytes, size_t max_entries) {
    modcache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->engine = engine;
    c->blobs = blobs;
    c->budget = budget_bytes ? budget_bytes : MC_DEFAULT_BUDGET;
    c->max_entries = max_entries;
    c->nbuckets = 64;
    if (!(c->buckets = calloc(c->nbuckets, sizeof *c->buckets))) { free(c); return NULL; }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->native_cv, NULL);
    return c;
}

static void *native_worker(void *arg) {
    modcache *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->native_stop && !c->qhead) pthread_cond_wait(&c->native_cv, &c->lock);
        if (c->native_stop) break;
        mc_entry *en = c->qhead;
        c->qhead = en->qnext;
        if (!c->qhead) c->qtail = NULL;
        en->qnext = NULL;
        pthread_mutex_unlock(&c->lock);
        /* Half the CPUs at most: requests keep the others while a large
         * module compiles. */
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        kiln_native_options o = {.cache_dir = c->native_dir, .cancel = &c->native_cancel,
                                 .jobs = ncpu > 2 ? (unsigned)(ncpu / 2) : 1};
        kiln_native_info info;
        kiln_error err = {0};
        /* The module is shared with requests: kiln_module_compile_native
         * only ever sets its native code, once, atomically. */
        bool ok = kiln_module_compile_native(en->module, &o, &info, &err);
        if (!ok && !__atomic_load_n(&c->native_cancel, __ATOMIC_RELAXED))
            fprintf(stderr, "kiln serve: module %.12s stays on the interpreter: %s\n", en->digest, err.message);
        size_t bytes = 0;
        if (ok) { measure_module(en); bytes = entry_footprint(en); } /* now with the artifact */
        pthread_mutex_lock(&c->lock);
        if (ok) recount_locked(c, en, bytes);
        en->native = ok ? NATIVE_NONE : NATIVE_FAILED;
        c->stats.native_compiles += ok && !info.from_cache;
        c->stats.native_failures += !ok;
        c->stats.native_seconds += info.seconds;
        bool last = --en->refs == 0;
        if (last) {
            pthread_mutex_unlock(&c->lock);
            entry_free(en);
            pthread_mutex_lock(&c->lock);
        }
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

bool mc_native_start(modcache *c, const char *cache_dir, perr *e) {
    snprintf(c->native_dir, sizeof c->native_dir, "%s", cache_dir);
    if (pthread_create(&c->native_thread, NULL, native_worker, c)) {
        perr_set(e, 500, "cannot start the native compile thread");
        return false;
    }
    pthread_mutex_lock(&c->lock);
    c->native_on = true;
    pthread_mutex_unlock(&c->lock);
    return true;
}

/* With the lock held: queue a new entry for its native compile. */
static void native_enqueue_locked(modcache *c, mc_entry *en) {
    if (!c->native_on || kiln_module_is_native(en->module)) return;
    en->refs++;
    en->native = NATIVE_QUEUED;
    if (c->qtail) c->qtail->qnext = en;
    else c->qhead = en;
    c->qtail = en;
    pthread_cond_signal(&c->native_cv);
}

const char *mc_tier(modcache *c, const char *digest) {
    const char *t = NULL;
    pthread_mutex_lock(&c->lock);
    for (mc_entry *en = c->head; en; en = en->next) {
        if (strcmp(en->digest, digest)) continue;
        t = kiln_module_is_native(en->module) ? "native" : en->native == NATIVE_QUEUED ? "compiling" : "interp";
        break;
    }
    pthread_mutex_unlock(&c->lock);
    return t;
}

static void entry_free(mc_entry *en) {
    if (en->syms) diag_symbols_free(en->syms);
    kiln_module_free(en->module);
    free(en);
}

/* What an entry holds: the compiled module (with its native artifact once
 * loaded: measure_module again then), its trap symbols once built, and
 * itself. Outside the lock, by a holder of the entry: the module is
 * immutable but for its native code, set once. */
static size_t entry_footprint(mc_entry *en) {
    diag_symbols *syms = __atomic_load_n(&en->syms, __ATOMIC_ACQUIRE);
    return sizeof *en + __atomic_load_n(&en->module_bytes, __ATOMIC_RELAXED) + (syms ? diag_symbols_footprint(syms) : 0);
}

static void measure_module(mc_entry *en) {
    __atomic_store_n(&en->module_bytes, kiln_module_footprint(en->module), __ATOMIC_RELAXED);
}

/* The digest's bucket: the hex digits of a sha256 are uniform already. */
static size_t bucket_of(const modcache *c, const char *digest) {
    uint64_t h = 0;
    for (int i = 0; i < 16 && digest[i]; i++) {
        char d = digest[i];
        h = h << 4 | (uint64_t)(d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10);
    }
    return (size_t)(h & (c->nbuckets - 1));
}

static void unlink_entry(modcache *c, mc_entry *en) {
    if (en->prev) en->prev->next = en->next;
    else c->head = en->next;
    if (en->next) en->next->prev = en->prev;
    else c->tail = en->prev;
    en->prev = en->next = NULL;
    for (mc_entry **p = &c->buckets[bucket_of(c, en->digest)]; *p; p = &(*p)->hnext)
        if (*p == en) { *p = en->hnext; break; }
    en->hnext = NULL;
}

/* With the lock held: doubles the table when entries outnumber buckets
 * (kept as it is if that allocation fails: chains just grow longer). */
static void rehash_locked(modcache *c) {
    if (c->count < c->nbuckets) return;
    size_t n = c->nbuckets * 2;
    mc_entry **b = calloc(n, sizeof *b);
    if (!b) return;
    mc_entry **old = c->buckets;
    size_t nold = c->nbuckets;
    c->buckets = b;
    c->nbuckets = n;
    for (size_t i = 0; i < nold; i++)
        for (mc_entry *en = old[i], *next; en; en = next) {
            next = en->hnext;
            size_t k = bucket_of(c, en->digest);
            en->hnext = b[k];
            b[k] = en;
        }
    free(old);
}

static void push_front(modcache *c, mc_entry *en) {
    en->next = c->head;
    en->prev = NULL;
    if (c->head) c->head->prev = en;
    c->head = en;
    if (!c->tail) c->tail = en;
}

void mc_free(modcache *c) {
    if (!c) return;
    if (c->native_on) {
        pthread_mutex_lock(&c->lock);
        c->native_stop = true;
        __atomic_store_n(&c->native_cancel, 1, __ATOMIC_RELAXED); /* a compile under way stops */
        pthread_cond_broadcast(&c->native_cv);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->native_thread, NULL);
        for (mc_entry *en = c->qhead, *n; en; en = n) { /* never compiled */
            n = en->qnext;
            if (--en->refs == 0) entry_free(en);
        }
    }
    pthread_cond_destroy(&c->native_cv);
    for (mc_entry *en = c->head, *n; en; en = n) {
        n = en->next;
        entry_free(en);
    }
    pthread_mutex_destroy(&c->lock);
    free(c->buckets);
    free(c);
}

/* With the lock held: a cached entry, moved to the front and held. */
static mc_entry *find_locked(modcache *c, const char *digest) {
    for (mc_entry *en = c->buckets[bucket_of(c, digest)]; en; en = en->hnext) {
        if (strcmp(en->digest, digest)) continue;
        if (en != c->head) {
            /* Off the recency list and back on at its front. */
            if (en->prev) en->prev->next = en->next;
            if (en->next) en->next->prev = en->prev;
            else c->tail = en->prev;
            push_front(c, en);
        }
        en->refs++;
        return en;
    }
    return NULL;
}

/* With the lock held: drops least recently used entries while the cache is
 * over its budget in bytes (or its bound in entries, when one is set). An
 * entry still held by a request leaves the cache now, and its bytes with it,
 * and is freed by its last mc_release. An entry larger than the whole
 * budget does not stay, even the newest. */
static void evict_locked(modcache *c) {
    while (c->tail && (c->bytes > c->budget || (c->max_entries && c->count > c->max_entries))) {
        mc_entry *victim = c->tail;
        unlink_entry(c, victim);
        victim->cached = false;
        c->count--;
        c->bytes -= victim->bytes;
        c->stats.evictions++;
        if (--victim->refs == 0) entry_free(victim);
    }
}

/* With the lock held: an entry's footprint changed (native code, symbols). */
static void recount_locked(modcache *c, mc_entry *en, size_t bytes) {
    if (en->cached) {
        c->bytes = c->bytes - en->bytes + bytes;
        en->bytes = bytes;
        evict_locked(c);
    } else {
        en->bytes = bytes;
    }
}

mc_entry *mc_adopt(modcache *c, const char *digest, kiln_module *m, perr *e) {
    mc_entry *en = calloc(1, sizeof *en);
    if (!en) { kiln_module_free(m); perr_set(e, 503, "out of memory"); return NULL; }
    snprintf(en->digest, sizeof en->digest, "%s", digest);
    en->module = m;
    en->refs = 2; /* the cache's and the caller's */
    en->cached = true;
    en->syms_once = (pthread_once_t)PTHREAD_ONCE_INIT;
    measure_module(en);
    en->bytes = entry_footprint(en);
    pthread_mutex_lock(&c->lock);
    mc_entry *old = find_locked(c, digest);
    if (old) {
        /* Two threads compiled the same module at once: keep the first. */
        pthread_mutex_unlock(&c->lock);
        entry_free(en);
        return old;
    }
    push_front(c, en);
    size_t k = bucket_of(c, digest);
    en->hnext = c->buckets[k];
    c->buckets[k] = en;
    c->count++;
    c->bytes += en->bytes;
    rehash_locked(c);
    native_enqueue_locked(c, en);
    evict_locked(c);
    pthread_mutex_unlock(&c->lock);
    return en;
}

mc_entry *mc_get(modcache *c, const char *digest, perr *e) {
    pthread_mutex_lock(&c->lock);
    mc_entry *en = find_locked(c, digest);
    if (en) c->stats.hits++;
    else c->stats.misses++;
    pthread_mutex_unlock(&c->lock);
    if (en) return en;

    /* Load and compile outside the lock: other modules keep being served. */
    size_t len;
    uint8_t *bytes = blobs_get(c->blobs, digest, &len, e);
    if (!bytes) return NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    kiln_error err = {0};
    kiln_module *m = kiln_module_new(c->engine, bytes, len, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(bytes);
    if (!m) { perr_set(e, perr_run_status(err.code), "stored module %s no longer compiles: %s", digest, err.message); return NULL; }
    pthread_mutex_lock(&c->lock);
    c->stats.compile_seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    pthread_mutex_unlock(&c->lock);
    return mc_adopt(c, digest, m, e);
}

void mc_release(modcache *c, mc_entry *en) {
    if (!en) return;
    /* Trap symbols grow as reports decode line tables: measured again
     * after each use, while this request still holds the entry. */
    bool syms = __atomic_load_n(&en->syms, __ATOMIC_ACQUIRE) != NULL;
    size_t bytes = syms ? entry_footprint(en) : 0;
    pthread_mutex_lock(&c->lock);
    if (syms) recount_locked(c, en, bytes);
    bool last = --en->refs == 0;
    pthread_mutex_unlock(&c->lock);
    if (last) entry_free(en);
}

const kiln_module *mc_module(const mc_entry *en) { return en->module; }

/* pthread_once has no argument: the entry being initialised is passed
 * through a thread-local. */
static _Thread_local mc_entry *syms_target;

static void build_syms(void) {
    mc_entry *en = syms_target;
    size_t len;
    const uint8_t *bytes = kiln_module_bytes(en->module, &len);
    __atomic_store_n(&en->syms, diag_symbols_build(bytes, len, NULL), __ATOMIC_RELEASE);
}

diag_symbols *mc_symbols(mc_entry *en) {
    syms_target = en;
    pthread_once(&en->syms_once, build_syms);
    return en->syms;
}

void mc_get_stats(modcache *c, mc_stats *out) {
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    out->entries = c->count;
    out->bytes = c->bytes;
    out->budget = c->budget;
    out->native_entries = 0;
    for (mc_entry *en = c->head; en; en = en->next) out->native_entries += kiln_module_is_native(en->module);
    pthread_mutex_unlock(&c->lock);
}
