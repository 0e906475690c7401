/* options.c — the option tables (options.h): one per command. */
#include <stdio.h>
#include <string.h>

#include "cli/options.h"
#include "diag/diag.h"

#define N(a) (sizeof a / sizeof a[0])
#define HELP {"--help", "-h", NULL, NULL, NULL, "show the command's help"}
#define TIER_OPTS(tiers)                                                                                   \
    {"--tier", NULL, "TIER", "words:" tiers, "interp", "execution tier"},                                  \
    {"--cache", NULL, "DIR", "dir", "/tmp", "native artifact cache"},                                      \
    {"--no-cache", NULL, NULL, NULL, NULL, "no artifact cache"},                                           \
    {"--cc", NULL, "COMPILER", "words:gcc clang-16", "gcc", "C compiler for the native tier"}
#define LIMIT_OPTS                                                                                         \
    {"--fuel", NULL, "N", NULL, "1000000", "fuel (weighted instructions)"},                                \
    {"--timeout", NULL, "DURATION", NULL, "2s", "wall-clock limit, e.g. 2s"},                              \
    {"--max-memory", NULL, "SIZE", NULL, "64MiB", "linear memory limit, e.g. 64MiB"}

const cli_option cli_common_options[] = {
    {"--server", NULL, "URL", NULL, "http://127.0.0.1:1", "the server (KILN_SERVER)"},
    {"--data", NULL, "DIR", "dir", "/nonexistent-kiln-data", "where admin.token is (KILN_DATA)"},
    {"--json", NULL, NULL, NULL, NULL, "print the server's JSON answer"},
};
const size_t cli_ncommon_options = N(cli_common_options);

