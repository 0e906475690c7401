/* cmd_deploy.c — `kiln deploy`: uploads a module as a module's next version. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "kiln_meter.h"
#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln deploy - upload a module as the next version of a service\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln deploy FILE.wasm --name NAME [--promote] [--commit SHA]\n"
    "                [--commit-time ISO8601] [--message M] [--fuel N]\n"
    "                [--timeout DURATION] [--max-memory SIZE] [--force]\n"
    "                [--auto-rollback RULE] [--env K=V]... [--secret K=@FILE]...\n"
    "    kiln deploy [OPTIONS]          (in a project: kiln.toml)\n"
    "\n"
    "DESCRIPTION\n"
    "    Sends FILE.wasm (or FILE.wat, assembled first) to the kiln server,\n"
    "    which validates and compiles it\n"
    "    before accepting it. A module that is not valid WebAssembly is\n"
    "    refused with the engine's message; so is one that could not answer a\n"
    "    request: no WASI entry point (_start), an import the server does not\n"
    "    provide (it provides wasi_snapshot_preview1), a memory or table\n"
    "    larger at start than its limits (--max-memory, or the server's\n"
    "    --max-table-elements), or a trap while it is instantiated. Nothing\n"
    "    is stored then. An accepted module becomes NAME's next version\n"
    "    (v1, v2, ...), immutable, named by its sha256. The module NAME is\n"
    "    created by its first deploy.\n"
    "\n"
    "    A deploy does not change what is served unless --promote is given:\n"
    "    then live moves to the new version in the same transaction.\n"
    "\n"
    "    Without FILE, in a project (kiln.toml here or above), kiln deploys\n"
    "    the project's module: kiln.toml gives --name, its [limits], [env],\n"
    "    [secrets] and [policy] auto-rollback, and --promote unless [deploy]\n"
    "    promote = false; the options typed here override them. After the\n"
    "    upload, [deploy] routes that do not serve the module yet are added\n"
    "    and [policy] regression-threshold and budget are set\n"
    "    (docs/project.md). Build first: kiln build.\n"
    "\n"
    "OPTIONS\n"
    "    --name NAME        the module (service) name: letters, digits, '.',\n"
    "                       '_', '-'; required\n"
    "    --promote          make the new version live at once\n"
    "    --no-promote       do not promote (over kiln.toml's [deploy] promote)\n"
    "    --force            promote even if live is pinned (releases the pin)\n"
    "    --commit SHA       the source commit it was built from\n"
    "    --commit-time T    that commit's time, ISO 8601 (2026-01-31T12:00:00Z)\n"
    "    --message M        a note kept with the version\n"
    "    --fuel N           fuel per request (weighted instructions; 0 = none)\n"
    "    --timeout D        wall-clock limit per request: 500ms, 2s, 1m\n"
    "    --max-memory S     linear memory limit: 64MiB, 1GiB\n"
    "                       (limits not given are taken from the previous\n"
    "                       version; the server's defaults for a first one)\n"
    "    --auto-rollback RULE  set the module's auto-rollback rule first, e.g.\n"
    "                       'traps>5%@100req' (see kiln policy --help); with\n"
    "                       --promote, the new version is watched at once\n"
    "    --env K=V          an environment variable of this version's guest\n"
    "                       (repeat it for more)\n"
    "    --secret K=@FILE   a secret variable, its value read from FILE (one\n"
    "                       trailing newline dropped): stored encrypted, given\n"
    "                       to the guest as K, never printed by kiln. Without\n"
    "                       --env and --secret a version keeps the previous\n"
    "                       version's configuration; with any, it has exactly\n"
    "                       those. A rollback restores the configuration that\n"
    "                       went with the code. For example, with the key in\n"
    "                       a file only you can read: --secret API_KEY=@api.key\n"
    "    --server URL       the server (KILN_SERVER; default " CLIENT_DEFAULT_SERVER ")\n"
    "    --data DIR         where admin.token is (KILN_DATA; default ./kiln-data);\n"
    "                       KILN_TOKEN overrides it; kiln login\n"
    "                       remembers a server and its token\n"
    "    --json             print the server's JSON answer\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the version was stored; 1 otherwise (the reason is printed).\n"
    "\n"
    "EXAMPLES\n"
    "    In a kiln checkout, after 'make all examples', with a server running\n"
    "    (kiln serve --help):\n"
    "\n"
    "    kiln deploy build/examples/wagi-hello.wasm --name hello --promote\n"
    "    kiln deploy build/examples/wagi-hello.wasm --name hello --commit $(git rev-parse HEAD) \\\n"
    "        --commit-time $(git show -s --format=%cI) --timeout 500ms --max-memory 64MiB\n"
    "    kiln deploy build/examples/wagi-hello.wasm --name hello --env GREETING=hi\n";

static int deploy_main(int argc, char **argv, const char *config_header);

static const char synopsis[] = "kiln deploy FILE.wasm --name NAME [--promote] [OPTIONS]";

/* Appends "&key=escaped(value)" to the query. */
static bool add_q(char **q, size_t *len, size_t *cap, const char *key, const char *value) {
    char *ev = client_escape(value);
    if (!ev) return false;
    size_t need = *len + strlen(key) + strlen(ev) + 3;
    if (need > *cap) {
        size_t nc = need * 2;
        char *nq = realloc(*q, nc);
        if (!nq) { free(ev); return false; }
        *q = nq;
        *cap = nc;
    }
    *len += (size_t)sprintf(*q + *len, "%c%s=%s", *len ? '&' : '?', key, ev);
    free(ev);
    return true;
}

