/* trapgroups.h — a module's failures grouped by kind and top frame, the
 * answer of GET modules/NAME/traps/groups and errors/groups (the web UI's
 * traps page and `kiln traps|errors --group` read the same numbers). */
#ifndef KILN_PLATFORM_TRAPGROUPS_H
#define KILN_PLATFORM_TRAPGROUPS_H

#include <cjson/cJSON.h>

/* Groups `reports` (reg_traps' answer, newest first; consumed) into
 * {"reports": N, "groups": [{kind, function, file, line, frame, count,
 * versions, first_seen, last_seen, sample}]}, the largest group first.
 * NULL when out of memory. */
cJSON *trap_groups(cJSON *reports);

#endif
