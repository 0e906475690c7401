/* budget.h — a module's daily cost budget (kiln policy --budget) watched
 * by the aggregation thread: crossing it is an event (budget.c). */
#ifndef KILN_PLATFORM_BUDGET_H
#define KILN_PLATFORM_BUDGET_H

#include <stdint.h>

struct server;
typedef struct budget_watch budget_watch;

budget_watch *budget_watch_new(void);
void budget_watch_free(budget_watch *bw);

/* After a flush wrote usage of the module (version_id: one of its versions
 * in the flush, to name it): compares its cost over the last 24 hours with
 * its budget and announces a breach once. Aggregation thread only. */
void budget_check(budget_watch *bw, struct server *s, const char *currency, int64_t module_id, int64_t version_id);

#endif
