/* deploy_project.c — `kiln deploy` with no module in a project directory:
 * kiln.toml (cli/project.h) gives the module, its name, limits, env,
 * secrets and auto-rollback rule as the flags they stand for, placed
 * before the ones typed so that those win; after the upload, its routes
 * and the rest of its policy are set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include "cli/cli.h"
#include "cli/platform/client.h"
#include "cli/project.h"

/* deploy's flags that take a value as the next argument (its own and the
 * common ones): the pre-scan must step over their values. */
static const char *const valued[] = {"--name", "--commit", "--commit-time", "--message", "--fuel", "--timeout",
                                     "--max-memory", "--auto-rollback", "--env", "--secret", "--server", "--data"};

static bool is_valued(const char *a) {
    for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++)
        if (!strcmp(a, valued[i])) return true;
    return false;
}

bool deploy_has_module(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) return i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return true; /* the help, whatever else */
        if (a[0] == '-' && a[1]) { if (is_valued(a)) i++; continue; }
        return true;
    }
    return false;
}

/* Whether the typed flags name this variable (--env NAME=..., --secret NAME=...). */
static bool typed(int argc, char **argv, const char *kv) {
    size_t n = strcspn(kv, "=");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--env") || !strcmp(a, "--secret")) v = i + 1 < argc ? argv[++i] : NULL;
        else if (!strncmp(a, "--env=", 6)) v = a + 6;
        else if (!strncmp(a, "--secret=", 9)) v = a + 9;
        if (v && !strncmp(v, kv, n) && v[n] == '=') return true;
    }
    return false;
}

/* The --server/--data typed, for the calls after the upload. */
static int connection(int argc, char **argv, client_opts *o) {
    char *conn[8] = {"deploy"};
    int n = 1;
    for (int i = 1; i < argc && n < 7; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--server") || !strcmp(a, "--data")) && i + 1 < argc) {
            conn[n++] = argv[i];
            conn[n++] = argv[++i];
        } else if (!strncmp(a, "--server=", 9) || !strncmp(a, "--data=", 7)) {
            conn[n++] = argv[i];
        }
    }
    int npos;
    return client_parse("deploy", "", "", n, conn, NULL, 0, NULL, 0, 0, &npos, o);
}

/* [deploy] routes: each prefix that does not serve the module yet. */
static bool add_routes(const cli_project *p, const client_opts *o) {
    if (!p->nroutes) return true;
    client_resp r;
    if (!client_call("deploy", o, "GET", "/api/v1/routes", NULL, 0, NULL, &r)) { client_resp_free(&r); return false; }
    bool ok = true;
    for (size_t i = 0; i < p->nroutes && ok; i++) {
        const cJSON *e;
        bool have = false;
        cJSON_ArrayForEach(e, r.json) {
            if (!strcmp(client_str(e, "prefix", ""), p->routes[i]) && !strcmp(client_str(e, "module", ""), p->name))
                have = true;
        }
        if (have) continue;
        cJSON *body = cJSON_CreateObject();
        char *text = NULL;
        if (body && cJSON_AddStringToObject(body, "prefix", p->routes[i]) && cJSON_AddStringToObject(body, "module", p->name))
            text = cJSON_PrintUnformatted(body);
        cJSON_Delete(body);
        if (!text) { cli_fail("deploy", "out of memory"); ok = false; break; }
        client_resp a;
        ok = client_call("deploy", o, "POST", "/api/v1/routes", text, strlen(text), "application/json", &a);
        free(text);
        client_resp_free(&a);
        if (ok && !o->json) printf("route %s -> %s (kiln.toml)\n", p->routes[i], p->name);
    }
    client_resp_free(&r);
    return ok;
}

/* [policy] regression-threshold and budget (auto-rollback went with the deploy). */
static bool set_policy(const cli_project *p, const client_opts *o) {
    if (!p->regression_threshold[0] && !p->budget[0]) return true;
    cJSON *body = cJSON_CreateObject();
    if (!body) return cli_fail("deploy", "out of memory") == 0;
    if (p->regression_threshold[0]) cJSON_AddStringToObject(body, "regression_threshold", p->regression_threshold);
    if (p->budget[0]) cJSON_AddStringToObject(body, "budget_per_day", p->budget);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (!text) return cli_fail("deploy", "out of memory") == 0;
    char *en = client_escape(p->name);
    char path[512];
    snprintf(path, sizeof path, "/api/v1/modules/%s/policy", en ? en : "");
    free(en);
    client_resp r;
    bool ok = client_call("deploy", o, "POST", path, text, strlen(text), "application/json", &r);
    free(text);
    client_resp_free(&r);
    return ok;
}

int deploy_project(int argc, char **argv, int (*deploy)(int, char **)) {
    char path[PATH_MAX];
    if (cli_project_find(NULL, path, sizeof path) != 0)
        return cli_fail("deploy", "no module given, and no kiln.toml here or above: kiln deploy FILE.wasm --name NAME "
                                  "(see kiln deploy --help)");
    cli_project p;
    if (!cli_project_load("deploy", path, &p)) return 1;
    char wasm[PATH_MAX * 2];
    cli_project_wasm_path(&p, wasm, sizeof wasm);
    int rc = 1;
    size_t cap = (size_t)argc + 16 + 2 * (p.nenv + p.nsecrets);
    char **av = calloc(cap, sizeof *av);
    if (!av) { cli_project_free(&p); return cli_fail("deploy", "out of memory"); }
    if (access(wasm, F_OK) != 0) {
        cli_fail("deploy", "%s: %s: build the project first (kiln build)", wasm, strerror(errno));
        goto out;
    }
    int n = 0;
    av[n++] = argv[0];
    av[n++] = wasm;
    av[n++] = "--name";
    av[n++] = (char *)p.name;
    bool no_promote = false;
    for (int i = 1; i < argc; i++) no_promote |= !strcmp(argv[i], "--no-promote");
    if (p.promote && !no_promote) av[n++] = "--promote";
    if (p.fuel[0]) { av[n++] = "--fuel"; av[n++] = p.fuel; }
    if (p.timeout) { av[n++] = "--timeout"; av[n++] = (char *)p.timeout; }
    if (p.max_memory) { av[n++] = "--max-memory"; av[n++] = (char *)p.max_memory; }
    if (p.auto_rollback) { av[n++] = "--auto-rollback"; av[n++] = (char *)p.auto_rollback; }
    for (size_t i = 0; i < p.nenv; i++)
        if (!typed(argc, argv, p.env[i])) { av[n++] = "--env"; av[n++] = p.env[i]; }
    for (size_t i = 0; i < p.nsecrets; i++)
        if (!typed(argc, argv, p.secrets[i])) { av[n++] = "--secret"; av[n++] = p.secrets[i]; }
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--no-promote")) av[n++] = argv[i];
    av[n] = NULL;
    rc = deploy(n, av);
    if (rc == 0) {
        client_opts o;
        if (connection(argc, argv, &o) >= 0 || !add_routes(&p, &o) || !set_policy(&p, &o)) rc = 1;
    }
out:
    free(av);
    cli_project_free(&p);
    return rc;
}
