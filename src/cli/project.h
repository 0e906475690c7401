/* project.h — kiln.toml, the project file: what a project's module is
 * called, how it is built, its limits, environment, secrets, routes and
 * policy. Read by kiln build, kiln run, kiln dev (kiln) and kiln deploy
 * (kiln-platform); flags given on the command line override it. The file's
 * keys are one table (project.c, cli_project_keys) from which the checks,
 * the "did you mean" of a misspelt key and docs/project.md's list come. */
#ifndef KILN_CLI_PROJECT_H
#define KILN_CLI_PROJECT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/toml.h"

#define CLI_PROJECT_FILE "kiln.toml"

typedef struct cli_project {
    char path[PATH_MAX]; /* kiln.toml, as found */
    char dir[PATH_MAX];  /* the directory holding it: the build runs there, paths are relative to it */
    const char *name;    /* [module] name: the service name kiln deploy uses */
    const char *wasm;    /* [module] wasm: what the build writes, relative to dir */
    const char *build;   /* [build] command: run by /bin/sh in dir; NULL: nothing to build */
    const char **watch;  /* [build] watch: globs kiln dev watches (default: every file but the module) */
    size_t nwatch;
    char fuel[32];       /* [limits]: as given ("" when not), checked */
    const char *timeout, *max_memory;
    char **env;          /* [env]: "NAME=VALUE" */
    size_t nenv;
    char **secrets;      /* [secrets]: "NAME=@FILE", FILE relative to the current directory */
    size_t nsecrets;
    const char **routes; /* [deploy] routes: path prefixes served by the module */
    size_t nroutes;
    bool promote;        /* [deploy] promote (default true) */
    const char *auto_rollback; /* [policy] */
    char regression_threshold[32];
    char budget[32];
    cli_toml *doc;       /* the parsed file, which the strings above point into */
} cli_project;

/* Looks for kiln.toml in dir (NULL: the current directory) and the
 * directories above it; 0 with its path in out, -1 when there is none. */
int cli_project_find(const char *dir, char *out, size_t size);
/* Reads and checks kiln.toml at path. False after printing one line,
 * "kiln CMD: kiln.toml:LINE:COLUMN: message". */
bool cli_project_load(const char *cmd, const char *path, cli_project *p);
void cli_project_free(cli_project *p);
/* The module's path as the current directory sees it (dir/wasm). */
void cli_project_wasm_path(const cli_project *p, char *out, size_t size);

/* Runs the build command in the project's directory (cmd_build.c) and
 * checks that the module exists: 0, or the exit status to return (the
 * failure printed). quiet: no progress lines. */
int cli_project_build(const char *cmd, const cli_project *p, bool quiet);

/* kiln.toml's keys, for docs and tests: section ("" for none), key, the
 * kinds of value it takes, and what it means. NULL-terminated. */
typedef struct cli_project_key {
    const char *section, *key, *kind, *what;
} cli_project_key;
extern const cli_project_key cli_project_keys[];

#endif
