/* series.h — usage over time, aggregated server-side for charts (the web
 * UI, docs/ui.md), from the same per-minute table as `kiln cost`:
 *
 *   GET series[?since=1h&step=auto|1m|5m|...]                 every module, totals
 *   GET modules/NAME/series[?since=24h&step=auto&top=5]       per version
 *
 * A window is cut into at most 240 buckets of whole minutes starting at the
 * window's first minute (the minute `kiln cost --since` starts at), so the
 * buckets of a series add up to the cost report of the same window. */
#ifndef KILN_PLATFORM_SERIES_H
#define KILN_PLATFORM_SERIES_H

#include <stdbool.h>

struct server;
struct http_request;
struct http_reply;

/* Handles the routes above; false when `path` is not one of them. */
bool series_api(struct server *s, const struct http_request *rq, const char *path, struct http_reply *r);

#endif
