/* registry.h — what kiln serve knows: modules, their immutable numbered
 * versions, aliases (live, canary, ...) and the append-only history of every
 * alias change, plus trap reports. SQLite in WAL mode at DATA/registry.db;
 * every change is one transaction; or, for a cluster of nodes, PostgreSQL
 * (db.h, docs/cluster.md). Module bytes live in the blob store (blobs.h),
 * named by the digest recorded here (and, on PostgreSQL, in the registry
 * too, so that every node can fetch them).
 *
 * Thread-safe: one connection behind a mutex (writes are rare; the request
 * path reads through an in-memory resolution cache, invalidated inside the
 * same critical section as each committed change, so the request after a
 * promote or rollback already sees it).
 *
 * Listings are returned as cJSON trees: the API serves them as they are and
 * the registry stays the one place that knows the schema. */
#ifndef KILN_PLATFORM_REGISTRY_H
#define KILN_PLATFORM_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "platform/perr.h"
#include "platform/sha256.h"

typedef struct registry registry;

/* Per-version execution limits, fixed at deploy (0: the server default). */
typedef struct reg_limits {
    uint64_t fuel;
    uint64_t timeout_ms;
    uint64_t max_memory_bytes;
} reg_limits;

/* What a request runs: the result of resolving NAME, NAME@ALIAS or NAME@vN. */
typedef struct reg_target {
    int64_t module_id;
    int64_t version_id;
    int number;
    char digest[SHA256_HEX_LEN + 1];
    reg_limits limits;
    /* live only: a running rollout's new version and its share of traffic
     * in basis points (0: none; split.h) */
    int rollout_to, rollout_bp;
} reg_target;

typedef struct reg_deploy {
    const char *module;
    const char *digest;
    uint64_t size;
    const char *commit, *commit_time, *message; /* each may be NULL */
    const char *actor;
    const char *reason;                         /* for the history; may be NULL */
    reg_limits limits;
    bool has_fuel, has_timeout, has_memory;     /* else: the previous version's */
    bool promote, force;
    /* Configuration (vconfig.h); without has_config, the previous version's. */
    bool has_config;
    const char *env_json;          /* {"K":"V",...} or NULL */
    const char *secret_names_json; /* ["K",...] or NULL */
    const uint8_t *sealed;         /* the secrets' JSON, sealed; NULL when none */
    size_t sealed_len;
} reg_deploy;

/* Where the registry lives and who this node is. */
typedef struct reg_options {
    const char *url;      /* postgresql://... (a cluster; docs/cluster.md); NULL: DATA/registry.db */
    const char *node_id;  /* this node's name in usage rows and kiln nodes */
    const char *address;  /* where it listens, shown by kiln nodes */
    const char *tier;     /* auto or interp */
    bool serve;           /* a server: heartbeat, and on PostgreSQL the change watch */
} reg_options;
/* How often a node records its heartbeat, and re-reads the cluster's
 * generation even without a notification (a missed one costs at most this). */
#define REG_HEARTBEAT_MS 1000
#define REG_RECHECK_MS 1000

/* Opens or creates the registry (DATA/registry.db, or the PostgreSQL
 * database o->url names) and brings its schema up to date. o may be NULL. */
registry *reg_open(const char *data_dir, const reg_options *o, perr *e);
void reg_close(registry *r);

/* Valid module and alias names: [A-Za-z0-9][A-Za-z0-9._-]{0,63}; an alias
 * may not look like a version ("v12", "12"). */
bool reg_valid_name(const char *s);
bool reg_valid_alias(const char *s);
/* Parses "v12" or "12" into 12; false for anything else. */
bool reg_parse_version(const char *s, int *out);

/* Resolves a module and a selector (NULL: "live"; "vN"/"N": a version; else
 * an alias). 404 when the module, version or alias does not exist. */
bool reg_resolve(registry *r, const char *module, const char *selector, reg_target *out, perr *e);

/* Records a new version (its blob must already be stored). *out receives the
 * version's JSON (as in reg_versions); the caller frees it. 409 when
 * promote is asked and live is pinned (unless force). */
bool reg_add_version(registry *r, const reg_deploy *d, cJSON **out, perr *e);

/* The limits version d would get: its own where given (has_*), else the
 * previous version's (0 for a module's first: the server default). Deploys
 * ask before storing, to refuse a module that cannot start under them; they
 * are serialised, so the answer still holds at reg_add_version. */
bool reg_deploy_limits(registry *r, const reg_deploy *d, reg_limits *out, perr *e);

/* Points ALIAS (NULL: live) of MODULE at version N. action is "promote" or
 * "pin" (pin also holds the alias there). A pinned alias refuses promote,
 * pin elsewhere and rollback with 409 naming who pinned it, when and why,
 * unless force. *out (may be NULL) receives {"module","alias","from","to",
 * "changed"}. */
bool reg_set_alias(registry *r, const char *module, const char *alias, int number, const char *action,
                   const char *actor, const char *reason, bool force, cJSON **out, perr *e);
bool reg_unpin(registry *r, const char *module, const char *alias, const char *actor, const char *reason,
               cJSON **out, perr *e);
/* Moves ALIAS back to the version it had before its last change, or to
 * version `to` when to > 0. */
bool reg_rollback(registry *r, const char *module, const char *alias, int to, const char *actor,
                  const char *reason, bool force, cJSON **out, perr *e);

/* The same, only if ALIAS is at version `from` now and not pinned (409
 * otherwise): kiln's auto-rollback, which must neither undo a later change
 * nor fight a pin. */
