/* nodes.c — a node's health (/healthz) for load balancers: whether this node
 * can serve requests now. On PostgreSQL a node whose registry is unreachable
 * still serves the versions it has cached (docs/cluster.md), so it stays
 * healthy while its cache holds any; a node with neither answers 503 and
 * the load balancer sends its requests elsewhere. */
#include "kiln.h"
#include "platform/server.h"

void server_healthz(server *s, http_reply *r) {
    reg_health_info h = {0};
    bool serves = reg_health(s->reg, &h);
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "status", serves ? "ok" : "unavailable");
        cJSON_AddStringToObject(o, "version", kiln_version());
        cJSON_AddStringToObject(o, "node", h.node);
        cJSON_AddStringToObject(o, "registry", !h.registry_reachable ? "unreachable"
                                               : h.shared ? "shared" : "local");
        cJSON_AddNumberToObject(o, "cached_targets", (double)h.cached);
        cJSON_AddNumberToObject(o, "generation", (double)h.generation);
    }
    reply_json(r, serves ? 200 : 503, o);
}

bool server_registry_down(server *s) {
    reg_health_info h = {0};
    reg_health(s->reg, &h);
    return h.shared && !h.registry_reachable;
}
