/* cmd_traps.c — `kiln traps NAME`: the trap reports a module's requests left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln traps - show the trap reports of a module's failed requests\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln traps NAME [--limit N] [--request ID] [--group] [--json] [--server URL] [--data DIR]\n"
    "\n"
    "DESCRIPTION\n"
    "    When a request traps (out-of-bounds access, unreachable, division by\n"
    "    zero, fuel or time exhausted, ...), the client gets a 500 with a\n"
    "    request id and the server stores a report: the version, the trap,\n"
    "    the backtrace with function names and source lines (when the module\n"
    "    carries a name section or DWARF, as kiln-cc -g builds do) and what\n"
    "    the guest wrote to stderr. This prints them, newest first; find a\n"
    "    user's failure by the request id they were given (--request).\n"
    "\n"
    "OPTIONS\n"
    "    --limit N      at most N reports (default 20)\n"
    "    --request ID   only the report of that request (the X-Request-Id its\n"
    "                   client got; status 1 when there is none)\n"
    "    --group        the newest --limit reports (default 500) grouped by\n"
    "                   kind and top frame (function, file, line), largest\n"
    "                   group first, with counts, versions, first and last\n"
    "                   seen and the newest report of each (what the web\n"
    "                   UI's traps page shows)\n"
    "    --server URL   the server (KILN_SERVER; default " CLIENT_DEFAULT_SERVER ")\n"
    "    --data DIR     where admin.token is (KILN_DATA; default ./kiln-data);\n"
    "                   KILN_TOKEN overrides it; kiln login\n"
    "                   remembers a server and its token\n"
    "    --json         print the server's JSON answer (the trap as structured\n"
    "                   frames too)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 on success (also when there is no report); 1 for an unknown module\n"
    "    or an unreachable server.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln traps imgproc --limit 1\n"
    "    kiln traps imgproc --group\n";

static void indent(const char *text) {
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        printf("    %.*s\n", n, p);
        p += n + (nl ? 1 : 0);
    }
}

static const char errors_help[] =
    "NAME\n"
    "    kiln errors - list every failed request of a module, with its request id\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln errors NAME [--limit N] [--request ID] [--group] [--json] [--server URL] [--data DIR]\n"
    "\n"
    "DESCRIPTION\n"
    "    Every answer of 500 or more that a module's request got is recorded:\n"
    "    traps (with their report, as kiln traps shows them), failed\n"
    "    instantiations, timeouts and limit kills (traps too), output over\n"
    "    the response limit (output-limit), output that is not a CGI response\n"
    "    (bad-response) and 5xx statuses the module chose itself\n"
    "    (status-5xx). Each line gives the time, the version, the request id\n"
    "    (the X-Request-Id the client got), the kind and the message; the\n"
    "    guest's stderr follows. Newest first. The auto-rollback rule\n"
    "    errors>RATE%@WINDOW (kiln policy) counts the same failures.\n"
    "\n"
    "OPTIONS\n"
    "    --limit N      at most N failures (default 20)\n"
    "    --request ID   only that request's failure (status 1 when none)\n"
    "    --group        the newest --limit failures (default 500) grouped by\n"
    "                   kind and top frame, as kiln traps --group\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 on success (also when there is none); 1 for an unknown module or\n"
    "    an unreachable server.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln errors hello --limit 5\n";

/* --group: the server groups (trapgroups.c), so this and the web UI count alike. */
static int grouped(const char *cmd, client_opts *o, const char *name, const char *limit) {
    char *en = client_escape(name);
    if (!en) return cli_fail(cmd, "out of memory");
    char path[512];
    snprintf(path, sizeof path, "/api/v1/modules/%s/%s/groups?limit=%d", en, cmd, limit ? atoi(limit) : 500);
    free(en);
    client_resp r;
    if (!client_call(cmd, o, "GET", path, NULL, 0, NULL, &r)) { client_resp_free(&r); return 1; }
    if (o->json) { client_print_json(&r); client_resp_free(&r); return 0; }
    const cJSON *groups = cJSON_GetObjectItem(r.json, "groups"), *g;
    printf("%d %s of %s in %d groups\n", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(r.json, "reports")),
           !strcmp(cmd, "errors") ? "failures" : "trap reports", name, cJSON_GetArraySize(groups));
    cJSON_ArrayForEach(g, groups) {
        printf("\n%6d  %s in %s  (", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(g, "count")), client_str(g, "kind", "?"),
               client_str(g, "frame", "?"));
        const cJSON *v;
        bool first = true;
        cJSON_ArrayForEach(v, cJSON_GetObjectItem(g, "versions")) {
            printf("%s%s", first ? "" : ", ", cJSON_IsString(v) ? v->valuestring : "?");
            first = false;
        }
        printf("; last %s, first %s)\n", client_str(g, "last_seen", "?"), client_str(g, "first_seen", "?"));
        const cJSON *sample = cJSON_GetObjectItem(g, "sample");
        const char *report = client_str(sample, "report", NULL);
        printf("    sample: request %s  %s\n", client_str(sample, "request_id", "?"), client_str(sample, "message", "?"));
        if (report) indent(report);
    }
    client_resp_free(&r);
    return 0;
}

