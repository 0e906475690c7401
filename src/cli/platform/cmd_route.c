/* cmd_route.c — `kiln route add|ls|rm`: path prefixes served by a module's
 * live version, besides /run/NAME. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln route - serve a module at a path of your own, besides /run/NAME\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln route add PREFIX NAME\n"
    "    kiln route ls\n"
    "    kiln route rm PREFIX\n"
    "\n"
    "DESCRIPTION\n"
    "    After 'kiln route add /thumbs imgproc', a request for /thumbs or\n"
    "    /thumbs/REST is served as /run/imgproc/REST would be: by imgproc's\n"
    "    live version (and its rollout's split, if one runs), with PATH_INFO\n"
    "    /REST. PREFIX is whole segments: /thumbs does not serve /thumbsup.\n"
    "    The longest matching prefix wins. A prefix starts with '/', holds\n"
    "    letters, digits and / . _ ~ -, and may not be under kiln's own\n"
    "    /run, /api, /ui, /healthz or /metrics. Routes are kept in the registry\n"
    "    and each change is a history row of the module.\n"
    "\n"
    "OPTIONS\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 on success; 1 for a bad prefix, an unknown module, a prefix that\n"
    "    exists already (add) or does not (rm), or an unreachable server.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln route add /hello hello\n"
    "    kiln route ls\n"
    "    kiln route rm /hello\n";

int cmd_route(int argc, char **argv) {
    const char *pos[3];
    int npos;
    client_opts o;
    int rc = client_parse("route", help, "kiln route add PREFIX NAME | ls | rm PREFIX", argc, argv, NULL, 0, pos, 1, 3,
                          &npos, &o);
    if (rc >= 0) return rc;
    const char *sub = pos[0];
    bool add = !strcmp(sub, "add"), rm = !strcmp(sub, "rm"), ls = !strcmp(sub, "ls");
    if (!add && !rm && !ls) return cli_fail("route", "unknown subcommand '%s': want add, ls or rm", sub);
    if ((add && npos != 3) || (rm && npos != 2) || (ls && npos != 1))
        return cli_fail("route", "usage: kiln route add PREFIX NAME | kiln route ls | kiln route rm PREFIX");
    client_resp r;
    bool ok;
    if (ls) {
        ok = client_call("route", &o, "GET", "/api/v1/routes", NULL, 0, NULL, &r);
    } else {
        cJSON *body = cJSON_CreateObject();
        if (!body) return cli_fail("route", "out of memory");
        cJSON_AddStringToObject(body, "prefix", pos[1]);
        if (add) cJSON_AddStringToObject(body, "module", pos[2]);
        char *text = cJSON_PrintUnformatted(body);
        cJSON_Delete(body);
        if (!text) return cli_fail("route", "out of memory");
        ok = client_call("route", &o, add ? "POST" : "DELETE", "/api/v1/routes", text, strlen(text), "application/json", &r);
        free(text);
    }
    if (!ok) { client_resp_free(&r); return 1; }
    if (o.json) {
        client_print_json(&r);
    } else if (ls) {
        if (cJSON_GetArraySize(r.json) == 0) printf("no routes (kiln route add PREFIX NAME)\n");
        const char *hdr[] = {"PREFIX", "MODULE", "CREATED", "BY"};
        client_table *t = client_table_new(4, hdr);
        const cJSON *e;
        cJSON_ArrayForEach(e, r.json) {
            char when[24];
            snprintf(when, sizeof when, "%.19s", client_str(e, "created", "?"));
            const char *row[] = {client_str(e, "prefix", "?"), client_str(e, "module", "?"), when,
                                 client_str(e, "created_by", "?")};
            client_table_row(t, row);
        }
        if (cJSON_GetArraySize(r.json)) client_table_print(t);
        client_table_free(t);
    } else if (add) {
        printf("route %s -> %s (live)\n", pos[1], pos[2]);
    } else {
        printf("route %s removed\n", pos[1]);
    }
    client_resp_free(&r);
    return 0;
}
