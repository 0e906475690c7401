/* migrate.h — kiln registry migrate (docs/cluster.md): a data directory's
 * SQLite registry and module bytes into an empty PostgreSQL registry. */
#ifndef KILN_PLATFORM_MIGRATE_H
#define KILN_PLATFORM_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

#include "platform/registry.h"

/* Copies everything (ids kept) in one transaction; progress lines go to
 * progress (may be NULL). 409 when the destination is not empty. */
bool reg_migrate(const char *data_dir, const char *url, FILE *progress, perr *e);

#endif
