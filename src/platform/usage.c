/* usage.c — where every invocation's usage record goes (see usage.h). */
#include "platform/server.h"

void usage_emit(server *s, const usage_record *u) {
    metrics_request(s->metrics, u);
    /* Metering and cost aggregation (issue 7) will take the record here. */
}
