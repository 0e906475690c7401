/* metrics.h — counters and histograms for /metrics (Prometheus text format
 * 0.0.4) and the per-request timing sample behind /api/v1/stats. Fed only
 * through usage_emit and the admin operations. Thread-safe. */
#ifndef KILN_PLATFORM_METRICS_H
#define KILN_PLATFORM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "platform/usage.h"

typedef struct metrics metrics;

metrics *metrics_new(void);
void metrics_free(metrics *m);

void metrics_request(metrics *m, const usage_record *u);
/* An admin operation: deploy, promote, pin, unpin, rollback; ok or refused. */
void metrics_admin(metrics *m, const char *module, const char *op, bool ok);

/* Appends the Prometheus text of every counter kept here to *buf (a
 * malloc'd string that grows; *len its length). False when out of memory. */
bool metrics_render(metrics *m, char **buf, size_t *len, size_t *cap);

/* Percentiles of each phase over the last requests kept (up to 65,536):
 * {"count":N,"total":{"p50_us":..,"p90_us":..,"p99_us":..,"mean_us":..},
 *  "queue":{...},"resolve":{...},"instantiate":{...},"run":{...},"teardown":{...},
 *  "respond":{...}}. */
cJSON *metrics_timings(metrics *m, bool reset);

/* A printf into a growing buffer (used by the renderers). */
bool metrics_appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
