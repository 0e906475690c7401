/* cmd_ls.c — `kiln ls`: the modules a server holds and what each serves. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln ls - list the modules on a kiln server\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln ls [--names-only] [--json] [--server URL] [--data DIR]\n"
    "\n"
    "DESCRIPTION\n"
    "    One line per module: its name, the version live serves (and whether\n"
    "    it is pinned), its other aliases, how many versions it has, the\n"
    "    latest, and how many trap reports are stored.\n"
    "\n"
    "OPTIONS\n"
    "    --names-only   print only the names, one a line (for scripts and\n"
    "                   shell completion)\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 on success; 1 when the server cannot be reached or refuses.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln ls\n"
    "    kiln ls --names-only\n";

int cmd_ls(int argc, char **argv) {
    bool names_only = false;
    client_flag flags[] = {{"--names-only", false, NULL, &names_only}};
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("ls", help, "kiln ls [--names-only] [--json]", argc, argv, flags, 1, pos, 0, 0, &npos, &o);
    if (rc >= 0) return rc;
    client_resp r;
    if (!client_call("ls", &o, "GET", "/api/v1/modules", NULL, 0, NULL, &r)) { client_resp_free(&r); return 1; }
    if (o.json) { client_print_json(&r); client_resp_free(&r); return 0; }
    const cJSON *m;
    if (names_only) {
        cJSON_ArrayForEach(m, r.json) puts(client_str(m, "name", "?"));
        client_resp_free(&r);
        return 0;
    }
    static const char *const hdr[] = {"NAME", "LIVE", "PINNED", "ALIASES", "VERSIONS", "LATEST", "TRAPS"};
    client_table *t = client_table_new(7, hdr);
    cJSON_ArrayForEach(m, r.json) {
        const cJSON *aliases = cJSON_GetObjectItem(m, "aliases");
        const cJSON *live = cJSON_GetObjectItem(aliases, "live");
        char others[512] = "", versions[16], traps[16];
        const cJSON *a;
        cJSON_ArrayForEach(a, aliases) {
            if (!strcmp(a->string, "live")) continue;
            size_t l = strlen(others);
            snprintf(others + l, sizeof others - l, "%s%s=%s", l ? "," : "", a->string, client_str(a, "version", "?"));
        }
        const cJSON *nv = cJSON_GetObjectItem(m, "versions"), *nt = cJSON_GetObjectItem(m, "traps");
        snprintf(versions, sizeof versions, "%d", cJSON_IsNumber(nv) ? nv->valueint : 0);
        snprintf(traps, sizeof traps, "%d", cJSON_IsNumber(nt) ? nt->valueint : 0);
        const char *pinned = "-";
        if (cJSON_IsTrue(cJSON_GetObjectItem(live, "pinned"))) pinned = client_str(live, "pinned_by", "yes");
        const char *row[] = {client_str(m, "name", "?"), client_str(live, "version", "-"), pinned,
                             others[0] ? others : "-", versions, client_str(m, "latest", "-"), traps};
        client_table_row(t, row);
    }
    client_table_print(t);
    client_table_free(t);
    client_resp_free(&r);
    return 0;
}
