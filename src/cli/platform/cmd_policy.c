/* cmd_policy.c — `kiln policy NAME`: a module's auto-rollback rule,
 * cost-regression threshold and daily budget; `kiln mark-failed`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln policy - show or set a module's auto-rollback, cost-regression\n"
    "    threshold and budget\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln policy NAME [--auto-rollback RULE|off] [--regression-threshold PCT|default]\n"
    "                [--budget AMOUNT|off] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Without options, prints the module's policy. With them, changes it\n"
    "    (recorded in the history as a 'policy' row). A policy applies from\n"
    "    the next promote on.\n"
    "\n"
    "    --auto-rollback errors>RATE%@WINDOW[,p99>Fx] | traps>RATE%@WINDOW\n"
    "        After a promote (or deploy --promote), kiln watches the new\n"
    "        version: if its trap rate over the WINDOW is above RATE, kiln\n"
    "        rolls live back to the version before, as actor 'kiln' with the\n"
    "        numbers as the reason, and kiln dora counts a failed deployment.\n"
    "        WINDOW is the first N requests (100req), the first span after\n"
    "        going live (10m, 30s, 1h), or both (100req,10m: whichever ends\n"
    "        first). With a request window kiln acts as soon as the verdict\n"
    "        is certain (more traps than RATE allows over the N). A pinned\n"
    "        live is never moved; kiln records an 'auto-rollback-skipped'\n"
    "        row instead. 'off' removes the rule. errors counts every 5xx\n"
    "        answer (traps, failed instantiations, timeouts, bad output;\n"
    "        kiln errors lists them); traps only traps. p99>3x also rolls\n"
    "        back when, at the window's end, the version's p99 latency is\n"
    "        above 3 times the previous version's. Rollouts (kiln rollout)\n"
    "        use the same RATE.\n"
    "\n"
    "    --regression-threshold PCT\n"
    "        A newly live version whose compute cost per request exceeds the\n"
    "        previous live version's by more than PCT (default: the server's,\n"
    "        20%) is flagged in kiln cost, the history and /metrics.\n"
    "\n"
    "    --budget AMOUNT\n"
    "        A daily cost budget in the price table's currency: over it, kiln\n"
    "        cost warns and /metrics sets kiln_budget_exceeded. 'off' removes it.\n"
    "\n"
    "    --server URL, --data DIR, --json   as for every server command\n"
    "\n"
    "EXIT STATUS\n"
    "    0 on success; 1 for a bad rule, an unknown module or an unreachable\n"
    "    server.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln policy imgproc --auto-rollback 'traps>5%@100req,10m'\n"
    "    kiln policy imgproc --regression-threshold 10% --budget 25\n"
    "    kiln policy imgproc\n";

static const char mark_help[] =
    "NAME\n"
    "    kiln mark-failed - record that a deployment failed\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln mark-failed NAME VERSION [--reason R] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Marks the latest deployment of VERSION (its latest change of live to\n"
    "    it) as failed, for kiln dora's change fail rate, when the failure\n"
    "    was not a rollback: a fix rolled forward, say, or an incident found\n"
    "    later. Its recovery time runs until live next changed. The mark is\n"
    "    a history row ('mark-failed'); it moves nothing.\n"
    "\n"
    "OPTIONS\n"
    "    --reason R     why; recorded in the history\n"
    "    --server URL, --data DIR, --json   as for every server command\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when recorded; 1 for an unknown module or version.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln mark-failed imgproc v7 --reason \"corrupt thumbnails, fixed in v8\"\n";

static void print_policy(const cJSON *p) {
    printf("%s\n", client_str(p, "module", "?"));
    printf("  auto-rollback         %s\n", client_str(p, "auto_rollback", "off"));
    const cJSON *t = cJSON_GetObjectItem(p, "regression_threshold");
    printf("  regression threshold  %.0f%%%s\n", cJSON_IsNumber(t) ? t->valuedouble * 100 : 0,
           cJSON_IsTrue(cJSON_GetObjectItem(p, "regression_threshold_default")) ? " (server default)" : "");
    const cJSON *b = cJSON_GetObjectItem(p, "budget_per_day");
    if (cJSON_IsNumber(b)) printf("  budget                %.6g per day\n", b->valuedouble);
    else printf("  budget                none\n");
    if (cJSON_GetObjectItem(p, "updated"))
        printf("  set                   %.19s by %s\n", client_str(p, "updated", "?"), client_str(p, "updated_by", "?"));
}

int cmd_policy(int argc, char **argv) {
    const char *rollback = NULL, *threshold = NULL, *budget = NULL;
    client_flag flags[] = {
        {"--auto-rollback", true, &rollback, NULL},
        {"--regression-threshold", true, &threshold, NULL},
        {"--budget", true, &budget, NULL},
    };
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("policy", help,
                          "kiln policy NAME [--auto-rollback RULE|off] [--regression-threshold PCT|default] "
                          "[--budget AMOUNT|off] [--json]",
                          argc, argv, flags, 3, pos, 1, 1, &npos, &o);
    if (rc >= 0) return rc;
    char *en = client_escape(pos[0]);
    if (!en) return cli_fail("policy", "out of memory");
    char path[512];
    snprintf(path, sizeof path, "/api/v1/modules/%s/policy", en);
    free(en);
    client_resp r;
    bool ok;
    if (rollback || threshold || budget) {
        cJSON *body = cJSON_CreateObject();
        if (!body) return cli_fail("policy", "out of memory");
        if (rollback) cJSON_AddStringToObject(body, "auto_rollback", rollback);
        if (threshold) cJSON_AddStringToObject(body, "regression_threshold", threshold);
        if (budget) cJSON_AddStringToObject(body, "budget_per_day", budget);
        char *text = cJSON_PrintUnformatted(body);
        cJSON_Delete(body);
        if (!text) return cli_fail("policy", "out of memory");
        ok = client_call("policy", &o, "POST", path, text, strlen(text), "application/json", &r);
        free(text);
    } else {
        ok = client_call("policy", &o, "GET", path, NULL, 0, NULL, &r);
    }
    if (!ok) { client_resp_free(&r); return 1; }
    if (o.json) client_print_json(&r);
    else print_policy(r.json);
    client_resp_free(&r);
    return 0;
}

int cmd_mark_failed(int argc, char **argv) {
    const char *reason = NULL;
    client_flag flags[] = {{"--reason", true, &reason, NULL}};
    const char *pos[2];
    int npos;
    client_opts o;
    int rc = client_parse("mark-failed", mark_help, "kiln mark-failed NAME VERSION [--reason R] [--json]", argc, argv,
                          flags, 1, pos, 2, 2, &npos, &o);
    if (rc >= 0) return rc;
    cJSON *body = cJSON_CreateObject();
    if (!body) return cli_fail("mark-failed", "out of memory");
    cJSON_AddStringToObject(body, "version", pos[1]);
    if (reason) cJSON_AddStringToObject(body, "reason", reason);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    char *en = client_escape(pos[0]);
    if (!text || !en) { free(text); free(en); return cli_fail("mark-failed", "out of memory"); }
    char path[512];
    snprintf(path, sizeof path, "/api/v1/modules/%s/mark-failed", en);
    free(en);
    client_resp r;
    bool ok = client_call("mark-failed", &o, "POST", path, text, strlen(text), "application/json", &r);
    free(text);
    if (!ok) { client_resp_free(&r); return 1; }
    if (o.json) client_print_json(&r);
    else printf("%s %s: marked failed\n", pos[0], client_str(r.json, "version", pos[1]));
    client_resp_free(&r);
    return 0;
}