static const cli_option run_o[] = {
    {"--dir", NULL, "HOST[::GUEST]", "dir", ".", "give the guest a host directory"},
    {"--env", NULL, "NAME=VALUE", NULL, "A=1", "a guest environment variable"},
    {"--invoke", NULL, "FUNC", NULL, "main", "call this export instead of _start"},
    LIMIT_OPTS,
    {"--max-table-elements", NULL, "N", NULL, "1000", "cap every table"},
    {"--max-stack", NULL, "SIZE", NULL, "1MiB", "the wasm value stack"},
    {"--max-compiled-size", NULL, "SIZE", NULL, "64MiB", "memory the compiled module may take"},
    {"--stats", NULL, "=FORMAT", "words:table json", NULL, "print resource use and cost"},
    {"--prices", NULL, "NAME|FILE", "words+file:aws-lambda-x86 cloudflare-workers", "aws-lambda-x86", "price table"},
    {"--backtrace", NULL, "0|1|full", "words:0 1 full", "full", "how much a trap report shows"},
    {"--coredump", NULL, "FILE", "file", "core.wasm", "write a coredump on a trap"},
    {"--profile", NULL, "FILE", "file", "p.txt", "write a profile"},
    {"--profile-format", NULL, "FORMAT", "words:collapsed table svg", "table", "what --profile writes"},
    TIER_OPTS("auto interp native"),
    HELP,
};
static const cli_option compile_o[] = {
    {"-o", NULL, "FILE", "file", "out.so", "write the artifact to FILE"},
    {"--emit-c", NULL, "FILE", "file", "out.c", "write the generated C"},
    {"--cache", NULL, "DIR", "dir", "/tmp", "native artifact cache"},
    {"--no-cache", NULL, NULL, NULL, NULL, "no artifact cache"},
    {"--cc", NULL, "COMPILER", "words:gcc clang-16", "gcc", "C compiler for the native tier"},
    HELP,
};
static const cli_option inspect_o[] = {
    {"--json", NULL, NULL, NULL, NULL, "one JSON object"},
    HELP,
};
static const cli_option coredump_o[] = {
    {"--module", NULL, "MODULE.wasm", "wasm", "m.wasm", "the module the coredump came from"},
    HELP,
};
static const cli_option spectest_o[] = {
    {"--verbose", "-v", NULL, NULL, NULL, "say why each bad module was rejected"},
    {"--explicit-bounds-checks", NULL, NULL, NULL, NULL, "checked memory accesses"},
    TIER_OPTS("interp native"),
    HELP,
};
static const cli_option new_o[] = {
    {"--template", "-t", "TEMPLATE", "templates", "command-c", "project template"},
    HELP,
};
static const cli_option build_o[] = {HELP};
static const cli_option completion_o[] = {HELP};
static const cli_option serve_o[] = {
    {"--listen", NULL, "ADDR:PORT", NULL, "127.0.0.1:0", "where to listen"},
    {"--data", NULL, "DIR", "dir", "/nonexistent-kiln-data", "the registry and blobs"},
    {"--threads", NULL, "N", NULL, "2", "worker threads"},
    {"--guest-threads", NULL, "N", NULL, "8", "threads that run guests"},
    {"--max-in-flight", NULL, "N", NULL, "4", "one module's guests running at once"},
    {"--max-queue", NULL, "N", NULL, "64", "one module's requests waiting"},
    {"--max-queue-wait", NULL, "DURATION", NULL, "10s", "longest wait for a guest thread"},
    {"--header-timeout", NULL, "DURATION", NULL, "10s", "time to send a request head"},
    {"--max-body", NULL, "SIZE", NULL, "16MiB", "largest request body"},
    {"--max-output", NULL, "SIZE", NULL, "16MiB", "largest response"},
    {"--connection-timeout", NULL, "SECONDS", NULL, "30", "idle connection timeout"},
    {"--max-connections", NULL, "N", NULL, "100", "connections at once"},
    {"--max-per-ip", NULL, "N", NULL, "10", "connections per client address"},
    {"--default-timeout", NULL, "DURATION", NULL, "2s", "a version's timeout when it sets none"},
    {"--default-fuel", NULL, "N", NULL, "1000000", "a version's fuel when it sets none"},
    {"--default-max-memory", NULL, "SIZE", NULL, "64MiB", "a version's memory when it sets none"},
    {"--max-table-elements", NULL, "N", NULL, "1000", "cap every table"},
    {"--cache-size", NULL, "SIZE", NULL, "64MiB", "memory the compiled modules kept may take"},
    {"--cache", NULL, "N", NULL, "16", "at most N compiled modules kept"},
    {"--max-compiled-size", NULL, "SIZE", NULL, "64MiB", "memory one compiled module may take"},
    {"--prices", NULL, "NAME|FILE", "words+file:aws-lambda-x86 cloudflare-workers", "aws-lambda-x86", "price table"},
    {"--regression-threshold", NULL, "PERCENT", NULL, "20", "cost regression threshold"},
    {"--usage-flush", NULL, "DURATION", NULL, "200ms", "how often usage is written"},
    {"--cpu-sample", NULL, "N", NULL, "1", "measure CPU time of one request in N"},
    {"--tier", NULL, "TIER", "words:auto interp", "interp", "execution tier"},
    {"--log-format", NULL, "FORMAT", "words:text json", "text", "the server log"},
    {"--webhook", NULL, "URL", NULL, "http://127.0.0.1:1/", "URL notified of kiln's decisions"},
    {"--no-usage", NULL, NULL, NULL, NULL, "keep no usage records"},
    {"--registry", NULL, "URL", NULL, "postgresql://kiln@127.0.0.1:1/kiln", "a shared PostgreSQL registry"},
    {"--node", NULL, "NAME", NULL, "n1", "this node's name in the cluster"},
    HELP,
};
static const cli_option login_o[] = {
    {"--token-file", NULL, "FILE", "file", "/nonexistent-token", "the admin token file"},
    {"--no-verify", NULL, NULL, NULL, NULL, "do not check the token"},
    HELP,
};
static const cli_option dev_o[] = {
    {"--listen", NULL, "ADDR:PORT", NULL, "127.0.0.1:0", "where the local server listens"},
    HELP,
};
static const cli_option deploy_o[] = {
    {"--name", NULL, "NAME", "modules", "x", "the module (service) name"},
    {"--promote", NULL, NULL, NULL, NULL, "make the new version live"},
    {"--no-promote", NULL, NULL, NULL, NULL, "do not promote (over kiln.toml)"},
    {"--force", NULL, NULL, NULL, NULL, "promote even if live is pinned"},
    {"--commit", NULL, "SHA", NULL, "abc", "the source commit"},
    {"--commit-time", NULL, "T", NULL, "2026-01-31T12:00:00Z", "the commit's time (ISO 8601)"},
    {"--message", NULL, "M", NULL, "m", "a note kept with the version"},
    LIMIT_OPTS,
    {"--auto-rollback", NULL, "RULE", "words:errors>5%@100req traps>5%@100req off", "off", "auto-rollback rule"},
    {"--env", NULL, "K=V", NULL, "A=1", "a guest environment variable"},
    {"--secret", NULL, "K=@FILE", NULL, "K=@/dev/null", "a secret read from FILE"},
    HELP,
};
static const cli_option list_o[] = {
    {"--names-only", NULL, NULL, NULL, NULL, "names only, one a line"},
    HELP,
};
static const cli_option limit_o[] = {
    {"--limit", NULL, "N", NULL, "5", "at most N entries"},
    HELP,
};
static const cli_option failures_o[] = {
    {"--limit", NULL, "N", NULL, "5", "at most N entries"},
    {"--request", NULL, "ID", NULL, "abc", "only that request's"},
    {"--group", NULL, NULL, NULL, NULL, "grouped by kind and top frame"},
    HELP,
};
static const cli_option logs_o[] = {
    {"--follow", "-f", NULL, NULL, NULL, "keep printing new lines"},
    {"--version", NULL, "vN", "versions", "v1", "only that version's requests"},
    {"--status", NULL, "S", "words:5xx 4xx 2xx", "5xx", "a status class or status"},
    {"--since", NULL, "D", "words:30s 10m 1h", "10m", "only the last D"},
    {"--request", NULL, "ID", NULL, "abc", "one request"},
    {"--limit", NULL, "N", NULL, "5", "at most N lines"},
    HELP,
};
static const cli_option promote_o[] = {
    {"--alias", NULL, "ALIAS", "words:live canary", "live", "the alias to move"},
    {"--reason", NULL, "R", NULL, "r", "why; kept in the history"},
    {"--force", NULL, NULL, NULL, NULL, "move a pinned alias"},
    HELP,
};
static const cli_option unpin_o[] = {
    {"--alias", NULL, "ALIAS", "words:live canary", "live", "the alias"},
    {"--reason", NULL, "R", NULL, "r", "why; kept in the history"},
    HELP,
};
static const cli_option rollback_o[] = {
    {"--to", NULL, "VERSION", "versions", "v1", "the version to return to"},
    {"--alias", NULL, "ALIAS", "words:live canary", "live", "the alias to move"},
    {"--reason", NULL, "R", NULL, "r", "why; kept in the history"},
    {"--force", NULL, NULL, NULL, NULL, "move a pinned alias"},
    HELP,
};
static const cli_option rollout_o[] = {
    {"--steps", NULL, "LIST", "words:10,25,50,100 50,100", "50,100", "increasing percentages"},
    {"--interval", NULL, "D", "words:30s 2m 10m 1h", "2m", "time per step"},
    {"--watch", NULL, NULL, NULL, NULL, "follow the status"},
    {"--reason", NULL, "TEXT", NULL, "r", "abort: kept in the history"},
    HELP,
};
static const cli_option cost_o[] = {
    {"--since", NULL, "SPAN", "words:30m 1h 24h 7d 30d", "24h", "the window"},
    {"--by", NULL, "version|day", "words:version day", "day", "one row per version or day"},
    {"--version", NULL, "vN", "versions", "v1", "only that version of NAME"},
    HELP,
};
static const cli_option dora_o[] = {
    {"--since", NULL, "SPAN", "words:24h 7d 30d", "30d", "the window"},
    HELP,
};
static const cli_option policy_o[] = {
    {"--auto-rollback", NULL, "RULE", "words:errors>5%@100req traps>5%@100req off", "off", "auto-rollback rule"},
    {"--regression-threshold", NULL, "PCT", NULL, "20", "cost regression threshold"},
    {"--budget", NULL, "AMOUNT", NULL, "off", "daily cost budget"},
    HELP,
};
static const cli_option mark_o[] = {
    {"--reason", NULL, "R", NULL, "r", "why; kept in the history"},
    HELP,
};
static const cli_option route_o[] = {HELP};
static const cli_option nodes_o[] = {HELP};
static const cli_option registry_o[] = {
    {"--data", NULL, "DIR", "dir", "/nonexistent-kiln-data", "the data directory to migrate"},
    {"--to", NULL, "URL", NULL, "postgresql://kiln@127.0.0.1:1/kiln", "the PostgreSQL database"},
    HELP,
};

