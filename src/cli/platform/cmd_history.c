/* cmd_history.c — `kiln history NAME`: every alias change of a module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln history - show every deploy and alias change of a module\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln history NAME [--limit N] [--json] [--server URL] [--data DIR]\n"
    "\n"
    "DESCRIPTION\n"
    "    The module's append-only history, oldest first: every change, with\n"
    "    its time, who did it (ACTOR; kiln for its own decisions), the alias\n"
    "    it moved, from which version to which, and the reason given.\n"
    "    Nothing can edit or delete it (the registry refuses).\n"
    "\n"
    "    ACTION is one of:\n"
    "      deploy                 a version uploaded (ALIAS live and FROM when\n"
    "                             --promote made it live; TO is the new version)\n"
    "      promote, pin, unpin    an alias moved, pinned or released\n"
    "      rollback               an alias returned to a version (by kiln: an\n"
    "                             auto-rollback, with the numbers as the reason)\n"
    "      auto-rollback-skipped  kiln would have rolled back, but live is pinned\n"
    "      cost-regression        a newly live version costs more than allowed\n"
    "      policy                 the module's policy changed (kiln policy)\n"
    "      mark-failed            a deployment marked failed (kiln mark-failed)\n"
    "      route                  a route added or removed (kiln route)\n"
    "      rollout, rollout-step, rollout-rollback, rollout-abort\n"
    "                             a gradual rollout started, stepped, was\n"
    "                             rolled back by kiln or aborted (kiln rollout)\n"

    "\n"
    "OPTIONS\n"
    "    --limit N      only the last N entries\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 on success; 1 for an unknown module or an unreachable server.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln history hello\n"
    "    kiln history hello --limit 5\n";

int cmd_history(int argc, char **argv) {
    const char *limit = NULL;
    client_flag flags[] = {{"--limit", true, &limit, NULL}};
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("history", help, "kiln history NAME [--limit N] [--json]", argc, argv, flags, 1, pos, 1, 1,
                          &npos, &o);
    if (rc >= 0) return rc;
    if (limit && atoi(limit) <= 0) return cli_fail("history", "bad --limit '%s': want a positive number", limit);
    char *en = client_escape(pos[0]);
    if (!en) return cli_fail("history", "out of memory");
    char path[512];
    snprintf(path, sizeof path, "/api/v1/modules/%s/history%s%d", en, limit ? "?limit=" : "", limit ? atoi(limit) : 0);
    if (!limit) path[strlen(path) - 1] = 0; /* drop the "0" */
    free(en);
    client_resp r;
    if (!client_call("history", &o, "GET", path, NULL, 0, NULL, &r)) { client_resp_free(&r); return 1; }
    if (o.json) { client_print_json(&r); client_resp_free(&r); return 0; }
    static const char *const hdr[] = {"TIME", "ACTOR", "ACTION", "ALIAS", "FROM", "TO", "REASON"};
    client_table *t = client_table_new(7, hdr);
    const cJSON *h;
    cJSON_ArrayForEach(h, r.json) {
        char at[24];
        snprintf(at, sizeof at, "%.19s", client_str(h, "at", "-"));
        if (strlen(at) > 10) at[10] = ' ';
        const char *row[] = {at, client_str(h, "actor", "-"), client_str(h, "action", "-"), client_str(h, "alias", "-"),
                             client_str(h, "from", "-"), client_str(h, "to", "-"), client_str(h, "reason", "-")};
        client_table_row(t, row);
    }
    client_table_print(t);
    client_table_free(t);
    client_resp_free(&r);
    return 0;
}