bool reg_rollback_from(registry *r, const char *module, const char *alias, int from, int to, const char *actor,
                       const char *reason, cJSON **out, perr *e);
/* Appends a history row that moves no alias (alias NULL): mark-failed,
 * cost-regression, auto-rollback-skipped, policy. `to` (when > 0) must be a
 * version of the module; from/to 0 are stored as NULL. */
bool reg_add_event(registry *r, const char *module, const char *actor, const char *action, int from, int to,
                   const char *reason, perr *e);

/* Listings (cJSON arrays; the caller frees them). */
cJSON *reg_modules(registry *r, perr *e);
cJSON *reg_versions(registry *r, const char *module, perr *e);
cJSON *reg_history(registry *r, const char *module, int limit, perr *e);
/* Trap reports (all: also the other failures, REG_FAILURE_KINDS). */
cJSON *reg_traps(registry *r, const char *module, int limit, bool all, perr *e);
/* The kinds of the failures stored beside traps that are not traps. */
#define REG_FAILURE_KINDS "('setup','no-start','error','instantiation','output-limit','bad-response','status-5xx')"
/* One module: {"name", "created", "aliases":{...}, "versions":N, ...}. */
cJSON *reg_module(registry *r, const char *module, perr *e);

/* Stores a trap report. stderr_bytes may be NULL. */
bool reg_add_trap(registry *r, const reg_target *t, const char *request_id, const char *kind,
                  const char *message, const char *report, const char *report_json,
                  const uint8_t *stderr_bytes, size_t stderr_len, perr *e);

/* A version's stored configuration: env JSON and sealed secrets (each
 * malloc'd, NULL when none). */
bool reg_version_config(registry *r, int64_t version_id, char **env_json, uint8_t **sealed, size_t *sealed_len,
                        perr *e);

/* True when some version records this digest (for the blob sweep). */
bool reg_has_digest(registry *r, const char *digest);

/* A module's gradual rollout (kiln rollout; split.h). */
typedef struct reg_rollout {
    char module[72];
    int64_t module_id;
    int from, to;              /* live when it started, the new version */
    int steps[16], nsteps;     /* basis points */
    int step;                  /* index of the current step */
    int64_t interval_ms, step_started_ms, started_ms, updated_ms;
    char state[16];            /* running done aborted rolled-back superseded */
    char actor[129];
    char reason[512];
} reg_rollout;
/* Starts one: 409 when live is missing, pinned, already `to`, or a rollout
 * runs. A history row "rollout". */
bool reg_rollout_start(registry *r, const char *module, int to, const int *steps_bp, int nsteps, int64_t interval_ms,
                       const char *actor, reg_rollout *out, perr *e);
/* The module's latest rollout (404 when none). */
bool reg_rollout_get(registry *r, const char *module, reg_rollout *out, perr *e);
/* Every running rollout (malloc'd). */
bool reg_rollouts_running(registry *r, reg_rollout **out, size_t *n, perr *e);
/* Writes step, step_started_ms, state and reason of ro if the stored one
 * is still in expect_state (409 otherwise), with a history row when
 * history_action is given. */
bool reg_rollout_update(registry *r, const reg_rollout *ro, const char *expect_state, const char *history_action,
                        const char *actor, perr *e);
/* The last step of rollout ro: promotes ro->to to live (reason ro->reason)
 * and writes ro (state "done") in one transaction, if ro is still running. */
bool reg_rollout_complete(registry *r, const reg_rollout *ro, const char *actor, cJSON **out, perr *e);
cJSON *reg_rollout_json(const reg_rollout *ro, int64_t now);

/* Routes: a path prefix served by a module's live version (kiln route). */
bool reg_valid_route(const char *prefix, char *why, size_t size);
bool reg_route_add(registry *r, const char *prefix, const char *module, const char *actor, perr *e);
bool reg_route_rm(registry *r, const char *prefix, const char *actor, perr *e);
cJSON *reg_routes(registry *r, perr *e);
/* The module whose route is the longest prefix of path (whole segments),
 * and the prefix's length: 1; 0 when none; -1 (e) when the registry could
 * not say (out of memory). Cached (misses too, never failures). */
int reg_route_match(registry *r, const char *path, char module[72], size_t *prefix_len, perr *e);

/* The registry's connection, locked, for its extensions in other files
 * (usage_db.c), which use only their own tables. Unlock when done. */
struct db;
struct db *reg_lock(registry *r);
void reg_unlock(registry *r);
/* This node's id (reg_options.node_id; "" when none). */
const char *reg_node_id(registry *r);

/* Whether this node can serve: the registry answers, or its resolution
 * cache holds versions to serve while it does not. */
typedef struct reg_health_info {
    bool registry_reachable, shared;
    size_t cached;
    int64_t generation;
    char node[64];
} reg_health_info;
bool reg_health(registry *r, reg_health_info *out);
/* The nodes that have reported a heartbeat (kiln nodes). */
cJSON *reg_nodes(registry *r, perr *e);

/* Module bytes in a shared registry (blobs_set_remote): stored beside the
 * version, fetched by a node that lacks them. No-ops (404) when the registry
 * is one node's own. */
bool reg_blob_store(void *ctx, const char *digest, const uint8_t *data, size_t len, perr *e);
uint8_t *reg_blob_fetch(void *ctx, const char *digest, size_t *len, perr *e);

/* ISO 8601 UTC ("2026-01-02T03:04:05.678Z") of milliseconds since the epoch. */
void reg_iso8601(int64_t ms, char out[32]);
int64_t reg_now_ms(void);

#endif
