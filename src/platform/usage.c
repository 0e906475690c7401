/* usage.c — where every invocation's usage record goes (see usage.h). */
#include "platform/server.h"

void usage_emit(server *s, const usage_record *u) {
    metrics_request(s->metrics, u);
    if (u->version_id) rollout_note(s->rollouts, u->version_id, u->status);
    /* Cost and delivery aggregation: a copy into a buffer that a background
     * thread writes to the registry (agg.c). */
    if (s->agg && u->module) agg_push(s->agg, u);
}