/* --env K=V and --secret K=@FILE, repeatable, taken out of argv before the
 * common parser (which knows single-valued flags) sees it: into cfg
 * {"env":{...},"secrets":{...}}. -1 to go on, else an exit status. */
static int take_config(int *argc, char **argv, cJSON *cfg, bool *any) {
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i], *v = NULL;
        bool env = !strcmp(a, "--env") || !strncmp(a, "--env=", 6);
        bool sec = !strcmp(a, "--secret") || !strncmp(a, "--secret=", 9);
        if (!strcmp(a, "--")) { while (i < *argc) argv[out++] = argv[i++]; break; }
        if (!env && !sec) { argv[out++] = argv[i]; continue; }
        const char *flag = env ? "--env" : "--secret";
        if (strchr(a, '=')) v = strchr(a, '=') + 1;
        else if (i + 1 < *argc) v = argv[++i];
        else return cli_fail("deploy", "%s needs a value: %s", flag, env ? "--env NAME=VALUE" : "--secret NAME=@FILE");
        const char *eq = strchr(v, '=');
        if (!eq || eq == v)
            return cli_fail("deploy", "bad %s '%s': want %s", flag, v, env ? "NAME=VALUE" : "NAME=@FILE");
        char name[160];
        snprintf(name, sizeof name, "%.*s", (int)(eq - v) < 150 ? (int)(eq - v) : 150, v);
        cJSON *obj = cJSON_GetObjectItem(cfg, env ? "env" : "secrets");
        if (cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(cfg, "env"), name) ||
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(cfg, "secrets"), name))
            return cli_fail("deploy", "%s is given twice", name);
        if (env) {
            cJSON_AddStringToObject(obj, name, eq + 1);
        } else {
            /* Never from the command line: argv is visible to every user (ps). */
            if (eq[1] != '@' || !eq[2])
                return cli_fail("deploy", "bad --secret '%s=...': want %s=@FILE (the value is read from FILE, never "
                                          "given on the command line)", name, name);
            size_t len;
            unsigned char *bytes = cli_read_file(eq + 2, &len);
            if (!bytes) return cli_fail("deploy", "cannot read the secret file '%s': %s", eq + 2, strerror(errno));
            if (len && bytes[len - 1] == '\n') len--;
            if (len && bytes[len - 1] == '\r') len--;
            if (memchr(bytes, 0, len)) { free(bytes); return cli_fail("deploy", "the secret file '%s' holds a NUL byte", eq + 2); }
            char *val = malloc(len + 1);
            if (!val) { free(bytes); return cli_fail("deploy", "out of memory"); }
            memcpy(val, bytes, len);
            val[len] = 0;
            memset(bytes, 0, len);
            free(bytes);
            cJSON_AddStringToObject(obj, name, val);
            memset(val, 0, len);
            free(val);
        }
        *any = true;
    }
    *argc = out;
    argv[out] = NULL;
    return -1;
}

bool deploy_has_module(int argc, char **argv);
int deploy_project(int argc, char **argv, int (*deploy)(int, char **));

int cmd_deploy(int argc, char **argv) {
    /* No module: the project's (kiln.toml), which calls back here with one. */
    if (!deploy_has_module(argc, argv)) return deploy_project(argc, argv, cmd_deploy);
    cJSON *cfg = cJSON_CreateObject();
    if (!cfg || !cJSON_AddObjectToObject(cfg, "env") || !cJSON_AddObjectToObject(cfg, "secrets")) {
        cJSON_Delete(cfg);
        return cli_fail("deploy", "out of memory");
    }
    bool has_cfg = false;
    int rc0 = take_config(&argc, argv, cfg, &has_cfg);
    if (rc0 >= 0) { cJSON_Delete(cfg); return rc0; }
    char *hdr = NULL;
    if (has_cfg) {
        char *json = cJSON_PrintUnformatted(cfg);
        size_t jl = json ? strlen(json) : 0;
        hdr = json ? malloc(16 + (jl + 2) / 3 * 4 + 1) : NULL;
        if (hdr) {
            memcpy(hdr, "X-Kiln-Config: ", 15);
            EVP_EncodeBlock((unsigned char *)hdr + 15, (const unsigned char *)json, (int)jl);
        }
        if (json) { memset(json, 0, jl); free(json); }
        if (!hdr) { cJSON_Delete(cfg); return cli_fail("deploy", "out of memory"); }
    }
    cJSON_Delete(cfg);
    int rc = deploy_main(argc, argv, hdr);
    if (hdr) { memset(hdr, 0, strlen(hdr)); free(hdr); }
    return rc;
}

