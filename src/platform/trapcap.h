/* trapcap.h — a bound on the trap reports kiln serve stores per module
 * (issue 17, break 6): a flood of trapping requests would otherwise add a
 * row with a backtrace and stderr to the registry for each one (489 MB in
 * 10 s at 729 req/s). Each module may store TRAPCAP_PER_WINDOW reports per
 * TRAPCAP_WINDOW_MS; the rest are counted, not stored. The first reports of
 * a burst are the ones kept: they say what started it. */
#ifndef KILN_PLATFORM_TRAPCAP_H
#define KILN_PLATFORM_TRAPCAP_H

#include <stdbool.h>
#include <stdint.h>

#define TRAPCAP_WINDOW_MS 60000u
#define TRAPCAP_PER_WINDOW 60u

typedef struct trapcap trapcap;

trapcap *trapcap_new(void); /* NULL when out of memory */
void trapcap_free(trapcap *c);
/* Whether a report of this module, now, is stored. When it is the first of
 * a new window, *dropped receives how many the module's last window did not
 * store (else 0), so that the caller can say so once. */
bool trapcap_admit(trapcap *c, int64_t module_id, uint64_t now_ms, uint64_t *dropped);
/* Reports not stored since the server started, all modules. */
uint64_t trapcap_dropped_total(trapcap *c);

#endif
