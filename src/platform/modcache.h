/* modcache.h — compiled modules by digest, shared by every worker thread.
 * A kiln_module is immutable and thread-safe, so one compiled copy serves
 * all concurrent requests for a version. The cache is bounded by the
 * memory its entries hold (kiln_module_footprint: the compiled module and,
 * once they exist, its native artifact and trap symbols), and optionally by
 * a number of entries; past either it evicts the least recently used
 * entries. Entries are reference counted, so eviction never frees a module
 * in use. Trap symbolication data (src/diag) is built on first need and
 * kept with the module. */
#ifndef KILN_PLATFORM_MODCACHE_H
#define KILN_PLATFORM_MODCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "kiln.h"
#include "diag/diag.h"
#include "platform/blobs.h"
#include "platform/perr.h"

typedef struct modcache modcache;
typedef struct mc_entry mc_entry;

/* kiln serve --cache-size's default: 512 MiB (the server lowers it to a
 * quarter of the machine's memory on a smaller machine). */
#define MC_DEFAULT_BUDGET ((size_t)512 << 20)

/* budget_bytes: 0 for MC_DEFAULT_BUDGET; max_entries: 0 for no bound. */
modcache *mc_new(kiln_engine *engine, blobstore *blobs, size_t budget_bytes, size_t max_entries);
void mc_free(modcache *c); /* every entry must have been released */

/* The compiled module of digest, loading the blob and compiling it on a
 * miss. Release it with mc_release. NULL with e filled on failure. */
mc_entry *mc_get(modcache *c, const char *digest, perr *e);
/* Adds a module compiled elsewhere (a deploy has just compiled it); the cache
 * takes ownership of m. Returns the entry (held: release it), which may be an
 * existing one, in which case m is freed. */
mc_entry *mc_adopt(modcache *c, const char *digest, kiln_module *m, perr *e);
void mc_release(modcache *c, mc_entry *en);

const kiln_module *mc_module(const mc_entry *en);
/* The module's symbol index for trap reports (built once; NULL if it cannot
 * be built). */
diag_symbols *mc_symbols(mc_entry *en);

/* Counters for /metrics. */
/* The native tier: from now on every module that enters the cache is
 * queued for a native compile on one background thread (never on a request's
 * path), with artifacts in cache_dir. Requests are served by the
 * interpreter until the module has native code, then by native code (new
 * instances pick it up). A compile that fails leaves the module on the
 * interpreter with one line on stderr. */
bool mc_native_start(modcache *c, const char *cache_dir, perr *e);
/* "native", "compiling" (queued or under way), "interp" (not compiled, or
 * its compile failed), or NULL when the digest is not in the cache. */
const char *mc_tier(modcache *c, const char *digest);

typedef struct mc_stats {
    unsigned long hits, misses, evictions, entries;
    size_t bytes, budget;   /* held by the entries cached, and the bound on it */
    double compile_seconds; /* total time spent compiling on misses */
    unsigned long native_entries, native_compiles, native_failures;
    double native_seconds;  /* total time of native compiles (background) */
} mc_stats;
void mc_get_stats(modcache *c, mc_stats *out);

#endif
