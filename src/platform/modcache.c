/* modcache.c — the compiled-module cache (see modcache.h). A doubly linked
 * list in recency order plus a linear scan by digest: the cache holds tens
 * of modules, so a scan under the lock is cheaper than a hash table's
 * upkeep, and the lock is held only for pointer moves. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/modcache.h"
#include "platform/sha256.h"

struct mc_entry {
    char digest[SHA256_HEX_LEN + 1];
    kiln_module *module;
    int refs;            /* requests holding it, +1 while it is cached */
    bool cached;         /* still in the list (not evicted) */
    mc_entry *prev, *next;
    pthread_once_t syms_once;
    diag_symbols *syms;
};

struct modcache {
    kiln_engine *engine;
    blobstore *blobs;
    size_t capacity, count;
    mc_entry *head, *tail; /* head: most recently used */
    pthread_mutex_t lock;
    mc_stats stats;
};

modcache *mc_new(kiln_engine *engine, blobstore *blobs, size_t capacity) {
    modcache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->engine = engine;
    c->blobs = blobs;
    c->capacity = capacity ? capacity : 64;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void entry_free(mc_entry *en) {
    if (en->syms) diag_symbols_free(en->syms);
    kiln_module_free(en->module);
    free(en);
}

static void unlink_entry(modcache *c, mc_entry *en) {
    if (en->prev) en->prev->next = en->next;
    else c->head = en->next;
    if (en->next) en->next->prev = en->prev;
    else c->tail = en->prev;
    en->prev = en->next = NULL;
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
    for (mc_entry *en = c->head, *n; en; en = n) {
        n = en->next;
        entry_free(en);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* With the lock held: a cached entry, moved to the front and held. */
static mc_entry *find_locked(modcache *c, const char *digest) {
    for (mc_entry *en = c->head; en; en = en->next) {
        if (strcmp(en->digest, digest)) continue;
        if (en != c->head) { unlink_entry(c, en); push_front(c, en); }
        en->refs++;
        return en;
    }
    return NULL;
}

/* With the lock held: drops least recently used entries beyond capacity.
 * An entry still held by a request leaves the list now and is freed by its
 * last mc_release. */
static void evict_locked(modcache *c) {
    while (c->count > c->capacity && c->tail) {
        mc_entry *victim = c->tail;
        unlink_entry(c, victim);
        victim->cached = false;
        c->count--;
        c->stats.evictions++;
        if (--victim->refs == 0) entry_free(victim);
    }
}

mc_entry *mc_adopt(modcache *c, const char *digest, kiln_module *m, perr *e) {
    mc_entry *en = calloc(1, sizeof *en);
    if (!en) { kiln_module_free(m); perr_set(e, 500, "out of memory"); return NULL; }
    snprintf(en->digest, sizeof en->digest, "%s", digest);
    en->module = m;
    en->refs = 2; /* the cache's and the caller's */
    en->cached = true;
    en->syms_once = (pthread_once_t)PTHREAD_ONCE_INIT;
    pthread_mutex_lock(&c->lock);
    mc_entry *old = find_locked(c, digest);
    if (old) {
        /* Two threads compiled the same module at once: keep the first. */
        pthread_mutex_unlock(&c->lock);
        entry_free(en);
        return old;
    }
    push_front(c, en);
    c->count++;
    c->stats.entries = c->count;
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
    kiln_error err = {{0}};
    kiln_module *m = kiln_module_new(c->engine, bytes, len, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(bytes);
    if (!m) { perr_set(e, 500, "stored module %s no longer compiles: %s", digest, err.message); return NULL; }
    pthread_mutex_lock(&c->lock);
    c->stats.compile_seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    pthread_mutex_unlock(&c->lock);
    return mc_adopt(c, digest, m, e);
}

void mc_release(modcache *c, mc_entry *en) {
    if (!en) return;
    pthread_mutex_lock(&c->lock);
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
    en->syms = diag_symbols_build(bytes, len, NULL);
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
    pthread_mutex_unlock(&c->lock);
}
