/* usage.c — where every invocation's usage record goes (see usage.h). */
#include "platform/server.h"

void usage_emit(server *s, const usage_record *u) {
    metrics_request(s->metrics, u);
    /* A 503 of the server's own is not the version's: like a request the
     * guest queue refused, it counts toward no rollout, auto-rollback or
     * cost (docs/serve.md). */
    if (u->server_fault) return;
    if (u->version_id) rollout_note(s->rollouts, u->version_id, u->status);
    /* Cost and delivery aggregation: a copy into a buffer that a background
     * thread writes to the registry (agg.c). */
    if (s->agg && u->module) agg_push(s->agg, u);
}
