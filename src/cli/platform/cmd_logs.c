/* cmd_logs.c — `kiln logs NAME`: a module's request lines and its guests'
 * stderr, from the server's ring (src/platform/logs.c); -f follows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln logs - show a module's requests and what its guests wrote to stderr\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln logs NAME [-f] [--version vN] [--status 5xx|CODE] [--since D]\n"
    "              [--request ID] [--limit N] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    One line per request served by NAME (through /run/NAME or a route):\n"
    "    the time (UTC), version, status, method, path, duration and request\n"
    "    id, followed by the guest's stderr, indented with '| '. The server\n"
    "    keeps the last 2048 requests of all modules (at most 4 KiB of stderr\n"
    "    each) in memory: older lines, and lines from before a restart, are\n"
    "    gone. Without -f it prints the newest N (default 100) lines that\n"
    "    match, oldest first; with -f it then prints new lines as they come\n"
    "    (it asks the server 5 times a second) until interrupted.\n"
    "\n"
    "OPTIONS\n"
    "    -f, --follow     keep printing new lines\n"
    "    --version vN     only that version's requests\n"
    "    --status S       a class (5xx, 4xx, 2xx) or one status (404)\n"
    "    --since D        only the last D: 30s, 10m, 2h\n"
    "    --request ID     one request (the X-Request-Id its client got)\n"
    "    --limit N        at most N lines (default 100, at most 1000)\n"
    "    --server URL     the server (KILN_SERVER; default " CLIENT_DEFAULT_SERVER ")\n"
    "    --data DIR       where admin.token is (KILN_DATA; default ./kiln-data);\n"
    "                     KILN_TOKEN overrides it; kiln login\n"
    "                     remembers a server and its token\n"
    "    --json           one JSON object per line (as the API gives them)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 on success (also when nothing matches); 1 for bad options, an\n"
    "    unknown module or an unreachable server.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln logs hello --since 10m\n"
    "    kiln logs hello --status 5xx --limit 20\n";

static void print_line(const cJSON *l, bool json) {
    if (json) {
        char *t = cJSON_PrintUnformatted(l);
        if (t) puts(t);
        free(t);
        return;
    }
    const cJSON *d = cJSON_GetObjectItem(l, "duration_us");
    double us = cJSON_IsNumber(d) ? d->valuedouble : 0;
    char dur[32];
    if (us >= 1000) snprintf(dur, sizeof dur, "%.1fms", us / 1000);
    else snprintf(dur, sizeof dur, "%.0fus", us);
    printf("%s %s %.0f %s %s %s req=%s\n", client_str(l, "at", "?"), client_str(l, "version", "?"),
           cJSON_GetNumberValue(cJSON_GetObjectItem(l, "status")), client_str(l, "method", "?"),
           client_str(l, "path", "?"), dur, client_str(l, "request_id", "?"));
    const char *err = client_str(l, "stderr", NULL);
    for (const char *p = err; p && *p;) {
        size_t n = strcspn(p, "\n");
        printf("  | %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

static bool add_arg(char *q, size_t size, const char *k, const char *v) {
    char *ev = client_escape(v);
    if (!ev) return false;
    size_t len = strlen(q);
    snprintf(q + len, size - len, "&%s=%s", k, ev);
    free(ev);
    return true;
}

int cmd_logs(int argc, char **argv) {
    const char *version = NULL, *status = NULL, *since = NULL, *request = NULL, *limit = NULL;
    bool follow = false, follow_long = false;
    client_flag flags[] = {
        {"--version", true, &version, NULL}, {"--status", true, &status, NULL},
        {"--since", true, &since, NULL},     {"--request", true, &request, NULL},
        {"--limit", true, &limit, NULL},     {"-f", false, NULL, &follow},
        {"--follow", false, NULL, &follow_long},
    };
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("logs", help, "kiln logs NAME [-f] [--version vN] [--status 5xx] [--since D] [--request ID]",
                          argc, argv, flags, sizeof flags / sizeof flags[0], pos, 1, 1, &npos, &o);
    if (rc >= 0) return rc;
    follow = follow || follow_long;
    if (limit && (atoi(limit) <= 0 || atoi(limit) > 1000))
        return cli_fail("logs", "bad --limit '%s': want 1 to 1000", limit);
    char *en = client_escape(pos[0]);
    if (!en) return cli_fail("logs", "out of memory");
    char base[1024];
    snprintf(base, sizeof base, "/api/v1/modules/%s/logs?limit=%d", en, limit ? atoi(limit) : 100);
    free(en);
    if ((version && !add_arg(base, sizeof base, "version", version)) ||
        (status && !add_arg(base, sizeof base, "status", status)) ||
        (since && !add_arg(base, sizeof base, "since", since)) ||
        (request && !add_arg(base, sizeof base, "request", request)))
        return cli_fail("logs", "out of memory");
    double after = 0;
    for (bool first = true;; first = false) {
        char path[1100];
        if (first) snprintf(path, sizeof path, "%s", base);
        else snprintf(path, sizeof path, "%s&after=%.0f", base, after);
        client_resp r;
        if (!client_call("logs", &o, "GET", path, NULL, 0, NULL, &r)) { client_resp_free(&r); return 1; }
        const cJSON *l;
        cJSON_ArrayForEach(l, cJSON_GetObjectItem(r.json, "lines")) print_line(l, o.json);
        const cJSON *next = cJSON_GetObjectItem(r.json, "next");
        if (cJSON_IsNumber(next)) after = next->valuedouble;
        client_resp_free(&r);
        if (!follow) break;
        fflush(stdout);
        usleep(200000);
    }
    return 0;
}
