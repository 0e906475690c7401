/* budget.c — budget-breach events. After each flush the aggregation thread
 * asks, for every module the flush charged, whether its cost over the last
 * 24 hours is above its daily budget. Crossing it is announced once: a
 * history row (action budget-breach, actor kiln), a line in the server's
 * log and the webhook. The module then stays "breached" until its 24-hour
 * cost falls back under the budget (a later crossing is a new breach).
 *
 * The check follows the money rather than the clock: only modules with
 * requests in the flush are looked at (two queries each), so an idle
 * server does no work and a budget lowered under an idle module's cost is
 * announced with its next request. State is in memory; after a restart a
 * budget-breach row of the last 24 hours counts as announced, so a restart
 * does not repeat the alarm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/budget.h"
#include "platform/server.h"
#include "platform/usage_db.h"

#define DAY_MS 86400000

typedef struct budget_state {
    int64_t module_id;
    bool known;     /* looked at since the server started */
    bool breached;  /* announced, and still over */
} budget_state;

struct budget_watch {
    budget_state *v;
    size_t n, cap;
};

budget_watch *budget_watch_new(void) { return calloc(1, sizeof(budget_watch)); }

void budget_watch_free(budget_watch *bw) {
    if (!bw) return;
    free(bw->v);
    free(bw);
}

static budget_state *state_for(budget_watch *bw, int64_t module_id) {
    for (size_t i = 0; i < bw->n; i++)
        if (bw->v[i].module_id == module_id) return &bw->v[i];
    if (bw->n == bw->cap) {
        size_t nc = bw->cap ? bw->cap * 2 : 16;
        budget_state *nv = realloc(bw->v, nc * sizeof *nv);
        if (!nv) return NULL;
        bw->v = nv;
        bw->cap = nc;
    }
    bw->v[bw->n] = (budget_state){.module_id = module_id};
    return &bw->v[bw->n++];
}

static void announce(server *s, const char *module, const char *currency, double cost, double budget) {
    char reason[512];
    snprintf(reason, sizeof reason, "%s cost %.6g %s in the last 24 hours, over its budget of %.6g %s per day",
             module, cost, currency, budget, currency);
    perr e = {0};
    if (!reg_add_event(s->reg, module, "kiln", "budget-breach", 0, 0, reason, &e))
        fprintf(stderr, "kiln serve: budget breach of %s not recorded in its history: %s\n", module, e.message);
    unsigned fmark = pjson_mark(); /* server_log: were the fields built whole? */
    cJSON *f = cJSON_CreateObject();
    if (f) {
        cJSON_AddStringToObject(f, "module", module);
        cJSON_AddNumberToObject(f, "cost_24h", cost);
        cJSON_AddNumberToObject(f, "budget_per_day", budget);
        cJSON_AddStringToObject(f, "currency", currency);
        cJSON_AddStringToObject(f, "actor", "kiln");
        cJSON_AddStringToObject(f, "reason", reason);
    }
    /* The webhook's copy first: server_log takes and frees f. */
    cJSON *extra = f ? cJSON_Duplicate(f, true) : NULL;
    if (extra) {
        cJSON_DeleteItemFromObject(extra, "module");
        cJSON_DeleteItemFromObject(extra, "actor");
        cJSON_DeleteItemFromObject(extra, "reason");
    }
    server_log(s, "budget-breach", f, fmark);
    server_notify_with(s, "budget-breach", module, 0, 0, reason, extra);
    cJSON_Delete(extra);
}

void budget_check(budget_watch *bw, server *s, const char *currency, int64_t module_id, int64_t version_id) {
    perr e = {0};
    udb_policy pol;
    budget_state *b = state_for(bw, module_id);
    if (!b || !udb_policy_get(s->reg, module_id, &pol, &e)) return;
    if (!pol.has_budget) {
        b->known = true;
        b->breached = false;
        return;
    }
    int64_t since = reg_now_ms() - DAY_MS;
    double cost;
    if (!udb_cost_since(s->reg, module_id, since / 60000, &cost, &e)) return;
    bool first = !b->known;
    b->known = true;
    if (!(cost > pol.budget_per_day)) {
        b->breached = false;
        return;
    }
    if (b->breached) return;
    b->breached = true;
    int64_t last = 0;
    if (first && udb_last_action_at(s->reg, module_id, "budget-breach", &last, &e) && last >= since) return;
    char module[72];
    int number;
    if (!udb_version_name(s->reg, version_id, module, &number)) return;
    announce(s, module, currency, cost, pol.budget_per_day);
}
