/* delivery.h — what each version costs and how delivery is going, as the
 * admin API serves it (docs/delivery.md):
 *
 *   GET  cost[?since=24h&by=version|day]            every module
 *   GET  modules/NAME/cost[?since=&by=]             one module
 *   GET  dora[?since=30d]                           every module
 *   GET  modules/NAME/dora[?since=]
 *   GET  modules/NAME/policy
 *   POST modules/NAME/policy      {"auto_rollback":"traps>5%@100req"|"off",
 *                                  "regression_threshold":"20%"|"default",
 *                                  "budget_per_day":2.5|"off"}
 *   POST modules/NAME/mark-failed {"version":"v3","reason":"..."}
 *
 * and the hooks api.c calls around deploys and alias changes. */
#ifndef KILN_PLATFORM_DELIVERY_H
#define KILN_PLATFORM_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct server;
struct http_request;
struct http_reply;

/* Handles the routes above; false when `path` is not one of them. */
bool delivery_api(struct server *s, const struct http_request *rq, const char *path, const char *actor,
                  struct http_reply *r);

/* Before a deploy: a bad ?auto_rollback= is refused (400, replied) before
 * anything is stored. */
bool delivery_check_deploy(const struct http_request *rq, struct http_reply *r);
/* After a deploy was stored (`out` is its JSON): applies ?auto_rollback=
 * to the module's policy and, if it went live, starts its probation. */
void delivery_after_deploy(struct server *s, const struct http_request *rq, const char *module, const char *actor,
                           const cJSON *out);
/* After promote/pin/rollback succeeded (`res` is its JSON). */
void delivery_after_alias(struct server *s, const char *module, const char *op, const cJSON *res);

/* /metrics: cost regressions of live versions, budgets, cost of the last
 * 24 hours (and agg's counters). */
bool delivery_render_metrics(struct server *s, char **buf, size_t *len, size_t *cap);

#endif