static int deploy_main(int argc, char **argv, const char *config_header) {
    const char *name = NULL, *commit = NULL, *commit_time = NULL, *message = NULL, *fuel = NULL, *timeout = NULL,
               *max_mem = NULL, *auto_rollback = NULL;
    bool promote = false, force = false, no_promote = false;
    client_flag flags[] = {
        {"--name", true, &name, NULL},
        {"--commit", true, &commit, NULL},
        {"--commit-time", true, &commit_time, NULL},
        {"--message", true, &message, NULL},
        {"--fuel", true, &fuel, NULL},
        {"--timeout", true, &timeout, NULL},
        {"--max-memory", true, &max_mem, NULL},
        {"--auto-rollback", true, &auto_rollback, NULL},
        {"--promote", false, NULL, &promote},
        {"--force", false, NULL, &force},
        {"--no-promote", false, NULL, &no_promote},
    };
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("deploy", help, synopsis, argc, argv, flags, sizeof flags / sizeof flags[0], pos, 1, 1,
                          &npos, &o);
    if (rc >= 0) return rc;
    if (!name) {
        fprintf(stderr, "kiln deploy: --name NAME is required\nUsage: %s\n", synopsis);
        return 1;
    }
    char *q = NULL;
    size_t qlen = 0, qcap = 0;
    char num[32];
    bool ok = true;
    if (commit) ok = ok && add_q(&q, &qlen, &qcap, "commit", commit);
    if (commit_time) ok = ok && add_q(&q, &qlen, &qcap, "commit_time", commit_time);
    if (message) ok = ok && add_q(&q, &qlen, &qcap, "message", message);
    if (promote && !no_promote) ok = ok && add_q(&q, &qlen, &qcap, "promote", "1");
    if (force) ok = ok && add_q(&q, &qlen, &qcap, "force", "1");
    if (auto_rollback) ok = ok && add_q(&q, &qlen, &qcap, "auto_rollback", auto_rollback);
    uint64_t v;
    if (fuel) {
        kiln_error err = {0};
        if (!kiln_parse_fuel(fuel, true, &v, &err)) { free(q); return cli_fail("deploy", "bad --fuel: %s", err.message); }
        snprintf(num, sizeof num, "%llu", (unsigned long long)v);
        ok = ok && add_q(&q, &qlen, &qcap, "fuel", num);
    }
    if (timeout) {
        if (!client_parse_duration_ms(timeout, &v)) {
            free(q);
            return cli_fail("deploy", "bad --timeout '%s': want a duration such as 500ms, 2s or 1m, at most %llu ms",
                            timeout, (unsigned long long)KILN_MAX_TIMEOUT_MS);
        }
        snprintf(num, sizeof num, "%llu", (unsigned long long)v);
        ok = ok && add_q(&q, &qlen, &qcap, "timeout_ms", num);
    }
    if (max_mem) {
        if (!client_parse_size(max_mem, &v)) {
            free(q);
            return cli_fail("deploy", "bad --max-memory '%s': want a size such as 64MiB", max_mem);
        }
        snprintf(num, sizeof num, "%llu", (unsigned long long)v);
        ok = ok && add_q(&q, &qlen, &qcap, "max_memory", num);
    }
    char *ename = client_escape(name);
    if (!ok || !ename) { free(q); free(ename); return cli_fail("deploy", "out of memory"); }
    size_t len;
    unsigned char *bytes = cli_read_file(pos[0], &len);
    if (!bytes) {
        int saved = errno;
        free(q);
        free(ename);
        return cli_fail("deploy", "cannot read '%s': %s", pos[0], strerror(saved));
    }
    if (!(bytes = cli_text_to_binary("deploy", pos[0], bytes, &len))) {
        free(q);
        free(ename);
        return 1;
    }
    char path[512 + 8192];
    snprintf(path, sizeof path, "/api/v1/modules/%s/versions%s", ename, q ? q : "");
    free(q);
    free(ename);
    client_resp r;
    ok = client_call_hdr("deploy", &o, "POST", path, bytes, len, "application/wasm", config_header, &r);
    free(bytes);
    if (!ok) { client_resp_free(&r); return 1; }
    if (o.json) {
        client_print_json(&r);
    } else {
        char size[32];
        cJSON *sz = cJSON_GetObjectItem(r.json, "size");
        client_human_size(cJSON_IsNumber(sz) ? sz->valuedouble : 0, size, sizeof size);
        const char *ver = client_str(r.json, "version", "?");
        printf("deployed %s %s (sha256:%.12s, %s)\n", name, ver, client_str(r.json, "digest", "?"), size);
        if (cJSON_IsTrue(cJSON_GetObjectItem(r.json, "promoted")))
            printf("live: %s -> %s\n", client_str(r.json, "previous_live", "(none)"), ver);
        else
            printf("not live yet: kiln promote %s %s\n", name, ver);
    }
    client_resp_free(&r);
    return 0;
}
