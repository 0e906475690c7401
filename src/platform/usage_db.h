/* usage_db.h — the registry's delivery tables (schema: registry.c,
 * migration 2): usage per module, version and minute with its latency
 * histogram, per-module policies, and the history read back as DORA
 * events. Every function takes the registry's lock for its own duration. */
#ifndef KILN_PLATFORM_USAGE_DB_H
#define KILN_PLATFORM_USAGE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/delivery_calc.h"
#include "platform/perr.h"
#include "platform/registry.h"

/* Sums of usage: one minute of one version when written; any grouping
 * when read. */
typedef struct udb_row {
    int64_t module_id, version_id, minute;
    int version;             /* read: the version number (by version) */
    int64_t day;             /* read: unix day (by day) */
    uint64_t requests, traps, errors, metered;
    uint64_t latency_ns, instructions, wall_ns;
    uint64_t cpu_ns, cpu_samples; /* CPU of the requests whose CPU was measured, and how many */
    uint64_t peak_sum, peak_max, request_bytes, response_bytes, io_bytes;
    double gib_seconds, cost, compute_cost;
    int64_t first_minute, last_minute; /* read */
    uint64_t hist[LAT_BUCKETS];
} udb_row;

/* Adds rows (and their histograms) to the stored sums, in one transaction. */
bool udb_write(registry *r, const udb_row *rows, size_t n, perr *e);

typedef enum { UDB_BY_VERSION, UDB_BY_DAY } udb_group;
/* The sums of a module since a minute (inclusive), grouped; histograms
 * merged. *out is malloc'd (free it); by version in version order, by day
 * in day order. version_id > 0 sums that version only (kiln cost
 * --version). */
bool udb_sums(registry *r, int64_t module_id, int64_t since_minute, udb_group g, int64_t version_id, udb_row **out,
              size_t *n, perr *e);
/* One version's sums since a minute (inclusive); no histogram. */
bool udb_version_sums(registry *r, int64_t version_id, int64_t since_minute, udb_row *out, perr *e);

/* A module by name: its id, live version (0: none) and whether live is pinned. */
bool udb_module(registry *r, const char *name, int64_t *module_id, int *live, bool *pinned, perr *e);
/* All modules: names (malloc'd array of 72-byte names) and ids. */
typedef struct udb_module_ref { int64_t id; char name[72]; } udb_module_ref;
bool udb_modules(registry *r, udb_module_ref **out, size_t *n, perr *e);
/* The module name and version number of a version id. */
bool udb_version_name(registry *r, int64_t version_id, char module[72], int *number);
/* The id of version `number` of a module (-1 when there is none). */
int64_t udb_version_id(registry *r, int64_t module_id, int number);

typedef struct udb_policy {
    bool has_rollback;
    char rollback_spec[96];     /* canonical (rollback_rule_format) */
    bool has_threshold;
    double threshold;           /* 0.2 for 20% */
    bool has_budget;
    double budget_per_day;
    int64_t updated_at;         /* 0: never set */
    char updated_by[129];
} udb_policy;
bool udb_policy_get(registry *r, int64_t module_id, udb_policy *out, perr *e);
bool udb_policy_set(registry *r, int64_t module_id, const udb_policy *p, const char *actor, perr *e);

/* The module's history as DORA events, oldest first (malloc'd). */
bool udb_events(registry *r, int64_t module_id, dora_event **out, size_t *n, perr *e);
/* The module's versions with their commit times (malloc'd). */
bool udb_versions(registry *r, int64_t module_id, dora_version **out, size_t *n, perr *e);

/* cost-regression rows of the history: the newest first. */
typedef struct udb_flag {
    int64_t at_ms;
    int version, baseline;
    char reason[512];
} udb_flag;
bool udb_regressions(registry *r, int64_t module_id, udb_flag **out, size_t *n, perr *e);

/* The last change of a module's live alias in its history (to resume a
 * probation after a restart). False when there is none or on error. */
typedef struct udb_live_change {
    int64_t at_ms;
    char action[24]; /* deploy (with --promote), promote, pin, unpin, rollback */
    bool by_kiln;
    int from, to;
} udb_live_change;
bool udb_last_live_change(registry *r, int64_t module_id, udb_live_change *out, perr *e);

/* When the module's history last recorded `action` (0: never). */
bool udb_last_action_at(registry *r, int64_t module_id, const char *action, int64_t *at_ms, perr *e);

/* Sum of cost of a module since a time (budgets). */
bool udb_cost_since(registry *r, int64_t module_id, int64_t since_minute, double *cost, perr *e);

#endif
