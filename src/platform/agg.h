/* agg.h — usage aggregation off the request path, and kiln's own reactions
 * to what it sees (auto-rollback, cost regressions).
 *
 *   request thread:  agg_push   copies ~100 bytes into a buffer under a
 *                                mutex held for that copy (and, while a
 *                                version is on probation, two counters)
 *   agg thread:      every flush_ms, or when flush_records are waiting,
 *                    swaps the buffer out, folds it per module, version
 *                    and minute (sums, latency histogram, cost) and
 *                    writes it in one transaction (usage_db.c); then
 *                    judges the versions on probation
 *
 * agg_stop flushes whatever is buffered, so a clean shutdown loses nothing
 * (kiln serve stops the HTTP side first: no request can arrive after). */
#ifndef KILN_PLATFORM_AGG_H
#define KILN_PLATFORM_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln_meter.h"
#include "platform/perr.h"
#include "platform/usage.h"

struct server;
typedef struct agg agg;

typedef struct agg_config {
    unsigned flush_ms;          /* the longest a record waits (default 1000) */
    unsigned flush_records;     /* flush early when this many wait (default 4096) */
    kiln_prices prices;         /* what a request costs */
    double regression_threshold;/* default for modules without their own (0.20) */
} agg_config;

agg *agg_start(struct server *s, const agg_config *c, perr *e);
/* Flushes everything pushed so far and stops the thread. */
void agg_stop(agg *a);

/* The request path: takes a copy of what the aggregates need. */
void agg_push(agg *a, const usage_record *u);

/* Waits until every record pushed before the call is in the registry
 * (the cost API calls it, so a report includes the requests just made). */
bool agg_flush(agg *a, perr *e);

/* After a promote (or deploy --promote) moved live of `module` from
 * version `from` (0: none) to `to`: puts `to` on probation (auto-rollback
 * when the module's policy asks for it; the cost-regression check always). */
void agg_live_changed(agg *a, const char *module, int from, int to);

/* Appends agg's Prometheus counters (cost, CPU, instructions, GiB-seconds
 * per module and version since start; auto-rollbacks; dropped records). */
bool agg_render_metrics(agg *a, char **buf, size_t *len, size_t *cap);

const kiln_prices *agg_prices(const agg *a);
double agg_default_threshold(const agg *a);

/* The cost model: everything the server charges for one record goes
 * through here (kiln_cost_of under the server's price table). *compute is
 * the part beyond the flat per-request fee, which is the same for every
 * version and so hides regressions (docs/delivery.md). */
void agg_cost(const kiln_prices *p, uint64_t instructions, uint64_t cpu_ns, double gib_seconds, uint64_t io_bytes,
              double *total, double *compute);

#endif