#define C(cmd, tab, common) {cmd, tab, N(tab), common}
const cli_command_options cli_options[] = {
    C("run", run_o, false),           C("compile", compile_o, false),   C("inspect", inspect_o, false),
    C("coredump", coredump_o, false), C("spectest", spectest_o, false), C("new", new_o, false),
    C("build", build_o, false),       C("completion", completion_o, false),
    C("serve", serve_o, false),       C("login", login_o, false),       C("dev", dev_o, false),
    C("deploy", deploy_o, true),      C("ls", list_o, true),            C("versions", list_o, true),
    C("history", limit_o, true),      C("traps", failures_o, true),        C("logs", logs_o, true),
    C("errors", failures_o, true),       C("promote", promote_o, true),    C("pin", promote_o, true),
    C("unpin", unpin_o, true),        C("rollback", rollback_o, true),  C("route", route_o, true),
    C("rollout", rollout_o, true),    C("cost", cost_o, true),          C("dora", dora_o, true),
    C("policy", policy_o, true),      C("mark-failed", mark_o, true),   C("nodes", nodes_o, true),
    C("registry", registry_o, false),
};
const size_t cli_noptions = N(cli_options);

const cli_command_options *cli_options_of(const char *command) {
    for (size_t i = 0; i < cli_noptions; i++)
        if (!strcmp(cli_options[i].command, command)) return &cli_options[i];
    return NULL;
}

