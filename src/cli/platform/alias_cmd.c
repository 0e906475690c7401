/* alias_cmd.c — the body shared by kiln promote, pin, unpin and rollback:
 * parse, POST /api/v1/modules/NAME/OP with a JSON body, print the change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

int client_alias_command(const char *cmd, const char *help, const char *synopsis, int argc, char **argv,
                         bool needs_version, bool allow_to, bool allow_force) {
    const char *alias = NULL, *reason = NULL, *to = NULL;
    bool force = false;
    client_flag flags[4];
    size_t nflags = 0;
    flags[nflags++] = (client_flag){"--alias", true, &alias, NULL};
    flags[nflags++] = (client_flag){"--reason", true, &reason, NULL};
    if (allow_to) flags[nflags++] = (client_flag){"--to", true, &to, NULL};
    if (allow_force) flags[nflags++] = (client_flag){"--force", false, NULL, &force};
    const char *pos[2];
    int npos;
    client_opts o;
    int n = needs_version ? 2 : 1;
    int rc = client_parse(cmd, help, synopsis, argc, argv, flags, nflags, pos, n, n, &npos, &o);
    if (rc >= 0) return rc;

    cJSON *body = cJSON_CreateObject();
    if (!body) return cli_fail(cmd, "out of memory");
    if (needs_version) cJSON_AddStringToObject(body, "version", pos[1]);
    if (to) cJSON_AddStringToObject(body, "to", to);
    if (alias) cJSON_AddStringToObject(body, "alias", alias);
    if (reason) cJSON_AddStringToObject(body, "reason", reason);
    if (force) cJSON_AddBoolToObject(body, "force", true);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    char *ename = client_escape(pos[0]);
    if (!text || !ename) { free(text); free(ename); return cli_fail(cmd, "out of memory"); }
    char path[512];
    snprintf(path, sizeof path, "/api/v1/modules/%s/%s", ename, cmd);
    free(ename);
    client_resp r;
    bool ok = client_call(cmd, &o, "POST", path, text, strlen(text), "application/json", &r);
    free(text);
    if (!ok) { client_resp_free(&r); return 1; }
    if (o.json) {
        client_print_json(&r);
    } else {
        const char *a = client_str(r.json, "alias", "live");
        const char *from = client_str(r.json, "from", "(none)");
        const char *tov = client_str(r.json, "to", "?");
        bool changed = cJSON_IsTrue(cJSON_GetObjectItem(r.json, "changed"));
        if (!strcmp(cmd, "unpin")) printf("%s %s: unpinned (at %s)\n", pos[0], a, tov);
        else if (changed) printf("%s %s: %s -> %s%s\n", pos[0], a, from, tov, !strcmp(cmd, "pin") ? " (pinned)" : "");
        else printf("%s %s: already at %s%s\n", pos[0], a, tov, !strcmp(cmd, "pin") ? " (pinned)" : "");
    }
    client_resp_free(&r);
    return 0;
}
