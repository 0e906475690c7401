/* engine.h — the engine object: configuration and the type interner. */
#ifndef KILN_ENGINE_ENGINE_H
#define KILN_ENGINE_ENGINE_H

#include <pthread.h>

#include "engine/module.h"

struct kiln_engine {
    kiln_config config;
    pthread_mutex_t lock;      /* guards the interner */
    functype **types;          /* by id */
    uint32_t ntypes, types_cap;
    uint32_t *buckets;         /* open hash of ids + 1 (0: empty) */
    uint32_t nbuckets;
    struct timer *timer;       /* deadlines (timer.c); made on first use */
    struct pool *pool;         /* recycled memories and stacks (pool.c) */
    /* Which pages are resident (mincore's contract); NULL means mincore.
     * A seam for tests: swap cannot be forced, a lying probe can. */
    int (*residency)(void *addr, size_t len, unsigned char *vec);
};

#endif
