/* cmd_nodes.c — `kiln nodes`: the nodes that serve from this registry (one
 * for SQLite; every node of a cluster on PostgreSQL), with their heartbeats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln nodes - the nodes serving from the server's registry\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln nodes [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Every kiln serve records a heartbeat in its registry each second: its\n"
    "    node name (--node), address, kiln version, tier (auto: native code\n"
    "    too; interp) and the registry generation it has seen (every change\n"
    "    bumps it: a node behind the others has not seen the last change).\n"
    "    A node silent for 3 seconds is shown as down. On a cluster\n"
    "    (kiln serve --registry postgresql://..., docs/cluster.md) any node\n"
    "    answers for all of them.\n"
    "\n"
    "OPTIONS\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 on success; 1 when the server cannot be reached or its registry\n"
    "    cannot answer.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln nodes\n";

int cmd_nodes(int argc, char **argv) {
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("nodes", help, "kiln nodes [--json]", argc, argv, NULL, 0, pos, 0, 0, &npos, &o);
    if (rc >= 0) return rc;
    client_resp r;
    if (!client_call("nodes", &o, "GET", "/api/v1/nodes", NULL, 0, NULL, &r)) { client_resp_free(&r); return 1; }
    if (o.json) {
        client_print_json(&r);
        client_resp_free(&r);
        return 0;
    }
    const char *hdr[] = {"NODE", "ADDRESS", "STATE", "HEARTBEAT", "KILN", "TIER", "GENERATION"};
    client_table *t = client_table_new(7, hdr);
    const cJSON *e;
    cJSON_ArrayForEach(e, r.json) {
        char beat[48], gen[24], node[80];
        const cJSON *age = cJSON_GetObjectItem(e, "heartbeat_age_ms"), *g = cJSON_GetObjectItem(e, "generation");
        snprintf(beat, sizeof beat, "%.19s (%.1fs ago)", client_str(e, "heartbeat", "?"),
                 cJSON_IsNumber(age) ? age->valuedouble / 1000 : 0);
        snprintf(gen, sizeof gen, "%.0f", cJSON_IsNumber(g) ? g->valuedouble : 0);
        snprintf(node, sizeof node, "%s%s", client_str(e, "node", "?"),
                 cJSON_IsTrue(cJSON_GetObjectItem(e, "self")) ? " *" : "");
        const char *row[] = {node, client_str(e, "address", "?"),
                             cJSON_IsTrue(cJSON_GetObjectItem(e, "alive")) ? "up" : "down", beat,
                             client_str(e, "kiln_version", "?"), client_str(e, "tier", "?"), gen};
        client_table_row(t, row);
    }
    client_table_print(t);
    client_table_free(t);
    printf("(* the node that answered)\n");
    client_resp_free(&r);
    return 0;
}