static int failures(const char *cmd, const char *hlp, int argc, char **argv) {
    const char *limit = NULL, *request = NULL;
    bool group = false;
    client_flag flags[] = {{"--limit", true, &limit, NULL}, {"--request", true, &request, NULL}, {"--group", false, NULL, &group}};
    const char *pos[1];
    int npos;
    client_opts o;
    char usage[96];
    snprintf(usage, sizeof usage, "kiln %s NAME [--limit N] [--request ID] [--group] [--json]", cmd);
    int rc = client_parse(cmd, hlp, usage, argc, argv, flags, 3, pos, 1, 1, &npos, &o);
    if (rc >= 0) return rc;
    bool errors = !strcmp(cmd, "errors");
    if (limit && atoi(limit) <= 0) return cli_fail(cmd, "bad --limit '%s': want a positive number", limit);
    if (group && request) return cli_fail(cmd, "--group and --request do not go together: one request is one group");
    if (group && limit && atoi(limit) > 10000) return cli_fail(cmd, "bad --limit '%s': at most 10000 reports are grouped", limit);
    if (group) return grouped(cmd, &o, pos[0], limit);
    char *en = client_escape(pos[0]);
    if (!en) return cli_fail(cmd, "out of memory");
    char path[512];
    snprintf(path, sizeof path, "/api/v1/modules/%s/%s?limit=%d", en, errors ? "errors" : "traps",
             request ? 1000 : limit ? atoi(limit) : 20);
    free(en);
    client_resp r;
    if (!client_call(cmd, &o, "GET", path, NULL, 0, NULL, &r)) { client_resp_free(&r); return 1; }
    if (request) {
        /* --request ID: only that request's failure (the newest 1000 are searched). */
        cJSON *keep = cJSON_CreateArray(), *t, *next;
        if (!keep) { client_resp_free(&r); return cli_fail(cmd, "out of memory"); }
        for (t = r.json ? r.json->child : NULL; t; t = next) {
            next = t->next;
            if (!strcmp(client_str(t, "request_id", ""), request))
                cJSON_AddItemToArray(keep, cJSON_DetachItemViaPointer(r.json, t));
        }
        cJSON_Delete(r.json);
        r.json = keep;
        if (cJSON_GetArraySize(keep) == 0) {
            client_resp_free(&r);
            return cli_fail(cmd, "no %s of %s has the request id '%s'", errors ? "failure" : "trap report", pos[0], request);
        }
        if (o.json) {
            char *text = cJSON_Print(keep);
            if (text) puts(text);
            free(text);
            client_resp_free(&r);
            return 0;
        }
    }
    if (o.json) { client_print_json(&r); client_resp_free(&r); return 0; }
    if (cJSON_GetArraySize(r.json) == 0) printf("no %s recorded for %s\n", errors ? "errors" : "traps", pos[0]);
    const cJSON *t;
    bool first = true;
    cJSON_ArrayForEach(t, r.json) {
        if (!first) putchar('\n');
        first = false;
        if (errors)
            printf("%s %s  request %s  %s: %s\n", client_str(t, "at", "?"), client_str(t, "version", "?"),
                   client_str(t, "request_id", "?"), client_str(t, "kind", "?"), client_str(t, "message", "?"));
        else
            printf("%s %s  request %s  %s\n", client_str(t, "at", "?"), client_str(t, "version", "?"),
                   client_str(t, "request_id", "?"), client_str(t, "message", "?"));
        const char *report = client_str(t, "report", NULL);
        if (report) indent(report);
        const char *err = client_str(t, "stderr", "");
        if (*err) {
            printf("    stderr:\n");
            indent(err);
        }
    }
    client_resp_free(&r);
    return 0;
}

int cmd_traps(int argc, char **argv) { return failures("traps", help, argc, argv); }
int cmd_errors(int argc, char **argv) { return failures("errors", errors_help, argc, argv); }
