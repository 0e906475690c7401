/* cmd_versions.c — `kiln versions NAME`: a module's versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln versions - list the versions of a module\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln versions NAME [--names-only] [--json] [--server URL] [--data DIR]\n"
    "\n"
    "DESCRIPTION\n"
    "    One line per version, oldest first: its number, the aliases that\n"
    "    point at it (live, canary, ...), when and by whom it was deployed,\n"
    "    its size and sha256 (first 12 digits), the source commit and the\n"
    "    deploy message. Versions are immutable: a version number always\n"
    "    means the same bytes.\n"
    "\n"
    "OPTIONS\n"
    "    --names-only   print only the version names (v1, v2, ...), one a\n"
    "                   line (for scripts and shell completion)\n"
    "    --server URL   the server (KILN_SERVER; default " CLIENT_DEFAULT_SERVER ")\n"
    "    --data DIR     where admin.token is (KILN_DATA; default ./kiln-data);\n"
    "                   KILN_TOKEN overrides it; kiln login\n"
    "                   remembers a server and its token\n"
    "    --json         print the server's JSON answer (with limits, commit\n"
    "                   times and full digests)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 on success; 1 for an unknown module or an unreachable server.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln versions hello\n";

int cmd_versions(int argc, char **argv) {
    bool names_only = false;
    client_flag flags[] = {{"--names-only", false, NULL, &names_only}};
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("versions", help, "kiln versions NAME [--names-only] [--json]", argc, argv, flags, 1, pos,
                          1, 1, &npos, &o);
    if (rc >= 0) return rc;
    char *en = client_escape(pos[0]);
    if (!en) return cli_fail("versions", "out of memory");
    char path[512];
    snprintf(path, sizeof path, "/api/v1/modules/%s/versions", en);
    free(en);
    client_resp r;
    if (!client_call("versions", &o, "GET", path, NULL, 0, NULL, &r)) { client_resp_free(&r); return 1; }
    if (o.json) { client_print_json(&r); client_resp_free(&r); return 0; }
    const cJSON *v;
    if (names_only) {
        cJSON_ArrayForEach(v, r.json) puts(client_str(v, "version", "?"));
        client_resp_free(&r);
        return 0;
    }
    static const char *const hdr[] = {"VERSION", "ALIASES", "CREATED", "BY", "SIZE", "SHA256", "COMMIT", "TIER", "MESSAGE"};
    client_table *t = client_table_new(9, hdr);
    cJSON_ArrayForEach(v, r.json) {
        char aliases[256] = "", size[32], digest[16], commit[16], created[24];
        const cJSON *a;
        cJSON_ArrayForEach(a, cJSON_GetObjectItem(v, "aliases")) {
            size_t l = strlen(aliases);
            if (cJSON_IsString(a)) snprintf(aliases + l, sizeof aliases - l, "%s%s", l ? "," : "", a->valuestring);
        }
        const cJSON *sz = cJSON_GetObjectItem(v, "size");
        client_human_size(cJSON_IsNumber(sz) ? sz->valuedouble : 0, size, sizeof size);
        snprintf(digest, sizeof digest, "%.12s", client_str(v, "digest", "-"));
        snprintf(commit, sizeof commit, "%.10s", client_str(v, "commit", "-"));
        /* 2026-01-31T12:00:00.000Z -> 2026-01-31 12:00:00 */
        snprintf(created, sizeof created, "%.19s", client_str(v, "created", "-"));
        if (strlen(created) > 10) created[10] = ' ';
        const char *row[] = {client_str(v, "version", "?"), aliases[0] ? aliases : "-", created,
                             client_str(v, "deployed_by", "-"), size, digest, commit, client_str(v, "tier", "-"),
                             client_str(v, "message", "-")};
        client_table_row(t, row);
    }
    client_table_print(t);
    client_table_free(t);
    client_resp_free(&r);
    return 0;
}
