/*
 * commands.h — the subcommands that live in kiln-platform: kiln serve and
 * the commands that talk to a kiln server. They link libmicrohttpd, SQLite,
 * OpenSSL and libcurl (and, through them, some thirty more libraries), which
 * `kiln run` must not pay for at every start; so `kiln` execs kiln-platform,
 * installed beside it, for these (as git does for git-* commands).
 *
 * X(name, function, summary)
 */
#ifndef KILN_CLI_PLATFORM_COMMANDS_H
#define KILN_CLI_PLATFORM_COMMANDS_H

#define PLATFORM_COMMANDS(X)                                                                   \
    X("serve", cmd_serve, "serve versioned modules over HTTP (WAGI), with an admin API")      \
    X("login", cmd_login, "remember a server and its admin token for this user")             \
    X("dev", cmd_dev, "build, serve locally with the module live, rebuild and redeploy on save")  \
    X("deploy", cmd_deploy, "upload a module as a service's next version")                    \
    X("ls", cmd_ls, "list the modules on a server")                                            \
    X("versions", cmd_versions, "list a module's versions")                                    \
    X("history", cmd_history, "show a module's deploys and alias changes")                     \
    X("traps", cmd_traps, "show the trap reports of a module's failed requests")               \
    X("logs", cmd_logs, "show a module's request lines and guest stderr (-f follows)")       \
    X("errors", cmd_errors, "list every failed (5xx) request of a module, with its request id") \
    X("promote", cmd_promote, "point live (or an alias) at a version")                         \
    X("pin", cmd_pin, "hold live (or an alias) at a version")                                  \
    X("unpin", cmd_unpin, "release a pin")                                                     \
    X("rollback", cmd_rollback, "return live (or an alias) to its previous version")           \
    X("route", cmd_route, "serve a module at a path of your own (add, ls, rm)")              \
    X("rollout", cmd_rollout, "move live's traffic to a version step by step, while healthy")  \
    X("cost", cmd_cost, "what each version costs per request, and against the one before")    \
    X("dora", cmd_dora, "deployment frequency, lead time, change fail rate, recovery time")   \
    X("policy", cmd_policy, "a module's auto-rollback rule, cost-regression threshold, budget") \
    X("mark-failed", cmd_mark_failed, "record that a deployment failed (for kiln dora)")      \
    X("nodes", cmd_nodes, "the nodes serving from the registry, with their heartbeats")      \
    X("registry", cmd_registry, "move a data directory's registry to PostgreSQL (migrate)")

#define PLATFORM_DECLARE(name, fn, summary) int fn(int argc, char **argv);
PLATFORM_COMMANDS(PLATFORM_DECLARE)
#undef PLATFORM_DECLARE

#endif
