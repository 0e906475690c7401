/* cmd_rollout.c — `kiln rollout`: move live's traffic to a version step by
 * step (src/platform/rollout.c does it; this starts, shows and aborts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln rollout - move a module's traffic to a version gradually\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln rollout NAME VERSION [--steps 10,25,50,100] [--interval 2m]\n"
    "    kiln rollout status NAME [--watch]\n"
    "    kiln rollout abort NAME [--reason TEXT]\n"
    "\n"
    "DESCRIPTION\n"
    "    Splits the traffic of NAME's live version (requests to /run/NAME and\n"
    "    its routes) between live and VERSION: the first step's percentage\n"
    "    goes to VERSION, and every --interval the next, while VERSION is\n"
    "    healthy; past the last step (100) VERSION becomes live (a promote by\n"
    "    kiln). Healthy: its 5xx rate during the step, over at least 10\n"
    "    requests, is not above the module's auto-rollback rate (kiln policy\n"
    "    --auto-rollback 'errors>RATE%@...'), else 5%; otherwise the rollout\n"
    "    is rolled back at once (no traffic to VERSION; live unchanged),\n"
    "    with the reason in kiln history, an auto-rollback line in the\n"
    "    server's log and the --webhook notified.\n"
    "\n"
    "    A client that sends a key, in the header X-Kiln-Key or the cookie\n"
    "    kiln-key, always lands on the same side of the split (and stays on\n"
    "    the new version as its share grows); requests without a key are\n"
    "    split at random. kiln promote, rollback and pin act at once and end\n"
    "    a running rollout. The rollout is kept in the registry: a restarted\n"
    "    server resumes it at its step (the step's clock starts again).\n"
    "\n"
    "OPTIONS\n"
    "    --steps LIST   increasing percentages ending at 100 (default\n"
    "                   10,25,50,100)\n"
    "    --interval D   time per step: 30s, 2m, 1h (default 2m)\n"
    "    --watch        status: print the state again every second until\n"
    "                   the rollout ends\n"
    "    --reason TEXT  abort: kept in the history\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 on success; 1 for bad input, an unknown module or version, a\n"
    "    pinned live, a rollout already running, or an unreachable server.\n"
    "    status --watch: 0 when the rollout completed, 1 when it was rolled\n"
    "    back, aborted or superseded.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln deploy build/examples/wagi-hello.wasm --name hello\n"
    "    kiln rollout hello v2 --steps 10,50,100 --interval 30s\n"
    "    kiln rollout status hello\n"
    "    kiln rollout abort hello --reason 'not today'\n";

static const char synopsis[] = "kiln rollout NAME VERSION [--steps LIST] [--interval D] | status NAME [--watch] | abort NAME";

static void print_status(const cJSON *j) {
    const char *state = client_str(j, "state", "?");
    printf("%s: %s -> %s  %s", client_str(j, "module", "?"), client_str(j, "from", "?"), client_str(j, "to", "?"), state);
    if (!strcmp(state, "running")) {
        const cJSON *ms = cJSON_GetObjectItem(j, "next_step_in_ms");
        printf(" at %g%% (step %g of steps %s%%), next step in %.0f s",
               cJSON_GetNumberValue(cJSON_GetObjectItem(j, "percent")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(j, "step")), client_str(j, "steps", "?"),
               cJSON_IsNumber(ms) ? ms->valuedouble / 1000 : 0);
    }
    putchar('\n');
    const char *why = client_str(j, "reason", NULL);
    if (why) printf("  %s\n", why);
}

static char *module_path(const char *name, const char *tail) {
    char *en = client_escape(name);
    if (!en) return NULL;
    size_t n = strlen(en) + strlen(tail) + 32;
    char *p = malloc(n);
    if (p) snprintf(p, n, "/api/v1/modules/%s/%s", en, tail);
    free(en);
    return p;
}

int cmd_rollout(int argc, char **argv) {
    const char *steps = NULL, *interval = NULL, *reason = NULL;
    bool watch = false;
    client_flag flags[] = {
        {"--steps", true, &steps, NULL},
        {"--interval", true, &interval, NULL},
        {"--reason", true, &reason, NULL},
        {"--watch", false, NULL, &watch},
    };
    const char *pos[2];
    int npos;
    client_opts o;
    int rc = client_parse("rollout", help, synopsis, argc, argv, flags, 4, pos, 2, 2, &npos, &o);
    if (rc >= 0) return rc;
    bool status = !strcmp(pos[0], "status"), abort_ = !strcmp(pos[0], "abort");
    if ((status || abort_) && (steps || interval))
        return cli_fail("rollout", "--steps and --interval go with kiln rollout NAME VERSION");
    if (watch && !status) return cli_fail("rollout", "--watch goes with kiln rollout status NAME");
    if (reason && !abort_) return cli_fail("rollout", "--reason goes with kiln rollout abort NAME");
    client_resp r;
    if (status) {
        char *path = module_path(pos[1], "rollout");
        if (!path) return cli_fail("rollout", "out of memory");
        for (;;) {
            if (!client_call("rollout", &o, "GET", path, NULL, 0, NULL, &r)) { client_resp_free(&r); free(path); return 1; }
            if (o.json) client_print_json(&r);
            else print_status(r.json);
            const char *state = client_str(r.json, "state", "?");
            bool running = !strcmp(state, "running"), done = !strcmp(state, "done");
            client_resp_free(&r);
            if (!watch) break;
            if (!running) { free(path); return done ? 0 : 1; }
            fflush(stdout);
            sleep(1);
        }
        free(path);
        return 0;
    }
    cJSON *body = cJSON_CreateObject();
    char *path = module_path(abort_ ? pos[1] : pos[0], abort_ ? "rollout/abort" : "rollout");
    if (!body || !path) { cJSON_Delete(body); free(path); return cli_fail("rollout", "out of memory"); }
    if (abort_) {
        if (reason) cJSON_AddStringToObject(body, "reason", reason);
    } else {
        int n;
        if (!((pos[1][0] == 'v' && sscanf(pos[1] + 1, "%d", &n) == 1) || sscanf(pos[1], "%d", &n) == 1) || n <= 0) {
            cJSON_Delete(body);
            free(path);
            return cli_fail("rollout", "bad version '%s': want v2 or 2", pos[1]);
        }
        cJSON_AddStringToObject(body, "version", pos[1]);
        if (steps) cJSON_AddStringToObject(body, "steps", steps);
        if (interval) cJSON_AddStringToObject(body, "interval", interval);
    }
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    bool ok = text && client_call("rollout", &o, "POST", path, text, strlen(text), "application/json", &r);
    free(text);
    free(path);
    if (!ok) { client_resp_free(&r); return 1; }
    if (o.json) client_print_json(&r);
    else if (abort_) printf("rollout of %s to %s aborted: live stays %s\n", pos[1], client_str(r.json, "to", "?"),
                            client_str(r.json, "from", "?"));
    else print_status(r.json);
    client_resp_free(&r);
    return 0;
}