static bool is(const cli_option *o, const char *flag) {
    return !strcmp(o->name, flag) || (o->alias && !strcmp(o->alias, flag));
}

bool cli_option_known(const char *command, const char *flag) {
    const cli_command_options *c = cli_options_of(command);
    if (!c) return false;
    for (size_t i = 0; i < c->n; i++)
        if (is(&c->options[i], flag)) return true;
    for (size_t i = 0; c->common && i < cli_ncommon_options; i++)
        if (is(&cli_common_options[i], flag)) return true;
    return false;
}

const char *cli_option_suggest(const char *command, const char *flag) {
    const cli_command_options *c = cli_options_of(command);
    if (!c) return NULL;
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < c->n && n < 64; i++) names[n++] = c->options[i].name;
    for (size_t i = 0; c->common && i < cli_ncommon_options && n < 64; i++) names[n++] = cli_common_options[i].name;
    char f[64];
    snprintf(f, sizeof f, "%.*s", (int)strcspn(flag, "="), flag);
    const char *guess = NULL;
    return diag_nearest_names(f, names, n, &guess, 1) ? guess : NULL;
}

int cli_unknown_option(const char *command, const char *arg) {
    /* One line, so scripts and logs keep it whole. */
    fprintf(stderr, "kiln %s: unknown option '%s'.", command, arg);
    const char *guess = cli_option_suggest(command, arg);
    if (guess) fprintf(stderr, " Did you mean '%s'?", guess);
    fprintf(stderr, " Run 'kiln %s --help' for the options.\n", command);
    return 1;
}
